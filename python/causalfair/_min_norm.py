"""The cheapest point past a hyperplane in a box, row by row: the step shared by
:func:`causalfair.recourse`'s ``exact`` method (where the constraint is the model's
logit, exactly linear) and its ``attack`` method (where it is the logit's
linearisation at the current iterate).

For each row, with weights ``w > 0`` and a box ``lower <= 0 <= upper``::

    minimise ‖diag(w) a‖₂  subject to  cᵀa >= m,  lower <= a <= upper.

Without a binding bound the answer is the weighted projection
``a = m · W⁻² c / ‖W⁻¹ c‖²``. With bounds, the Karush–Kuhn–Tucker conditions give
``a(λ) = clip(λ · c / w², lower, upper)`` for the multiplier ``λ >= 0`` at which
``cᵀa(λ) = m``; ``cᵀa(λ)`` is continuous and non-decreasing in ``λ`` (each term
``c_j a_j(λ)`` is), so that ``λ`` is a bracketed root, found for every row at once by
SciPy's maintained elementwise root finder (``scipy.optimize.elementwise.find_root``,
Chandrupatla's method). Of the root and its final bracket, the smallest ``λ`` with
``cᵀa(λ) >= m`` is kept, so the constraint holds for the returned point, not only
approximately.
"""

from __future__ import annotations

from typing import Tuple

import numpy as np
from scipy.optimize import elementwise

__all__ = ["cheapest_past_hyperplane"]


def cheapest_past_hyperplane(c: np.ndarray, m: np.ndarray, weights: np.ndarray, lower: np.ndarray,
                             upper: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The cheapest ``a`` with ``cᵀa >= m`` in the box, per row.

    Parameters
    ----------
    c : ndarray of shape (rows, k)
        The constraint's normal per row.
    m : ndarray of shape (rows,)
        The level to reach; ``m <= 0`` is met by ``a = 0``.
    weights : ndarray of shape (k,)
        Positive cost weights ``w``.
    lower, upper : ndarray of shape (k,)
        The box, ``lower <= 0 <= upper`` (``±inf`` for no bound).

    Returns
    -------
    a : ndarray of shape (rows, k)
        The minimiser where the constraint can be met (its cost ``‖w a‖₂`` is the least
        over the feasible set, up to the root finder's tolerance of ~1e-14 relative on
        ``λ``); elsewhere the box point that maximises ``cᵀa`` (the best that can be
        done), on the bounds.
    feasible : ndarray of shape (rows,), bool
        Whether ``cᵀa >= m`` can be met in the box.
    """
    rows, k = c.shape
    w2 = weights ** 2
    # The box point maximising cᵀa: each coordinate on the bound c_j points to.
    with np.errstate(invalid="ignore"):
        reach = np.where(c > 0, c * upper, np.where(c < 0, c * lower, 0.0))
    best = reach.sum(axis=1)
    feasible = (m <= 0) | (best >= m)
    a = np.zeros((rows, k))
    furthest = np.where(c > 0, upper, np.where(c < 0, lower, 0.0))
    infeasible = ~feasible
    a[infeasible] = furthest[infeasible]
    todo = feasible & (m > 0)
    if not todo.any():
        return a, feasible
    ct, mt = c[todo], m[todo]
    spread = (ct ** 2 / w2).sum(axis=1)  # ‖W⁻¹c‖², > 0 wherever m > 0 is reachable
    free = (mt / spread)[:, None] * ct / w2  # the unbounded minimiser
    inside = ((free >= lower) & (free <= upper)).all(axis=1)
    solution = free.copy()
    clipped = ~inside
    if clipped.any():
        cc, mc = ct[clipped], mt[clipped]
        low = mt[clipped] / spread[clipped]  # clipping only lowers cᵀa: f(low) <= 0
        bound = np.where(cc > 0, upper, lower)
        unbounded = np.isinf(bound) & (cc != 0)
        pull = np.where(unbounded, cc ** 2 / w2, 0.0).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            saturation = np.where((cc != 0) & ~unbounded, bound * w2 / cc, 0.0)
        saturation = np.where(np.isfinite(saturation), saturation, 0.0).max(axis=1)
        # Every bounded coordinate adds c_j a_j >= 0, so with an unbounded one,
        # f(m / pull) >= 0; without, every coordinate saturates at λ = saturation.
        high = np.where(pull > 0, mc / np.where(pull > 0, pull, 1.0), saturation)
        high = np.maximum(high, low)
        columns = tuple(cc[:, j] for j in range(k))

        def excess(lam: np.ndarray, level: np.ndarray, *normal: np.ndarray) -> np.ndarray:
            total = np.zeros_like(lam)
            for j, cj in enumerate(normal):
                total += cj * np.clip(lam * cj / w2[j], lower[j], upper[j])
            shortfall: np.ndarray = total - level
            return shortfall

        at_high = excess(high, mc, *columns) >= 0
        bracketed = at_high & (high > low)
        lam = high.copy()
        if bracketed.any():
            root = elementwise.find_root(
                excess, (low[bracketed], high[bracketed]),
                args=(mc[bracketed], *(col[bracketed] for col in columns)),
                tolerances=dict(xrtol=1e-14, xatol=0.0))
            # The smallest of the root and the final bracket's ends at which the
            # constraint holds (f(x) may be a hair below 0; f at the upper end is >= 0).
            candidates = np.stack([root.x, *root.bracket])
            values = np.stack([root.f_x, *root.f_bracket])
            lam[bracketed] = np.where(values >= 0, candidates, np.inf).min(axis=0)
        solution[clipped] = np.clip(lam[:, None] * cc / w2, lower, upper)
    a[todo] = solution
    return a, feasible
