"""The SCM as a scikit-learn transformer (issue 14, item 9): ``transform`` is the
semi-latent map φ of DESIGN §4 (sensitive codes kept, every other node's abducted
noise), ``inverse_transform`` is φ⁻¹, ``get_feature_names_out`` names the
coordinates, ``set_output(transform="pandas")`` gives DataFrames, and an SCM is a
Pipeline step."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

import causalfair as cf

# The sensitive node has a parent, so φ (which keeps its code) differs from abduction
# (which would give its noise): the two are told apart.
GRAPH = {"s": ["a"], "x": ["s", "a"], "z": ["x"]}


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    n = 600
    a = rng.normal(size=n)
    s = (rng.random(n) < 1 / (1 + np.exp(-a))).astype(int)
    x = 1.5 * s - a + rng.normal(size=n)
    z = 0.5 * x + rng.normal(size=n)
    X = pd.DataFrame({"a": a, "s": s, "x": x, "z": z}, index=[f"r{i}" for i in range(n)])
    y = (rng.random(n) < 1 / (1 + np.exp(-(x + z)))).astype(int)
    return X, y


def scm():
    return cf.SCM(GRAPH, sensitive="s", random_state=0)


def test_transform_is_phi_sensitive_codes_and_abducted_noise(data):
    X, _ = data
    fitted = scm().fit(X)
    phi = fitted.transform(X)
    assert isinstance(phi, np.ndarray) and phi.shape == (len(X), 4)
    columns = fitted.columns_
    noise, codes = fitted.abduct(X), fitted.encode(X)
    for j, column in enumerate(columns):
        expected = codes[column] if column == "s" else noise[column]
        np.testing.assert_allclose(phi[:, j], expected.to_numpy(), atol=1e-12)
    assert not np.allclose(noise["s"], codes["s"])  # s has a parent: its noise is not its code
    assert list(fitted.get_feature_names_out()) == ["u_a", "s", "u_x", "u_z"]
    # arrays are encoded matrices, as everywhere in the SCM
    np.testing.assert_array_equal(fitted.transform(codes.to_numpy()), phi)


def test_inverse_transform_runs_the_mechanisms_forward(data):
    X, _ = data
    fitted = scm().fit(X)
    back = fitted.inverse_transform(fitted.set_output(transform="pandas").transform(X))
    assert back.index.equals(X.index) and list(back.columns) == fitted.nodes_
    pd.testing.assert_series_equal(back["s"], X["s"])
    np.testing.assert_allclose(back[["a", "x", "z"]].to_numpy(), X[["a", "x", "z"]].to_numpy(), atol=1e-10)
    encoded = fitted.set_output(transform="default").transform(X)
    np.testing.assert_allclose(fitted.inverse_transform(encoded), fitted.encode(X).to_numpy(), atol=1e-12)
    with pytest.raises(ValueError, match="u_x"):
        fitted.inverse_transform(pd.DataFrame(encoded, columns=fitted.columns_))


def test_set_output_pandas_names_the_semi_latent_columns(data):
    X, _ = data
    fitted = scm().fit(X).set_output(transform="pandas")
    frame = fitted.transform(X.head(5))
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["u_a", "s", "u_x", "u_z"] and frame.index.equals(X.index[:5])
    again = pickle.loads(pickle.dumps(fitted))  # the output setting survives pickling
    pd.testing.assert_frame_equal(again.transform(X.head(5)), frame)
    assert isinstance(scm().fit_transform(X), np.ndarray)


def test_an_scm_is_a_pipeline_step(data):
    X, y = data
    pipe = make_pipeline(scm(), LogisticRegression()).fit(X, y)
    alone = LogisticRegression().fit(scm().fit(X).transform(X), y)
    np.testing.assert_allclose(pipe[-1].coef_, alone.coef_, atol=1e-12)
    np.testing.assert_array_equal(pipe.predict(X), alone.predict(scm().fit(X).transform(X)))
    search = GridSearchCV(pipe, {"logisticregression__C": [0.1, 1.0]}, cv=2, error_score="raise").fit(X, y)
    assert search.best_estimator_[0].nodes_ == ["a", "s", "x", "z"]
    assert clone(pipe)[0].get_params() == scm().get_params()
