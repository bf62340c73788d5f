"""method="trades" (causal TRADES: BCE + beta · KL(h(x) ‖ h(x′)), x′ the KL's maximiser
over B_Δ(x)) through FairRobustClassifier: beta=0 is erm bit for bit, beta weighs the
KL to the twins, beta is validated and is a scikit-learn parameter like the others.
That trades trains every model, is deterministic and lowers counterfactual
unfairness is checked with the other methods in test_classifier_scm.py."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

import causalfair as cf
from _support import LIN_GRAPH


def trades(scm, **params):
    base = dict(scm=scm, model="logistic", hidden_layer_sizes=(8,), method="trades", epochs=4, random_state=3,
                verbose=False)
    base.update(params)
    return cf.FairRobustClassifier(**base)


def twin_kl(model, scm, X):
    """Mean over rows of the largest Bernoulli KL(h(x) ‖ h(twin)) over the row's twins,
    written from its definition p log(p/q) + (1 − p) log((1 − p)/(1 − q))."""
    p = model.predict_proba(X)[:, 1][:, None]
    q = model.predict_proba(scm.twins(X))[:, 1].reshape(len(X), -1)
    return float(np.mean(np.max(p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q)), axis=1)))


@pytest.mark.parametrize("with_scm", [True, False], ids=["scm", "no_scm"])
@pytest.mark.parametrize("model", ["logistic", "mlp"])
def test_beta_zero_trains_as_erm_bit_for_bit(lin_dataset, lin_scm, model, with_scm):
    # Several epochs with a validation split: the shuffles after the first epoch and
    # the early-stopping record would differ if trades drew from the run's generator.
    X, y = lin_dataset.X, lin_dataset.y
    scm = lin_scm if with_scm else None
    params = dict(model=model, epochs=4, validation_fraction=0.2, radius=0.3)
    erm = trades(scm, method="erm", **params).fit(X, y)
    flat = trades(scm, beta=0.0, **params).fit(X, y)
    np.testing.assert_array_equal(flat.decision_function(X), erm.decision_function(X))
    np.testing.assert_array_equal(flat.history_.to_numpy(), erm.history_.to_numpy())
    assert flat.threshold_ == erm.threshold_
    # and beta > 0 is another objective
    assert not np.array_equal(trades(scm, beta=1.0, **params).fit(X, y).decision_function(X),
                              erm.decision_function(X))


def test_beta_weighs_the_kl_to_the_twins(lin_dataset, lin_scm):
    # The KL term is the only part of the objective that depends on beta: raising it
    # shrinks the divergence between a row's prediction and its twins' (the factual
    # twin's is 0, so the max over twins is the counterfactual one's).
    # Measured here (400 rows, 20 epochs): 0.018, 0.0014, 1.3e-5.
    X, y = lin_dataset.X, lin_dataset.y
    kl = {beta: twin_kl(trades(lin_scm, beta=beta, epochs=20, random_state=0).fit(X, y), lin_scm, X)
          for beta in (0.0, 1.0, 6.0)}
    assert kl[0.0] > 0.01, kl
    assert kl[1.0] < kl[0.0] / 5, kl
    assert kl[6.0] < kl[1.0] / 5, kl


@pytest.mark.parametrize("beta,error", [(-1.0, ValueError), (float("inf"), ValueError), (float("nan"), ValueError),
                                        ("6", TypeError), (True, TypeError)])
def test_beta_is_validated_before_any_work(lin_dataset, beta, error):
    unfitted = cf.SCM(LIN_GRAPH, sensitive="S", random_state=0)
    with pytest.raises(error, match=r"beta: expected a finite number >= 0, got"):
        trades(unfitted, beta=beta).fit(lin_dataset.X, lin_dataset.y)
    assert getattr(unfitted, "_handle", None) is None  # refused before the SCM was fitted


def test_beta_is_a_scikit_learn_parameter(lin_dataset, lin_scm):
    assert cf.FairRobustClassifier().get_params()["beta"] == 6.0
    clf = trades(lin_scm, beta=2.5)
    assert clf.get_params(deep=False)["beta"] == 2.5
    twin = clone(clf)
    assert twin.beta == 2.5 and twin.method == "trades"
    assert clf.set_params(beta=0.5) is clf and clf.beta == 0.5
    fitted = clone(clf).fit(lin_dataset.X, lin_dataset.y)
    again = clone(fitted)
    assert again.beta == 0.5 and not hasattr(again, "coef_")
    np.testing.assert_array_equal(again.fit(lin_dataset.X, lin_dataset.y).decision_function(lin_dataset.X),
                                  fitted.decision_function(lin_dataset.X))
    search = GridSearchCV(trades(lin_scm), {"beta": [0.0, 6.0]}, cv=2).fit(lin_dataset.X, lin_dataset.y)
    assert search.best_params_["beta"] in (0.0, 6.0)
    assert search.best_estimator_.method == "trades"
