"""DP fitting of the SCM (``SCM(privacy=...)``) and its composition with a DP
classifier trained on the same rows (``FairRobustClassifier.total_epsilon_``)."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings, strategies as st

import causalfair as cf
from causalfair import privacy

dp_accounting = pytest.importorskip("dp_accounting", reason="privacy needs dp-accounting (pip install dp-accounting)")

GRAPH = {"a": ["s"], "c": ["s", "a"], "x": ["s", "a", "c"]}
#: Two MLP maps per node kind: a continuous node (a, x) and a categorical one (c, Gumbel-max logits).
MLP = cf.MLPMechanism(hidden_layer_sizes=(6,), epochs=3, batch_size=50)


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(0)
    n = 400
    s = rng.integers(0, 2, n)
    a = s + rng.normal(size=n)
    c = np.where(rng.random(n) < 0.3 + 0.3 * s, "u", np.where(rng.random(n) < 0.5, "v", "w"))
    x = a - s + (c == "u") + 0.5 * rng.normal(size=n)
    y = (x + 0.3 * rng.normal(size=n) > 0.5).astype(int)
    return pd.DataFrame(dict(s=s, a=a, c=c, x=x)), y


def private_scm(target=2.0, seed=0, **privacy_settings):
    return cf.SCM(GRAPH, sensitive="s", mechanism=MLP, discrete="gumbel", random_state=seed,
                  privacy=dict(target_epsilon=target, **privacy_settings))


def fresh_epsilon(runs_by_sigma, delta):
    """ε of DP-SGD runs [(σ, q, steps), ...] on the same rows, each run composed
    ``steps`` times in turn by a new dp-accounting RDP accountant (the runs need not
    share σ)."""
    accountant = dp_accounting.rdp.RdpAccountant(orders=privacy._ORDERS)
    for sigma, q, steps in runs_by_sigma:
        accountant.compose(dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma)), steps)
    return accountant.get_epsilon(delta)


@pytest.mark.parametrize("target", [0.5, 3.0])
def test_scm_sigma_is_calibrated_for_the_composition_of_its_node_runs(frame, target):
    scm = private_scm(target, delta=1e-4).fit(frame[0])
    # One run per node with an MLP map (a, c, x): q = 50/400, 3 epochs of 8 steps.
    assert scm.dp_runs_ == [(0.125, 24)] * 3
    assert scm.delta_ == 1e-4
    fresh = fresh_epsilon([(scm.noise_multiplier_, 0.125, 24)] * 3, 1e-4)
    assert scm.epsilon_ == pytest.approx(fresh, rel=1e-12)
    assert scm.epsilon_ <= target
    # Tight: 1 % less noise would overspend the target.
    assert fresh_epsilon([(0.99 * scm.noise_multiplier_, 0.125, 24)] * 3, 1e-4) > target
    # Three runs need more noise than one alone at the same target.
    assert scm.noise_multiplier_ > privacy.calibrate_noise_multiplier(target, 1e-4, 0.125, 24)


def test_scm_dp_fit_is_deterministic_for_a_seed_and_noisy(frame):
    X = frame[0]
    first, second = private_scm(seed=3).fit(X), private_scm(seed=3).fit(X)
    parameters = lambda scm: np.asarray(scm.to_dict()["fitted"]["parameters"])  # noqa: E731
    assert np.array_equal(parameters(first), parameters(second))
    assert not np.array_equal(parameters(first), parameters(private_scm(seed=4).fit(X)))
    plain = cf.SCM(GRAPH, sensitive="s", mechanism=MLP, discrete="gumbel", random_state=3).fit(X)
    assert not np.allclose(parameters(first), parameters(plain), atol=1e-3)
    assert not hasattr(plain, "epsilon_")
    # The DP fit is a usable SCM: twins are realizable rows.
    twins = first.twins(X.head(5))
    assert set(twins["c"].unique()) <= {"u", "v", "w"}


def test_scm_privacy_survives_to_dict_pickle_and_refit(frame):
    scm = private_scm().fit(frame[0])
    for copy in (cf.SCM.from_dict(scm.to_dict()), pickle.loads(pickle.dumps(scm))):
        assert (copy.epsilon_, copy.delta_, copy.noise_multiplier_, copy.dp_runs_) == \
            (scm.epsilon_, scm.delta_, scm.noise_multiplier_, scm.dp_runs_)
        assert copy.privacy == scm.privacy
    scm.set_params(privacy=None).fit(frame[0])
    assert not hasattr(scm, "epsilon_") and not hasattr(scm, "dp_runs_")


def test_classifier_composes_its_run_with_the_scm_fit_by_a_fresh_accountant(frame):
    X, y = frame
    scm = private_scm(1.0, delta=1e-4).fit(X)
    clf = cf.FairRobustClassifier(scm=scm, method="causal_at", model="logistic", epochs=2, batch_size=100,
                                  privacy=dict(target_epsilon=1.0, delta=1e-4), random_state=0,
                                  verbose=False).fit(X, y)
    runs = [(scm.noise_multiplier_, 0.125, 24)] * 3 + [(clf.noise_multiplier_, 0.25, 8)]
    assert clf.total_epsilon_ == pytest.approx(fresh_epsilon(runs, 1e-4), rel=1e-12)
    # RDP composition: above either part, below the sum of the parts' ε.
    assert max(scm.epsilon_, clf.epsilon_) < clf.total_epsilon_ < scm.epsilon_ + clf.epsilon_
    # An unfitted private SCM is fitted on X inside fit, with the same accounting.
    inside = cf.FairRobustClassifier(scm=private_scm(1.0, delta=1e-4), method="erm", model="logistic", epochs=2,
                                     batch_size=100, privacy=dict(target_epsilon=1.0, delta=1e-4),
                                     random_state=0, verbose=False).fit(X, y)
    assert inside.total_epsilon_ == pytest.approx(clf.total_epsilon_, rel=1e-12)


def test_classifier_total_epsilon_without_a_private_scm(frame):
    X, y = frame
    settings = dict(method="erm", model="logistic", epochs=2, batch_size=100, privacy=dict(target_epsilon=1.0),
                    random_state=0, verbose=False)
    fitted_here = cf.FairRobustClassifier(scm=cf.SCM(GRAPH, sensitive="s", discrete="gumbel"), **settings).fit(X, y)
    assert fitted_here.total_epsilon_ == math.inf  # the SCM released the same rows without noise
    fitted_before = cf.SCM(GRAPH, sensitive="s", discrete="gumbel").fit(X)
    given = cf.FairRobustClassifier(scm=fitted_before, **settings).fit(X, y)
    # fitted without privacy on (here) the same rows: never reported as a finite spend
    assert given.total_epsilon_ == math.inf and math.isfinite(given.epsilon_)
    no_scm = cf.FairRobustClassifier(**settings).fit(X.drop(columns="c"), y)
    assert no_scm.total_epsilon_ == no_scm.epsilon_


def test_scm_privacy_refusals_name_the_problem(frame):
    X = frame[0]
    with pytest.raises(ValueError, match=r"privacy: 'a' has a linear mechanism"):
        cf.SCM(GRAPH, sensitive="s", discrete="gumbel", privacy=dict(target_epsilon=1.0)).fit(X)
    with pytest.raises(ValueError, match=r"privacy: missing key 'target_epsilon'"):
        cf.SCM(GRAPH, sensitive="s", mechanism=MLP, privacy=dict(delta=1e-5)).fit(X)
    with pytest.raises(ValueError, match=r"privacy\['target_epsilon'\]"):
        cf.SCM(GRAPH, sensitive="s", mechanism=MLP, privacy=dict(target_epsilon=0)).fit(X)
    with pytest.raises(ValueError, match=r"privacy\['max_grad_norm'\]"):
        cf.SCM(GRAPH, sensitive="s", mechanism=MLP, privacy=dict(target_epsilon=1, max_grad_norm=-1)).fit(X)
    # Expression mechanisms fit nothing: allowed, and no DP-SGD run is counted for them.
    expression = cf.SCM({"x": ["s"]}, sensitive="s", mechanism={"x": cf.ExpressionMechanism("2 * s")},
                        standardize=False, privacy=dict(target_epsilon=1.0)).fit(X[["s", "x"]])
    assert expression.dp_runs_ == [] and expression.epsilon_ == 0.0


VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-3, 3), st.none(), st.booleans(),
                   st.text(max_size=3))


@settings(max_examples=25, derandomize=True, database=None, deadline=None)
@given(privacy_settings=st.dictionaries(st.sampled_from(["target_epsilon", "delta", "max_grad_norm", "sigma"]),
                                        VALUES, max_size=4))
@example(privacy_settings={"target_epsilon": 2, "max_grad_norm": 0.5})
@example(privacy_settings={"target_epsilon": 0.3, "delta": 1e-3})
def test_scm_privacy_fuzz(frame, privacy_settings):
    """Any ``privacy`` dict: a ValueError/TypeError naming ``privacy`` before any work, or
    a DP fit that meets its target."""
    scm = cf.SCM({"a": ["s"]}, sensitive="s", mechanism=cf.MLPMechanism((3,), epochs=1, batch_size=100),
                 random_state=0, privacy=privacy_settings)
    try:
        scm.fit(frame[0][["s", "a"]])
    except (ValueError, TypeError) as exc:
        assert str(exc).startswith("privacy")
        assert not hasattr(scm, "epsilon_")
        return
    assert 0 < scm.epsilon_ <= privacy_settings["target_epsilon"]
    assert math.isfinite(scm.noise_multiplier_) and scm.noise_multiplier_ > 0
