"""A vectorised numpy reference of the engine's discrete-node computations (DESIGN §4,
"Discrete nodes"), written independently of the engine for the benchmark rows
``scm_fit_discrete`` and ``twins_draws`` (benchmarks/README.md):

- the fit of a linear SCM whose binary non-root nodes are Gumbel-max (logistic)
  mechanisms: least squares for a continuous node, Newton's method on the logistic
  likelihood for a binary one, each on [parents, 1];
- posterior draws of a binary node's logistic noise given (v, pa): L from the
  logistic truncated to the side of −ℓ that v shows, by the inverse CDF;
- twins of n rows × |L(S)| levels × R draws in one pass over the nodes, ordered by
  row, then draw, then level (the engine's order).

Every node has width 1 (continuous or binary), one sensitive binary root: Adult's
shape. The random numbers are numpy's, so results agree with the engine in
distribution, not bit for bit (python/tests/test_benchmark_discrete_reference.py).
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence

import numpy as np


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def logistic_newton(design: np.ndarray, y: np.ndarray, tolerance: float = 1e-12, max_iter: int = 200) -> np.ndarray:
    """Maximum-likelihood logistic coefficients (unpenalised) by Newton's method from 0,
    stopping when every entry of the mean gradient is below ``tolerance``."""
    theta = np.zeros(design.shape[1])
    n = len(y)
    for _ in range(max_iter):
        p = _sigmoid(design @ theta)
        gradient = design.T @ (p - y) / n
        if np.max(np.abs(gradient)) < tolerance:
            break
        hessian = (design * (p * (1 - p))[:, None]).T @ design / n
        theta -= np.linalg.solve(hessian, gradient)
    return theta


class LinearGumbelSCM:
    """A linear SCM over width-1 nodes whose binary non-root nodes are Gumbel-max.

    Parameters
    ----------
    parents : list of list of int
        Each node's parents (node indices = column indices).
    binary : list of bool
        Which nodes are binary.
    sensitive : int
        The sensitive node (a binary root).
    """

    def __init__(self, parents: Sequence[Sequence[int]], binary: Sequence[bool], sensitive: int) -> None:
        self.parents = [list(p) for p in parents]
        self.binary = list(binary)
        self.sensitive = sensitive
        self.coefficients: List[Optional[np.ndarray]] = [None] * len(self.parents)  # weights then bias
        order: List[int] = []
        while len(order) < len(self.parents):
            order += [j for j in range(len(self.parents)) if j not in order and all(p in order for p in self.parents[j])]
        self.order = order

    @classmethod
    def like(cls, scm: Any) -> "LinearGumbelSCM":
        """The structure of a fitted ``causalfair.SCM`` of this shape (not its parameters)."""
        nodes = scm.schema_.nodes
        names = [n.name for n in nodes]
        assert len(scm.columns_) == len(names), "every node must have width 1"
        assert all(n.discrete == "gumbel" for n in nodes if n.kind == "binary" and n.parents), "discrete='gumbel'"
        return cls([[names.index(p) for p in n.parents] for n in nodes],
                   [n.kind == "binary" for n in nodes], next(j for j, n in enumerate(nodes) if n.sensitive))

    def with_parameters(self, flat: np.ndarray) -> "LinearGumbelSCM":
        """The same structure with the engine's exported parameters (node order; each
        non-root node's weights, then its bias)."""
        offset = 0
        for j, parents in enumerate(self.parents):
            if parents:
                self.coefficients[j] = np.asarray(flat[offset:offset + len(parents) + 1], dtype=float)
                offset += len(parents) + 1
        assert offset == len(flat), (offset, len(flat))
        return self

    def fit(self, E: np.ndarray) -> "LinearGumbelSCM":
        """Least squares for continuous nodes, logistic Newton for binary ones."""
        for j, parents in enumerate(self.parents):
            if not parents:
                continue
            design = np.hstack([E[:, parents], np.ones((len(E), 1))])
            if self.binary[j]:
                self.coefficients[j] = logistic_newton(design, E[:, j])
            else:
                self.coefficients[j] = np.linalg.lstsq(design, E[:, j], rcond=None)[0]
        return self

    def _f(self, j: int, values: np.ndarray) -> np.ndarray:
        w = self.coefficients[j]
        return values[..., self.parents[j]] @ w[:-1] + w[-1]

    def abduct(self, E: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
        """(n, R, d) latent noise: continuous residuals (the same in every draw), the
        logistic noise of binary nodes drawn from its posterior, roots as they are."""
        latent = np.repeat(E[:, None, :], draws, axis=1)
        for j, parents in enumerate(self.parents):
            if not parents:
                continue
            f = self._f(j, E)
            if self.binary[j]:
                sign = 2 * E[:, j] - 1
                w = (1 - rng.random((len(E), draws))) * _sigmoid(sign * f)[:, None]  # uniform on (0, σ(±ℓ)]
                latent[:, :, j] = sign[:, None] * (np.log1p(-w) - np.log(w))
            else:
                latent[:, :, j] = (E[:, j] - f)[:, None]
        return latent

    def twins(self, E: np.ndarray, draws: int, rng: np.random.Generator) -> np.ndarray:
        """Twins of every row under ``draws`` posterior draws: (n·R·2, d), ordered by
        row, then draw, then the sensitive level (0, 1) — one pass over the nodes."""
        latent = self.abduct(E, draws, rng)
        values = np.repeat(latent[:, :, None, :], 2, axis=2)  # (n, R, levels, d)
        values[:, :, :, self.sensitive] = np.array([0.0, 1.0])
        for j in self.order:
            if not self.parents[j] or j == self.sensitive:
                continue
            f = self._f(j, values)
            noise = values[..., j]
            values[..., j] = (f + noise > 0).astype(float) if self.binary[j] else f + noise
        return values.reshape(-1, E.shape[1])
