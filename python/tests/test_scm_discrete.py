"""Gumbel-max mechanisms of discrete nodes (``SCM(..., discrete="gumbel")``, DESIGN §4
"Discrete nodes"): counterfactuals from posterior draws against the true SCM re-run
with its true noise, the invariants of the posterior draws, and the logistic fit
against scikit-learn."""

import json

import numpy as np
import pandas as pd
import pytest

import causalfair as cf

GRAPH = {"B": ["S"], "X": ["S", "B"], "C": ["S"], "Y": ["B", "C"]}


def _c_logits(s):
    """True logits of C's levels 0, 1, 2 given S (level 0 the reference)."""
    s = np.asarray(s, dtype=float)
    return np.stack([np.zeros_like(s), 0.4 + 0.9 * s, -0.3 - 1.1 * s], axis=1)


def _structural(s, logistic, gumbel, x_noise, y_noise):
    """The true SCM's structural equations from its noise (S given)."""
    b = (-0.6 + 1.4 * s + logistic > 0).astype(int)
    c = np.argmax(_c_logits(s) + gumbel, axis=1)
    x = 0.5 + 1.0 * s - 0.8 * b + x_noise
    y = 1.5 * b + np.array([0.0, 1.0, -1.0])[c] + y_noise
    return b, c, x, y


def _true_data(n, seed):
    """n rows of the issue's data-generating SCM and the noise that made them."""
    rng = np.random.default_rng(seed)
    s = rng.integers(0, 2, n)
    u = rng.random(n)
    noise = dict(logistic=np.log(u) - np.log1p(-u), gumbel=rng.gumbel(size=(n, 3)),
                 x_noise=rng.normal(size=n), y_noise=rng.normal(size=n))
    b, c, x, y = _structural(s, **noise)
    frame = pd.DataFrame({"S": s, "B": b, "X": x, "C": pd.Categorical(np.array(["c0", "c1", "c2"])[c]), "Y": y})
    return frame, s, noise


@pytest.fixture(scope="module")
def truth():
    frame, s, noise = _true_data(50_000, seed=13)
    scm = cf.SCM(GRAPH, sensitive="S", discrete="gumbel", random_state=0).fit(frame)
    return frame, s, noise, scm


def test_counterfactual_distribution_matches_true_scm_per_cell(truth):
    """do(S := 1 − s): per observed (B, C, S) cell, the frequency of every B′ and C′
    level over the posterior draws (R = 4 per row) of a correctly specified fit equals
    the one of the true SCM re-run with the true noise, within
    4·sqrt(2·p(1−p)/n_cell) + 0.01 (two Monte Carlo errors of the cell's mean, each at
    most p(1−p)/n_cell since a row's draws average, and 0.01 for the fitted logits).
    The interventional law P(B′ | S′), which ignores what the row shows, is rejected
    by the same test: the posterior is what carries the information."""
    frame, s, noise, scm = truth
    flipped = 1 - s
    b_true, c_true, _, _ = _structural(flipped, **noise)
    draws = 4
    counterfactual = scm.counterfactual(frame, do={"S": flipped}, n_draws=draws, random_state=5)
    assert list(counterfactual.index.names) == ["row", "draw"] and len(counterfactual) == len(frame) * draws
    b_draws = counterfactual["B"].to_numpy().reshape(-1, draws)
    c_draws = counterfactual["C"].astype(str).to_numpy().reshape(-1, draws)
    observed_c = frame["C"].astype(str).to_numpy()
    c_names = np.array(["c0", "c1", "c2"])
    prior_b = 1 / (1 + np.exp(-(-0.6 + 1.4 * flipped)))
    rejected = 0
    for s_value in (0, 1):
        for b_value in (0, 1):
            for c_value in c_names:
                cell = (s == s_value) & (frame["B"].to_numpy() == b_value) & (observed_c == c_value)
                n_cell = int(cell.sum())
                assert n_cell > 200
                pairs = [(b_true[cell] == 1, (b_draws[cell] == 1).mean(axis=1))]
                pairs += [(c_names[c_true[cell]] == k, (c_draws[cell] == k).mean(axis=1)) for k in c_names]
                for true_hits, posterior_hits in pairs:
                    p, q = true_hits.mean(), posterior_hits.mean()
                    tolerance = 4 * np.sqrt(2 * max(p * (1 - p), 1e-4) / n_cell) + 0.01
                    assert abs(p - q) <= tolerance, (s_value, b_value, c_value, p, q, tolerance)
                p = (b_true[cell] == 1).mean()
                tolerance = 4 * np.sqrt(2 * max(p * (1 - p), 1e-4) / n_cell) + 0.01
                rejected += abs(p - prior_b[cell].mean()) > tolerance
    assert rejected >= 4


def test_posterior_draws_keep_the_row_and_hard_codes(truth):
    """The factual twin is the row in every draw; every twin has exact 0/1 and one-hot
    codes; the distance from a row to each of its twins is 0; a do() on X (a parent of
    neither B nor C) leaves B and C unchanged in every draw."""
    frame, _, _, scm = truth
    rows = frame.head(200)
    draws = 5
    twins = scm.twins(rows, n_draws=draws, random_state=3, encoded=True)
    assert list(twins.index.names) == ["row", "draw", "twin"] and len(twins) == 200 * draws * 2
    factual = twins[twins.index.get_level_values("twin") == twins.index.get_level_values("row").map(
        lambda r: rows["S"].iloc[r])]
    expected = scm.twins(rows, encoded=True)
    expected = expected[expected.index.get_level_values("twin") == expected.index.get_level_values("row").map(
        lambda r: rows["S"].iloc[r])]
    for draw in range(draws):
        got = factual[factual.index.get_level_values("draw") == draw].to_numpy()
        np.testing.assert_allclose(got, expected.to_numpy(), rtol=0, atol=1e-12)
    discrete = [c for c in twins.columns if c == "B" or c.startswith("C=")]
    assert set(np.unique(twins[discrete].to_numpy())) <= {0.0, 1.0}
    assert (twins[[c for c in twins.columns if c.startswith("C=")]].sum(axis=1) == 1).all()
    repeated = rows.loc[rows.index.repeat(draws * 2)]
    decoded = scm.twins(rows, n_draws=draws, random_state=3)
    assert np.all(np.asarray(scm.metric(repeated.reset_index(drop=True), decoded.reset_index(drop=True))) < 1e-9)
    moved = scm.counterfactual(rows, do={"X": 0.0}, n_draws=draws, random_state=1)
    for column in ("B", "C"):
        np.testing.assert_array_equal(moved[column].astype(str).to_numpy(),
                                      np.repeat(rows[column].astype(str).to_numpy(), draws))


def test_draws_do_not_depend_on_other_rows_and_round_trip(truth):
    """One random stream per (row, draw): a row's draws are the same alone or with
    others; the same seed gives the same draws after a JSON round trip."""
    frame, _, _, scm = truth
    rows = frame.head(50)
    whole = scm.twins(rows, n_draws=3, random_state=7, encoded=True).to_numpy()
    alone = scm.twins(rows.head(20), n_draws=3, random_state=7, encoded=True).to_numpy()
    np.testing.assert_array_equal(whole[: len(alone)], alone)
    clone = cf.SCM.from_dict(json.loads(json.dumps(scm.to_dict())))
    assert clone.discrete == "gumbel"
    np.testing.assert_array_equal(clone.twins(rows, n_draws=3, random_state=7, encoded=True).to_numpy(), whole)


def test_logistic_fit_matches_scikit_learn():
    """The linear Gumbel-max mechanism of a categorical node is the unpenalised
    multinomial logistic regression: its logits (relative to level 0) match
    scikit-learn's, fitted to a tight tolerance."""
    linear_model = pytest.importorskip("sklearn.linear_model")
    frame, _, _ = _true_data(5_000, seed=2)
    rng = np.random.default_rng(1)
    frame["Z"] = rng.normal(size=len(frame))
    frame["C"] = np.argmax(_c_logits(frame["S"]) + np.stack([0 * frame.Z, 0.7 * frame.Z, -0.5 * frame.Z], 1)
                           + rng.gumbel(size=(len(frame), 3)), axis=1).astype(str)
    scm = cf.SCM({"C": ["S", "Z"]}, sensitive="S", kinds={"C": "categorical"}, discrete="gumbel",
                 standardize=False, random_state=0).fit(frame[["S", "Z", "C"]])
    ours = np.asarray(scm.to_dict()["fitted"]["parameters"])  # W (2 inputs x 2 logits) row-major, then b
    reference = linear_model.LogisticRegression(penalty=None, tol=1e-12, max_iter=10_000)
    reference.fit(frame[["S", "Z"]].to_numpy(float), frame["C"])
    coef = reference.coef_ - reference.coef_[0]
    intercept = reference.intercept_ - reference.intercept_[0]
    expected = np.concatenate([coef[1:].T.ravel(), intercept[1:]])
    np.testing.assert_allclose(ours, expected, atol=1e-5)


def test_default_is_gumbel_and_bad_arguments_are_refused(truth):
    frame, _, _, scm = truth
    assert cf.SCM(GRAPH, sensitive="S").discrete == "gumbel"
    fitted = cf.SCM(GRAPH, sensitive="S", random_state=0).fit(frame.head(500))
    assert fitted.schema_.nodes[[n.name for n in fitted.schema_.nodes].index("B")].discrete == "gumbel"
    with pytest.raises(ValueError, match="discrete"):
        cf.SCM(GRAPH, sensitive="S", discrete="argmax").fit(frame.head(100))
    for bad, error in ((0, ValueError), (True, TypeError), (2.5, TypeError), ("3", TypeError)):
        with pytest.raises(error, match="n_draws"):
            scm.twins(frame.head(3), n_draws=bad)
        with pytest.raises(error, match="n_draws"):
            scm.counterfactual(frame.head(3), do={"S": 1}, n_draws=bad)


def test_metric_is_infinite_across_an_impossible_switch(truth):
    """B's logit rises with S (−0.6 + 1.4 S): a row with S = 0, B = 1 can have B′ = 0
    under S′ = 0 only, never under S′ = 1 (P(B′ = 1 | B = 1) = 1 when the logit rises),
    so the distance to that point is inf, while the twins are at distance 0."""
    frame, _, _, scm = truth
    rows = frame[(frame["S"] == 0) & (frame["B"] == 1)].head(20).reset_index(drop=True)
    impossible = rows.assign(S=1, B=0)
    assert np.isinf(np.asarray(scm.metric(rows, impossible))).all()
    possible = rows.assign(S=1)  # B stays 1: always possible when its logit rises
    assert np.isfinite(np.asarray(scm.metric(rows, possible))).all()
