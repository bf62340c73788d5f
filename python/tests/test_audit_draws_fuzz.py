"""Hypothesis fuzz of audits under posterior draws (Gumbel-max SCMs): categorical nodes
of up to 20 levels, parents with a single observed level, levels never seen in fitting,
n_draws from 1 to its extremes, native and black-box paths. Every call returns a
well-formed report or raises a ValueError / TypeError that names the argument."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import causalfair as cf
from causalfair import _engine

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


class Wrapped:
    def __init__(self, clf):
        self.clf = clf

    def predict(self, X):
        return self.clf.predict(X)


def _frame(rng, rows, levels, one_level_parent):
    s = rng.integers(0, 2, rows)
    c = (rng.integers(0, levels, rows) + s) % levels
    g = np.zeros(rows, dtype=int) if one_level_parent else rng.integers(0, 2, rows)
    b = (rng.random(rows) < 1 / (1 + np.exp(-(c % 3 - 1 + s - g)))).astype(int)
    x = s + b + (c % 4) + rng.normal(size=rows)
    return pd.DataFrame({"S": s, "G": g, "C": [f"c{v}" for v in c], "B": b, "X": x})


GRAPH = {"S": [], "G": [], "C": ["S"], "B": ["S", "C", "G"], "X": ["S", "B", "C"]}
KINDS = {"S": "binary", "G": "binary", "C": "categorical", "B": "binary", "X": "continuous"}


@settings(max_examples=20, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(levels=st.integers(2, 20), one_level_parent=st.booleans(), unseen=st.booleans(),
       n_draws=st.sampled_from([1, 2, 7, 64, 2000, None]), audited=st.integers(1, 12),
       method=st.sampled_from(["sample", "attack"]), black_box=st.booleans(), seed=st.integers(0, 2**64 - 1))
def test_audits_under_draws_never_crash(levels, one_level_parent, unseen, n_draws, audited, method, black_box,
                                        seed):
    rng = np.random.default_rng(levels * 7 + audited)
    data = _frame(rng, 300, levels, one_level_parent)
    try:
        scm = cf.SCM(GRAPH, sensitive="S", kinds=KINDS, discrete="gumbel", random_state=0).fit(data)
    except ValueError as error:  # e.g. a categorical level too rare to fit: named, never a crash
        assert str(error)
        return
    y = (data.X > data.X.median()).astype(int)
    clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="erm", epochs=1, random_state=0).fit(data, y)
    X = data.iloc[:audited].copy()
    if unseen:
        X.loc[X.index[0], "C"] = "never-seen"
    draws = n_draws if n_draws is None or audited * n_draws <= 4000 else 4000 // audited
    subject = Wrapped(clf) if black_box else clf
    try:
        report = cf.audit(subject, scm, X, radii=(0.1,), method=method if not black_box else "sample",
                          n_samples=5, random_state=seed, n_draws=draws)
    except (ValueError, TypeError) as error:
        assert unseen and "never-seen" in str(error), str(error)
        return
    assert not unseen
    for name, ind in report.indicators.items():
        R = 1 if draws is None else draws
        assert ind.flags.shape == ((audited,) if R == 1 else (audited, R))  # one draw: one flag per row
        p = report.probabilities(ind.radius, "non_robust" if ind.factual_only else "unfair")
        assert ((p >= 0) & (p <= 1)).all() and len(p) == audited
        assert len(ind.witnesses) == int(ind.flags.sum())
        if len(ind.witnesses):
            codes = scm.encode(ind.witnesses.drop(columns="twin"))
            hard = codes.drop(columns="X").to_numpy()
            assert np.isin(hard, (0.0, 1.0)).all()  # every witness a realizable individual
        value = report.to_frame().loc[name]
        assert value["ci_low"] <= value["value"] <= value["ci_high"]


def test_draw_extremes_are_refused_or_run():
    data = _frame(np.random.default_rng(0), 200, 3, False)
    scm = cf.SCM(GRAPH, sensitive="S", kinds=KINDS, discrete="gumbel", random_state=0).fit(data)
    clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="erm", epochs=1, random_state=0).fit(
        data, (data.X > 1).astype(int))
    limit = _engine.limits()["max_draws"]
    with pytest.raises(ValueError, match=f"n_draws: expected .*{limit}"):
        cf.audit(clf, scm, data.head(1), n_draws=limit + 1)
    with pytest.raises(ValueError, match="n_draws"):
        cf.audit(Wrapped(clf), scm, data.head(1), n_draws=0)
    with pytest.raises(ValueError, match="n_draws"):
        scm.perturbation_ball(data.head(1), 0.1, 1, n_draws=limit + 1)
    # one row at 20,000 draws: every pair audited (chunked by pairs, not rows)
    report = cf.audit(clf, scm, data.head(1), radii=(0.1,), method="sample", n_samples=2, random_state=0,
                      n_draws=20_000)
    assert report.flags(0.1).shape == (1, 20_000)
