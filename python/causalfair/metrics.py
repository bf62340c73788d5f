"""Metrics: the causal unfairness indicators (computed by the engine) and the usual
performance and group-fairness metrics, with 95% Wilson intervals for proportions.

Group metrics follow fairlearn's definitions: for each group of the sensitive
feature(s), a selection rate P(ŷ = 1 | group), a true positive rate and a false
positive rate; a *difference* is the largest minus the smallest over groups, a
*ratio* the smallest over the largest.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, NamedTuple, Optional, Tuple

import numpy as np
import pandas as pd

__all__ = [
    "Proportion", "wilson_interval", "accuracy", "balanced_accuracy", "matthews_corrcoef",
    "selection_rates", "demographic_parity_difference", "demographic_parity_ratio",
    "equalized_odds_difference", "equal_opportunity_difference",
    "unfair_area", "counterfactual_unfairness", "non_robust_area",
]

_Z95 = 1.959963984540054


class Proportion(NamedTuple):
    """A proportion ``count / n`` with its 95% Wilson interval."""

    value: float
    ci_low: float
    ci_high: float
    count: int
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
    p = count / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if count == 0 else max(0.0, centre - half)  # exact bounds, no rounding residue
    high = 1.0 if count == n else min(1.0, centre + half)
    return low, high


def proportion(flags: Any) -> Proportion:
    """The proportion of true values in ``flags`` with its Wilson interval."""
    flags = np.asarray(flags, dtype=bool).ravel()
    if flags.size == 0:
        raise ValueError("proportion: expected at least one value")
    count, n = int(flags.sum()), int(flags.size)
    low, high = wilson_interval(count, n)
    return Proportion(count / n, low, high, count, n)


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


def _groups(sensitive_features: Any, n: int) -> Tuple[np.ndarray, pd.Index]:
    """An integer group code per row, and the group labels; a group is a value (one
    column), or the tuple of values of several columns."""
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
    return codes, pd.Index(labels)


def selection_rates(y_pred: Any, *, sensitive_features: Any, pos_label: Any = 1) -> pd.Series:
    """P(ŷ = pos_label | group) for every group."""
    y_pred = np.asarray(y_pred).ravel()
    if y_pred.size == 0:
        raise ValueError("y_pred: expected at least one prediction")
    _check_pos_label(pos_label, y_pred)
    codes, labels = _groups(sensitive_features, y_pred.size)
    rates = pd.Series(y_pred == pos_label).groupby(codes).mean()
    return pd.Series(rates.to_numpy(), index=labels[rates.index], name="selection_rate")


def demographic_parity_difference(y_pred: Any, *, sensitive_features: Any, pos_label: Any = 1) -> float:
    """Largest minus smallest selection rate over groups (0: parity)."""
    rates = selection_rates(y_pred, sensitive_features=sensitive_features, pos_label=pos_label)
    return float(rates.max() - rates.min())


def demographic_parity_ratio(y_pred: Any, *, sensitive_features: Any, pos_label: Any = 1) -> float:
    """Smallest over largest selection rate over groups (1: parity; 0 when all are 0)."""
    rates = selection_rates(y_pred, sensitive_features=sensitive_features, pos_label=pos_label)
    return float(rates.min() / rates.max()) if rates.max() > 0 else 0.0


def _group_rates(y_true: Any, y_pred: Any, sensitive_features: Any, pos_label: Any) -> pd.DataFrame:
    y_true, y_pred = _labels(y_true, y_pred)
    _check_pos_label(pos_label, y_true, y_pred)
    codes, labels = _groups(sensitive_features, y_true.size)
    rows = {labels[g]: _rates(y_true[codes == g], y_pred[codes == g], pos_label) for g in np.unique(codes)}
    return pd.DataFrame.from_dict(rows, orient="index", columns=["tpr", "fpr"])


def equalized_odds_difference(y_true: Any, y_pred: Any, *, sensitive_features: Any, pos_label: Any = 1) -> float:
    """The larger of the true-positive-rate and false-positive-rate differences
    between groups (fairlearn's definition)."""
    rates = _group_rates(y_true, y_pred, sensitive_features, pos_label)
    return float(max(rates.tpr.max() - rates.tpr.min(), rates.fpr.max() - rates.fpr.min()))


def equal_opportunity_difference(y_true: Any, y_pred: Any, *, sensitive_features: Any, pos_label: Any = 1) -> float:
    """Largest minus smallest true positive rate over groups."""
    rates = _group_rates(y_true, y_pred, sensitive_features, pos_label)
    return float(rates.tpr.max() - rates.tpr.min())


def unfair_area(clf: Any, scm: Any, X: Any, radius: float, *, method: str = "auto", n_samples: int = 1000,
                random_state: Any = None) -> Proportion:
    """U_Δ: the fraction of rows of ``X`` for which some individual of the protected
    causal perturbation ball B_Δ (every twin, perturbed within ``radius``) is
    classified differently. See :func:`causalfair.audit` for the arguments."""
    from .audit import indicator
    return indicator(clf, scm, X, radius, factual_only=False, method=method, n_samples=n_samples,
                     random_state=random_state).proportion


def counterfactual_unfairness(clf: Any, scm: Any, X: Any, *, method: str = "auto",
                              random_state: Any = None) -> Proportion:
    """U_CF = U_0: the fraction of rows whose twins are not all classified alike.

    ``method`` is checked and used as by :func:`unfair_area`; at Δ = 0 the ball is the
    set of twins, which every method enumerates, so the result is exact whichever is
    used. Needs a causal model (``scm``, or the classifier's): without one there are
    no twins and a ``ValueError`` says so."""
    from .audit import indicator
    return indicator(clf, scm, X, 0.0, factual_only=False, method=method, n_samples=1,
                     random_state=random_state).proportion


def non_robust_area(clf: Any, scm: Any, X: Any, radius: float, *, method: str = "auto", n_samples: int = 1000,
                    random_state: Any = None) -> Proportion:
    """NR_Δ: like :func:`unfair_area` on the factual twin's ball only (no twin switching)."""
    from .audit import indicator
    return indicator(clf, scm, X, radius, factual_only=True, method=method, n_samples=n_samples,
                     random_state=random_state).proportion
