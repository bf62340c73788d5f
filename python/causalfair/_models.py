"""The thin layer over the engine's model and training functions.

Like :mod:`causalfair._handles` for SCMs: it preallocates outputs, converts to the
engine's dtypes, and builds the settings structs of ``model_train`` and ``audit``
(``cf_training_config``, ``cf_audit_options`` of ``causalfair.h``) as dicts whose
keys are the structs' fields: the shim refuses a missing or unknown key, and the code
names (objectives, optimizers, ...) are the engine's own (``_engine.CODES``).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Optional, Sequence, Tuple

import numpy as np

from . import _engine, _threads

__all__ = ["OBJECTIVES", "ACTIVATIONS", "OPTIMIZERS", "new_model", "parameters", "set_parameters", "widths",
           "input_limit", "logits", "input_gradient", "train", "mcc_threshold", "AUDIT_METHODS", "audit"]

#: The training objectives the engine knows (DESIGN §4), by name.
OBJECTIVES = tuple(_engine.CODES["objective"])
#: The hidden activations, by name.
ACTIVATIONS = tuple(_engine.CODES["activation"])
#: The optimisers, by name ("newton": full-batch Newton/IRLS, logistic erm only).
OPTIMIZERS = tuple(_engine.CODES["optimizer"])
#: The audit estimators, by name.
AUDIT_METHODS = tuple(_engine.CODES["audit_method"])


def new_model(layer_widths: Sequence[int], activation: str, seed: int) -> Any:
    """A freshly initialised network handle (PyTorch-like uniform initialisation)."""
    return _engine.model_new(np.asarray(layer_widths, dtype=np.int64), activation, seed)


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
          progress: Optional[Callable[[int, int, int, int, float, float], None]],
          sample_weight: Optional[np.ndarray] = None,
          ) -> Tuple[np.ndarray, int, Optional[bool]]:
    """Train in place (rows weighted by ``sample_weight``, None: all 1); returns (history: epochs x 2 [objective, validation BCE], epochs
    run, converged: whether ``optimizer="newton"`` met ``tol``, None for the others).

    ``progress(epoch, epochs, batch, batches, loss, validation_loss)`` is called by the
    engine at most every ~0.1 s and after every epoch (Newton: every step); raising in
    it stops training. With ``settings["noise_multiplier"]`` not None the run is
    DP-SGD with that σ and clipping norm ``settings["max_grad_norm"]``. The engine uses
    ``settings["n_threads"]`` threads (None: :func:`causalfair.get_threads`); the result
    does not depend on how many.
    """
    config = {
        "objective": settings["method"], "optimizer": settings["optimizer"], "epochs": settings["epochs"],
        "batch_size": settings["batch_size"], "patience": settings["patience"], "steps": settings["steps"],
        "n_samples": settings["n_samples"], "exact_when_linear": bool(settings["exact"]),
        "learning_rate": settings["learning_rate"], "weight_decay": settings["weight_decay"],
        "validation_fraction": settings["validation_fraction"], "radius": settings["radius"],
        "epsilon": settings["epsilon"], "step_size": settings["step_size"],
        "inner_learning_rate": settings["inner_learning_rate"], "lambda": settings["lambda_"],
        "mu": settings["mu"], "nu": settings["nu"], "twin_penalty": settings["twin_penalty"], "tol": settings["tol"],
        "dp": settings.get("noise_multiplier") is not None,
        "noise_multiplier": settings.get("noise_multiplier") or 0.0,
        "max_grad_norm": settings.get("max_grad_norm") or float("inf"),
        "beta": settings["beta"],
        "n_threads": _threads.resolve(settings.get("n_threads")),
    }
    history = np.full((settings["epochs"], 2), np.nan)
    labels = np.ascontiguousarray(y, dtype=np.float64)
    weights = None if sample_weight is None else np.ascontiguousarray(sample_weight, dtype=np.float64)
    ran, converged = _engine.model_train(handle, scm_handle, x, labels, weights, config, seed, progress, history)
    return history[:ran], int(ran), None if converged < 0 else bool(converged)


def mcc_threshold(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The threshold t maximising MCC of ``p > t`` (computed by the engine)."""
    return float(_engine.threshold_mcc(np.ascontiguousarray(probabilities, dtype=np.float64),
                                       np.ascontiguousarray(labels, dtype=np.float64)))


def audit(handle: Any, scm_handle: Optional[Any], x: np.ndarray, logit_threshold: float, radius: float,
          factual_only: bool, method: str, n_samples: int, steps: int, restarts: int, seed: int,
          progress: Optional[Callable[[int, int, int, int, float, float], None]] = None, first_row: int = 0
          ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-row (flags: bool, witness twin level: int, -1 if none; witnesses: rows x cols,
    NaN rows if none) of one unfair-area indicator, computed by the engine.

    ``first_row``: the position of ``x``'s first row in a table audited in parts; row r
    draws from row ``first_row + r``'s random streams, so the parts give the whole
    table's results. Runs on :func:`causalfair.get_threads` engine threads (the result
    does not depend on how many)."""
    rows = x.shape[0]
    flags = np.empty(rows, dtype=np.int64)
    levels = np.empty(rows, dtype=np.int64)
    witnesses = np.empty(x.shape)
    options = {"method": method, "factual_only": bool(factual_only), "logit_threshold": logit_threshold,
               "radius": radius, "n_samples": n_samples, "steps": steps, "restarts": restarts, "step_size": 0.0,
               "first_row": first_row, "n_threads": _threads.get_threads()}
    _engine.audit(handle, scm_handle, x, options, seed, progress, flags, levels, witnesses)
    return flags.astype(bool), levels, witnesses
