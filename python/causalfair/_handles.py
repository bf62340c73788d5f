"""The thin layer over the compiled engine ``causalfair._engine``.

It turns the schema into an engine handle and wraps the calls whose outputs need
preallocating, so :mod:`causalfair.scm` never deals with buffers. Every array handed
to the engine is float64 (or int64) and C-contiguous; outputs are ``np.empty`` arrays
the engine fills in place.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Tuple

import numpy as np

from . import _engine
from .schema import Schema

__all__ = ["EngineInfo", "new_handle", "info", "export_state", "import_state"]


class EngineInfo(NamedTuple):
    """What ``scm_info`` reports about a handle."""

    columns: int
    nodes: int
    twin_levels: int
    sensitive_nodes: int
    perturbable_columns: int
    parameter_count: int
    latent_rows: int
    is_fitted: bool


def new_handle(schema: Schema) -> Any:
    """A fresh (unfitted) engine SCM built from ``schema``'s spec."""
    return _engine.scm_new(schema.spec())


def info(handle: Any) -> EngineInfo:
    values = tuple(int(v) for v in _engine.scm_info(handle))
    return EngineInfo(*values[:7], bool(values[7]))


def export_state(handle: Any) -> Tuple[np.ndarray, np.ndarray]:
    """The fitted parameters (1-D) and the latent sample (latent_rows x columns)."""
    facts = info(handle)
    params = np.empty(facts.parameter_count)
    latent = np.empty((facts.latent_rows, facts.columns))
    _engine.scm_export(handle, params, latent)
    return params, latent


def import_state(handle: Any, params: Any, latent: Any, columns: int) -> None:
    params = np.ascontiguousarray(params, dtype=np.float64).reshape(-1)
    latent = np.ascontiguousarray(latent, dtype=np.float64).reshape(-1, columns)
    _engine.scm_import(handle, params, latent)


def engine_version() -> str:
    return _engine.version()


def twin_levels(handle: Any, levels: int, sensitive_nodes: int) -> np.ndarray:
    out = np.empty((levels, sensitive_nodes), dtype=np.int64)
    _engine.scm_twin_levels(handle, out)
    return out


def perturbable(handle: Any, columns: int) -> np.ndarray:
    out = np.empty(columns, dtype=np.int64)
    _engine.scm_perturbable(handle, out)
    return out.astype(bool)
