"""Why capify is unstable on Adult: the authors' CAPIFY training (CAPIFY_Trainer of
Ehyaei/CAPIFY, src/trainers.py, re-implemented here in PyTorch from its semantics) and
ours (the engine; and a PyTorch transcription of our objective, checked against the
engine on one batch), from the same initial weights and batch order, loss terms step by
step.

Run from the repository root with the package and torch installed:

    CAUSALFAIR_DATA=/work/shared/data python results/capify_stability/compare.py probe
    CAUSALFAIR_DATA=/work/shared/data python results/capify_stability/compare.py steps
    CAUSALFAIR_DATA=/work/shared/data python results/capify_stability/compare.py seeds

What differs between the two objectives, read from the code (both: BCE + λ·|g(x+δ) −
g(x) − δᵀ∇g(x)| + μ·‖m⊙∇ₓg(x)‖² + ν·max over twins BCE, λ = μ = ν = 1, ε = 0.05, δ by
10 Adam steps of 0.1 on |gap| over the whole input ball, Adam 0.01 outside, batch 100,
10 epochs, MLP 100-100 tanh):
- the penalty's columns m: the authors' `actionable` set of Adult (education-num,
  hours-per-week); ours the perturbable columns (every non-sensitive column: age,
  native-country-US, married, education-num, hours-per-week);
- the inner start: the authors take the first Adam step from ε·N(0, I) unprojected,
  ours projects the start on the ball first;
- the SCM: the authors fit one SCM (seed 0) for all their seeds; our reproduction fits
  one per seed.
"""
import sys
import time

import numpy as np
import pandas as pd
import torch

import causalfair as cf
from causalfair import _models
from causalfair.mechanisms import MLPMechanism

torch.set_default_dtype(torch.float64)
ACTIONABLE = ("education-num", "hours-per-week")  # the authors' Adult actionable set
HIDDEN = (100, 100)


# ----------------------------------------------------------------------------- data

def adult(seed, scm_seed, discrete):
    """Adult split as our reproduction does (80/20 by seed), the SCM fitted on the
    training rows with seed `scm_seed`; encoded training/test rows and their twins."""
    ds = cf.datasets.load_adult()
    X_train, X_test, y_train, y_test = ds.train_test_split(test_size=0.2, random_state=seed)
    scm = ds.make_scm(MLPMechanism(hidden_layer_sizes=(100,), epochs=10), random_state=scm_seed,
                      discrete=discrete).fit(X_train)
    x_train = scm.encode(X_train).to_numpy()
    x_test = scm.encode(X_test).to_numpy()
    columns = list(scm.encode(X_train.head(1)).columns)
    twins_train = np.asarray(scm.twins(x_train, encoded=True))
    twins_test = np.asarray(scm.twins(x_test, encoded=True))
    levels = twins_train.shape[0] // x_train.shape[0]
    x_train, x_test = np.ascontiguousarray(x_train, dtype=float), np.ascontiguousarray(x_test, dtype=float)
    return dict(scm=scm, columns=columns, x=x_train, y=y_train.to_numpy().astype(float), x_test=x_test,
                y_test=y_test.to_numpy().astype(float), twins=twins_train.reshape(len(x_train), levels, -1),
                twins_test=twins_test.reshape(len(x_test), levels, -1))


def masks(columns):
    ours = np.array([c != "sex" for c in columns], dtype=float)          # perturbable: all but the sensitive
    theirs = np.array([c in ACTIONABLE for c in columns], dtype=float)
    return ours, theirs


# ---------------------------------------------------------------------- the network

def unpack(theta, widths):
    """The engine's layout: per layer W (fan-in x fan-out, row-major) then b."""
    layers, offset = [], 0
    for a, b in zip(widths[:-1], widths[1:]):
        w = theta[offset:offset + a * b].reshape(a, b)
        offset += a * b
        layers.append((w, theta[offset:offset + b]))
        offset += b
    return layers


def logits(theta, widths, x):
    h = x
    layers = unpack(theta, widths)
    for i, (w, b) in enumerate(layers):
        h = h @ w + b
        if i < len(layers) - 1:
            h = torch.tanh(h)
    return h.reshape(-1)


def bce(z, y):
    return torch.nn.functional.softplus(z) - y * z


# ------------------------------------------------------------------ the objectives

def input_gradient(theta, widths, x, create_graph):
    x = x.clone().requires_grad_(True)
    g = logits(theta, widths, x)
    (grad,) = torch.autograd.grad(g.sum(), x, create_graph=create_graph)
    return g, grad


def inner_maximiser(theta, widths, x, epsilon, steps, lr, start, project_start):
    """δ maximising mean |g(x+δ) − g(x) − δᵀ∇g(x)| by Adam (the authors' get_perturb;
    ours projects the start first)."""
    theta = theta.detach()
    g0, grad0 = input_gradient(theta, widths, x, create_graph=False)
    g0, grad0 = g0.detach(), grad0.detach()
    delta = start.clone()
    if project_start:
        delta = project(delta, epsilon)
    delta.requires_grad_(True)
    optimiser = torch.optim.Adam([delta], lr=lr)
    for _ in range(steps):
        optimiser.zero_grad()
        gap = logits(theta, widths, x + delta) - g0 - (delta * grad0).sum(-1)
        (-gap.abs().mean()).backward()
        optimiser.step()
        with torch.no_grad():
            delta[:] = project(delta, epsilon)
    return delta.detach()


def project(delta, epsilon):
    norm = delta.norm(dim=-1, keepdim=True)
    return torch.where(norm > epsilon, delta / norm.clamp_min(1e-300) * epsilon, delta)


def capify_terms(theta, widths, x, y, twins, delta, mask, lam=1.0, mu=1.0, nu=1.0):
    """The CAPIFY loss and its terms (means over the batch)."""
    g, grad = input_gradient(theta, widths, x, create_graph=True)
    gap = (logits(theta, widths, x + delta) - g - (delta * grad).sum(-1)).abs()
    penalty = ((grad * mask) ** 2).sum(-1)
    b, levels, d = twins.shape
    twin_losses = bce(logits(theta, widths, twins.reshape(-1, d)), y.repeat_interleave(levels)).reshape(b, levels)
    twin = twin_losses.max(dim=1).values
    base = bce(g, y)
    loss = (base + lam * gap + mu * penalty + nu * twin).mean()
    return loss, dict(bce=base.mean().item(), gap=gap.mean().item(), penalty=penalty.mean().item(),
                      twin=twin.mean().item(), loss=loss.item())


def ross_loss(theta, widths, x, y, mask, epsilon, lam):
    g, grad = input_gradient(theta.detach(), widths, x, create_graph=False)
    direction = grad * mask
    norm = direction.norm(dim=-1, keepdim=True)
    delta = torch.where(norm > 0, direction / norm.clamp_min(1e-300) * epsilon, torch.zeros_like(direction))
    return (bce(logits(theta, widths, x), y) + lam * bce(logits(theta, widths, x + delta), torch.ones_like(y))).mean()


# ------------------------------------------------------------------- engine probes

def engine_step(method, theta, widths, scm, x, y, **settings):
    """The engine's loss at θ on one batch (all of x) and its gradient: one SGD step of
    rate 1 from θ (θ₁ = θ − ∇L), the epoch's training loss = L(θ)."""
    handle = _models.new_model(widths, "tanh", 0)
    _models.set_parameters(handle, theta)
    base = dict(method=method, optimizer="sgd", epochs=1, batch_size=len(x), patience=5, steps=10, n_samples=10,
                exact="auto", learning_rate=1.0, weight_decay=0.0, validation_fraction=0.0, radius=0.05,
                epsilon=0.05, step_size=0.0, inner_learning_rate=0.1, lambda_=1.0, mu=1.0, nu=1.0,
                twin_penalty=0.0, tol=1e-8, beta=6.0)
    base.update(settings)
    history, _, _ = _models.train(handle, scm._handle, np.ascontiguousarray(x), np.ascontiguousarray(y), base, 0, None)
    return history[0, 0], theta - _models.parameters(handle)


def initial(widths, seed):
    return _models.parameters(_models.new_model(widths, "tanh", seed))


def probe(data):
    """One batch: the engine against the PyTorch transcriptions (ours exactly; the
    authors' differs by the penalty's columns)."""
    x, y, twins = (torch.tensor(a[:100]) for a in (data["x"], data["y"], data["twins"]))
    widths = (x.shape[1], *HIDDEN, 1)
    theta0 = initial(widths, 11)
    ours, theirs = (torch.tensor(m) for m in masks(data["columns"]))
    theta = torch.tensor(theta0, requires_grad=True)
    assert np.allclose(logits(theta, widths, x).detach().numpy(),
                       _models.logits(_handle_with(widths, theta0), np.ascontiguousarray(data["x"][:100])), atol=1e-12)
    rows = []
    zero = torch.zeros_like(x)
    for name, mask in (("ours (perturbable)", ours), ("authors (actionable)", theirs)):
        loss, terms = capify_terms(theta, widths, x, y, twins, zero, mask, lam=0.0)
        (gradient,) = torch.autograd.grad(loss, theta)
        engine_loss, engine_gradient = engine_step("capify", theta0, widths, data["scm"], data["x"][:100],
                                                   data["y"][:100], lambda_=0.0)
        rows.append(dict(objective=f"capify λ=0, torch {name}", loss=terms["loss"], engine_loss=engine_loss,
                         penalty=terms["penalty"], twin=terms["twin"], bce=terms["bce"],
                         gradient_rel_diff=float(np.linalg.norm(gradient.numpy() - engine_gradient)
                                                 / np.linalg.norm(engine_gradient))))
    loss = ross_loss(theta, widths, x, y, ours, 0.75, 1.0)
    (gradient,) = torch.autograd.grad(loss, theta)
    engine_loss, engine_gradient = engine_step("ross", theta0, widths, data["scm"], data["x"][:100], data["y"][:100],
                                               epsilon=0.75)
    rows.append(dict(objective="ross ε=0.75 λ=1, torch", loss=loss.item(), engine_loss=engine_loss,
                     gradient_rel_diff=float(np.linalg.norm(gradient.numpy() - engine_gradient)
                                             / np.linalg.norm(engine_gradient))))
    return pd.DataFrame(rows)


def _handle_with(widths, theta):
    handle = _models.new_model(widths, "tanh", 0)
    _models.set_parameters(handle, theta)
    return handle


# ---------------------------------------------------------------- step by step

VARIANTS = {
    # name: (penalty mask, project the inner start)
    "authors": ("theirs", False),
    "ours": ("ours", True),
    "ours, authors' mask": ("theirs", True),
    "ours, authors' start": ("ours", False),
}


def train(data, variant, init_seed, order_seed, epochs=1, log_every=1, max_steps=None):
    """Adam 0.01 on batches of 100 in the order of `order_seed`, inner starts from one
    torch generator seeded by `order_seed` (the same draws for every variant)."""
    mask_name, project_start = VARIANTS[variant]
    ours, theirs = masks(data["columns"])
    mask = torch.tensor(ours if mask_name == "ours" else theirs)
    x_all, y_all, t_all = (torch.tensor(a) for a in (data["x"], data["y"], data["twins"]))
    widths = (x_all.shape[1], *HIDDEN, 1)
    theta = torch.tensor(initial(widths, init_seed), requires_grad=True)
    optimiser = torch.optim.Adam([theta], lr=0.01)
    order_rng = np.random.default_rng(order_seed)
    noise = torch.Generator().manual_seed(order_seed)
    log, step = [], 0
    for epoch in range(epochs):
        order = order_rng.permutation(len(x_all))
        for start in range(0, len(order), 100):
            rows = torch.tensor(order[start:start + 100])
            x, y, twins = x_all[rows], y_all[rows], t_all[rows]
            draw = 0.05 * torch.randn(x.shape, generator=noise)
            delta = inner_maximiser(theta, widths, x, 0.05, 10, 0.1, draw, project_start)
            optimiser.zero_grad()
            loss, terms = capify_terms(theta, widths, x, y, twins, delta, mask)
            loss.backward()
            optimiser.step()
            if step % log_every == 0:
                log.append(dict(variant=variant, step=step, epoch=epoch, delta_norm=delta.norm(dim=-1).mean().item(),
                                **terms))
            step += 1
            if max_steps is not None and step >= max_steps:
                return theta.detach().numpy(), pd.DataFrame(log)
    return theta.detach().numpy(), pd.DataFrame(log)


def counterfactual_unfairness(theta, data):
    """U_CF on the test rows: the share whose twins do not all get the factual decision,
    at the MCC threshold of the training rows (exact: the twins are the SCM's)."""
    widths = (data["x"].shape[1], *HIDDEN, 1)
    handle = _handle_with(widths, theta)
    threshold_logit = _logit(_models.mcc_threshold(_sigmoid(_models.logits(handle, data["x"])), data["y"]))
    n, levels, d = data["twins_test"].shape
    decisions = _models.logits(handle, np.ascontiguousarray(data["twins_test"].reshape(-1, d))).reshape(n, levels) > threshold_logit
    factual = _models.logits(handle, data["x_test"]) > threshold_logit
    accuracy = float(np.mean(factual == (data["y_test"] == 1)))
    return 100 * float(np.mean((decisions != factual[:, None]).any(axis=1))), 100 * accuracy


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _logit(p):
    return np.log(p) - np.log1p(-p)


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "probe"
    discrete = sys.argv[2] if len(sys.argv) > 2 else "anm"
    out = "results/capify_stability/"
    if what == "probe":
        table = probe(adult(0, 0, discrete))
        print(table.to_string())
        table.to_csv(out + f"probe_{discrete}.csv", index=False)
    elif what == "steps":
        data = adult(0, 0, discrete)
        logs = [train(data, variant, 11, 0, max_steps=int(sys.argv[3]) if len(sys.argv) > 3 else 362)[1]
                for variant in VARIANTS]
        table = pd.concat(logs)
        table.to_csv(out + f"steps_{discrete}.csv", index=False)
        print(table.groupby("variant")[["bce", "gap", "penalty", "twin", "loss", "delta_norm"]]
              .agg(["mean", "std"]).to_string())
    elif what == "seeds":
        variants = sys.argv[3].split(",") if len(sys.argv) > 3 else ["authors", "ours"]
        scm_mode = sys.argv[4] if len(sys.argv) > 4 else "fixed"
        epochs = int(sys.argv[5]) if len(sys.argv) > 5 else 1
        rows = []
        cache = {}
        for seed in range(10):
            scm_seed = 0 if scm_mode == "fixed" else seed
            key = (seed, scm_seed)
            data = cache.setdefault(key, adult(seed, scm_seed, discrete))
            for variant in variants:
                started = time.perf_counter()
                theta, _ = train(data, variant, 100 + seed, seed, epochs=epochs, log_every=10 ** 9)
                u_cf, accuracy = counterfactual_unfairness(theta, data)
                rows.append(dict(variant=variant, seed=seed, scm_seed=scm_seed, U_CF=u_cf, accuracy=accuracy,
                                 seconds=time.perf_counter() - started))
                print(rows[-1], flush=True)
            cache.clear()
        table = pd.DataFrame(rows)
        table.to_csv(out + f"seeds_{discrete}_{scm_mode}_{epochs}ep.csv", index=False)
        print(table.groupby("variant")[["U_CF", "accuracy"]].agg(["mean", "std"]).to_string())
