"""FairRobustClassifier with a structural causal model, on the LIN SCM of DESIGN §4:
S ~ Bernoulli(0.5); X1 = 2S + U1; X2 = S − X1 + U2; y ~ Bernoulli(σ(X1 + X2)).

Properties: how the SCM is fitted or reused, erm equals unregularised logistic
regression, the fair objectives lower counterfactual unfairness, causal_at at Δ = 0
makes logistic regression twin-invariant, the MCC threshold, determinism, and every
method × model trains."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import causalfair as cf
from _support import lin_data
from causalfair import FairRobustClassifier

METHODS = ["erm", "al", "cal", "llr", "capify", "causal_at", "trades", "ross", "sensei"]


def lin_scm():
    return cf.SCM({"x1": ["s"], "x2": ["s", "x1"]}, sensitive="s", random_state=0)


@pytest.fixture(scope="module")
def data():
    X, y = lin_data(1000, 0)
    X_test, y_test = lin_data(1000, 1)
    return X, y, X_test, y_test, lin_scm().fit(X)


def clf(scm, **params):
    base = dict(scm=scm, model="logistic", hidden_layer_sizes=(16,), epochs=20, random_state=0,
                verbose=False)
    base.update(params)
    return FairRobustClassifier(**base)


def twin_logits(model, scm, X):
    """Logits of every row's twins, shape (rows, twin levels)."""
    return model.decision_function(scm.twins(X)).reshape(len(X), -1)


def counterfactual_unfairness(model, scm, X):
    """Fraction of rows whose prediction is not the same for all of their twins."""
    predictions = model.predict(scm.twins(X)).reshape(len(X), -1)
    return float(np.mean(predictions.min(axis=1) != predictions.max(axis=1)))


# ---------------------------------------------------------------- the SCM parameter
def test_unfitted_scm_is_cloned_and_fitted_and_left_untouched(data):
    X, y, *_ = data
    scm = lin_scm()
    model = clf(scm).fit(X, y)
    assert getattr(scm, "_handle", None) is None, "the user's SCM was fitted in place"
    assert model.scm is scm and model.scm_ is not scm
    assert model.scm_.nodes_ == ["s", "x1", "x2"]
    pd.testing.assert_frame_equal(model.scm_.encode(X), data[4].encode(X))


def test_fitted_scm_is_used_as_is(data):
    X, y, _, _, scm = data
    model = clf(scm).fit(X, y)
    assert model.scm_ is scm


def test_fitted_scm_accepts_a_numpy_encoded_matrix_when_asked(data):
    X, y, X_test, _, scm = data
    model = clf(scm).fit(X, y)
    encoded = scm.encode(X_test)
    for given in (encoded.to_numpy(), encoded, encoded[["x2", "s", "x1"]]):
        np.testing.assert_array_equal(model.decision_function(given, encoded=True),
                                      model.decision_function(X_test))
    # fitted on an encoded array (encoded=True), arrays are encoded afterwards too
    on_codes = clf(scm).fit(scm.encode(X).to_numpy(), y, encoded=True)
    np.testing.assert_array_equal(on_codes.decision_function(encoded.to_numpy()),
                                  on_codes.decision_function(X_test))
    assert not hasattr(on_codes, "feature_names_in_")


def test_an_array_is_never_guessed_to_be_encoded(data):
    """Issue 14, item 1: ``X.to_numpy()`` (user units) was read as encoded codes, silently."""
    X, y, X_test, _, scm = data
    model = clf(scm).fit(X, y)
    for call in (model.predict, model.predict_proba, model.decision_function):
        with pytest.raises(ValueError, match="no column names.*encoded=True"):
            call(X_test.to_numpy())
    with pytest.raises(ValueError, match="encoded=True"):
        clf(scm).fit(X.to_numpy(), y)
    with pytest.raises(ValueError, match="StandardScaler"):
        make_pipeline(StandardScaler(), clf(scm)).fit(X, y)
    with pytest.raises(ValueError, match="not fitted"):
        clf(cf.SCM({"x1": ["s"], "x2": ["s", "x1"]}, sensitive="s")).fit(scm.encode(X), y, encoded=True)
    with pytest.raises(ValueError, match="no SCM"):
        clf(None).fit(X, y, encoded=True)
    with pytest.raises(TypeError, match="encoded"):
        model.predict(X_test, encoded="yes")


def test_dataframe_columns_may_come_in_any_order(data):
    X, y, X_test, _, scm = data
    model = clf(scm).fit(X, y)
    np.testing.assert_array_equal(model.decision_function(X_test[["x2", "s", "x1"]]),
                                  model.decision_function(X_test))
    assert list(model.feature_names_in_) == ["s", "x1", "x2"] and model.n_features_in_ == 3


# ---------------------------------------------------------------- erm = logistic regression
def test_erm_matches_unregularised_logistic_regression(data):
    X, y, _, _, scm = data
    encoded = scm.encode(X).to_numpy()
    reference = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(encoded, y)
    model = clf(scm, method="erm", epochs=300, batch_size=len(X), learning_rate=0.1).fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-3)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, atol=1e-3)
    assert model.coef_.shape == (1, 3) and model.intercept_.shape == (1,)
    # coef_ is the model: the logit is coef · encoded + intercept
    np.testing.assert_allclose(model.decision_function(X),
                               encoded @ model.coef_.ravel() + model.intercept_[0], atol=1e-10)


def test_erm_without_scm_matches_logistic_regression_on_standardized_features(data):
    X, y, *_ = data
    x = X.to_numpy(dtype=float)
    standardized = (x - x.mean(axis=0)) / x.std(axis=0)
    reference = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(standardized, y)
    model = clf(None, method="erm", epochs=300, batch_size=len(X), learning_rate=0.1).fit(x, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-3)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, atol=1e-3)


# ---------------------------------------------------------------- fairness
@pytest.mark.parametrize("model_kind", ["logistic", "mlp"])
@pytest.mark.parametrize("method", ["causal_at", "capify", "trades"])
def test_fair_methods_lower_counterfactual_unfairness(data, model_kind, method):
    X, y, X_test, y_test, scm = data
    erm = clf(scm, model=model_kind, method="erm").fit(X, y)
    fair = clf(scm, model=model_kind, method=method).fit(X, y)
    unfair_erm = counterfactual_unfairness(erm, scm, X_test)
    unfair_fair = counterfactual_unfairness(fair, scm, X_test)
    assert unfair_erm > 0.2  # erm uses S: about a third to a half of rows flip
    assert unfair_fair < unfair_erm / 5, (unfair_fair, unfair_erm)
    assert fair.score(X_test, y_test) > 0.55  # still a classifier


def test_causal_at_at_radius_zero_makes_logistic_regression_twin_invariant(data):
    X, y, X_test, _, scm = data
    erm = clf(scm, method="erm").fit(X, y)
    fair = clf(scm, method="causal_at", radius=0.0).fit(X, y)
    gap_erm = np.ptp(twin_logits(erm, scm, X_test), axis=1).max()
    gap_fair = np.ptp(twin_logits(fair, scm, X_test), axis=1).max()
    assert gap_erm > 0.5
    assert gap_fair < 0.02 * gap_erm, (gap_fair, gap_erm)


def test_twin_penalty_shrinks_twin_logit_gaps(data):
    X, y, X_test, _, scm = data
    plain = clf(scm, method="erm").fit(X, y)
    penalised = clf(scm, method="erm", twin_penalty=5.0).fit(X, y)
    assert (np.ptp(twin_logits(penalised, scm, X_test), axis=1).mean()
            < 0.5 * np.ptp(twin_logits(plain, scm, X_test), axis=1).mean())


# ---------------------------------------------------------------- threshold
def test_mcc_threshold_is_used_by_predict(data):
    X, y, X_test, _, scm = data
    model = clf(scm, method="erm", threshold="mcc").fit(X, y)
    assert 0 < model.threshold_ < 1 and model.threshold_ != 0.5
    p = model.predict_proba(X_test)[:, 1]
    np.testing.assert_array_equal(model.predict(X_test), (p > model.threshold_).astype(int))
    # the MCC threshold is at least as good (by MCC, on the training data) as 0.5
    def mcc(pred, truth):
        tp = np.sum(pred & truth); tn = np.sum(~pred & ~truth)
        fp = np.sum(pred & ~truth); fn = np.sum(~pred & truth)
        return (tp * tn - fp * fn) / np.sqrt(float((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn)))
    p_train = model.predict_proba(X)[:, 1]
    truth = y.astype(bool)
    assert mcc(p_train > model.threshold_, truth) >= mcc(p_train > 0.5, truth) - 1e-12


def test_fixed_threshold_is_used_by_predict(data):
    X, y, X_test, _, scm = data
    model = clf(scm, method="erm", threshold=0.7).fit(X, y)
    assert model.threshold_ == 0.7
    p = model.predict_proba(X_test)[:, 1]
    np.testing.assert_array_equal(model.predict(X_test), (p > 0.7).astype(int))


def test_labels_are_returned_as_given(data):
    X, y, X_test, _, scm = data
    labels = np.where(y == 1, "granted", "denied")
    model = clf(scm, method="erm").fit(X, labels)
    assert list(model.classes_) == ["denied", "granted"]
    p = model.predict_proba(X_test)
    assert p.shape == (len(X_test), 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X_test),
                                  np.where(p[:, 1] > 0.5, "granted", "denied"))


# ---------------------------------------------------------------- determinism
@pytest.mark.parametrize("method", ["erm", "cal", "capify", "causal_at", "trades"])
def test_same_seed_bit_identical_different_seed_different(data, method):
    X, y, X_test, _, scm = data
    runs = [clf(scm, model="mlp", method=method, epochs=3, random_state=seed).fit(X, y)
            for seed in (7, 7, 8)]
    a, b, c = (r.decision_function(X_test) for r in runs)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_array_equal(runs[0].history_.to_numpy(), runs[1].history_.to_numpy())


# ---------------------------------------------------------------- every method × model
@pytest.mark.parametrize("with_scm", [True, False], ids=["scm", "no_scm"])
@pytest.mark.parametrize("model_kind", ["logistic", "mlp"])
@pytest.mark.parametrize("method", METHODS)
def test_every_method_and_model_trains(data, method, model_kind, with_scm):
    X, y, X_test, _, scm = data
    X, y = X.iloc[:300], y[:300]
    model = clf(scm if with_scm else None, model=model_kind, method=method, epochs=3,
                twin_penalty=0.5, hidden_layer_sizes=(8, 8), activation="relu").fit(X, y)
    assert model.n_epochs_ == 3 and model.history_.shape == (3, 2)
    assert np.all(np.isfinite(model.history_["loss"]))
    g = model.decision_function(X_test)
    assert g.shape == (len(X_test),) and np.all(np.isfinite(g))
    assert set(np.unique(model.predict(X_test))) <= {0, 1}
    assert (model.scm_ is scm) == with_scm


# ---------------------------------------------------------------- training options
def test_early_stopping_ends_training_and_records_validation_loss():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    y = (x[:, 0] > 0).astype(int)
    model = FairRobustClassifier(model="mlp", hidden_layer_sizes=(64,), method="erm",
                                 validation_fraction=0.9, patience=2, epochs=50, random_state=0,
                                 verbose=False).fit(x, y)
    assert model.n_epochs_ < 50 and len(model.history_) == model.n_epochs_
    assert np.all(np.isfinite(model.history_["validation_loss"]))
    no_validation = clf(None, method="erm", epochs=4).fit(x, y)
    assert no_validation.n_epochs_ == 4 and no_validation.history_["validation_loss"].isna().all()


def test_zero_epochs_leaves_the_initial_model(data):
    X, y, *_ = data
    model = clf(None, epochs=0).fit(X.to_numpy(), y)
    assert model.n_epochs_ == 0 and model.history_.shape == (0, 2)
    assert model.predict(X.to_numpy()).shape == (len(X),)


def _expression_data(n=800):
    rng = np.random.default_rng(0)
    s = rng.integers(0, 2, n)
    a = rng.normal(size=n)
    x = np.tanh(2 * a) * (1 + s) + 0.3 * rng.normal(size=n)
    y = (x + 0.5 * a + 0.3 * rng.normal(size=n) > 0.3).astype(int)
    return pd.DataFrame({"S": s, "A": a, "X": x}), y


@pytest.mark.parametrize("expression, affine", [("tanh(2*A) * (1 + S)", False), ("2*A - S", True)])
def test_causal_at_closed_form_only_for_affine_expression_scms(expression, affine):
    """exact="auto" takes causal_at's closed form only when φ⁻¹ is affine. A non-linear
    expression mechanism (X := tanh(2A)(1 + S) + U) once counted as linear, and the
    closed form ran on a secant Jacobian: "auto" then differed from the search
    (exact=False). An affine expression (X := 2A − S + U) keeps the closed form."""
    X, y = _expression_data()
    scm = cf.SCM({"S": [], "A": [], "X": ["S", "A"]}, sensitive="S", kinds={"S": "binary"},
                 mechanism={"X": cf.ExpressionMechanism(expression)}, standardize=False, random_state=0).fit(X)

    def logits(exact):
        clf = FairRobustClassifier(scm=scm, model="logistic", method="causal_at", epochs=3, random_state=0,
                                   exact=exact)
        return clf.fit(X, y).decision_function(X)

    auto = logits("auto")
    assert np.array_equal(auto, logits(False)) is not affine
