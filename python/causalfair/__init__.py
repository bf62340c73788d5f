"""causalfair: counterfactually fair, individually fair and robust tabular models.

The first capability is the structural causal model, :class:`SCM`: fit it on a
DataFrame and a causal graph, then ask for abduction, interventions, counterfactuals,
counterfactual twins, the causal fair metric and perturbation balls. The numerics run
in a Swift engine (``causalfair._engine``); this package owns the pandas side.

Examples
--------
>>> import causalfair as cf
>>> scm = cf.SCM({"x": ["s"], "y": ["s", "x"]}, sensitive="s")  # doctest: +SKIP
"""

from importlib import metadata as _metadata

from . import datasets, distributions, mechanisms, metrics
from .audit import AuditReport, audit
from .distributions import Bernoulli, Gamma, Normal
from .classifier import FairRobustClassifier
from .graph import CycleError
from .mechanisms import ExpressionMechanism, LinearMechanism, MLPMechanism
from .scm import SCM
from .validation import NotFittedError

try:
    __version__ = _metadata.version("causalfair")
except _metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "SCM", "FairRobustClassifier", "audit", "AuditReport", "metrics", "LinearMechanism",
    "MLPMechanism", "ExpressionMechanism", "Normal", "Gamma", "Bernoulli",
    "CycleError", "NotFittedError", "datasets", "mechanisms", "distributions", "__version__",
]
