"""Black-box audits (any classifier with ``predict``): adaptive rounds of draws whose
flags are those of predicting every draw, indicators that nest (U_CF ⊂ U_Δ, NR_Δ ⊂ U_Δ,
U_Δ ⊂ U_Δ′ for Δ < Δ′), one ``predict`` per round, progress after every ``predict``,
and columns outside the SCM held fixed at each row's own values."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

import causalfair as cf
from _support import LIN_GRAPH, synthetic_linear
from causalfair import _black_box

BlackBoxPath = importlib.import_module("causalfair.audit")._BlackBoxPath


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


def exhaustive(clf, scm, X, radii, n_samples, seed):
    """The flags of predicting every draw the adaptive audit makes (same rounds, blocks
    and seeds), with the same nesting: the reference it must equal."""
    rows, levels, d = len(X), len(scm._twin_labels), len(scm.columns_)
    own = clf.predict(X)
    factual = scm.factual_levels(X)
    twins = scm.decode(scm.perturbation_ball(X, 0.0, 1, random_state=0, encoded=True).to_numpy())
    unfair = (clf.predict(twins).reshape(rows, levels) != own[:, None]).any(axis=1)
    flags = {(0.0, False): unfair.copy()}
    robust = np.zeros(rows, dtype=bool)
    for index in np.argsort(radii, kind="stable"):
        radius = radii[index]
        sizes = _black_box.round_sizes(n_samples)
        block = max(1, _black_box.DRAW_VALUES // (levels * max(sizes) * d))
        for round_index, k in enumerate(sizes):
            for start in range(0, rows, block):
                part = X.iloc[start:start + block]
                seed_ = _black_box.block_seed(seed, int(index), round_index, start // block)
                ball = scm.perturbation_ball(part, radius, k, random_state=seed_, encoded=True).to_numpy()
                differs = (clf.predict(scm.decode(ball)).reshape(len(part), levels, k)
                           != own[start:start + len(part), None, None])
                unfair[start:start + len(part)] |= differs.any(axis=(1, 2))
                robust[start:start + len(part)] |= differs[np.arange(len(part)), factual[start:start + len(part)]].any(axis=1)
        unfair |= robust
        flags[(radius, False)], flags[(radius, True)] = unfair.copy(), robust.copy()
    return flags


@pytest.mark.parametrize("radii, n_samples, small", [((0.05, 0.2), 40, False), ((0.3,), 100, False),
                                                     ((0.3, 0.05), 60, True)])
def test_flags_equal_predicting_every_draw(lin, radii, n_samples, small, monkeypatch):
    """Also with small blocks and predict calls (several per round)."""
    scm, clf, X, _ = lin
    if small:
        monkeypatch.setattr(_black_box, "PREDICT_POINTS", 500)
        monkeypatch.setattr(_black_box, "DRAW_VALUES", 1_000)
    path = BlackBoxPath(clf, scm, X)
    adaptive = path.run_all(list(radii), n_samples, 11, None)
    reference = exhaustive(clf, scm, X, list(radii), n_samples, 11)
    assert adaptive.keys() == reference.keys()
    for key, expected in reference.items():
        np.testing.assert_array_equal(adaptive[key][0], expected, err_msg=str(key))
    assert any(adaptive[(r, False)][0].any() for r in radii)
    # Witnesses are recorded exactly for the flagged rows and are predicted differently.
    for key, (flags, levels, witnesses) in adaptive.items():
        assert ((levels >= 0) == flags).all() and (np.isfinite(witnesses).all(axis=1) == flags).all()
        if flags.any():
            moved = clf.predict(scm.decode(witnesses[flags]))
            assert (moved != clf.predict(X)[flags]).all()


def test_the_indicators_nest_and_repeat_for_the_same_seed(lin):
    scm, clf, X, y = lin
    report = cf.audit(clf, scm, X, y, radii=(0.05, 0.2), n_samples=60, random_state=5)
    again = cf.audit(clf, scm, X, y, radii=(0.05, 0.2), n_samples=60, random_state=5)
    u_cf, small, large = report.flags(0), report.flags(0.05), report.flags(0.2)
    nr_small, nr_large = report.flags(0.05, kind="non_robust"), report.flags(0.2, kind="non_robust")
    for inner, outer in [(u_cf, small), (small, large), (nr_small, small), (nr_large, large), (nr_small, nr_large)]:
        assert not (inner.to_numpy() & ~outer.to_numpy()).any()
    assert large.sum() > small.sum() > 0
    for name in report.indicators:
        assert report.indicators[name].flags.tolist() == again.indicators[name].flags.tolist()


def test_one_predict_per_round_and_fewer_points_than_every_draw(lin):
    scm, clf, X, _ = lin
    counting = Counting(clf)
    n_samples, radii = 200, (0.3, 0.05)
    cf.audit(counting, scm, X, radii=radii, n_samples=n_samples, random_state=0)
    rounds = len(_black_box.round_sizes(n_samples))
    # own predictions (twice: the indicators' and the group metrics'), the twins, one per round per radius
    assert counting.calls <= 3 + rounds * len(radii)
    levels = len(scm._twin_labels)
    every_draw = len(X) * (levels + len(radii) * (levels + 1) * n_samples)  # the former U_Δ and NR_Δ draws
    assert counting.points < every_draw / 2


def test_progress_after_every_predict_reaches_the_end(lin, monkeypatch):
    scm, clf, X, _ = lin
    monkeypatch.setattr(_black_box, "PREDICT_POINTS", 2_000)
    monkeypatch.setattr(_black_box, "DRAW_VALUES", 2_000)
    counting, fractions = Counting(clf), []
    path = BlackBoxPath(counting, scm, X)
    path.run_all([0.05], 100, 0, fractions.append)
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
