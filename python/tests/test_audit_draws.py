"""Audits on Gumbel-max SCMs (DESIGN §4, "Discrete nodes" and "Unfair area"): n_draws
posterior draws per row, one model audited natively and as a black box getting the
same indicators, witnesses that are real counterexamples, and the refusals of
discrete="anm" where its codes would be shown as individuals."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import causalfair as cf
from causalfair import _engine
from causalfair.scm import ContinuousCodeWarning

DELTA = 0.05


class Wrapped:
    """The same prediction function as a black box (no engine access)."""

    def __init__(self, clf):
        self.clf = clf

    def predict(self, X):
        return self.clf.predict(X)


def _data(name, rows):
    ds = cf.datasets.load_adult(download_if_missing=False) if name == "adult" else \
        cf.datasets.load_compas(sensitive="sex", download_if_missing=False)
    X, y = ds.X.iloc[:rows].reset_index(drop=True), ds.y.iloc[:rows].reset_index(drop=True)
    return ds, X, y


@pytest.fixture(scope="module")
def adult():
    ds, X, y = _data("adult", 2000)
    scm = ds.make_scm("linear", discrete="gumbel", random_state=0).fit(X)
    clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="erm", random_state=0).fit(X, y)
    return scm, clf, X.iloc[:300], y.iloc[:300]


@pytest.mark.parametrize("n_draws", [None, 3])
def test_one_model_one_audit(adult, n_draws):
    """A causalfair logistic regression audited natively and the same predict wrapped
    as a black box: the same flags, witnesses and indicators, bit for bit."""
    scm, clf, X, y = adult
    native = cf.audit(clf, scm, X, y, radii=(DELTA,), method="sample", n_samples=100, random_state=4,
                      n_draws=n_draws)
    box = cf.audit(Wrapped(clf), scm, X, y, radii=(DELTA,), method="sample", n_samples=100, random_state=4,
                   n_draws=n_draws)
    for name in ("U_CF", f"U_{DELTA:g}", f"NR_{DELTA:g}"):
        a, b = native.indicators[name], box.indicators[name]
        np.testing.assert_array_equal(a.flags, b.flags, err_msg=name)
        pd.testing.assert_frame_equal(a.witnesses, b.witnesses, obj=name)
        assert a.proportion == b.proportion
    frame = native.to_frame()
    assert frame.loc[f"U_{DELTA:g}", "value"] > frame.loc["U_CF", "value"] > 0  # the balls matter


def test_counterfactual_flags_per_draw_are_the_twins_of_that_draw(adult):
    scm, clf, X, _ = adult
    report = cf.audit(clf, scm, X, radii=(DELTA,), method="sample", n_samples=20, random_state=9, n_draws=5)
    flags = report.flags(0)
    assert flags.shape == (len(X), 5) and flags.columns.name == "draw"
    twins = scm.twins(X, n_draws=5, random_state=9)
    own = clf.predict(X)
    differs = (clf.predict(twins).reshape(len(X), 5, -1) != own[:, None, None]).any(axis=2)
    np.testing.assert_array_equal(flags.to_numpy(), differs)
    p = report.probabilities(0)
    np.testing.assert_allclose(p.to_numpy(), differs.mean(axis=1))
    assert 0 < ((p > 0) & (p < 1)).sum()  # posterior uncertainty is real on Adult
    row = report.to_frame().loc["U_CF"]
    expected = cf.metrics.posterior_proportion(p)
    assert row["value"] == pytest.approx(p.mean()) and row["ci_low"] == expected.ci_low
    assert pd.isna(row["count"]) and row["n"] == len(X)
    assert "posterior draws per row: 5" in repr(report)


def test_default_is_the_single_draw_of_seed_zero(adult):
    """n_draws=None keeps the audit of the draw every other verb uses (seed 0) and its
    Wilson intervals; n_draws=1 is one draw of the audit's seed."""
    scm, clf, X, _ = adult
    report = cf.audit(clf, scm, X, radii=(DELTA,), method="sample", n_samples=20, random_state=9)
    twins = scm.twins(X)
    differs = (clf.predict(twins).reshape(len(X), -1) != clf.predict(X)[:, None]).any(axis=1)
    np.testing.assert_array_equal(report.flags(0).to_numpy(), differs)
    one = cf.audit(clf, scm, X, radii=(DELTA,), method="sample", n_samples=20, random_state=9, n_draws=1)
    drawn = scm.twins(X, n_draws=1, random_state=9)
    differs = (clf.predict(drawn).reshape(len(X), -1) != clf.predict(X)[:, None]).any(axis=1)
    np.testing.assert_array_equal(one.flags(0).to_numpy(), differs)
    assert report.indicators["U_CF"].proportion == cf.metrics.proportion(report.flags(0))


def test_witnesses_under_draws_are_indexed_by_draw_and_grouping_pools(adult):
    scm, clf, X, _ = adult
    report = cf.audit(clf, scm, X, radii=(DELTA,), method="sample", n_samples=50, random_state=2, n_draws=4)
    witnesses = report.witnesses(DELTA)
    assert witnesses.index.names == [X.index.name, "draw"]
    flags = report.flags(DELTA)
    assert len(witnesses) == int(flags.to_numpy().sum())
    for (row, draw) in witnesses.index[:20]:
        assert flags.loc[row, draw]
    groups = report.by_group()
    name = f"U_{DELTA:g}"
    n = groups.xs(name, level="metric")["n"].astype(int)
    values = groups.xs(name, level="metric")["value"]
    assert n.sum() == len(X)
    assert (values * n).sum() / n.sum() == pytest.approx(report.to_frame().loc[name, "value"])


def test_partitioned_audit_with_draws_equals_in_memory(adult):
    scm, clf, X, _ = adult
    whole = cf.audit(clf, scm, X, radii=(DELTA,), method="sample", n_samples=20, random_state=6, n_draws=3)
    parts = cf.audit(clf, scm, (X.iloc[i:i + 70] for i in range(0, len(X), 70)), radii=(DELTA,), method="sample",
                     n_samples=20, random_state=6, n_draws=3)
    for name, ind in whole.indicators.items():
        np.testing.assert_array_equal(parts.indicators[name].flags, ind.flags, err_msg=name)
        pd.testing.assert_frame_equal(parts.indicators[name].witnesses, ind.witnesses, obj=name)
    pd.testing.assert_frame_equal(parts.by_group(), whole.by_group(), check_exact=True)


def test_exact_says_why_it_does_not_apply_to_gumbel_nodes(adult):
    scm, clf, X, _ = adult
    with pytest.raises(ValueError, match="Gumbel-max nodes.*not affine"):
        cf.audit(clf, scm, X.head(5), method="exact")


def test_n_draws_is_checked_before_any_work(adult):
    scm, clf, X, _ = adult
    limit = _engine.limits()["max_draws"]
    for bad, error in ((0, ValueError), (limit + 1, ValueError), (2.5, TypeError), ("4", TypeError)):
        with pytest.raises(error, match="n_draws"):
            cf.audit(clf, scm, X, n_draws=bad)
        with pytest.raises(error, match="n_draws"):
            cf.metrics.unfair_area(clf, scm, X, DELTA, n_draws=bad)

    # within the limit but too large to hold: refused by size before allocating, native
    # (witnesses) and black box (twins) alike
    doubled = pd.concat([X, X])  # 600 rows × 10⁶ draws × 6 columns: beyond max_elements
    for model in (clf, Wrapped(clf)):
        with pytest.raises(ValueError, match="elements allowed"):
            cf.audit(model, scm, doubled, radii=(0.05,), n_draws=limit)


def test_an_interval_under_draws_never_collapses_to_a_point():
    """Every pᵢ equal (here all 0, all draws agree): the interval is Wilson's at U, as
    with one draw — not the point the normal interval of a mean with s = 0 would give."""
    for n in (200, 1000):
        zero = cf.metrics.posterior_proportion(np.zeros(n))
        assert (zero.ci_low, zero.ci_high) == (0.0, pytest.approx(cf.metrics.wilson_interval(0, n)[1]))
        half = cf.metrics.posterior_proportion(np.full(n, 0.5))
        assert half.ci_low < 0.5 < half.ci_high
    spread = cf.metrics.posterior_proportion([0.0, 0.5, 1.0, 0.5])  # the normal interval is the wider
    assert (round(spread.ci_low, 3), round(spread.ci_high, 3)) == (0.1, 0.9)


# ------------------------------------------------------------------ discrete="anm"

@pytest.fixture(scope="module")
def adult_anm():
    ds, X, y = _data("adult", 1500)
    scm = ds.make_scm("linear", discrete="anm", random_state=0).fit(X)
    clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="erm", random_state=0).fit(X, y)
    return scm, clf, X.iloc[:100]


def test_anm_refuses_black_boxes_and_says_codes_are_not_labels(adult_anm):
    scm, clf, X = adult_anm
    with pytest.raises(ValueError, match=r"\['married'\].*continuous codes.*discrete='gumbel'"):
        cf.audit(Wrapped(clf), scm, X)
    with pytest.warns(ContinuousCodeWarning, match=r"twins: \['married'\].*not labels.*rounded"):
        scm.twins(X)
    with pytest.warns(ContinuousCodeWarning, match=r"counterfactual: \['married'\].*shown as codes"):
        scm.counterfactual(X, do={"sex": 0}, encoded=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ContinuousCodeWarning)
        scm.counterfactual(X, do={"married": 1})  # no coded node downstream of married
    report = cf.audit(clf, scm, X, radii=(DELTA,), random_state=0)
    assert report.continuous_codes == ["married"]
    assert "continuous codes, not labels (discrete='anm'): married" in repr(report)
    parts = cf.audit(clf, scm, [X.iloc[:40], X.iloc[40:]], radii=(DELTA,), random_state=0)
    assert parts.continuous_codes == ["married"] and repr(parts) == repr(report)
    pd.testing.assert_frame_equal(parts.by_group(), report.by_group(), check_exact=True)
    with pytest.raises(ValueError, match="partitioned audit keeps only the sensitive"):
        parts.by_group("married")


def test_gumbel_says_nothing_of_codes(adult):
    scm, clf, X, _ = adult
    with warnings.catch_warnings():
        warnings.simplefilter("error", ContinuousCodeWarning)
        scm.twins(X)
        report = cf.audit(clf, scm, X.iloc[:50], radii=(DELTA,), random_state=0)
    assert report.continuous_codes == [] and "continuous codes" not in repr(report)


# ------------------------------------------------------------------ witnesses reproduce

def _witnesses_reproduce(scm, clf, X, n_draws):
    """Every witness of U_CF and U_Δ, fed back to clf.predict, is classified otherwise
    than its row, and lies within Δ of its twin by scm.metric: returns the count."""
    report = cf.audit(clf, scm, X, radii=(DELTA,), method="sample", n_samples=200, random_state=1,
                      n_draws=n_draws)
    own = pd.Series(clf.predict(X), index=X.index)
    labels = list(scm._twin_labels)
    twins = scm.twins(X) if n_draws is None else scm.twins(X, n_draws=n_draws, random_state=1)
    checked = 0
    for radius in (0, DELTA):
        witnesses = report.witnesses(radius)
        if witnesses.empty:
            continue
        points = witnesses.drop(columns="twin")
        rows = witnesses.index if n_draws is None else witnesses.index.get_level_values(0)
        predicted = clf.predict(points)
        assert (predicted != own.loc[rows].to_numpy()).all(), f"radius {radius}: witnesses not counterexamples"
        levels = [labels.index(t) for t in witnesses["twin"]]
        position = np.array([X.index.get_loc(r) for r in rows])
        draw = 0 if n_draws is None else witnesses.index.get_level_values(1).to_numpy()
        per_row = len(labels) * (1 if n_draws is None else n_draws)
        twin_rows = twins.iloc[position * per_row + draw * len(labels) + np.array(levels)]
        distance = scm.metric(twin_rows.reset_index(drop=True), points.reset_index(drop=True)[twin_rows.columns])
        assert (np.asarray(distance) <= radius + 1e-9).all(), f"radius {radius}: max {np.max(distance)}"
        checked += len(witnesses)
    return checked


@pytest.mark.parametrize("name", ["adult", "compas"])
@pytest.mark.parametrize("mechanism", ["linear", "mlp"])
@pytest.mark.parametrize("model", ["logistic", "mlp"])
def test_witnesses_reproduce(name, mechanism, model):
    ds, X, y = _data(name, 1500)
    scm = ds.make_scm(cf.MLPMechanism(hidden_layer_sizes=(16,), epochs=5) if mechanism == "mlp" else "linear",
                      discrete="gumbel", random_state=0).fit(X)
    clf = cf.FairRobustClassifier(scm=scm, model=model, method="erm", epochs=5, random_state=0).fit(X, y)
    audited = X.iloc[:250]
    checked = _witnesses_reproduce(scm, clf, audited, None)
    if mechanism == "linear" and model == "mlp":
        checked += _witnesses_reproduce(scm, clf, audited.iloc[:80], 3)
    assert checked > 0


def test_perturbation_ball_under_draws_surrounds_each_draws_twins(adult):
    scm, _, X, _ = adult
    head = X.head(20)
    twins = scm.twins(head, n_draws=3, random_state=7)
    centres = scm.perturbation_ball(head, 0.0, 1, random_state=7, n_draws=3)
    assert centres.index.names == [head.index.name or "row", "draw", "twin", "sample"]
    np.testing.assert_array_equal(centres.to_numpy(float), twins.to_numpy(float))
    ball = scm.perturbation_ball(head, DELTA, 5, random_state=7, n_draws=3)
    assert len(ball) == len(twins) * 5
    around = twins.loc[twins.index.repeat(5)].reset_index(drop=True)
    distance = scm.metric(around, ball.reset_index(drop=True))
    assert (np.asarray(distance) <= DELTA + 1e-9).all() and np.max(distance) > 0
    codes = scm.encode(ball.reset_index(drop=True))
    assert set(np.unique(codes[["married", "native-country-US"]].to_numpy())) <= {0.0, 1.0}
