"""examples/demo.ipynb runs from top to bottom (quick mode), without jupyter: every
code cell is executed in order in one namespace."""

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import causalfair as cf

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "demo.ipynb"


def _code_cells():
    nb = json.loads(NOTEBOOK.read_text())
    assert nb["nbformat"] == 4
    return [("".join(c["source"]), i) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]


def _execute(monkeypatch, tmp_path, env):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.setenv("CAUSALFAIR_QUICK", "1")
    monkeypatch.setenv("CAUSALFAIR_OUTPUT", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    for source, index in _code_cells():
        exec(compile(source, f"{NOTEBOOK.name}[cell {index}]", "exec"), namespace)
    plt.close("all")
    return namespace


def test_notebook_is_valid_nbformat4():
    nb = json.loads(NOTEBOOK.read_text())
    assert nb["nbformat"] == 4 and nb["nbformat_minor"] >= 4
    kinds = [c["cell_type"] for c in nb["cells"]]
    assert kinds.count("markdown") >= 5 and kinds.count("code") >= 8
    for cell in nb["cells"]:
        assert isinstance(cell["source"], list)
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
            compile("".join(cell["source"]), "cell", "exec")  # valid Python
    text = "".join("".join(c["source"]) for c in nb["cells"])
    for step in ("load_adult", "DataNotFoundError", "make_lin", "description", "train_test_split", "MLPMechanism",
                 "twins", "FairRobustClassifier", "cf.audit", "to_frame", "witnesses", "CAUSALFAIR_QUICK"):
        assert step in text, step


def test_the_trade_off_caption_matches_the_plot():
    """The plot has the unfair area on the x axis (lower is fairer): fairer is to the
    left, and the caption says so (it said "to the right")."""
    nb = json.loads(NOTEBOOK.read_text())
    cells = ["".join(c["source"]) for c in nb["cells"]]
    plot = next(i for i, text in enumerate(cells) if "set_xlabel" in text and "unfair area" in text)
    assert 'ax.scatter(100 * row["U_0.05"], 100 * row["accuracy"]' in cells[plot]  # x: U, y: accuracy
    caption = cells[plot - 1]
    assert "fairer is to the left" in caption and "right" not in caption
    assert "higher is more accurate" in caption


def _check(ns, tmp_path, expected_name):
    ds = ns["ds"]
    assert isinstance(ds, cf.datasets.Dataset) and ds.name == expected_name
    assert len(ds.X) == 3000
    assert isinstance(ns["scm"], cf.SCM)
    assert len(ns["X_train"]) == 2400 and len(ns["X_test"]) == 600
    twins = ns["twins"]
    assert len(twins) == 3 * len(ns["scm"].twin_levels_)
    # what the notebook says: each individual is at distance 0 from each of its twins
    assert np.allclose(ns["distances"], 0, atol=1e-12)
    assert set(ns["classifiers"]) == {"erm", "capify", "causal_at"}
    for clf in ns["classifiers"].values():
        assert isinstance(clf, cf.FairRobustClassifier) and clf.n_epochs_ == 2
    table = ns["table"]
    assert isinstance(table, pd.DataFrame)
    assert list(table.index) == ["erm", "capify", "causal_at"]
    for metric in ("accuracy", "mcc", "U_0.05", "U_0.01", "U_CF", "NR_0.05", "NR_0.01"):
        assert metric in table.columns
    assert table[["accuracy", "U_0.05", "U_CF", "NR_0.05"]].apply(lambda c: c.between(0, 1)).all().all()
    # 2 epochs: not every method has learned much yet, but ERM beats a coin
    assert table.loc["erm", "accuracy"] > 0.55
    reports = ns["reports"]
    assert all(r.to_frame().loc["U_0.05", "n"] == 300 for r in reports.values())
    # the witness cell showed the flagged point and a witness classified differently
    flags = ns["flags"]
    assert isinstance(ns["shown"], pd.DataFrame)
    if flags.any():
        shown = ns["shown"]
        predictions = shown["prediction"]
        assert predictions.loc["witness"].iloc[0] != predictions.loc["individual"].iloc[0]
    assert (tmp_path / "tradeoff.png").read_bytes()[:4] == b"\x89PNG"


def test_notebook_runs_on_adult(monkeypatch, tmp_path):
    data = os.environ.get("CAUSALFAIR_DATA")
    if not data or not (Path(data) / "adult.data").is_file():
        pytest.skip("Adult files not in $CAUSALFAIR_DATA")
    ns = _execute(monkeypatch, tmp_path, {"CAUSALFAIR_OFFLINE": "1"})
    _check(ns, tmp_path, "adult")
    assert ns["model"] == "mlp" and ns["note"] == "Adult"
    assert ns["scm"] is not ns["ds"].scm or ns["ds"].scm is None


def test_notebook_falls_back_on_lin(monkeypatch, tmp_path):
    empty = tmp_path / "no-data"
    empty.mkdir()
    ns = _execute(monkeypatch, tmp_path, {"CAUSALFAIR_DATA": str(empty), "XDG_CACHE_HOME": str(empty),
                                          "HOME": str(empty), "CAUSALFAIR_OFFLINE": "1"})
    _check(ns, tmp_path, "lin")
    assert ns["model"] == "logistic" and ns["scm"] is ns["ds"].scm
    # on LIN, ERM is counterfactually unfair (its U_CF is far from 0)
    assert ns["table"].loc["erm", "U_CF"] > 0.05
    assert np.isfinite(ns["table"].to_numpy(float)).all()
