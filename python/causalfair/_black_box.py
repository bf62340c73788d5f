"""The adaptive sampling audit of a black-box classifier (any fitted ``predict``):
U_CF, and U_Δ with NR_Δ for every radius, from shared predictions.

Where the balls nest, one set of predictions serves every indicator: the twins (U_CF)
lie in every B_Δ, the factual twin's ball (NR_Δ) is part of B_Δ, and B_Δ ⊂ B_Δ′ for
Δ < Δ′. So the twins are predicted once; radii run in increasing order, each starting
from the flags and witnesses of the smaller balls; and the points of the factual
twin's ball drawn for U_Δ are NR_Δ's draws.

Within a radius, draws come in rounds (16 points per ball, then doubling, up to
``n_samples`` per ball in all). A round draws every ball of every row (the engine's
draws are cheap), but only the rows still unflagged are predicted — for a row flagged
for U_Δ but not for NR_Δ, only its factual ball — in one ``predict`` per round
(split, by blocks of rows, only beyond ``PREDICT_POINTS``: that bounds memory). Each block of rows has its own seed per
(radius, round), so stopping a row early never changes any flag: the flags are those
of predicting every draw.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

#: Points per ball in the first round; each later round doubles it.
FIRST_ROUND = 16
#: The most points one ``predict`` call receives.
PREDICT_POINTS = 1 << 20
#: The most encoded values one engine draw returns (a block of rows per call).
DRAW_VALUES = 2_000_000

#: (flags, witness twin level (-1: none), witnesses in encoded units, NaN rows: none).
Flags = Tuple[np.ndarray, np.ndarray, np.ndarray]
#: Predictions of encoded points (rows: their audited row).
PointPredictor = Callable[[np.ndarray, np.ndarray], np.ndarray]


def round_sizes(n_samples: int) -> List[int]:
    """Points per ball of each round: 16, 32, 64, ... summing to ``n_samples``."""
    sizes, size, total = [], FIRST_ROUND, 0
    while total < n_samples:
        sizes.append(min(size, n_samples - total))
        total += sizes[-1]
        size *= 2
    return sizes


def block_seed(seed: int, radius_index: int, round_index: int, block: int) -> int:
    """The engine seed of one block of rows in one round at one radius."""
    return int(np.random.SeedSequence([seed, radius_index, round_index, block]).generate_state(1, np.uint64)[0])


def audit(predict: PointPredictor, scm: Any, X: pd.DataFrame, own: np.ndarray, radii: List[float],
          n_samples: int, seed: int, progress: Optional[Callable[[float], None]] = None
          ) -> Dict[Tuple[float, bool], Flags]:
    """Every indicator of ``X``'s rows: keys (0.0, False) for U_CF, (Δ, False) for U_Δ
    and (Δ, True) for NR_Δ. ``own``: the predictions of ``X``; ``progress(fraction)``
    is called after every ``predict``, with the share of the largest possible work
    done (a flagged row's remaining draws count as done)."""
    rows, levels, columns = len(X), len(scm._twin_labels), len(scm.columns_)
    factual = np.asarray(scm.factual_levels(X), dtype=np.int64)
    samples = [n_samples if r > 0 else 1 for r in radii]
    work = rows * levels * (1 + sum(samples))
    twins = scm.perturbation_ball(X, 0.0, 1, random_state=0, encoded=True).to_numpy()
    twin_rows = np.repeat(np.arange(rows), levels)
    differs = (predict(twins, twin_rows) != own[twin_rows]).reshape(rows, levels)
    results: Dict[Tuple[float, bool], Flags] = {(0.0, False): _first(differs, twins, levels, 1)}
    done = rows * levels
    if progress is not None:
        progress(done / work)
    unfair = results[(0.0, False)]
    robust: Flags = (np.zeros(rows, dtype=bool), np.full(rows, -1, dtype=np.int64), np.full((rows, columns), np.nan))
    for radius_index in np.argsort(radii, kind="stable"):
        radius, m = radii[radius_index], samples[radius_index]
        unfair, robust = _copy(unfair), _copy(robust)
        block = max(1, DRAW_VALUES // (levels * max(round_sizes(m)) * columns))
        drawn = 0
        for round_index, k in enumerate(round_sizes(m)):
            if unfair[0].all() and robust[0].all():
                break
            pending: List[Tuple[np.ndarray, np.ndarray, np.ndarray]] = []
            starts = range(0, rows, block)
            for number, start in enumerate(starts):
                stop = min(start + block, rows)
                need_unfair, need_robust = ~unfair[0][start:stop], ~robust[0][start:stop]
                if (need_unfair | need_robust).any():
                    ball = scm.perturbation_ball(X.iloc[start:stop], radius, k, encoded=True,
                                                 random_state=block_seed(seed, int(radius_index), round_index,
                                                                         number)).to_numpy()
                    local = np.arange(stop - start)
                    every = (local[need_unfair, None] * levels * k + np.arange(levels * k)).ravel()
                    only = local[~need_unfair & need_robust]
                    own_ball = (only[:, None] * levels * k + factual[start + only, None] * k + np.arange(k)).ravel()
                    chosen = np.sort(np.concatenate([every, own_ball]))
                    pending.append((ball[chosen], start + chosen // (levels * k), (chosen // k) % levels))
                if pending and (stop == rows or sum(len(p[0]) for p in pending) >= PREDICT_POINTS):
                    points, point_rows, point_levels = (np.concatenate(parts) for parts in zip(*pending))
                    pending = []
                    hit = predict(points, point_rows) != own[point_rows]
                    _record(unfair, hit & ~unfair[0][point_rows], points, point_rows, point_levels)
                    _record(robust, hit & ~robust[0][point_rows] & (point_levels == factual[point_rows]), points,
                            point_rows, point_levels)
                    _nest(robust, unfair)
                    if progress is not None:
                        progress((done + rows * levels * k * (number + 1) / len(starts)) / work)
            done += rows * levels * k
            drawn += k
        done += rows * levels * (m - drawn)
        if progress is not None:
            progress(done / work)
        results[(radius, False)], results[(radius, True)] = unfair, robust
    return results


def _first(differs: np.ndarray, points: np.ndarray, levels: int, k: int) -> Flags:
    """Flags, witness levels and witnesses from per-row (level, sample) differences."""
    rows = differs.shape[0]
    flags = np.asarray(differs.any(axis=1))
    first = np.argmax(differs, axis=1)
    witness_levels = np.where(flags, first // k, -1).astype(np.int64)
    witnesses = np.full((rows, points.shape[1]), np.nan)
    chosen = np.flatnonzero(flags)
    witnesses[chosen] = points[chosen * levels * k + first[chosen]]
    return flags, witness_levels, witnesses


def _record(flags: Flags, hit: np.ndarray, points: np.ndarray, rows: np.ndarray, levels: np.ndarray) -> None:
    """Flags the rows of the first hit of each (points are in row order), in place."""
    found, first = np.unique(rows[hit], return_index=True)
    at = np.flatnonzero(hit)[first]
    flags[0][found] = True
    flags[1][found] = levels[at]
    flags[2][found] = points[at]


def _nest(robust: Flags, unfair: Flags) -> None:
    """NR_Δ ⊂ U_Δ: a row flagged in the factual ball is flagged for U_Δ with that witness."""
    missing = robust[0] & ~unfair[0]
    unfair[0][missing] = True
    unfair[1][missing] = robust[1][missing]
    unfair[2][missing] = robust[2][missing]


def _copy(flags: Flags) -> Flags:
    return flags[0].copy(), flags[1].copy(), flags[2].copy()
