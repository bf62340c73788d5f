"""Properties of causalfair.SCM through DataFrames, against the installed wheel.

Each test states one property of DESIGN §4: counterfactuals agree with an independent
numpy computation, abduction then the forward pass is the identity, twins are closed
(the twins of a twin are the same set), d(v, twin) = 0, perturbation balls stay within
their radius, seeds reproduce.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import causalfair as cf
from causalfair.scm import OutOfRangeWarning

RACES = ["Amerindian", "Asian", "Black", "Hispanic", "Mexican", "Other", "Puertorican", "White"]


def linear_data(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """S ~ Bernoulli(0.5); X1 = 2 S + U1; X2 = S - X1 + U2 (user units, not centred)."""
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 2, n)
    x1 = 10.0 + 2.0 * s + rng.normal(size=n)
    x2 = s - 3.0 * x1 + 2.0 * rng.normal(size=n)
    return pd.DataFrame({"S": s, "X1": x1, "X2": x2})


LINEAR_GRAPH = {"S": [], "X1": ["S"], "X2": ["S", "X1"]}


def law_like_data(n: int = 800, seed: int = 1) -> pd.DataFrame:
    """race (8 levels, strings) and sex (F/M) sensitive; GPA <- race, sex; LSAT <- GPA, sex."""
    rng = np.random.default_rng(seed)
    race = rng.choice(RACES, size=n)
    sex = rng.choice(["F", "M"], size=n)
    effect = {r: 0.3 * i for i, r in enumerate(RACES)}
    gpa = 3.0 + np.array([effect[r] for r in race]) + 0.2 * (sex == "M") + rng.normal(0, 0.3, n)
    lsat = 20.0 + 4.0 * gpa - 1.0 * (sex == "M") + rng.normal(0, 2.0, n)
    return pd.DataFrame({"race": race, "sex": sex, "GPA": gpa, "LSAT": lsat},
                        index=pd.Index(np.arange(100, 100 + n), name="student"))


LAW_GRAPH = [("race", "GPA"), ("sex", "GPA"), ("GPA", "LSAT"), ("sex", "LSAT")]


@pytest.fixture(scope="module")
def linear_df() -> pd.DataFrame:
    return linear_data()


@pytest.fixture(scope="module")
def linear_scm(linear_df) -> cf.SCM:
    return cf.SCM(LINEAR_GRAPH, sensitive="S", random_state=0).fit(linear_df)


@pytest.fixture(scope="module")
def law_df() -> pd.DataFrame:
    return law_like_data()


@pytest.fixture(scope="module")
def law_scm(law_df) -> cf.SCM:
    return cf.SCM(LAW_GRAPH, sensitive=["race", "sex"], random_state=0).fit(law_df)


def lstsq(design: np.ndarray, target: np.ndarray) -> np.ndarray:
    a = np.column_stack([design, np.ones(len(design))])
    return np.linalg.lstsq(a, target, rcond=None)[0]


def predict(coef: np.ndarray, design: np.ndarray) -> np.ndarray:
    return np.column_stack([design, np.ones(len(design))]) @ coef


# ---------------------------------------------------------------- schema and kinds
def test_fitted_attributes(linear_scm):
    assert linear_scm.nodes_ == ["S", "X1", "X2"]
    assert linear_scm.columns_ == ["S", "X1", "X2"]
    assert linear_scm.kinds_ == {"S": "binary", "X1": "continuous", "X2": "continuous"}
    assert linear_scm.twin_levels_["S"].tolist() == [0, 1]
    assert linear_scm.perturbable_ == ["X1", "X2"]
    assert linear_scm.n_features_in_ == 3


def test_categorical_encoding_and_twin_levels(law_scm):
    assert law_scm.kinds_ == {"race": "categorical", "sex": "binary", "GPA": "continuous",
                              "LSAT": "continuous"}
    assert law_scm.columns_ == [f"race={r}" for r in RACES] + ["sex", "GPA", "LSAT"]
    levels = law_scm.twin_levels_
    assert levels.shape == (16, 2)
    # the last sensitive node varies fastest
    assert levels["sex"].tolist() == ["F", "M"] * 8
    assert levels["race"].tolist() == [r for r in RACES for _ in range(2)]


def test_topological_order_is_stable():
    df = linear_data(50)
    scm = cf.SCM({"X2": ["S", "X1"], "X1": ["S"]}, sensitive="S").fit(df)
    assert scm.nodes_ == ["S", "X1", "X2"]


def test_kinds_inference_and_labels_come_back():
    rng = np.random.default_rng(3)
    n = 200
    df = pd.DataFrame({
        "flag": rng.integers(0, 2, n).astype(bool),
        "colour": pd.Categorical(rng.choice(["red", "green", "blue"], n),
                                 categories=["red", "green", "blue"]),
        "x": rng.normal(size=n),
    })
    df["y"] = df["x"] + df["flag"] + rng.normal(size=n)
    scm = cf.SCM({"y": ["flag", "colour", "x"]}, sensitive=["flag", "colour"]).fit(df)
    assert scm.kinds_ == {"y": "continuous", "flag": "binary", "colour": "categorical",
                          "x": "continuous"}
    assert scm.columns_[scm.nodes_.index("colour"):][:3] == [
        "colour=red", "colour=green", "colour=blue"]  # pandas category order
    twins = scm.twins(df.head(3))
    assert twins["flag"].dtype == bool
    assert isinstance(twins["colour"].dtype, pd.CategoricalDtype)
    assert set(twins["colour"]) == {"red", "green", "blue"}
    assert len(twins) == 3 * 6


def test_kinds_override():
    df = linear_data(100)
    scm = cf.SCM(LINEAR_GRAPH, sensitive="S", kinds={"S": "categorical"}).fit(df)
    assert scm.columns_[:2] == ["S=0", "S=1"]
    assert scm.twins(df.head(2)).shape == (4, 3)


def test_encode_decode_round_trip(law_scm, law_df):
    enc = law_scm.encode(law_df)
    assert list(enc.columns) == law_scm.columns_
    assert np.allclose(enc["GPA"].mean(), 0) and np.isclose(enc["GPA"].std(ddof=0), 1)
    back = law_scm.decode(enc)
    pd.testing.assert_frame_equal(back[law_df.columns], law_df, check_dtype=False)
    # numpy in -> DataFrame out with a RangeIndex
    assert law_scm.decode(enc.to_numpy()).index.equals(pd.RangeIndex(len(law_df)))


def test_extra_columns_are_ignored(linear_scm, linear_df):
    wide = linear_df.assign(label=1, name="x")
    out = linear_scm.counterfactual(wide.head(5), do={"S": 1})
    assert list(out.columns) == linear_scm.nodes_


# ---------------------------------------------------------------- abduction
def test_abduct_matches_numpy_residuals(linear_scm, linear_df):
    s, x1, x2 = (linear_df[c].to_numpy(float) for c in ("S", "X1", "X2"))
    r1 = x1 - predict(lstsq(s[:, None], x1), s[:, None])
    r2 = x2 - predict(lstsq(np.column_stack([s, x1]), x2), np.column_stack([s, x1]))
    u = linear_scm.abduct(linear_df)
    assert list(u.columns) == ["S", "X1", "X2"] and u.index.equals(linear_df.index)
    # latent values are in standardized units (population std)
    assert np.allclose(u["X1"] * x1.std(), r1, atol=1e-8)
    assert np.allclose(u["X2"] * x2.std(), r2, atol=1e-8)
    assert np.array_equal(u["S"].to_numpy(), s.astype(float))


def test_abduct_then_forward_is_identity(law_scm, law_df):
    # counterfactual with no intervention = abduct, then run every mechanism forward
    same = law_scm.counterfactual(law_df, do={}, encoded=False)
    pd.testing.assert_frame_equal(same[law_df.columns], law_df, check_dtype=False,
                                  atol=1e-9, rtol=1e-9)
    enc = law_scm.encode(law_df).to_numpy()
    same_enc = law_scm.counterfactual(enc, do={})  # encoded array in, array out
    assert np.allclose(same_enc, enc, atol=1e-10)


def test_abduct_categorical_columns(law_scm, law_df):
    u = law_scm.abduct(law_df.head(4))
    assert list(u.columns) == law_scm.columns_
    assert u.index.equals(law_df.head(4).index)


# ---------------------------------------------------------------- counterfactuals
@pytest.mark.parametrize("standardize", [True, False])
def test_counterfactual_matches_numpy(linear_df, standardize):
    scm = cf.SCM(LINEAR_GRAPH, sensitive="S", standardize=standardize).fit(linear_df)
    s, x1, x2 = (linear_df[c].to_numpy(float) for c in ("S", "X1", "X2"))
    c1 = lstsq(s[:, None], x1)
    c2 = lstsq(np.column_stack([s, x1]), x2)
    u1 = x1 - predict(c1, s[:, None])
    u2 = x2 - predict(c2, np.column_stack([s, x1]))
    s_cf = 1.0 - s
    x1_cf = predict(c1, s_cf[:, None]) + u1
    x2_cf = predict(c2, np.column_stack([s_cf, x1_cf])) + u2
    out = scm.counterfactual(linear_df, do={"S": 1 - linear_df["S"].to_numpy()})
    assert out.index.equals(linear_df.index)
    assert np.array_equal(out["S"].to_numpy(), s_cf.astype(int))
    assert np.allclose(out["X1"], x1_cf, rtol=1e-9, atol=1e-9)
    assert np.allclose(out["X2"], x2_cf, rtol=1e-9, atol=1e-9)
    # closed form for a linear SCM: x_cf = x + (s' - s) * total effect
    total1 = c1[0]
    total2 = c2[0] + c2[1] * c1[0]
    assert np.allclose(out["X1"], x1 + (s_cf - s) * total1, atol=1e-9)
    assert np.allclose(out["X2"], x2 + (s_cf - s) * total2, atol=1e-9)


def test_counterfactual_categorical_matches_numpy(law_scm, law_df):
    race = pd.get_dummies(law_df["race"]).reindex(columns=RACES).to_numpy(float)
    male = (law_df["sex"] == "M").to_numpy(float)
    gpa, lsat = law_df["GPA"].to_numpy(), law_df["LSAT"].to_numpy()
    design_gpa = np.column_stack([race[:, 1:], male])  # first level dropped
    c_gpa = lstsq(design_gpa, gpa)
    c_lsat = lstsq(np.column_stack([male, gpa]), lsat)
    u_gpa = gpa - predict(c_gpa, design_gpa)
    u_lsat = lsat - predict(c_lsat, np.column_stack([male, gpa]))
    # everyone becomes Asian; sex as given per row (flipped)
    race_cf = np.zeros_like(race)
    race_cf[:, RACES.index("Asian")] = 1
    male_cf = 1 - male
    gpa_cf = predict(c_gpa, np.column_stack([race_cf[:, 1:], male_cf])) + u_gpa
    lsat_cf = predict(c_lsat, np.column_stack([male_cf, gpa_cf])) + u_lsat
    sex_cf = np.where(male_cf == 1, "M", "F")
    out = law_scm.counterfactual(law_df, do={"race": "Asian", "sex": sex_cf})
    assert (out["race"] == "Asian").all()
    assert out["sex"].tolist() == sex_cf.tolist()
    assert np.allclose(out["GPA"], gpa_cf, atol=1e-8)
    assert np.allclose(out["LSAT"], lsat_cf, atol=1e-8)


def test_counterfactual_on_a_non_sensitive_node(linear_scm, linear_df):
    out = linear_scm.counterfactual(linear_df.head(10), do={"X1": 12.5})
    assert np.allclose(out["X1"], 12.5)
    pd.testing.assert_series_equal(out["S"], linear_df["S"].head(10), check_dtype=False)


def test_numpy_in_numpy_out(linear_scm, linear_df):
    enc = linear_scm.encode(linear_df.head(5)).to_numpy()
    out = linear_scm.counterfactual(enc, do={"S": 1})
    assert isinstance(out, np.ndarray) and out.shape == (5, 3)
    assert np.array_equal(out[:, 0], np.ones(5))


# ---------------------------------------------------------------- twins
def test_sixteen_twins_with_categorical_and_binary(law_scm, law_df):
    rows = law_df.head(5)
    twins = law_scm.twins(rows)
    assert len(twins) == 5 * 16
    assert twins.index.names == ["student", "twin"]
    assert list(twins.columns) == law_scm.nodes_
    first = twins.loc[rows.index[0]]
    assert list(first.index) == list(zip(law_scm.twin_levels_["race"], law_scm.twin_levels_["sex"]))
    # each twin carries its own sensitive labels
    labels = twins.index.get_level_values("twin")
    assert twins["race"].tolist() == [t[0] for t in labels]
    assert twins["sex"].tolist() == [t[1] for t in labels]
    # the factual level is among the twins and equals the row itself
    levels = list(law_scm.twin_levels_.itertuples(index=False, name=None))
    expected = [levels.index((r, s)) for r, s in zip(rows["race"], rows["sex"])]
    for i, (label, row) in enumerate(rows.iterrows()):
        own = twins.iloc[i * 16 + expected[i]]
        assert own.name == (label, (row["race"], row["sex"]))
        assert np.allclose(own[["GPA", "LSAT"]].astype(float), row[["GPA", "LSAT"]].astype(float))
    assert law_scm.factual_levels(rows).tolist() == expected


def test_one_sensitive_node_gives_scalar_twin_labels(linear_scm, linear_df):
    twins = linear_scm.twins(linear_df.head(3))
    assert twins.index.names == ["row", "twin"]
    assert twins.index.get_level_values("twin").tolist() == [0, 1] * 3


def test_twins_of_a_twin_are_the_same_set(law_scm, law_df):
    rows = law_df.head(4)
    levels = len(law_scm.twin_levels_)
    twins = law_scm.twins(rows, encoded=True).to_numpy()
    again = law_scm.twins(twins, encoded=True)  # numpy in: encoded matrix
    # twin t of row r -> its twins, ordered by level, are row r's twins
    for t in range(len(twins)):
        r = t // levels
        assert np.allclose(again[t * levels:(t + 1) * levels], twins[r * levels:(r + 1) * levels],
                           atol=1e-9)


def test_distance_to_a_twin_is_zero(law_scm, law_df):
    rows = law_df.head(6)
    levels = len(law_scm.twin_levels_)
    twins = law_scm.twins(rows)
    repeated = rows.loc[rows.index.repeat(levels)]
    d = law_scm.metric(repeated.reset_index(drop=True), twins.reset_index(drop=True))
    assert isinstance(d, pd.Series) and d.name == "distance"
    assert np.all(np.abs(d.to_numpy()) < 1e-9)


def test_metric_is_a_pseudometric(linear_scm, linear_df):
    a = linear_df.iloc[:50].reset_index(drop=True)
    b = linear_df.iloc[50:100].reset_index(drop=True)
    c = linear_df.iloc[100:150].reset_index(drop=True)
    dab, dba = linear_scm.metric(a, b), linear_scm.metric(b, a)
    assert np.allclose(dab, dba) and (dab >= 0).all()
    assert np.allclose(linear_scm.metric(a, a), 0)
    assert (linear_scm.metric(a, c) <= dab + linear_scm.metric(b, c) + 1e-12).all()
    # numpy in, numpy out
    out = linear_scm.metric(linear_scm.encode(a).to_numpy(), linear_scm.encode(b).to_numpy())
    assert isinstance(out, np.ndarray) and np.allclose(out, dab)


def test_immutable_nodes():
    df = linear_data(300)
    scm = cf.SCM(LINEAR_GRAPH, sensitive="S", immutable=["X1"]).fit(df)
    assert scm.perturbable_ == ["X2"]
    a = df.head(5).reset_index(drop=True)
    b = df.iloc[5:10].reset_index(drop=True)
    assert np.isinf(scm.metric(a, b)).all()
    ball = scm.perturbation_ball(a, 0.5, 20, random_state=0, encoded=True)
    latent_center = scm.abduct(scm.twins(a, encoded=True).to_numpy())
    latent_ball = scm.abduct(ball.to_numpy())
    assert np.allclose(latent_ball[:, 1], latent_center.repeat(20, axis=0)[:, 1])


# ---------------------------------------------------------------- perturbation ball
@pytest.mark.parametrize("factual_only", [False, True])
def test_ball_samples_lie_within_the_radius(law_scm, law_df, factual_only):
    rows = law_df.head(5)
    radius, m = 0.3, 50
    levels = 1 if factual_only else len(law_scm.twin_levels_)
    ball = law_scm.perturbation_ball(rows, radius, m, random_state=7,
                                     factual_only=factual_only, encoded=True)
    assert len(ball) == len(rows) * levels * m
    assert ball.index.names == ["student", "twin", "sample"]
    twins = law_scm.twins(rows, encoded=True)
    if factual_only:
        f = law_scm.factual_levels(rows)
        centers = twins.to_numpy()[np.arange(len(rows)) * len(law_scm.twin_levels_) + f]
        own = [tuple(x) for x in rows[["race", "sex"]].to_numpy()]
        assert ball.index.get_level_values("twin")[::m].tolist() == own
    else:
        centers = twins.to_numpy()
    centers = centers.repeat(m, axis=0)
    d = law_scm.metric(centers, ball.to_numpy())
    assert np.all(d <= radius + 1e-9)
    assert d.max() > 0.8 * radius  # the ball is filled, not just its centre
    # decoded ball keeps the twin's sensitive labels
    decoded = law_scm.perturbation_ball(rows, radius, m, random_state=7, factual_only=factual_only)
    labels = decoded.index.get_level_values("twin")
    assert decoded["race"].tolist() == [t[0] for t in labels]


def test_zero_radius_ball_is_the_twins(linear_scm, linear_df):
    rows = linear_df.head(3)
    ball = linear_scm.perturbation_ball(rows, 0.0, 2, random_state=0)
    twins = linear_scm.twins(rows)
    assert np.allclose(ball.to_numpy(float)[::2], twins.to_numpy(float))


# ---------------------------------------------------------------- sampling and seeds
def test_sample_is_reproducible_and_seeded(linear_scm):
    a = linear_scm.sample(200, random_state=3)
    b = linear_scm.sample(200, random_state=3)
    c = linear_scm.sample(200, random_state=4)
    assert a.index.equals(pd.RangeIndex(200))
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    g1 = linear_scm.sample(10, random_state=np.random.default_rng(5))
    g2 = linear_scm.sample(10, random_state=np.random.default_rng(5))
    pd.testing.assert_frame_equal(g1, g2)


def test_interventional_sample(law_scm):
    out = law_scm.sample(500, do={"race": "White", "sex": "F"}, random_state=0)
    assert (out["race"] == "White").all() and (out["sex"] == "F").all()
    obs = law_scm.sample(2000, random_state=1)
    assert set(obs["race"]) <= set(RACES) and obs["GPA"].std() > 0


def test_ball_is_reproducible(law_scm, law_df):
    a = law_scm.perturbation_ball(law_df.head(2), 0.1, 5, random_state=11)
    b = law_scm.perturbation_ball(law_df.head(2), 0.1, 5, random_state=11)
    pd.testing.assert_frame_equal(a, b)


def test_noise_distributions():
    df = linear_data(2000)
    scm = cf.SCM(LINEAR_GRAPH, sensitive="S", noise={"S": cf.Bernoulli(0.2),
                                                     "X1": cf.Normal(0.0, 3.0)}).fit(df)
    out = scm.sample(20000, random_state=0)
    assert abs(out["S"].mean() - 0.2) < 0.02
    # X1 = f(S) + U1 with U1 ~ N(0, 3^2) in user units
    resid = out["X1"] - out.groupby("S")["X1"].transform("mean")
    assert abs(resid.std() - 3.0) < 0.15


def test_mlp_mechanism_is_seeded_and_invertible():
    df = linear_data(300)
    mech = {"X2": cf.MLPMechanism(hidden_layer_sizes=(8,), epochs=5, batch_size=50)}
    a = cf.SCM(LINEAR_GRAPH, sensitive="S", mechanism=mech, random_state=1).fit(df)
    b = cf.SCM(LINEAR_GRAPH, sensitive="S", mechanism=mech, random_state=1).fit(df)
    assert a.to_dict() == b.to_dict()
    same = a.counterfactual(df, do={})
    assert np.allclose(same.to_numpy(float), df.to_numpy(float), atol=1e-9)
    twins = a.twins(df.head(3))
    d = a.metric(df.head(3).loc[df.head(3).index.repeat(2)].reset_index(drop=True),
                 twins.reset_index(drop=True))
    assert np.all(d < 1e-9)


def test_graph_forms_agree(linear_df):
    edges = [("S", "X1"), ("S", "X2"), ("X1", "X2")]
    a = cf.SCM(LINEAR_GRAPH, sensitive="S").fit(linear_df)
    b = cf.SCM(edges, sensitive="S").fit(linear_df)
    assert a.nodes_ == b.nodes_
    pd.testing.assert_frame_equal(a.twins(linear_df.head(3)), b.twins(linear_df.head(3)))
    nx = pytest.importorskip("networkx")
    c = cf.SCM(nx.DiGraph(edges), sensitive="S").fit(linear_df)
    pd.testing.assert_frame_equal(a.twins(linear_df.head(3)), c.twins(linear_df.head(3)))


def test_binary_descendant_codes_are_decoded_by_threshold():
    rng = np.random.default_rng(0)
    n = 400
    s = rng.integers(0, 2, n)
    z = (rng.uniform(size=n) < 0.3 + 0.4 * s).astype(int)
    df = pd.DataFrame({"s": np.where(s == 1, "b", "a"), "z": np.where(z == 1, "yes", "no")})
    scm = cf.SCM({"z": ["s"]}, sensitive="s").fit(df)
    enc = scm.twins(df.head(20), encoded=True)
    dec = scm.twins(df.head(20))
    assert ((enc["z"] >= 0.5) == (dec["z"] == "yes")).all()


# ------------------------------------------------------------- issue 14: integers, ranges


def _ages_and_hours(n=500, seed=0):
    """Integer columns: age (a root, shaped like Adult's: 17 to 90, mean 38, std 13)
    and hours (a child of s and age, rounded)."""
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 2, n)
    age = np.clip(np.round(38 + 13 * rng.normal(size=n)), 17, 90).astype(int)
    hours = np.round(30 + 8 * s + 0.1 * age + rng.normal(scale=5, size=n)).astype(int)
    return pd.DataFrame({"s": s, "age": age, "hours": hours})


def test_integer_columns_come_back_as_integers_where_integral():
    X = _ages_and_hours()
    scm = cf.SCM({"hours": ["s", "age"]}, sensitive="s", random_state=0).fit(X)
    pd.testing.assert_frame_equal(scm.decode(scm.encode(X)), X)
    same = scm.counterfactual(X, do={"s": X["s"].to_numpy()})  # the factual world: integral everywhere
    pd.testing.assert_frame_equal(same, X)
    twins = scm.twins(X.head(20))
    assert twins["age"].dtype == np.int64  # a root: every twin keeps its age
    np.testing.assert_array_equal(twins["age"].to_numpy(), np.repeat(X["age"].head(20).to_numpy(), 2))
    assert twins["hours"].dtype == np.float64  # f(s, age) + u moves by a non-integral effect: not rounded
    assert not np.allclose(twins["hours"], np.round(twins["hours"]))
    sample = scm.sample(200, random_state=0)
    assert sample["age"].dtype == np.int64 and sample["age"].between(17, 90).all()
    assert sample["s"].dtype == X["s"].dtype


def test_input_far_outside_the_fitted_range_warns_naming_the_node():
    X = _ages_and_hours()
    scm = cf.SCM({"hours": ["s", "age"]}, sensitive="s", random_state=0).fit(X)
    standardized = X.assign(age=(X.age - X.age.mean()) / X.age.std(), hours=(X.hours - X.hours.mean()) / X.hours.std())
    with pytest.warns(OutOfRangeWarning, match="'age' holds .*fitted range \\[17, "):
        scm.twins(standardized)
    with pytest.warns(OutOfRangeWarning, match="'age'"):
        scm.counterfactual(scm.encode(standardized).to_numpy(), do={"s": 1})
    clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="erm", epochs=2, random_state=0).fit(
        X, (X.hours > 45).astype(int))
    with pytest.warns(OutOfRangeWarning, match="'age'") as caught:
        clf.predict(standardized)
    assert caught[0].filename == __file__  # the warning points at the user's line, not inside causalfair
    with warnings.catch_warnings():
        warnings.simplefilter("error", OutOfRangeWarning)
        scm.twins(X)
        # twins and counterfactuals keep each row's noise: never out of range, even
        # where their values leave the observed range
        twins = scm.twins(X)
        assert twins["hours"].max() > X["hours"].max() or twins["hours"].min() < X["hours"].min()
        scm.abduct(twins)
        clf.predict(twins)
        # the rule: more than one noise std beyond the fitted range (age is a root, its
        # noise is its value), in more than 1% of the rows
        sd, oldest = X.age.std(ddof=0), X.age.max()
        within = X.assign(age=np.where(np.arange(len(X)) < 50, oldest + 0.9 * sd, X.age))
        scm.abduct(within)  # 10% of the rows, but within the margin
        one_in_500 = X.assign(age=np.where(np.arange(len(X)) < 1, oldest + 1.1 * sd, X.age))
        scm.abduct(one_in_500)  # beyond it, but 0.2% of the rows
    with pytest.warns(OutOfRangeWarning, match="'age' holds .*6 of 500 rows"):
        scm.abduct(X.assign(age=np.where(np.arange(len(X)) < 6, oldest + 1.1 * sd, X.age)))
    with pytest.warns(OutOfRangeWarning, match="1 of 1 rows"):
        scm.abduct(one_in_500.head(1))
