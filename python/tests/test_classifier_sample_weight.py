"""``sample_weight`` in ``FairRobustClassifier.fit``: integer weights equal repeated
rows and zero weights dropped rows (Newton exactly, to 1e-10; Adam when one batch holds
every row), scikit-learn's own equivalence check passes, and fairlearn's reductions,
which fit with weights, work with the classifier."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.utils.estimator_checks import check_sample_weight_equivalence_on_dense_data

from _support import lin_data
from causalfair import FairRobustClassifier


def newton(**params):
    base = dict(model="logistic", method="erm", optimizer="newton", verbose=False, epochs=100, tol=1e-11,
                weight_decay=1e-3, threshold=0.5)
    base.update(params)
    return FairRobustClassifier(**base)


def features(n=400, seed=0):
    data, y = lin_data(n, seed)
    return data.to_numpy(dtype=float), np.asarray(y)


def integer_weights(n, seed=1):
    weights = np.random.default_rng(seed).integers(0, 4, n)
    assert (weights == 0).any() and (weights == 3).any()
    return weights


def test_newton_integer_weights_equal_repeated_rows():
    x, y = features()
    weights = integer_weights(len(y))
    weighted = newton().fit(x, y, sample_weight=weights)
    repeated = newton().fit(np.repeat(x, weights, axis=0), np.repeat(y, weights))
    np.testing.assert_allclose(weighted.mean_, repeated.mean_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(weighted.scale_, repeated.scale_, rtol=0, atol=1e-12)
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(weighted.predict_proba(x), repeated.predict_proba(x), rtol=0, atol=1e-10)
    # The weights matter.
    assert np.abs(newton().fit(x, y).coef_ - weighted.coef_).max() > 1e-3


def test_zero_weights_equal_dropped_rows():
    x, y = features()
    keep = integer_weights(len(y)) > 0
    weighted = newton().fit(x, y, sample_weight=keep.astype(float))
    dropped = newton().fit(x[keep], y[keep])
    np.testing.assert_allclose(weighted.coef_, dropped.coef_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(weighted.intercept_, dropped.intercept_, rtol=0, atol=1e-10)


def test_adam_one_batch_integer_weights_follow_repeated_rows():
    """Adam's minibatch loss is Σ w_r ℓ_r / batch size (weights normalised to mean 1):
    with every row in one batch and no validation split, that is the repeated rows'
    mean loss, so the runs agree up to rounding."""
    x, y = features(200)
    weights = integer_weights(len(y))
    params = dict(model="mlp", hidden_layer_sizes=(4,), method="erm", optimizer="adam", epochs=30,
                  batch_size=1000, validation_fraction=0.0, learning_rate=0.05, random_state=3,
                  threshold=0.5, verbose=False)
    weighted = FairRobustClassifier(**params).fit(x, y, sample_weight=weights)
    repeated = FairRobustClassifier(**params).fit(np.repeat(x, weights, axis=0), np.repeat(y, weights))
    np.testing.assert_allclose(weighted.predict_proba(x), repeated.predict_proba(x), rtol=0, atol=1e-9)
    unweighted = FairRobustClassifier(**params).fit(x, y)
    assert np.abs(unweighted.predict_proba(x) - weighted.predict_proba(x)).max() > 1e-3


def test_scikit_learn_sample_weight_equivalence_check():
    check_sample_weight_equivalence_on_dense_data("FairRobustClassifier", newton(weight_decay=1e-2))


@pytest.mark.parametrize("weights, message", [
    (np.ones(399), "expected 400 weights"),
    (np.r_[-1.0, np.ones(399)], "finite weights >= 0"),
    (np.r_[np.nan, np.ones(399)], "finite weights >= 0"),
    (np.zeros(400), "positive sum"),
])
def test_bad_weights_are_refused(weights, message):
    x, y = features()
    clf = newton()
    with pytest.raises(ValueError, match=message):
        clf.fit(x, y, sample_weight=weights)
    assert not hasattr(clf, "classes_")


def test_weights_whose_sum_overflows_are_their_ratios():
    """[1e308] * n sums beyond the largest float: Python divides by the largest weight
    (the engine would refuse the sum), and the fit is the one of equal weights."""
    x, y = features()
    huge = newton().fit(x, y, sample_weight=np.full(len(y), 1e308))
    ones = newton().fit(x, y, sample_weight=np.ones(len(y)))
    np.testing.assert_array_equal(huge.decision_function(x), ones.decision_function(x))


def test_weights_with_an_scm_and_a_causal_method(lin_dataset, lin_scm):
    """With an SCM (encoding its own) and causal_at: integer weights give the repeated
    rows' Newton-free full-batch run up to rounding."""
    X, y = lin_dataset.X, np.asarray(lin_dataset.y)
    weights = integer_weights(len(y), seed=4)
    params = dict(scm=lin_scm, model="mlp", hidden_layer_sizes=(3,), method="causal_at", epochs=5,
                  batch_size=10_000, validation_fraction=0.0, random_state=0, threshold=0.5, verbose=False)
    weighted = FairRobustClassifier(**params).fit(X, y, sample_weight=weights)
    repeated = FairRobustClassifier(**params).fit(X.loc[X.index.repeat(weights)], np.repeat(y, weights))
    np.testing.assert_allclose(weighted.predict_proba(X), repeated.predict_proba(X), rtol=0, atol=1e-9)


def test_fairlearn_exponentiated_gradient_fits_and_predicts():
    fairlearn = pytest.importorskip("fairlearn")
    from fairlearn.metrics import demographic_parity_difference
    from fairlearn.reductions import DemographicParity, ExponentiatedGradient
    data, y = lin_data(600, 2)
    y = np.asarray(y)
    sensitive = data["s"].to_numpy()
    x = data.drop(columns="s")
    base = newton(weight_decay=1e-2).fit(x, y)
    mitigator = ExponentiatedGradient(newton(weight_decay=1e-2), DemographicParity(), max_iter=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fairlearn's own deprecation warnings
        mitigator.fit(x, y, sensitive_features=sensitive)
    predictions = mitigator.predict(x)
    assert set(np.unique(predictions)) <= {0, 1}
    assert len(mitigator.predictors_) >= 2
    before = demographic_parity_difference(y, base.predict(x), sensitive_features=sensitive)
    after = demographic_parity_difference(y, predictions, sensitive_features=sensitive)
    assert after < before, (before, after, fairlearn.__version__)
