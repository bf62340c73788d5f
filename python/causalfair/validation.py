"""Shared argument checks. Each raises before any work starts, naming the argument
and what was expected.

Parameters are checked declaratively, in the spirit of scikit-learn's
``_parameter_constraints``: each estimator or function has one table mapping a
parameter to its constraints (:class:`Interval`, :class:`Options`, :class:`Boolean`,
:class:`Fields` for a dict of settings, a literal value, or ``None``), and :func:`check_parameters` runs the table before any
work. Every bound the engine enforces comes from :data:`LIMITS`, which the engine
reports itself (``cf_get_limits``): no limit is copied here. A value of the wrong type
raises ``TypeError``, one out of range ``ValueError``; both messages name the
parameter, what is allowed and the value.
"""

from __future__ import annotations

import math
import numbers
from types import MappingProxyType
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union, cast

import numpy as np
import pandas as pd

from . import _contract

# scikit-learn's exception, so `except NotFittedError` works across libraries.
from sklearn.exceptions import NotFittedError  # type: ignore[import-untyped]  # scikit-learn ships no types

__all__ = [
    "NotFittedError", "LIMITS", "MAX_ELEMENTS", "MAX_RADIUS", "Interval", "Options", "Boolean", "Fields",
    "check_parameter", "check_parameters", "check_frame", "check_matrix", "check_positive_int", "check_radius",
    "check_output_size", "seed_from", "check_node_list", "mean_and_std", "check_sample_weight",
]

#: The engine's limits (``cf_limits`` of causalfair.h, as ``_engine.limits()`` reports
#: them): the one source of every bound the parameter tables use.
LIMITS: Mapping[str, Union[int, float]] = MappingProxyType(_contract.limits())
#: Largest output (in float64 elements) any call allocates: 2**31 - 1 elements, 16 GiB
#: (sizes must fit OpenBLAS's 32-bit indices).
MAX_ELEMENTS = int(LIMITS["max_elements"])
#: Largest perturbation radius, in standardized latent units.
MAX_RADIUS = float(LIMITS["max_radius"])
_SEED_BOUND = 2 ** 64


def _bound(value: Union[None, int, float, str]) -> Optional[float]:
    """A bound given as a number, None (unbounded) or the name of an engine limit."""
    return LIMITS[value] if isinstance(value, str) else value


class Interval:
    """Numbers of one type (``int`` or ``float``) between ``low`` and ``high``.

    A bound is a number, ``None`` (unbounded), or the name of one of :data:`LIMITS`.
    ``closed`` is ``"both"``, ``"left"``, ``"right"`` or ``"neither"``. Reals must be
    finite; bools are never numbers here.
    """

    def __init__(self, kind: type, low: Any, high: Any, *, closed: str = "both"):
        self.kind, self.closed = kind, closed
        self.low, self.high = _bound(low), _bound(high)

    def is_type(self, value: Any) -> bool:
        base = numbers.Integral if self.kind is int else numbers.Real
        return not isinstance(value, (bool, np.bool_)) and isinstance(value, base)

    def accepts(self, value: Any) -> bool:
        if not self.is_type(value) or (self.kind is float and not math.isfinite(value)):
            return False
        low_ok = self.low is None or (value >= self.low if self.closed in ("both", "left") else value > self.low)
        high_ok = self.high is None or (value <= self.high if self.closed in ("both", "right") else value < self.high)
        return low_ok and high_ok

    def convert(self, value: Any) -> Any:
        return self.kind(value)

    def __str__(self) -> str:
        what = "an int" if self.kind is int else "a finite number"

        def show(bound: Optional[float]) -> str:
            if bound is None:
                return "-inf"
            return f"{int(bound)}" if self.kind is int else f"{bound:g}"
        if self.high is None:
            return f"{what} {'>=' if self.closed in ('both', 'left') else '>'} {show(self.low)}"
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        return f"{what} in {left}{show(self.low)}, {show(self.high)}{right}"


class Options:
    """One of the given strings (any other value is out of range: ValueError)."""

    def __init__(self, values: Iterable[str]):
        self.values = tuple(values)

    def is_type(self, value: Any) -> bool:
        return True

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.values

    def convert(self, value: Any) -> Any:
        return value

    def __str__(self) -> str:
        return f"one of {list(self.values)}"


class Boolean:
    """A bool (Python's or numpy's)."""

    def is_type(self, value: Any) -> bool:
        return isinstance(value, (bool, np.bool_))

    accepts = is_type

    def convert(self, value: Any) -> Any:
        return bool(value)

    def __str__(self) -> str:
        return "a bool"


class Fields:
    """A mapping (e.g. a dict) of named settings, each with its own constraints:
    ``required`` names must be present, ``optional`` ones default to the given value
    when absent (the default is used as is, unchecked); any other key is refused.
    :func:`check_parameter` checks each entry under the name ``parameter['key']`` and
    returns a new dict holding every key."""

    def __init__(self, required: Mapping[str, Sequence[Any]], optional: Mapping[str, Tuple[Any, Sequence[Any]]]):
        self.required, self.optional = dict(required), dict(optional)

    def is_type(self, value: Any) -> bool:
        return isinstance(value, Mapping)

    accepts = is_type

    def check(self, name: str, value: Mapping[str, Any]) -> Dict[str, Any]:
        """``value``'s entries checked and completed with the defaults."""
        allowed = [*self.required, *self.optional]
        unknown = [key for key in value if key not in allowed]
        if unknown:
            raise ValueError(f"{name}: unknown key {unknown[0]!r}; expected keys {allowed}")
        missing = [key for key in self.required if key not in value]
        if missing:
            raise ValueError(f"{name}: missing key {missing[0]!r}; expected keys {allowed}")
        checked = {key: check_parameter(f"{name}[{key!r}]", value[key], rules) for key, rules in self.required.items()}
        for key, (default, rules) in self.optional.items():
            checked[key] = check_parameter(f"{name}[{key!r}]", value[key], rules) if key in value else default
        return checked

    def __str__(self) -> str:
        return f"a dict with keys {list(self.required)} and optionally {list(self.optional)}"


class _Literal:
    """Exactly ``value`` (``None``, ``"mcc"``, ...): a special value beside the
    parameter's other constraints, which alone decide whether a value is of a wrong
    type (TypeError) or out of range (ValueError)."""

    def __init__(self, value: Any):
        self.value = value

    def is_type(self, value: Any) -> bool:
        return False

    def accepts(self, value: Any) -> bool:
        return value is self.value or (isinstance(value, str) and value == self.value)

    def convert(self, value: Any) -> Any:
        return self.value

    def __str__(self) -> str:
        return repr(self.value)


Constraint = Union[Interval, Options, Boolean, Fields, None, str, bool]


def _as_constraint(constraint: Any) -> Any:
    return constraint if isinstance(constraint, (Interval, Options, Boolean, Fields)) else _Literal(constraint)


def check_parameter(name: str, value: Any, constraints: Sequence[Constraint]) -> Any:
    """``value`` converted by the first constraint it satisfies; otherwise TypeError
    (no constraint takes its type) or ValueError (out of range), naming ``name``,
    every allowed form and ``value``."""
    rules = [_as_constraint(c) for c in constraints]
    for rule in rules:
        if rule.accepts(value):
            return rule.check(name, value) if isinstance(rule, Fields) else rule.convert(value)
    error = ValueError if any(rule.is_type(value) for rule in rules) else TypeError
    raise error(f"{name}: expected {' or '.join(str(rule) for rule in rules)}, got {value!r}")


def check_parameters(constraints: Mapping[str, Sequence[Constraint]], values: Mapping[str, Any]) -> Dict[str, Any]:
    """Every parameter of ``constraints`` in ``values``, checked (:func:`check_parameter`)
    in the table's order; returns them converted (ints as ``int``, reals as ``float``)."""
    return {name: check_parameter(name, values[name], rules) for name, rules in constraints.items()}


def check_frame(df: Any, name: str, nodes: Sequence[str]) -> pd.DataFrame:
    """``df`` is a DataFrame holding every node (extra columns are ignored) and at
    least one row; returns ``df[nodes]``."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{name}: expected a pandas DataFrame with the columns "
                        f"{list(nodes)}, got {type(df).__name__}")
    if df.columns.has_duplicates:
        dup = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise ValueError(f"{name}: expected unique column names, got duplicates {dup}")
    missing = [n for n in nodes if n not in df.columns]
    if missing:
        raise ValueError(f"{name}: expected a column for every graph node; missing "
                         f"{missing} (columns present: {[str(c) for c in df.columns]})")
    if len(df) == 0:
        raise ValueError(f"{name}: expected at least one row, got an empty DataFrame")
    return df.loc[:, list(nodes)]


def check_matrix(x: Any, name: str, n_columns: int) -> np.ndarray:
    """An encoded 2-D float matrix with ``n_columns`` columns, finite, >= 1 row;
    returned float64 and C-contiguous (no copy when it already is)."""
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name}: expected a DataFrame or a 2-D numeric array, got "
                        f"{type(x).__name__}")
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"{name}: expected a 2-D numeric array ({exc})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number)
                                   or arr.dtype == np.bool_):
        raise TypeError(f"{name}: expected a 2-D numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array (rows x {n_columns} encoded "
                         f"columns), got {arr.ndim}-D with shape {arr.shape}")
    if arr.shape[1] != n_columns:
        raise ValueError(f"{name}: expected {n_columns} encoded columns, got "
                         f"{arr.shape[1]}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name}: expected at least one row, got 0")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite values, found NaN or inf")
    return arr


def check_positive_int(value: Any, name: str) -> int:
    """A Python or numpy integer > 0 (bools refused)."""
    return int(check_parameter(name, value, [Interval(int, 1, None)]))


def check_radius(value: Any, name: str = "radius") -> float:
    """A real number in [0, :data:`MAX_RADIUS`] (standardized latent units)."""
    return float(check_parameter(name, value, [Interval(float, 0, "max_radius")]))


def check_sample_weight(sample_weight: Any, rows: int) -> Optional[np.ndarray]:
    """``sample_weight`` as float64 (None stays None; a scalar is every row's weight),
    checked before any work: numbers, one finite weight >= 0 per row of X, with a
    positive sum. Raises TypeError or ValueError naming ``sample_weight``.

    Only the weights' ratios matter to every fit, so weights whose sum overflows
    (e.g. [1e308, 1e308]) are divided by their largest, which the engine then accepts
    (it refuses a sum beyond the largest float); other weights are returned as given."""
    if sample_weight is None:
        return None
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"sample_weight: expected numbers, got {type(sample_weight).__name__}") from None
    if weights.ndim == 0:
        weights = np.full(rows, float(weights))
    if weights.shape != (rows,):
        raise ValueError(f"sample_weight: expected {rows} weights (one per row of X), got shape {weights.shape}")
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError("sample_weight: expected finite weights >= 0 (no NaN, inf or negative weight)")
    with np.errstate(over="ignore"):
        total = weights.sum()
    if not total > 0:
        raise ValueError("sample_weight: expected a positive sum, got all zeros")
    return weights if np.isfinite(total) else weights / weights.max()


def mean_and_std(x: np.ndarray, weights: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
    """Column means and population stds of a finite 2-D ``x``, without overflow or
    underflow: columns whose sums of squares overflow (magnitudes from ~1e154 on) or
    vanish although the column varies (magnitudes below ~1e-154) are computed on
    ``x / max|x|`` and scaled back, so a varying column gets a finite std > 0.

    With ``weights`` (one per row, >= 0, positive sum) the weighted mean and std:
    integer weights give those of the rows repeated, zero weights those without the
    rows (up to rounding)."""
    if weights is not None:
        return _weighted_mean_and_std(x, weights)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        mean, std = x.mean(axis=0), x.std(axis=0)
    rescale = ~(np.isfinite(mean) & np.isfinite(std))
    if (std == 0).any():
        rescale |= (std == 0) & (x.max(axis=0) > x.min(axis=0))
    if rescale.any():
        magnitude = np.abs(x[:, rescale]).max(axis=0)
        mean[rescale] = magnitude * (x[:, rescale] / magnitude).mean(axis=0)
        std[rescale] = magnitude * (x[:, rescale] / magnitude).std(axis=0)
    return mean, std


def _weighted_mean_and_std(x: np.ndarray, weights: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """:func:`mean_and_std` with row weights, on ``x / max|x|`` per column (scaled
    back), so no column overflows or underflows."""
    magnitude = np.abs(x).max(axis=0)
    magnitude = np.where(magnitude > 0, magnitude, 1.0)
    scaled = x / magnitude
    mean = np.average(scaled, axis=0, weights=weights)
    std = np.sqrt(np.average((scaled - mean) ** 2, axis=0, weights=weights))
    return magnitude * mean, magnitude * std


def check_output_size(rows: int, columns: int, what: str) -> None:
    """Refuse outputs of more than :data:`MAX_ELEMENTS` elements before allocating."""
    if rows * max(columns, 1) > MAX_ELEMENTS:
        raise ValueError(f"{what}: the result would have {rows} rows x {columns} "
                         f"columns, more than the {MAX_ELEMENTS} elements allowed; ask "
                         "for fewer rows or samples")


def seed_from(random_state: Any, name: str = "random_state") -> int:
    """An engine seed in ``[0, 2**64)``.

    ``None`` draws a fresh seed from the operating system's entropy; an int is used as
    is (it must lie in ``[0, 2**64)``); a ``numpy.random.Generator`` or
    ``RandomState`` gives one draw (advancing it).
    """
    if random_state is None:
        return int(cast(int, np.random.SeedSequence().entropy)) % _SEED_BOUND  # drawn from the OS: an int
    if isinstance(random_state, bool):
        raise TypeError(f"{name}: expected None, an int or a numpy Generator, got a bool")
    if isinstance(random_state, numbers.Integral):
        seed = int(random_state)
        if not 0 <= seed < _SEED_BOUND:
            raise ValueError(f"{name}: expected an int in [0, 2**64), got {random_state}")
        return seed
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, _SEED_BOUND, dtype=np.uint64))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2 ** 63, dtype=np.int64))
    raise TypeError(f"{name}: expected None, an int or a numpy Generator, got "
                    f"{type(random_state).__name__}")


def check_node_list(value: Any, name: str, nodes: Iterable[str]) -> List[str]:
    """A node name or a list of node names, each in ``nodes``; no repeats."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    try:
        items = list(value)
    except TypeError:
        raise TypeError(f"{name}: expected a node name or a list of node names, got "
                        f"{value!r}") from None
    known = list(nodes)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{name}: expected node names (str), got {item!r}")
        if item not in known:
            raise ValueError(f"{name}: {item!r} is not a node of the graph "
                             f"(nodes: {known})")
    if len(set(items)) != len(items):
        raise ValueError(f"{name}: expected distinct node names, got {items}")
    return items
