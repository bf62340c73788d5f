"""method="ross" (Ross, Lakkaraju & Bastani 2021) and method="sensei" (SenSeI,
Yurochkin & Sun 2021) through the engine: ross's loss and gradient on one batch against
its closed form for logistic regression, sensei's invariance term against erm, and both
as scikit-learn parameters. That they train every model and are deterministic is
checked with the other methods in test_classifier_scm.py."""

import numpy as np
import pytest

import causalfair as cf
from causalfair import _models


def one_step(method, theta, x, y, scm, **settings):
    """The engine's loss at θ on the batch (x, y) and its gradient: one SGD step of rate
    1 (θ₁ = θ − ∇L); the epoch's training loss is L(θ)."""
    handle = _models.new_model((x.shape[1], 1), "tanh", 0)
    _models.set_parameters(handle, theta)
    base = dict(method=method, optimizer="sgd", epochs=1, batch_size=len(x), patience=5, steps=10, n_samples=10,
                exact="auto", learning_rate=1.0, weight_decay=0.0, validation_fraction=0.0, radius=0.05,
                epsilon=0.05, step_size=0.0, inner_learning_rate=0.1, lambda_=1.0, mu=1.0, nu=1.0,
                twin_penalty=0.0, tol=1e-8, beta=6.0)
    base.update(settings)
    history, _, _ = _models.train(handle, scm._handle, np.ascontiguousarray(x), np.ascontiguousarray(y), base, 0, None)
    return history[0, 0], theta - _models.parameters(handle)


def softplus(z):
    return np.logaddexp(0, z)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.mark.parametrize("epsilon, lam, actionable", [(0.75, 1.0, None), (0.3, 2.5, None), (0.75, 1.0, ["X2"])])
def test_ross_matches_its_closed_form_for_logistic_regression(lin_dataset, lin_scm, epsilon, lam, actionable):
    # g(x) = wᵀx + b, so ∇ₓg = w: every row steps by δ = ε·m⊙w/‖m⊙w‖ (m: the
    # actionable columns — by default the perturbable ones, all but S), g(x + δ) =
    # g(x) + ε‖m⊙w‖, and with δ held fixed
    # ∂L/∂(w, b) = mean((σ(g) − y)(x, 1)) + λ·mean((σ(g + ε‖m⊙w‖) − 1)(x + δ, 1)).
    x = np.ascontiguousarray(lin_scm.encode(lin_dataset.X).to_numpy()[:50])
    y = lin_dataset.y.to_numpy()[:50].astype(float)
    columns = list(lin_scm.encode(lin_dataset.X.head(1)).columns)
    mask = np.array([c != "S" if actionable is None else c in actionable for c in columns], dtype=float)
    settings = {} if actionable is None else {"actionable_columns": [columns.index(c) for c in actionable]}
    theta = np.array([0.4, -0.7, 0.9, 0.2])
    w, b = theta[:3], theta[3]
    delta = epsilon * mask * w / np.linalg.norm(mask * w)
    g = x @ w + b
    moved = g + delta @ w
    loss = np.mean(softplus(g) - y * g) + lam * np.mean(softplus(-moved))
    gradient_w = ((sigmoid(g) - y) @ x + lam * (sigmoid(moved) - 1) @ (x + delta)) / len(x)
    gradient_b = np.mean(sigmoid(g) - y) + lam * np.mean(sigmoid(moved) - 1)
    engine_loss, engine_gradient = one_step("ross", theta, x, y, lin_scm, epsilon=epsilon, lambda_=lam, **settings)
    assert engine_loss == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(engine_gradient, np.append(gradient_w, gradient_b), rtol=1e-10, atol=1e-14)


def test_ross_lambda_zero_is_erm(lin_dataset, lin_scm):
    x = np.ascontiguousarray(lin_scm.encode(lin_dataset.X).to_numpy()[:50])
    y = lin_dataset.y.to_numpy()[:50].astype(float)
    theta = np.array([0.4, -0.7, 0.9, 0.2])
    ross = one_step("ross", theta, x, y, lin_scm, lambda_=0.0)
    erm = one_step("erm", theta, x, y, lin_scm)
    assert ross[0] == pytest.approx(erm[0], rel=1e-14)
    np.testing.assert_allclose(ross[1], erm[1], rtol=1e-12, atol=1e-15)


def test_sensei_shrinks_the_twin_logit_gap(lin_dataset, lin_scm):
    X, y = lin_dataset.X, lin_dataset.y
    twins = lin_scm.twins(X)

    def gap(method, **params):
        clf = cf.FairRobustClassifier(scm=lin_scm, model="mlp", hidden_layer_sizes=(16,), method=method, epochs=15,
                                      random_state=0, verbose=False, **params).fit(X, y)
        logit = clf.decision_function(twins).reshape(len(X), -1)
        return float(np.mean(np.abs(logit[:, 0] - logit[:, 1])))

    erm, sensei = gap("erm"), gap("sensei", lambda_=5.0, mu=1.0, inner_learning_rate=0.05)
    assert sensei < 0.8 * erm, (erm, sensei)


@pytest.mark.parametrize("method", ["ross", "sensei"])
def test_weights_change_the_model_and_negative_weights_are_refused(lin_dataset, lin_scm, method):
    X, y = lin_dataset.X, lin_dataset.y
    make = lambda **p: cf.FairRobustClassifier(scm=lin_scm, model="logistic", method=method, epochs=3,
                                               random_state=1, verbose=False, **p)
    a, b = make(lambda_=0.5).fit(X, y), make(lambda_=3.0).fit(X, y)
    assert not np.array_equal(a.decision_function(X), b.decision_function(X))
    with pytest.raises(ValueError, match="lambda"):
        make(lambda_=-1.0).fit(X, y)


def test_actionable_names_nodes_of_the_scm_a_person_can_act_on(lin_dataset, lin_scm):
    """``actionable`` maps node names to their encoded columns: naming every perturbable
    node is the default, bit for bit; a subset trains another ross model; a sensitive or
    unknown node, or no SCM, is refused before training."""
    X, y = lin_dataset.X, lin_dataset.y

    def fit(**params):
        return cf.FairRobustClassifier(scm=lin_scm, model="logistic", method="ross", epsilon=0.5, epochs=2,
                                       random_state=0, **params).fit(X, y)

    default = _models.parameters(fit()._handle)
    assert np.array_equal(_models.parameters(fit(actionable=["X1", "X2"])._handle), default)
    assert not np.array_equal(_models.parameters(fit(actionable="X2")._handle), default)
    with pytest.raises(ValueError, match="actionable: 'S' is not perturbable"):
        fit(actionable=["S"])
    with pytest.raises(ValueError, match="actionable: 'nope' is not a node"):
        fit(actionable=["nope"])
    with pytest.raises(ValueError, match="actionable: names nodes of the SCM"):
        cf.FairRobustClassifier(method="ross", actionable=["X2"]).fit(X.to_numpy(), y)


def test_the_data_sets_name_the_reference_codes_actionable_nodes():
    assert cf.datasets.make_lin(50, random_state=0).actionable == ("X1", "X2")
    assert cf.datasets.make_imf(50, random_state=0).actionable == ("X1", "X2")
    assert cf.datasets.make_loan(50, random_state=0).actionable == ("E", "I", "S")
    with pytest.raises(ValueError, match="actionable"):
        ds = cf.datasets.make_lin(50, random_state=0)
        cf.datasets.Dataset(X=ds.X, y=ds.y, graph=ds.graph, sensitive=ds.sensitive, kinds=ds.kinds, actionable=("S",))
