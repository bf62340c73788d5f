"""Proportions with their 95% Wilson intervals, and the usual performance and
group-fairness metrics: the plain functions of :mod:`causalfair.metrics` that need
no SCM and no engine. :mod:`causalfair.audit` builds on them and
:mod:`causalfair.metrics` re-exports them beside the unfairness indicators, so the
package imports in one direction (metrics → audit → _scores).

Group metrics follow fairlearn's definitions and signatures
(``(y_true, y_pred, *, sensitive_features, method, sample_weight)``): for each group of
the sensitive feature(s), a selection rate P(ŷ = 1 | group), a true positive rate and
a false positive rate (0 for a group without positives, respectively negatives); a
*difference* is the largest minus the smallest over groups, a *ratio* the smallest over
the largest (NaN when the largest is 0). They are tested against fairlearn itself.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Callable, NamedTuple, Optional, Tuple, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "Proportion", "wilson_interval", "proportion", "posterior_proportion", "accuracy", "balanced_accuracy", "matthews_corrcoef",
    "selection_rate", "selection_rates", "demographic_parity_difference", "demographic_parity_ratio",
    "equalized_odds_difference", "equalized_odds_ratio", "equal_opportunity_difference",
    "equal_opportunity_ratio",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

_Z95 = 1.959963984540054


class Proportion(NamedTuple):
    """A proportion ``count / n`` with its 95% Wilson interval; or, under posterior
    draws (:func:`posterior_proportion`), the mean of per-row probabilities with its
    normal 95% interval and ``count`` None."""

    value: float
    ci_low: float
    ci_high: float
    count: Optional[int]  # type: ignore[assignment]  # the field shadows tuple.count, on purpose (public name)
    n: int


def wilson_interval(count: int, n: int, z: float = _Z95) -> Tuple[float, float]:
    """The Wilson score interval of a binomial proportion ``count / n``.

    Parameters
    ----------
    count, n : int
        Successes and trials (``0 <= count <= n``, ``n > 0``).
    z : float, default=1.96
        Normal quantile (1.96 for 95%).

    Returns
    -------
    (low, high) : tuple of float

    Examples
    --------
    >>> [round(v, 4) for v in wilson_interval(5, 10)]
    [0.2366, 0.7634]
    """
    for name, value in (("count", count), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name}: expected an int, got {value!r}")
    if isinstance(z, bool) or not isinstance(z, numbers.Real):
        raise TypeError(f"z: expected a number, got {z!r}")
    if not 0 < z < math.inf:
        raise ValueError(f"z: expected a finite normal quantile > 0, got {z!r}")
    if n <= 0 or not 0 <= count <= n:
        raise ValueError(f"wilson_interval: expected 0 <= count <= n and n > 0, got count={count}, n={n}")
    low, high = _wilson(count / n, n, z)
    return (0.0 if count == 0 else low), (1.0 if count == n else high)  # exact bounds, no rounding residue


def _wilson(p: float, n: int, z: float) -> Tuple[float, float]:
    """The Wilson score interval at an observed proportion ``p`` of ``n``."""
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def proportion(flags: Any) -> Proportion:
    """The proportion of true values in ``flags`` with its Wilson interval."""
    flags = np.asarray(flags, dtype=bool).ravel()
    if flags.size == 0:
        raise ValueError("proportion: expected at least one value")
    count, n = int(flags.sum()), int(flags.size)
    low, high = wilson_interval(count, n)
    return Proportion(count / n, low, high, count, n)


def posterior_proportion(probabilities: Any) -> Proportion:
    """The mean U = (1/n) Σ pᵢ of per-row posterior probabilities pᵢ ∈ [0, 1] (an
    indicator under R posterior draws, DESIGN §4) with a 95% interval: the union of the
    normal interval of a mean over rows, U ± 1.96 · s / √n (s the sample standard
    deviation of the pᵢ), and the Wilson interval at U of n rows. The Wilson part keeps
    it from collapsing where the pᵢ barely vary (all 0: [0, 0.0188] for 200 rows, as
    with one draw, not [0, 0]): since 0 ≤ pᵢ ≤ 1, Var(pᵢ) ≤ U(1 − U), the variance the
    Wilson interval assumes. ``count`` is None (the pᵢ are not counts; pool with
    value · n). With one row the interval is [0, 1].

    Examples
    --------
    >>> p = posterior_proportion([0.0, 0.5, 1.0, 0.5])
    >>> round(p.value, 3), round(p.ci_low, 3), round(p.ci_high, 3), p.count, p.n
    (0.5, 0.1, 0.9, None, 4)
    """
    values = np.asarray(probabilities, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError("posterior_proportion: expected at least one value")
    if not np.all((values >= 0) & (values <= 1)):
        raise ValueError("posterior_proportion: expected probabilities in [0, 1]")
    n, mean = int(values.size), float(values.mean())
    if n == 1:
        return Proportion(mean, 0.0, 1.0, None, 1)
    half = _Z95 * float(values.std(ddof=1)) / math.sqrt(n)
    low, high = _wilson(mean, n, _Z95)
    return Proportion(mean, min(low, max(0.0, mean - half)), max(high, min(1.0, mean + half)), None, n)


def _labels(y_true: Any, y_pred: Any) -> Tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    if y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(f"y_true and y_pred: expected the same non-zero length, got {y_true.size} and {y_pred.size}")
    return y_true, y_pred


def _check_pos_label(pos_label: Any, *labels: np.ndarray) -> None:
    """Binary labels, ``pos_label`` among them when both classes occur (so that, e.g.,
    string labels with the default ``pos_label=1`` are refused rather than scored 0)."""
    present = pd.unique(np.concatenate([np.asarray(values, dtype=object).ravel() for values in labels]))
    if len(present) > 2:
        raise ValueError(f"y: expected binary labels, got {len(present)} distinct values")
    if len(present) == 2 and not any(value == pos_label for value in present):
        raise ValueError(f"pos_label: {pos_label!r} is not one of the labels {list(present)}")


def accuracy(y_true: Any, y_pred: Any) -> Proportion:
    """Fraction of correct predictions, with its Wilson interval."""
    y_true, y_pred = _labels(y_true, y_pred)
    return proportion(y_true == y_pred)


def _rates(y_true: np.ndarray, y_pred: np.ndarray, pos_label: Any) -> Tuple[float, float]:
    """(true positive rate, false positive rate); NaN where undefined."""
    positive, predicted = y_true == pos_label, y_pred == pos_label
    tpr = predicted[positive].mean() if positive.any() else np.nan
    fpr = predicted[~positive].mean() if (~positive).any() else np.nan
    return float(tpr), float(fpr)


def balanced_accuracy(y_true: Any, y_pred: Any, *, pos_label: Any = 1) -> float:
    """Mean of the true positive and true negative rates (binary)."""
    y_true, y_pred = _labels(y_true, y_pred)
    _check_pos_label(pos_label, y_true, y_pred)
    tpr, fpr = _rates(y_true, y_pred, pos_label)
    return float(np.nanmean([tpr, 1 - fpr]))


def matthews_corrcoef(y_true: Any, y_pred: Any, *, pos_label: Any = 1) -> float:
    """Matthews correlation coefficient (binary); 0 when undefined."""
    y_true, y_pred = _labels(y_true, y_pred)
    _check_pos_label(pos_label, y_true, y_pred)
    t, p = y_true == pos_label, y_pred == pos_label
    tp, tn = float(np.sum(t & p)), float(np.sum(~t & ~p))
    fp, fn = float(np.sum(~t & p)), float(np.sum(t & ~p))
    denominator = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return (tp * tn - fp * fn) / denominator if denominator > 0 else 0.0


def _groups(sensitive_features: Any, n: int) -> Tuple[IntArray, pd.Index]:
    """An integer group code per row (0, 1, ... in order of first appearance), and the
    group labels; a group is a value (one column), or the tuple of values of several
    columns."""
    if sensitive_features is None:
        raise ValueError("sensitive_features: expected one value per row, got None")
    values = np.asarray(sensitive_features, dtype=object)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim not in (1, 2):
        raise ValueError(f"sensitive_features: expected 1 or 2 dimensions, got {values.ndim}")
    if len(values) != n:
        raise ValueError(f"sensitive_features: expected {n} rows (one per prediction), got {len(values)}")
    if pd.isna(values).any():
        raise ValueError("sensitive_features: expected no missing values")
    keys = pd.Series(list(map(tuple, values)) if values.ndim == 2 else values)
    codes, labels = pd.factorize(keys)
    return np.asarray(codes, dtype=np.intp), pd.Index(labels)


def _weights(sample_weight: Any, n: int) -> FloatArray:
    """``sample_weight`` as n finite weights >= 0 (ones when None)."""
    if sample_weight is None:
        return np.ones(n)
    try:
        weights = np.asarray(sample_weight, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"sample_weight: expected numbers, got {type(sample_weight).__name__}") from None
    if weights.ndim != 1 or weights.size != n:
        raise ValueError(f"sample_weight: expected {n} weights (one per prediction), got shape {weights.shape}")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError("sample_weight: expected finite weights >= 0")
    return weights


class _Grouped(NamedTuple):
    """Labels, predictions, weights and group codes checked once for a group metric."""

    y_true: Optional[np.ndarray]
    y_pred: np.ndarray
    weights: FloatArray
    codes: IntArray
    labels: pd.Index


def _grouped(y_true: Any, y_pred: Any, sensitive_features: Any, sample_weight: Any, pos_label: Any, *,
             needs_truth: bool) -> _Grouped:
    """Checks the arguments of a group metric. ``y_true`` may be None where it is not
    read (selection rates), as fairlearn ignores it there."""
    if y_true is None and needs_truth:
        raise ValueError("y_true: expected the true labels, got None")
    if y_true is None:
        y_pred = np.asarray(y_pred).ravel()
        if y_pred.size == 0:
            raise ValueError("y_pred: expected at least one prediction")
        _check_pos_label(pos_label, y_pred)
        truth = None
    else:
        truth, y_pred = _labels(y_true, y_pred)
        _check_pos_label(pos_label, *((truth, y_pred) if needs_truth else (y_pred,)))
    weights = _weights(sample_weight, y_pred.size)
    codes, labels = _groups(sensitive_features, y_pred.size)
    totals = np.bincount(codes, weights=weights, minlength=len(labels))
    if np.any(totals <= 0):
        empty = [labels[int(g)] for g in np.flatnonzero(totals <= 0)]
        raise ValueError(f"sample_weight: every group needs a positive total weight; zero for {empty}")
    return _Grouped(truth, y_pred, weights, codes, labels)


def _rate(hits: npt.NDArray[Any], totals: npt.NDArray[Any]) -> FloatArray:
    """hits / totals, 0 where totals is 0 (scikit-learn's normalized confusion matrix,
    which fairlearn's true and false positive rates read)."""
    out = np.zeros(totals.shape)
    np.divide(hits, totals, out=out, where=totals > 0)
    return out


def _by_group(data: _Grouped, rows: Optional[BoolArray], pos_label: Any) -> Tuple[FloatArray, float]:
    """The weighted rate of ``y_pred == pos_label`` among ``rows`` (all rows when None)
    per group, and over all rows: a selection rate (rows None), a true positive rate
    (rows: the positives) or a false positive rate (rows: the negatives)."""
    base = data.weights if rows is None else data.weights * rows
    selected = (data.y_pred == pos_label) * base
    groups = len(data.labels)
    per_group = _rate(np.bincount(data.codes, weights=selected, minlength=groups),
                      np.bincount(data.codes, weights=base, minlength=groups))
    overall = _rate(np.array([selected.sum()]), np.array([base.sum()]))[0]
    return per_group, float(overall)


_METHODS = ("between_groups", "to_overall")
_AGGREGATIONS = ("worst_case", "mean")


def _check_choice(name: str, value: Any, allowed: Tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{name}: expected one of {list(allowed)}, got {value!r}")


def _difference(per_group: FloatArray, overall: float, method: str) -> float:
    """Largest minus smallest group value (``between_groups``), or the largest absolute
    difference between a group and the overall value (``to_overall``)."""
    if method == "between_groups":
        return float(per_group.max() - per_group.min())
    return float(np.abs(per_group - overall).max())


def _ratio(per_group: FloatArray, overall: float, method: str) -> float:
    """Smallest over largest group value (``between_groups``; NaN when the largest is 0),
    or the smallest of group/overall and overall/group over groups (``to_overall``;
    groups where both are 0 are skipped, NaN when all are), as fairlearn's
    ``MetricFrame.ratio``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "between_groups":
            return float(per_group.min() / per_group.max()) if per_group.max() > 0 else math.nan
        ratios = per_group / overall if overall > 0 else np.full_like(per_group, math.nan)
        ratios = np.where(ratios > 1, 1 / ratios, ratios)
    return float(np.nanmin(ratios)) if not np.all(np.isnan(ratios)) else math.nan


def selection_rate(y_true: Any, y_pred: Any, *, pos_label: Any = 1, sample_weight: Any = None) -> float:
    """The (weighted) fraction of predictions equal to ``pos_label``, as
    ``fairlearn.metrics.selection_rate``.

    Parameters
    ----------
    y_true : array-like or None
        Ignored (kept for fairlearn's metric signature); when given, its length must
        match ``y_pred``.
    y_pred : array-like of shape (n,)
        Predicted labels (binary).
    pos_label : scalar, default=1
        The selected label; with two labels present it must be one of them.
    sample_weight : array-like of shape (n,), optional
        Finite weights >= 0 with a positive total.

    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> selection_rate(None, [1, 0, 0, 1])
    0.5
    """
    one_group = np.zeros(np.asarray(y_pred).ravel().size)
    return float(selection_rates(y_true, y_pred, sensitive_features=one_group, pos_label=pos_label,
                                 sample_weight=sample_weight).iloc[0])


def selection_rates(y_true: Any, y_pred: Any, *, sensitive_features: Any, pos_label: Any = 1,
                    sample_weight: Any = None) -> pd.Series:
    """P(ŷ = pos_label | group) for every group: fairlearn's
    ``MetricFrame(metrics=selection_rate, ...).by_group``.

    Parameters
    ----------
    y_true : array-like or None
        Ignored (kept for fairlearn's metric signature); when given, its length must
        match ``y_pred``.
    y_pred : array-like of shape (n,)
        Predicted labels (binary).
    sensitive_features : array-like of shape (n,) or (n, k)
        A group per row: a value, or a combination of k values.
    pos_label : scalar, default=1
        The selected label; with two labels present it must be one of them.
    sample_weight : array-like of shape (n,), optional
        Finite weights >= 0; every group needs a positive total weight.

    Returns
    -------
    pandas.Series
        Indexed by group (a tuple per group for several columns), in order of first
        appearance; named ``selection_rate``.

    Examples
    --------
    >>> selection_rates(None, [1, 0, 1, 1], sensitive_features=["a", "a", "b", "b"]).to_dict()
    {'a': 0.5, 'b': 1.0}
    """
    data = _grouped(y_true, y_pred, sensitive_features, sample_weight, pos_label, needs_truth=False)
    return pd.Series(_by_group(data, None, pos_label)[0], index=data.labels, name="selection_rate")


def _selection(y_true: Any, y_pred: Any, sensitive_features: Any, sample_weight: Any, pos_label: Any,
               method: str) -> Tuple[FloatArray, float]:
    """Selection rates per group and overall, once ``method`` is checked."""
    _check_choice("method", method, _METHODS)
    data = _grouped(y_true, y_pred, sensitive_features, sample_weight, pos_label, needs_truth=False)
    return _by_group(data, None, pos_label)


def _true_and_false_positive_rates(y_true: Any, y_pred: Any, sensitive_features: Any, sample_weight: Any,
                                   pos_label: Any, method: str
                                   ) -> Tuple[Tuple[FloatArray, float], Tuple[FloatArray, float]]:
    """True and false positive rates per group and overall, once ``method`` is checked."""
    _check_choice("method", method, _METHODS)
    data = _grouped(y_true, y_pred, sensitive_features, sample_weight, pos_label, needs_truth=True)
    assert data.y_true is not None  # needs_truth
    positive = data.y_true == pos_label
    return _by_group(data, positive, pos_label), _by_group(data, ~positive, pos_label)


_GROUP_PARAMETERS = """
    Parameters
    ----------
    y_true : array-like of shape (n,){truth}
    y_pred : array-like of shape (n,)
        Predicted labels (binary).
    sensitive_features : array-like of shape (n,) or (n, k)
        A group per row: a value, or a combination of k values (one group per
        combination that occurs).
    method : {{'between_groups', 'to_overall'}}, default='between_groups'
        Compare groups with each other, or each group with the value over all rows.{agg}
    sample_weight : array-like of shape (n,), optional
        Finite weights >= 0; every group needs a positive total weight.
    pos_label : scalar, default=1
        The positive label; with two labels present it must be one of them. (An
        addition to fairlearn's signature, whose default it keeps.)
"""
_IGNORED_TRUTH = """
        Ignored, as in fairlearn (kept for the metric signature); may be None; when
        given, its length must match ``y_pred``."""
_READ_TRUTH = """
        True labels (binary)."""
_AGG = """
    agg : {'worst_case', 'mean'}, default='worst_case'
        The worse of the two rates' values, or their mean."""


_Metric = TypeVar("_Metric", bound=Callable[..., float])


def _document(truth: str, agg: str = "") -> Callable[[_Metric], _Metric]:
    """Writes the parameters shared by the group metrics into a docstring's
    ``{parameters}`` line (``y_true`` described by ``truth``, ``agg`` when given)."""
    def decorate(function: _Metric) -> _Metric:
        function.__doc__ = (function.__doc__ or "").replace("    {parameters}\n", _GROUP_PARAMETERS.format(
            truth=truth, agg=agg).lstrip("\n"))
        return function
    return decorate


@_document(_IGNORED_TRUTH)
def demographic_parity_difference(y_true: Any, y_pred: Any, *, sensitive_features: Any,
                                  method: str = "between_groups", sample_weight: Any = None,
                                  pos_label: Any = 1) -> float:
    """Largest minus smallest selection rate over groups (0: parity), as
    ``fairlearn.metrics.demographic_parity_difference``.

    {parameters}
    Returns
    -------
    float
        In [0, 1]; with ``method='to_overall'``, the largest absolute difference between
        a group's rate and the overall rate.

    Examples
    --------
    >>> demographic_parity_difference(None, [1, 0, 1, 1], sensitive_features=["a", "a", "b", "b"])
    0.5
    """
    return _difference(*_selection(y_true, y_pred, sensitive_features, sample_weight, pos_label, method), method)


@_document(_IGNORED_TRUTH)
def demographic_parity_ratio(y_true: Any, y_pred: Any, *, sensitive_features: Any, method: str = "between_groups",
                             sample_weight: Any = None, pos_label: Any = 1) -> float:
    """Smallest over largest selection rate over groups (1: parity), as
    ``fairlearn.metrics.demographic_parity_ratio``.

    {parameters}
    Returns
    -------
    float
        In [0, 1], or NaN when undefined: every selection rate is 0
        (``between_groups``), or the overall rate is 0 (``to_overall``).

    Examples
    --------
    >>> demographic_parity_ratio(None, [1, 0, 1, 1], sensitive_features=["a", "a", "b", "b"])
    0.5
    >>> demographic_parity_ratio(None, [0, 0, 0, 0], sensitive_features=["a", "a", "b", "b"])
    nan
    """
    return _ratio(*_selection(y_true, y_pred, sensitive_features, sample_weight, pos_label, method), method)


@_document(_READ_TRUTH, _AGG)
def equalized_odds_difference(y_true: Any, y_pred: Any, *, sensitive_features: Any, method: str = "between_groups",
                              sample_weight: Any = None, agg: str = "worst_case", pos_label: Any = 1) -> float:
    """The larger (``agg='worst_case'``) or the mean of the true-positive-rate and
    false-positive-rate differences between groups, as
    ``fairlearn.metrics.equalized_odds_difference``.

    A group with no positives (no negatives) has a true (false) positive rate of 0,
    as in fairlearn, which reads them from scikit-learn's normalized confusion matrix.

    {parameters}
    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> equalized_odds_difference([1, 0, 1, 0], [1, 0, 1, 1], sensitive_features=["a", "a", "b", "b"])
    1.0
    """
    _check_choice("agg", agg, _AGGREGATIONS)
    tpr, fpr = _true_and_false_positive_rates(y_true, y_pred, sensitive_features, sample_weight, pos_label,
                                              method)
    differences = (_difference(*tpr, method), _difference(*fpr, method))
    return max(differences) if agg == "worst_case" else (differences[0] + differences[1]) / 2


@_document(_READ_TRUTH, _AGG)
def equalized_odds_ratio(y_true: Any, y_pred: Any, *, sensitive_features: Any, method: str = "between_groups",
                         sample_weight: Any = None, agg: str = "worst_case", pos_label: Any = 1) -> float:
    """The smaller (``agg='worst_case'``) or the mean of the true-positive-rate and
    false-positive-rate ratios between groups, as
    ``fairlearn.metrics.equalized_odds_ratio``.

    A ratio is NaN when undefined (see :func:`demographic_parity_ratio`). As in
    fairlearn: ``worst_case`` is NaN when the true-positive-rate ratio is, and the
    true-positive-rate ratio when only the false-positive-rate ratio is NaN; ``mean``
    averages the defined ratios.

    {parameters}
    Returns
    -------
    float
        In [0, 1], or NaN.

    Examples
    --------
    >>> equalized_odds_ratio([1, 0, 1, 0], [1, 0, 1, 1], sensitive_features=["a", "a", "b", "b"])
    0.0
    """
    _check_choice("agg", agg, _AGGREGATIONS)
    tpr, fpr = _true_and_false_positive_rates(y_true, y_pred, sensitive_features, sample_weight, pos_label,
                                              method)
    tpr_ratio, fpr_ratio = _ratio(*tpr, method), _ratio(*fpr, method)
    if agg == "mean":
        defined = [r for r in (tpr_ratio, fpr_ratio) if not math.isnan(r)]
        return sum(defined) / len(defined) if defined else math.nan
    if math.isnan(tpr_ratio) or math.isnan(fpr_ratio):
        return tpr_ratio
    return min(tpr_ratio, fpr_ratio)


@_document(_READ_TRUTH)
def equal_opportunity_difference(y_true: Any, y_pred: Any, *, sensitive_features: Any,
                                 method: str = "between_groups", sample_weight: Any = None,
                                 pos_label: Any = 1) -> float:
    """Largest minus smallest true positive rate over groups, as
    ``fairlearn.metrics.equal_opportunity_difference`` (a group with no positives
    has a true positive rate of 0).

    {parameters}
    Returns
    -------
    float
        In [0, 1].

    Examples
    --------
    >>> equal_opportunity_difference([1, 1, 0, 0], [1, 0, 0, 1], sensitive_features=["a", "a", "b", "b"])
    0.5
    """
    tpr, _ = _true_and_false_positive_rates(y_true, y_pred, sensitive_features, sample_weight, pos_label,
                                              method)
    return _difference(*tpr, method)


@_document(_READ_TRUTH)
def equal_opportunity_ratio(y_true: Any, y_pred: Any, *, sensitive_features: Any, method: str = "between_groups",
                            sample_weight: Any = None, pos_label: Any = 1) -> float:
    """Smallest over largest true positive rate over groups, as
    ``fairlearn.metrics.equal_opportunity_ratio`` (NaN when undefined, see
    :func:`demographic_parity_ratio`).

    {parameters}
    Returns
    -------
    float
        In [0, 1], or NaN.

    Examples
    --------
    >>> equal_opportunity_ratio([1, 1, 1, 1], [1, 0, 1, 1], sensitive_features=["a", "a", "b", "b"])
    0.5
    """
    tpr, _ = _true_and_false_positive_rates(y_true, y_pred, sensitive_features, sample_weight, pos_label,
                                              method)
    return _ratio(*tpr, method)
