"""SCM.to_dict / from_dict (through JSON) and pickle restore a fitted SCM bit for bit;
scikit-learn's estimator protocol (get_params, clone) holds."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest

import causalfair as cf


def data(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    race = rng.choice(["a", "b", "c"], n)
    sex = rng.integers(0, 2, n).astype(bool)
    x = rng.normal(size=n) + (race == "b") + 0.5 * sex
    z = (rng.uniform(size=n) < 0.5).astype(int)
    y = 2.0 * x - sex + z + rng.normal(size=n)
    return pd.DataFrame({"race": race, "sex": sex, "x": x, "z": z, "y": y})


GRAPH = {"x": ["race", "sex"], "z": [], "y": ["x", "sex", "z"]}


@pytest.fixture(scope="module", params=["linear", "mlp"])
def fitted(request):
    mechanism = "linear" if request.param == "linear" else {
        "y": cf.MLPMechanism(hidden_layer_sizes=(6, 4), epochs=3, batch_size=32),
        "x": cf.LinearMechanism(ridge=1e-3)}
    df = data()
    scm = cf.SCM(GRAPH, sensitive=["race", "sex"], mechanism=mechanism, immutable=["z"],
                 noise={"z": cf.Bernoulli(0.4)}, random_state=3).fit(df)
    return scm, df


def outputs(scm: cf.SCM, df: pd.DataFrame):
    rows = df.head(7)
    return [scm.abduct(rows), scm.twins(rows, encoded=True),
            scm.counterfactual(rows, do={"sex": True}, encoded=True),
            scm.sample(20, random_state=1, encoded=True),
            scm.perturbation_ball(rows, 0.2, 3, random_state=2, encoded=True)]


def assert_bit_identical(a, b):
    for x, y in zip(outputs(*a), outputs(*b)):
        assert np.array_equal(x.to_numpy(), y.to_numpy())
        assert x.index.equals(y.index)


def test_to_dict_is_plain_json(fitted):
    scm, _ = fitted
    d = scm.to_dict()
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text) == d
    assert d["format"] == "causalfair.SCM" and d["fitted"] is not None
    assert d["params"]["graph"] == {"x": ["race", "sex"], "race": [], "sex": [], "z": [],
                                    "y": ["x", "sex", "z"]}


def test_json_round_trip_is_bit_exact(fitted):
    scm, df = fitted
    again = cf.SCM.from_dict(json.loads(json.dumps(scm.to_dict())))
    assert again.to_dict() == scm.to_dict()
    assert again.nodes_ == scm.nodes_ and again.columns_ == scm.columns_
    pd.testing.assert_frame_equal(again.twin_levels_, scm.twin_levels_)
    assert_bit_identical((scm, df), (again, df))
    # user-unit outputs keep labels and dtypes
    pd.testing.assert_frame_equal(again.twins(df.head(3)), scm.twins(df.head(3)))


def test_pickle_round_trip_is_bit_exact(fitted):
    scm, df = fitted
    again = pickle.loads(pickle.dumps(scm))
    assert again.to_dict() == scm.to_dict()
    assert_bit_identical((scm, df), (again, df))
    assert again.get_params()["mechanism"] == scm.get_params()["mechanism"]


def test_unfitted_round_trip():
    scm = cf.SCM([("s", "x")], sensitive="s", random_state=np.random.default_rng(0))
    d = scm.to_dict()
    assert d["fitted"] is None and d["params"]["random_state"] is None
    again = cf.SCM.from_dict(json.loads(json.dumps(d)))
    with pytest.raises(cf.NotFittedError):
        again.twins(pd.DataFrame({"s": [0, 1], "x": [0.0, 1.0]}))
    clone = pickle.loads(pickle.dumps(scm))
    assert isinstance(clone.random_state, np.random.Generator)


def test_sklearn_protocol():
    pytest.importorskip("sklearn")
    from sklearn.base import clone

    scm = cf.SCM(GRAPH, sensitive=["race", "sex"], random_state=0)
    params = scm.get_params()
    assert params["sensitive"] == ["race", "sex"] and params["random_state"] == 0
    assert scm.set_params(random_state=5) is scm and scm.random_state == 5
    copy = clone(scm)
    assert copy.get_params()["graph"] == GRAPH
    fitted = copy.fit(data())
    assert fitted is copy and not hasattr(scm, "nodes_")


def test_same_seed_same_fit_and_samples():
    df = data()
    mech = {"y": cf.MLPMechanism(hidden_layer_sizes=(5,), epochs=2)}
    a = cf.SCM(GRAPH, sensitive="sex", mechanism=mech, random_state=9).fit(df)
    b = cf.SCM(GRAPH, sensitive="sex", mechanism=mech, random_state=9).fit(df)
    assert a.to_dict()["fitted"] == b.to_dict()["fitted"]
    pd.testing.assert_frame_equal(a.sample(50, random_state=4), b.sample(50, random_state=4))
