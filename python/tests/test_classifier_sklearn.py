"""FairRobustClassifier follows scikit-learn's estimator rules: check_estimator, clone,
get_params/set_params, pickling, Pipeline and GridSearchCV."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

import causalfair as cf
from _support import lin_data
from causalfair import FairRobustClassifier


def small(**params):
    base = dict(verbose=False, epochs=5, hidden_layer_sizes=(8,), random_state=0)
    base.update(params)
    return FairRobustClassifier(**base)


def lin_scm():
    return cf.SCM({"x1": ["s"], "x2": ["s", "x1"]}, sensitive="s", random_state=0)


@parametrize_with_checks([small(), small(model="logistic", method="erm", optimizer="newton", epochs=100, weight_decay=1e-3)])
def test_sklearn_check(estimator, check):
    check(estimator)


def test_binary_only_tag():
    tags = small().__sklearn_tags__()
    assert tags.estimator_type == "classifier"
    assert tags.classifier_tags.multi_class is False
    assert tags.input_tags.allow_nan is False


def test_unfitted_even_though_a_parameter_ends_in_underscore():
    # lambda_ is a parameter; it must not make check_is_fitted believe we are fitted
    with pytest.raises(NotFittedError):
        check_is_fitted(small())


def test_get_set_params_and_clone_keep_parameters_untouched():
    scm = lin_scm()
    clf = small(scm=scm, method="capify", lambda_=0.5, hidden_layer_sizes=[4, 4], threshold="mcc")
    params = clf.get_params(deep=False)
    assert params["scm"] is scm and params["hidden_layer_sizes"] == [4, 4]
    assert params["lambda_"] == 0.5 and params["threshold"] == "mcc"
    assert clf.set_params(method="erm", radius=0.2) is clf
    assert (clf.method, clf.radius) == ("erm", 0.2)
    twin = clone(clf)
    assert twin is not clf and twin.get_params(deep=False).keys() == params.keys()
    for name, value in twin.get_params(deep=False).items():
        if name != "scm":
            assert value == clf.get_params(deep=False)[name], name
    assert isinstance(twin.scm, cf.SCM) and twin.scm is not scm
    with pytest.raises(ValueError, match="nonexistent"):
        clf.set_params(nonexistent=1)


def test_clone_of_fitted_estimator_is_unfitted():
    X, y = lin_data(100, 0)
    fitted = small(model="logistic").fit(X.to_numpy(), y)
    with pytest.raises(NotFittedError):
        clone(fitted).predict(X.to_numpy())


def test_refit_forgets_the_previous_fit():
    X, y = lin_data(100, 0)
    clf = small(model="logistic").fit(X, y)
    assert hasattr(clf, "coef_") and list(clf.feature_names_in_) == ["s", "x1", "x2"]
    clf.set_params(model="mlp").fit(X.to_numpy(), y)
    assert not hasattr(clf, "coef_") and not hasattr(clf, "feature_names_in_")


@pytest.mark.parametrize("with_scm", [False, True])
@pytest.mark.parametrize("model", ["logistic", "mlp"])
def test_pickle_round_trip_predicts_identically(with_scm, model):
    X, y = lin_data(200, 0)
    clf = small(model=model, method="causal_at", scm=lin_scm() if with_scm else None,
                threshold="mcc").fit(X, y)
    copy = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(copy.decision_function(X), clf.decision_function(X))
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(copy.predict(X), clf.predict(X))
    assert copy.threshold_ == clf.threshold_
    pd.testing.assert_frame_equal(copy.history_, clf.history_)
    if with_scm:
        pd.testing.assert_frame_equal(copy.scm_.twins(X.head(5)), clf.scm_.twins(X.head(5)))
    # the copy is independent: refitting the original leaves the copy as it was
    before = copy.decision_function(X)
    clf.set_params(random_state=1).fit(X, y)
    np.testing.assert_array_equal(copy.decision_function(X), before)


def test_pickle_of_unfitted_estimator():
    copy = pickle.loads(pickle.dumps(small(scm=lin_scm())))
    with pytest.raises(NotFittedError):
        copy.predict(np.zeros((2, 3)))


def test_inside_pipeline():
    X, y = lin_data(200, 0)
    pipe = Pipeline([("scale", StandardScaler()), ("clf", small(model="logistic", epochs=100))])
    pipe.fit(X.to_numpy(), y)
    assert pipe.predict(X.to_numpy()).shape == (200,)
    assert pipe.predict_proba(X.to_numpy()).shape == (200, 2)
    assert pipe.score(X.to_numpy(), y) > 0.65  # scikit-learn's LogisticRegression: 0.735


def test_inside_grid_search():
    X, y = lin_data(200, 0)
    search = GridSearchCV(small(model="logistic", epochs=20), {"method": ["erm", "causal_at"]}, cv=3)
    search.fit(X.to_numpy(), y)
    assert search.best_params_["method"] in ("erm", "causal_at")
    assert len(search.cv_results_["mean_test_score"]) == 2
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.predict(X.to_numpy()).shape == (200,)


def test_grid_search_with_an_unfitted_scm():
    X, y = lin_data(200, 0)
    scm = lin_scm()
    search = GridSearchCV(small(model="logistic", scm=scm), {"method": ["erm", "causal_at"]}, cv=2)
    search.fit(X, y)
    assert search.best_estimator_.scm_ is not scm
    assert getattr(scm, "_handle", None) is None  # the user's SCM is never fitted in place


def test_clone_shares_a_fitted_scm_and_clones_an_unfitted_one():
    X, _ = lin_data(100, 0)
    fitted = lin_scm().fit(X)
    assert clone(small(scm=fitted)).scm is fitted
    unfitted = lin_scm()
    copy = clone(small(scm=unfitted)).scm
    assert copy is not unfitted and copy.get_params() == unfitted.get_params()


def test_cross_validation_with_a_fitted_scm_on_its_encoded_matrix():
    X, y = lin_data(200, 0)
    scm = lin_scm().fit(X)
    search = GridSearchCV(small(model="logistic", scm=scm), {"method": ["erm", "causal_at"]}, cv=2,
                          error_score="raise")
    search.fit(scm.encode(X).to_numpy(), y, encoded=True)  # arrays are encoded only when said
    assert search.best_estimator_.scm_ is scm


def test_without_an_scm_feature_names_follow_scikit_learn():
    """Issue 14, item 1, without an SCM: fitted on a DataFrame, an array warns as every
    scikit-learn estimator does (and its columns are the same numbers, so predictions
    agree); fitted on an array, arrays are quiet."""
    import warnings

    X, y = lin_data(200, 0)
    named = small(model="logistic").fit(X, y)
    with pytest.warns(UserWarning, match="feature names"):
        from_array = named.predict(X.to_numpy())
    np.testing.assert_array_equal(from_array, named.predict(X))
    plain = small(model="logistic").fit(X.to_numpy(), y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain.predict(X.to_numpy())
