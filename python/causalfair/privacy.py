"""Differential privacy accounting for DP-SGD training (DESIGN §4 "Differential
privacy").

:class:`causalfair.FairRobustClassifier` trains with DP-SGD when given
``privacy=dict(target_epsilon=..., delta=..., max_grad_norm=...)``: every step
samples rows independently with probability q = batch_size / n (Poisson sampling),
clips the gradient of each sampled row's own loss (the full objective, its inner
maximisation included) to L2 norm ``max_grad_norm``, sums, adds Gaussian noise of
standard deviation σ · ``max_grad_norm`` and divides by the expected batch size q·n.
The privacy loss is computed by a maintained accountant — the Rényi-DP accountant of
Google's ``dp-accounting`` package (``pip install causalfair[privacy]``) — never by
hand: :func:`calibrate_noise_multiplier` finds the smallest σ whose run meets the
target ε, and :func:`dp_sgd_epsilon` reports a run's ε.

What is protected, and what is not
----------------------------------
Protected, at (ε, δ) with respect to adding or removing one training row: the trained
network's parameters (hence its predictions, audits of it and anything else computed
from the model alone, on other data).

The SCM fitted on the same rows spends budget too. ``SCM(...,
privacy=dict(target_epsilon, delta, max_grad_norm))`` fits every MLP map — MLP
mechanisms, and the logits of discrete (Gumbel-max) nodes with ``"mlp"`` — by the same
DP-SGD, one run per such node with one σ calibrated for their composition
(:func:`calibrate_runs`), and reports ``epsilon_``; linear mechanisms are refused (their
closed-form least-squares or Newton fit releases sufficient statistics without noise).
A classifier trained with ``privacy`` on those rows reports ``total_epsilon_``: its run
composed with the SCM's runs by a fresh RDP accountant (:func:`composed_epsilon`: the
Rényi curves add order by order, then one conversion to ε at the classifier's δ).

Not protected (each is a function of the training data released without noise):

- an SCM fitted without ``privacy`` on the training data (an unfitted ``scm`` is
  fitted on ``X`` by :meth:`~causalfair.FairRobustClassifier.fit`; ``total_epsilon_``
  is then ``inf``): all of it. Fit it on public or separate data, or with ``privacy``;
- even a DP-fitted SCM's other state: its latent sample (every training row's abducted
  noise — what :meth:`~causalfair.SCM.sample` and the out-of-range warnings read), the
  noise scales of the causal fair metric, and the twins and latent coordinates the
  objectives perturb through it, which read them;
- the standardization statistics (per-column means and standard deviations of ``X``
  without an SCM, the SCM's node means and scales with one): ``mean_``, ``scale_``
  and the inputs the network sees; the level sets of binary and categorical nodes;
- the classes and the label encoding (``classes_``).

Not released at all under DP: the training loss (``history_["loss"]`` is NaN), a
validation split and early stopping (refused), and ``threshold="mcc"`` (refused: it
would be chosen on the training rows).
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from .validation import Fields, Interval

__all__ = ["calibrate_noise_multiplier", "calibrate_runs", "composed_epsilon", "dp_sgd_epsilon", "dp_sgd_event",
           "dp_sgd_steps", "membership_advantage"]


#: The ``privacy`` parameter of :class:`~causalfair.FairRobustClassifier` and
#: :class:`~causalfair.SCM`: ``target_epsilon`` > 0 required, ``delta`` in (0, 1)
#: (default 1 / (10 n), :func:`delta_for`), ``max_grad_norm`` > 0 (default 1).
SETTINGS = Fields({"target_epsilon": [Interval(float, 0, None, closed="neither")]},
                  {"delta": (None, [None, Interval(float, 0, 1, closed="neither")]),
                   "max_grad_norm": (1.0, [Interval(float, 0, None, closed="neither")])})


def delta_for(privacy: "dict[str, Any]", rows: int) -> float:
    """The δ of checked ``privacy`` settings: the one given, else 1 / (10 n) for n rows
    (below 1/n, as a meaningful δ must be)."""
    return privacy["delta"] if privacy["delta"] is not None else 1 / (10 * rows)


def _accounting() -> Any:
    """The ``dp_accounting`` package, or ImportError saying how to install it."""
    try:
        import dp_accounting  # type: ignore[import-untyped]  # dp-accounting ships no type information
    except ImportError:
        raise ImportError("privacy needs the dp-accounting package (Google's privacy accountant): "
                          "pip install dp-accounting, or pip install causalfair[privacy]") from None
    return dp_accounting


def dp_sgd_steps(n_rows: int, batch_size: int, epochs: int) -> "tuple[float, int]":
    """The sampling rate and number of steps of a DP-SGD run, as the engine runs it.

    Parameters
    ----------
    n_rows : int
        Training rows n.
    batch_size : int
        Expected rows per step.
    epochs : int
        Passes over the data.

    Returns
    -------
    sampling_rate : float
        q = min(batch_size, n) / n.
    steps : int
        epochs · ⌈n / batch_size⌉ (as many steps per epoch as plain minibatches).
    """
    return min(batch_size, n_rows) / n_rows, epochs * math.ceil(n_rows / batch_size)


def dp_sgd_event(noise_multiplier: float, runs: "Sequence[tuple[float, int]]") -> Any:
    """The ``dp-accounting`` event of DP-SGD runs on the same rows with one noise
    multiplier σ: each run ``(sampling_rate, steps)`` is ``steps`` self-composed
    Poisson-subsampled Gaussian mechanisms, and the runs are composed (one per
    DP-fitted SCM node, or a single classifier run). Accountants compose events, so
    SCM + classifier is ``ComposedDpEvent([scm_event, classifier_event])``. Runs at the
    same rate are one self-composition of their summed steps (the same mechanism
    composed as often; the accountant then evaluates it once)."""
    dp = _accounting()
    mechanism = dp.GaussianDpEvent(noise_multiplier)
    steps_by_rate: "dict[float, int]" = {}
    for q, steps in runs:
        steps_by_rate[q] = steps_by_rate.get(q, 0) + steps
    events = [dp.SelfComposedDpEvent(dp.PoissonSampledDpEvent(q, mechanism), steps)
              for q, steps in steps_by_rate.items()]
    return events[0] if len(events) == 1 else dp.ComposedDpEvent(events)


#: The Rényi orders the accountant minimises over: integers only (the fractional
#: orders of dp-accounting's default need an iterative series that can fail to
#: converge at large sampling rates); ε is the minimum over these orders, a valid
#: bound at every one of them.
_ORDERS = [*range(2, 65), 80, 96, 128, 192, 256, 384, 512, 1024]


def _accountant() -> Any:
    return _accounting().rdp.RdpAccountant(orders=_ORDERS)


def composed_epsilon(events: "Sequence[Any]", delta: float) -> float:
    """ε at ``delta`` of the composition of ``events`` (``dp-accounting`` events, e.g.
    :func:`dp_sgd_event` of an SCM's DP fit and of a classifier's DP-SGD run on the same
    rows), by a fresh Rényi-DP accountant: the events' RDP curves add order by order (the
    accountant's composition, not a sum of ε's), then one conversion to (ε, δ). At most
    the sum of the events' separate ε's at δ split between them, often far less."""
    accountant = _accountant()
    for event in events:
        accountant.compose(event)
    return float(accountant.get_epsilon(delta))


def calibrate_runs(target_epsilon: float, delta: float, runs: "Sequence[tuple[float, int]]") -> float:
    """The smallest noise multiplier σ (within 1e-6) shared by the DP-SGD ``runs``
    (``(sampling_rate, steps)`` each, composed: :func:`dp_sgd_event`) whose composition
    has ε ≤ ``target_epsilon`` at ``delta``, by ``dp-accounting``'s calibration (Brent's
    method on its accountant; the returned σ is on the private side). 0 without steps."""
    runs = [(q, steps) for q, steps in runs if steps > 0]
    if not runs:
        return 0.0
    dp = _accounting()
    return float(dp.calibrate_dp_mechanism(_accountant, lambda sigma: dp_sgd_event(sigma, runs),
                                           target_epsilon, delta,
                                           bracket_interval=dp.LowerEndpointAndGuess(1e-3, 1.0)))


def dp_sgd_epsilon(noise_multiplier: float, sampling_rate: float, steps: int, delta: float) -> float:
    """ε at ``delta`` of DP-SGD with noise multiplier σ, Poisson sampling rate q and
    ``steps`` steps, by ``dp-accounting``'s Rényi-DP accountant.

    Properties: 0 for no steps; decreasing in σ; increasing in q and in ``steps``;
    infinite for σ = 0 (noise-free gradients are not private).

    Examples
    --------
    >>> from causalfair.privacy import dp_sgd_epsilon
    >>> round(dp_sgd_epsilon(1.1, 0.01, 10_000, 1e-5), 2)
    5.65
    """
    if steps == 0:
        return 0.0
    if noise_multiplier == 0:
        return math.inf
    return composed_epsilon([dp_sgd_event(noise_multiplier, [(sampling_rate, steps)])], delta)


def calibrate_noise_multiplier(target_epsilon: float, delta: float, sampling_rate: float, steps: int) -> float:
    """The smallest noise multiplier σ (within 1e-6) whose DP-SGD run of ``steps`` steps
    at sampling rate q has ε ≤ ``target_epsilon`` at ``delta``, by ``dp-accounting``'s
    calibration (Brent's method on its accountant; the returned σ is on the private side).

    Properties: :func:`dp_sgd_epsilon` of the result is at most ``target_epsilon``; a
    larger target gives a smaller (or equal) σ; 0 when there are no steps.

    Examples
    --------
    >>> from causalfair.privacy import calibrate_noise_multiplier
    >>> round(calibrate_noise_multiplier(3.0, 1e-5, 0.01, 10_000), 3)
    1.665
    """
    return calibrate_runs(target_epsilon, delta, [(sampling_rate, steps)])


def membership_advantage(estimator: Any, X_train: Any, y_train: Any, X_test: Any, y_test: Any, *,
                         attack: str = "loss", n_neighbors: int = 25) -> float:
    """The advantage of a membership-inference attack against a fitted classifier: the
    largest over thresholds τ of (true-positive rate on ``X_train`` − false-positive rate
    on ``X_test``) when the attacker calls a row a member if its score is at least τ,
    i.e. the attack's best TPR − FPR with the threshold chosen knowing the answers (an
    upper bound on what the attack achieves with a calibrated τ). Any increasing
    function of a score gives the same advantage.

    Attacks (``attack``):

    ``"loss"``
        Loss threshold (Yeom et al. 2018): the score is minus the row's cross-entropy
        loss under the model — one global threshold for every row.
    ``"lira"``
        Shadow-free, per-example calibrated likelihood ratio: the *offline* LiRA of
        Carlini et al. 2022 ("Membership inference attacks from first principles",
        S&P 2022, §IV-C), whose per-example reference distribution of the logit-scaled
        confidence φ = log(p_y / (1 − p_y)) on models that did not train on the row
        (OUT, normally from shadow models) is approximated without any shadow model by
        the target model's own φ on reference rows it did not train on: the
        ``n_neighbors`` non-members of the same label nearest to the row (Euclidean
        distance on the one-hot, standardized columns; a non-member is left out of its
        own reference set). With μ, s the mean and standard deviation of their φ, the
        score is the one-sided Gaussian test statistic (φ − μ) / s of offline LiRA, so a
        row whose confidence is high *for a row like it* is called a member — the
        difficulty calibration of Watson et al. 2022 with neighbours in place of
        reference models.

    Parameters
    ----------
    estimator : fitted classifier with ``predict_proba`` and ``classes_``
    X_train, y_train
        Rows the model was trained on (members).
    X_test, y_test
        Rows from the same distribution it never saw (non-members; with ``"lira"`` also
        the reference rows).
    attack : {"loss", "lira"}, default="loss"
    n_neighbors : int, default=25
        ``"lira"``: reference rows per row (at least 2; capped by the non-members of the
        row's label, less one).

    Returns
    -------
    float in [0, 1]
        0 when no threshold tells members from non-members; (ε, δ)-DP training bounds
        it by (e^ε − 1 + 2δ) / (e^ε + 1) (Humphries et al. 2020; Yeom et al.'s bound
        e^ε − 1 is looser), for either attack.
    """
    if attack not in ("loss", "lira"):
        raise ValueError(f"attack: expected 'loss' or 'lira', got {attack!r}")
    if isinstance(n_neighbors, bool) or not isinstance(n_neighbors, (int, np.integer)) or n_neighbors < 2:
        raise ValueError(f"n_neighbors: expected an integer >= 2, got {n_neighbors!r}")

    def confidences(X: Any, y: Any, name: str) -> "tuple[np.ndarray, np.ndarray]":
        """(labels, probability of each row's own label)."""
        labels = np.asarray(y)
        unknown = ~np.isin(labels, estimator.classes_)
        if unknown.any():
            raise ValueError(f"{name}: expected labels among the estimator's classes {list(estimator.classes_)}, "
                             f"got {labels[unknown][0]!r}")
        probabilities = np.asarray(estimator.predict_proba(X), dtype=np.float64)
        columns = np.searchsorted(estimator.classes_, labels)
        return labels, probabilities[np.arange(probabilities.shape[0]), columns]

    (train_labels, p_members), (test_labels, p_others) = (confidences(X_train, y_train, "y_train"),
                                                          confidences(X_test, y_test, "y_test"))
    if attack == "loss":
        members, others = np.log(np.clip(p_members, 1e-300, 1.0)), np.log(np.clip(p_others, 1e-300, 1.0))
    else:
        members, others = _lira_scores(X_train, train_labels, _logit(p_members), X_test, test_labels,
                                       _logit(p_others), int(n_neighbors))
    return _best_advantage(members, others)


def _logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 − p)), computed as log p − log(1 − p) with both clipped away from 0."""
    return np.asarray(np.log(np.clip(p, 1e-300, 1.0)) - np.log(np.clip(1.0 - p, 1e-300, 1.0)), dtype=np.float64)


def _features(X_train: Any, X_test: Any) -> "tuple[np.ndarray, np.ndarray]":
    """Both sets as float arrays for distances: DataFrames one-hot encoded together
    (same columns), then every column standardized by the reference (test) rows."""
    import pandas as pd

    if isinstance(X_train, pd.DataFrame) or isinstance(X_test, pd.DataFrame):
        both = pd.get_dummies(pd.concat([pd.DataFrame(X_train), pd.DataFrame(X_test)], ignore_index=True),
                              dtype=float)
        values = both.to_numpy(dtype=np.float64)
        train, test = values[:len(X_train)], values[len(X_train):]
    else:
        train, test = np.asarray(X_train, dtype=np.float64), np.asarray(X_test, dtype=np.float64)
    scale = test.std(axis=0)
    scale[scale == 0] = 1.0
    center = test.mean(axis=0)
    return (train - center) / scale, (test - center) / scale


def _lira_scores(X_train: Any, train_labels: np.ndarray, phi_train: np.ndarray, X_test: Any,
                 test_labels: np.ndarray, phi_test: np.ndarray, n_neighbors: int) -> "tuple[np.ndarray, np.ndarray]":
    """Offline-LiRA statistics (φ − μ) / s of members and non-members, μ and s over the
    row's nearest same-label non-members (itself left out)."""
    from sklearn.neighbors import NearestNeighbors  # type: ignore[import-untyped]  # scikit-learn ships no types

    train, test = _features(X_train, X_test)
    members, others = np.empty(len(phi_train)), np.empty(len(phi_test))
    for label in np.unique(np.concatenate([train_labels, test_labels])):
        pool = np.flatnonzero(test_labels == label)
        k = min(n_neighbors, pool.size - 1)
        if k < 2:
            raise ValueError(f"y_test: label {label!r} has {pool.size} non-member rows; the 'lira' attack needs "
                             "at least 3 of every label as reference rows")
        index = NearestNeighbors(n_neighbors=k + 1).fit(test[pool])
        for rows, features, phi, out, leave_one_out in (
                (np.flatnonzero(train_labels == label), train, phi_train, members, False),
                (pool, test, phi_test, others, True)):
            if rows.size == 0:
                continue
            _, neighbours = index.kneighbors(features[rows])
            if leave_one_out:  # drop the row itself (or, with ties, one copy at distance 0)
                own = neighbours == np.arange(rows.size)[:, None]
                keep = np.where(own.any(axis=1)[:, None], ~own, np.arange(k + 1)[None, :] < k)
                neighbours = neighbours[keep].reshape(rows.size, k)
            else:
                neighbours = neighbours[:, :k]
            reference = phi_test[pool[neighbours]]
            spread = np.maximum(reference.std(axis=1, ddof=1), 1e-6)
            out[rows] = (phi[rows] - reference.mean(axis=1)) / spread
    return members, others


def _best_advantage(members: np.ndarray, others: np.ndarray) -> float:
    """max over τ of P(member score ≥ τ) − P(non-member score ≥ τ), at least 0."""
    thresholds = np.unique(np.concatenate([members, others]))
    tpr = 1 - np.searchsorted(np.sort(members), thresholds, side="left") / members.size
    fpr = 1 - np.searchsorted(np.sort(others), thresholds, side="left") / others.size
    return float(max(0.0, (tpr - fpr).max()))
