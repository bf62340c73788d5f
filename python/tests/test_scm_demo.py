"""`python -m causalfair demo`, and the SCM properties on real data (Adult) when
$CAUSALFAIR_DATA points at a folder holding adult.data (skipped otherwise)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import causalfair as cf
from causalfair.demo import ADULT_GRAPH, load_adult, synthetic_linear

DATA = os.environ.get("CAUSALFAIR_DATA")
HAS_ADULT = bool(DATA) and os.path.isfile(os.path.join(DATA, "adult.data"))
needs_adult = pytest.mark.skipif(not HAS_ADULT, reason="CAUSALFAIR_DATA with adult.data not set")


def run_demo(env_data):
    env = {k: v for k, v in os.environ.items() if k != "CAUSALFAIR_DATA"}
    if env_data:
        env["CAUSALFAIR_DATA"] = env_data
    return subprocess.run([sys.executable, "-m", "causalfair", "demo", "--rows", "2"],
                          capture_output=True, text=True, env=env, timeout=300)


def test_demo_on_synthetic_data():
    proc = run_demo(None)
    assert proc.returncode == 0, proc.stderr
    assert "synthetic linear SCM" in proc.stdout and "twins" in proc.stdout


@needs_adult
def test_demo_on_adult():
    proc = run_demo(DATA)
    assert proc.returncode == 0, proc.stderr
    assert "Adult" in proc.stdout and "Female" in proc.stdout


def test_synthetic_linear_is_the_documented_scm():
    df = synthetic_linear(20000, random_state=1)
    assert set(df["S"]) == {0, 1}
    coef = np.linalg.lstsq(np.column_stack([df["S"], df["X1"], np.ones(len(df))]), df["X2"],
                           rcond=None)[0]
    assert np.allclose(coef[:2], [1.0, -1.0], atol=0.05)


@needs_adult
def test_adult_scm_properties():
    df = load_adult(DATA)
    assert len(df) == 30162  # rows of adult.data without '?'
    scm = cf.SCM(ADULT_GRAPH, sensitive="sex", random_state=0).fit(df)
    assert scm.kinds_["married"] == "binary" and scm.kinds_["native-country-US"] == "binary"
    rows = df.sample(200, random_state=0)
    twins = scm.twins(rows, encoded=True)
    assert len(twins) == 400
    repeated = scm.encode(rows).loc[rows.index.repeat(2)]
    assert np.all(scm.metric(repeated.to_numpy(), twins.to_numpy()) < 1e-9)
    same = scm.counterfactual(rows, do={})
    assert np.allclose(same[["age", "education-num", "hours-per-week"]],
                       rows[["age", "education-num", "hours-per-week"]])
    flipped = scm.counterfactual(rows, do={"sex": "Female"})
    assert (flipped["sex"] == "Female").all()
    assert (flipped["age"] == rows["age"]).all()  # a root, not a descendant of sex
