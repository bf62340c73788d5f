"""causalfair: counterfactually fair, individually fair and robust tabular models.

- :class:`SCM`: a structural causal model fitted on a DataFrame and a causal graph —
  abduction, interventions, counterfactuals, counterfactual twins, the causal fair
  metric and the protected causal perturbation ball.
- :class:`FairRobustClassifier`: a scikit-learn classifier trained against that ball
  (erm, al, cal, llr, capify, causal_at).
- :func:`audit` and :mod:`metrics`: unfair area, counterfactual unfairness,
  non-robust area, accuracy and group metrics, with Wilson intervals.
- :mod:`privacy`: the accountant behind ``FairRobustClassifier(privacy=...)`` (DP-SGD).
- :func:`recourse`: causal algorithmic recourse — the cheapest action on actionable
  nodes, propagated through the SCM, that turns a classifier's decision.
- :mod:`datasets` (benchmark data and exact reference SCMs) and :mod:`experiments`
  (the CAPIFY paper's results table).

The numerics run in a Swift engine (``causalfair._engine``); this package owns the
pandas side.

Examples
--------
>>> import causalfair as cf
>>> scm = cf.SCM({"x": ["s"], "y": ["s", "x"]}, sensitive="s")  # doctest: +SKIP
"""

from importlib import metadata as _metadata

from . import datasets, distributions, experiments, mechanisms, metrics, privacy
from .audit import AuditReport, audit
from .distributions import Bernoulli, Gamma, Normal
from .classifier import FairRobustClassifier
from .graph import CycleError
from .mechanisms import ExpressionMechanism, LinearMechanism, MLPMechanism
from .recourse import RecourseResult, recourse, recourse_fairness
from .scm import SCM
from ._threads import get_threads, set_threads, thread_limit
from .validation import NotFittedError

try:
    __version__ = _metadata.version("causalfair")
except _metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "SCM", "FairRobustClassifier", "audit", "AuditReport", "metrics", "LinearMechanism",
    "MLPMechanism", "ExpressionMechanism", "Normal", "Gamma", "Bernoulli",
    "CycleError", "NotFittedError", "datasets", "experiments", "mechanisms", "distributions", "privacy",
    "recourse", "RecourseResult", "recourse_fairness", "set_threads", "get_threads", "thread_limit", "__version__",
]


def __dir__() -> list[str]:
    """``dir(causalfair)``: the public API only (``__all__``), not the modules and
    names the package uses internally."""
    return list(__all__)
