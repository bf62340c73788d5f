"""cf.metrics: Wilson intervals against known values, group metrics against
fairlearn's definitions (expected values computed by hand below), and accuracy,
balanced accuracy and MCC against scikit-learn."""

import math

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from causalfair import metrics

# --------------------------------------------------------------------------- Wilson


@pytest.mark.parametrize("count, n, low, high", [
    (5, 10, 0.2366, 0.7634),
    (0, 10, 0.0, 0.2775),
    (10, 10, 0.7225, 1.0),
    (1, 1, 0.2065, 1.0),
    (81, 263, 0.255289, 0.366210),  # statsmodels proportion_confint(81, 263, method="wilson")
])
def test_wilson_known_values(count, n, low, high):
    got = metrics.wilson_interval(count, n)
    assert got == pytest.approx((low, high), abs=1e-4)


def test_wilson_edges_are_exact():
    assert metrics.wilson_interval(0, 7)[0] == 0.0
    assert metrics.wilson_interval(7, 7)[1] == 1.0


@pytest.mark.parametrize("count, n", [(81, 263), (3, 1000), (500, 1000), (999, 1000)])
def test_wilson_endpoints_solve_the_score_equation(count, n):
    # The Wilson interval is {p : (p̂ - p)² <= z² p (1 - p) / n}; find its ends by
    # bisection, independently of the closed form.
    z, p_hat = 1.959963984540054, count / n

    def score(p):
        return (p_hat - p) ** 2 - z * z * p * (1 - p) / n

    def root(a, b):
        for _ in range(200):
            m = (a + b) / 2
            a, b = (m, b) if (score(a) > 0) == (score(m) > 0) else (a, m)
        return (a + b) / 2

    low, high = metrics.wilson_interval(count, n)
    assert low == pytest.approx(root(1e-15, p_hat), abs=1e-9)
    assert high == pytest.approx(root(p_hat, 1 - 1e-15), abs=1e-9)


def test_wilson_z_changes_width():
    narrow = metrics.wilson_interval(5, 10, z=1.0)
    wide = metrics.wilson_interval(5, 10)
    assert wide[0] < narrow[0] < 0.5 < narrow[1] < wide[1]


@pytest.mark.parametrize("count, n", [(0, 0), (1, 0), (11, 10), (-1, 10), (3, -2)])
def test_wilson_refuses_impossible_counts(count, n):
    with pytest.raises(ValueError, match="count <= n"):
        metrics.wilson_interval(count, n)


def test_proportion_counts_and_interval():
    p = metrics.proportion([True, False, True, False, False, True, False, False, True, True])
    assert (p.value, p.count, p.n) == (0.5, 5, 10)
    assert (p.ci_low, p.ci_high) == metrics.wilson_interval(5, 10)
    with pytest.raises(ValueError, match="at least one"):
        metrics.proportion([])


# --------------------------------------------------------------------------- groups
# One sensitive column. Group a: y_true 1 1 0 0 1 0, y_pred 1 0 0 1 1 0 ->
# selection 3/6, TPR 2/3 (rows 0 1 4 -> 1 0 1), FPR 1/3 (rows 2 3 5 -> 0 1 0).
# Group b: y_true 1 0 1 0 0 1, y_pred 1 1 0 0 0 0 -> selection 2/6, TPR 1/3, FPR 1/3.
Y_TRUE = np.array([1, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 1])
Y_PRED = np.array([1, 0, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0])
GROUP = np.array(list("aaaaaabbbbbb"))
EXPECTED_ONE = {"selection": {"a": 1 / 2, "b": 1 / 3}, "dpd": 1 / 6, "dpr": 2 / 3, "eod": 1 / 3, "eopp": 1 / 3}

# Two columns (sex, race) -> tuple groups. (F,x): rows 0-1, y_true 1 0, y_pred 1 1:
# selection 1, TPR 1, FPR 1. (F,y): rows 2-3, y_true 1 0, y_pred 1 0: selection 1/2,
# TPR 1, FPR 0. (M,x): rows 4-7, y_true 1 1 0 0, y_pred 1 0 0 0: selection 1/4,
# TPR 1/2, FPR 0. Here the FPR difference (1) dominates the TPR difference (1/2).
TWO = pd.DataFrame({"sex": list("FFFFMMMM"), "race": list("xxyyxxxx")})
TWO_TRUE = np.array([1, 0, 1, 0, 1, 1, 0, 0])
TWO_PRED = np.array([1, 1, 1, 0, 1, 0, 0, 0])
EXPECTED_TWO = {"selection": {("F", "x"): 1.0, ("F", "y"): 0.5, ("M", "x"): 0.25},
                "dpd": 0.75, "dpr": 0.25, "eod": 1.0, "eopp": 0.5}


def _check_all(y_true, y_pred, groups, expected, **kw):
    rates = metrics.selection_rates(y_true, y_pred, sensitive_features=groups, **kw)
    assert rates.to_dict() == pytest.approx(expected["selection"])
    assert metrics.demographic_parity_difference(y_true, y_pred, sensitive_features=groups, **kw) == pytest.approx(
        expected["dpd"])
    assert metrics.demographic_parity_ratio(None, y_pred, sensitive_features=groups, **kw) == pytest.approx(
        expected["dpr"])
    assert metrics.equalized_odds_difference(y_true, y_pred, sensitive_features=groups, **kw) == pytest.approx(
        expected["eod"])
    assert metrics.equal_opportunity_difference(y_true, y_pred, sensitive_features=groups, **kw) == pytest.approx(
        expected["eopp"])


@pytest.mark.parametrize("as_type", [np.asarray, list, pd.Series, lambda g: pd.DataFrame({"g": g})])
def test_group_metrics_one_column(as_type):
    _check_all(Y_TRUE, Y_PRED, as_type(GROUP), EXPECTED_ONE)


def test_group_metrics_two_columns_give_tuple_groups():
    _check_all(TWO_TRUE, TWO_PRED, TWO, EXPECTED_TWO)
    _check_all(TWO_TRUE, TWO_PRED, TWO.to_numpy(), EXPECTED_TWO)


def test_group_metrics_ignore_the_index_of_inputs():
    shuffled = pd.Series(GROUP, index=np.arange(12)[::-1])
    _check_all(pd.Series(Y_TRUE, index=np.arange(100, 112)), Y_PRED, shuffled, EXPECTED_ONE)


def test_group_metrics_string_labels_and_pos_label():
    words = np.array(["no", "yes"])
    _check_all(words[Y_TRUE], words[Y_PRED], GROUP, EXPECTED_ONE, pos_label="yes")
    # The other class as positive: group a selects 3/6, b 4/6.
    rates = metrics.selection_rates(None, words[Y_PRED], sensitive_features=GROUP, pos_label="no")
    assert rates.to_dict() == pytest.approx({"a": 1 / 2, "b": 2 / 3})


def test_pos_label_not_among_the_labels_is_refused():
    words = np.array(["no", "yes"])
    with pytest.raises(ValueError, match="pos_label"):
        metrics.demographic_parity_difference(None, words[Y_PRED], sensitive_features=GROUP)
    with pytest.raises(ValueError, match="pos_label"):
        metrics.equalized_odds_difference(words[Y_TRUE], words[Y_PRED], sensitive_features=GROUP)
    with pytest.raises(ValueError, match="pos_label"):
        metrics.matthews_corrcoef(words[Y_TRUE], words[Y_PRED])
    with pytest.raises(ValueError, match="binary"):
        metrics.balanced_accuracy([0, 1, 2], [0, 1, 1])


def test_parity_of_a_constant_prediction():
    # No group selected: the ratio 0/0 is undefined (NaN, as fairlearn), not 0.
    zeros = np.zeros(12, dtype=int)
    assert metrics.demographic_parity_difference(None, zeros, sensitive_features=GROUP) == 0.0
    assert math.isnan(metrics.demographic_parity_ratio(None, zeros, sensitive_features=GROUP))
    assert metrics.demographic_parity_ratio(None, zeros + 1, sensitive_features=GROUP) == 1.0


@pytest.mark.parametrize("features, match", [
    (None, "sensitive_features"),
    (GROUP[:5], "expected 12 rows"),
    (np.array([None] * 12), "missing"),
    (np.zeros((12, 2, 2)), "dimensions"),
])
def test_group_metrics_bad_sensitive_features(features, match):
    with pytest.raises(ValueError, match=match):
        metrics.demographic_parity_difference(Y_TRUE, Y_PRED, sensitive_features=features)


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="same non-zero length"):
        metrics.equalized_odds_difference(Y_TRUE[:5], Y_PRED, sensitive_features=GROUP)
    with pytest.raises(ValueError, match="same non-zero length"):
        metrics.accuracy([], [])


# --------------------------------------------------------------------------- sklearn


@pytest.mark.parametrize("seed", range(5))
def test_performance_metrics_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, 2, 200)
    y_pred = np.where(rng.random(200) < 0.7, y_true, 1 - y_true)
    acc = metrics.accuracy(y_true, y_pred)
    assert acc.value == pytest.approx(skm.accuracy_score(y_true, y_pred))
    assert acc.count == int((y_true == y_pred).sum()) and acc.n == 200
    assert (acc.ci_low, acc.ci_high) == metrics.wilson_interval(acc.count, 200)
    assert metrics.balanced_accuracy(y_true, y_pred) == pytest.approx(skm.balanced_accuracy_score(y_true, y_pred))
    assert metrics.matthews_corrcoef(y_true, y_pred) == pytest.approx(skm.matthews_corrcoef(y_true, y_pred))
    words = np.array(["bad", "good"])
    assert metrics.balanced_accuracy(words[y_true], words[y_pred], pos_label="good") == pytest.approx(
        skm.balanced_accuracy_score(y_true, y_pred))
    assert metrics.matthews_corrcoef(words[y_true], words[y_pred], pos_label="good") == pytest.approx(
        skm.matthews_corrcoef(y_true, y_pred))


def test_performance_metrics_degenerate_cases_match_sklearn():
    y_true, constant = np.array([0, 1, 1, 0, 1]), np.ones(5, dtype=int)
    assert metrics.matthews_corrcoef(y_true, constant) == skm.matthews_corrcoef(y_true, constant) == 0.0
    assert metrics.balanced_accuracy(y_true, constant) == pytest.approx(
        skm.balanced_accuracy_score(y_true, constant))
    assert metrics.matthews_corrcoef(y_true, y_true) == pytest.approx(1.0)
    assert metrics.matthews_corrcoef(y_true, 1 - y_true) == pytest.approx(-1.0)
    assert math.isclose(metrics.accuracy(y_true, 1 - y_true).value, 0.0)
