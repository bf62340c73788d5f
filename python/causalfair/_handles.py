"""The thin layer over the compiled engine ``causalfair._engine``.

It turns the schema into an engine handle and wraps every SCM call of the engine
(allocating the outputs), so :mod:`causalfair.scm` never calls ``_engine`` nor deals
with buffers. Every array handed
to the engine is float64 (or int64) and C-contiguous; outputs are ``np.empty`` arrays
the engine fills in place.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional, Tuple

import numpy as np

from . import _engine
from .schema import Schema

__all__ = ["EngineInfo", "new_handle", "info", "export_state", "import_state", "fit", "abduct",
           "phi", "phi_inverse", "counterfactual", "abduct_at", "intervention_gradient", "twins", "factual_levels", "sample", "metric"]


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
    values = _engine.scm_info(handle)
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


# ---------------------------------------------------------------------- SCM computations
# The engine calls of :class:`causalfair.SCM`, on encoded, checked arrays. Each fills an
# output this module allocates, with the shape the engine expects.


def fit(handle: Any, data: np.ndarray, seed: int, sample_weight: Optional[np.ndarray] = None,
        noise_multiplier: Optional[float] = None, max_grad_norm: float = 0.0) -> None:
    """Fit every mechanism of ``handle`` on the encoded ``data`` (rows × columns), each
    row's terms weighted by ``sample_weight`` (None: all 1); with a ``noise_multiplier``,
    every MLP map by DP-SGD (σ = it, clipping norm ``max_grad_norm``)."""
    weights = None if sample_weight is None else np.ascontiguousarray(sample_weight, dtype=np.float64)
    if noise_multiplier is None:
        _engine.scm_fit(handle, data, seed, weights)
    else:
        _engine.scm_fit(handle, data, seed, weights, True, noise_multiplier, max_grad_norm)


def abduct(handle: Any, data: np.ndarray) -> np.ndarray:
    """The latent noise of every row (same shape as ``data``)."""
    out = np.empty_like(data)
    _engine.scm_abduct(handle, data, out)
    return out


def phi(handle: Any, data: np.ndarray) -> np.ndarray:
    """The semi-latent coordinates φ(v) of every row: v on sensitive nodes, u elsewhere."""
    out = np.empty_like(data)
    _engine.scm_phi(handle, data, out)
    return out


def phi_inverse(handle: Any, z: np.ndarray) -> np.ndarray:
    """φ⁻¹(z): the individuals whose semi-latent coordinates are the rows of ``z``."""
    out = np.empty_like(z)
    _engine.scm_phi_inverse(handle, z, out)
    return out


def counterfactual(handle: Any, data: np.ndarray, nodes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Every row under do(``nodes`` = ``values``) (``values``: one row, or one per row)."""
    out = np.empty_like(data)
    _engine.scm_counterfactual(handle, data, nodes, values, out)
    return out


def abduct_at(handle: Any, data: np.ndarray, row_labels: np.ndarray) -> np.ndarray:
    """The noise of every row, row i abducted with the posterior streams of row
    ``row_labels[i]`` of its table (``cf_scm_abduct_at``): what :func:`abduct` of the
    whole table gives at that position."""
    out = np.empty_like(data)
    _engine.scm_abduct_at(handle, np.ascontiguousarray(data), np.ascontiguousarray(row_labels, dtype=np.int64), out)
    return out


def intervention_gradient(handle: Any, model: Any, latent: np.ndarray, nodes: np.ndarray, values: np.ndarray,
                          n_threads: int) -> "tuple[np.ndarray, np.ndarray, np.ndarray]":
    """From rows' noise ``latent``: their counterfactuals under do(``nodes`` = ``values``),
    the logits of ``model`` (a model handle) there, and each logit's gradient in the latent
    layout, an intervened node's columns holding d logit / d (its value)
    (``cf_scm_intervention_gradient``, on up to ``n_threads`` threads: the same bits for any)."""
    counterfactuals = np.empty_like(latent)
    logits = np.empty(latent.shape[0])
    gradient = np.empty_like(latent)
    _engine.scm_intervention_gradient(handle, model, np.ascontiguousarray(latent), nodes,
                                      np.ascontiguousarray(values), n_threads, counterfactuals, logits, gradient)
    return counterfactuals, logits, gradient


def twins(handle: Any, data: np.ndarray, levels: int) -> np.ndarray:
    """The ``levels`` twins of every row, row-major (row, twin level)."""
    out = np.empty((data.shape[0] * levels, data.shape[1]))
    _engine.scm_twins(handle, data, out)
    return out


def counterfactual_draws(handle: Any, data: np.ndarray, nodes: np.ndarray, values: np.ndarray,
                         n_draws: int, seed: int) -> np.ndarray:
    """:func:`counterfactual` under ``n_draws`` posterior draws of the noise, row-major (row, draw)."""
    out = np.empty((data.shape[0] * n_draws, data.shape[1]))
    _engine.scm_counterfactual_draws(handle, data, nodes, values, n_draws, seed, out)
    return out


def twins_draws(handle: Any, data: np.ndarray, levels: int, n_draws: int, seed: int) -> np.ndarray:
    """:func:`twins` under ``n_draws`` posterior draws of the noise, row-major (row, draw, twin level)."""
    out = np.empty((data.shape[0] * n_draws * levels, data.shape[1]))
    _engine.scm_twins_draws(handle, data, n_draws, seed, out)
    return out


def factual_levels(handle: Any, data: np.ndarray) -> np.ndarray:
    """The twin level (int64) of every row's own sensitive values."""
    out = np.empty(data.shape[0], dtype=np.int64)
    _engine.scm_factual_levels(handle, data, out)
    return out


def sample(handle: Any, n: int, columns: int, nodes: np.ndarray, values: np.ndarray, seed: int) -> np.ndarray:
    """``n`` rows drawn under do(``nodes`` = ``values``) (no node: observational)."""
    out = np.empty((n, columns))
    _engine.scm_sample(handle, nodes, values, seed, out)
    return out


def metric(handle: Any, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The causal fair distance between the rows of ``a`` and ``b``, pairwise."""
    out = np.empty(a.shape[0])
    _engine.scm_metric(handle, a, b, out)
    return out

