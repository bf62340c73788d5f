"""Black-box audits (any classifier with ``predict``): the engine's sampling points
(the same streams as ``method="sample"``), flags those of predicting every point with
the first differing point as witness, the twins predicted once for every indicator,
one ``predict`` per block of samples, progress after every ``predict``, and columns
outside the SCM held fixed at each row's own values."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import causalfair as cf
from _support import LIN_GRAPH, synthetic_linear
from causalfair import _black_box, _models

audit_module = importlib.import_module("causalfair.audit")
BlackBoxPath, Posterior = audit_module._BlackBoxPath, audit_module.Posterior


@pytest.fixture(scope="module")
def lin():
    df = synthetic_linear(400, random_state=1)
    y = (df.X1 + df.X2 + 0.3 * np.random.default_rng(2).normal(size=len(df)) > 0.5).astype(int).to_numpy()
    scm = cf.SCM(LIN_GRAPH, sensitive="S", random_state=0).fit(df)
    return scm, LogisticRegression().fit(df, y), df.iloc[:120], y[:120]


class Counting:
    """A classifier's ``predict`` that counts calls and points."""

    def __init__(self, clf):
        self.clf, self.calls, self.points = clf, 0, 0
        self.feature_names_in_ = clf.feature_names_in_

    def predict(self, X):
        self.calls += 1
        self.points += len(X)
        return self.clf.predict(X)


def exhaustive(clf, scm, X, plan, n_samples, posterior=Posterior()):
    """The flags of predicting every point of every ball (all samples at once, no
    blocks), per (row, draw) pair: the reference the black-box audit must equal."""
    rows, levels, draws = len(X), len(scm._twin_labels), posterior.n_draws
    x = np.ascontiguousarray(scm.encode(X).to_numpy(), dtype=np.float64)
    own = np.repeat(clf.predict(X), draws)  # the row is its factual twin in every draw
    twins = clf.predict(scm.decode(_models.audit_ball(scm._handle, x, 0.0, False, levels, range(1), 0,
                                                      n_draws=draws, posterior_seed=posterior.seed)))
    twins = twins.reshape(rows * draws, levels) != own[:, None]
    factual = np.repeat(scm.factual_levels(X), draws)
    flags = {}
    for radius, factual_only, seed in plan:
        balls = 1 if factual_only else levels
        found = twins[np.arange(rows * draws), factual] if factual_only else twins.any(axis=1)
        if radius > 0:
            points = _models.audit_ball(scm._handle, x, radius, factual_only, balls, range(n_samples), seed,
                                        n_draws=draws, posterior_seed=posterior.seed)
            found = found | (clf.predict(scm.decode(points)).reshape(rows * draws, -1) != own[:, None]).any(axis=1)
        flags[(radius, factual_only)] = found
    return flags


def test_flags_equal_predicting_every_point_under_posterior_draws():
    """With a Gumbel-max child of S and 4 posterior draws per row, every (row, draw)
    pair's flags equal predicting every point of that draw's balls; the draws matter
    (some rows are flagged in some draws only)."""
    rng = np.random.default_rng(3)
    n = 400
    s = rng.integers(0, 2, n)
    x = rng.normal(size=n)
    b = (rng.random(n) < 1 / (1 + np.exp(-(1.5 * s - 0.5 + x)))).astype(int)
    w = x + 1.2 * b + 0.3 * rng.normal(size=n)
    df = pd.DataFrame({"S": s, "X": x, "B": b, "W": w})
    y = (w + 0.5 * rng.normal(size=n) > 0.8).astype(int)
    scm = cf.SCM({"B": ["S", "X"], "W": ["B", "X"]}, sensitive="S", discrete="gumbel", random_state=0).fit(df)
    clf = LogisticRegression().fit(df, y)
    X = df.iloc[:80]
    plan = [(0.0, False, 3), (0.2, False, 11), (0.2, True, 12)]
    posterior = Posterior(4, 7)
    adaptive = BlackBoxPath(clf, scm, X).run_all(plan, 70, posterior, None)
    reference = exhaustive(clf, scm, X, plan, 70, posterior)
    for key, expected in reference.items():
        assert adaptive[key][0].shape == (80 * 4,)
        np.testing.assert_array_equal(adaptive[key][0], expected, err_msg=str(key))
    per_row = reference[(0.0, False)].reshape(80, 4)
    assert (per_row.any(axis=1) & ~per_row.all(axis=1)).any()


@pytest.mark.parametrize("radii, n_samples, small", [((0.05, 0.2), 40, False), ((0.3,), 100, False),
                                                     ((0.3, 0.05), 150, True)])
def test_flags_equal_predicting_every_point(lin, radii, n_samples, small, monkeypatch):
    """Also with small blocks of rows and predict calls (several per sample block)."""
    scm, clf, X, _ = lin
    if small:
        monkeypatch.setattr(_black_box, "PREDICT_POINTS", 500)
        monkeypatch.setattr(_black_box, "DRAW_VALUES", 1_000)
    plan = [(0.0, False, 3)] + [(r, f, 11 + i) for i, r in enumerate(radii) for f in (False, True)]
    path = BlackBoxPath(clf, scm, X)
    adaptive = path.run_all(plan, n_samples, Posterior(), None)
    reference = exhaustive(clf, scm, X, plan, n_samples)
    assert adaptive.keys() == reference.keys()
    for key, expected in reference.items():
        np.testing.assert_array_equal(adaptive[key][0], expected, err_msg=str(key))
    assert any(adaptive[(r, False)][0].sum() > adaptive[(0.0, False)][0].sum() for r in radii)
    # Witnesses are recorded exactly for the flagged rows and are predicted differently.
    for key, (flags, levels, witnesses) in adaptive.items():
        assert ((levels >= 0) == flags).all() and (np.isfinite(witnesses).all(axis=1) == flags).all()
        if flags.any():
            moved = clf.predict(scm.decode(witnesses[flags]))
            assert (moved != clf.predict(X)[flags]).all()


def test_twins_are_in_every_ball_and_the_same_seed_repeats(lin):
    scm, clf, X, y = lin
    report = cf.audit(clf, scm, X, y, radii=(0.05, 0.2), n_samples=60, random_state=5)
    again = cf.audit(clf, scm, X, y, radii=(0.05, 0.2), n_samples=60, random_state=5)
    u_cf, small, large = report.flags(0), report.flags(0.05), report.flags(0.2)
    for outer in (small, large):
        assert not (u_cf.to_numpy() & ~outer.to_numpy()).any()
    assert large.sum() > small.sum() > 0
    for name in report.indicators:
        assert report.indicators[name].flags.tolist() == again.indicators[name].flags.tolist()
        assert report.indicators[name].witnesses.equals(again.indicators[name].witnesses)


def test_one_predict_per_block_and_fewer_points_than_every_draw(lin):
    scm, clf, X, _ = lin
    counting = Counting(clf)
    n_samples, radii = 200, (0.3, 0.05)
    cf.audit(counting, scm, X, radii=radii, n_samples=n_samples, random_state=0)
    blocks = -(-n_samples // _black_box.SAMPLE_BLOCK)
    # own predictions (twice: the indicators' and the group metrics'), the twins, one per block per indicator
    assert counting.calls <= 3 + blocks * 2 * len(radii)
    levels = len(scm._twin_labels)
    # every point of every ball: the twins, then U_Δ's levels and NR_Δ's factual ball
    # (drawn apart, from their own streams, as the engine does); flagged rows stop
    every_draw = len(X) * (levels + len(radii) * (levels + 1) * n_samples)
    assert counting.points < 0.8 * every_draw


def test_progress_after_every_predict_reaches_the_end(lin, monkeypatch):
    scm, clf, X, _ = lin
    monkeypatch.setattr(_black_box, "PREDICT_POINTS", 2_000)
    monkeypatch.setattr(_black_box, "DRAW_VALUES", 2_000)
    counting, fractions = Counting(clf), []
    path = BlackBoxPath(counting, scm, X)
    path.run_all([(0.05, False, 0)], 640, Posterior(), fractions.append)
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert len(fractions) >= counting.calls - 1  # every predict but the own predictions
    assert len(fractions) >= 8 and np.diff([0.0, *fractions]).max() < 0.15  # even steps, none a big jump


class ZipModel:
    """Predicts 1 when X1 + zip > 0: a classifier on an SCM node and a column outside it."""

    feature_names_in_ = np.array(["X1", "zip"], dtype=object)

    def predict(self, X):
        return (X["X1"].to_numpy() + X["zip"].to_numpy() > 0).astype(int)


def test_columns_outside_the_scm_are_held_fixed(lin):
    scm, _, X, _ = lin
    rng = np.random.default_rng(3)
    X = X.assign(zip=np.where(rng.random(len(X)) < 0.5, rng.choice([-100.0, 100.0], len(X)), -X.X1))
    report = cf.audit(ZipModel(), scm, X, radii=(0.05,), n_samples=50, random_state=0)
    assert report.passthrough == ["zip"]
    assert "held fixed" in repr(report) and "zip" in repr(report)
    far = X["zip"].abs().to_numpy() == 100
    # The rows whose zip decides the prediction are never flagged: their own zip is
    # kept in every twin and ball. The rows on the boundary (zip = −X1) are.
    for name in report.indicators:
        assert not report.indicators[name].flags[far].any(), name
    assert report.flags(0.05)[~far].mean() > 0.5


def test_columns_outside_the_scm_must_be_in_x(lin):
    scm, _, X, _ = lin
    with pytest.raises(ValueError, match="neither SCM nodes nor columns of X"):
        cf.audit(ZipModel(), scm, X, radii=(0.05,), n_samples=5)
