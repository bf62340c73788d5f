"""``SCM.fit(X, sample_weight=)`` (issue 14, item 5): the weighted fits against
scikit-learn's weighted LinearRegression and LogisticRegression, integer weights equal
to repeated rows, zero weights equal to dropped rows, bad weights refused; the
classifier fits its own SCM with its weights, and ``threshold="mcc"`` maximises the
weighted MCC (``sklearn.metrics.matthews_corrcoef(sample_weight=)``)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import matthews_corrcoef

import causalfair as cf

# S sensitive; A root; X linear(S, A); B binary (S, X); C categorical (S, A); Y mlp(X, B).
GRAPH = {"X": ["S", "A"], "B": ["S", "X"], "C": ["S", "A"], "Y": ["X", "B"]}
FULL_BATCH = cf.MLPMechanism(hidden_layer_sizes=(4,), epochs=5, batch_size=5_000)


def _data(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 2, n)
    a = rng.normal(size=n)
    x = 0.5 + 1.5 * s - 0.8 * a + 0.5 * rng.normal(size=n)
    b = (rng.random(n) < 1 / (1 + np.exp(0.3 - s + 0.7 * x))).astype(int)
    logits = np.stack([0 * a, 0.4 + s - 0.5 * a, -0.2 - s + 0.6 * a], axis=1)
    c = np.argmax(logits + rng.gumbel(size=(n, 3)), axis=1)
    y = np.tanh(x) + 0.5 * b + 0.3 * rng.normal(size=n)
    return pd.DataFrame({"S": s, "A": a, "X": x, "B": b, "C": np.array(["c0", "c1", "c2"])[c], "Y": y})


def _scm(**kwargs) -> cf.SCM:
    return cf.SCM(GRAPH, sensitive="S", kinds={"C": "categorical"}, discrete="gumbel",
                  mechanism={"Y": FULL_BATCH}, random_state=0, **kwargs)


def _state(scm: cf.SCM):
    fitted = scm.to_dict()["fitted"]
    scaling = [(node["mean"], node["std"]) for node in fitted["schema"]["nodes"]]
    return np.asarray(fitted["parameters"]), np.asarray(fitted["latent"]), np.asarray(scaling, dtype=float)


def _integer_weights(n: int, seed: int) -> np.ndarray:
    weights = np.random.default_rng(seed).integers(0, 4, n).astype(float)
    assert (weights == 0).any() and (weights == 3).any()
    return weights


def test_linear_mechanism_is_scikit_learns_weighted_least_squares():
    frame = _data(500, seed=1)
    weights = np.random.default_rng(2).uniform(0.1, 3.0, len(frame))
    scm = cf.SCM({"X": ["S", "A"]}, sensitive="S", standardize=False, discrete="gumbel",
                 random_state=0).fit(frame[["S", "A", "X"]], sample_weight=weights)
    ours = np.asarray(scm.to_dict()["fitted"]["parameters"])  # W (S, A) then b
    reference = LinearRegression().fit(frame[["S", "A"]].to_numpy(float), frame["X"], sample_weight=weights)
    np.testing.assert_allclose(ours, [*reference.coef_, reference.intercept_], atol=1e-9)
    unweighted = LinearRegression().fit(frame[["S", "A"]].to_numpy(float), frame["X"])
    assert np.abs(ours - [*unweighted.coef_, unweighted.intercept_]).max() > 1e-3


@pytest.mark.parametrize("node", ["B", "C"])
def test_discrete_mechanism_is_scikit_learns_weighted_logistic_regression(node):
    """Binary B and categorical C (logits relative to level 0): the weighted
    maximum-likelihood fit, as scikit-learn's unpenalised weighted LogisticRegression."""
    frame = _data(3_000, seed=3)
    weights = np.random.default_rng(4).uniform(0.0, 2.0, len(frame))
    parents = GRAPH[node]
    scm = cf.SCM({node: parents}, sensitive="S", kinds={node: "binary" if node == "B" else "categorical"},
                 standardize=False,
                 discrete="gumbel", random_state=0).fit(frame[[*parents, node]], sample_weight=weights)
    ours = np.asarray(scm.to_dict()["fitted"]["parameters"])  # W (2 inputs x logits) row-major, then b
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000)  # unpenalised
    reference.fit(frame[parents].to_numpy(float), frame[node], sample_weight=weights)
    if node == "B":
        expected = np.concatenate([reference.coef_[0], reference.intercept_])
    else:
        coef = reference.coef_ - reference.coef_[0]
        intercept = reference.intercept_ - reference.intercept_[0]
        expected = np.concatenate([coef[1:].T.ravel(), intercept[1:]])
    np.testing.assert_allclose(ours, expected, atol=1e-5)


def test_integer_weights_equal_repeated_rows():
    """Every fitted parameter (linear, binary and categorical Newton, a full-batch MLP)
    and the standardization statistics, as on the rows repeated."""
    frame = _data(200, seed=5)
    weights = _integer_weights(len(frame), seed=6)
    weighted = _state(_scm().fit(frame, sample_weight=weights))
    repeated = _state(_scm().fit(frame.iloc[np.repeat(np.arange(len(frame)), weights.astype(int))]))
    np.testing.assert_allclose(weighted[0], repeated[0], atol=1e-9)
    np.testing.assert_allclose(weighted[2], repeated[2], rtol=1e-12)
    plain = _state(_scm().fit(frame))
    assert np.abs(plain[0] - weighted[0]).max() > 1e-3


def test_zero_weights_equal_dropped_rows():
    """Rows of weight 0 count for nothing: the fits, the scaling, the fitted noise and
    therefore sampling; also a level seen only in those rows is not learnt."""
    frame = _data(240, seed=7)
    frame.loc[frame.index[:5], "C"] = "only_in_dropped_rows"
    weights = np.where(np.arange(len(frame)) % 3 == 0, 0.0, 1.0)
    weights[:5] = 0.0
    weighted = _scm().fit(frame, sample_weight=weights)
    dropped = _scm().fit(frame[weights > 0])
    for ours, theirs in zip(_state(weighted), _state(dropped)):  # the categorical Newton solve's tolerance
        np.testing.assert_allclose(ours, theirs, atol=1e-7)
    (c_node,) = [node for node in weighted.schema_.nodes if node.name == "C"]
    assert "only_in_dropped_rows" not in c_node.labels
    pd.testing.assert_frame_equal(weighted.sample(50, random_state=3), dropped.sample(50, random_state=3),
                                  atol=1e-6)


def test_proportional_weights_give_the_same_scm():
    frame = _data(150, seed=8)
    weights = np.random.default_rng(9).uniform(0.5, 2.0, len(frame))
    once = _state(_scm().fit(frame, sample_weight=weights))
    scaled = _state(_scm().fit(frame, sample_weight=40 * weights))
    for ours, theirs in zip(once, scaled):
        np.testing.assert_allclose(ours, theirs, atol=1e-9)


@pytest.mark.parametrize("weights, error, message", [
    (np.ones(99), ValueError, "expected 100 weights"),
    (np.r_[-1.0, np.ones(99)], ValueError, "finite weights >= 0"),
    (np.r_[np.nan, np.ones(99)], ValueError, "finite weights >= 0"),
    (np.r_[np.inf, np.ones(99)], ValueError, "finite weights >= 0"),
    (np.zeros(100), ValueError, "positive sum"),
    (["a"] * 100, TypeError, "expected numbers"),
    (np.ones((100, 2)), ValueError, "expected 100 weights"),
])
def test_bad_weights_are_refused_naming_sample_weight(weights, error, message):
    scm = _scm()
    with pytest.raises(error, match=f"sample_weight: .*{message}"):
        scm.fit(_data(100, seed=10), sample_weight=weights)
    assert getattr(scm, "_handle", None) is None


def test_classifier_fits_its_own_scm_with_its_weights():
    """An unfitted ``scm`` is fitted on X with the classifier's sample_weight: the same
    SCM as ``SCM.fit(X, sample_weight=)``; a fitted one is kept as it is."""
    frame = _data(300, seed=11)
    weights = _integer_weights(len(frame), seed=12)
    X, y = frame.drop(columns="Y"), (frame["Y"] > frame["Y"].median()).astype(int)
    graph = {k: v for k, v in GRAPH.items() if k != "Y"}
    scm = cf.SCM(graph, sensitive="S", kinds={"C": "categorical"}, discrete="gumbel", random_state=0)
    clf = cf.FairRobustClassifier(scm=scm, method="erm", epochs=2, random_state=0)
    clf.fit(X, y, sample_weight=weights)
    expected = _state(cf.SCM(graph, sensitive="S", kinds={"C": "categorical"}, discrete="gumbel",
                             random_state=0).fit(X, sample_weight=weights))
    for ours, theirs in zip(_state(clf.scm_), expected):
        np.testing.assert_array_equal(ours, theirs)
    fitted = cf.SCM(graph, sensitive="S", kinds={"C": "categorical"}, discrete="gumbel", random_state=0).fit(X)
    clf = cf.FairRobustClassifier(scm=fitted, method="erm", epochs=2, random_state=0)
    assert clf.fit(X, y, sample_weight=weights).scm_ is fitted


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mcc_threshold_maximises_scikit_learns_weighted_mcc(seed):
    """threshold="mcc" with sample_weight: no cut of the training probabilities has a
    higher weighted MCC (scikit-learn's) than the threshold chosen."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    y = (X["a"] + rng.normal(size=400) > 0.8).astype(int)
    weights = np.where(y == 1, rng.uniform(0, 1, 400), rng.uniform(0, 6, 400))
    weights[rng.random(400) < 0.1] = 0.0
    clf = cf.FairRobustClassifier(method="erm", model="logistic", optimizer="newton", threshold="mcc",
                                  random_state=0)
    clf.fit(X, y, sample_weight=weights)
    p = clf.predict_proba(X)[:, 1]
    cuts = np.concatenate([[np.min(p) - 1], np.unique(p)])

    def weighted_mcc(t):
        return matthews_corrcoef(y, (p > t).astype(int), sample_weight=weights)

    best = max(weighted_mcc(t) for t in cuts)
    assert weighted_mcc(clf.threshold_) == pytest.approx(best, abs=1e-12)
    # The weights matter here: every cut best for the unweighted MCC is worse under the weights.
    plain = np.array([matthews_corrcoef(y, (p > t).astype(int)) for t in cuts])
    assert all(weighted_mcc(t) < best - 1e-6 for t in cuts[plain == plain.max()])


def test_tiny_weights_are_proportional_weights():
    """Weights are normalised as w · n / Σw: weights so small that their mean rounds to 0
    give what the same weights at a normal scale give (w / mean divided by 0 before)."""
    from causalfair import _engine
    rng = np.random.default_rng(0)
    p, y = rng.uniform(size=300), (rng.uniform(size=300) < 0.4).astype(np.float64)
    w = rng.uniform(0.5, 2.0, 300)
    assert _engine.threshold_mcc(p, y, w * 5e-324) == _engine.threshold_mcc(p, y, w)
