"""Progress display for long engine calls: a tqdm bar when tqdm is installed and the
caller asked for it, nothing otherwise."""

from __future__ import annotations

from typing import Any, Callable, Optional

__all__ = ["EpochBar"]


class EpochBar:
    """A context manager giving the engine a ``progress`` callback that advances one
    tqdm bar per epoch and shows the running loss.

    Parameters
    ----------
    total : int
        Number of epochs.
    description : str
        The bar's label.
    enabled : bool
        False (or tqdm missing) makes the callback a no-op.
    """

    def __init__(self, total: int, description: str, enabled: bool):
        self._bar: Optional[Any] = None
        if enabled and total > 0:
            try:
                from tqdm.auto import tqdm
            except ImportError:  # tqdm is optional
                tqdm = None
            if tqdm is not None:
                self._bar = tqdm(total=total, desc=description, unit="epoch", leave=False)
        self._done = 0

    def __enter__(self) -> "EpochBar":
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.close()

    @property
    def callback(self) -> Optional[Callable[[int, int, int, int, float, float], None]]:
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
