"""The benchmark's workloads, each run in its own process by ``benchmarks/run.py``:

    python3 benchmarks/_workloads.py TASK CONFIG_JSON OUTPUT_JSON

so that the thread settings (``OPENBLAS_NUM_THREADS`` ...) are in the environment
before numpy, the engine and torch are loaded, and so that peak RSS is per task.
Each task writes ``{"rows": [...], "info": {...}}``: one row per (workload,
implementation) with the wall-clock and CPU seconds of every repetition and the
quality reached.
"""

from __future__ import annotations

import gc
import json
import math
import os
import resource
import sys
import time
import warnings
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np

TASKS = ("scm", "train", "logistic", "audit", "audit_torch", "dgemm", "scaling", "sweep", "partitioned_audit",
         "discrete", "engine_threads", "openblas_default", "opacus", "recourse")
METHODS = ("erm", "al", "causal_at", "capify")


# --------------------------------------------------------------------- helpers
def max_rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(fn: Callable[[], Any], reps: int) -> Tuple[Dict[str, List[float]], Any]:
    """Wall-clock and CPU (all threads of this process) seconds of ``reps`` calls."""
    wall, cpu, out = [], [], None
    for _ in range(max(1, reps)):
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {"seconds": wall, "cpu_seconds": cpu}, out


def row(workload: str, impl: str, timing: Dict[str, List[float]], quality: Optional[Dict[str, Any]] = None,
        note: str = "", **extra: Any) -> Dict[str, Any]:
    return {"workload": workload, "impl": impl, **timing, "quality": quality or {}, "note": note,
            "threads": int(os.environ.get("OPENBLAS_NUM_THREADS", "0") or 0), **extra}


def torch_or_none() -> Any:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(int(os.environ.get("OPENBLAS_NUM_THREADS", "1")))
    return torch


def bce(logits: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy from logits (stable)."""
    return float(np.mean(np.logaddexp(0.0, logits) - y * logits))


def adult(cfg: Dict[str, Any]) -> Tuple[Any, Any, Any, Any, Any]:
    """Adult, the paper's 80/20 split (seed 0); ``train_rows`` caps the training split."""
    import causalfair as cf
    ds = cf.datasets.load_adult(data_home=cfg.get("data_home"))
    X_tr, X_te, y_tr, y_te = ds.train_test_split(test_size=0.2, random_state=0)
    if cfg.get("train_rows"):
        X_tr, y_tr = X_tr.iloc[:cfg["train_rows"]], y_tr.iloc[:cfg["train_rows"]]
        X_te, y_te = X_te.iloc[:max(cfg["train_rows"] // 4, 1000)], y_te.iloc[:max(cfg["train_rows"] // 4, 1000)]
    return ds, X_tr, X_te, y_tr, y_te


def mlp_scm(ds: Any, X_tr: Any, epochs: int) -> Any:
    from causalfair.mechanisms import MLPMechanism
    return ds.make_scm(MLPMechanism(hidden_layer_sizes=(100,), epochs=epochs), random_state=0).fit(X_tr)


def classifier(scm: Any, method: str, epochs: int, model: str = "mlp", hidden: Tuple[int, ...] = (100, 100),
               n_threads: Optional[int] = None) -> Any:
    import causalfair as cf
    return cf.FairRobustClassifier(scm=scm, model=model, hidden_layer_sizes=hidden, activation="tanh",
                                   method=method, radius=0.05, epsilon=0.05, epochs=epochs, batch_size=100,
                                   learning_rate=0.01, random_state=0, verbose=False, n_threads=n_threads)


def heldout_mse(abducted: np.ndarray, columns: List[int]) -> Dict[str, float]:
    return {"heldout_mse_mean": float(np.mean(abducted[:, columns] ** 2))}


# --------------------------------------------------------------------- tasks
def task_scm(cfg: Dict[str, Any]) -> List[Dict[str, Any]]:
    """SCM fit on Adult's training split: 3 one-hidden-layer (100 tanh) MLP mechanisms."""
    from sklearn.neural_network import MLPRegressor
    ds, X_tr, X_te, _, _ = adult(cfg)
    epochs, reps = cfg["epochs"], cfg["reps"]
    timing, scm = measure(lambda: mlp_scm(ds, X_tr, epochs), reps)
    names = [n.name for n in scm.schema_.nodes]
    mech = [j for j, n in enumerate(scm.schema_.nodes) if not n.is_root]
    E_tr, E_te = scm._data(X_tr, "X")[0], scm._data(X_te, "X")[0]
    rows = [row("scm_fit", "causalfair", timing, heldout_mse(scm.abduct(E_te), mech),
                note=f"{len(mech)} mechanisms, {len(X_tr)} rows, {epochs} epochs")]

    def sk_fit() -> List[Any]:
        fitted = []
        for j in mech:
            parents = [names.index(p) for p in scm.schema_.nodes[j].parents]
            reg = MLPRegressor(hidden_layer_sizes=(100,), activation="tanh", solver="adam", learning_rate_init=0.01,
                               batch_size=100, max_iter=epochs, alpha=0.0, tol=0.0, n_iter_no_change=10 ** 9,
                               random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fitted.append((parents, j, reg.fit(E_tr[:, parents], E_tr[:, j])))
        return fitted

    timing, fitted = measure(sk_fit, cfg["peer_reps"])
    mse = np.mean([np.mean((E_te[:, j] - reg.predict(E_te[:, p])) ** 2) for p, j, reg in fitted])
    rows.append(row("scm_fit", "scikit-learn", timing, {"heldout_mse_mean": float(mse)},
                    note="MLPRegressor((100,), tanh, adam, lr 0.01, batch 100, max_iter=epochs, alpha=0) per mechanism"))
    torch = torch_or_none()
    if torch is not None:
        import _torch_peers as tp
        tp.fit_mechanisms(E_tr[:300], scm, epochs=1)  # warm-up
        timing, fitted = measure(lambda: tp.fit_mechanisms(E_tr, scm, epochs=epochs), cfg["peer_reps"])
        with torch.no_grad():
            te = torch.tensor(E_te, dtype=tp.DTYPE)
            mse = np.mean([float(((te[:, j] - net(te[:, p])[:, 0]) ** 2).mean()) for p, j, net in fitted])
        rows.append(row("scm_fit", "pytorch", timing, {"heldout_mse_mean": float(mse)},
                        note="vectorised torch float64, same fits (MSE, Adam lr 0.01, batch 100)"))
    return rows


def task_train(cfg: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Training on Adult (MLP d→100→100→1 tanh, Adam lr 0.01, batch 100): every
    method, scikit-learn's MLPClassifier for erm, torch for every method."""
    from sklearn.metrics import log_loss
    from sklearn.neural_network import MLPClassifier
    from causalfair import _models
    ds, X_tr, X_te, y_tr, y_te = adult(cfg)
    scm = mlp_scm(ds, X_tr, cfg["scm_epochs"])
    E_tr, E_te = scm._data(X_tr, "X")[0], scm._data(X_te, "X")[0]
    ytr, yte = y_tr.to_numpy().astype(float), y_te.to_numpy().astype(float)
    epochs = cfg["epochs"]
    rows = []
    init = classifier(scm, "erm", 0).fit(X_tr, y_tr)  # 0 epochs: the initial weights every peer starts from
    for method in cfg["methods"]:
        timing, clf = measure(lambda: classifier(scm, method, epochs).fit(X_tr, y_tr), cfg["reps"])
        logits = clf.decision_function(E_te, encoded=True)
        rows.append(row(f"train_{method}", "causalfair", timing,
                        {"test_accuracy": float(np.mean((logits > 0) == yte)),
                         "train_bce": bce(clf.decision_function(E_tr, encoded=True), ytr),
                         "final_epoch_objective": float(clf.history_["loss"].iloc[-1])},
                        note=f"{len(X_tr)} rows, {epochs} epochs"))

    if "erm" in cfg["methods"]:
        widths = [int(w) for w in _models.widths(init._handle)]
        flat = _models.parameters(init._handle)

        def sk_fit() -> Any:
            sk = MLPClassifier(hidden_layer_sizes=(100, 100), activation="tanh", solver="adam", learning_rate_init=0.01,
                               batch_size=100, max_iter=epochs, tol=0, n_iter_no_change=10 ** 9, alpha=0.0,
                               warm_start=True, random_state=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sk.partial_fit(E_tr[:200], ytr[:200], classes=np.array([0.0, 1.0]))  # builds the state
                offset, coefs, intercepts = 0, [], []
                for fan_in, fan_out in zip(widths, widths[1:]):
                    coefs.append(flat[offset:offset + fan_in * fan_out].reshape(fan_in, fan_out).copy())
                    intercepts.append(flat[offset + fan_in * fan_out:offset + (fan_in + 1) * fan_out].copy())
                    offset += (fan_in + 1) * fan_out
                sk.coefs_, sk.intercepts_ = coefs, intercepts
                t0 = time.perf_counter()
                sk.fit(E_tr, ytr)  # warm start: the engine's initial weights, a fresh Adam
                sk.fit_seconds_ = time.perf_counter() - t0
            return sk

        wall, cpu, sk = [], [], None
        for _ in range(cfg["peer_reps"]):
            c0 = time.process_time()
            sk = sk_fit()
            wall.append(sk.fit_seconds_)
            cpu.append(time.process_time() - c0)
        p = sk.predict_proba(E_te)[:, 1]
        rows.append(row("train_erm", "scikit-learn", {"seconds": wall, "cpu_seconds": cpu},
                        {"test_accuracy": float(np.mean((p > 0.5) == yte)),
                         "train_bce": float(log_loss(ytr, sk.predict_proba(E_tr)[:, 1]))},
                        note="MLPClassifier((100,100), tanh, adam, lr 0.01, batch 100, max_iter=epochs, tol=0, "
                             "alpha=0), warm-started from the engine's initial weights; fit() timed only "
                             "(cpu_seconds include the state set-up)"))

    torch = torch_or_none()
    if torch is not None:
        import _torch_peers as tp
        tscm = tp.TorchSCM(scm)
        with torch.no_grad():  # the torch SCM must be the engine's
            check = float((tscm.twins(torch.tensor(E_te[:200], dtype=tp.DTYPE)).numpy()
                           - scm.twins(E_te[:200])).__abs__().max())
        for method in cfg["torch_methods"]:
            for dtype_name in (["float64", "float32"] if method == "erm" else ["float64"]):
                dtype = getattr(torch, dtype_name)
                tp.train(method, tp.mlp_from_engine(init._handle), E_tr[:300], ytr[:300], scm=tscm, epochs=1,
                         dtype=dtype)  # warm-up: torch's first-call costs are not the workload's
                timing, net = measure(lambda: tp.train(method, tp.mlp_from_engine(init._handle), E_tr, ytr, scm=tscm,
                                                       epochs=epochs, dtype=dtype), cfg["torch_reps"])
                with torch.no_grad():
                    lt = net(torch.tensor(E_te, dtype=dtype))[:, 0].double().numpy()
                    ltr = net(torch.tensor(E_tr, dtype=dtype))[:, 0].double().numpy()
                rows.append(row(f"train_{method}", "pytorch" + ("" if dtype_name == "float64" else "-float32"), timing,
                                {"test_accuracy": float(np.mean((lt > 0) == yte)), "train_bce": bce(ltr, ytr)},
                                note=f"vectorised torch {torch.__version__} {dtype_name}, same initial weights; "
                                     f"torch SCM vs engine twins max |diff| {check:.1e}"))
    return rows


def opacus_run(torch: Any, model: Any, x: np.ndarray, y: np.ndarray, *, sampling_rate: float, steps: int,
               noise_multiplier: float, max_grad_norm: float, learning_rate: float, seed: int) -> Any:
    """Opacus DP-SGD as the engine runs it: ``steps`` steps, each on a Poisson sample of
    the rows at ``sampling_rate`` (drawn here, as the engine draws its own), per-sample
    gradients by Opacus' GradSampleModule, its DPOptimizer over Adam clipping to
    ``max_grad_norm``, adding N(0, σ²C²) and dividing by the expected batch size q·n."""
    from opacus import GradSampleModule
    from opacus.optimizers import DPOptimizer
    generator = np.random.default_rng(seed)
    torch.manual_seed(seed)
    module = GradSampleModule(model)
    optimizer = DPOptimizer(torch.optim.Adam(module.parameters(), lr=learning_rate),
                            noise_multiplier=noise_multiplier, max_grad_norm=max_grad_norm,
                            expected_batch_size=int(round(sampling_rate * x.shape[0])), loss_reduction="mean")
    xt, yt = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="mean")
    for _ in range(steps):
        rows = torch.from_numpy(np.flatnonzero(generator.random(x.shape[0]) < sampling_rate))
        if rows.numel() == 0:  # probability e^(-q n): Opacus would need an empty-batch step here
            continue
        optimizer.zero_grad()
        loss_fn(module(xt[rows])[:, 0], yt[rows]).backward()
        optimizer.step()
    return module._module


#: Adult's actionable nodes in the recourse comparison: age (a root, parent of every
#: other feature but sex and native-country-US; it may only increase) and the two
#: leaves a person changes, education-num and hours-per-week.
RECOURSE_ACTIONABLE = ["age", "education-num", "hours-per-week"]


def recourse_quality(scm: Any, clf: Any, X: Any, proposals: Any, actions: Any, cost: np.ndarray) -> Dict[str, Any]:
    """How good a set of proposals is, the same way for every method: ``proposals`` are
    the individuals proposed for the rows of ``X`` (NaN rows: none proposed), ``actions``
    a bool frame of the actionable nodes each proposal intervenes on, ``cost`` its cost.

    validity: the classifier gives the proposal the favourable decision; plausibility:
    the proposal is the SCM's counterfactual of the row under ``do`` of its actioned
    nodes' proposed values (every other node at its counterfactual value, to 1e-6 of
    its std; labels equal; each row at its own position in ``X``, which labels the
    posterior draws of Gumbel-max nodes); causal validity: that counterfactual gets the
    favourable decision. Mean costs over valid proposals, and over valid and plausible ones."""
    proposed = proposals.notna().all(axis=1).to_numpy()
    valid = np.zeros(len(X), dtype=bool)
    plausible = np.zeros(len(X), dtype=bool)
    causal = np.zeros(len(X), dtype=bool)
    if proposed.any():
        valid[proposed] = clf.predict(proposals[proposed][list(X.columns)]) == 1
        chosen = actions[proposed]
        for pattern, part in chosen.groupby(list(chosen.columns), sort=False):
            pattern = pattern if isinstance(pattern, tuple) else (pattern,)
            nodes = [n for n, on in zip(chosen.columns, pattern) if on]
            where = X.index.get_indexer(part.index)
            mask = np.zeros(len(X), dtype=bool)
            mask[where] = True
            # every row at its own position in X, as cf.recourse evaluates it
            twin = scm.counterfactual(X, do={n: np.where(mask, proposals[n].to_numpy(float), X[n].to_numpy(float))
                                             for n in nodes}).iloc[where] if nodes else X.iloc[where]
            same = np.ones(where.size, dtype=bool)
            for node in scm.schema_.nodes:
                a, b = proposals.iloc[where][node.name].to_numpy(), twin[node.name].to_numpy()
                same &= (np.abs(a.astype(float) - b.astype(float)) <= 1e-6 * node.std) if node.kind == "continuous" \
                    else (a.astype(float) == b.astype(float))
            plausible[where] = same
            causal[where] = clf.predict(twin) == 1
    finite = valid & np.isfinite(cost)
    return {"rows": int(len(X)), "proposed": float(proposed.mean()), "validity": float(valid.mean()),
            "plausibility": float(plausible[proposed].mean()) if proposed.any() else float("nan"),
            "causal_validity": float(causal.mean()),
            "mean_cost_valid": float(cost[finite].mean()) if finite.any() else float("nan"),
            "mean_cost_valid_plausible": float(cost[finite & plausible].mean()) if (finite & plausible).any()
            else float("nan")}


def task_recourse(cfg: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Causal recourse (issue 16) against DiCE on Adult: the MLP SCM and an erm MLP
    (d→100→100→1), ``recourse_rows`` negatively classified test rows, actionable
    age (may only increase), education-num and hours-per-week. Ours: ``cf.recourse``
    (attack). DiCE (``dice-ml``, method random, one counterfactual per row, the same
    features to vary, age not below the row's): its proposals are its final individuals,
    nothing propagated. Both scored by :func:`recourse_quality`; cost ‖Δ‖₂ of the
    actioned nodes in the SCM's standardized units for both."""
    import pandas as pd

    import causalfair as cf
    ds, X_tr, X_te, y_tr, y_te = adult(cfg)
    scm = mlp_scm(ds, X_tr, cfg["scm_epochs"])
    clf = classifier(scm, "erm", cfg["epochs"]).fit(X_tr, y_tr)
    negatives = X_te[clf.predict(X_te) == 0].head(cfg["recourse_rows"])
    stds = np.array([scm.schema_.by_name[n].std for n in RECOURSE_ACTIONABLE])
    timing, result = measure(lambda: cf.recourse(clf, scm, negatives, actionable=RECOURSE_ACTIONABLE,
                                                 bounds={"age": (0, None)}, method="attack", random_state=0),
                             cfg["reps"])
    proposals = result.counterfactuals.where(result.found, np.nan)
    quality = recourse_quality(scm, clf, negatives, proposals, result.actions[RECOURSE_ACTIONABLE].notna(),
                               result.cost.to_numpy())
    rows = [row("recourse_adult", "causalfair", timing, quality,
                note=f"cf.recourse attack (20 steps x 3 starts), {len(negatives)} refused test rows, actionable "
                     f"{RECOURSE_ACTIONABLE}, age only up")]
    try:
        import dice_ml
    except ImportError:
        return rows + [row("recourse_adult", "dice-ml", {"seconds": [], "cpu_seconds": []},
                           note="skipped: needs dice-ml (pip install dice-ml)")]
    data = dice_ml.Data(dataframe=X_tr.assign(income=y_tr.to_numpy()), continuous_features=RECOURSE_ACTIONABLE,
                        outcome_name="income")
    explainer = dice_ml.Dice(data, dice_ml.Model(model=clf, backend="sklearn"), method="random")
    queries = negatives.head(cfg["dice_rows"])

    def dice() -> Any:
        found = []
        for _, query in queries.iterrows():
            frame = query.to_frame().T.astype(queries.dtypes.to_dict())
            try:
                out = explainer.generate_counterfactuals(
                    frame, total_CFs=1, desired_class="opposite", features_to_vary=RECOURSE_ACTIONABLE,
                    permitted_range={"age": [float(query["age"]), float(X_tr["age"].max())]}, random_seed=0,
                    verbose=False)
                final = out.cf_examples_list[0].final_cfs_df
            except Exception:  # DiCE raises when it finds none
                final = None
            found.append(final.iloc[0][list(queries.columns)] if final is not None and len(final)
                         else pd.Series(np.nan, index=queries.columns))
        return pd.DataFrame(found, index=queries.index).astype(float)

    timing, dice_proposals = measure(dice, 1)
    deltas = (dice_proposals[RECOURSE_ACTIONABLE] - queries[RECOURSE_ACTIONABLE]).to_numpy(float) / stds
    moved = pd.DataFrame(np.abs(deltas) > 1e-9, index=queries.index, columns=RECOURSE_ACTIONABLE)
    cost = np.sqrt(np.nansum(deltas ** 2, axis=1))
    cost[dice_proposals.isna().any(axis=1).to_numpy()] = np.nan
    ours = recourse_quality(scm, clf, queries, proposals.loc[queries.index],
                            result.actions.loc[queries.index, RECOURSE_ACTIONABLE].notna(),
                            result.cost.loc[queries.index].to_numpy())
    return rows + [row("recourse_adult", "dice-ml", timing, recourse_quality(scm, clf, queries, dice_proposals, moved,
                                                                            cost),
                       note=f"dice-ml random, 1 counterfactual per row, the first {len(queries)} of the same rows "
                            f"(ours on those rows: validity {ours['validity']:.3f}, plausibility "
                            f"{ours['plausibility']:.3f}, mean cost {ours['mean_cost_valid']:.3f})")]

def task_opacus(cfg: Dict[str, Any]) -> List[Dict[str, Any]]:
    """DP-SGD on Adult against Opacus: the same MLP d→100→100→1 (tanh, the engine's
    initial weights), Adam lr 0.01, expected batch 100 (Poisson sampling, q = 100/n),
    ``epochs`` · ⌈n/100⌉ steps, clipping C = 1 and the σ causalfair calibrates for
    ε = 3 at δ = 1/(10 n); time, test accuracy, and the ε that dp-accounting (ours) and
    Opacus' RDP accountant report for that run (σ, q, steps, δ)."""
    torch = torch_or_none()
    try:
        import opacus
        from opacus.accountants import RDPAccountant
    except ImportError:
        opacus = None
    if torch is None or opacus is None:
        return [row("dp_train_erm", "opacus", {"seconds": [], "cpu_seconds": []},
                    note="skipped: needs torch and opacus (pip install opacus)")]
    from causalfair import privacy
    import _torch_peers as tp
    ds, X_tr, X_te, y_tr, y_te = adult(cfg)
    scm = mlp_scm(ds, X_tr, cfg["scm_epochs"])
    E_tr, E_te = scm._data(X_tr, "X")[0], scm._data(X_te, "X")[0]
    ytr, yte = y_tr.to_numpy().astype(float), y_te.to_numpy().astype(float)
    epochs, n = cfg["epochs"], len(X_tr)
    init = classifier(scm, "erm", 0).fit(X_tr, y_tr)
    settings = dict(target_epsilon=3.0, max_grad_norm=1.0)

    def ours() -> Any:
        clf = classifier(scm, "erm", epochs)
        return clf.set_params(privacy=settings).fit(X_tr, y_tr)

    timing, clf = measure(ours, cfg["reps"])
    q, steps = privacy.dp_sgd_steps(n, 100, epochs)
    sigma, delta = clf.noise_multiplier_, clf.delta_
    accountant = RDPAccountant()
    accountant.history = [(sigma, q, steps)]
    opacus_epsilon = float(accountant.get_epsilon(delta))
    opacus_epsilon_same_orders = float(accountant.get_epsilon(delta, alphas=[float(a) for a in privacy._ORDERS]))
    logits = clf.decision_function(E_te, encoded=True)
    run_note = f"{n} rows, {epochs} epochs, {steps} steps, q = {q:.6f}, sigma = {sigma:.6f}, C = 1, delta = {delta:.3g}"
    rows = [row("dp_train_erm", "causalfair", timing,
                {"test_accuracy": float(np.mean((logits > 0) == yte)), "epsilon_dp_accounting": clf.epsilon_,
                 "epsilon_opacus_rdp": opacus_epsilon, "epsilon_opacus_rdp_same_orders": opacus_epsilon_same_orders},
                note=run_note)]
    opacus_run(torch, tp.mlp_from_engine(init._handle), E_tr[:300], ytr[:300], sampling_rate=q, steps=2,
               noise_multiplier=sigma, max_grad_norm=1.0, learning_rate=0.01, seed=0)  # warm-up: first-call costs
    timing, net = measure(lambda: opacus_run(torch, tp.mlp_from_engine(init._handle), E_tr, ytr, sampling_rate=q,
                                             steps=steps, noise_multiplier=sigma, max_grad_norm=1.0,
                                             learning_rate=0.01, seed=0), cfg["torch_reps"])
    with torch.no_grad():
        lt = net(torch.tensor(E_te, dtype=torch.float64))[:, 0].numpy()
    rows.append(row("dp_train_erm", "opacus", timing, {"test_accuracy": float(np.mean((lt > 0) == yte))},
                    note=f"opacus {opacus.__version__} GradSampleModule + DPOptimizer(Adam), torch "
                         f"{torch.__version__} float64, same initial weights; " + run_note))
    return rows


def task_logistic(cfg: Dict[str, Any]) -> List[Dict[str, Any]]:
    """ERM logistic regression on Adult vs scikit-learn's LogisticRegression (no penalty)."""
    from sklearn.linear_model import LogisticRegression
    _, X_tr, _, y_tr, _ = adult(cfg)
    x = X_tr.to_numpy(dtype=float)
    y = y_tr.to_numpy().astype(float)
    timing, clf = measure(lambda: classifier(None, "erm", cfg["epochs"], model="logistic").fit(x, y), cfg["reps"])
    z = (x - clf.mean_) / clf.scale_
    ours = bce(clf.decision_function(x), y)
    rows = [row("logistic_erm", "causalfair", timing, {"train_bce": ours},
                note=f"minibatch Adam, {cfg['epochs']} epochs, batch 100, lr 0.01, {len(x)} rows")]

    def sk(max_iter: int) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return LogisticRegression(C=np.inf, max_iter=max_iter).fit(z, y)

    def sk_loss(model: Any) -> float:
        return bce(model.decision_function(z), y)

    timing, model = measure(lambda: sk(1000), cfg["peer_reps"])
    rows.append(row("logistic_erm", "scikit-learn (converged)", timing,
                    {"train_bce": sk_loss(model), "n_iter": int(model.n_iter_[0])},
                    note="LogisticRegression(C=inf, lbfgs, tol=1e-4) on the same standardized matrix"))
    reach = next((k for k in range(1, 101) if sk_loss(sk(k)) <= ours), None)
    if reach is not None:
        timing, model = measure(lambda: sk(reach), cfg["peer_reps"])
        rows.append(row("logistic_erm", "scikit-learn (to our loss)", timing,
                        {"train_bce": sk_loss(model), "max_iter": reach},
                        note=f"smallest lbfgs max_iter ({reach}) whose loss is <= the engine's"))
    # The engine run to (about) the optimum too: full-batch-like long run for the same loss.
    timing, long = measure(lambda: classifier(None, "erm", cfg["epochs"] * 3, model="logistic").fit(x, y),
                           cfg["reps"])
    rows.append(row("logistic_erm", "causalfair (3x epochs)", timing,
                    {"train_bce": bce(long.decision_function(x), y)}, note=f"{cfg['epochs'] * 3} epochs: closer to the optimum"))
    # Full-batch Newton (the convex case's solver) to its optimum, and scikit-learn to
    # the same loss: the smallest lbfgs max_iter (tol=0, so only max_iter stops it)
    # within 1e-7 of the Newton loss (the optimum, up to rounding).
    def newton() -> Any:
        import causalfair as cf
        return cf.FairRobustClassifier(model="logistic", method="erm", optimizer="newton", epochs=100,
                                       random_state=0, verbose=False).fit(x, y)

    timing, nclf = measure(newton, cfg["reps"])
    optimum = bce(nclf.decision_function(x), y)
    rows.append(row("logistic_erm_newton", "causalfair", timing, {"train_bce": optimum, "n_iter": nclf.n_epochs_},
                    note="optimizer='newton': full-batch Newton/IRLS from 0, Cholesky, step halving, tol 1e-8"))

    def sk_exact(max_iter: int) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return LogisticRegression(C=np.inf, max_iter=max_iter, tol=0.0).fit(z, y)

    reach = next((k for k in range(1, 201) if sk_loss(sk_exact(k)) <= optimum + 1e-7), None)
    if reach is not None:
        timing, model = measure(lambda: sk_exact(reach), cfg["peer_reps"])
        rows.append(row("logistic_erm_newton", "scikit-learn (to the newton loss)", timing,
                        {"train_bce": sk_loss(model), "max_iter": reach},
                        note=f"smallest lbfgs max_iter ({reach}, tol=0) whose loss is within 1e-7 of the Newton optimum"))
    return rows


def task_audit(cfg: Dict[str, Any]) -> List[Dict[str, Any]]:
    """SCM fit + erm training + the unfair-area audit (sample and attack) on Adult,
    and ``exact`` for a logistic model on LIN with a fitted linear SCM. Peak RSS of
    this process is the pipeline's (no torch is imported here)."""
    import causalfair as cf
    rss = {"after_imports_mb": max_rss_mb()}
    ds, X_tr, X_te, y_tr, y_te = adult(cfg)
    rss["after_data_mb"] = max_rss_mb()
    t0 = time.perf_counter()
    scm = mlp_scm(ds, X_tr, cfg["scm_epochs"])
    rss["after_scm_fit_mb"] = max_rss_mb()
    clf = classifier(scm, "erm", cfg["epochs"]).fit(X_tr, y_tr)
    rss["after_training_mb"] = max_rss_mb()
    points = np.random.default_rng(0).permutation(len(X_te))[:cfg["audit_points"]]
    Xa, ya = X_te.iloc[points], y_te.iloc[points]
    rows = []
    m = cfg["audit_samples"]
    first = None
    for method in ("sample", "attack"):
        def run() -> Any:
            return cf.audit(clf, scm, Xa, ya, radii=(0.05, 0.01), method=method, n_samples=m, random_state=0)
        timing, report = measure(run, cfg["reps"])
        if first is None:
            first = time.perf_counter() - t0
            rss["after_audit_mb"] = max_rss_mb()
        frame = report.to_frame()
        quality = {k: float(frame.loc[k, "value"]) for k in ("U_0.05", "U_0.01", "U_CF", "NR_0.05", "NR_0.01")}
        rows.append(row(f"audit_{method}", "causalfair", timing, quality,
                        note=f"{len(Xa)} points x {m} ball samples per twin, radii (0.05, 0.01): "
                             "U_0.05, NR_0.05, U_0.01, NR_0.01, U_CF" if method == "sample" else
                             f"{len(Xa)} points, projected gradient (20 steps x 4 starts per twin ball)"))
    rows.append(row("peak_rss", "causalfair", {"seconds": [first], "cpu_seconds": [float("nan")]},
                    {"peak_rss_mb": max_rss_mb(), **rss},
                    note="one process: imports, Adult, SCM fit (MLP mechanisms), erm MLP training, "
                         "sample and attack audits (seconds: from the SCM fit to the end of the sampled audit)"))
    # exact: logistic regression on LIN with a fitted linear SCM.
    lin = cf.datasets.make_lin(cfg["lin_rows"], random_state=0)
    L_tr, L_te, l_tr, l_te = lin.train_test_split(test_size=0.2, random_state=0)
    lscm = lin.make_scm("linear", random_state=0).fit(L_tr)
    lclf = classifier(lscm, "erm", 10, model="logistic").fit(L_tr, l_tr)
    La, la = L_te.iloc[:cfg["audit_points"]], l_te.iloc[:cfg["audit_points"]]
    timing, report = measure(lambda: cf.audit(lclf, lscm, La, la, radii=(0.05, 0.01), method="exact",
                                              random_state=0), cfg["reps"])
    frame = report.to_frame()
    check = cf.audit(lclf, lscm, La, la, radii=(0.05,), method="sample", n_samples=m, random_state=0).to_frame()
    rows.append(row("audit_exact", "causalfair", timing,
                    {**{k: float(frame.loc[k, "value"]) for k in ("U_0.05", "U_0.01", "U_CF", "NR_0.05")},
                     "U_0.05_by_sampling": float(check.loc["U_0.05", "value"])},
                    note=f"LIN ({len(L_tr)} training rows), linear SCM, logistic model; {len(La)} points, 5 indicators"))
    return rows


def task_audit_torch(cfg: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The sampled audit in vectorised torch on the same model, SCM and points."""
    torch = torch_or_none()
    if torch is None:
        return []
    import _torch_peers as tp
    ds, X_tr, X_te, y_tr, y_te = adult(cfg)
    scm = mlp_scm(ds, X_tr, cfg["scm_epochs"])
    clf = classifier(scm, "erm", cfg["epochs"]).fit(X_tr, y_tr)
    points = np.random.default_rng(0).permutation(len(X_te))[:cfg["audit_points"]]
    x = scm._data(X_te.iloc[points], "X")[0]
    net = tp.mlp_from_engine(clf._handle)
    tscm = tp.TorchSCM(scm)
    threshold = math.log(clf.threshold_ / (1 - clf.threshold_))
    m = cfg["audit_samples"]
    plan = [("U_CF", 0.0, False), ("U_0.05", 0.05, False), ("NR_0.05", 0.05, True), ("U_0.01", 0.01, False),
            ("NR_0.01", 0.01, True)]

    def run() -> Dict[str, float]:
        return {name: float(tp.audit_sample(net, tscm, x, threshold, r, f, m, seed=i).mean())
                for i, (name, r, f) in enumerate(plan)}

    tp.audit_sample(net, tscm, x[:10], threshold, 0.05, False, 10)  # warm-up
    timing, quality = measure(run, cfg["torch_reps"])
    return [row("audit_sample", "pytorch", timing, quality,
                note=f"vectorised torch float64, {len(x)} points x {m} samples per twin (+ the twin), same 5 indicators")]


def task_dgemm(cfg: Dict[str, Any]) -> List[Dict[str, Any]]:
    """dgemm n³: the engine's own product (``_engine.matrix_multiply`` on T engine
    threads, OpenBLAS single-threaded in each, no copies) against numpy's ``@`` on the
    same arrays, alternating in one process."""
    from causalfair import _engine
    n, reps = cfg["dgemm_n"], cfg["dgemm_reps"]
    threads = int(os.environ.get("OPENBLAS_NUM_THREADS") or 0)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    out = np.empty((n, n))
    _engine.matrix_multiply(a, b, out, threads)  # warm-up (thread pools, pages)
    a @ b
    timing_engine, _ = measure(lambda: _engine.matrix_multiply(a, b, out, threads), reps)
    timing_numpy, theirs = measure(lambda: a @ b, reps)
    diff = float(np.max(np.abs(out - theirs)))
    note = f"{n}x{n} @ {n}x{n}, float64; max |engine - numpy| {diff:.1e}"
    return [row("dgemm", "causalfair", timing_engine, {"max_abs_diff": diff}, note=note),
            row("dgemm", "numpy", timing_numpy, {"max_abs_diff": diff}, note=note)]


def task_scaling(cfg: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Training and audit time against rows on LIN (make_lin(n), its exact SCM)."""
    import causalfair as cf
    from causalfair.audit import indicator
    rows = []
    warm = cf.datasets.make_lin(200, random_state=0)
    for method, model in (("erm", "logistic"), ("erm", "mlp"), ("causal_at", "mlp")):  # warm-up
        classifier(warm.scm, method, 1, model=model).fit(warm.X, warm.y)
    for n in cfg["scaling_sizes"]:
        lin = cf.datasets.make_lin(n, random_state=0)
        X, y = lin.X, lin.y
        jobs = [("scaling_train_logistic_erm", lambda: classifier(lin.scm, "erm", 10, model="logistic").fit(X, y),
                 "logistic regression, 10 epochs"),
                ("scaling_train_mlp_erm", lambda: classifier(lin.scm, "erm", cfg["scaling_epochs"]).fit(X, y),
                 f"MLP 3→100→100→1, {cfg['scaling_epochs']} epoch(s)"),
                ("scaling_train_mlp_causal_at", lambda: classifier(lin.scm, "causal_at", cfg["scaling_epochs"]).fit(X, y),
                 f"MLP 3→100→100→1, {cfg['scaling_epochs']} epoch(s)")]
        model = None
        for name, fn, note in jobs:
            timing, model = measure(fn, cfg["scaling_reps"])
            rows.append(row(name, "causalfair", timing, {}, note=note, n=n))
        erm = classifier(lin.scm, "erm", cfg["scaling_epochs"]).fit(X, y)
        m = cfg["scaling_audit_samples"]
        timing, ind = measure(lambda: indicator(erm, lin.scm, X, 0.05, factual_only=False, method="sample",
                                                n_samples=m, random_state=0), cfg["scaling_reps"])
        rows.append(row("scaling_audit_sample", "causalfair", timing, {"U_0.05": float(ind.proportion.value)},
                        note=f"U_0.05 alone, sample, {m} draws per twin ball (2 twins), every row audited", n=n))
    return rows


def _loaded_after(seconds: float) -> str:
    """Imports causalfair in a worker and holds it ``seconds`` (so every worker gets one)."""
    import causalfair
    time.sleep(seconds)
    return causalfair.__version__


def task_sweep(cfg: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The reproduction's sweep on a small grid, serially and on ``sweep_workers`` loky
    processes (``experiments.run(n_jobs=)``); quality: whether the tables are equal."""
    from causalfair import experiments
    grid = dict(datasets=cfg["sweep_datasets"], methods=cfg["sweep_methods"], seeds=range(cfg["sweep_seeds"]),
                n_synthetic=cfg["sweep_n_synthetic"], verbose=False)
    cells = len(cfg["sweep_datasets"]) * len(cfg["sweep_methods"]) * cfg["sweep_seeds"]
    note = (f"{'/'.join(cfg['sweep_datasets'])} x {'/'.join(cfg['sweep_methods'])} x {cfg['sweep_seeds']} seeds "
            f"= {cells} cells, {cfg['sweep_n_synthetic']} rows each, paper protocol (10 epochs, audit of 1000 "
            "points x 1000 samples)")
    serial_timing, serial = measure(lambda: experiments.run(**grid), 1)
    workers = cfg["sweep_workers"]
    import joblib
    # Start the loky workers and load the package in each before timing.
    joblib.Parallel(n_jobs=workers)(joblib.delayed(_loaded_after)(1.0) for _ in range(workers))
    parallel_timing, parallel = measure(lambda: experiments.run(**grid, n_jobs=workers), 1)
    timings = list(experiments.TIMINGS)
    same = serial.drop(columns=timings, errors="ignore").equals(parallel.drop(columns=timings, errors="ignore"))
    return [row("sweep_serial", "causalfair", serial_timing, {"cells": cells}, note=note),
            row(f"sweep_{workers}_workers", "causalfair", parallel_timing,
                {"cells": cells, "same_table_as_serial": bool(same),
                 "speedup": serial_timing["seconds"][0] / parallel_timing["seconds"][0]},
                note=note + f"; loky, n_jobs={workers} (pool started before timing)")]


def task_partitioned_audit(cfg: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Audit time against rows for a table given in chunks of ``partition_chunk`` rows
    (the same chunk of LIN rows repeated; one chunk of n rows below that): logistic regression on LIN's fitted linear
    SCM, radii (0.05,) — U_CF, U_0.05, NR_0.05 — exact and sample; in-memory at the
    chunk size for comparison, and the chunked sample audit on a 2-process dask
    LocalCluster (equal bit for bit to the in-memory one, checked)."""
    import causalfair as cf
    lin = cf.datasets.make_lin(10_000, random_state=0)
    scm = lin.make_scm("linear", random_state=0).fit(lin.X)
    clf = classifier(scm, "erm", 10, model="logistic").fit(lin.X, lin.y)
    size = cfg["partition_chunk"]
    chunk = cf.datasets.make_lin(size, random_state=1).X
    m = cfg["partition_samples"]
    rows = []
    for method, sizes, samples in (("exact", cfg["partition_sizes_exact"], 1),
                                   ("sample", cfg["partition_sizes_sample"], m)):
        note = (f"LIN, logistic, linear SCM, radii (0.05,): 3 indicators, {method}"
                + (f" ({samples} draws per twin ball)" if method == "sample" else "")
                + f"; chunks of {size:,} rows, one at a time in one process")
        for n in sizes:
            part = chunk.iloc[:min(size, n)]
            parts = max(1, n // len(part))
            timing, report = measure(lambda: cf.audit(clf, scm, iter([part] * parts), radii=(0.05,), method=method,
                                                      n_samples=samples, random_state=0), 1)
            rows.append(row(f"scaling_partitioned_audit_{method}", "causalfair", timing,
                            {"U_0.05": float(report.to_frame().loc["U_0.05", "value"]), "peak_rss_mb": max_rss_mb()},
                            note=note, n=parts * len(part)))
        timing, whole = measure(lambda: cf.audit(clf, scm, chunk, radii=(0.05,), method=method, n_samples=samples,
                                                 random_state=0), 1)
        rows.append(row(f"audit_in_memory_{method}_{size}", "causalfair", timing,
                        {"U_0.05": float(whole.to_frame().loc["U_0.05", "value"])},
                        note=f"the same audit of one {size:,}-row DataFrame in memory"))
    import dask.dataframe as dd
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local, \
            Client(local):
        table = dd.from_pandas(chunk, npartitions=cfg["partition_dask_partitions"])
        cf.audit(clf, scm, dd.from_pandas(chunk.iloc[:100], npartitions=2), radii=(0.05,), random_state=0)  # warm-up
        timing, report = measure(lambda: cf.audit(clf, scm, table, radii=(0.05,), method="sample", n_samples=m,
                                                  random_state=0), 1)
    whole = cf.audit(clf, scm, chunk, radii=(0.05,), method="sample", n_samples=m, random_state=0)
    rows.append(row("audit_dask_2_workers_sample", "causalfair", timing,
                    {"U_0.05": float(report.to_frame().loc["U_0.05", "value"]),
                     "same_as_in_memory": bool(report.to_frame().equals(whole.to_frame()))},
                    note=f"{size:,} LIN rows as a dask DataFrame of {cfg['partition_dask_partitions']} partitions on a "
                         f"LocalCluster of 2 single-threaded worker processes, sample ({m} draws per twin ball)"))
    return rows


def task_discrete(cfg: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Discrete nodes (issue 13, item 6) on Adult's training split: the fit of a linear
    SCM with Gumbel-max (logistic) mechanisms, and the twins of every row under R = 16
    posterior draws (rows × 2 levels × 16 draws in one call), each against the
    vectorised numpy reference of the same computation (``_discrete_reference.py``)."""
    from causalfair import _handles
    from _discrete_reference import LinearGumbelSCM
    ds, X_tr, _, y_tr, _ = adult(cfg)
    reps, draws = cfg["reps"], cfg["twin_draws"]
    timing, scm = measure(lambda: ds.make_scm("linear", discrete="gumbel", random_state=0).fit(X_tr), reps)
    E = scm._data(X_tr, "X")[0]
    engine_parameters = np.asarray(_handles.export_state(scm._handle)[0])
    rows = [row("scm_fit_discrete", "causalfair", timing, note=f"Adult, linear mechanisms, married Gumbel-max "
                f"(logistic, Newton), {len(X_tr)} rows; includes encoding the DataFrame")]
    timing, ref = measure(lambda: LinearGumbelSCM.like(scm).fit(E), cfg["peer_reps"])
    flat = np.concatenate([c for c in ref.coefficients if c is not None])
    rows.append(row("scm_fit_discrete", "numpy", timing,
                    {"max_abs_parameter_difference": float(np.max(np.abs(flat - engine_parameters)))},
                    note="lstsq per continuous node, logistic Newton (tol 1e-12) for married, on the encoded matrix"))

    def engine_twins() -> np.ndarray:
        return scm.twins(E, encoded=True, n_draws=draws, random_state=0)

    timing, twins = measure(engine_twins, reps)
    married = [n.name for n in scm.schema_.nodes].index("married")
    sex = ref.sensitive
    flipped = np.repeat(1 - E[:, sex], draws)   # the counterfactual level of every (row, draw)
    def switched(t: np.ndarray) -> float:
        per = t.reshape(len(E) * draws, 2, -1)
        cf_rows = per[np.arange(len(per)), flipped.astype(int)]
        return float(np.mean(cf_rows[:, married] != np.repeat(E[:, married], draws)))
    rows.append(row("twins_draws", "causalfair", timing, {"married_switch_rate": switched(twins)},
                    note=f"{len(E)} rows × 2 levels × {draws} draws = {len(twins)} twins, encoded in and out"))
    reference = LinearGumbelSCM.like(scm).with_parameters(engine_parameters)
    timing, ref_twins = measure(lambda: reference.twins(E, draws, np.random.default_rng(0)), cfg["peer_reps"])
    rows.append(row("twins_draws", "numpy", timing, {"married_switch_rate": switched(ref_twins)},
                    note="vectorised numpy: posterior logistic draws (inverse CDF) and one pass over the nodes "
                         "for all rows × draws × levels, the engine's parameters"))
    rows += _discrete_audit_rows(cfg, scm, reference, X_tr, y_tr, draws)
    return rows


def _discrete_audit_rows(cfg: Dict[str, Any], scm: Any, reference: Any, X_tr: Any, y_tr: Any,
                         draws: int) -> List[Dict[str, Any]]:
    """The sampled audit of a logistic regression on the Gumbel-max SCM at R = 1 and
    R = ``draws`` posterior draws (``audit_points`` training rows, ``audit_samples``
    ball samples per twin), and its U_CF under R draws recomputed from the numpy
    reference's twins (the same classifier's logits, evaluated in numpy): U_CF is a
    posterior probability, so the two agree within Monte Carlo error, not bit for bit."""
    import causalfair as cf
    clf = classifier(scm, "erm", cfg["epochs"], model="logistic").fit(X_tr, y_tr)
    points = X_tr.iloc[np.random.default_rng(0).permutation(len(X_tr))[:cfg["audit_points"]]]
    rows = []
    for r in (1, draws):
        timing, report = measure(lambda: cf.audit(clf, scm, points, radii=(0.05,), method="sample",
                                                  n_samples=cfg["audit_samples"], random_state=0, n_draws=r),
                                 cfg["reps"])
        frame = report.to_frame()
        rows.append(row(f"audit_sample_draws_{r}", "causalfair", timing,
                        {k: float(frame.loc[k, "value"]) for k in ("U_CF", "U_0.05", "NR_0.05")},
                        note=f"logistic erm on the linear Gumbel-max SCM, {len(points)} rows x R = {r} draws, "
                             f"{cfg['audit_samples']} samples per twin ball, radii (0.05,)"))
    E = scm._data(points, "X")[0]

    def reference_u_cf() -> float:
        twins = reference.twins(E, draws, np.random.default_rng(1))
        flagged = clf.predict(twins, encoded=True).reshape(len(E), draws, 2)
        return float(np.mean(flagged[..., 0] != flagged[..., 1]))

    timing, u_cf = measure(reference_u_cf, cfg["peer_reps"])
    rows.append(row(f"audit_sample_draws_{draws}", "numpy", timing, {"U_CF": u_cf},
                    note=f"U_CF only: the reference's twins of the same rows under R = {draws} draws (another "
                         "random stream), predicted by the same classifier; the engine's row also samples the balls"))
    return rows


def _adult_audit_setup(cfg: Dict[str, Any]) -> Tuple[Any, Any, Any, Any, Any, Any, Any]:
    """Adult, its MLP-mechanism SCM, and the audit's points (as ``task_audit`` draws them)."""
    ds, X_tr, X_te, y_tr, y_te = adult(cfg)
    scm = mlp_scm(ds, X_tr, cfg["scm_epochs"])
    points = np.random.default_rng(0).permutation(len(X_te))[:cfg["audit_points"]]
    return ds, X_tr, y_tr, X_te.iloc[points], y_te.iloc[points], scm, points


def task_engine_threads(cfg: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The engine's own threads (issue 15): Adult MLP training (``threads_methods``) and
    the sample and attack audits at 1 and 2 engine threads (``n_threads``), A/B
    interleaved in this one process so that both counts see the same machine load,
    each result checked bit-identical across the counts. OpenBLAS is single-threaded
    inside the engine either way."""
    import causalfair as cf
    from causalfair import _models
    ds, X_tr, y_tr, Xa, ya, scm, _ = _adult_audit_setup(cfg)
    counts = (1, 2)
    rows = []

    def ab(name: str, run: Callable[[int], Any], same: Callable[[Any, Any], bool], note: str) -> None:
        timing = {n: {"seconds": [], "cpu_seconds": []} for n in counts}
        results = {}
        for _ in range(max(1, cfg["reps"])):
            for n in counts:
                t, results[n] = measure(lambda: run(n), 1)
                for k in t:
                    timing[n][k] += t[k]
        identical = same(results[1], results[2])
        one = float(np.median(timing[1]["seconds"]))
        for n in counts:
            median = float(np.median(timing[n]["seconds"]))
            rows.append(row(f"{name}_engine_threads", f"causalfair n_threads={n}", timing[n],
                            {"speedup_vs_1_thread": one / median, "bit_identical_across_threads": identical,
                             "loadavg_1min_after": os.getloadavg()[0]},
                            note=note, engine_threads=n))

    for method in cfg["threads_methods"]:
        def fit(n: int, method: str = method) -> Any:
            return classifier(scm, method, cfg["epochs"], n_threads=n).fit(X_tr, y_tr)
        ab(f"train_{method}", fit,
           lambda a, b: _models.parameters(a._handle).tobytes() == _models.parameters(b._handle).tobytes(),
           f"{len(X_tr)} rows, {cfg['epochs']} epochs, batch 100 (2 pieces of 50 rows)")
    clf = classifier(scm, "erm", cfg["epochs"], n_threads=2).fit(X_tr, y_tr)
    for method in ("sample", "attack"):
        def audit(n: int, method: str = method) -> Any:
            return cf.audit(clf, scm, Xa, ya, radii=(0.05, 0.01), method=method, n_samples=cfg["audit_samples"],
                            random_state=0, n_threads=n)
        ab(f"audit_{method}", audit, lambda a, b: a.to_frame().equals(b.to_frame()) and all(
            np.array_equal(a.indicators[k].flags, b.indicators[k].flags) for k in a.indicators),
           f"{len(Xa)} points" + (f" x {cfg['audit_samples']} ball samples per twin" if method == "sample"
                                  else ", 20 steps x 4 starts per twin ball") + ", radii (0.05, 0.01)")
    return rows


def task_openblas_default(cfg: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Training at 1 engine thread with OpenBLAS's settings as the process found them
    (``run.py`` starts this task twice: OPENBLAS_NUM_THREADS unset, and 1), for the row
    "default settings are not slower than OPENBLAS_NUM_THREADS=1"."""
    ds, X_tr, y_tr, _, _, scm, _ = _adult_audit_setup(cfg)
    setting = os.environ.get("OPENBLAS_NUM_THREADS") or "unset"
    rows = []
    for method in cfg["openblas_methods"]:
        timing, _ = measure(lambda: classifier(scm, method, cfg["epochs"], n_threads=1).fit(X_tr, y_tr), cfg["reps"])
        rows.append(row(f"train_{method}_openblas", f"causalfair OPENBLAS_NUM_THREADS={setting}", timing,
                        {"loadavg_1min_after": os.getloadavg()[0]},
                        note="1 engine thread; the engine sets OpenBLAS to 1 thread itself"))
    return rows


def environment_info() -> Dict[str, Any]:
    info: Dict[str, Any] = {"env": {k: os.environ.get(k) for k in (
        "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}}
    try:
        from threadpoolctl import threadpool_info
        info["threadpools"] = [{k: p.get(k) for k in ("user_api", "internal_api", "prefix", "version",
                                                      "num_threads", "threading_layer", "architecture")}
                               for p in threadpool_info()]
    except ImportError:
        info["threadpools"] = "threadpoolctl not installed"
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        info["torch"] = {"version": torch.__version__, "threads": torch.get_num_threads()}
    return info


def main() -> None:
    task, config_path, output_path = sys.argv[1:4]
    with open(config_path) as f:
        cfg = json.load(f)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    load_before = os.getloadavg()
    threads = os.environ.get("OPENBLAS_NUM_THREADS")
    if threads and threads.isdigit() and int(threads) > 0:
        import causalfair as cf
        cf.set_threads(int(threads))  # the engine's threads follow the row's thread count
    started = time.perf_counter()
    rows = globals()[f"task_{task}"](cfg)
    result = {"task": task, "rows": rows, "info": {**environment_info(), "loadavg_before": load_before,
                                                    "loadavg_after": os.getloadavg(),
                                                    "task_seconds": time.perf_counter() - started,
                                                    "peak_rss_mb": max_rss_mb()}}
    with open(output_path, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
