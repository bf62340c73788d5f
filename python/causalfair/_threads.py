"""The engine's thread count: a process-wide default and a scoped override.

Training (:class:`~causalfair.FairRobustClassifier`) and the engine's audits
(:func:`~causalfair.audit`) cut their work into pieces fixed by the data, run them on
the engine's own threads and combine them in a fixed order, so the result is the same,
bit for bit, for any thread count. OpenBLAS runs single-threaded inside the engine
(it would only oversubscribe the cores), so the thread count is the number of cores
used.

The count used is, in order: an ``n_threads`` argument; the innermost
:func:`thread_limit` block of the calling thread; :func:`set_threads`'s value; every
core the process may run on (``os.sched_getaffinity``).
"""

import contextvars
import os
from contextlib import contextmanager
from typing import Iterator, Optional

from .validation import LIMITS, Interval, check_parameter

#: The constraint of every thread-count argument (the engine's limit by name).
THREADS = [Interval(int, 1, "max_threads")]

_default: Optional[int] = None
_scoped: contextvars.ContextVar[Optional[int]] = contextvars.ContextVar("causalfair_threads", default=None)


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity; ``os.cpu_count()`` where
    affinity is unavailable), at least 1 and at most the engine's ``max_threads``."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, int(LIMITS["max_threads"])))


def set_threads(n_threads: Optional[int]) -> None:
    """Set the process-wide default number of engine threads.

    Parameters
    ----------
    n_threads : int >= 1 or None
        Threads for training and audits that are not given ``n_threads`` and run
        outside a :func:`thread_limit` block; None restores the default, every core
        the process may run on. Results do not depend on it (only the time does).

    Examples
    --------
    >>> import causalfair as cf
    >>> cf.set_threads(1)
    >>> cf.get_threads()
    1
    >>> cf.set_threads(None)
    """
    global _default
    _default = None if n_threads is None else check_parameter("n_threads", n_threads, THREADS)


def get_threads() -> int:
    """The number of engine threads a call without ``n_threads`` uses here: the
    innermost :func:`thread_limit` of this thread, else :func:`set_threads`'s value,
    else every available core."""
    scoped = _scoped.get()
    if scoped is not None:
        return scoped
    return _default if _default is not None else available_cores()


@contextmanager
def thread_limit(n_threads: int) -> Iterator[None]:
    """Use ``n_threads`` engine threads inside a ``with`` block (threadpoolctl's
    style), in the calling thread (and asyncio task) only; the previous setting comes
    back on exit, also on an exception.

    Parameters
    ----------
    n_threads : int >= 1

    Examples
    --------
    >>> import causalfair as cf
    >>> with cf.thread_limit(1):
    ...     cf.get_threads()
    1
    """
    token = _scoped.set(check_parameter("n_threads", n_threads, THREADS))
    try:
        yield
    finally:
        _scoped.reset(token)


def resolve(n_threads: Optional[int]) -> int:
    """``n_threads`` checked, or :func:`get_threads` when None."""
    return get_threads() if n_threads is None else check_parameter("n_threads", n_threads, THREADS)
