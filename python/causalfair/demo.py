"""The README's main job (``make demo``, ``python -m causalfair demo``): load Adult
(fetching it when needed; the synthetic LIN SCM when it cannot be had), fit its SCM,
show individuals beside their counterfactual twins, train ``erm``, ``capify`` and
``causal_at``, audit them, print the table and write the accuracy / unfair-area
trade-off plot."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, Optional, Tuple, Union

import numpy as np
import pandas as pd

from . import datasets
from .audit import audit
from .classifier import FairRobustClassifier
from .mechanisms import MLPMechanism

__all__ = ["load_demo_data", "run"]

METHODS = ("erm", "capify", "causal_at")


def load_demo_data(data_home: Optional[str] = None, quick: bool = False) -> Tuple[Any, str]:
    """(dataset, note): Adult when it can be found or fetched, else the LIN SCM.

    ``quick`` keeps 4,000 Adult rows (for tests)."""
    try:
        ds = datasets.load_adult(data_home=data_home)
    except (datasets.DataNotFoundError, datasets.ChecksumError) as exc:
        first_line = str(exc).splitlines()[0]
        return datasets.make_lin(4000 if quick else 10_000, random_state=0), \
            f"Adult is not available ({first_line}); using the synthetic LIN SCM instead."
    if quick:
        keep = np.random.default_rng(0).permutation(len(ds.X))[:4000]
        ds.X, ds.y = ds.X.iloc[keep].reset_index(drop=True), ds.y.iloc[keep].reset_index(drop=True)
    return ds, f"Adult: {len(ds.X)} rows."


def run(data_home: Optional[str] = None, output_dir: str = "demo-output", seed: int = 0, quick: bool = False,
        verbose: bool = False) -> pd.DataFrame:
    """Run the demo; returns the audit table (one row per method) and writes
    ``tradeoff.png`` in ``output_dir``. ``verbose=True`` shows a progress bar per
    training run (the command line ``python -m causalfair demo`` asks for it)."""
    ds, note = load_demo_data(data_home, quick)
    print(f"causalfair demo — {note}\n{ds}\n")
    X_train, X_test, y_train, y_test = ds.train_test_split(test_size=0.2, random_state=seed)
    started = time.perf_counter()
    if ds.scm is not None:
        scm, model = ds.scm, "logistic"
        print("SCM: the exact ground-truth SCM of the data set.")
    else:
        scm = ds.make_scm(MLPMechanism(hidden_layer_sizes=(100,), epochs=2 if quick else 10),
                          random_state=seed).fit(X_train)
        model = "mlp"
        print(f"SCM: fitted one-hidden-layer (100 tanh) MLP mechanisms in {time.perf_counter() - started:.1f} s.")
    people = X_test.head(3)
    with pd.option_context("display.width", 140, "display.max_columns", 20, "display.precision", 2):
        print("\nthree individuals and their counterfactual twins (every level of "
              f"{', '.join(ds.sensitive)}):")
        print(scm.twins(people))
    rows: Dict[str, Dict[str, Union[float, str]]] = {}
    rng = np.random.default_rng(seed)
    audit_rows = rng.permutation(len(X_test))[:1000]
    for method in METHODS:
        clf = FairRobustClassifier(scm=scm, model=model, hidden_layer_sizes=(100, 100), method=method,
                                   radius=0.05, epsilon=0.05, epochs=3 if quick else 10, batch_size=100,
                                   learning_rate=0.01, threshold="mcc", random_state=seed, verbose=verbose)
        start = time.perf_counter()
        clf.fit(X_train, y_train)
        trained = time.perf_counter() - start
        report = audit(clf, scm, X_test.iloc[audit_rows], y_test.iloc[audit_rows], radii=(0.05, 0.01),
                       random_state=seed).to_frame()
        values = report["value"]
        rows[method] = {"accuracy": float(values["accuracy"]), "mcc": float(values["mcc"]),
                        "U_0.05": float(values["U_0.05"]), "U_0.01": float(values["U_0.01"]),
                        "U_CF": float(values["U_CF"]), "NR_0.05": float(values["NR_0.05"]),
                        "train_s": trained, "audit": str(report["method"]["U_0.05"])}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "method"
    with pd.option_context("display.width", 140, "display.precision", 3):
        print(f"\naudit on {len(audit_rows)} test individuals (proportions; U = unfair area, "
              "NR = non-robust area, U_CF = counterfactual unfairness):")
        print(table)
    path = plot_tradeoff(table, Path(output_dir) / "tradeoff.png", ds.name)
    if path:
        print(f"\ntrade-off plot: {path}")
    return table


def plot_tradeoff(table: pd.DataFrame, path: Path, name: str) -> Optional[str]:
    """Accuracy against U_0.05, one point per method (PNG); None without matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - optional dependency
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(4.8, 3.6))
    for method, row in table.iterrows():
        ax.scatter(100 * row["U_0.05"], 100 * row["accuracy"], s=60)
        ax.annotate(str(method), (100 * row["U_0.05"], 100 * row["accuracy"]), textcoords="offset points",
                    xytext=(6, 4))
    ax.set_xlabel("unfair area U_0.05 (%) — lower is fairer")
    ax.set_ylabel("accuracy (%)")
    ax.set_title(f"{name}: accuracy vs unfair area")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return str(path)
