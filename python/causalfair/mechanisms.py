"""Mechanism choices for the non-root nodes of an SCM.

Every non-root node ``V`` has an additive-noise mechanism ``V := f(Pa(V)) + U`` on its
encoded columns; these small value objects say which ``f`` to fit. Pass them (or the
strings ``"linear"`` / ``"mlp"``) as ``SCM(mechanism=...)``, globally or per node.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Dict, Tuple, Union

__all__ = ["LinearMechanism", "MLPMechanism", "Mechanism", "as_mechanism"]


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{name}: expected a positive int, got {value!r}")
    return int(value)


def _nonnegative_float(name: str, value: Any, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {value!r}")
    value = float(value)
    if not value == value or value in (float("inf"), float("-inf")) or value < 0 \
            or (positive and value == 0):
        kind = "a positive" if positive else "a non-negative"
        raise ValueError(f"{name}: expected {kind} finite number, got {value!r}")
    return value


@dataclass(frozen=True)
class LinearMechanism:
    """Linear mechanism ``f(pa) = W pa + b``, fitted by (ridge) least squares.

    Parameters
    ----------
    ridge : float, default=0.0
        L2 penalty on the weights (not the intercept); a small value keeps the fit
        well posed when parents are collinear (e.g. the one-hot columns of a
        categorical parent together with the intercept).

    Examples
    --------
    >>> LinearMechanism(ridge=1e-6)
    LinearMechanism(ridge=1e-06)
    """

    ridge: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "ridge", _nonnegative_float("ridge", self.ridge))

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "LinearMechanism", "ridge": self.ridge}


@dataclass(frozen=True)
class MLPMechanism:
    """Multilayer perceptron mechanism with tanh hidden layers, fitted by Adam.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(100,)
        Width of each hidden layer (at least one layer).
    epochs : int, default=10
        Passes over the training data.
    learning_rate : float, default=0.01
        Adam step size.
    batch_size : int, default=100
        Minibatch size (capped by the number of rows).

    Examples
    --------
    >>> MLPMechanism(hidden_layer_sizes=(32, 32), epochs=50)
    MLPMechanism(hidden_layer_sizes=(32, 32), epochs=50, learning_rate=0.01, batch_size=100)
    """

    hidden_layer_sizes: Tuple[int, ...] = (100,)
    epochs: int = 10
    learning_rate: float = 0.01
    batch_size: int = 100

    def __post_init__(self) -> None:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = (sizes,)
        try:
            sizes = tuple(sizes)
        except TypeError:
            raise TypeError("hidden_layer_sizes: expected a tuple of positive ints, got "
                            f"{self.hidden_layer_sizes!r}") from None
        if not sizes:
            raise ValueError("hidden_layer_sizes: expected at least one hidden layer")
        sizes = tuple(_positive_int("hidden_layer_sizes", s) for s in sizes)
        object.__setattr__(self, "hidden_layer_sizes", sizes)
        object.__setattr__(self, "epochs", _positive_int("epochs", self.epochs))
        object.__setattr__(self, "batch_size", _positive_int("batch_size", self.batch_size))
        object.__setattr__(self, "learning_rate",
                           _nonnegative_float("learning_rate", self.learning_rate, True))

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "MLPMechanism", "hidden_layer_sizes": list(self.hidden_layer_sizes),
                "epochs": self.epochs, "learning_rate": self.learning_rate,
                "batch_size": self.batch_size}


Mechanism = Union[LinearMechanism, MLPMechanism]


def as_mechanism(value: Any, name: str = "mechanism") -> Mechanism:
    """``"linear"``, ``"mlp"``, a mechanism object, or its ``to_dict()`` -> mechanism."""
    if isinstance(value, (LinearMechanism, MLPMechanism)):
        return value
    if isinstance(value, str):
        if value == "linear":
            return LinearMechanism()
        if value == "mlp":
            return MLPMechanism()
    if isinstance(value, dict) and value.get("type") in ("LinearMechanism", "MLPMechanism"):
        kwargs = {k: v for k, v in value.items() if k != "type"}
        cls = LinearMechanism if value["type"] == "LinearMechanism" else MLPMechanism
        return cls(**kwargs)
    raise ValueError(f"{name}: expected 'linear', 'mlp', a LinearMechanism or an "
                     f"MLPMechanism, got {value!r}")
