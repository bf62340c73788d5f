"""Tables that do not fit one process — a dask DataFrame, or any iterable of pandas
DataFrame chunks (a list, a generator, ``pd.read_csv(..., chunksize=)``) — and a
function mapped over their partitions, each told its partition's position in the whole
table (``first_row``), so that per-row randomness can follow the row, not the
partition (DESIGN §4, "Parallel and distributed execution").

Chunks of an iterable are processed in this process, one at a time (only one chunk's
rows are held at once); a dask DataFrame's partitions are processed where dask runs
its tasks (the workers of a ``dask.distributed`` cluster when a client is active):
a first pass counts the rows of every partition, a second runs the function on each.
Results come back in the table's order.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

__all__ = ["is_partitioned", "map_partitions"]


def _is_dask_frame(X: Any) -> bool:
    """A dask DataFrame (dask is only consulted when the caller has imported it)."""
    dataframe = sys.modules.get("dask.dataframe")
    return dataframe is not None and isinstance(X, dataframe.DataFrame)


def is_partitioned(X: Any) -> bool:
    """Whether ``X`` is a partitioned table: a dask DataFrame, an iterator (of chunks),
    or a non-empty list or tuple of pandas DataFrames."""
    if _is_dask_frame(X):
        return True
    if isinstance(X, (list, tuple)):
        return len(X) > 0 and all(isinstance(part, pd.DataFrame) for part in X)
    return isinstance(X, Iterator) and not isinstance(X, (str, bytes))


def _with_labels(part: Any, labels: Any) -> Tuple[pd.DataFrame, Any]:
    """A partition and its labels: ``labels`` itself, or (a str) the partition's column
    of that name, dropped from the partition."""
    if not isinstance(part, pd.DataFrame):
        raise TypeError(f"X: expected partitions that are pandas DataFrames, got {type(part).__name__}")
    if isinstance(labels, str):
        if labels not in part.columns:
            raise ValueError(f"y: {labels!r} is not a column of X's partitions (columns: {list(part.columns)})")
        return part.drop(columns=labels), part[labels]
    return part, labels


def _call(function: Callable[..., Any], part: Any, labels: Any, first_row: int, arguments: Dict[str, Any]) -> Any:
    """``function`` on one non-empty partition (None for an empty one)."""
    part, labels = _with_labels(part, labels)
    return function(part, labels, first_row, **arguments) if len(part) else None


def map_partitions(function: Callable[..., Any], X: Any, y: Any, arguments: Dict[str, Any]) -> List[Any]:
    """``function(part, labels, first_row, **arguments)`` for every non-empty partition
    of ``X``, in order; ``first_row`` is the partition's first row in the whole table.

    ``y``: None, the name of a label column of every partition, one label array per
    chunk (an iterable zipped with the chunks), or (for a dask ``X``) a dask Series
    with the same partitions. ``function`` and ``arguments`` must pickle for dask's
    distributed scheduler. Raises ValueError for a table without rows.
    """
    results = _on_dask(function, X, y, arguments) if _is_dask_frame(X) else _in_turn(function, X, y, arguments)
    results = [result for result in results if result is not None]
    if not results:
        raise ValueError("X: expected at least one row in its partitions, got none")
    return results


def _in_turn(function: Callable[..., Any], X: Any, y: Any, arguments: Dict[str, Any]) -> List[Any]:
    """The chunks of an iterable, one after the other, in this process."""
    if y is None or isinstance(y, str):
        labels: Optional[Iterator[Any]] = None
    elif isinstance(y, (pd.DataFrame, pd.Series, np.ndarray)):
        raise TypeError("y: with X in chunks, expected a label column name or one label array per chunk, "
                        f"got a single {type(y).__name__}")
    else:
        labels = iter(y)
    results, first_row = [], 0
    for part in X:
        part_labels = y if labels is None else next(labels, _MISSING)
        if part_labels is _MISSING:
            raise ValueError("y: expected one label array per chunk of X; the labels ran out first")
        results.append(_call(function, part, part_labels, first_row, arguments))
        first_row += len(part)
    if labels is not None and next(labels, _MISSING) is not _MISSING:
        raise ValueError("y: expected one label array per chunk of X; there are more label arrays than chunks")
    return results


_MISSING = object()


def _on_dask(function: Callable[..., Any], X: Any, y: Any, arguments: Dict[str, Any]) -> List[Any]:
    """The partitions of a dask DataFrame, as dask tasks (on the cluster's workers when a
    ``dask.distributed`` client is active); ``arguments`` are sent once, not per task."""
    from dask.base import compute
    from dask.delayed import delayed
    parts = X.to_delayed()
    if y is None or isinstance(y, str):
        labels = [y] * len(parts)
    elif isinstance(y, sys.modules["dask.dataframe"].Series):
        labels = y.to_delayed()
        if len(labels) != len(parts):
            raise ValueError(f"y: expected a dask Series with X's {len(parts)} partitions, got {len(labels)}")
    else:
        raise TypeError(f"y: with a dask DataFrame X, expected None, a column name or a dask Series, "
                        f"got {type(y).__name__}")
    lengths = np.asarray(X.map_partitions(len).compute(), dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    shared = delayed(arguments, pure=False)
    tasks = [delayed(_call, pure=False)(function, part, part_labels, int(start), shared)
             for part, part_labels, start in zip(parts, labels, starts)]
    return list(compute(*tasks))  # type: ignore[no-untyped-call]  # dask.base.compute has no annotations
