"""The synthetic reference SCMs of the CAPIFY paper, with their exact mechanisms:
LIN, NLM, IMF and Loan (:func:`make_lin`, :func:`make_nlm`, :func:`make_imf`,
:func:`make_loan`).

Each samples ``n`` individuals from the published equations with numpy and returns a
:class:`Dataset` whose ``scm`` is the ground-truth SCM: every mechanism an
:class:`~causalfair.ExpressionMechanism` (nothing is learned), every noise law given,
values in the data's own units (``standardize=False``). It is fitted on the sample
only to record its abducted noise. The sensitive node takes its true levels {0, 1},
so twins set it to 0 and 1 in the user's units.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

from ..distributions import Bernoulli, Gamma, Normal
from ..mechanisms import ExpressionMechanism
from ..validation import check_positive_int, seed_from
from .dataset import Dataset

__all__ = ["make_lin", "make_nlm", "make_imf", "make_loan"]

_REFERENCE = ("Ehyaei, Mohammadi, Karimi, Samadi, Farnadi. Causal Adversarial Perturbations for "
              "Individual Fairness and Robustness in Heterogeneous Data Spaces (CAPIFY), AAAI 2024.")


def _sigmoid(t: np.ndarray) -> np.ndarray:
    probability: np.ndarray = 1 / (1 + np.exp(-t))
    return probability


def _build(name: str, n: int, random_state: Any, sample: Callable[[np.random.Generator, int], Tuple[Dict[str, np.ndarray], np.ndarray]],
           graph: Dict[str, List[str]], sensitive: str, mechanisms: Dict[str, str], noise: Dict[str, Any],
           equations: str, outer: Optional[Dict[str, Dict[str, Any]]] = None,
           actionable: Optional[Tuple[str, ...]] = None) -> Dataset:
    from ..scm import SCM

    n = check_positive_int(n, "n")
    rng = np.random.default_rng(seed_from(random_state))
    columns, logits = sample(rng, n)
    X = pd.DataFrame(columns)
    y = pd.Series((rng.random(n) < _sigmoid(logits)).astype(np.int64), name="y")
    outer = outer or {}
    scm = SCM(graph, sensitive=sensitive, kinds={c: ("binary" if c == sensitive else "continuous") for c in columns},
              mechanism={node: ExpressionMechanism(expr, **outer.get(node, {})) for node, expr in mechanisms.items()},
              noise=noise, standardize=False, random_state=0).fit(X)
    description = (f"{name}: synthetic reference SCM of the CAPIFY paper ({_REFERENCE}), {n} rows sampled "
                   f"with numpy from its exact equations:\n{equations}\nThe SCM in `.scm` is the ground "
                   "truth (exact mechanisms and noise laws, no fitting, standardize=False).")
    # The reference code's actionable nodes: every non-sensitive node unless named.
    actionable = tuple(node for node in graph if node != sensitive) if actionable is None else actionable
    return Dataset(X=X, y=y, graph=graph, sensitive=(sensitive,), kinds=dict(scm.kinds_), description=description,
                   scm=scm, name=name.lower(), actionable=actionable)


def _binary_root(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.integers(0, 2, n).astype(np.int64)


def make_lin(n: int = 10_000, random_state: Any = None) -> Dataset:
    """LIN: S ~ Bernoulli(0.5); X1 = 2S + U1; X2 = S − X1 + U2; y ~ Bernoulli(σ(X1 + X2)).

    Parameters
    ----------
    n : int, default=10000
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    Dataset
        With ``scm`` the exact SCM.

    Examples
    --------
    >>> ds = make_lin(1000, random_state=0)
    >>> ds.scm.twins(ds.X.head(1))["S"].tolist()
    [0, 1]
    """
    def sample(rng: np.random.Generator, n: int) -> Tuple[Dict[str, np.ndarray], np.ndarray]:
        s = _binary_root(rng, n)
        x1 = 2 * s + rng.normal(size=n)
        x2 = s - x1 + rng.normal(size=n)
        return {"S": s, "X1": x1, "X2": x2}, x1 + x2

    return _build("LIN", n, random_state, sample, {"S": [], "X1": ["S"], "X2": ["S", "X1"]}, "S",
                  {"X1": "2*S", "X2": "S - X1"}, {"S": Bernoulli(0.5), "X1": Normal(0, 1), "X2": Normal(0, 1)},
                  "S ~ Bernoulli(0.5); X1 = 2S + U1; X2 = S - X1 + U2; U ~ N(0, 1); y ~ Bernoulli(sigmoid(X1 + X2))")


def make_nlm(n: int = 10_000, random_state: Any = None) -> Dataset:
    """NLM: S ~ Bernoulli(0.5); X1 = 2S² + U1; X2 = S − X1² + U2; y ~ Bernoulli(σ((X1 + X2)²)).

    Parameters and returns as :func:`make_lin`.
    """
    def sample(rng: np.random.Generator, n: int) -> Tuple[Dict[str, np.ndarray], np.ndarray]:
        s = _binary_root(rng, n)
        x1 = 2 * s ** 2 + rng.normal(size=n)
        x2 = s - x1 ** 2 + rng.normal(size=n)
        return {"S": s, "X1": x1, "X2": x2}, (x1 + x2) ** 2

    return _build("NLM", n, random_state, sample, {"S": [], "X1": ["S"], "X2": ["S", "X1"]}, "S",
                  {"X1": "2*S**2", "X2": "S - X1**2"}, {"S": Bernoulli(0.5), "X1": Normal(0, 1), "X2": Normal(0, 1)},
                  "S ~ Bernoulli(0.5); X1 = 2S^2 + U1; X2 = S - X1^2 + U2; U ~ N(0, 1); "
                  "y ~ Bernoulli(sigmoid((X1 + X2)^2))")


def make_imf(n: int = 10_000, random_state: Any = None) -> Dataset:
    """IMF (independent features): S ~ Bernoulli(0.5); X1 = U1; X2 = U2; y ~ Bernoulli(σ(X1 + X2)).

    Parameters and returns as :func:`make_lin`.
    """
    def sample(rng: np.random.Generator, n: int) -> Tuple[Dict[str, np.ndarray], np.ndarray]:
        s = _binary_root(rng, n)
        x1 = rng.normal(size=n)
        x2 = rng.normal(size=n)
        return {"S": s, "X1": x1, "X2": x2}, x1 + x2

    return _build("IMF", n, random_state, sample, {"S": [], "X1": [], "X2": []}, "S", {},
                  {"S": Bernoulli(0.5), "X1": Normal(0, 1), "X2": Normal(0, 1)},
                  "S ~ Bernoulli(0.5); X1 = U1; X2 = U2; U ~ N(0, 1); y ~ Bernoulli(sigmoid(X1 + X2))")


def make_loan(n: int = 10_000, random_state: Any = None) -> Dataset:
    """Loan (as the CAPIFY paper's code defines it), G sensitive:

    G ~ Bernoulli(0.5); A = −35 + U_A, U_A ~ Gamma(10, 3.5);
    E = −0.5 + σ(−1 + 0.5G + σ(0.1A) + U_E), U_E ~ N(0, 0.5²);
    L = 1 − 0.01(A − 5)² + G + U_L, U_L ~ N(0, 2²);
    D = −1 + 0.1A + 2G + L + U_D, U_D ~ N(0, 3²);
    I = −4 + 0.1(A + 35) + 2G + G·E + U_I, U_I ~ N(0, 2²);
    S = −4 + 1.5·max(I, 0) + U_S, U_S ~ N(0, 5²);
    y ~ Bernoulli(σ(0.3(−L − D + I + S + I·S))).

    E is post-nonlinear (its noise sits inside the sigmoid); abduction inverts it.
    Parameters and returns as :func:`make_lin`.
    """
    def sample(rng: np.random.Generator, n: int) -> Tuple[Dict[str, np.ndarray], np.ndarray]:
        g = _binary_root(rng, n)
        a = -35 + rng.gamma(10, 3.5, size=n)
        e = -0.5 + _sigmoid(-1 + 0.5 * g + _sigmoid(0.1 * a) + rng.normal(0, 0.5, size=n))
        loan = 1 - 0.01 * (a - 5) ** 2 + g + rng.normal(0, 2, size=n)
        d = -1 + 0.1 * a + 2 * g + loan + rng.normal(0, 3, size=n)
        i = -4 + 0.1 * (a + 35) + 2 * g + g * e + rng.normal(0, 2, size=n)
        s = -4 + 1.5 * np.maximum(i, 0) + rng.normal(0, 5, size=n)
        return {"G": g, "A": a, "E": e, "L": loan, "D": d, "I": i, "S": s}, 0.3 * (-loan - d + i + s + i * s)

    graph = {"G": [], "A": [], "E": ["G", "A"], "L": ["A", "G"], "D": ["A", "G", "L"], "I": ["A", "G", "E"],
             "S": ["I"]}
    mechanisms = {"E": "-1 + 0.5*G + sigmoid(0.1*A)", "L": "1 - 0.01*(A - 5)**2 + G",
                  "D": "-1 + 0.1*A + 2*G + L", "I": "-4 + 0.1*(A + 35) + 2*G + G*E", "S": "-4 + 1.5*relu(I)"}
    noise = {"G": Bernoulli(0.5), "A": Gamma(10, 3.5, loc=-35), "E": Normal(0, 0.5), "L": Normal(0, 2),
             "D": Normal(0, 3), "I": Normal(0, 2), "S": Normal(0, 5)}
    return _build("Loan", n, random_state, sample, graph, "G", mechanisms, noise,
                  (make_loan.__doc__ or "").split("\n\n")[1].strip(), outer={"E": {"outer": "sigmoid", "offset": -0.5}},
                  actionable=("E", "I", "S"))
