"""The five-way trade-off (issue 17, item 5): accuracy, fairness (U_0.05, U_CF),
robustness (NR_0.05), privacy (the membership-inference advantage of two attacks) and
recourse (the recourse gap) of erm / causal_at / capify trained with DP-SGD at
ε ∈ {∞, 8, 3, 1} on Adult and LIN.

    python tradeoff.py run DATASET FIRST_SEED END_SEED OUT.csv [N_JOBS]   # cells, one csv row each
    python tradeoff.py assemble OUT_DIR PART.csv...                      # runs.csv, summary.csv, table.md, tradeoff.png

Protocol (the reproduction's, ``causalfair.experiments``, where DP allows): for every
data set, seed, method and ε an 80/20 split (``random_state=seed``); Adam, learning
rate 0.01, batch 100, 10 epochs; Δ = ε_capify = 0.05; logistic regression on LIN, an MLP
d→100→100→1 (tanh) on Adult. Differences, forced by DP and kept at every ε (∞ too) so
the columns compare: the threshold is 0.5 (an MCC threshold would be chosen on the
training rows: refused under DP); Adult's SCM is refitted per seed on the training split
with one-hidden-layer (100 tanh) MLP mechanisms and ``discrete="gumbel"`` (binary
``married`` by Gumbel-max MLP logits).

Privacy budget: at ε < ∞ the classifier is trained by DP-SGD (C = 1, δ = 1/(10 n)).
LIN is audited against its exact, known SCM (nothing fitted on the data); on Adult the
SCM is fitted on the same rows, so it gets a DP fit too and the budget is split: SCM
fit at target ε/2 and classifier at target ε/2, and the table reports the composition
of both by a fresh RDP accountant (``total_epsilon`` = ``FairRobustClassifier.
total_epsilon_``; at most ε). The SCM's latent sample, noise scales and standardization
statistics stay unprotected (see ``causalfair.privacy``).

Metrics on ``N_AUDIT`` test rows (a seeded permutation): accuracy, U_0.05, U_CF,
NR_0.05 (``cf.audit``, each indicator on its own), the recourse gap
(``cf.audit(..., recourse=dict(actionable=ACTIONABLE[dataset]))``: the largest
difference, over a row's twins, of the cheapest action that gets a positive decision;
the data sets define no actionable set, so we use the continuous non-root nodes a
person can change — Adult: education-num, hours-per-week; LIN: X1, X2). The
membership-inference advantage (``cf.privacy.membership_advantage``, ``attack="loss"``
and ``"lira"``) on ``N_MIA`` training rows (members) against ``N_MIA`` test rows.
Proportions in %.
"""

from __future__ import annotations

import functools
import math
import sys
import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

import causalfair as cf
from causalfair import privacy

METHODS = ["erm", "causal_at", "capify"]
EPSILONS = [math.inf, 8.0, 3.0, 1.0]
ACTIONABLE = {"adult": ["education-num", "hours-per-week"], "lin": ["X1", "X2"]}
N_AUDIT, N_MIA, N_LIN = 1000, 2000, 10_000
METRICS = ["accuracy", "U_0.05", "U_CF", "NR_0.05", "mia_loss", "mia_lira", "recourse_gap"]


@functools.lru_cache(maxsize=4)
def dataset(name: str, seed: int):
    """Adult (the same for every seed), or LIN drawn with the seed (as the reproduction)."""
    return cf.datasets.load_adult() if name == "adult" else cf.datasets.make_lin(N_LIN, random_state=seed)


def run_cell(name: str, method: str, epsilon: float, seed: int) -> dict:
    """One cell: train ``method`` at ``epsilon`` on data set ``name`` with ``seed``, audit it, attack it."""
    started = time.perf_counter()
    ds = dataset(name, 0 if name == "adult" else seed)
    X_train, X_test, y_train, y_test = ds.train_test_split(test_size=0.2, random_state=seed)
    private = math.isfinite(epsilon)
    if name == "adult":
        share = dict(target_epsilon=epsilon / 2) if private else None
        scm = ds.make_scm(cf.MLPMechanism(hidden_layer_sizes=(100,), epochs=10), discrete="gumbel",
                          random_state=seed, privacy=share).fit(X_train)
    else:
        share = dict(target_epsilon=epsilon) if private else None
        scm = ds.scm
    fitted_scm = time.perf_counter()
    clf = cf.FairRobustClassifier(scm=scm, model="logistic" if name == "lin" else "mlp",
                                  hidden_layer_sizes=(100, 100), activation="tanh", method=method, radius=0.05,
                                  epsilon=0.05, epochs=10, batch_size=100, learning_rate=0.01, threshold=0.5,
                                  privacy=share, random_state=seed, verbose=False).fit(X_train, y_train)
    trained = time.perf_counter()
    rows = np.random.default_rng(seed).permutation(len(X_test))[:N_AUDIT]
    report = cf.audit(clf, scm, X_test.iloc[rows], y_test.iloc[rows], radii=(0.05,), random_state=seed,
                      recourse=dict(actionable=ACTIONABLE[name])).to_frame()
    audited = time.perf_counter()
    members = np.random.default_rng(seed + 1).permutation(len(X_train))[:N_MIA]
    others = np.random.default_rng(seed + 2).permutation(len(X_test))[:N_MIA]
    attack = {a: privacy.membership_advantage(clf, X_train.iloc[members], y_train.iloc[members],
                                              X_test.iloc[others], y_test.iloc[others], attack=a)
              for a in ("loss", "lira")}
    done = time.perf_counter()
    row = {"dataset": name, "method": method, "epsilon": epsilon, "seed": seed, "n_train": len(X_train),
           "classifier_epsilon": getattr(clf, "epsilon_", math.inf),
           "scm_epsilon": getattr(scm, "epsilon_", math.inf if name == "adult" else 0.0),
           "total_epsilon": getattr(clf, "total_epsilon_", math.inf),
           "seconds_scm": fitted_scm - started, "seconds_train": trained - fitted_scm,
           "seconds_audit": audited - trained, "seconds_mia": done - audited}
    for metric in ("accuracy", "U_0.05", "U_CF", "NR_0.05"):
        row[metric] = 100 * float(report.loc[metric, "value"])
    row["recourse_gap"] = float(report.loc["recourse_gap", "value"])
    row["mia_loss"], row["mia_lira"] = 100 * attack["loss"], 100 * attack["lira"]
    return row


def run(name: str, seeds: range, out: str, n_jobs: int = 1) -> None:
    """Every (seed, method, ε) cell of ``name``, appended to ``out`` as each finishes."""
    cells = [(name, method, epsilon, seed) for seed in seeds for method in METHODS for epsilon in EPSILONS]
    path = Path(out)
    done = pd.read_csv(path) if path.exists() else pd.DataFrame(columns=["dataset", "method", "epsilon", "seed"])
    finished = {(r.dataset, r.method, float(r.epsilon), int(r.seed)) for r in done.itertuples()}
    todo = [cell for cell in cells if cell not in finished]
    for row in joblib.Parallel(n_jobs=n_jobs, return_as="generator")(joblib.delayed(run_cell)(*c) for c in todo):
        frame = pd.DataFrame([row])
        frame.to_csv(path, mode="a", header=not path.exists(), index=False)
        print(f"{row['dataset']:5s} {row['method']:9s} eps {row['epsilon']:>4} seed {row['seed']:2d}: "
              f"acc {row['accuracy']:5.1f} U_0.05 {row['U_0.05']:5.1f} U_CF {row['U_CF']:5.1f} "
              f"NR {row['NR_0.05']:5.1f} MIA {row['mia_loss']:4.1f}/{row['mia_lira']:4.1f} "
              f"gap {row['recourse_gap']:.3f} total eps {row['total_epsilon']:.2f} "
              f"({row['seconds_scm'] + row['seconds_train'] + row['seconds_audit'] + row['seconds_mia']:.0f} s)",
              flush=True)


def summarize(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean ± standard deviation over seeds per (data set, method, ε), and the seed count."""
    groups = runs.groupby(["dataset", "method", "epsilon"], sort=False)
    summary = groups[METRICS + ["total_epsilon"]].agg(["mean", "std"])
    summary.columns = [f"{metric}_{stat}" for metric, stat in summary.columns]
    summary["seeds"] = groups.size()
    return summary.reset_index()


def markdown(summary: pd.DataFrame) -> str:
    header = ("| data | method | ε target | ε spent (total) | seeds | accuracy | U_0.05 | U_CF | NR_0.05 | "
              "MIA loss | MIA LiRA | recourse gap |")
    lines = [header, "|" + "---|" * 12]
    for r in summary.to_dict("records"):
        cells = [r["dataset"], r["method"], "∞" if math.isinf(r["epsilon"]) else f"{r['epsilon']:g}",
                 "∞" if math.isinf(r["total_epsilon_mean"]) else f"{r['total_epsilon_mean']:.2f}", str(r["seeds"])]
        for metric in METRICS:
            digits = 3 if metric == "recourse_gap" else 1
            cells.append(f"{r[metric + '_mean']:.{digits}f} ± {r[metric + '_std']:.{digits}f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(summary: pd.DataFrame, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(summary["dataset"]))
    fig, axes = plt.subplots(len(datasets), len(METRICS), figsize=(3.0 * len(METRICS), 2.8 * len(datasets)),
                             squeeze=False)
    positions = {e: i for i, e in enumerate(EPSILONS)}
    for i, name in enumerate(datasets):
        for j, metric in enumerate(METRICS):
            ax = axes[i][j]
            for method in METHODS:
                part = summary[(summary["dataset"] == name) & (summary["method"] == method)]
                part = part.assign(position=part["epsilon"].map(positions)).sort_values("position")
                ax.errorbar(part["position"], part[metric + "_mean"], yerr=part[metric + "_std"], marker="o",
                            capsize=2, label=method)
            ax.set_xticks(range(len(EPSILONS)), ["∞" if math.isinf(e) else f"{e:g}" for e in EPSILONS])
            ax.set_title(f"{name}: {metric}" + ("" if metric == "recourse_gap" else " (%)"), fontsize=9)
            ax.set_xlabel("ε target")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def assemble(out_dir: str, parts: list) -> None:
    runs = pd.concat([pd.read_csv(p) for p in parts], ignore_index=True)
    runs = runs.drop_duplicates(["dataset", "method", "epsilon", "seed"])
    order = runs.assign(m=runs["method"].map(METHODS.index), e=runs["epsilon"].map(EPSILONS.index))
    runs = runs.loc[order.sort_values(["dataset", "m", "e", "seed"]).index]
    out = Path(out_dir)
    runs.to_csv(out / "runs.csv", index=False)
    summary = summarize(runs)
    summary.to_csv(out / "summary.csv", index=False)
    (out / "table.md").write_text(markdown(summary))
    plot(summary, out / "tradeoff.png")


if __name__ == "__main__":
    if len(sys.argv) >= 6 and sys.argv[1] == "run":
        run(sys.argv[2], range(int(sys.argv[3]), int(sys.argv[4])), sys.argv[5],
            int(sys.argv[6]) if len(sys.argv) > 6 else 1)
    elif len(sys.argv) >= 4 and sys.argv[1] == "assemble":
        assemble(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)
