"""Reproduction of the CAPIFY paper's results table (:func:`run`), our numbers beside
the published ones (:func:`summarize`, :func:`markdown_table`, :func:`plot`).

Protocol (the paper's): for each data set, method and seed — an 80/20 split; Adam,
learning rate 0.01, batch 100, 10 epochs; Δ = ε = 0.05; the threshold maximising MCC
on the training set; logistic regression for LIN and IMF, an MLP d→100→100→1 with
tanh otherwise; Adult and COMPAS SCMs fitted on the training split with
one-hidden-layer (100 tanh) MLP mechanisms, the synthetic data sets audited against
their exact SCMs; ross steps on the data set's actionable nodes
(:attr:`~causalfair.datasets.Dataset.actionable`, the reference code's). Metrics on (at
most) ``n_audit`` test points: accuracy, MCC, U_0.05,
U_0.01, U_CF, NR_0.05, NR_0.01 — each indicator computed on its own (the paper
nested them: U_0.01 and U_CF counted only points already unfair at 0.05). Beside them,
the paper's estimator (:data:`PAPER_METRICS`: sampling with 1,000 samples per ball, and
the nested variants), so that each published number has a column to be compared with
(:func:`paper_estimator_table`).

Every cell (data set × method × seed) is a task that carries its own seed, so the
table is the same whatever runs the cells: in turn, on local processes (``n_jobs``,
joblib's loky backend), or on a cluster through any joblib backend — Dask
(``joblib.parallel_config(backend="dask")`` with a ``dask.distributed.Client``;
``python -m causalfair reproduce --scheduler ADDRESS``) or Ray (its
``register_ray()`` backend). Each worker process loads a data set once and keeps it
(:func:`_dataset`), not once per cell.
"""

from __future__ import annotations

import functools
import numbers
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, cast

import joblib  # type: ignore[import-untyped]  # joblib ships no type information
import numpy as np
import pandas as pd

from . import datasets as _datasets
from ._models import OBJECTIVES
from .audit import audit
from .classifier import FairRobustClassifier
from .mechanisms import MLPMechanism
from .schema import DISCRETE_MODES

__all__ = ["DATASETS", "METHODS", "METRICS", "PAPER_METRICS", "TIMINGS", "PUBLISHED", "run", "run_one",
           "authors_non_robust", "summarize", "markdown_table", "paper_estimator_table", "plot", "write"]

DATASETS = ("adult", "compas", "lin", "nlm", "imf", "loan")
#: The paper's methods, run by default; ``methods=`` takes any of
#: ``FairRobustClassifier``'s (``"trades"`` too: see results/trades).
METHODS = ("erm", "al", "cal", "llr", "capify", "causal_at")
METRICS = ("accuracy", "mcc", "U_0.05", "U_0.01", "U_CF", "NR_0.05", "NR_0.01")
#: The columns of a run's row that are timings (seconds), not results.
TIMINGS = ("seconds_scm", "seconds_train", "seconds_audit", "seconds_paper_audit")
#: The paper's estimator beside ours (``paper_estimator=True``): every indicator by
#: sampling (1,000 samples per ball, the same points), and U_0.01 and U_CF nested in
#: U_0.05 as the reference code counted them (a point only if already unfair at 0.05).
#: NR also under the authors' own ball (:func:`authors_non_robust`: the sensitive
#: coordinates perturbed too), alone and nested in sampled U_0.05 as they counted it.
PAPER_METRICS = ("sampled_U_0.05", "sampled_U_0.01", "sampled_U_CF", "sampled_NR_0.05", "nested_U_0.01",
                 "nested_U_CF", "authors_NR_0.05", "nested_authors_NR_0.05")

#: Published means (%, 97 seeds): accuracy, U_0.05, U_CF, NR_0.05 (CAPIFY paper, Table).
PUBLISHED: Dict[Tuple[str, str], Dict[str, float]] = {
    ("adult", "erm"): {"accuracy": 79.7, "U_0.05": 21.3, "U_CF": 17.6, "NR_0.05": 4.0},
    ("adult", "capify"): {"accuracy": 78.1, "U_0.05": 7.2, "U_CF": 2.7, "NR_0.05": 4.6},
    ("compas", "erm"): {"accuracy": 67.8, "U_0.05": 21.4, "U_CF": 17.4, "NR_0.05": 4.2},
    ("compas", "capify"): {"accuracy": 62.7, "U_0.05": 5.7, "U_CF": 1.5, "NR_0.05": 4.2},
    ("lin", "erm"): {"accuracy": 68.0, "U_0.05": 44.4, "U_CF": 42.7, "NR_0.05": 17.5},
    ("lin", "capify"): {"accuracy": 62.3, "U_0.05": 18.5, "U_CF": 14.9, "NR_0.05": 9.1},
    ("imf", "erm"): {"accuracy": 71.9, "U_0.05": 5.4, "U_CF": 2.3, "NR_0.05": 3.6},
    ("imf", "capify"): {"accuracy": 72.1, "U_0.05": 4.2, "U_CF": 0.4, "NR_0.05": 3.8},
    ("loan", "erm"): {"accuracy": 84.8, "U_0.05": 35.4, "U_CF": 34.6, "NR_0.05": 22.9},
    ("loan", "capify"): {"accuracy": 69.5, "U_0.05": 22.4, "U_CF": 21.5, "NR_0.05": 13.9},
    ("nlm", "erm"): {"accuracy": 70.7, "U_0.05": 57.2, "U_CF": 54.2, "NR_0.05": 40.7},
    ("nlm", "capify"): {"accuracy": 44.5, "U_0.05": 38.1, "U_CF": 35.8, "NR_0.05": 23.6},
}

_LINEAR_DATA = ("lin", "imf")
_SYNTHETIC = {"lin": _datasets.make_lin, "nlm": _datasets.make_nlm, "imf": _datasets.make_imf,
              "loan": _datasets.make_loan}


@functools.lru_cache(maxsize=16)
def _dataset(name: str, seed: int, n_synthetic: int, data_home: Any) -> Any:
    """The data set of a cell, loaded once per process and kept (the 16 most recently
    used): Adult and COMPAS depend only on ``data_home``, a synthetic data set on its
    seed and size. Cells only read it."""
    if name in _SYNTHETIC:
        return _load(name, seed, n_synthetic, data_home)
    return _load(name, 0, n_synthetic, data_home)


def _load(name: str, seed: int, n_synthetic: int, data_home: Any) -> Any:
    if name in _SYNTHETIC:
        return _SYNTHETIC[name](n_synthetic, random_state=seed)
    if name == "adult":
        return _datasets.load_adult(data_home=data_home)
    if name == "compas":
        return _datasets.load_compas(data_home=data_home, sensitive="sex")
    raise ValueError(f"datasets: expected names from {list(DATASETS)}, got {name!r}")


def run_one(name: str, method: str, seed: int, *, n_synthetic: int = 10_000, n_audit: int = 1000,
            n_samples: int = 1000, audit_method: str = "auto", data_home: Any = None,
            dataset: Any = None, n_threads: Optional[int] = None, discrete: str = "anm",
            paper_estimator: bool = True) -> Dict[str, Any]:
    """One cell of the table: train ``method`` on data set ``name`` with ``seed`` and
    audit it. Returns a dict of metrics (proportions in %), timings and settings.

    ``dataset``: the data set to use; default: this process's copy of ``name``
    (loaded on first use, see :func:`_dataset`). ``n_threads``: the engine's threads
    for training and the audit (None: :func:`causalfair.get_threads`); the result
    does not depend on it. ``discrete``: how the fitted SCMs of Adult and COMPAS model
    their binary and categorical non-root nodes (:class:`~causalfair.SCM`'s
    ``discrete``): ``"anm"``, the published protocol (continuous codes), or
    ``"gumbel"``, realizable individuals (audited at posterior draw 0 of the seed);
    the synthetic data sets' exact SCMs do not depend on it. ``paper_estimator``: also
    the :data:`PAPER_METRICS` — the paper's estimator (sampling, 1,000 samples per ball,
    and the nested U_0.01 and U_CF), from a second, sampled audit of the same points
    with the same seed (the main audit's when ``audit_method="sample"``)."""
    started = time.perf_counter()
    ds = dataset if dataset is not None else _dataset(name, seed, n_synthetic, data_home)
    X_train, X_test, y_train, y_test = ds.train_test_split(test_size=0.2, random_state=seed)
    if ds.scm is not None:
        scm = ds.scm
    else:
        scm = ds.make_scm(MLPMechanism(hidden_layer_sizes=(100,), epochs=10), random_state=seed,
                          discrete=discrete).fit(X_train)
    fitted_scm = time.perf_counter()
    linear = name in _LINEAR_DATA
    # ross steps on the data set's actionable nodes, as the reference code (capify keeps
    # its penalty on every perturbable node: results/capify_stability/).
    actionable = list(ds.actionable) if method == "ross" and ds.actionable else None
    clf = FairRobustClassifier(scm=scm, model="logistic" if linear else "mlp", hidden_layer_sizes=(100, 100),
                               activation="tanh", method=method, radius=0.05, epsilon=0.05, epochs=10,
                               batch_size=100, learning_rate=0.01, threshold="mcc", random_state=seed,
                               verbose=False, actionable=actionable, n_threads=n_threads).fit(X_train, y_train)
    trained = time.perf_counter()
    rows = np.random.default_rng(seed).permutation(len(X_test))[:n_audit]
    points, labels = X_test.iloc[rows], y_test.iloc[rows]
    audited = audit(clf, scm, points, labels, radii=(0.05, 0.01), method=audit_method, n_samples=n_samples,
                    random_state=seed, n_threads=n_threads)
    report = audited.to_frame()
    done = time.perf_counter()
    result = {"dataset": name, "method": method, "seed": seed, "discrete": discrete if ds.scm is None else "exact",
              "n_train": len(X_train), "n_audit": len(rows),
              "audit_method": report.loc["U_0.05", "method"], "seconds_scm": fitted_scm - started,
              "seconds_train": trained - fitted_scm, "seconds_audit": done - trained}
    for metric in METRICS:
        value = float(report["value"][metric])
        result[metric] = value if metric == "mcc" else 100 * value
    if paper_estimator:
        sampled = audited if audit_method == "sample" and n_samples == _PAPER_SAMPLES else audit(
            clf, scm, points, labels, radii=(0.05, 0.01), method="sample", n_samples=_PAPER_SAMPLES,
            random_state=seed, n_threads=n_threads)
        result.update(_paper_estimates(sampled))
        authors = authors_non_robust(clf, scm, points, radius=0.05, n_samples=_PAPER_SAMPLES, random_state=seed) \
            if result["discrete"] != "gumbel" else np.full(len(rows), np.nan)
        u05 = sampled.flags(0.05).to_numpy(bool)
        result["authors_NR_0.05"] = 100 * float(authors.mean())
        result["nested_authors_NR_0.05"] = 100 * float((authors.astype(bool) & u05).mean()) \
            if not np.isnan(authors).any() else np.nan
        result["seconds_paper_audit"] = time.perf_counter() - done
    return result


#: The paper's samples per ball (m = 1,000).
_PAPER_SAMPLES = 1000


def _paper_estimates(sampled: Any) -> Dict[str, float]:
    """The sampled and nested :data:`PAPER_METRICS` (%) from a sampled audit's per-point flags."""
    u05, u01, u_cf = (sampled.flags(r).to_numpy(bool) for r in (0.05, 0.01, 0))
    non_robust = sampled.flags(0.05, "non_robust").to_numpy(bool)
    values = {"sampled_U_0.05": u05, "sampled_U_0.01": u01, "sampled_U_CF": u_cf, "sampled_NR_0.05": non_robust,
              "nested_U_0.01": u01 & u05, "nested_U_CF": u_cf & u05}
    return {name: 100 * float(flags.mean()) for name, flags in values.items()}


def authors_non_robust(clf: Any, scm: Any, points: pd.DataFrame, *, radius: float = 0.05, n_samples: int = 1000,
                       random_state: Any = None, chunk_rows: int = 100) -> np.ndarray:
    """Non-robustness under the CAPIFY authors' ball, by sampling: per point, whether one
    of ``n_samples`` points drawn uniformly from {φ⁻¹(φ(v) + δ) : ‖δ‖₂ ≤ Δ} gets another
    prediction than the point itself.

    Their robustness ball (``CAP(x, sensitive=[])`` in the reference code) differs from
    :func:`causalfair.audit`'s factual-only ball in one respect: δ ranges over *every*
    coordinate of φ(v), the sensitive ones included (ours keeps a sensitive node at its
    value, DESIGN §4), and over the immutable nodes' noise when an SCM declares any (the
    reference code has none). A sensitive coordinate then moves off its levels (a 0/1
    code by up to Δ), and φ⁻¹ propagates the fractional code to its descendants — a
    point no individual is, which is why our ball does not contain it; this column only
    makes the published NR comparable. Samples are drawn per point (the reference code
    reused one set of δ for every point) with ``random_state``'s generator, in chunks of
    ``chunk_rows`` points.

    Returns
    -------
    numpy.ndarray of bool, one per row of ``points``.
    """
    z = np.asarray(scm.transform(points), dtype=float)
    own = clf.predict(points)
    rng = np.random.default_rng(random_state)
    dimension = z.shape[1]
    flags = np.zeros(len(z), dtype=bool)
    for start in range(0, len(z), chunk_rows):
        block = z[start:start + chunk_rows]
        delta = rng.standard_normal((block.shape[0], n_samples, dimension))
        lengths = radius * rng.random((block.shape[0], n_samples, 1)) ** (1 / dimension)
        delta *= lengths / np.linalg.norm(delta, axis=2, keepdims=True)
        moved = (block[:, None, :] + delta).reshape(-1, dimension)
        predictions = np.asarray(clf.predict(scm.inverse_transform(moved), encoded=True))
        flags[start:start + block.shape[0]] = (predictions.reshape(block.shape[0], n_samples)
                                               != own[start:start + block.shape[0], None]).any(axis=1)
    return flags


def run(datasets: Sequence[str] = DATASETS, methods: Sequence[str] = METHODS, seeds: Iterable[int] = range(10),
        *, n_synthetic: int = 10_000, n_audit: int = 1000, n_samples: int = 1000, audit_method: str = "auto",
        data_home: Any = None, output_dir: Optional[str] = None, verbose: bool = False,
        log: Callable[[str], None] = print, n_jobs: Optional[int] = None, discrete: str = "anm",
        paper_estimator: bool = True) -> pd.DataFrame:
    """Run every (data set, method, seed) cell; returns one row per run, in the order
    data set, seed, method — the same rows whatever ``n_jobs`` and joblib backend.

    With ``output_dir``: writes ``runs.csv``, ``summary.csv``, ``table.md`` and one
    ``<metric>.png`` per metric (matplotlib) there, after every data set. With
    ``verbose=True``, one ``log`` line per run (the command line asks for it).

    ``n_jobs``: cells run as joblib tasks, ``n_jobs`` at a time (-1: one per core);
    None follows the active ``joblib.parallel_config`` (one at a time, in this process,
    without one). Under ``joblib.parallel_config(backend="dask")`` and a
    ``dask.distributed.Client`` they run on the Dask cluster's workers; under Ray's
    joblib backend on Ray. Each worker loads a data set once. ``log`` is called in this
    process, for every cell in order, as results arrive. Cells that run side by side
    (``joblib.effective_n_jobs(n_jobs) > 1``) use one engine thread each; cells run
    one at a time use :func:`causalfair.get_threads` threads. Either way the rows are
    the same. ``discrete`` and ``paper_estimator``: as in :func:`run_one`.

    Examples
    --------
    >>> results = run(["lin"], ["erm", "capify"], seeds=range(2), n_synthetic=2000)  # doctest: +SKIP
    >>> print(markdown_table(summarize(results)))  # doctest: +SKIP
    """
    datasets, methods = _names(datasets, "datasets", DATASETS), _names(methods, "methods", OBJECTIVES)
    if discrete not in DISCRETE_MODES:
        raise ValueError(f"discrete: expected one of {list(DISCRETE_MODES)}, got {discrete!r}")
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral) or n_jobs == 0):
        raise ValueError(f"n_jobs: expected None or a non-zero int (-1: one task per core), got {n_jobs!r}")
    seeds = list(seeds)
    cells = [(name, seed, method) for name in datasets for seed in seeds for method in methods]
    # Cells running side by side use one engine thread each (no oversubscription);
    # cells run one at a time use every core.
    settings = dict(n_synthetic=n_synthetic, n_audit=n_audit, n_samples=n_samples, audit_method=audit_method,
                    data_home=data_home, n_threads=1 if joblib.effective_n_jobs(n_jobs) > 1 else None,
                    discrete=discrete, paper_estimator=paper_estimator)
    rows: List[Dict[str, Any]] = []
    results = joblib.Parallel(n_jobs=n_jobs, return_as="generator")(
        joblib.delayed(run_one)(name, method, seed, **settings) for name, seed, method in cells)
    for (name, _, _), row in zip(cells, results):
        rows.append(row)
        if verbose:
            log(f"{name:7s} {row['method']:9s} seed {row['seed']:3d}: acc {row['accuracy']:5.1f}  "
                f"U_0.05 {row['U_0.05']:5.1f}  U_CF {row['U_CF']:5.1f}  NR_0.05 {row['NR_0.05']:5.1f}  "
                f"({row['seconds_scm'] + row['seconds_train'] + row['seconds_audit']:.1f} s)")
        if output_dir is not None and (len(rows) == len(cells) or cells[len(rows)][0] != name):
            write(pd.DataFrame(rows), output_dir)
    return pd.DataFrame(rows)


def _names(value: Any, name: str, allowed: Sequence[str]) -> List[str]:
    """A name or a list of names, each one of ``allowed``."""
    if isinstance(value, str):
        value = [value]
    try:
        names = list(value)
    except TypeError:
        raise TypeError(f"{name}: expected a list of names from {list(allowed)}, got {value!r}") from None
    for item in names:
        if item not in allowed:
            raise ValueError(f"{name}: expected names from {list(allowed)}, got {item!r}")
    return names


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation over seeds of every metric, per (data set, method).

    ``results`` is the table :func:`run` returns (or its CSV, read back)."""
    if not isinstance(results, pd.DataFrame):
        raise TypeError(f"results: expected the DataFrame experiments.run returns, got {type(results).__name__}")
    missing = [c for c in ("dataset", "method", "seed", *METRICS) if c not in results.columns]
    if missing:
        raise ValueError(f"results: expected the columns experiments.run writes; missing {missing}")
    metrics = list(METRICS) + [m for m in PAPER_METRICS if m in results.columns]
    grouped = results.groupby(["dataset", "method"], sort=False)[metrics]
    summary = grouped.agg(["mean", "std"])
    summary[("seeds", "")] = results.groupby(["dataset", "method"], sort=False)["seed"].nunique()
    return summary


def markdown_table(summary: pd.DataFrame) -> str:
    """Our mean ± sd beside the published means (%, where published), from the table
    :func:`summarize` returns."""
    if not isinstance(summary, pd.DataFrame) or ("seeds", "") not in summary.columns:
        raise TypeError(f"summary: expected the DataFrame experiments.summarize returns, got "
                        f"{type(summary).__name__}" + (" without its columns" if isinstance(summary, pd.DataFrame) else ""))
    lines = ["| data set | method | seeds | accuracy | MCC | U_0.05 | U_0.01 | U_CF | NR_0.05 | NR_0.01 |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for key, row in summary.iterrows():
        name, method = cast(Tuple[str, str], key)  # the summary's index: (data set, method)
        published = PUBLISHED.get((name, method), {})
        cells = []
        for metric in METRICS:
            mean, sd = row[(metric, "mean")], row[(metric, "std")]
            sd = 0.0 if sd != sd else sd
            cell = f"{mean:.3f} ± {sd:.3f}" if metric == "mcc" else f"{mean:.1f} ± {sd:.1f}"
            if metric in published:
                cell += f" ({published[metric]:.1f})"
            cells.append(cell)
        lines.append(f"| {name} | {method} | {int(row['seeds'].iloc[0]) if hasattr(row['seeds'], 'iloc') else int(row['seeds'])} | "
                     + " | ".join(cells) + " |")
    lines += ["", "Cells: our mean ± sd over seeds (%; MCC as a coefficient); in parentheses the published "
              "mean over 97 seeds. The published U_0.01 and U_CF were nested (a point counted only if "
              "already unfair at 0.05); ours are each computed on their own."]
    return "\n".join(lines)


def paper_estimator_table(summary: pd.DataFrame) -> str:
    """The paper's estimator beside ours and the published means (%), from a
    :func:`summarize` table of runs with the :data:`PAPER_METRICS`: for U_0.05, U_CF and
    NR_0.05, our estimate (attack or exact), the sampled one, and the published; U_CF
    and U_0.01 also nested in U_0.05 as the paper counted them."""
    if not isinstance(summary, pd.DataFrame) or ("nested_U_CF", "mean") not in summary.columns:
        raise ValueError("summary: expected experiments.summarize of runs with the paper-estimator columns "
                         "(run with paper_estimator=True)")
    lines = ["| data set | method | U_0.05 ours | sampled | (published) | U_CF ours | sampled | nested | (published) "
             "| U_0.01 ours | sampled | nested | NR_0.05 ours | sampled | authors' ball | nested | (published) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for key, row in summary.iterrows():
        name, method = cast(Tuple[str, str], key)  # the summary's index: (data set, method)
        published = PUBLISHED.get((name, method), {})

        def mean(metric: str) -> str:
            value = row[(metric, "mean")] if (metric, "mean") in row.index else np.nan
            return "–" if np.isnan(value) else f"{value:.1f}"

        def paper(metric: str) -> str:
            return f"({published[metric]:.1f})" if metric in published else ""

        cells = [mean("U_0.05"), mean("sampled_U_0.05"), paper("U_0.05"), mean("U_CF"), mean("sampled_U_CF"),
                 mean("nested_U_CF"), paper("U_CF"), mean("U_0.01"), mean("sampled_U_0.01"), mean("nested_U_0.01"),
                 mean("NR_0.05"), mean("sampled_NR_0.05"), mean("authors_NR_0.05"), mean("nested_authors_NR_0.05"),
                 paper("NR_0.05")]
        lines.append(f"| {name} | {method} | " + " | ".join(cells) + " |")
    lines += ["", "Means over seeds (%). ours: the table's estimator (attack, or the exact closed form); sampled: "
              "1,000 samples per ball at the same points and seed (the paper's estimator, a lower bound); nested: "
              "counted only at points already unfair at 0.05 by sampling, as the reference code did; authors' ball: NR "
              "sampled in the reference code's robustness ball, which also perturbs the sensitive coordinates "
              "(authors_non_robust; – where not computed: runs from before it existed, or discrete='gumbel'); in "
              "parentheses the published mean over 97 seeds."]
    return "\n".join(lines)


def plot(results: pd.DataFrame, output_dir: str) -> List[str]:
    """One PNG per metric: our mean ± sd per data set and method, published means as
    black ticks. Returns the file paths (none when matplotlib is missing)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - optional dependency
        return []
    summary = summarize(results)
    paths = []
    names = list(dict.fromkeys(summary.index.get_level_values(0)))
    methods = list(dict.fromkeys(summary.index.get_level_values(1)))
    width = 0.8 / max(len(methods), 1)
    for metric in METRICS:
        fig, ax = plt.subplots(figsize=(1.5 + 1.3 * len(names), 3.8))
        for j, method in enumerate(methods):
            xs, means, sds, published = [], [], [], []
            for i, name in enumerate(names):
                if (name, method) in summary.index:
                    row = summary.loc[(name, method)]
                    xs.append(i + (j - (len(methods) - 1) / 2) * width)
                    means.append(row[(metric, "mean")])
                    sds.append(0 if row[(metric, "std")] != row[(metric, "std")] else row[(metric, "std")])
                    published.append(PUBLISHED.get((name, method), {}).get(metric, np.nan))
            ax.bar(xs, means, width, yerr=sds, capsize=2, label=method)
            ax.scatter(xs, published, marker="_", color="black", s=120, zorder=3)
        ax.set_xticks(range(len(names)), names)
        ax.set_ylabel(metric + ("" if metric == "mcc" else " (%)"))
        ax.set_title(f"{metric}: ours (bars, mean ± sd) and published (black ticks)")
        ax.legend(fontsize=7, ncol=3)
        fig.tight_layout()
        path = str(Path(output_dir) / f"{metric}.png")
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def write(results: pd.DataFrame, output_dir: str) -> None:
    """runs.csv, summary.csv, table.md (and paper_estimator.md when the runs have the
    :data:`PAPER_METRICS`) and the plots, in ``output_dir``.

    A run split into parts (``python -m causalfair reproduce --first-seed F --seeds N``
    into several folders) is joined by writing the concatenation of the parts'
    ``runs.csv``:
    ``write(pd.concat([pd.read_csv(f"{part}/runs.csv") for part in parts]), "all")``."""
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    results.to_csv(folder / "runs.csv", index=False)
    summary = summarize(results)
    summary.to_csv(folder / "summary.csv")
    (folder / "table.md").write_text(markdown_table(summary) + "\n")
    if "nested_U_CF" in results.columns:  # runs with the paper's estimator (any part, old or new)
        (folder / "paper_estimator.md").write_text(paper_estimator_table(summary) + "\n")
    plot(results, output_dir)
