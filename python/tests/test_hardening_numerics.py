"""Hardening (issue 6): numerical safety.

Extreme logits (features in units of 10⁶ with an unstandardized SCM, or inputs near
the largest double), perfectly separable data, constant features, and a mechanism
with zero residual variance (X2 = X1 exactly): no NaN anywhere in the outputs —
probabilities finite and in [0, 1], parameters, histories and audits finite. Where a
result cannot be computed (collinear parents, NaN input) the error is a clear Python
exception.
"""

import warnings

import numpy as np
import pandas as pd
import pytest

import causalfair as cf
from causalfair import _models
from causalfair.classifier import _probability
from _support import LIN_GRAPH


def _assert_probabilities(p):
    assert p.ndim == 2 and p.shape[1] == 2
    assert np.isfinite(p).all(), "predict_proba returned NaN or inf"
    assert ((p >= 0) & (p <= 1)).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def _assert_no_nan_audit(report):
    frame = report.to_frame()
    indicators = list(report.indicators)
    values = frame.loc[indicators, ["value", "ci_low", "ci_high"]].astype(float)
    assert np.isfinite(values.to_numpy()).all(), frame
    for ind in report.indicators.values():
        numeric = ind.witnesses.drop(columns="twin").select_dtypes("number")
        assert np.isfinite(numeric.to_numpy(dtype=float)).all(), ind.name


def _assert_fitted_finite(clf):
    assert np.isfinite(_models.parameters(clf._handle)).all(), "model parameters are not finite"
    assert np.isfinite(clf.history_["loss"].to_numpy()).all(), "training loss is not finite"
    assert np.isfinite(clf.threshold_) and 0 < clf.threshold_ < 1


@pytest.fixture(scope="module")
def lin(lin_dataset):
    return lin_dataset.X, lin_dataset.y


# --------------------------------------------------------------- extreme logits


@pytest.fixture(scope="module")
def huge(lin):
    """LIN in units of 10⁶ (X1 = 2·10⁶ S + 10⁶ U1, ...), SCM not standardized: the
    classifier sees raw inputs of order 10⁶, so its logits are of order 10⁶ too."""
    X, y = lin
    Xh = X.copy()
    Xh[["X1", "X2"]] *= 1e6
    scm = cf.SCM(LIN_GRAPH, sensitive="S", standardize=False, random_state=0).fit(Xh)
    return Xh, y, scm


def test_an_unstandardized_scm_fits_parents_of_very_different_scales(huge):
    """X2's parents are S (0/1) and X1 (~10⁶): a well-posed least-squares problem
    whose Gram matrix is badly scaled, not singular (it used to be refused as
    "singular" by a tolerance relative to the largest diagonal entry)."""
    Xh, _, scm = huge
    u = scm.abduct(Xh)
    assert np.isfinite(u.to_numpy()).all()
    cf1 = scm.counterfactual(Xh.head(50), do={"S": 1}, encoded=True)
    cf0 = scm.counterfactual(Xh.head(50), do={"S": 0}, encoded=True)
    shift = (cf1["X1"] - cf0["X1"]).to_numpy()
    np.testing.assert_allclose(shift, 2e6, rtol=0.2)  # X1 = 2·10⁶ S + noise
    assert np.isfinite(scm.perturbation_ball(Xh.head(5), 0.05, 5, random_state=0, encoded=True).to_numpy()).all()


@pytest.mark.parametrize("model,method", [("logistic", "erm"), ("logistic", "causal_at"), ("logistic", "al"),
                                          ("mlp", "erm"), ("mlp", "causal_at"), ("mlp", "capify")])
def test_extreme_logits_give_finite_probabilities_and_audits(huge, model, method):
    Xh, y, scm = huge
    clf = cf.FairRobustClassifier(scm=scm, model=model, hidden_layer_sizes=(8,), method=method, epochs=3, steps=3,
                                  random_state=0, verbose=False).fit(Xh, y)
    _assert_fitted_finite(clf)
    logits = clf.decision_function(Xh)
    assert not np.isnan(logits).any()
    if model == "logistic":
        assert np.abs(logits).max() > 1e3  # the logits really are extreme
    _assert_probabilities(clf.predict_proba(Xh))
    report = cf.audit(clf, scm, Xh.head(40), y.head(40), radii=(0.05,), n_samples=10, random_state=0)
    _assert_no_nan_audit(report)


@pytest.mark.parametrize("model", ["logistic", "mlp"])
def test_inputs_near_the_largest_double_give_finite_probabilities(lin, model):
    X, y = lin
    x = X[["X1", "X2"]].to_numpy()
    clf = cf.FairRobustClassifier(model=model, hidden_layer_sizes=(8,), method="erm", epochs=3, random_state=0,
                                  verbose=False).fit(x, y)
    for scale in (1e6, 1e100, 1e300):
        big = np.vstack([x[:20] * scale, -x[:20] * scale])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # scikit-learn's finiteness check may overflow its sum
            _assert_probabilities(clf.predict_proba(big))
            assert not np.isnan(clf.decision_function(big)).any()


def test_the_sigmoid_is_stable_for_any_logit():
    logits = np.array([-np.inf, -1e308, -1e4, -745.0, -40.0, 0.0, 40.0, 745.0, 1e4, 1e308, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings either
        p = _probability(logits)
    assert np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()
    assert np.all(np.diff(p) >= 0)
    assert p[0] == 0 and p[-1] == 1 and p[5] == 0.5


# ------------------------------------------------- inputs beyond the network's range


def _unit_classifier(weights, model="logistic", activation="tanh"):
    """A classifier fitted on standard normal data (mean ~0, scale ~1), then given
    ``weights`` (the parameter vector, bias last for logistic)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 3))
    clf = cf.FairRobustClassifier(model=model, activation=activation, hidden_layer_sizes=(8,), method="erm",
                                  epochs=1, random_state=0, verbose=False).fit(x, (x[:, 0] > 0).astype(int))
    if weights is not None:
        _models.set_parameters(clf._handle, weights)
    return clf


def _raw(clf, z):
    """User-unit inputs whose standardized values are ``z``."""
    return np.asarray(z) * clf.scale_ + clf.mean_


def test_an_overflowing_logit_would_give_the_wrong_class():
    """Why inputs are range-checked: w = (2, -1, -1), z = (1e308, 1.1e308, 1.1e308) has
    the exact logit -2e307 (class 0), but 2·1e308 overflows and the engine returns a
    non-negative, non-finite logit."""
    clf = _unit_classifier([2.0, -1.0, -1.0, 0.0])
    z = np.array([[1e308, 1.1e308, 1.1e308]])
    exact = float(np.dot([2.0, -1.0, -1.0], z[0] / 1e300)) * 1e300
    assert exact < 0
    engine = _models.logits(clf._handle, z)[0]
    assert not np.isfinite(engine) or engine > 0


@pytest.mark.parametrize("model,activation", [("logistic", "tanh"), ("mlp", "tanh"), ("mlp", "relu")])
def test_inputs_beyond_the_range_the_network_evaluates_are_refused_naming_the_column(model, activation):
    clf = _unit_classifier(None, model, activation)
    limit = _models.input_limit(clf._handle)
    assert 1e306 < limit < 1.8e308
    z = np.zeros((3, 3))
    z[1, 2] = 1.5 * limit
    for call in (clf.predict, clf.predict_proba, clf.decision_function,
                 lambda x: cf.audit(clf, None, x, radii=(0.05,), n_samples=5)):
        with pytest.raises(ValueError, match=r"column 2 .*beyond .*without overflow"):
            call(_raw(clf, z))
    named = cf.FairRobustClassifier(model=model, activation=activation, hidden_layer_sizes=(8,), epochs=1,
                                    method="erm", random_state=0, verbose=False)
    named.fit(pd.DataFrame(np.random.default_rng(0).normal(size=(500, 3)), columns=["a", "b", "c"]),
              np.arange(500) % 2)
    z[1, 2] = 1.5 * _models.input_limit(named._handle)
    with pytest.raises(ValueError, match="column 'c'"):
        named.predict(pd.DataFrame(_raw(named, z), columns=["a", "b", "c"]))


@pytest.mark.parametrize("model,activation", [("logistic", "tanh"), ("mlp", "tanh"), ("mlp", "relu")])
def test_inputs_within_the_range_give_finite_logits_and_probabilities(model, activation):
    """At the limit, with every input's sign aligned with its weights (the worst case
    for the sum), the logits stay finite and the probabilities are never NaN."""
    clf = _unit_classifier(None, model, activation)
    limit = _models.input_limit(clf._handle)
    signs = np.sign(_models.parameters(clf._handle)[:3 * (1 if model == "logistic" else 8)]
                    .reshape(3, -1)[:, 0])
    rng = np.random.default_rng(1)
    z = np.vstack([signs * limit, -signs * limit, limit * rng.uniform(-1, 1, size=(200, 3)),
                   rng.choice([-1e300, 1e-300, 0.0, 1e300], size=(50, 3))])
    z = np.clip(z, -limit, limit)
    assert np.isfinite(_models.logits(clf._handle, z)).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow warning escapes either
        _assert_probabilities(clf.predict_proba(_raw(clf, z)))


def test_the_range_is_the_exact_overflow_point_of_a_linear_model_within_a_factor_of_four():
    """For logistic regression the bound is tight: aligned inputs at 4.5 times the
    limit do overflow."""
    clf = _unit_classifier([2.0, -1.0, 0.5, 0.25])
    limit = _models.input_limit(clf._handle)
    assert limit == pytest.approx((np.finfo(float).max / 4 - 0.25) / 3.5)
    aligned = np.array([[1.0, -1.0, 1.0]])
    assert np.isfinite(_models.logits(clf._handle, aligned * limit)).all()
    assert not np.isfinite(_models.logits(clf._handle, aligned * 4.5 * limit)).all()


# ---------------------------------------------------------------- separable data


@pytest.mark.parametrize("model,method", [("logistic", "erm"), ("logistic", "causal_at"), ("mlp", "erm"),
                                          ("mlp", "causal_at")])
def test_perfectly_separable_data_stays_finite(lin_scm, lin, model, method):
    X, _ = lin
    y = (X["X1"] + X["X2"] > 0.5).astype(int)  # a linear function of the features: separable
    scm = lin_scm
    clf = cf.FairRobustClassifier(scm=scm, model=model, hidden_layer_sizes=(8,), method=method, epochs=60, steps=3,
                                  learning_rate=0.5, threshold="mcc", random_state=0, verbose=False).fit(X, y)
    _assert_fitted_finite(clf)
    p = clf.predict_proba(X)
    _assert_probabilities(p)
    if method == "erm":  # (robust training gives up some accuracy on purpose)
        assert (clf.predict(X) == y).mean() > 0.9
    _assert_no_nan_audit(cf.audit(clf, scm, X.head(40), y.head(40), radii=(0.05,), n_samples=10, random_state=0))


def test_mcc_threshold_of_constant_or_perfect_scores_is_finite():
    for labels in (np.r_[np.zeros(5), np.ones(5)], np.r_[np.zeros(3), np.ones(7)], np.r_[np.zeros(7), np.ones(3)]):
        for p in (np.full(10, 0.5), np.zeros(10), np.ones(10), np.full(10, 1e-300), labels.copy()):
            t = _models.mcc_threshold(p, labels)
            assert np.isfinite(t), (p, labels, t)


@pytest.mark.parametrize("threshold", [0.0, -1e-12, 1.0, 1 + 1e-12])
def test_audits_accept_any_threshold_the_mcc_rule_produces(lin_scm, lin, threshold):
    """threshold="mcc" on an uninformative model may pick a threshold at or beyond 0
    or 1 (every row gets the majority class). The classifier is then constant, so it
    is never unfair; the audit says so (it used to fail with "math domain error")."""
    X, y = lin
    scm = lin_scm
    clf = cf.FairRobustClassifier(scm=scm, model="mlp", hidden_layer_sizes=(8,), method="erm", epochs=1,
                                  random_state=0, verbose=False).fit(X, y)
    clf.threshold_ = threshold
    predicted = clf.predict(X.head(40))
    assert len(set(predicted)) == 1
    for method in ("attack", "sample"):
        report = cf.audit(clf, scm, X.head(40), y.head(40), radii=(0.05,), method=method, n_samples=10,
                          random_state=0)
        _assert_no_nan_audit(report)
        for ind in report.indicators.values():
            assert not ind.flags.any(), (method, ind.name)


# ------------------------------------------------------------- constant features


@pytest.mark.parametrize("model", ["logistic", "mlp"])
def test_constant_features_without_an_scm(lin, model):
    X, y = lin
    x = np.column_stack([X["X1"], np.full(len(X), 3.0), np.zeros(len(X)), np.full(len(X), -1e300)])
    clf = cf.FairRobustClassifier(model=model, hidden_layer_sizes=(8,), method="causal_at", epochs=3, steps=3,
                                  random_state=0, verbose=False).fit(x, y)
    assert np.array_equal(clf.scale_[1:], np.ones(3))  # std 0 -> scale 1, never a division by 0 (nor inf)
    _assert_fitted_finite(clf)
    _assert_probabilities(clf.predict_proba(x))
    moved = x.copy()
    moved[:, 1:3] += 1.0  # constant in training, different at prediction time
    _assert_probabilities(clf.predict_proba(moved))
    _assert_no_nan_audit(cf.audit(clf, None, x[:40], y[:40], radii=(0.05,), n_samples=10, random_state=0))


def test_features_near_the_largest_double_are_standardized_without_overflow(lin):
    """A column of magnitude 1e300 (its sum of squares overflows) gets a finite mean
    and scale, so it is not silently flattened to 0; no overflow warning escapes."""
    X, y = lin
    x = np.column_stack([X["X1"] * 1e300, X["X2"] * 1e-3])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        clf = cf.FairRobustClassifier(model="logistic", method="erm", epochs=3, random_state=0,
                                      verbose=False).fit(x, y)
        p = clf.predict_proba(x)
    assert np.isfinite(clf.mean_).all() and np.isfinite(clf.scale_).all()
    np.testing.assert_allclose(clf.scale_[0] / 1e300, X["X1"].std(ddof=0), rtol=1e-12)
    reference = cf.FairRobustClassifier(model="logistic", method="erm", epochs=3, random_state=0,
                                        verbose=False).fit(X[["X1", "X2"]].to_numpy(), y)
    np.testing.assert_allclose(p, reference.predict_proba(X[["X1", "X2"]].to_numpy()), rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="too large"):
        clf.predict_proba(np.array([[0.0, 1.7e308]]))  # 1.7e308 / (std ~1e-3) overflows


def test_all_features_constant_without_an_scm(lin):
    _, y = lin
    x = np.ones((len(y), 3))
    clf = cf.FairRobustClassifier(model="mlp", hidden_layer_sizes=(8,), method="erm", epochs=3, random_state=0,
                                  verbose=False).fit(x, y)
    _assert_fitted_finite(clf)
    p = clf.predict_proba(x)
    _assert_probabilities(p)
    assert np.ptp(p[:, 1]) == 0  # one prediction for everyone


# ---------------------------------------------------- zero residual variance


@pytest.mark.parametrize("mechanism,standardize", [("linear", True), ("linear", False), ("mlp", True)])
def test_a_mechanism_with_zero_residual_variance(lin, mechanism, standardize):
    """X2 = X1 exactly: X2's fitted noise is (numerically) zero, its σ is 0."""
    X, y = lin
    Xz = X.copy()
    Xz["X2"] = Xz["X1"]
    graph = {"X1": ["S"], "X2": ["X1"]}
    mech = cf.MLPMechanism(hidden_layer_sizes=(8,)) if mechanism == "mlp" else mechanism
    scm = cf.SCM(graph, sensitive="S", mechanism=mech, standardize=standardize, random_state=0).fit(Xz)
    head = Xz.head(10)
    u = scm.abduct(Xz).to_numpy()
    assert np.isfinite(u).all()
    if mechanism == "linear":
        assert np.abs(u[:, 2]).max() < 1e-8  # no residual left
    for out in (scm.twins(head, encoded=True), scm.counterfactual(head, do={"S": 1}, encoded=True),
                scm.perturbation_ball(head, 0.1, 5, random_state=0, encoded=True),
                scm.sample(20, random_state=0, encoded=True)):
        assert np.isfinite(out.to_numpy(dtype=float)).all()
    d = scm.metric(head, scm.counterfactual(head, do={"S": 1}))
    assert np.isfinite(d.to_numpy()).all() and (d.to_numpy() >= 0).all()
    clf = cf.FairRobustClassifier(scm=scm, model="mlp", hidden_layer_sizes=(8,), method="causal_at", epochs=3,
                                  steps=3, random_state=0, verbose=False).fit(Xz, y)
    _assert_fitted_finite(clf)
    _assert_probabilities(clf.predict_proba(Xz))
    _assert_no_nan_audit(cf.audit(clf, scm, Xz.head(40), y.head(40), radii=(0.05,), n_samples=10, random_state=0))


# ------------------------------------------------------------------ clear errors


def test_collinear_parents_are_a_clear_error(lin):
    """X3's two parents are the same column: the least-squares fit has no unique
    solution, and says so (rather than returning NaN or arbitrary weights)."""
    X, _ = lin
    Xc = X.copy()
    Xc["X2"] = Xc["X1"]
    Xc["X3"] = Xc["X1"] + np.random.default_rng(0).normal(size=len(Xc))
    scm = cf.SCM({"X1": ["S"], "X2": ["X1"], "X3": ["X1", "X2"]}, sensitive="S", random_state=0)
    with pytest.raises((ValueError, RuntimeError), match="singular|collinear"):
        scm.fit(Xc)
    ridge = cf.SCM({"X1": ["S"], "X2": ["X1"], "X3": ["X1", "X2"]}, sensitive="S",
                   mechanism=cf.LinearMechanism(ridge=1e-3), random_state=0).fit(Xc)
    assert np.isfinite(ridge.abduct(Xc).to_numpy()).all()  # the remedy the message names works


def test_non_finite_inputs_are_a_clear_error(lin_scm, lin):
    X, y = lin
    scm = lin_scm
    clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="erm", epochs=1, random_state=0,
                                  verbose=False).fit(X, y)
    for bad in (np.nan, np.inf, -np.inf):
        Xb = X.head(5).copy()
        Xb.loc[Xb.index[2], "X1"] = bad
        for call in (lambda: scm.fit(Xb), lambda: scm.twins(Xb), lambda: clf.predict_proba(Xb),
                     lambda: cf.audit(clf, scm, Xb, radii=(0.05,), n_samples=5)):
            with pytest.raises(ValueError):
                call()
    x = X[["X1", "X2"]].to_numpy().copy()
    x[3, 0] = np.nan
    with pytest.raises(ValueError):
        cf.FairRobustClassifier(model="logistic", epochs=1, verbose=False).fit(x, y)
