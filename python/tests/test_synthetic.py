"""The synthetic reference SCMs (make_lin / make_nlm / make_imf / make_loan) and the
ExpressionMechanism they are built from.

The exactness tests write the published equations again, independently of
causalfair.datasets.synthetic, and compare the engine's abduction, counterfactuals
and twins with them to 1e-10.
"""

import json
import pickle

import numpy as np
import pandas as pd
import pytest

import causalfair as cf

MAKERS = {"lin": cf.datasets.make_lin, "nlm": cf.datasets.make_nlm, "imf": cf.datasets.make_imf,
          "loan": cf.datasets.make_loan}
SENSITIVE = {"lin": "S", "nlm": "S", "imf": "S", "loan": "G"}
NODES = {"lin": ["S", "X1", "X2"], "nlm": ["S", "X1", "X2"], "imf": ["S", "X1", "X2"],
         "loan": ["G", "A", "E", "L", "D", "I", "S"]}
TOL = 1e-10


def sigmoid(t):
    return 1 / (1 + np.exp(-t))


def logit(p):
    return np.log(p) - np.log1p(-p)


# --------------------------------------------------------------------- the equations, written again
def noise_of(name, X):
    """The exogenous noise of every node, from the published equations (user units)."""
    if name in ("lin", "nlm", "imf"):
        s, x1, x2 = (X[c].to_numpy(float) for c in ("S", "X1", "X2"))
        if name == "lin":
            return {"S": s, "X1": x1 - 2 * s, "X2": x2 - (s - x1)}
        if name == "nlm":
            return {"S": s, "X1": x1 - 2 * s ** 2, "X2": x2 - (s - x1 ** 2)}
        return {"S": s, "X1": x1, "X2": x2}
    g, a, e, l, d, i, s = (X[c].to_numpy(float) for c in NODES["loan"])
    return {"G": g, "A": a,
            "E": logit(e + 0.5) - (-1 + 0.5 * g + sigmoid(0.1 * a)),
            "L": l - (1 - 0.01 * (a - 5) ** 2 + g),
            "D": d - (-1 + 0.1 * a + 2 * g + l),
            "I": i - (-4 + 0.1 * (a + 35) + 2 * g + g * e),
            "S": s - (-4 + 1.5 * np.maximum(i, 0))}


def counterfactual_of(name, X, level):
    """Every node recomputed by hand with the sensitive node set to ``level``."""
    u = noise_of(name, X)
    n = len(X)
    if name in ("lin", "nlm", "imf"):
        s = np.full(n, float(level))
        if name == "lin":
            x1 = 2 * s + u["X1"]
            x2 = s - x1 + u["X2"]
        elif name == "nlm":
            x1 = 2 * s ** 2 + u["X1"]
            x2 = s - x1 ** 2 + u["X2"]
        else:
            x1, x2 = u["X1"], u["X2"]
        return pd.DataFrame({"S": s, "X1": x1, "X2": x2}, index=X.index)
    g = np.full(n, float(level))
    a = u["A"]
    e = -0.5 + sigmoid(-1 + 0.5 * g + sigmoid(0.1 * a) + u["E"])
    l = 1 - 0.01 * (a - 5) ** 2 + g + u["L"]
    d = -1 + 0.1 * a + 2 * g + l + u["D"]
    i = -4 + 0.1 * (a + 35) + 2 * g + g * e + u["I"]
    s = -4 + 1.5 * np.maximum(i, 0) + u["S"]
    return pd.DataFrame({"G": g, "A": a, "E": e, "L": l, "D": d, "I": i, "S": s}, index=X.index)


@pytest.fixture(scope="module", params=list(MAKERS))
def made(request):
    return request.param, MAKERS[request.param](800, random_state=3)


# --------------------------------------------------------------------- the Dataset
def test_dataset_fields(made):
    name, ds = made
    assert isinstance(ds, cf.datasets.Dataset)
    assert ds.name == name
    assert isinstance(ds.X, pd.DataFrame) and list(ds.X.columns) == NODES[name]
    assert len(ds.X) == len(ds.y) == 800
    assert set(np.unique(ds.y)) == {0, 1}
    assert ds.y.dtype.kind in "iu"
    assert ds.sensitive == (SENSITIVE[name],)
    assert set(ds.graph) == set(NODES[name])
    assert ds.kinds[SENSITIVE[name]] == "binary"
    assert all(ds.kinds[c] == "continuous" for c in NODES[name] if c != SENSITIVE[name])
    assert name.upper() in ds.description.upper() and "CAPIFY" in ds.description
    assert isinstance(ds.scm, cf.SCM)
    assert ds.scm.nodes_ == NODES[name]  # fitted
    assert set(np.unique(ds.X[SENSITIVE[name]])) == {0, 1}
    assert ds.scm.standardize is False


@pytest.mark.parametrize("name", list(MAKERS))
def test_reproducible_and_seed_dependent(name):
    a = MAKERS[name](300, random_state=7)
    b = MAKERS[name](300, random_state=7)
    c = MAKERS[name](300, random_state=8)
    pd.testing.assert_frame_equal(a.X, b.X)
    pd.testing.assert_series_equal(a.y, b.y)
    assert not np.allclose(a.X.to_numpy(float), c.X.to_numpy(float))
    assert not a.y.equals(c.y)
    assert len(MAKERS[name](17, random_state=0).X) == 17


@pytest.mark.parametrize("name", list(MAKERS))
def test_bad_n(name):
    with pytest.raises(ValueError):
        MAKERS[name](0, random_state=0)


def test_graphs_are_the_published_ones():
    assert cf.datasets.make_lin(10, random_state=0).graph == {"S": [], "X1": ["S"], "X2": ["S", "X1"]}
    assert cf.datasets.make_imf(10, random_state=0).graph == {"S": [], "X1": [], "X2": []}
    loan = {k: sorted(v) for k, v in cf.datasets.make_loan(10, random_state=0).graph.items()}
    assert loan == {"G": [], "A": [], "E": ["A", "G"], "L": ["A", "G"], "D": ["A", "G", "L"],
                    "I": ["A", "E", "G"], "S": ["I"]}


def test_labels_follow_the_published_logit():
    # LIN: y ~ Bernoulli(σ(X1 + X2)); the mean of y - σ(X1 + X2) is 0 within sampling error.
    ds = cf.datasets.make_lin(40_000, random_state=0)
    p = sigmoid(ds.X.X1 + ds.X.X2)
    assert abs(float((ds.y - p).mean())) < 4 * float(np.sqrt((p * (1 - p)).mean() / len(p)))
    # NLM: y ~ Bernoulli(σ((X1 + X2)²)), so P(y = 1) >= 0.5 for every row.
    ds = cf.datasets.make_nlm(40_000, random_state=0)
    p = sigmoid((ds.X.X1 + ds.X.X2) ** 2)
    assert abs(float((ds.y - p).mean())) < 4 * float(np.sqrt((p * (1 - p)).mean() / len(p)))


# --------------------------------------------------------------------- exactness
def test_abduction_is_exact(made):
    name, ds = made
    u = ds.scm.abduct(ds.X)
    expected = noise_of(name, ds.X)
    assert list(u.columns) == NODES[name]
    for node in NODES[name]:
        np.testing.assert_allclose(u[node].to_numpy(), expected[node], rtol=0, atol=TOL, err_msg=node)


def test_loan_abduction_inverts_the_post_nonlinear_education():
    ds = cf.datasets.make_loan(500, random_state=11)
    e, g, a = ds.X.E.to_numpy(), ds.X.G.to_numpy(float), ds.X.A.to_numpy()
    u_e = ds.scm.abduct(ds.X)["E"].to_numpy()
    np.testing.assert_allclose(u_e, logit(e + 0.5) - (-1 + 0.5 * g + sigmoid(0.1 * a)), rtol=0, atol=TOL)
    # the noise law N(0, 0.5²) is recovered (a wrong, additive inversion would not be)
    assert abs(u_e.mean()) < 0.1 and abs(u_e.std() - 0.5) < 0.06


@pytest.mark.parametrize("level", [0, 1])
def test_counterfactuals_by_closed_form(made, level):
    name, ds = made
    s = SENSITIVE[name]
    X = ds.X.iloc[:200]
    got = ds.scm.counterfactual(X, do={s: level})
    expected = counterfactual_of(name, X, level)
    assert list(got.columns) == NODES[name]
    assert (got[s] == level).all()
    for node in NODES[name]:
        np.testing.assert_allclose(got[node].to_numpy(float), expected[node].to_numpy(), rtol=0, atol=TOL,
                                   err_msg=node)


def test_lin_twin_closed_form():
    ds = cf.datasets.make_lin(300, random_state=5)
    X = ds.X
    twins = ds.scm.twins(X)
    for level in (0, 1):
        t = twins.xs(level, level="twin")
        x1 = X.X1 + 2 * (level - X.S)
        x2 = level - x1 + (X.X2 - (X.S - X.X1))
        np.testing.assert_allclose(t.X1.to_numpy(), x1.to_numpy(), rtol=0, atol=TOL)
        np.testing.assert_allclose(t.X2.to_numpy(), x2.to_numpy(), rtol=0, atol=TOL)


def test_imf_twins_only_move_the_sensitive_node():
    ds = cf.datasets.make_imf(300, random_state=5)
    twins = ds.scm.twins(ds.X)
    for level in (0, 1):
        t = twins.xs(level, level="twin")
        np.testing.assert_array_equal(t[["X1", "X2"]].to_numpy(), ds.X[["X1", "X2"]].to_numpy())


def test_twins_use_the_true_levels_in_user_units(made):
    # The reference code standardizes S too, so its "twins" put S at ±1/σ-ish values;
    # ours must set S to exactly 0 and 1.
    name, ds = made
    s = SENSITIVE[name]
    X = ds.X.iloc[:50]
    twins = ds.scm.twins(X)
    assert len(twins) == 2 * len(X)
    assert sorted(twins.index.get_level_values("twin").unique().tolist()) == [0, 1]
    assert set(np.unique(twins[s].to_numpy())) == {0, 1}
    for level in (0, 1):
        assert (twins.xs(level, level="twin")[s] == level).all()
    enc = ds.scm.twins(X, encoded=True)
    assert set(np.unique(enc[s].to_numpy())) == {0.0, 1.0}
    assert ds.scm.twin_levels_[s].tolist() == [0, 1]
    # the factual twin is the row itself
    factual = np.stack([twins.loc[(row, level)].to_numpy(float) for row, level in zip(X.index, X[s])])
    np.testing.assert_allclose(factual, X.to_numpy(float), rtol=0, atol=1e-12)


# --------------------------------------------------------------------- sampling follows the noise laws
def test_loan_sample_noise_laws():
    ds = cf.datasets.make_loan(200, random_state=0)
    n = 40_000
    draw = ds.scm.sample(n, random_state=1)
    a = draw.A.to_numpy()
    # A = -35 + Gamma(shape 10, scale 3.5): mean 35 - 35 = 0, sd sqrt(10)·3.5
    sd = np.sqrt(10) * 3.5
    assert abs((a + 35).mean() - 35) < 4 * sd / np.sqrt(n)
    assert abs(a.std() - sd) < 0.03 * sd
    assert (a > -35).all()
    assert abs(draw.G.mean() - 0.5) < 4 * 0.5 / np.sqrt(n)
    assert set(np.unique(draw.G)) == {0, 1}
    # E stays in the range of its mechanism
    assert ((draw.E > -0.5) & (draw.E < 0.5)).all()
    u = ds.scm.abduct(draw)
    for node, scale in {"E": 0.5, "L": 2, "D": 3, "I": 2, "S": 5}.items():
        assert abs(u[node].mean()) < 4 * scale / np.sqrt(n), node
        assert abs(u[node].std() - scale) < 0.03 * scale, node
    # reproducible draws
    pd.testing.assert_frame_equal(draw, ds.scm.sample(n, random_state=1))


def test_lin_sample_noise_laws():
    ds = cf.datasets.make_lin(200, random_state=0)
    n = 40_000
    draw = ds.scm.sample(n, random_state=2)
    x1_s1 = draw.X1[draw.S == 1]
    assert abs(x1_s1.mean() - 2) < 4 / np.sqrt(len(x1_s1))
    assert abs(draw.X1[draw.S == 0].mean()) < 4 / np.sqrt(n / 2)
    u = ds.scm.abduct(draw)
    assert abs(u.X2.std() - 1) < 0.03 and abs(u.X1.std() - 1) < 0.03
    forced = ds.scm.sample(5000, do={"S": 1}, random_state=3)
    assert (forced.S == 1).all() and abs(forced.X1.mean() - 2) < 4 / np.sqrt(5000)


# --------------------------------------------------------------------- ExpressionMechanism
@pytest.mark.parametrize("expression, words", [
    ("X1 if S else 0", "not supported"),
    ("sin(X1)", "sin"),
    ("X1 ** 0.5", "power"),
    ("X1 ** -1", "power"),
    ("X1 +", "not a valid expression"),
    ("X1[0]", "not supported"),
    ("f(X1)(S)", "not supported"),
    ("sigmoid(X1, S)", "sigmoid"),
    ("X1 < S", "not supported"),
])
def test_expression_parse_errors(expression, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        cf.ExpressionMechanism(expression)


def test_expression_constructor_checks():
    with pytest.raises(ValueError, match="outer"):
        cf.ExpressionMechanism("S", outer="logit")
    with pytest.raises(ValueError, match="scale"):
        cf.ExpressionMechanism("S", scale=0)
    with pytest.raises(TypeError):
        cf.ExpressionMechanism(3)
    assert cf.ExpressionMechanism("2*S - max(X1, 0) + square(X1)").variables() == ["S", "X1"]


def _lin_frame():
    return cf.datasets.make_lin(200, random_state=0).X


def test_expression_name_not_a_parent():
    scm = cf.SCM({"S": [], "X1": ["S"], "X2": ["S", "X1"]}, sensitive="S",
                 mechanism={"X1": cf.ExpressionMechanism("2*S"), "X2": cf.ExpressionMechanism("S - Z")},
                 standardize=False)
    with pytest.raises(ValueError, match=r"'Z' is not a parent"):
        scm.fit(_lin_frame())


def test_expression_needs_standardize_false():
    scm = cf.SCM({"S": [], "X1": ["S"], "X2": ["S", "X1"]}, sensitive="S",
                 mechanism={"X1": cf.ExpressionMechanism("2*S"), "X2": cf.ExpressionMechanism("S - X1")},
                 standardize=True)
    with pytest.raises(ValueError, match="standardize=False"):
        scm.fit(_lin_frame())


def test_hand_built_post_nonlinear_scm_matches_numpy():
    # V = 3 + 2·tanh(0.5·S - X + U): a general post-nonlinear kind, not only Loan's sigmoid
    rng = np.random.default_rng(0)
    s = rng.integers(0, 2, 400)
    x = rng.normal(size=400)
    u = rng.normal(0, 0.3, size=400)
    v = 3 + 2 * np.tanh(0.5 * s - x + u)
    frame = pd.DataFrame({"S": s, "X": x, "V": v})
    scm = cf.SCM({"S": [], "X": ["S"], "V": ["S", "X"]}, sensitive="S", standardize=False,
                 mechanism={"X": cf.ExpressionMechanism("0*S"),
                            "V": cf.ExpressionMechanism("0.5*S - X", outer="tanh", offset=3, scale=2)}).fit(frame)
    np.testing.assert_allclose(scm.abduct(frame)["V"].to_numpy(), u, rtol=0, atol=1e-9)
    cf_v = scm.counterfactual(frame, do={"S": 1})["V"].to_numpy()
    np.testing.assert_allclose(cf_v, 3 + 2 * np.tanh(0.5 - x + u), rtol=0, atol=1e-9)
    bad = frame.head(2).copy()
    bad.loc[0, "V"] = 5.5  # 3 + 2·tanh(.) is in (1, 5)
    with pytest.raises(ValueError, match="outside the range"):
        scm.abduct(bad)


@pytest.mark.parametrize("value", [0.7, 0.5, -0.5, -3.0])
def test_post_nonlinear_out_of_range_raises(value):
    ds = cf.datasets.make_loan(100, random_state=0)
    X = ds.X.head(4).copy()
    X.loc[X.index[1], "E"] = value  # -0.5 + σ(t) lies in (-0.5, 0.5)
    for call in (lambda: ds.scm.abduct(X), lambda: ds.scm.twins(X),
                 lambda: ds.scm.counterfactual(X, do={"G": 1})):
        with pytest.raises(ValueError, match="outside the range"):
            call()
    # the in-range rows still work
    assert np.isfinite(ds.scm.abduct(X.drop(index=X.index[1])).to_numpy()).all()


@pytest.mark.parametrize("name", ["lin", "loan"])
def test_to_dict_and_pickle_round_trip(name):
    ds = MAKERS[name](300, random_state=4)
    d = ds.scm.to_dict()
    text = json.dumps(d)
    clone = cf.SCM.from_dict(json.loads(text))
    pickled = pickle.loads(pickle.dumps(ds.scm))
    for other in (clone, pickled):
        np.testing.assert_array_equal(other.abduct(ds.X).to_numpy(), ds.scm.abduct(ds.X).to_numpy())
        np.testing.assert_array_equal(other.twins(ds.X).to_numpy(float), ds.scm.twins(ds.X).to_numpy(float))
        assert other.to_dict()["params"] == d["params"]
    mech = d["params"]["mechanism"]
    if name == "loan":
        assert mech["E"] == {"type": "ExpressionMechanism", "expression": "-1 + 0.5*G + sigmoid(0.1*A)",
                             "outer": "sigmoid", "offset": -0.5, "scale": 1.0}


def test_expression_mechanism_dict_round_trip():
    m = cf.ExpressionMechanism("-1 + 0.5*G + sigmoid(0.1*A)", outer="sigmoid", offset=-0.5)
    from causalfair.mechanisms import as_mechanism
    assert as_mechanism(m.to_dict()) == m
    assert as_mechanism(json.loads(json.dumps(m.to_dict()))) == m


# --------------------------------------------------------------------- training and auditing on them
@pytest.fixture(scope="module")
def lin_split():
    ds = cf.datasets.make_lin(3000, random_state=0)
    return ds, ds.train_test_split(random_state=0)


def test_classifier_and_audit_on_lin(lin_split):
    ds, (X_tr, X_te, y_tr, y_te) = lin_split
    clf = cf.FairRobustClassifier(scm=ds.scm, model="logistic", method="causal_at", epochs=5, random_state=0,
                                  verbose=False).fit(X_tr, y_tr)
    assert clf.coef_.shape == (1, 3)
    assert set(np.unique(clf.predict(X_te))) <= {0, 1}
    report = cf.audit(clf, ds.scm, X_te.head(200), y_te.head(200), method="auto", random_state=0)
    frame = report.to_frame()
    for metric in ("U_CF", "U_0.05", "U_0.01", "NR_0.05", "NR_0.01", "accuracy"):
        assert 0 <= frame.loc[metric, "value"] <= 1
    # 'auto' picks the attack for balls: the expression mechanisms are not
    # LinearMechanisms, so the SCM does not count as linear. U_CF (Δ = 0) enumerates
    # the twins, which is exact whatever the method, and the report says so.
    assert frame.loc["U_0.05", "method"] == "attack"
    assert frame.loc["U_CF", "method"] == "exact"
    # Documented behaviour: method='exact' refuses expression mechanisms (even linear ones)
    # with a clear ValueError rather than giving a wrong bound.
    with pytest.raises(ValueError, match="linear SCM"):
        cf.audit(clf, ds.scm, X_te.head(50), method="exact", random_state=0)


def test_erm_on_lin_is_counterfactually_unfair(lin_split):
    # The point of LIN: an accurate ERM classifier relies on X1 (which S causes), so
    # many test points change class when S flips. U_CF equals the closed-form count.
    ds, (X_tr, X_te, y_tr, y_te) = lin_split
    clf = cf.FairRobustClassifier(scm=ds.scm, model="logistic", method="erm", epochs=10, random_state=0,
                                  verbose=False).fit(X_tr, y_tr)
    X = X_te.head(300)
    report = cf.audit(clf, ds.scm, X, radii=(0.05,), random_state=0)
    preds = [clf.predict(counterfactual_of("lin", X, level)[list(X.columns)].astype({"S": int}))
             for level in (0, 1)]
    expected = float(np.mean(preds[0] != preds[1]))
    assert report.to_frame().loc["U_CF", "value"] == pytest.approx(expected)
    assert expected > 0.1
