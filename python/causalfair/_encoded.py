"""The one internal interface through which :mod:`causalfair.audit` reads a fitted
estimator — a :class:`~causalfair.SCM` or a :class:`~causalfair.FairRobustClassifier`:
its engine handle, and the map between the user's data and the engine's encoded rows.

Both estimators implement :class:`EncodedEstimator`; the audit uses nothing else of
theirs beyond their public attributes, so either can change its internals freely.
"""

from __future__ import annotations

from typing import Any, List, Protocol, runtime_checkable

import numpy as np
import pandas as pd

__all__ = ["EncodedEstimator"]


@runtime_checkable
class EncodedEstimator(Protocol):
    """A fitted estimator as the engine sees it.

    Attributes
    ----------
    _handle : engine handle
        The SCM or model handle the engine's functions take (see :mod:`causalfair._handles`
        and :mod:`causalfair._models`).
    _twin_labels : list
        The label of every twin level of the rows it encodes, in the engine's level
        order: a sensitive label, or a tuple of labels (several sensitive nodes). A
        classifier without an SCM has one level, labelled 0.
    """

    _handle: Any
    _twin_labels: List[Any]

    def _check_fitted(self) -> None:
        """Raise ``NotFittedError`` unless fitted."""

    def _encode_rows(self, X: Any) -> np.ndarray:
        """``X`` (a DataFrame in the user's units, or an already encoded matrix) checked
        and encoded as the engine's C-contiguous float64 rows: ValueError or TypeError,
        naming ``X``, for anything the estimator cannot evaluate."""

    def _check_encoded_rows(self, x: np.ndarray) -> np.ndarray:
        """``x`` itself when rows encoded by another estimator with the same encoding
        (e.g. a classifier's training SCM) are valid input of this one; else a
        ValueError naming ``X``."""

    def _decode_rows(self, x: np.ndarray) -> pd.DataFrame:
        """Encoded rows in the user's units and column names, with a RangeIndex; the
        inverse of :meth:`_encode_rows` on its results."""

    def _is_affine(self) -> bool:
        """Whether the estimator is affine on encoded rows — an SCM whose mechanisms are
        all linear (φ⁻¹ affine), a classifier without hidden layers (logistic) — so that
        the audit's closed form (``method="exact"``) applies."""
