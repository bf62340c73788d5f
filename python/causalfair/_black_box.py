"""The sampling audit of a black-box classifier (any fitted ``predict``): U_CF, and
U_Δ with NR_Δ for every radius, on the very points the engine's ``sample`` method
draws — so a classifier audited as a black box and inside the engine gets the same
flags (DESIGN §4, "one model, one audit").

The points come from the engine (``cf_audit_ball``): for every (row, posterior draw)
pair, every ball (each twin level, or the factual one for NR_Δ) and samples
``a..<b`` of the ball's own random stream, the stream of the indicator's seed that
the engine's sampler uses. The flags follow the engine's order exactly: the twins
first (predicted once, shared by U_CF, every U_Δ and, at the factual level, every
NR_Δ: a twin does not depend on the seed), then blocks of ``SAMPLE_BLOCK`` samples per
ball, a pair's witness being its first differing point in (level, sample) order
within the first block that has one. Only the pairs still unflagged are predicted,
in one ``predict`` per block (split, by blocks of rows, beyond ``PREDICT_POINTS``: that
bounds memory); the engine draws every ball of a block of rows (its draws are cheap).
Indicators are computed each on its own (never nested), like the engine's.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import _models
from .validation import LIMITS, check_output_size

#: Samples per ball between two checks for flips: the engine's sample block
#: (``cf_limits.audit_sample_block``), so that witnesses are the engine's.
SAMPLE_BLOCK = int(LIMITS["audit_sample_block"])
#: The most points one ``predict`` call receives.
PREDICT_POINTS = 1 << 20
#: The most encoded values one engine draw returns (a block of rows per call).
DRAW_VALUES = 2_000_000

#: Per (row, draw) pair: (flags, witness twin level (-1: none), witnesses in encoded
#: units, NaN rows: none).
Flags = Tuple[np.ndarray, np.ndarray, np.ndarray]
#: Predictions of encoded points (rows: their audited row).
PointPredictor = Callable[[np.ndarray, np.ndarray], np.ndarray]


def audit(predict: PointPredictor, scm: Any, x: np.ndarray, own: np.ndarray, factual_rows: np.ndarray,
          plan: Sequence[Tuple[float, bool, int]], n_samples: int, n_draws: int, posterior_seed: int,
          first_row: int = 0, progress: Optional[Callable[[float], None]] = None
          ) -> Dict[Tuple[float, bool], Flags]:
    """Every indicator of ``plan`` — (radius, factual_only, seed) — on the encoded rows
    ``x`` (rows ``first_row`` onward of the table), keyed (radius, factual_only); U_CF is
    (0.0, False). ``own``: the predictions of ``x``'s rows, ``factual_rows`` their twin
    levels; ``progress(fraction)`` is
    called after every ``predict``, with the share of the largest possible work done
    (a flagged pair's remaining draws count as done)."""
    handle = scm._handle
    rows, columns, levels = x.shape[0], x.shape[1], len(scm._twin_labels)
    pairs = rows * n_draws
    check_output_size(pairs * levels, columns, "audit twins (one per row, posterior draw and level of S)")
    pair_rows = np.arange(pairs) // n_draws
    factual = np.repeat(np.asarray(factual_rows, dtype=np.int64), n_draws)
    work = pairs * levels + sum(pairs * (1 if factual_only else levels) * n_samples
                                for radius, factual_only, _ in plan if radius > 0)
    twins = _models.audit_ball(handle, x, 0.0, False, levels, range(1), 0, first_row, n_draws, posterior_seed)
    twin_pairs = np.repeat(np.arange(pairs), levels)
    differs = (predict(twins, pair_rows[twin_pairs]) != own[pair_rows[twin_pairs]]).reshape(pairs, levels)
    done = pairs * levels
    if progress is not None:
        progress(done / work)
    results: Dict[Tuple[float, bool], Flags] = {}
    for radius, factual_only, seed in plan:
        found = _empty(pairs, columns)
        if factual_only:
            own_level = differs[np.arange(pairs), factual]
            _record(found, own_level, twins[np.arange(pairs) * levels + factual], np.arange(pairs), factual)
        else:
            _record_first(found, differs, twins, levels, 1, np.arange(pairs))
        if radius > 0:
            balls = 1 if factual_only else levels
            for start in range(0, n_samples, SAMPLE_BLOCK):
                k = min(SAMPLE_BLOCK, n_samples - start)
                if found[0].all():
                    break
                block_work = pairs * balls * k

                def predicted(share: float) -> None:
                    if progress is not None:
                        progress((done + share * block_work) / work)
                _sample_block(predict, handle, x, own, found, radius, factual_only, balls, range(start, start + k),
                              seed, first_row, n_draws, posterior_seed, factual, predicted)
                done += block_work
        results[(radius, factual_only)] = found
    return results


def _sample_block(predict: PointPredictor, handle: Any, x: np.ndarray, own: np.ndarray, found: Flags,
                  radius: float, factual_only: bool, balls: int, samples: range, seed: int, first_row: int,
                  n_draws: int, posterior_seed: int, factual: np.ndarray, predicted: Callable[[float], None]) -> None:
    """Samples ``samples`` of every ball of the unflagged pairs, predicted, each pair
    flagged at its first differing point in (level, sample) order, in place;
    ``predicted(share)`` after every ``predict``, with the share of the rows done."""
    rows, columns, k = x.shape[0], x.shape[1], len(samples)
    per_row = n_draws * balls * k
    block = max(1, DRAW_VALUES // max(1, per_row * columns))
    pending: List[Tuple[np.ndarray, np.ndarray]] = []
    for start in range(0, rows, block):
        stop = min(start + block, rows)
        open_pairs = np.flatnonzero(~found[0][start * n_draws:stop * n_draws]) + start * n_draws
        if len(open_pairs):
            points = _models.audit_ball(handle, x[start:stop], radius, factual_only, balls, samples, seed,
                                        first_row + start, n_draws, posterior_seed)
            local = open_pairs - start * n_draws
            chosen = (local[:, None] * balls * k + np.arange(balls * k)).ravel()
            pending.append((points[chosen], np.repeat(open_pairs, balls * k)))
        if pending and (stop == rows or sum(len(p[0]) for p in pending) >= PREDICT_POINTS):
            points, owners = (np.concatenate(parts) for parts in zip(*pending))
            pending = []
            hit = predict(points, owners // n_draws) != own[owners // n_draws]
            within = np.tile(np.arange(balls * k), len(owners) // (balls * k))
            levels = factual[owners] if factual_only else within // k
            _record(found, hit, points, owners, levels)
            predicted(stop / rows)


def _empty(pairs: int, columns: int) -> Flags:
    return (np.zeros(pairs, dtype=bool), np.full(pairs, -1, dtype=np.int64), np.full((pairs, columns), np.nan))


def _record_first(found: Flags, differs: np.ndarray, points: np.ndarray, levels: int, k: int,
                  pairs: np.ndarray) -> None:
    """Flags from per-pair (level, sample) differences, points in the same order."""
    flagged = differs.any(axis=1)
    first = np.argmax(differs, axis=1)
    chosen = np.flatnonzero(flagged)
    found[0][pairs[chosen]] = True
    found[1][pairs[chosen]] = first[chosen] // k
    found[2][pairs[chosen]] = points[chosen * levels * k + first[chosen]]


def _record(found: Flags, hit: np.ndarray, points: np.ndarray, owners: np.ndarray, levels: np.ndarray) -> None:
    """Flags the unflagged pairs of their first hit (points are in pair order), in place."""
    hit = hit & ~found[0][owners]
    flagged, first = np.unique(owners[hit], return_index=True)
    at = np.flatnonzero(hit)[first]
    found[0][flagged] = True
    found[1][flagged] = levels[at]
    found[2][flagged] = points[at]

