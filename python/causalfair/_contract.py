"""The engine's contract as Python reads it: the code names and struct fields of
``causalfair.h`` (compiled into the shim, so they cannot disagree with the header),
the engine's limits, and the one engine function the graph layer needs.

With :mod:`causalfair._handles` and :mod:`causalfair._models`, the only module that
imports the compiled ``_engine``; it sits below every other module (it imports none of
the package), so the graph, the schema and the validation tables can read it.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Tuple, Union

import numpy as np

from . import _engine

__all__ = ["CODES", "FIELDS", "limits", "graph_order"]

#: Every code of the header by enum and name (e.g. ``CODES["node_kind"]``).
CODES: Mapping[str, Any] = _engine.CODES
#: Every settings struct's field names, as the shim fills them.
FIELDS: Mapping[str, Any] = _engine.FIELDS


def limits() -> Dict[str, Union[int, float]]:
    """The bounds the engine enforces (``cf_limits``), by name."""
    return dict(_engine.limits())


def graph_order(counts: np.ndarray, flat_parents: np.ndarray) -> Tuple[np.ndarray, np.ndarray, int]:
    """The engine's topological order of a graph given as parent counts and the flat
    parent indices: (order, cycle, cycle length); a length > 0 means no order exists
    and ``cycle[:length]`` is a cycle the engine found."""
    order = np.empty(counts.size, dtype=np.int64)
    cycle = np.empty(counts.size, dtype=np.int64)
    length = _engine.graph_order(counts, flat_parents, order, cycle)
    return order, cycle, int(length)
