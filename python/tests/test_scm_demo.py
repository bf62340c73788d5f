"""`python -m causalfair demo` (the README's main job), the CLI, and the SCM
properties on real data (Adult) when $CAUSALFAIR_DATA holds it (skipped otherwise)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import causalfair as cf
from _support import synthetic_linear

DATA = os.environ.get("CAUSALFAIR_DATA")
HAS_ADULT = bool(DATA) and os.path.isfile(os.path.join(DATA, "adult.data"))
needs_adult = pytest.mark.skipif(not HAS_ADULT, reason="CAUSALFAIR_DATA with adult.data not set")


def run_demo(tmp_path, data):
    env = {k: v for k, v in os.environ.items() if k != "CAUSALFAIR_DATA"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # no cached copy of Adult
    args = [sys.executable, "-m", "causalfair", "demo", "--quick", "--output", str(tmp_path / "out")]
    if data is not None:
        args += ["--data", data]
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)


def test_demo_without_data_falls_back_to_the_synthetic_scm(tmp_path, monkeypatch):
    # An empty data folder and no way to fetch: pip is pointed at nothing.
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    proc = run_demo(tmp_path, str(tmp_path / "empty"))
    assert proc.returncode == 0, proc.stderr
    assert "synthetic LIN SCM" in proc.stdout
    for method in ("erm", "capify", "causal_at"):
        assert method in proc.stdout
    assert (tmp_path / "out" / "tradeoff.png").stat().st_size > 1000


@needs_adult
def test_demo_on_adult(tmp_path):
    proc = run_demo(tmp_path, DATA)
    assert proc.returncode == 0, proc.stderr
    assert "Adult" in proc.stdout and "U_0.05" in proc.stdout
    assert (tmp_path / "out" / "tradeoff.png").is_file()


def test_synthetic_linear_is_the_documented_scm():
    df = synthetic_linear(20000, random_state=1)
    assert set(df["S"]) == {0, 1}
    coef = np.linalg.lstsq(np.column_stack([df["S"], df["X1"], np.ones(len(df))]), df["X2"], rcond=None)[0]
    assert np.allclose(coef[:2], [1.0, -1.0], atol=0.05)


@needs_adult
def test_adult_scm_properties():
    ds = cf.datasets.load_adult(data_home=DATA)
    scm = ds.make_scm(random_state=0).fit(ds.X)
    assert scm.kinds_["married"] == "binary" and scm.kinds_["native-country-US"] == "binary"
    rows = ds.X.sample(200, random_state=0)
    twins = scm.twins(rows, encoded=True)
    assert len(twins) == 400
    repeated = scm.encode(rows).loc[rows.index.repeat(2)]
    assert np.all(scm.metric(repeated.to_numpy(), twins.to_numpy()) < 1e-9)
