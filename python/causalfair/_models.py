"""The thin layer over the engine's model and training functions.

Like :mod:`causalfair._handles` for SCMs: it preallocates outputs, converts to the
engine's dtypes, and builds the settings structs of ``model_train`` and ``audit``
(``cf_training_config``, ``cf_audit_options`` of ``causalfair.h``) as dicts whose
keys are the structs' fields: the shim refuses a missing or unknown key, and the code
names (objectives, optimizers, ...) are the engine's own (``_engine.CODES``).
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

from . import _engine, _threads
from .validation import check_output_size

__all__ = ["OBJECTIVES", "ACTIVATIONS", "OPTIMIZERS", "new_model", "parameters", "set_parameters", "widths",
           "input_limit", "logits", "train", "mcc_threshold", "AUDIT_METHODS", "audit"]

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
    does not depend on how many. ``settings["actionable_columns"]``: the encoded columns
    ross's step and capify's penalty take (absent or []: every perturbable column).
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
        "actionable": list(settings.get("actionable_columns", [])),
    }
    history = np.full((settings["epochs"], 2), np.nan)
    labels = np.ascontiguousarray(y, dtype=np.float64)
    weights = None if sample_weight is None else np.ascontiguousarray(sample_weight, dtype=np.float64)
    ran, converged = _engine.model_train(handle, scm_handle, x, labels, weights, config, seed, progress, history)
    return history[:ran], int(ran), None if converged < 0 else bool(converged)


def mcc_threshold(probabilities: np.ndarray, labels: np.ndarray,
                  sample_weight: Optional[np.ndarray] = None) -> float:
    """The threshold t maximising MCC of ``p > t`` (computed by the engine); with
    ``sample_weight``, the weighted MCC."""
    weights = None if sample_weight is None else np.ascontiguousarray(sample_weight, dtype=np.float64)
    return float(_engine.threshold_mcc(np.ascontiguousarray(probabilities, dtype=np.float64),
                                       np.ascontiguousarray(labels, dtype=np.float64), weights))


def audit(handle: Any, scm_handle: Optional[Any], x: np.ndarray, logit_threshold: float, radius: float,
          factual_only: bool, method: str, n_samples: int, steps: int, restarts: int, seed: int,
          progress: Optional[Callable[[int, int, int, int, float, float], None]] = None, first_row: int = 0,
          n_draws: int = 1, posterior_seed: int = 0) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (row, posterior draw) pair, in the order row · n_draws + draw: (flags: bool,
    witness twin level: int, -1 if none; witnesses: pairs x cols, NaN rows if none) of
    one unfair-area indicator, computed by the engine.

    ``first_row``: the position of ``x``'s first row in a table audited in parts; row r
    draws from row ``first_row + r``'s random streams, so the parts give the whole
    table's results. Runs on :func:`causalfair.get_threads` engine threads (the result
    does not depend on how many). ``posterior_seed`` seeds the posterior draws as ``SCM.twins``'s
    ``random_state`` does (``n_draws=1, posterior_seed=0``: the single draw of seed 0)."""
    pairs = x.shape[0] * n_draws
    check_output_size(pairs, x.shape[1], "audit witnesses (one per row and posterior draw)")
    flags = np.empty(pairs, dtype=np.int64)
    levels = np.empty(pairs, dtype=np.int64)
    witnesses = np.empty((pairs, x.shape[1]))
    options = audit_options(radius, factual_only, first_row, n_draws, posterior_seed, method=method,
                            logit_threshold=logit_threshold, n_samples=n_samples, steps=steps, restarts=restarts)
    _engine.audit(handle, scm_handle, x, options, seed, progress, flags, levels, witnesses)
    return flags.astype(bool), levels, witnesses


def audit_options(radius: float, factual_only: bool, first_row: int, n_draws: int, posterior_seed: int,
                  **settings: Any) -> Dict[str, Any]:
    """A ``cf_audit_options`` dict (the estimator ``settings`` default to sampling one
    point); the uint64 ``posterior_seed`` crosses as its two's-complement int64 bits."""
    options = {"method": "sample", "factual_only": bool(factual_only), "logit_threshold": 0.0, "radius": radius,
               "n_samples": 1, "steps": 0, "restarts": 1, "step_size": 0.0, "first_row": first_row,
               "n_draws": n_draws, "posterior_seed": posterior_seed - (1 << 64) if posterior_seed >= 1 << 63
               else posterior_seed, "n_threads": _threads.get_threads()}
    options.update(settings)
    return options


def audit_ball(scm_handle: Any, x: np.ndarray, radius: float, factual_only: bool, levels: int, samples: range,
               seed: int, first_row: int = 0, n_draws: int = 1, posterior_seed: int = 0) -> np.ndarray:
    """The points :func:`audit`'s ``sample`` method draws for the same arguments:
    samples ``samples`` (a range) of every ball of every (row, draw) pair of ``x``, rows
    ordered (row, draw, level, sample); ``levels`` balls per pair (1 with
    ``factual_only``). At radius 0 every sample is the twin itself."""
    count = len(samples)
    out = np.empty((x.shape[0] * n_draws * levels * count, x.shape[1]))
    options = audit_options(radius, factual_only, first_row, n_draws, posterior_seed, n_samples=count)
    _engine.audit_ball(scm_handle, np.ascontiguousarray(x, dtype=np.float64), options, seed, samples.start, out)
    return out
