"""DP-SGD from Python: the accountant (``causalfair.privacy``, on ``dp-accounting``)
and ``FairRobustClassifier(privacy=...)``: calibrated ε within the target, the
reported ε a fresh accountant's, parameter checks, determinism."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import causalfair as cf
from causalfair import privacy

dp_accounting = pytest.importorskip("dp_accounting", reason="privacy needs dp-accounting (pip install dp-accounting)")

#: 400 rows, batch 100, 3 epochs: q = 0.25, 12 steps.
SETTINGS = dict(model="logistic", method="erm", epochs=3, batch_size=100, learning_rate=0.05, random_state=0,
                verbose=False)


def fresh_epsilon(sigma: float, q: float, steps: int, delta: float) -> float:
    """ε of the run by a new dp-accounting RDP accountant, composed step by step."""
    accountant = dp_accounting.rdp.RdpAccountant(orders=privacy._ORDERS)
    event = dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma))
    for _ in range(steps):
        accountant.compose(event)
    return accountant.get_epsilon(delta)


@pytest.mark.parametrize("target, q, steps", [(1.0, 0.25, 12), (3.0, 0.01, 500), (8.0, 0.1, 100)])
def test_calibrated_sigma_meets_the_target_tightly(target, q, steps):
    sigma = privacy.calibrate_noise_multiplier(target, 1e-5, q, steps)
    epsilon = privacy.dp_sgd_epsilon(sigma, q, steps, 1e-5)
    assert epsilon <= target
    # Tight: 1% less noise would overspend.
    assert privacy.dp_sgd_epsilon(0.99 * sigma, q, steps, 1e-5) > target


def test_accountant_edge_cases():
    assert privacy.dp_sgd_epsilon(1.0, 0.1, 0, 1e-5) == 0.0
    assert privacy.dp_sgd_epsilon(0.0, 0.1, 10, 1e-5) == math.inf
    assert privacy.calibrate_noise_multiplier(1.0, 1e-5, 0.1, 0) == 0.0
    assert privacy.dp_sgd_steps(400, 100, 3) == (0.25, 12)
    assert privacy.dp_sgd_steps(401, 100, 2) == (100 / 401, 10)
    assert privacy.dp_sgd_steps(50, 100, 2) == (1.0, 2)


def test_fit_reports_a_fresh_accountants_epsilon_within_target(lin_dataset):
    clf = cf.FairRobustClassifier(privacy=dict(target_epsilon=2.0, delta=1e-4, max_grad_norm=0.5),
                                  **SETTINGS).fit(lin_dataset.X, lin_dataset.y)
    assert clf.delta_ == 1e-4
    assert clf.epsilon_ <= 2.0
    assert clf.epsilon_ == pytest.approx(fresh_epsilon(clf.noise_multiplier_, 0.25, 12, 1e-4), rel=1e-12)
    assert clf.noise_multiplier_ > 0
    assert clf.history_["loss"].isna().all() and len(clf.history_) == 3
    # A logistic model trained privately still beats chance on LIN.
    assert clf.score(lin_dataset.X, lin_dataset.y) > 0.6


def test_sample_weight_is_refused_with_privacy_before_any_work(lin_dataset):
    """Per-example clipping would undo the weights: refused, and nothing is fitted."""
    clf = cf.FairRobustClassifier(privacy=dict(target_epsilon=2.0), **SETTINGS)
    with pytest.raises(ValueError, match="sample_weight: expected None with privacy"):
        clf.fit(lin_dataset.X, lin_dataset.y, sample_weight=np.ones(len(lin_dataset.y)))
    assert not hasattr(clf, "epsilon_") and not hasattr(clf, "scm_")


def test_higher_target_gives_less_noise(lin_dataset):
    sigmas = [cf.FairRobustClassifier(privacy=dict(target_epsilon=eps), **SETTINGS)
              .fit(lin_dataset.X, lin_dataset.y).noise_multiplier_ for eps in (1.0, 4.0)]
    assert sigmas[0] > sigmas[1] > 0


def test_default_delta_and_determinism(lin_dataset, lin_scm):
    make = lambda seed: cf.FairRobustClassifier(scm=lin_scm, model="mlp", hidden_layer_sizes=(8,), method="causal_at",
                                                steps=2, epochs=2, batch_size=100, random_state=seed, verbose=False,
                                                privacy=dict(target_epsilon=3.0))
    first = make(1).fit(lin_dataset.X, lin_dataset.y)
    second = make(1).fit(lin_dataset.X, lin_dataset.y)
    other = make(2).fit(lin_dataset.X, lin_dataset.y)
    assert first.delta_ == pytest.approx(1 / 4000)
    x = lin_dataset.X
    assert np.array_equal(first.decision_function(x), second.decision_function(x))
    assert not np.array_equal(first.decision_function(x), other.decision_function(x))
    assert first.epsilon_ <= 3.0


def test_privacy_parameters_are_checked(lin_dataset):
    def fit(**kwargs):
        return cf.FairRobustClassifier(**{**SETTINGS, **kwargs}).fit(lin_dataset.X, lin_dataset.y)

    with pytest.raises(TypeError, match="privacy: expected None or a dict"):
        fit(privacy=1.0)
    with pytest.raises(ValueError, match="privacy: missing key 'target_epsilon'"):
        fit(privacy=dict(delta=1e-5))
    with pytest.raises(ValueError, match="privacy: unknown key 'epsilon'"):
        fit(privacy=dict(target_epsilon=1.0, epsilon=2))
    with pytest.raises(ValueError, match=r"privacy\['target_epsilon'\]: expected a finite number > 0"):
        fit(privacy=dict(target_epsilon=0.0))
    with pytest.raises(ValueError, match=r"privacy\['delta'\]"):
        fit(privacy=dict(target_epsilon=1.0, delta=1.0))
    with pytest.raises(ValueError, match=r"privacy\['max_grad_norm'\]"):
        fit(privacy=dict(target_epsilon=1.0, max_grad_norm=-1.0))
    with pytest.raises(TypeError, match=r"privacy\['max_grad_norm'\]"):
        fit(privacy=dict(target_epsilon=1.0, max_grad_norm="1"))
    for refused, what in [(dict(optimizer="newton"), "optimizer"), (dict(validation_fraction=0.2), "validation"),
                          (dict(threshold="mcc"), "threshold")]:
        with pytest.raises(ValueError, match=f"privacy: .*{what}"):
            fit(privacy=dict(target_epsilon=1.0), **refused)


def test_privacy_is_a_plain_parameter(lin_dataset):
    from sklearn.base import clone
    clf = cf.FairRobustClassifier(privacy=dict(target_epsilon=1.0), **SETTINGS)
    assert clone(clf).get_params()["privacy"] == dict(target_epsilon=1.0)
    plain = cf.FairRobustClassifier(**SETTINGS).fit(lin_dataset.X, lin_dataset.y)
    assert not hasattr(plain, "epsilon_") and not hasattr(plain, "noise_multiplier_")


class _FixedProbabilities:
    """A fitted classifier double whose P(class 1) of row i is ``X[i, 0]``."""
    classes_ = np.array([0, 1])

    def predict_proba(self, X):
        p = np.asarray(X, dtype=float)[:, 0]
        return np.column_stack([1 - p, p])


def test_membership_advantage_closed_forms():
    model = _FixedProbabilities()
    ones = np.ones(4, dtype=int)
    # Members all fitted confidently, non-members not: a threshold separates them.
    assert privacy.membership_advantage(model, [[0.99]] * 4, ones, [[0.6]] * 4, ones) == 1.0
    # The same rows on both sides: no threshold tells them apart.
    rows = [[0.9], [0.7], [0.6], [0.55]]
    assert privacy.membership_advantage(model, rows, ones, rows, ones) == 0.0
    # Half the members below every non-member's loss: TPR 1/2 at FPR 0.
    assert privacy.membership_advantage(model, [[0.99], [0.99], [0.5], [0.5]], ones,
                                        [[0.7]] * 4, ones) == 0.5
    # A label the model does not have is refused, naming the argument (0.5 was read as class 1).
    with pytest.raises(ValueError, match="y_test: expected labels among"):
        privacy.membership_advantage(model, [[0.9]] * 4, ones, [[0.9]] * 4, np.full(4, 0.5))


def overfit_problem(seed):
    """60 training and 2,000 held-out rows of 30 features with one informative one and
    label noise: an MLP run long enough memorises the training rows."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2060, 30))
    y = ((X[:, 0] + rng.normal(scale=1.5, size=2060)) > 0).astype(int)
    return X[:60], y[:60], X[60:], y[60:]


@pytest.fixture(scope="module")
def overfit_models():
    """Setup: MLP (64, 64), Adam lr 0.01, batch 10, 150 epochs (900 steps) on 60 rows;
    the model trained without DP and at ε = 1 (δ = 1e-3, C = 1)."""
    X, y, X_out, y_out = overfit_problem(0)
    settings = dict(model="mlp", hidden_layer_sizes=(64, 64), method="erm", epochs=150, batch_size=10,
                    learning_rate=0.01, random_state=0, verbose=False)
    plain = cf.FairRobustClassifier(**settings).fit(X, y)
    private = cf.FairRobustClassifier(privacy=dict(target_epsilon=1.0, delta=1e-3), **settings).fit(X, y)
    return (X, y, X_out, y_out), plain, private


@pytest.mark.parametrize("attack", ["loss", "lira"])
def test_membership_advantage_is_lower_at_epsilon_one(overfit_models, attack):
    """Both attacks' advantage on the non-private model against the same model trained
    at ε = 1; the DP advantage is also below the DP bound for ε = 1."""
    (X, y, X_out, y_out), plain, private = overfit_models
    exposed = privacy.membership_advantage(plain, X, y, X_out, y_out, attack=attack)
    protected = privacy.membership_advantage(private, X, y, X_out, y_out, attack=attack)
    assert plain.score(X, y) == 1.0  # memorised
    assert exposed > 0.5
    assert protected < exposed - 0.2
    assert protected <= (math.e - 1 + 2e-3) / (math.e + 1)


def lira_by_loops(model, X, y, X_out, y_out, k):
    """Offline LiRA written out row by row: standardize by the non-members, for every
    row the k nearest same-label non-members other than itself (brute-force distances),
    z = (φ − mean) / std of their φ, then the best TPR − FPR over thresholds on z."""
    scale = X_out.std(axis=0)  # distances do not depend on the centre
    phi = lambda A, b: np.array([math.log(p[c] / (1 - p[c])) for p, c in zip(model.predict_proba(A), b)])  # noqa: E731
    phi_out = phi(X_out, y_out)

    def z(row, label, value, own):
        candidates = [j for j in range(len(X_out)) if y_out[j] == label and j != own]
        distances = [np.linalg.norm((row - X_out[j]) / scale) for j in candidates]
        nearest = [candidates[i] for i in np.argsort(distances, kind="stable")[:k]]
        return (value - phi_out[nearest].mean()) / phi_out[nearest].std(ddof=1)

    members = [z(X[i], y[i], v, None) for i, v in enumerate(phi(X, y))]
    others = [z(X_out[i], y_out[i], v, i) for i, v in enumerate(phi_out)]
    best = 0.0
    for t in sorted(set(members) | set(others)):
        best = max(best, np.mean(np.array(members) >= t) - np.mean(np.array(others) >= t))
    return best


def test_lira_equals_a_row_by_row_reference(overfit_models):
    (X, y, X_out, y_out), plain, _ = overfit_models
    X_out, y_out = X_out[:150], y_out[:150]
    expected = lira_by_loops(plain, X, y, X_out, y_out, 10)
    assert privacy.membership_advantage(plain, X, y, X_out, y_out, attack="lira", n_neighbors=10) == \
        pytest.approx(expected, abs=1e-12)
    assert expected > 0.3


def test_lira_on_dataframes_and_its_argument_checks(lin_dataset):
    X, y = lin_dataset.X, lin_dataset.y
    clf = cf.FairRobustClassifier(**SETTINGS).fit(X[:200], y[:200])
    advantage = privacy.membership_advantage(clf, X[:200], y[:200], X[200:], y[200:], attack="lira")
    assert 0.0 <= advantage < 0.3  # 3 epochs of logistic regression hardly memorise
    with pytest.raises(ValueError, match="attack: expected 'loss' or 'lira'"):
        privacy.membership_advantage(clf, X, y, X, y, attack="shadow")
    for bad in (1, 2.5, True):
        with pytest.raises(ValueError, match="n_neighbors: expected an integer >= 2"):
            privacy.membership_advantage(clf, X, y, X, y, attack="lira", n_neighbors=bad)
    labels = np.asarray(y)
    two = np.concatenate([np.flatnonzero(labels == 0)[:2], np.flatnonzero(labels == 1)[:20]])
    with pytest.raises(ValueError, match="has 2 non-member rows"):
        privacy.membership_advantage(clf, X[:50], y[:50], X.iloc[two], labels[two], attack="lira")


def test_sensei_is_refused_with_privacy():
    """sensei fits its fair metric on every training row without noise; DP-SGD's
    per-example bound would not hold, so the pair is refused before training."""
    X = pd.DataFrame({"s": [0, 1] * 50, "x": np.linspace(-1, 1, 100)})
    y = (X["x"] > 0).astype(int)
    scm = cf.SCM([("s", "x")], sensitive="s", mechanism="mlp", random_state=0)
    with pytest.raises(ValueError, match="sensei"):
        cf.FairRobustClassifier(scm=scm, method="sensei", threshold=0.5, privacy=dict(target_epsilon=3.0),
                                random_state=0).fit(X, y)
