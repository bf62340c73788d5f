"""Metrics: the causal unfairness indicators (computed by the engine) and the usual
performance and group-fairness metrics, with 95% Wilson intervals for proportions.

Group metrics follow fairlearn's definitions and signatures
(``(y_true, y_pred, *, sensitive_features, method, sample_weight)``): for each group of
the sensitive feature(s), a selection rate P(ŷ = 1 | group), a true positive rate and
a false positive rate (0 for a group without positives, respectively negatives); a
*difference* is the largest minus the smallest over groups, a *ratio* the smallest over
the largest (NaN when the largest is 0). They live in :mod:`causalfair._scores`, which
:mod:`causalfair.audit` uses too, and are tested against fairlearn itself; this module
adds the indicators on top of the audit.
"""

from __future__ import annotations

from typing import Any, List, Optional

from ._scores import (Proportion, accuracy, balanced_accuracy, demographic_parity_difference,
                      demographic_parity_ratio, equal_opportunity_difference, equal_opportunity_ratio,
                      equalized_odds_difference, equalized_odds_ratio, matthews_corrcoef, posterior_proportion,
                      proportion, selection_rate, selection_rates, wilson_interval)
from .audit import indicator

__all__ = [
    "Proportion", "wilson_interval", "proportion", "posterior_proportion", "accuracy", "balanced_accuracy", "matthews_corrcoef",
    "selection_rate", "selection_rates", "demographic_parity_difference", "demographic_parity_ratio",
    "equalized_odds_difference", "equalized_odds_ratio", "equal_opportunity_difference",
    "equal_opportunity_ratio", "unfair_area", "counterfactual_unfairness", "non_robust_area",
]


def __dir__() -> List[str]:
    """``dir(causalfair.metrics)``: the public API only."""
    return list(__all__)


def unfair_area(clf: Any, scm: Any, X: Any, radius: float, *, method: str = "auto", n_samples: int = 1000,
                random_state: Any = None, n_draws: Optional[int] = None) -> Proportion:
    """U_Δ: the fraction of rows of ``X`` for which some individual of the protected
    causal perturbation ball B_Δ (every twin, perturbed within ``radius``) is
    classified differently; under ``n_draws`` posterior draws, the mean over rows of
    each row's posterior probability of that. See :func:`causalfair.audit` for the
    arguments."""
    return indicator(clf, scm, X, radius, factual_only=False, method=method, n_samples=n_samples,
                     random_state=random_state, n_draws=n_draws).proportion


def counterfactual_unfairness(clf: Any, scm: Any, X: Any, *, method: str = "auto",
                              random_state: Any = None, n_draws: Optional[int] = None) -> Proportion:
    """U_CF = U_0: the fraction of rows whose twins are not all classified alike.

    ``method`` is checked and used as by :func:`unfair_area`; at Δ = 0 the ball is the
    set of twins, which every method enumerates, so the result is exact whichever is
    used. Needs a causal model (``scm``, or the classifier's): without one there are
    no twins and a ``ValueError`` says so."""
    return indicator(clf, scm, X, 0.0, factual_only=False, method=method, n_samples=1,
                     random_state=random_state, n_draws=n_draws).proportion


def non_robust_area(clf: Any, scm: Any, X: Any, radius: float, *, method: str = "auto", n_samples: int = 1000,
                    random_state: Any = None, n_draws: Optional[int] = None) -> Proportion:
    """NR_Δ: like :func:`unfair_area` on the factual twin's ball only (no twin switching)."""
    return indicator(clf, scm, X, radius, factual_only=True, method=method, n_samples=n_samples,
                     random_state=random_state, n_draws=n_draws).proportion
