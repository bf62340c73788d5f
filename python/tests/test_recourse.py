"""cf.recourse: causal algorithmic recourse (DESIGN §4 "Recourse").

The exact method is checked against an independent solution — the linear SCM refitted
by numpy least squares, hard interventions propagated by hand, every intervention
set enumerated (no pruning), the closed form or SciPy's SLSQP per row and set —; the
attack against the exact method on linear problems; both for causal plausibility
(the counterfactual is the SCM's own under the action), bounds and validity at the
hard point; the recourse gap vanishes for a model blind to S and its descendants.
"""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

import causalfair as cf
from causalfair import _models
from causalfair._min_norm import cheapest_past_hyperplane

GRAPH = {"a": ["s"], "b": ["s", "a"], "c": ["a", "b"]}
ACTIONABLE = ["a", "b", "c"]


def chain_data(n: int, seed: int):
    """s → a → b → c with s → b, a → c: every actionable node descends from s."""
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 2, n)
    a = 1.0 * s + rng.normal(size=n)
    b = 0.8 * a - 0.5 * s + rng.normal(size=n)
    c = 0.5 * a + 1.2 * b + rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(a + b + c - 1)))).astype(int)
    return pd.DataFrame({"s": s, "a": 3.0 * a + 10.0, "b": b, "c": 0.5 * c}), y


@pytest.fixture(scope="module")
def linear_problem():
    X, y = chain_data(500, 0)
    scm = cf.SCM(GRAPH, sensitive="s", random_state=0).fit(X)
    clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="erm", optimizer="newton",
                                  verbose=False).fit(X, y)
    return X, scm, clf


@pytest.fixture(scope="module")
def nonlinear_problem():
    X, y = chain_data(400, 1)
    scm = cf.SCM(GRAPH, sensitive="s", mechanism=cf.MLPMechanism(hidden_layer_sizes=(8,), epochs=20),
                 random_state=0).fit(X)
    clf = cf.FairRobustClassifier(scm=scm, model="mlp", hidden_layer_sizes=(16,), method="erm", epochs=20,
                                  random_state=0, verbose=False).fit(X, y)
    return X, scm, clf


# ---------------------------------------------------------------------- the reference


class NumpyLinearSCM:
    """The linear SCM refitted independently: OLS with intercept per node on the
    encoded (standardized, population std) columns, hard interventions by hand."""

    def __init__(self, X: pd.DataFrame):
        self.order = ["s", "a", "b", "c"]
        self.mean = {n: (0.0 if n == "s" else X[n].mean()) for n in self.order}
        self.std = {n: (1.0 if n == "s" else X[n].std(ddof=0)) for n in self.order}
        z = self.encode(X)
        self.coef = {}
        for node, parents in GRAPH.items():
            design = np.column_stack([z[:, self.order.index(p)] for p in parents] + [np.ones(len(z))])
            self.coef[node] = np.linalg.lstsq(design, z[:, self.order.index(node)], rcond=None)[0]

    def encode(self, X: pd.DataFrame) -> np.ndarray:
        return np.column_stack([(X[n].to_numpy(float) - self.mean[n]) / self.std[n] for n in self.order])

    def f(self, node, z):
        parents = GRAPH[node]
        return z[:, [self.order.index(p) for p in parents]] @ self.coef[node][:-1] + self.coef[node][-1]

    def intervene(self, z: np.ndarray, amounts: dict) -> np.ndarray:
        """Counterfactual rows under do(V_i := v_i + a_i) for the nodes of ``amounts``."""
        out = z.copy()
        for j, node in enumerate(self.order):
            if node in amounts:
                out[:, j] = z[:, j] + amounts[node]
            elif node in GRAPH:
                out[:, j] = self.f(node, out) + (z[:, j] - self.f(node, z))
        return out


def reference_costs(X, training, clf, bounds=None):
    """Cheapest cost per row of ``X`` over every non-empty intervention set, the SCM
    refitted on ``training``: closed form without bounds, SLSQP with them. Bounds in
    user units on the amount."""
    model = NumpyLinearSCM(training)
    z = model.encode(X)
    w, b = clf.coef_.ravel(), float(clf.intercept_[0])
    threshold = math.log(clf.threshold_) - math.log1p(-clf.threshold_)
    margin = threshold - (z @ w + b)
    best = np.full(len(X), np.inf)
    for size in range(1, 4):
        for subset in itertools.combinations(ACTIONABLE, size):
            base = model.intervene(z, {n: 0.0 for n in subset}) @ w
            c = np.array([model.intervene(z, {n: float(n == m) for n in subset}) @ w - base
                          for m in subset]).T  # rows × |I|, equal rows (linear)
            for r in np.flatnonzero(margin > 0):
                if bounds is None:
                    best[r] = min(best[r], margin[r] / np.linalg.norm(c[r]))
                    continue
                box = [tuple(None if v is None else v / model.std[n] for v in bounds.get(n, (None, None)))
                       for n in subset]
                start = np.clip(margin[r] * c[r] / (c[r] @ c[r]), [lo if lo is not None else -np.inf
                                                                     for lo, _ in box],
                                [hi if hi is not None else np.inf for _, hi in box])
                solution = minimize(lambda a: a @ a, start, jac=lambda a: 2 * a, method="SLSQP", bounds=box,
                                    constraints=[{"type": "ineq", "fun": lambda a, r=r: c[r] @ a - margin[r],
                                                  "jac": lambda a, r=r: c[r]}],
                                    options={"ftol": 1e-14, "maxiter": 500})
                if solution.success and c[r] @ solution.x >= margin[r] - 1e-9:
                    best[r] = min(best[r], float(np.linalg.norm(solution.x)))
    return pd.Series(np.where(margin > 0, best, 0.0), index=X.index)


BOUNDS = {"a": (0.0, 1.0), "b": (-0.4, 0.8), "c": (None, 0.3)}


# ---------------------------------------------------------------------- exact


@pytest.mark.parametrize("bounds", [None, BOUNDS], ids=["unbounded", "bounded"])
def test_exact_matches_an_independent_solution(linear_problem, bounds):
    X, scm, clf = linear_problem
    rows = X.iloc[:60]
    result = cf.recourse(clf, scm, rows, actionable=ACTIONABLE, bounds=bounds, method="exact")
    expected = reference_costs(rows, X, clf, bounds)
    assert result.method == "exact"
    assert result.needed.sum() > 10
    reachable = np.isfinite(expected)
    assert (result.found == reachable).all()
    np.testing.assert_allclose(result.cost[reachable], expected[reachable], rtol=1e-6, atol=1e-9)
    if bounds is None:
        assert result.found.all()


def test_exact_respects_bounds_and_is_valid_at_the_hard_point(linear_problem):
    X, scm, clf = linear_problem
    result = cf.recourse(clf, None, X, actionable=ACTIONABLE, bounds=BOUNDS, method="exact")
    for node, (low, high) in BOUNDS.items():
        amounts = result.actions[node].dropna()
        assert (amounts >= (-np.inf if low is None else low) - 1e-12).all()
        assert (amounts <= (np.inf if high is None else high) + 1e-12).all()
    found = result.found & result.needed
    assert found.sum() > 0
    assert (clf.predict(result.counterfactuals[found]) == 1).all()
    assert (result.prediction[result.found] == 1).all()
    assert (result.cost[~result.needed] == 0).all() and result.cost[result.needed & ~result.found].isna().all()


def test_the_counterfactual_is_the_scm_counterfactual_of_the_action(linear_problem, nonlinear_problem):
    for X, scm, clf in (linear_problem, nonlinear_problem):
        rows = X.iloc[:80]
        result = cf.recourse(clf, scm, rows, actionable=["a", "b"], random_state=0)
        found = result.needed & result.found
        assert found.sum() > 5
        for pattern, group in result.actions[found].notna().groupby(["a", "b"]):
            nodes = [n for n, on in zip(["a", "b"], pattern) if on]
            members = group.index
            do = {n: rows.loc[members, n].to_numpy() + result.actions.loc[members, n].to_numpy() for n in nodes}
            expected = scm.counterfactual(rows.loc[members], do=do)
            pd.testing.assert_frame_equal(result.counterfactuals.loc[members], expected)


def test_more_actionable_nodes_never_cost_more(linear_problem):
    # Pruning keeps every intervention set that can matter: with fewer actionable
    # nodes the cost is never lower, and recourse never appears.
    X, scm, clf = linear_problem
    rows = X.iloc[:60]
    every = cf.recourse(clf, scm, rows, actionable=ACTIONABLE, method="exact")
    for subset in (["a"], ["c"], ["a", "c"]):
        fewer = cf.recourse(clf, scm, rows, actionable=subset, method="exact")
        both = fewer.found & every.found
        assert (every.cost[both] <= fewer.cost[both] * (1 + 1e-9) + 1e-12).all()
        assert (every.found | ~fewer.found).all()


def test_target_zero_moves_the_other_way(linear_problem):
    X, scm, clf = linear_problem
    result = cf.recourse(clf, scm, X.iloc[:60], actionable=ACTIONABLE, target=0)
    assert result.needed.sum() > 5 and result.found[result.needed].all()
    assert (clf.predict(result.counterfactuals) == 0).all()
    assert ((clf.predict(X.iloc[:60]) == 1) == result.needed).all()


# ---------------------------------------------------------------------- attack


@pytest.mark.parametrize("bounds", [None, BOUNDS], ids=["unbounded", "bounded"])
def test_attack_is_as_valid_as_exact_and_within_one_percent_of_its_cost(linear_problem, bounds):
    X, scm, clf = linear_problem
    rows = X.iloc[:150]
    exact = cf.recourse(clf, scm, rows, actionable=ACTIONABLE, bounds=bounds, method="exact")
    attack = cf.recourse(clf, scm, rows, actionable=ACTIONABLE, bounds=bounds, method="attack", random_state=0)
    assert attack.method == "attack"
    assert attack.found.sum() >= exact.found.sum()
    both = exact.found & exact.needed
    assert (attack.found[both]).all()
    assert (attack.cost[both] <= 1.01 * exact.cost[both] + 1e-12).all()
    assert (attack.cost[both] >= exact.cost[both] * (1 - 1e-6) - 1e-12).all()  # exact is optimal


def test_attack_on_mlps_is_valid_bounded_and_deterministic(nonlinear_problem):
    X, scm, clf = nonlinear_problem
    rows = X.iloc[:60]
    bounds = {"a": (0.0, 2.0), "b": (-1.0, 1.0)}
    first = cf.recourse(clf, scm, rows, actionable=["a", "b"], bounds=bounds, random_state=3)
    again = cf.recourse(clf, scm, rows, actionable=["a", "b"], bounds=bounds, random_state=3)
    assert first.method == "attack"
    pd.testing.assert_frame_equal(first.to_frame(), again.to_frame())
    found = first.needed & first.found
    assert found.sum() > 0
    assert (clf.predict(first.counterfactuals[first.found]) == 1).all()
    for node, (low, high) in bounds.items():
        amounts = first.actions[node].dropna()
        assert ((amounts >= low) & (amounts <= high)).all()
    with pytest.raises(ValueError, match="exact"):
        cf.recourse(clf, scm, rows, actionable=["a"], method="exact")


# ---------------------------------------------------------------------- fairness of recourse


def blind_problem(seed: int = 0):
    """s → m (a mediator), r → q independent of s; y depends on r and q only."""
    rng = np.random.default_rng(seed)
    n = 400
    s = rng.integers(0, 2, n)
    m = 2.0 * s + rng.normal(size=n)
    r = rng.normal(size=n)
    q = 0.7 * r + 0.5 * m + rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(r + q + m)))).astype(int)
    X = pd.DataFrame({"s": s, "m": m, "r": r, "q": q})
    scm = cf.SCM({"m": ["s"], "q": ["r", "m"]}, sensitive="s", random_state=0).fit(X)
    clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="erm", optimizer="newton",
                                  verbose=False).fit(X, y)
    return X, scm, clf


def recourse_gap(clf, scm, X, actionable):
    twins = scm.twins(X)
    result = cf.recourse(clf, scm, twins.reset_index(drop=True), actionable=actionable)
    cost = pd.Series(result.cost.to_numpy(), index=twins.index).where(result.found.to_numpy())
    grouped = cost.groupby(level=0)
    complete = grouped.count() == len(scm.twin_levels_)
    return (grouped.max() - grouped.min())[complete]


def test_the_recourse_gap_is_zero_for_a_model_blind_to_s_and_its_descendants():
    X, scm, clf = blind_problem()
    # A model reading only r (a non-descendant of s); columns: s, m, r, q.
    parameters = _models.parameters(clf._handle)
    blind = np.array([0.0, 0.0, 1.3, 0.0, -0.2])
    assert parameters.shape == blind.shape
    _models.set_parameters(clf._handle, blind)
    rows = X.iloc[:50]
    gap = recourse_gap(clf, scm, rows, ["r"])
    assert gap.size > 5
    np.testing.assert_allclose(gap, 0.0, atol=1e-9)
    # The same check fails for a model that reads q, a descendant of s through m.
    _models.set_parameters(clf._handle, np.array([0.0, 0.0, 1.3, 0.8, -0.2]))
    assert recourse_gap(clf, scm, rows, ["r"]).max() > 1e-3
    _models.set_parameters(clf._handle, parameters)


# ---------------------------------------------------------------------- the result


def test_result_frame_group_costs_and_plot(linear_problem):
    import matplotlib
    matplotlib.use("Agg")
    X, scm, clf = linear_problem
    result = cf.recourse(clf, scm, X.iloc[:100], actionable=ACTIONABLE)
    frame = result.to_frame()
    assert frame.index.equals(X.index[:100])
    assert list(frame.columns[:5]) == ["needed", "found", "cost", "prediction", "group"]
    assert [c for c in frame.columns if c.startswith("action:")] == [f"action:{n}" for n in ACTIONABLE]
    costs = result.group_costs()
    assert set(costs.index) == {0, 1}
    for level, row in costs.iterrows():
        members = result.needed & (result.group == level)
        assert row["needed"] == members.sum()
        assert row["mean_cost"] == pytest.approx(result.cost[members & result.found].mean())
        assert row["low"] <= row["mean_cost"] <= row["high"]
    ax = result.plot()
    assert ax.get_ylabel().startswith("recourse cost")
    with pytest.raises(dataclasses_frozen_error()):
        result.method = "other"


def dataclasses_frozen_error():
    import dataclasses
    return dataclasses.FrozenInstanceError


def test_encoded_input_gives_the_same_costs(linear_problem):
    X, scm, clf = linear_problem
    rows = X.iloc[:40]
    from_frame = cf.recourse(clf, scm, rows, actionable=ACTIONABLE)
    from_matrix = cf.recourse(clf, scm, scm.encode(rows).to_numpy(), actionable=ACTIONABLE)
    np.testing.assert_array_equal(from_frame.cost.to_numpy(), from_matrix.cost.to_numpy())


def test_cost_weights_scale_the_cost_of_a_single_node(linear_problem):
    X, scm, clf = linear_problem
    rows = X.iloc[:40]
    plain = cf.recourse(clf, scm, rows, actionable=["a"])
    weighted = cf.recourse(clf, scm, rows, actionable=["a"], cost_weights={"a": 2.5})
    np.testing.assert_allclose(weighted.cost[plain.needed], 2.5 * plain.cost[plain.needed], rtol=1e-9)


# ---------------------------------------------------------------------- errors and fuzz


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(actionable=["s"]), ValueError, "sensitive"),
    (dict(actionable=["zz"]), ValueError, "not a node"),
    (dict(actionable=[]), ValueError, "at least one"),
    (dict(actionable=["a"], bounds={"a": (1.0, 2.0)}), ValueError, "low <= 0 <= high"),
    (dict(actionable=["a"], bounds={"b": (0, 1)}), ValueError, "not actionable"),
    (dict(actionable=["a"], bounds={"a": 3}), TypeError, "pair"),
    (dict(actionable=["a"], cost_weights={"a": 0}), ValueError, "positive"),
    (dict(actionable=["a"], cost_weights={"a": "x"}), TypeError, "positive number"),
    (dict(actionable=["a"], target=7), ValueError, "target"),
    (dict(actionable=["a"], method="gradient"), ValueError, "method"),
    (dict(actionable=["a"], steps=0), ValueError, "steps"),
])
def test_bad_arguments_are_named(linear_problem, kwargs, error, message):
    X, scm, clf = linear_problem
    with pytest.raises(error, match=message):
        cf.recourse(clf, scm, X.iloc[:5], **kwargs)


def test_immutable_nodes_and_coded_discrete_actions_are_refused():
    X, y = chain_data(200, 2)
    X["d"] = (X["a"] > 10).astype(int)
    graph = dict(GRAPH, d=["a"])
    scm = cf.SCM(graph, sensitive="s", immutable=["c"], random_state=0).fit(X)
    clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="erm", optimizer="newton",
                                  verbose=False).fit(X, y)
    with pytest.raises(ValueError, match="immutable"):
        cf.recourse(clf, scm, X, actionable=["a", "c"])
    anm = cf.SCM(graph, sensitive="s", immutable=["c"], discrete="anm", random_state=0).fit(X)
    coded = cf.FairRobustClassifier(scm=anm, model="logistic", method="erm", optimizer="newton",
                                    verbose=False).fit(X, y)
    with pytest.raises(ValueError, match=r"\['d'\] are binary or categorical nodes modelled as continuous codes"):
        cf.recourse(coded, anm, X, actionable=["d"])
    with pytest.raises(ValueError, match="levels, not amounts"):
        cf.recourse(clf, scm, X, actionable=["a", "d"], bounds={"d": (0, 1)})
    with pytest.raises(TypeError, match="FairRobustClassifier"):
        cf.recourse(object(), scm, X, actionable=["a"])
    other = cf.SCM(GRAPH, sensitive="s", random_state=0).fit(chain_data(200, 3)[0])
    with pytest.raises(ValueError, match="schema"):
        cf.recourse(clf, other, X, actionable=["a"])


def test_min_norm_matches_slsqp_on_random_boxes():
    rng = np.random.default_rng(0)
    rows, k = 40, 3
    c = rng.normal(size=(rows, k))
    m = rng.uniform(-0.5, 3.0, rows)
    weights = rng.uniform(0.5, 2.0, k)
    lower = np.array([-0.5, -np.inf, 0.0])
    upper = np.array([1.0, 0.7, np.inf])
    a, feasible = cheapest_past_hyperplane(c, m, weights, lower, upper)
    assert ((a >= lower) & (a <= upper)).all()
    for r in range(rows):
        reach = np.where(c[r] > 0, c[r] * upper, c[r] * lower).sum()
        assert feasible[r] == (m[r] <= 0 or reach >= m[r])
        if not feasible[r]:
            continue
        assert c[r] @ a[r] >= m[r] - 1e-12
        box = list(zip(np.where(np.isinf(lower), None, lower), np.where(np.isinf(upper), None, upper)))
        solution = minimize(lambda v: (weights * v) @ (weights * v), np.clip(np.zeros(k), lower, upper),
                            method="SLSQP", bounds=box,
                            constraints=[{"type": "ineq", "fun": lambda v, r=r: c[r] @ v - m[r]}],
                            options={"ftol": 1e-15, "maxiter": 1000})
        assert np.linalg.norm(weights * a[r]) == pytest.approx(np.linalg.norm(weights * solution.x), rel=1e-6,
                                                               abs=1e-9)


numbers = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 5))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actionable=st.lists(st.sampled_from(["s", "a", "b", "c", "zz"]), max_size=4),
       bounds=st.one_of(st.none(), st.dictionaries(st.sampled_from(["a", "b", "c"]),
                                                   st.one_of(st.tuples(numbers, numbers), numbers), max_size=3)),
       weights=st.one_of(st.none(), st.dictionaries(st.sampled_from(["a", "b", "c"]), numbers, max_size=3)),
       method=st.sampled_from(["auto", "exact", "attack", "bogus"]),
       target=st.sampled_from([0, 1, 2, "1"]),
       steps=st.integers(-1, 4), restarts=st.integers(0, 3))
def test_fuzzed_arguments_never_crash(linear_problem, actionable, bounds, weights, method, target, steps,
                                      restarts):
    X, scm, clf = linear_problem
    try:
        result = cf.recourse(clf, scm, X.iloc[:12], actionable=actionable, bounds=bounds, cost_weights=weights,
                             method=method, target=target, steps=steps, restarts=restarts, random_state=0)
    except (ValueError, TypeError):
        return
    assert (result.prediction[result.found] == target).all()
    assert (result.cost[result.found] >= 0).all() and result.cost[~result.found].isna().all()
    for node, pair in (bounds or {}).items():
        low, high = (-np.inf if pair[0] is None else pair[0]), (np.inf if pair[1] is None else pair[1])
        amounts = result.actions[node].dropna()
        assert ((amounts >= low) & (amounts <= high)).all()


lows = st.one_of(st.none(), st.floats(-3, 0))
highs = st.one_of(st.none(), st.floats(0, 3))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actionable=st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=3, unique=True),
       bounds=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.tuples(lows, highs), max_size=3),
       weights=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.floats(0.1, 10), max_size=3),
       method=st.sampled_from(["auto", "exact", "attack"]), target=st.sampled_from([0, 1]),
       steps=st.integers(1, 4), restarts=st.integers(1, 3))
def test_valid_arguments_give_proposals_that_hold(linear_problem, actionable, bounds, weights, method, target,
                                                  steps, restarts):
    """The fuzz above mostly draws refusals; here every draw is valid and must give
    proposals that hold: the stated prediction is the target and the classifier's own
    on the counterfactual, costs are >= 0, and every amount is within its bounds."""
    X, scm, clf = linear_problem
    bounds = {k: v for k, v in bounds.items() if k in actionable}
    weights = {k: v for k, v in weights.items() if k in actionable}
    result = cf.recourse(clf, scm, X.iloc[:12], actionable=actionable, bounds=bounds, cost_weights=weights,
                         method=method, target=target, steps=steps, restarts=restarts, random_state=0)
    found = result.found.to_numpy()
    assert (result.prediction[found] == target).all()
    if found.any():
        assert (clf.predict(result.counterfactuals[found]) == target).all()
    assert (result.cost[found] >= 0).all() and result.cost[~found].isna().all()
    for node, (low, high) in bounds.items():
        amounts = result.actions[node].dropna()
        assert ((amounts >= (-np.inf if low is None else low) - 1e-12)
                & (amounts <= (np.inf if high is None else high) + 1e-12)).all()


# ---------------------------------------------------------------------- fairness of recourse in the audit


def test_recourse_fairness_is_zero_for_a_blind_model_and_reported_by_the_audit():
    X, scm, clf = blind_problem()
    parameters = _models.parameters(clf._handle)
    rows = X.iloc[:60]
    try:
        _models.set_parameters(clf._handle, np.array([0.0, 0.0, 1.3, 0.0, -0.2]))
        blind = cf.recourse_fairness(clf, scm, rows, actionable=["r"])
        assert blind.loc["recourse_gap", "value"] == pytest.approx(0.0, abs=1e-9)
        assert blind.loc["recourse_gap", "n"] == 60
        assert blind.loc["recourse_twins_disagree", "value"] == 0.0
        _models.set_parameters(clf._handle, np.array([0.0, 0.0, 1.3, 0.8, -0.2]))
        report = cf.audit(clf, scm, rows, radii=(), recourse=dict(actionable=["r"]), random_state=0)
        frame = report.to_frame()
        assert frame.loc["recourse_gap", "value"] > 1e-3
        assert frame.loc["recourse_gap", "ci_low"] <= frame.loc["recourse_gap", "value"] <= \
            frame.loc["recourse_gap", "ci_high"]
        # Group means agree with cf.recourse on the factual rows.
        by_group = cf.recourse(clf, scm, rows, actionable=["r"]).group_costs()
        for level in (0, 1):
            assert frame.loc[f"recourse_cost[{level}]", "value"] == pytest.approx(by_group.loc[level, "mean_cost"],
                                                                                  rel=1e-9)
        gap = frame.loc["recourse_group_gap", "value"]
        assert gap == pytest.approx(abs(by_group["mean_cost"].iloc[0] - by_group["mean_cost"].iloc[1]), rel=1e-9)
    finally:
        _models.set_parameters(clf._handle, parameters)


@pytest.mark.parametrize("options, error", [
    ("r", TypeError), (dict(bounds={}), ValueError), (dict(actionable=["r"], colour=1), ValueError),
    (dict(actionable=["s"]), ValueError), (dict(actionable=["r"], method="exact", steps=0), ValueError),
])
def test_audit_refuses_bad_recourse_options_before_any_work(options, error):
    X, scm, clf = blind_problem()
    with pytest.raises(error, match="recourse|actionable|steps"):
        cf.audit(clf, scm, X.iloc[:5], radii=(), recourse=options)


def test_a_threshold_no_logit_reaches_leaves_recourse_unfound():
    # threshold="mcc" may pick 1.0 for an uninformative model: no row is ever positive.
    X, scm, clf = blind_problem()
    clf.threshold_ = 1.0
    for method in ("exact", "attack"):
        result = cf.recourse(clf, scm, X.iloc[:10], actionable=["r"], method=method, steps=2, random_state=0)
        assert result.needed.all() and not result.found.any() and result.cost.isna().all()
    clf.threshold_ = 0.0
    assert not cf.recourse(clf, scm, X.iloc[:10], actionable=["r"]).needed.any()


def test_binary_descendants_modelled_as_codes_are_refused():
    """An action on `a` moves its binary child `b`, which an ANM SCM models as a continuous
    code: a proposal decided on b = 0.39 would show b = 0 and not hold when fed back
    (57 of 60 'found' rows failed before). Refused, naming the node; with Gumbel-max
    mechanisms every proposal holds when fed back to the classifier."""
    rng = np.random.default_rng(0)
    n = 600
    s = rng.integers(0, 2, n)
    a = s + rng.normal(size=n)
    b = (rng.random(n) < 1 / (1 + np.exp(-2 * a))).astype(int)
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.3 * a + 3 * b - 1.5)))).astype(int)
    X = pd.DataFrame({"s": s, "a": a, "b": b})
    graph = {"s": [], "a": ["s"], "b": ["a"]}
    scm = cf.SCM(graph, sensitive="s", discrete="anm", random_state=0).fit(X)
    clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="erm", optimizer="newton").fit(X, y)
    with pytest.raises(ValueError, match=r"\['b'\] are binary or categorical descendants"):
        cf.recourse(clf, None, X.head(50), actionable=["a"])
    gumbel = cf.SCM(graph, sensitive="s", random_state=0).fit(X)  # the default: Gumbel-max
    clf = cf.FairRobustClassifier(scm=gumbel, model="logistic", method="erm", optimizer="newton").fit(X, y)
    result = cf.recourse(clf, None, X.head(50), actionable=["a"], random_state=0)
    chosen = (result.needed & result.found).to_numpy()
    assert chosen.any()
    assert (clf.predict(result.counterfactuals[chosen]) == 1).all()


def switch_data(n: int, seed: int):
    """s → a → d (binary, logistic in a and s), r a binary root; y favours high a, d = 1
    and r = 1."""
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 2, n)
    r = rng.integers(0, 2, n)
    a = 0.8 * s + rng.normal(size=n)
    d = (rng.random(n) < 1 / (1 + np.exp(-(1.5 * a - 0.5 * s)))).astype(int)
    y = (rng.random(n) < 1 / (1 + np.exp(-(1.2 * a + 2.0 * d + 1.0 * r - 2.0)))).astype(int)
    return pd.DataFrame({"s": s, "r": r, "a": a, "d": d}), y


@pytest.fixture(scope="module")
def switch_problem():
    X, y = switch_data(800, 1)
    scm = cf.SCM({"s": [], "r": [], "a": ["s"], "d": ["a", "s"]}, sensitive="s", random_state=0).fit(X)
    clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="erm", optimizer="newton",
                                  verbose=False).fit(X, y)
    return X, scm, clf


def test_discrete_actions_are_switches_to_levels_checked_by_brute_force(switch_problem):
    """Only discrete actionable nodes: recourse is the cheapest set of switches, found
    by enumerating them by hand with scm.counterfactual and clf.predict (an independent
    search): the same rows found, the same costs (w per switched node), the actions are
    levels and the counterfactuals hold when fed back."""
    X, scm, clf = switch_problem
    rows = X.head(120)
    result = cf.recourse(clf, scm, rows, actionable=["r", "d"], cost_weights={"r": 2.0, "d": 1.0},
                         random_state=0)
    best = pd.Series(np.inf, index=rows.index)
    for do, price in (({"d": 1 - rows["d"]}, 1.0), ({"r": 1 - rows["r"]}, 2.0),
                      ({"r": 1 - rows["r"], "d": 1 - rows["d"]}, np.sqrt(5.0))):
        # the engine's counterfactual of one level per row: group rows by their target levels
        for levels, part in rows.groupby([rows[k] for k in do], sort=False):
            levels = levels if isinstance(levels, tuple) else (levels,)
            switched = scm.counterfactual(part, do={k: 1 - v for k, v in zip(do, levels)})
            hits = clf.predict(switched) == 1
            best[part.index[hits]] = np.minimum(best[part.index[hits]], price)
    needed = clf.predict(rows) == 0
    best[~needed] = 0.0
    assert result.needed.tolist() == needed.tolist()
    assert result.found.tolist() == np.isfinite(best).tolist()
    found = result.found & result.needed
    assert np.allclose(result.cost[found], best[found])
    assert (clf.predict(result.counterfactuals[found]) == 1).all()
    for name in ("r", "d"):
        chosen = result.actions[name].dropna()
        assert set(chosen) <= {0, 1}
        assert (chosen != rows.loc[chosen.index, name]).all()  # a switch is to another level
        assert (result.counterfactuals.loc[chosen.index, name] == chosen).all()


def test_switches_combine_with_continuous_actions(switch_problem):
    """With a continuous and a discrete actionable node every proposal holds when fed
    back, costs √(‖Wa‖² + Σ w²), and is no dearer than the best of acting on either alone."""
    X, scm, clf = switch_problem
    rows = X.head(80)
    both = cf.recourse(clf, scm, rows, actionable=["a", "r"], random_state=0)
    alone = [cf.recourse(clf, scm, rows, actionable=[name], random_state=0) for name in ("a", "r")]
    found = both.found & both.needed
    assert found.any()
    assert (clf.predict(both.counterfactuals[found]) == 1).all()
    a = both.actions["a"].fillna(0.0) / scm.schema_.by_name["a"].std
    switched = both.actions["r"].notna()
    assert np.allclose(both.cost[found], np.sqrt(a[found] ** 2 + switched[found].astype(float)))
    for single in alone:
        both_found = found & single.found
        assert (both.cost[both_found] <= single.cost[both_found] + 1e-6).all()
        assert not (single.found & ~both.found).any()
    # the fairness of recourse takes the same actionable nodes, switches included
    fairness = cf.recourse_fairness(clf, scm, rows.head(30), actionable=["a", "r"], random_state=0)
    assert np.isfinite(fairness.loc["recourse_gap", "value"]) and fairness.loc["recourse_gap", "value"] >= 0


def test_proposals_are_the_scms_counterfactual_of_the_whole_table(switch_problem):
    """d is a Gumbel-max child of the actionable a: its counterfactual takes a posterior
    draw of d's noise, labelled by the row's position in the table. The proposals are
    scm.counterfactual(X, do={"a": ...}) of the whole X (each row at its own position),
    whichever rows the search evaluated together."""
    X, scm, clf = switch_problem
    rows = X.head(150)
    result = cf.recourse(clf, scm, rows, actionable=["a"], random_state=0)
    acted = result.actions["a"].notna()
    assert acted.sum() > 20
    proposed_a = np.where(acted, rows["a"] + result.actions["a"].fillna(0.0), rows["a"])
    whole = scm.counterfactual(rows, do={"a": proposed_a})
    pd.testing.assert_frame_equal(result.counterfactuals[acted], whole[acted], check_exact=False, rtol=1e-9)
    assert (whole.loc[acted, "d"] != rows.loc[acted, "d"]).any()  # d moves with a: the draws matter


def test_a_row_the_engine_refuses_does_not_spoil_the_others(switch_problem, monkeypatch):
    """A row whose noise the engine refuses to abduct (here made to) gets no recourse;
    every other row's search — abducted and evaluated with it in the same calls — is as
    it was, bit for bit."""
    from causalfair import _handles
    X, scm, clf = switch_problem
    rows = X.head(60)
    expected = cf.recourse(clf, scm, rows, actionable=["a"], random_state=0)
    victim = int(np.flatnonzero((expected.needed & expected.found).to_numpy())[0])
    poison = scm.encode(rows).to_numpy()[victim]
    original = _handles.abduct_at

    def refusing(handle, data, labels):
        if (np.abs(data - poison).max(axis=1) == 0).any():
            raise ValueError("abduction: refused")
        return original(handle, data, labels)

    monkeypatch.setattr(_handles, "abduct_at", refusing)
    again = cf.recourse(clf, scm, rows, actionable=["a"], random_state=0)
    assert not again.found.iloc[victim] and np.isnan(again.cost.iloc[victim])
    others = np.arange(len(rows)) != victim
    assert again.found[others].equals(expected.found[others])
    pd.testing.assert_frame_equal(again.counterfactuals[others], expected.counterfactuals[others])
    pd.testing.assert_series_equal(again.cost[others], expected.cost[others])


def test_rows_whose_noise_cannot_be_abducted_get_no_recourse_and_nothing_hangs(switch_problem, monkeypatch):
    """Every row refused by the abduction: no recourse for any row needing one, in finite
    time (the halving stops at single rows and at empty halves)."""
    from causalfair import _handles
    X, scm, clf = switch_problem
    rows = X.head(30)

    def refusing(handle, data, labels):
        raise ValueError("abduction: refused")

    monkeypatch.setattr(_handles, "abduct_at", refusing)
    result = cf.recourse(clf, scm, rows, actionable=["a"], random_state=0)
    assert result.needed.any() and not (result.found & result.needed).any()


def test_the_search_is_the_same_on_any_thread_count(switch_problem):
    """The engine's step runs in pieces fixed by the row count: one thread or two, the
    same proposals, costs and counterfactuals, bit for bit."""
    X, scm, clf = switch_problem
    rows = X.head(200)
    one = cf.recourse(clf, scm, rows, actionable=["a"], random_state=0, n_threads=1)
    two = cf.recourse(clf, scm, rows, actionable=["a"], random_state=0, n_threads=2)
    pd.testing.assert_frame_equal(one.to_frame(), two.to_frame(), check_exact=True)
    pd.testing.assert_frame_equal(one.counterfactuals, two.counterfactuals, check_exact=True)
