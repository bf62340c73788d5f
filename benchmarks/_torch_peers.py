"""Vectorised PyTorch peers of the engine's workloads, written for the benchmark only.

Each mirrors the engine's algorithm (DESIGN §4, Sources/CausalFairCore/Training) on
the same encoded float64 matrix, with the same initial classifier weights where the
objective allows: minibatch Adam (β = 0.9, 0.999, ε = 1e-8), rows reshuffled every
epoch, the same inner maximisers (normalised projected gradient ascent for ``al`` and
``causal_at``; projected Adam from ε·N(0, I) for ``capify``), the SCM's fitted
mechanisms copied into torch so φ, φ⁻¹ and the twins are the engine's. Only the
random streams differ (torch's generator, not xoshiro256**), so a peer reaches the
same quality, not bit-identical weights.

Nothing here is imported unless torch is installed.
"""

from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F

from causalfair import _handles, _models
from causalfair.mechanisms import LinearMechanism, MLPMechanism

DTYPE = torch.float64


# --------------------------------------------------------------------- networks
def _layers_from_flat(params: np.ndarray, widths: Sequence[int], offset: int = 0
                      ) -> Tuple[List[Tuple[torch.Tensor, torch.Tensor]], int]:
    """The engine's flat layout: per layer W (fan-in x fan-out, row-major) then b."""
    layers = []
    for fan_in, fan_out in zip(widths, widths[1:]):
        w = params[offset:offset + fan_in * fan_out].reshape(fan_in, fan_out)
        b = params[offset + fan_in * fan_out:offset + (fan_in + 1) * fan_out]
        layers.append((torch.tensor(w, dtype=DTYPE), torch.tensor(b, dtype=DTYPE)))
        offset += (fan_in + 1) * fan_out
    return layers, offset


def mlp_from_engine(handle: Any, activation: str = "tanh") -> torch.nn.Sequential:
    """A torch MLP holding exactly the engine model's current parameters."""
    widths = [int(w) for w in _models.widths(handle)]
    layers, _ = _layers_from_flat(_models.parameters(handle), widths)
    modules: List[torch.nn.Module] = []
    for i, (w, b) in enumerate(layers):
        linear = torch.nn.Linear(w.shape[0], w.shape[1], dtype=DTYPE)
        with torch.no_grad():
            linear.weight.copy_(w.T)
            linear.bias.copy_(b)
        modules.append(linear)
        if i < len(layers) - 1:
            modules.append(torch.nn.Tanh() if activation == "tanh" else torch.nn.ReLU())
    return torch.nn.Sequential(*modules)


def mlp(widths: Sequence[int], generator: torch.Generator) -> torch.nn.Sequential:
    """A tanh MLP with PyTorch's default initialisation (the engine's law too)."""
    modules: List[torch.nn.Module] = []
    for i, (fan_in, fan_out) in enumerate(zip(widths, widths[1:])):
        linear = torch.nn.Linear(fan_in, fan_out, dtype=DTYPE)
        bound = 1 / np.sqrt(fan_in)
        with torch.no_grad():
            linear.weight.uniform_(-bound, bound, generator=generator)
            linear.bias.uniform_(-bound, bound, generator=generator)
        modules.append(linear)
        if i < len(widths) - 2:
            modules.append(torch.nn.Tanh())
    return torch.nn.Sequential(*modules)


# --------------------------------------------------------------------- the SCM
class TorchSCM:
    """A fitted causalfair SCM (one column per node; linear or MLP mechanisms) in torch.

    ``decode`` is φ⁻¹ with the sensitive columns taken from z (as the engine's
    ``propagate(z, fixed: levels)`` once z carries the level codes)."""

    def __init__(self, scm: Any):
        nodes = scm.schema_.nodes
        if any(node.width != 1 for node in nodes):
            raise ValueError("TorchSCM handles one encoded column per node only")
        names = [node.name for node in nodes]
        params, _ = _handles.export_state(scm._handle)
        offset = 0
        self.mechanisms: List[Optional[Tuple[List[int], List[Tuple[torch.Tensor, torch.Tensor]]]]] = []
        for node in nodes:
            parents = [names.index(p) for p in node.parents]
            if node.mechanism is None or node.is_root:
                self.mechanisms.append(None)
                continue
            if isinstance(node.mechanism, MLPMechanism):
                widths = [len(parents), *node.mechanism.hidden_layer_sizes, 1]
            elif isinstance(node.mechanism, LinearMechanism):
                widths = [len(parents), 1]
            else:
                raise ValueError(f"TorchSCM: unsupported mechanism {type(node.mechanism).__name__}")
            layers, offset = _layers_from_flat(params, widths, offset)
            self.mechanisms.append((parents, layers))
        if offset != params.shape[0]:
            raise ValueError("TorchSCM: parameter layout mismatch")
        self.columns = len(nodes)
        self.sensitive = [i for i, node in enumerate(nodes) if node.sensitive]
        if len(self.sensitive) != 1:
            raise ValueError("TorchSCM handles one sensitive node only")
        self.perturbable = torch.tensor(_handles.perturbable(scm._handle, self.columns), dtype=torch.bool)
        probe = scm.twins(scm._data(scm.sample(1, random_state=0), "X")[0])
        self.level_codes = torch.tensor(probe[:, self.sensitive[0]], dtype=DTYPE)

    @staticmethod
    def _forward(layers: List[Tuple[torch.Tensor, torch.Tensor]], h: torch.Tensor) -> torch.Tensor:
        for i, (w, b) in enumerate(layers):
            h = h @ w + b
            if i < len(layers) - 1:
                h = torch.tanh(h)
        return h[:, 0]

    def abduct(self, x: torch.Tensor) -> torch.Tensor:
        u = [x[:, j] for j in range(self.columns)]
        for j, mechanism in enumerate(self.mechanisms):
            if mechanism is not None:
                parents, layers = mechanism
                u[j] = x[:, j] - self._forward(layers, x[:, parents])
        return torch.stack(u, dim=1)

    def phi(self, x: torch.Tensor) -> torch.Tensor:
        return self.abduct(x)  # sensitive nodes are roots: u = v there already

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        v: List[torch.Tensor] = []
        for j, mechanism in enumerate(self.mechanisms):
            if mechanism is None or j in self.sensitive:
                v.append(z[:, j])
            else:
                parents, layers = mechanism
                v.append(self._forward(layers, torch.stack([v[p] for p in parents], dim=1)) + z[:, j])
        return torch.stack(v, dim=1)

    def with_levels(self, latent: torch.Tensor) -> Tuple[torch.Tensor, int]:
        """Every row repeated once per twin level (row-major), sensitive column set."""
        levels = self.level_codes.shape[0]
        z = latent.repeat_interleave(levels, dim=0).clone()
        z[:, self.sensitive[0]] = self.level_codes.repeat(latent.shape[0])
        return z, levels

    def twins(self, x: torch.Tensor) -> torch.Tensor:
        z, _ = self.with_levels(self.phi(x))
        return self.decode(z)


# --------------------------------------------------------------------- training
def _project(delta: torch.Tensor, radius: float, mask: torch.Tensor) -> torch.Tensor:
    delta = delta * mask
    norms = delta.norm(dim=1, keepdim=True)
    scale = torch.where(norms > radius, radius / norms.clamp_min(1e-300), torch.ones_like(norms))
    return delta * scale


def _normalised_ascent(loss_of: Any, start: torch.Tensor, radius: float, steps: int, step: float,
                       mask: torch.Tensor) -> torch.Tensor:
    delta = _project(start, radius, mask)
    for _ in range(steps):
        delta.requires_grad_(True)
        gradient = torch.autograd.grad(loss_of(delta), delta)[0] * mask
        with torch.no_grad():
            norms = gradient.norm(dim=1, keepdim=True)
            delta = delta + torch.where(norms > 0, step * gradient / norms.clamp_min(1e-300),
                                        torch.zeros_like(gradient))
            delta = _project(delta, radius, mask)
    return delta.detach()


def train(method: str, model: torch.nn.Module, x: np.ndarray, y: np.ndarray, *, scm: Optional[TorchSCM],
          epochs: int = 10, batch_size: int = 100, learning_rate: float = 0.01, radius: float = 0.05,
          epsilon: float = 0.05, steps: int = 10, inner_learning_rate: float = 0.1, lambda_: float = 1.0,
          mu: float = 1.0, nu: float = 1.0, seed: int = 0, dtype: torch.dtype = DTYPE) -> torch.nn.Module:
    """Minibatch Adam on one objective ("erm", "al", "causal_at", "capify"), in place."""
    generator = torch.Generator().manual_seed(seed)
    model = model.to(dtype)
    xs = torch.tensor(x, dtype=dtype)
    ys = torch.tensor(y, dtype=dtype)
    rows, cols = xs.shape
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    everything = torch.ones(cols, dtype=dtype)
    latent = twins = None
    levels = 1
    if method in ("causal_at", "capify") and scm is not None:
        with torch.no_grad():
            latent = scm.phi(xs)
            start, levels = scm.with_levels(latent)
            twins = scm.decode(start)  # all twins once, as the engine's trainer does
        perturbable = scm.perturbable.to(dtype)
    for _ in range(epochs):
        order = torch.randperm(rows, generator=generator)
        for first in range(0, rows, batch_size):
            index = order[first:first + batch_size]
            xb, yb = xs[index], ys[index]
            if method == "erm":
                loss = F.binary_cross_entropy_with_logits(model(xb)[:, 0], yb)
            elif method == "al":
                delta = _normalised_ascent(
                    lambda d: F.binary_cross_entropy_with_logits(model(xb + d)[:, 0], yb, reduction="sum"),
                    torch.zeros_like(xb), epsilon, steps, 2.5 * epsilon / steps, everything)
                loss = F.binary_cross_entropy_with_logits(model(xb + delta)[:, 0], yb)
            elif method == "causal_at":
                start, _ = scm.with_levels(latent[index])
                repeated = yb.repeat_interleave(levels)
                delta = _normalised_ascent(
                    lambda d: F.binary_cross_entropy_with_logits(model(scm.decode(start + d))[:, 0], repeated,
                                                                 reduction="sum"),
                    torch.zeros_like(start), radius, steps, 2.5 * radius / steps, perturbable)
                with torch.no_grad():
                    points = scm.decode(start + delta)
                    losses = F.binary_cross_entropy_with_logits(model(points)[:, 0], repeated, reduction="none")
                    worst = losses.view(-1, levels).argmax(dim=1) + torch.arange(xb.shape[0]) * levels
                loss = F.binary_cross_entropy_with_logits(model(points[worst])[:, 0], yb)
            elif method == "capify":
                loss = _capify_loss(model, xb, yb, twins, index, levels, perturbable if scm is not None else everything,
                                    epsilon, steps, inner_learning_rate, lambda_, mu, nu, generator)
            else:
                raise ValueError(method)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
    return model


def _capify_loss(model: torch.nn.Module, xb: torch.Tensor, yb: torch.Tensor, twins: Optional[torch.Tensor],
                 index: torch.Tensor, levels: int, actionable: torch.Tensor, epsilon: float, steps: int,
                 inner_learning_rate: float, lambda_: float, mu: float, nu: float,
                 generator: torch.Generator) -> torch.Tensor:
    x = xb.clone().requires_grad_(True)
    g0 = model(x)[:, 0]
    grad0 = torch.autograd.grad(g0.sum(), x, create_graph=True)[0]  # ∇ₓg, differentiable in θ
    g0d, grad0d = g0.detach(), grad0.detach()
    ones = torch.ones(xb.shape[1], dtype=xb.dtype)
    delta = _project(epsilon * torch.randn(xb.shape, generator=generator, dtype=xb.dtype), epsilon, ones)
    m = torch.zeros_like(delta)
    v = torch.zeros_like(delta)
    for t in range(1, steps + 1):  # projected Adam ascent on |gap|, as the engine's adamAscent
        delta.requires_grad_(True)
        gap = model(xb + delta)[:, 0] - g0d - (delta * grad0d).sum(dim=1)
        g = -torch.autograd.grad(gap.abs().sum(), delta)[0]
        with torch.no_grad():
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            delta = delta - inner_learning_rate * (m / (1 - 0.9 ** t)) / ((v / (1 - 0.999 ** t)).sqrt() + 1e-8)
            delta = _project(delta, epsilon, ones)
    delta = delta.detach()
    gap = model(xb + delta)[:, 0] - g0 - (delta * grad0).sum(dim=1)
    act = grad0 * actionable
    loss = (F.binary_cross_entropy_with_logits(g0, yb, reduction="none") + lambda_ * gap.abs()
            + mu * (act * act).sum(dim=1)).mean()
    if nu > 0 and twins is not None:
        rows = (index.repeat_interleave(levels) * levels + torch.arange(levels).repeat(index.shape[0]))
        twin_losses = F.binary_cross_entropy_with_logits(model(twins[rows])[:, 0], yb.repeat_interleave(levels),
                                                         reduction="none")
        loss = loss + nu * twin_losses.view(-1, levels).max(dim=1).values.mean()
    return loss


def fit_mechanisms(encoded: np.ndarray, scm: Any, *, hidden: int = 100, epochs: int = 10, batch_size: int = 100,
                   learning_rate: float = 0.01, seed: int = 0) -> List[Tuple[List[int], int, torch.nn.Module]]:
    """The SCM's non-root mechanisms fitted as torch MLPs (MSE, minibatch Adam)."""
    generator = torch.Generator().manual_seed(seed)
    names = [node.name for node in scm.schema_.nodes]
    data = torch.tensor(encoded, dtype=DTYPE)
    fitted = []
    for j, node in enumerate(scm.schema_.nodes):
        if node.is_root:
            continue
        parents = [names.index(p) for p in node.parents]
        inputs, target = data[:, parents], data[:, j]
        net = mlp([len(parents), hidden, 1], generator)
        optimiser = torch.optim.Adam(net.parameters(), lr=learning_rate)
        for _ in range(epochs):
            order = torch.randperm(data.shape[0], generator=generator)
            for first in range(0, data.shape[0], batch_size):
                index = order[first:first + batch_size]
                loss = F.mse_loss(net(inputs[index])[:, 0], target[index])
                optimiser.zero_grad(set_to_none=True)
                loss.backward()
                optimiser.step()
        fitted.append((parents, j, net))
    return fitted


# --------------------------------------------------------------------- audit
@torch.no_grad()
def audit_sample(model: torch.nn.Module, scm: TorchSCM, x: np.ndarray, logit_threshold: float, radius: float,
                 factual_only: bool, n_samples: int, seed: int = 0, chunk_points: int = 200_000) -> np.ndarray:
    """Per-row flags of U_Δ (or NR_Δ): each twin (or the factual one) plus
    ``n_samples`` uniform draws from its Δ-ball in the perturbable latent coordinates."""
    generator = torch.Generator().manual_seed(seed)
    xs = torch.tensor(x, dtype=DTYPE)
    own = model(xs)[:, 0] > logit_threshold
    latent = scm.phi(xs)
    if factual_only:
        centres, levels = latent, 1
    else:
        centres, levels = scm.with_levels(latent)
    m = n_samples if radius > 0 else 0
    per_row = levels * (m + 1)
    mask = scm.perturbable
    p = int(mask.sum())
    flags = torch.zeros(xs.shape[0], dtype=torch.bool)
    step = max(1, chunk_points // per_row)
    for first in range(0, xs.shape[0], step):
        rows = slice(first, min(first + step, xs.shape[0]))
        c = centres[rows.start * levels:rows.stop * levels]
        z = c.repeat_interleave(m + 1, dim=0)
        if m > 0:
            directions = torch.randn((z.shape[0], p), generator=generator, dtype=DTYPE)
            directions = directions / directions.norm(dim=1, keepdim=True)
            lengths = radius * torch.rand((z.shape[0], 1), generator=generator, dtype=DTYPE) ** (1.0 / p)
            shift = directions * lengths
            shift.view(-1, m + 1, p)[:, 0, :] = 0  # the centre (the twin itself) is always included
            z[:, mask] += shift
        predicted = model(scm.decode(z))[:, 0] > logit_threshold
        count = rows.stop - rows.start
        flags[rows] = (predicted.view(count, per_row) != own[rows].unsqueeze(1)).any(dim=1)
    return flags.numpy()
