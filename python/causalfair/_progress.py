"""Progress display for long engine calls: a tqdm bar when tqdm is installed and the
caller asked for it, nothing otherwise.

The engine calls ``progress(epoch, epochs, batch, batches, loss, validation_loss)``
(training: per minibatch; audits: per chunk of rows, with ``batch`` the rows done and
``batches`` the rows) at most every ~0.1 s. Ctrl-C is checked at those moments
whether or not there is a bar.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, TypeVar

__all__ = ["EpochBar", "AuditBar"]

Progress = Callable[[int, int, int, int, float, float], None]


_BarT = TypeVar("_BarT", bound="_Bar")


class _Bar:
    """A context manager owning one tqdm bar (or none when disabled or tqdm is
    missing), closed on exit."""

    def __init__(self, total: int, description: str, unit: str, enabled: bool):
        self._bar: Optional[Any] = None
        if enabled and total > 0:
            try:
                from tqdm.auto import tqdm
            except ImportError:  # tqdm is optional
                return
            self._bar = tqdm(total=total, desc=description, unit=unit, leave=False)

    def __enter__(self: _BarT) -> _BarT:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.close()


class EpochBar(_Bar):
    """A ``progress`` callback for training that advances one tqdm bar per epoch and
    shows the running loss.

    Parameters
    ----------
    total : int
        Number of epochs.
    description : str
        The bar's label.
    enabled : bool
        False (or tqdm missing) makes :attr:`callback` None.
    """

    def __init__(self, total: int, description: str, enabled: bool):
        super().__init__(total, description, "epoch", enabled)
        self._done = 0

    @property
    def callback(self) -> Optional[Progress]:
        """The function to hand to the engine, or None when there is nothing to show."""
        return self._update if self._bar is not None else None

    def _update(self, epoch: int, epochs: int, batch: int, batches: int, loss: float,
                validation_loss: float) -> None:
        if self._bar is None:
            return
        finished = epoch + (1 if batch == batches - 1 else 0)
        if finished > self._done:
            self._bar.update(finished - self._done)
            self._done = finished
        postfix = {"loss": f"{loss:.4f}"}
        if validation_loss == validation_loss:  # not NaN
            postfix["val"] = f"{validation_loss:.4f}"
        self._bar.set_postfix(postfix, refresh=False)


class AuditBar(_Bar):
    """One tqdm bar over the rows of every indicator of an audit.

    Parameters
    ----------
    indicators : int
        Number of indicators evaluated one after another.
    rows : int
        Rows audited per indicator.
    enabled : bool
        False (or tqdm missing) makes :meth:`callback` return None.
    """

    def __init__(self, indicators: int, rows: int, enabled: bool):
        super().__init__(indicators * rows, "audit", "row", enabled)
        self._rows = rows

    def callback(self, step: int) -> Optional[Progress]:
        """The engine's ``progress`` for indicator number ``step`` (from 0), or None."""
        if self._bar is None:
            return None
        bar, offset = self._bar, step * self._rows

        def update(epoch: int, epochs: int, done: int, total: int, loss: float, validation_loss: float) -> None:
            bar.update(offset + done - bar.n)

        return update
