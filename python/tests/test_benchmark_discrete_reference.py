"""The benchmark's numpy reference of discrete nodes (benchmarks/_discrete_reference.py)
computes what the engine computes: the same fitted parameters, and twins under
posterior draws with the same distribution (different random numbers, so not the
same bits). Synthetic data of Adult's shape: S (sensitive) and A roots, B binary
(Gumbel-max) on S and A, X continuous on S, A and B."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import causalfair as cf
from causalfair import _handles

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from _discrete_reference import LinearGumbelSCM  # noqa: E402


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(3)
    n = 4000
    s = rng.integers(0, 2, n)
    a = rng.normal(size=n)
    b = (rng.random(n) < 1 / (1 + np.exp(-(-0.3 + 1.2 * s + 0.8 * a)))).astype(int)
    x = 0.5 * s - a + 1.5 * b + rng.normal(size=n)
    frame = pd.DataFrame({"S": s, "A": a, "B": b, "X": x})
    scm = cf.SCM({"B": ["S", "A"], "X": ["S", "A", "B"]}, sensitive="S", mechanism="linear",
                 discrete="gumbel", random_state=0).fit(frame)
    E = scm._data(frame, "X")[0]
    parameters = np.asarray(_handles.export_state(scm._handle)[0])
    return scm, E, parameters


def test_reference_fit_equals_the_engine_fit(fitted):
    """Least squares and the logistic Newton optimum: the same parameters to 1e-9."""
    scm, E, parameters = fitted
    reference = LinearGumbelSCM.like(scm).fit(E)
    flat = np.concatenate([c for c in reference.coefficients if c is not None])
    assert flat.shape == parameters.shape
    np.testing.assert_allclose(flat, parameters, atol=1e-9)


def test_reference_twins_match_the_engine_in_distribution(fitted):
    """On 30 rows with R = 4000 draws each: the factual twin is the row in every draw
    (both); per (row, level), the frequency of B′ = 1 agrees within
    4·sqrt(2·p(1−p)/R) + 1e-3 (two independent Monte Carlo means); and X′ is the same
    deterministic function of (level, B′) in both, to 1e-9."""
    scm, E, parameters = fitted
    rows, draws = E[:30], 4000
    reference = LinearGumbelSCM.like(scm).with_parameters(parameters)
    ours = np.asarray(scm.twins(rows, encoded=True, n_draws=draws, random_state=1)).reshape(30, draws, 2, -1)
    theirs = reference.twins(rows, draws, np.random.default_rng(2)).reshape(30, draws, 2, -1)
    s, b, x = 0, 2, 3
    for r in range(30):
        factual = int(rows[r, s])
        for twins in (ours, theirs):  # discrete columns exactly, X′ = f + (x − f) to rounding
            own = twins[r, :, factual, :]
            assert np.array_equal(own[:, [s, 1, b]], np.repeat(rows[r][None, [s, 1, b]], draws, axis=0))
            np.testing.assert_allclose(own[:, x], rows[r, x], rtol=0, atol=1e-12)
        for level in (0, 1):
            p, q = ours[r, :, level, b].mean(), theirs[r, :, level, b].mean()
            pooled = (p + q) / 2
            assert abs(p - q) <= 4 * np.sqrt(2 * pooled * (1 - pooled) / draws) + 1e-3, (r, level, p, q)
            for switched in (0.0, 1.0):
                mine = ours[r, :, level, x][ours[r, :, level, b] == switched]
                other = theirs[r, :, level, x][theirs[r, :, level, b] == switched]
                if len(mine) and len(other):
                    assert np.ptp(mine) == 0 and np.ptp(other) == 0
                    assert abs(mine[0] - other[0]) < 1e-9
    # Not a vacuous comparison: some counterfactual B′ differ from B with a probability strictly inside (0, 1).
    counterfactual = np.array([ours[r, :, 1 - int(rows[r, s]), b].mean() for r in range(30)])
    assert np.any((counterfactual > 0.05) & (counterfactual < 0.95))
