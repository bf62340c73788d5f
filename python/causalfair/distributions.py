"""Noise distributions for sampling from an SCM.

By default :meth:`causalfair.SCM.sample` draws each node's noise from its empirical
distribution (the latent values abducted from the training data). Give a node one of
these distributions with ``SCM(noise={node: ...})`` to draw its noise from it instead.

Distributions are stated in the **user's units**: for a root node they describe the
node itself; for a non-root node, the additive noise ``V - f(Pa(V))``. When the SCM
standardizes a continuous node, the engine receives the same law expressed in the
standardized units (location and scale divided by the node's std, and for a root the
mean subtracted first).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable, Dict, Union

__all__ = ["Normal", "Gamma", "Bernoulli", "Distribution", "as_distribution"]


def _real(name: str, value: Any, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or (positive and number <= 0):
        raise ValueError(f"{name}: expected a {'positive ' if positive else ''}finite "
                         f"number, got {number!r}")
    return number


@dataclass(frozen=True)
class Normal:
    """Normal noise ``N(loc, scale**2)``.

    Examples
    --------
    >>> Normal(0.0, 2.0)
    Normal(loc=0.0, scale=2.0)
    """

    loc: float = 0.0
    scale: float = 1.0
    engine_name = "normal"

    def __post_init__(self) -> None:
        object.__setattr__(self, "loc", _real("loc", self.loc))
        object.__setattr__(self, "scale", _real("scale", self.scale, positive=True))

    def engine_params(self, shift: float, std: float) -> Dict[str, float]:
        return {"noise_loc": (self.loc - shift) / std, "noise_scale": self.scale / std}

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "Normal", "loc": self.loc, "scale": self.scale}


@dataclass(frozen=True)
class Gamma:
    """Gamma noise with ``shape`` and ``scale``, shifted by ``loc``.

    Examples
    --------
    >>> Gamma(2.0, 1.5)
    Gamma(shape=2.0, scale=1.5, loc=0.0)
    """

    shape: float
    scale: float = 1.0
    loc: float = 0.0
    engine_name = "gamma"

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", _real("shape", self.shape, positive=True))
        object.__setattr__(self, "scale", _real("scale", self.scale, positive=True))
        object.__setattr__(self, "loc", _real("loc", self.loc))

    def engine_params(self, shift: float, std: float) -> Dict[str, float]:
        return {"noise_shape": self.shape, "noise_scale": self.scale / std, "noise_loc": (self.loc - shift) / std}

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "Gamma", "shape": self.shape, "scale": self.scale, "loc": self.loc}


@dataclass(frozen=True)
class Bernoulli:
    """Bernoulli noise taking 1 with probability ``p`` and 0 otherwise.

    Only for binary nodes (whose code is 0/1 and never standardized).

    Examples
    --------
    >>> Bernoulli(0.3)
    Bernoulli(p=0.3)
    """

    p: float = 0.5
    engine_name = "bernoulli"

    def __post_init__(self) -> None:
        p = _real("p", self.p)
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p: expected a probability in [0, 1], got {p!r}")
        object.__setattr__(self, "p", p)

    def engine_params(self, shift: float, std: float) -> Dict[str, float]:
        return {"noise_p": self.p}

    def to_dict(self) -> Dict[str, Any]:
        return {"type": "Bernoulli", "p": self.p}


Distribution = Union[Normal, Gamma, Bernoulli]


def as_distribution(value: Any, name: str = "noise") -> Distribution:
    """A distribution object, or its ``to_dict()``, -> distribution."""
    if isinstance(value, (Normal, Gamma, Bernoulli)):
        return value
    if isinstance(value, dict) and value.get("type") in ("Normal", "Gamma", "Bernoulli"):
        classes: Dict[str, Callable[..., Distribution]] = {"Normal": Normal, "Gamma": Gamma, "Bernoulli": Bernoulli}
        return classes[value["type"]](**{k: v for k, v in value.items() if k != "type"})
    raise TypeError(f"{name}: expected a causalfair Normal, Gamma or Bernoulli, got {value!r}")
