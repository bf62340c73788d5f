"""The thin layer over the engine's model and training functions.

Like :mod:`causalfair._handles` for SCMs: it preallocates outputs, converts to the
engine's dtypes, and hides the configuration arrays of ``model_train``.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Sequence, Tuple

import numpy as np

from . import _engine

__all__ = ["OBJECTIVES", "ACTIVATIONS", "new_model", "parameters", "set_parameters", "widths",
           "input_limit", "logits", "input_gradient", "train", "mcc_threshold", "AUDIT_METHODS", "audit"]

#: Objective name -> engine code (DESIGN §4).
OBJECTIVES = {"erm": 0, "al": 1, "cal": 2, "llr": 3, "capify": 4, "causal_at": 5}
#: Hidden activation name -> engine code.
ACTIVATIONS = {"tanh": 0, "relu": 1}
#: Optimiser name -> engine code ("newton": full-batch Newton/IRLS, logistic erm only).
OPTIMIZERS = {"adam": 0, "sgd": 1, "newton": 2}


def new_model(layer_widths: Sequence[int], activation: str, seed: int) -> Any:
    """A freshly initialised network handle (PyTorch-like uniform initialisation)."""
    return _engine.model_new(np.asarray(layer_widths, dtype=np.int64), ACTIVATIONS[activation], seed)


def widths(handle: Any) -> np.ndarray:
    info = _engine.model_info(handle)
    out = np.empty(int(info[2]), dtype=np.int64)
    _engine.model_widths(handle, out)
    return out


def parameters(handle: Any) -> np.ndarray:
    out = np.empty(int(_engine.model_info(handle)[1]))
    _engine.model_get_parameters(handle, out)
    return out


def set_parameters(handle: Any, values: Any) -> None:
    _engine.model_set_parameters(handle, np.ascontiguousarray(values, dtype=np.float64).reshape(-1))


def input_limit(handle: Any) -> float:
    """The largest input magnitude max|x| the network evaluates without overflow
    (computed by the engine from the weights: ``MultilayerPerceptron.inputLimit``);
    beyond it, a prediction may be arbitrary."""
    return float(_engine.model_input_limit(handle))


def logits(handle: Any, x: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape[0])
    _engine.model_logits(handle, x, out)
    return out


def input_gradient(handle: Any, x: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape)
    _engine.model_input_gradient(handle, x, out)
    return out


def train(handle: Any, scm_handle: Optional[Any], x: np.ndarray, y: np.ndarray,
          settings: Mapping[str, Any], seed: int,
          progress: Optional[Callable[[int, int, int, int, float, float], None]]
          ) -> Tuple[np.ndarray, int, Optional[bool]]:
    """Train in place; returns (history: epochs x 2 [objective, validation BCE], epochs
    run, converged: whether ``optimizer="newton"`` met ``tol``, None for the others).

    ``progress(epoch, epochs, batch, batches, loss, validation_loss)`` is called by the
    engine at most every ~0.1 s and after every epoch (Newton: every step); raising in
    it stops training.
    """
    ints = np.asarray([
        OBJECTIVES[settings["method"]], settings["epochs"], settings["batch_size"],
        OPTIMIZERS[settings["optimizer"]], settings["patience"], settings["steps"],
        settings["n_samples"], 1 if settings["exact"] else 0,
    ], dtype=np.int64)
    doubles = np.asarray([
        settings["learning_rate"], settings["weight_decay"], settings["validation_fraction"],
        settings["radius"], settings["epsilon"], settings["step_size"],
        settings["inner_learning_rate"], settings["lambda_"], settings["mu"], settings["nu"],
        settings["twin_penalty"], settings["tol"],
    ], dtype=np.float64)
    history = np.full((settings["epochs"], 2), np.nan)
    labels = np.ascontiguousarray(y, dtype=np.float64)
    ran, converged = _engine.model_train(handle, scm_handle, x, labels, ints, doubles, seed, progress, history)
    return history[:ran], int(ran), None if converged < 0 else bool(converged)


def mcc_threshold(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The threshold t maximising MCC of ``p > t`` (computed by the engine)."""
    return float(_engine.threshold_mcc(np.ascontiguousarray(probabilities, dtype=np.float64),
                                       np.ascontiguousarray(labels, dtype=np.float64)))


#: Audit method name -> engine code.
AUDIT_METHODS = {"sample": 0, "attack": 1, "exact": 2}


def audit(handle: Any, scm_handle: Optional[Any], x: np.ndarray, logit_threshold: float, radius: float,
          factual_only: bool, method: str, n_samples: int, steps: int, restarts: int, seed: int,
          progress: Optional[Callable[[int, int, int, int, float, float], None]] = None, first_row: int = 0
          ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-row (flags: bool, witness twin level: int, -1 if none; witnesses: rows x cols,
    NaN rows if none) of one unfair-area indicator, computed by the engine.

    ``first_row``: the position of ``x``'s first row in a table audited in parts; row r
    draws from row ``first_row + r``'s random streams, so the parts give the whole
    table's results."""
    rows = x.shape[0]
    flags = np.empty(rows, dtype=np.int64)
    levels = np.empty(rows, dtype=np.int64)
    witnesses = np.empty(x.shape)
    _engine.audit(handle, scm_handle, x, logit_threshold, radius, factual_only, AUDIT_METHODS[method],
                  n_samples, steps, restarts, 0.0, seed, first_row, progress, flags, levels,
                  witnesses)
    return flags.astype(bool), levels, witnesses
