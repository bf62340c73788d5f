"""optimizer="newton": full-batch Newton for logistic regression under erm. It reaches
scikit-learn's exact solutions (same objective), refuses the settings it cannot honour,
and warns when it stops short."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

import causalfair as cf
from _support import lin_data
from causalfair import FairRobustClassifier

DATA = os.environ.get("CAUSALFAIR_DATA")
needs_data = pytest.mark.skipif(
    not DATA or not Path(DATA, "adult.data").is_file(),
    reason="CAUSALFAIR_DATA does not point at the shared data folder")


def newton(**params):
    base = dict(model="logistic", method="erm", optimizer="newton", verbose=False, epochs=100, tol=1e-10)
    base.update(params)
    return FairRobustClassifier(**base)


def standardized(clf, x):
    return (np.asarray(x, dtype=float) - clf.mean_) / clf.scale_


def adult_like(n=5000, seed=0):
    """Six features like Adult's (binary, skewed and integer columns), labels from a
    logistic model: not separable."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.integers(0, 2, n), rng.normal(38, 13, n), rng.integers(0, 2, n),
                         rng.integers(0, 2, n), rng.integers(1, 17, n), rng.gamma(9, 4.5, n)])
    logit = -8 + 0.8 * x[:, 0] + 0.03 * x[:, 1] + 0.4 * x[:, 2] + 2 * x[:, 3] + 0.3 * x[:, 4] + 0.03 * x[:, 5]
    return x, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)


def sklearn_unpenalised(z, y):
    return LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12, max_iter=100).fit(z, y)


def test_unpenalised_matches_sklearn_on_adult_like_data():
    x, y = adult_like()
    clf = newton().fit(x, y)
    reference = sklearn_unpenalised(standardized(clf, x), y)
    np.testing.assert_allclose(clf.coef_, reference.coef_, atol=1e-6)
    np.testing.assert_allclose(clf.intercept_, reference.intercept_, atol=1e-6)
    assert clf.n_epochs_ <= 10 and len(clf.history_) == clf.n_epochs_
    assert np.all(np.diff(clf.history_["loss"]) <= 1e-12) and clf.history_["validation_loss"].isna().all()


@pytest.mark.parametrize("weight_decay", [1e-4, 1e-2, 1.0])
def test_weight_decay_matches_sklearn_with_the_intercept_penalised_alike(weight_decay):
    # The engine's weight decay penalises every parameter, the intercept included:
    # scikit-learn's problem with a column of ones instead of an intercept, C = 1 / (λ n).
    x, y = adult_like(3000, seed=1)
    clf = newton(weight_decay=weight_decay).fit(x, y)
    z = standardized(clf, x)
    reference = LogisticRegression(C=1 / (weight_decay * len(y)), fit_intercept=False, solver="newton-cholesky",
                                   tol=1e-12, max_iter=100).fit(np.column_stack([z, np.ones(len(y))]), y)
    np.testing.assert_allclose(np.r_[clf.coef_.ravel(), clf.intercept_], reference.coef_.ravel(), atol=1e-6)


@needs_data
def test_matches_sklearn_on_adult_and_beats_adam():
    ds = cf.datasets.load_adult(data_home=DATA)
    X_tr, _, y_tr, _ = ds.train_test_split(test_size=0.2, random_state=0)
    x, y = X_tr.to_numpy(dtype=float), y_tr.to_numpy()
    clf = newton().fit(x, y)
    reference = sklearn_unpenalised(standardized(clf, x), y)
    np.testing.assert_allclose(clf.coef_, reference.coef_, atol=1e-6)
    np.testing.assert_allclose(clf.intercept_, reference.intercept_, atol=1e-6)
    adam = FairRobustClassifier(model="logistic", method="erm", verbose=False, random_state=0).fit(x, y)

    def bce(model):
        g = model.decision_function(x)
        return np.mean(np.logaddexp(0, g) - (y == model.classes_[1]) * g)

    assert bce(clf) <= bce(adam)


def test_default_optimizer_is_still_adam():
    assert FairRobustClassifier().optimizer == "adam"
    x, y = adult_like(500)
    adam = FairRobustClassifier(model="logistic", method="erm", epochs=2, verbose=False, random_state=0).fit(x, y)
    assert adam.n_epochs_ == 2


def test_result_does_not_depend_on_the_seed_or_minibatch_settings():
    x, y = adult_like(800)
    a = newton(random_state=0).fit(x, y)
    b = newton(random_state=5, batch_size=7, learning_rate=3.0).fit(x, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)


def test_separable_data_warns_and_stays_finite():
    x = np.r_[np.linspace(-3, -0.5, 50), np.linspace(0.5, 3, 50)].reshape(-1, 1)
    y = (x[:, 0] > 0).astype(int)
    with pytest.warns(ConvergenceWarning, match="weight_decay"):
        clf = newton(epochs=3).fit(x, y)
    assert np.all(np.isfinite(clf.coef_)) and clf.coef_[0, 0] > 0
    assert np.array_equal(clf.predict(x), y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        regularised = newton(weight_decay=1e-3).fit(x, y)
    assert np.all(np.isfinite(regularised.coef_))


def test_constant_feature_gets_zero_weight():
    x, y = adult_like(1000)
    with_constant = np.column_stack([x, np.full(len(y), 7.0)])
    clf = newton().fit(with_constant, y)
    reference = newton().fit(x, y)
    assert clf.coef_[0, -1] == 0
    np.testing.assert_allclose(clf.coef_[0, :-1], reference.coef_[0], atol=1e-9)


@pytest.mark.parametrize("params, needs", [
    (dict(model="mlp"), "model='logistic'"),
    (dict(method="causal_at"), "method='erm'"),
    (dict(method="al"), "method='erm'"),
    (dict(twin_penalty=0.1), "twin_penalty=0"),
    (dict(validation_fraction=0.2), "validation_fraction=0"),
])
def test_invalid_combinations_raise_before_any_work(params, needs):
    x, y = adult_like(200)
    with pytest.raises(ValueError, match=f"optimizer='newton'.*{needs}"):
        newton(**params).fit(x, y)


@pytest.mark.parametrize("tol, error", [(-1.0, ValueError), (np.nan, ValueError), ("small", TypeError)])
def test_bad_tol_raises(tol, error):
    x, y = adult_like(200)
    with pytest.raises(error, match="tol"):
        newton(tol=tol).fit(x, y)


def test_one_class_raises():
    x, _ = adult_like(100)
    with pytest.raises(ValueError, match="2 classes"):
        newton().fit(x, np.ones(100))


def test_too_many_features_raise_before_any_work():
    """Newton factorises a (d + 1)^2 Hessian each step; beyond 2,048 features it is
    refused (in Python, and again by the engine) instead of allocating gigabytes."""
    rng = np.random.default_rng(0)
    y = np.arange(20) % 2
    with pytest.raises(ValueError, match="at most 2048 features"):
        newton().fit(rng.normal(size=(20, 2049)), y)
    with pytest.warns(ConvergenceWarning):  # one step only: the limit is accepted (a step takes ~2 s)
        assert newton(weight_decay=1.0, epochs=1).fit(rng.normal(size=(20, 2048)), y).coef_.shape == (1, 2048)


def test_newton_with_an_scm_matches_newton_on_its_encoding():
    # erm does not use the SCM: only its encoding of X (the same standardization).
    X, y = lin_data(400, 0)
    scm = cf.SCM({"x1": ["s"], "x2": ["s", "x1"]}, sensitive="s", random_state=0).fit(X)
    with_scm = newton(scm=scm).fit(X, y)
    encoded = scm.encode(X).to_numpy()
    z = (encoded - encoded.mean(axis=0)) / encoded.std(axis=0)
    reference = sklearn_unpenalised(z, y)
    # Logits agree, whatever scaling each side applied to the encoded columns.
    np.testing.assert_allclose(with_scm.decision_function(X), reference.decision_function(z), atol=1e-6)
