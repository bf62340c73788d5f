"""cf.metrics' group metrics against fairlearn itself (a test dependency): the same
value, NaN where fairlearn gives NaN, on random labels, groups and weights (hypothesis)
and on the edge cases that used to differ (a group with no positives, no selection).

fairlearn refuses a single row (it squeezes the arrays to 0-d) and a group whose
weights are all 0; cf.metrics refuses the latter too, so the cases draw >= 2 rows and
positive weights."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from causalfair import metrics

fairlearn_metrics = pytest.importorskip("fairlearn.metrics", reason="fairlearn is a test dependency (make test)")

DIFFERENCES = ["demographic_parity_difference", "equalized_odds_difference", "equal_opportunity_difference"]
RATIOS = ["demographic_parity_ratio", "equalized_odds_ratio", "equal_opportunity_ratio"]
WITH_AGG = {"equalized_odds_difference", "equalized_odds_ratio"}


def same(ours, theirs):
    """Equal up to summation order, or both NaN."""
    ours, theirs = float(ours), float(theirs)
    if math.isnan(theirs):
        return math.isnan(ours)
    return math.isclose(ours, theirs, rel_tol=1e-12, abs_tol=1e-12)


@st.composite
def group_case(draw):
    n = draw(st.integers(2, 24))
    bits = st.lists(st.integers(0, 1), min_size=n, max_size=n)
    y_true, y_pred = np.array(draw(bits)), np.array(draw(bits))
    groups = np.array(draw(st.lists(st.sampled_from("abc"), min_size=n, max_size=n)))
    weights = draw(st.none() | st.lists(st.floats(0.1, 5.0), min_size=n, max_size=n).map(np.array))
    name = draw(st.sampled_from(DIFFERENCES + RATIOS))
    options = {"method": draw(st.sampled_from(["between_groups", "to_overall"]))}
    if name in WITH_AGG:
        options["agg"] = draw(st.sampled_from(["worst_case", "mean"]))
    return name, y_true, y_pred, groups, weights, options


@settings(max_examples=150, deadline=None)
@given(group_case())
def test_group_metrics_equal_fairlearns(case):
    name, y_true, y_pred, groups, weights, options = case
    theirs = getattr(fairlearn_metrics, name)(y_true, y_pred, sensitive_features=groups, sample_weight=weights,
                                              **options)
    ours = getattr(metrics, name)(y_true, y_pred, sensitive_features=groups, sample_weight=weights, **options)
    assert same(ours, theirs), (ours, theirs)


@settings(max_examples=40, deadline=None)
@given(group_case())
def test_selection_rates_equal_fairlearns_metric_frame(case):
    _, y_true, y_pred, groups, weights, _ = case
    frame = fairlearn_metrics.MetricFrame(metrics=fairlearn_metrics.selection_rate, y_true=y_true, y_pred=y_pred,
                                          sensitive_features=groups, sample_params={"sample_weight": weights})
    ours = metrics.selection_rates(y_true, y_pred, sensitive_features=groups, sample_weight=weights)
    assert set(ours.index) == set(frame.by_group.index)
    for group, rate in frame.by_group.items():
        assert same(ours[group], rate)
    assert same(metrics.selection_rate(y_true, y_pred, sample_weight=weights),
                fairlearn_metrics.selection_rate(y_true, y_pred, sample_weight=weights))


# Group b has no positives: its true positive rate is 0 (fairlearn), so equal
# opportunity is group a's rate, not 0 (the old answer, which skipped group b).
NO_POSITIVES_TRUE = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
NO_POSITIVES_PRED = np.array([1, 1, 1, 0, 0, 1, 0, 0, 0, 0])
NO_POSITIVES_GROUP = np.array(list("aaaaabbbbb"))


@pytest.mark.parametrize("name", DIFFERENCES + RATIOS)
def test_a_group_without_positives_matches_fairlearn(name):
    kw = {"sensitive_features": NO_POSITIVES_GROUP}
    ours = getattr(metrics, name)(NO_POSITIVES_TRUE, NO_POSITIVES_PRED, **kw)
    theirs = getattr(fairlearn_metrics, name)(NO_POSITIVES_TRUE, NO_POSITIVES_PRED, **kw)
    assert same(ours, theirs), (ours, theirs)


def test_a_group_without_positives_by_hand():
    kw = {"sensitive_features": NO_POSITIVES_GROUP}
    # TPR a = 3/4, b = 0 (no positives); FPR a = 0/1, b = 1/5.
    assert metrics.equal_opportunity_difference(NO_POSITIVES_TRUE, NO_POSITIVES_PRED, **kw) == 0.75
    assert metrics.equal_opportunity_ratio(NO_POSITIVES_TRUE, NO_POSITIVES_PRED, **kw) == 0.0
    assert metrics.equalized_odds_difference(NO_POSITIVES_TRUE, NO_POSITIVES_PRED, **kw) == 0.75
    assert metrics.equalized_odds_difference(NO_POSITIVES_TRUE, NO_POSITIVES_PRED, agg="mean", **kw) == pytest.approx(
        (0.75 + 0.2) / 2)


def test_no_selection_gives_a_nan_ratio_like_fairlearn():
    zeros = np.zeros(10, dtype=int)
    kw = {"sensitive_features": NO_POSITIVES_GROUP}
    assert math.isnan(fairlearn_metrics.demographic_parity_ratio(zeros, zeros, **kw))
    assert math.isnan(metrics.demographic_parity_ratio(zeros, zeros, **kw))
    assert math.isnan(metrics.demographic_parity_ratio(zeros, zeros, method="to_overall", **kw))


def test_signatures_match_fairlearns():
    import inspect
    for name in DIFFERENCES + RATIOS:
        theirs = inspect.signature(getattr(fairlearn_metrics, name)).parameters
        ours = inspect.signature(getattr(metrics, name)).parameters
        # fairlearn's parameters, in its order and kinds, with its defaults; then ours.
        assert list(ours)[:len(theirs)] == list(theirs), name
        for parameter in theirs.values():
            assert ours[parameter.name].kind == parameter.kind, (name, parameter.name)
            assert ours[parameter.name].default == parameter.default, (name, parameter.name)
        assert list(ours)[len(theirs):] == ["pos_label"], name


@pytest.mark.parametrize("weights, match", [
    (np.ones(3), "10 weights"),
    (-np.ones(10), ">= 0"),
    (np.r_[np.zeros(5), np.ones(5)], "positive total weight"),
    (np.full(10, np.nan), "finite"),
])
def test_bad_sample_weight_is_refused(weights, match):
    with pytest.raises(ValueError, match=match):
        metrics.equalized_odds_difference(NO_POSITIVES_TRUE, NO_POSITIVES_PRED, sensitive_features=NO_POSITIVES_GROUP,
                                          sample_weight=weights)


def test_rates_that_read_y_true_refuse_none():
    with pytest.raises(ValueError, match="y_true: expected the true labels"):
        metrics.equal_opportunity_difference(None, NO_POSITIVES_PRED, sensitive_features=NO_POSITIVES_GROUP)


@pytest.mark.parametrize("options, match", [({"method": "overall"}, "method"), ({"agg": "max"}, "agg")])
def test_bad_method_or_agg_is_refused(options, match):
    with pytest.raises(ValueError, match=match):
        metrics.equalized_odds_ratio(NO_POSITIVES_TRUE, NO_POSITIVES_PRED, sensitive_features=NO_POSITIVES_GROUP,
                                     **options)
