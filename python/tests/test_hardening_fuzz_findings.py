"""Hardening (issue 6): what the fuzz of the public API found, one test each.

Each was a NaN or inf returned as a result, an exception the function does not
document (AttributeError, KeyError, NotImplementedError, pandas errors) or a message
that did not say what was wrong.
"""

import numpy as np
import pandas as pd
import pytest

import causalfair as cf
from causalfair import experiments, metrics


@pytest.fixture(scope="module")
def lin(lin_dataset, lin_scm):
    clf = cf.FairRobustClassifier(scm=lin_scm, model="logistic", method="erm", epochs=2, random_state=0,
                                  verbose=False).fit(lin_dataset.X, lin_dataset.y)
    return lin_dataset.X, lin_dataset.y, lin_scm, clf


# ------------------------------------------------------------ overflow in the SCM


def test_scm_results_that_overflow_are_a_clear_error_not_nan(lin):
    """Encoded X1 = X2 = 1.7e308 overflows the abduction (u2 = x2 − w·x1 − ..., w < 0):
    every SCM method used to return inf or NaN; now each says so."""
    X, _, scm, _ = lin
    x = scm.encode(X.head(3)).to_numpy(copy=True)
    x[:, 1:] = 1.7e308
    calls = {"abduction": lambda: scm.abduct(x), "twins": lambda: scm.twins(x),
             "counterfactual": lambda: scm.counterfactual(x, do={"S": 1}),
             "audit ball": lambda: scm.perturbation_ball(x, 0.05, 2, random_state=0),
             "latent values": lambda: scm.metric(x, x)}
    for what, call in calls.items():
        with pytest.raises(ValueError, match=f"{what}: a value overflows .*too large for the SCM's mechanisms"):
            call()


def test_the_metric_of_far_apart_rows_is_finite(lin):
    """Differences of 1e200 used to square to inf; the metric is homogeneous."""
    X, _, scm, _ = lin
    a = scm.encode(X.head(5)).to_numpy()
    b, far = a.copy(), a.copy()
    b[:, 1] += 1.0
    far[:, 1] += 1e200
    np.testing.assert_allclose(scm.metric(a, far) / 1e200, scm.metric(a, b), rtol=1e-9)


def test_a_sample_that_overflows_is_a_clear_error(lin):
    """X2 = 2·X1 + U in the data's units; do(X1 = 1.7e308) makes X2 overflow."""
    X, _, _, _ = lin
    doubled = X.assign(X2=2 * X.X1 + np.random.default_rng(0).normal(size=len(X)))
    scm = cf.SCM({"X1": ["S"], "X2": ["X1"]}, sensitive="S", standardize=False, random_state=0).fit(doubled)
    assert np.isfinite(scm.sample(5, do={"X1": 1e300}, random_state=0).to_numpy(dtype=float)).all()
    with pytest.raises(ValueError, match="sample: a value overflows"):
        scm.sample(5, do={"X1": 1.7e308}, random_state=0)


def test_encoding_and_decoding_that_overflow_name_the_column(lin_graph, lin):
    X, _, _, _ = lin
    small = cf.SCM(lin_graph, sensitive="S", random_state=0).fit(X.assign(X1=X.X1 * 1e-3))  # std ~1e-3
    with pytest.raises(ValueError, match="column 'X1' has values too large for the standardization"):
        small.twins(X.head(2).assign(X1=[1.7e308, 0.0]))
    large = cf.SCM(lin_graph, sensitive="S", random_state=0).fit(X.assign(X1=X.X1 * 1e10))  # std ~1e10
    with pytest.raises(ValueError, match="'X1': encoded values up to 1e\\+300 overflow when mapped back"):
        large.decode(np.array([[0.0, 1e300, 0.0]]))


@pytest.mark.parametrize("magnitude", [1e300, 1e-300])
def test_columns_of_extreme_magnitude_are_standardized(lin_graph, lin, magnitude):
    """A column of magnitude 1e300 (its squares overflow) or 1e-300 (they underflow)
    used to get std inf or 0 and was refused as "constant"; now its mean and std are
    computed on the rescaled column."""
    X, _, _, _ = lin
    scaled = X.assign(X1=X.X1 * magnitude)
    scm = cf.SCM(lin_graph, sensitive="S", random_state=0).fit(scaled)
    node = scm.schema_.by_name["X1"]
    assert node.std / magnitude == pytest.approx(X.X1.std(ddof=0), rel=1e-12)
    assert node.mean / magnitude == pytest.approx(X.X1.mean(), rel=1e-12)
    np.testing.assert_allclose(scm.encode(scaled).X1, cf.SCM(lin_graph, sensitive="S").fit(X).encode(X).X1, rtol=1e-9)


# ------------------------------------------------------------ undocumented exceptions


def test_a_float16_sensitive_column_is_encoded(lin):
    """pandas has no float16 index: this raised NotImplementedError."""
    X, _, scm, clf = lin
    half = X.head(5).astype({"S": np.float16})
    pd.testing.assert_frame_equal(scm.encode(half), scm.encode(X.head(5)))
    np.testing.assert_array_equal(clf.predict_proba(half), clf.predict_proba(X.head(5)))


def test_an_scm_argument_that_is_not_an_scm_is_a_type_error(lin):
    """A fitted classifier passed as ``scm`` raised AttributeError deep inside."""
    X, _, _, clf = lin
    with pytest.raises(TypeError, match="scm: expected a fitted causalfair.SCM or None, got FairRobustClassifier"):
        cf.audit(clf, clf, X.head(5))
    with pytest.raises(TypeError, match="scm: expected"):
        metrics.counterfactual_unfairness(clf, "scm", X.head(5))


@pytest.mark.parametrize("edit, text", [
    (lambda d: d.pop("params"), "KeyError"),
    (lambda d: d["fitted"].__setitem__("parameters", "junk"), "could not convert"),
    (lambda d: d["fitted"].__setitem__("columns", 7), ""),
    (lambda d: d.__setitem__("fitted", 5), "TypeError"),
    (lambda d: d["params"].__setitem__("graph", {"X1": ["S"], "X2": ["S"], "X3": ["X2"]}), "disagree"),
    (lambda d: d["params"].__setitem__("sensitive", "X1"), "disagree"),
])
def test_an_altered_to_dict_is_a_value_error(lin, edit, text):
    _, _, scm, _ = lin
    d = scm.to_dict()
    edit(d)
    with pytest.raises(ValueError, match=f"d: not a valid SCM.to_dict\\(\\) result.*{text}"):
        cf.SCM.from_dict(d)


def test_experiment_tables_check_their_input():
    with pytest.raises(TypeError, match="results: expected the DataFrame experiments.run returns"):
        experiments.summarize(None)
    with pytest.raises(ValueError, match=r"results: .*missing \['dataset'"):
        experiments.summarize(pd.DataFrame({"x": [1]}))
    with pytest.raises(TypeError, match="summary: expected the DataFrame experiments.summarize returns"):
        experiments.markdown_table(pd.DataFrame({"x": [1]}))
    with pytest.raises(TypeError, match="datasets: expected a list of names"):
        experiments.run(datasets=None)
    with pytest.raises(ValueError, match="methods: expected names from .* got 'nope'"):
        experiments.run(datasets="lin", methods="nope")  # one name is a list of one (it was split into letters)


def test_wilson_interval_checks_its_types():
    for count, n in ((None, 10), ("5", 10), (3, 2.5), (True, 10)):
        with pytest.raises(TypeError, match="expected an int"):
            metrics.wilson_interval(count, n)
    for z in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="z: expected a finite normal quantile"):
            metrics.wilson_interval(3, 10, z=z)
    assert metrics.wilson_interval(np.int64(3), np.int64(10)) == metrics.wilson_interval(3, 10)


def test_dataset_checks_its_graph_and_sensitive_nodes(lin_graph, lin):
    X, y, _, _ = lin
    with pytest.raises(TypeError, match="graph: expected a dict"):
        cf.datasets.Dataset(X=X, y=y, graph=None, sensitive=("S",), kinds={})
    with pytest.raises(TypeError, match="sensitive: expected a node name or a tuple"):
        cf.datasets.Dataset(X=X, y=y, graph=lin_graph, sensitive=3, kinds={})


# ------------------------------------------------------------ clearer messages


def test_a_radius_beyond_the_engine_limit_is_refused_in_python(lin):
    X, _, scm, clf = lin
    for call in (lambda: scm.perturbation_ball(X.head(2), 1e7, 2), lambda: metrics.unfair_area(clf, scm, X, 1e300)):
        with pytest.raises(ValueError, match=r"radius: expected a finite number in \[0, 1e\+06\]"):
            call()


def test_encoded_sensitive_codes_are_checked_naming_the_node(lin):
    X, _, scm, clf = lin
    x = scm.encode(X.head(3)).to_numpy(copy=True)
    x[1, 0] = 0.5
    for call in (lambda: scm.twins(x), lambda: scm.factual_levels(x),
                 lambda: scm.perturbation_ball(x, 0.05, 2)):
        with pytest.raises(ValueError, match=r"X: row 1 codes the sensitive node 'S' as \[0.5\]; expected 0 or 1"):
            call()
    with pytest.raises(TypeError, match="array has no column names.*scm.decode"):
        cf.audit(clf, scm, x)  # an audit takes individuals, never arrays guessed to be encoded (issue 14)


def test_a_failed_mechanism_fit_names_the_node(lin_graph, lin):
    X, _, _, _ = lin
    collinear = X.assign(X1=X.X1.astype(str))  # a categorical parent with one level per row: singular
    with pytest.raises(RuntimeError, match="fitting node 'X2': least squares is singular"):
        cf.SCM(lin_graph, sensitive="S", random_state=0).fit(collinear)


def test_diverged_training_reports_the_input_magnitude(lin):
    """The engine's advice is to lower the learning rate; the message adds the
    largest input, the other usual culprit."""
    X, y, scm, _ = lin
    clf = cf.FairRobustClassifier(scm=scm, hidden_layer_sizes=(3,), method="erm", epochs=2, learning_rate=1e300,
                                  random_state=0, verbose=False)
    largest = np.abs(scm.encode(X).to_numpy()).max()
    with pytest.raises(RuntimeError, match=f"diverged.*largest input, in standardized units, has magnitude {largest:.3g}"):
        clf.fit(X, y)
    with pytest.raises(cf.NotFittedError):  # left unfitted
        clf.predict(X)
