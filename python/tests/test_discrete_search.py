"""Searches through a Gumbel-max node (DESIGN §4, "Discrete nodes"): `attack` and
causal_at follow the Gumbel-softmax straight-through surrogate, so they can move a
discrete descendant of the perturbable coordinates, while every point they return
or score is a hard individual. SCM: S (sensitive), X and Z roots, B binary Gumbel-max
on (S, X); the label follows B and Z."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import causalfair as cf

RADIUS = 0.2


def _data(n, seed):
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 2, n)
    x = rng.normal(size=n)
    z = rng.normal(size=n)
    b = (rng.random(n) < 1 / (1 + np.exp(-(0.3 * s + 2 * x)))).astype(int)
    y = (rng.random(n) < 1 / (1 + np.exp(-(3 * b - 1.5 + 2 * z)))).astype(int)
    return pd.DataFrame({"S": s, "X": x, "Z": z, "B": b}), pd.Series(y, name="y")


@pytest.fixture(scope="module")
def setting():
    X, y = _data(3000, 0)
    X_test, y_test = _data(1000, 1)
    scm = cf.SCM({"B": ["S", "X"], "Z": []}, sensitive="S", mechanism="linear", discrete="gumbel", random_state=0).fit(X)
    return X, y, X_test, y_test, scm


def _unfair_area(clf, scm, X_test, y_test):
    frame = cf.audit(clf, scm, X_test, y_test, radii=(RADIUS,), method="attack", random_state=0).to_frame()
    return float(frame.loc[f"U_{RADIUS:g}", "value"]), frame


def _fit(scm, method, X, y):
    return cf.FairRobustClassifier(scm=scm, model="mlp", hidden_layer_sizes=(16,), method=method, radius=RADIUS, epochs=20,
                                   random_state=0, verbose=False).fit(X, y)


def test_attack_witnesses_switch_b_and_reproduce(setting):
    """erm leans on B; the attack's witnesses are hard individuals (S and B exactly 0
    or 1) that `predict` classifies differently from their row, many with B switched.
    What this checks is the end to end path (hard, reproducing witnesses); it would also
    hold with a zero pullback through B (the twins switch B through S, and X moves B at
    the hard point). That the surrogate itself finds the switches is tested in Swift
    with a classifier that reads B only, where a zero pullback finds none
    (``DiscreteSearchTests``, "attack through a Gumbel-max node")."""
    X, y, X_test, y_test, scm = setting
    erm = _fit(scm, "erm", X, y)
    report = cf.audit(erm, scm, X_test, y_test, radii=(RADIUS,), method="attack", random_state=0)
    witnesses = report.witnesses(RADIUS)
    assert len(witnesses) > 50
    rows = X_test.loc[witnesses.index.get_level_values(0) if isinstance(witnesses.index, pd.MultiIndex)
                      else witnesses.index]
    assert set(np.unique(witnesses["B"])) <= {0, 1} and set(np.unique(witnesses["S"])) <= {0, 1}
    assert np.all(erm.predict(witnesses[list(X_test.columns)]) != erm.predict(rows))
    assert np.mean(witnesses["B"].to_numpy() != rows["B"].to_numpy()) > 0.2


def test_causal_at_lowers_the_unfair_area_against_erm(setting):
    """causal_at's worst case covers the twins (through S) and, through the surrogate,
    switches of B by X: its U_Δ by attack (Δ = 0.2, MLP (16,)) and U_CF are below
    erm's at the same accuracy. Measured: erm U_0.2 0.210, U_CF 0.039; causal_at 0.195,
    0.015. (A causal_at trained with the former zero pullback, audited by the same
    attack, gets 0.188 and 0.015: on this SCM the reduction comes from the twins,
    not from the surrogate — see the session report.)"""
    X, y, X_test, y_test, scm = setting
    erm = _fit(scm, "erm", X, y)
    fair = _fit(scm, "causal_at", X, y)
    u_erm, erm_frame = _unfair_area(erm, scm, X_test, y_test)
    u_fair, fair_frame = _unfair_area(fair, scm, X_test, y_test)
    assert u_fair < u_erm, (u_fair, u_erm)
    assert fair_frame.loc["U_CF", "value"] < 0.5 * erm_frame.loc["U_CF", "value"]
    assert fair.score(X_test, y_test) > erm.score(X_test, y_test) - 0.01
