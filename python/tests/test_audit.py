"""cf.audit and the causal indicators of cf.metrics (U_CF, U_Δ, NR_Δ) on the linear
SCM S -> X1 -> X2, S -> X2: estimators ordered point by point, U_CF against twins
computed independently, invariances, the report's table, flags and witnesses, the
black-box path, and determinism."""

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

import causalfair as cf
from causalfair import metrics
from causalfair._encoded import EncodedEstimator
from _support import LIN_GRAPH, synthetic_linear

INDICATORS = ["U_CF", "U_0.05", "NR_0.05", "U_0.01", "NR_0.01"]


def _labels(df, seed):
    rng = np.random.default_rng(seed)
    return (rng.random(len(df)) < 1 / (1 + np.exp(-(df.X1 + df.X2 + df.S)))).astype(int)


@pytest.fixture(scope="module")
def lin():
    df = synthetic_linear(800, random_state=0)
    y = _labels(df, 1)
    scm = cf.SCM(LIN_GRAPH, sensitive="S", random_state=0).fit(df)
    clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="erm", random_state=0,
                                  verbose=False).fit(df, y)
    X = synthetic_linear(400, random_state=7)
    return scm, clf, X, _labels(X, 8)


@pytest.fixture(scope="module")
def reports(lin):
    scm, clf, X, y = lin
    return {m: cf.audit(clf, scm, X, y, method=m, n_samples=200, random_state=0)
            for m in ("exact", "attack", "sample")}


def test_the_audit_reads_both_estimators_through_one_interface(lin):
    """SCM and FairRobustClassifier implement EncodedEstimator; a black box does not."""
    scm, clf, X, y = lin
    assert isinstance(scm, EncodedEstimator) and isinstance(clf, EncodedEstimator)
    assert not isinstance(LogisticRegression().fit(X, y), EncodedEstimator)
    x = clf._encode_rows(X)
    np.testing.assert_array_equal(x, scm._encode_rows(X))  # the classifier's features are the SCM's encoding
    pd.testing.assert_frame_equal(clf._decode_rows(x), scm._decode_rows(x))
    pd.testing.assert_frame_equal(scm._decode_rows(x).set_axis(X.index), X[scm.nodes_], check_dtype=False)
    assert clf._twin_labels == scm._twin_labels == [0, 1]
    assert clf._is_affine() and scm._is_affine()


# --------------------------------------------------------------------------- U_CF


def _twins_disagree(scm, predict, X):
    twins = scm.twins(X)
    predicted = pd.Series(predict(twins), index=twins.index)
    return predicted.groupby(level=0, sort=False).nunique().reindex(X.index) > 1


def test_u_cf_is_the_fraction_of_points_whose_twins_disagree(lin, reports):
    scm, clf, X, _ = lin
    expected = _twins_disagree(scm, clf.predict, X)
    assert 0.05 < expected.mean() < 0.95  # the example is not trivial
    p = metrics.counterfactual_unfairness(clf, scm, X)
    assert (p.count, p.n) == (int(expected.sum()), len(X))
    for report in reports.values():
        assert report.flags(0).equals(expected.rename("U_CF"))
        assert report.to_frame().loc["U_CF", "value"] == pytest.approx(expected.mean())


def test_u_cf_on_a_string_index(lin):
    scm, clf, X, _ = lin
    X = X.iloc[:60].set_axis([f"person-{i}" for i in range(60)])
    report = cf.audit(clf, scm, X, radii=(0.05,), random_state=0)
    assert report.flags(0).index.equals(X.index)
    assert report.flags(0).equals(_twins_disagree(scm, clf.predict, X).rename("U_CF"))


def test_a_classifier_ignoring_s_and_its_descendants_is_counterfactually_fair(lin_graph):
    df = synthetic_linear(300, random_state=3)
    df["A"] = np.random.default_rng(4).normal(size=len(df))
    scm = cf.SCM({**lin_graph, "A": []}, sensitive="S", random_state=0).fit(df)
    y = (df.A + 0.3 * np.random.default_rng(5).normal(size=len(df)) > 0).astype(int)
    clf = LogisticRegression().fit(df[["A"]], y)
    report = cf.audit(clf, scm, df.iloc[:150], y[:150], radii=(0.05,), n_samples=50, random_state=0)
    frame = report.to_frame()
    assert frame.loc["U_CF", "count"] == 0
    assert not report.flags(0).any()
    # ... but A is perturbable, so points near the boundary are not robust, and the
    # twins agree on A, so U_Δ = NR_Δ as sets. The estimates nest (NR_Δ's draws are
    # the factual ball's share of U_Δ's), and a row U_Δ finds in the other twin's
    # ball is non-robust too: its witness's A, within Δ of the row's, flips it.
    assert frame.loc["NR_0.05", "count"] > 0
    unfair, robust = report.flags(0.05), report.flags(0.05, kind="non_robust")
    assert not (robust & ~unfair).any()
    witnesses = report.witnesses(0.05)
    for row in unfair.index[unfair & ~robust]:
        moved = df.loc[[row]].copy()
        moved["A"] = witnesses.loc[row, "A"]
        shift = scm.encode(moved)["A"].to_numpy() - scm.encode(df.loc[[row]])["A"].to_numpy()
        assert abs(shift[0]) <= 0.05 + 1e-9
        assert clf.predict(moved[["A"]])[0] != clf.predict(df.loc[[row], ["A"]])[0]


def test_a_constant_classifier_has_no_unfair_or_non_robust_area(lin):
    scm, clf, X, y = lin
    dummy = DummyClassifier(strategy="constant", constant=1).fit(X, y)
    report = cf.audit(dummy, scm, X.iloc[:100], y[:100], radii=(1.0, 0.05, 0.01), n_samples=50, random_state=0)
    frame = report.to_frame()
    for name in ["U_CF", "U_1", "NR_1", "U_0.05", "NR_0.05", "U_0.01", "NR_0.01"]:
        assert frame.loc[name, "value"] == 0 and frame.loc[name, "count"] == 0
        assert frame.loc[name, "ci_low"] == 0
    assert report.witnesses(1.0).empty and list(report.witnesses(1.0).columns) == ["twin", "S", "X1", "X2"]
    assert frame.loc["demographic_parity_difference", "value"] == 0


# --------------------------------------------------------------------------- estimators


def test_sample_attack_exact_are_ordered_point_by_point(reports):
    for r in (0.05, 0.01):
        for kind in ("unfair", "non_robust"):
            exact, attack, sample = (reports[m].flags(r, kind) for m in ("exact", "attack", "sample"))
            assert not (sample & ~attack).any(), (r, kind)
            assert not (attack & ~exact).any(), (r, kind)
    exact, attack = reports["exact"].flags(0.05), reports["attack"].flags(0.05)
    assert exact.sum() > 20
    assert attack.sum() >= 0.99 * exact.sum()


def test_sparse_sampling_misses_points_attack_finds(lin):
    # A wide ball and 5 samples per twin: sampling is a strictly weaker lower bound.
    scm, clf, X, _ = lin
    flags = {m: cf.audit(clf, scm, X, radii=(0.3,), method=m, n_samples=5, random_state=0).flags(0.3)
             for m in ("exact", "attack", "sample")}
    assert not (flags["sample"] & ~flags["attack"]).any() and not (flags["attack"] & ~flags["exact"]).any()
    assert flags["sample"].sum() < flags["attack"].sum()
    assert flags["attack"].sum() >= 0.99 * flags["exact"].sum()


def test_dense_sampling_approaches_exact(lin, reports):
    # Brute force: the ball of LIN is a disc in (U_X1, U_X2); 2000 samples per twin
    # miss only points whose ball barely crosses the boundary.
    scm, clf, X, _ = lin
    dense = cf.audit(clf, scm, X, radii=(0.05,), method="sample", n_samples=2000, random_state=1)
    exact = reports["exact"].flags(0.05)
    assert not (dense.flags(0.05) & ~exact).any()
    assert (exact & ~dense.flags(0.05)).sum() <= 0.02 * exact.sum() + 1


def test_exact_indicators_are_monotone_but_not_nested(reports):
    report = reports["exact"]
    u_cf, u1, u5 = report.flags(0), report.flags(0.01), report.flags(0.05)
    nr1, nr5 = report.flags(0.01, "non_robust"), report.flags(0.05, "non_robust")
    assert not (u_cf & ~u1).any() and not (u1 & ~u5).any()
    assert not (nr1 & ~nr5).any()
    assert not (nr5 & ~u5).any() and not (nr1 & ~u1).any()
    # NR_Δ is the factual ball alone: it is not "U_CF or non-robust" (the reference
    # implementation's nesting).
    assert (u_cf & ~nr5).any()
    assert nr5.mean() < u_cf.mean()


def _check_witnesses(scm, clf, X, report, r, kind, allow_boundary):
    """Checks the witnesses of one indicator; returns how many there are."""
    flags = report.flags(r, kind)
    w = report.witnesses(r, kind)
    assert list(w.columns) == ["twin", *scm.nodes_]
    assert w.index.equals(X.index[flags.to_numpy()])
    if w.empty:
        return 0
    twins = scm.twins(X.loc[w.index])
    own_twin = twins.loc[list(zip(w.index, w["twin"]))].set_axis(w.index)
    point = w.drop(columns="twin")
    assert (point["S"] == w["twin"]).all()
    assert (scm.metric(point, own_twin) <= r + 1e-6).all()
    if kind == "non_robust":
        assert (w["twin"] == X.loc[w.index, "S"]).all()
    differs = clf.predict(point) != clf.predict(X.loc[w.index])
    if allow_boundary:
        differs |= np.abs(clf.decision_function(point)) < 1e-6
    assert differs.all()
    return len(w)


@pytest.mark.parametrize("method", ["exact", "attack", "sample"])
def test_witnesses_are_in_the_ball_and_flip_the_prediction(lin, reports, method):
    scm, clf, X, _ = lin
    checked = sum(_check_witnesses(scm, clf, X, reports[method], r, kind, allow_boundary=method == "exact")
                  for r in (0.05, 0.01, 0) for kind in (("unfair", "non_robust") if r else ("unfair",)))
    assert checked > 0  # the classifier is unfair somewhere: there are witnesses to check


@pytest.mark.parametrize("mechanism", ["linear", "mlp"])
def test_mlp_classifier_witnesses(lin, mechanism, lin_graph):
    # Not linear: auto attacks (U_CF is exact at Δ = 0 whatever the estimator), and
    # exact is refused.
    _, _, X, _ = lin
    df = synthetic_linear(400, random_state=0)
    scm = cf.SCM(lin_graph, sensitive="S", mechanism=mechanism, random_state=0).fit(df)
    mlp = cf.FairRobustClassifier(scm=scm, hidden_layer_sizes=(16,), method="erm", epochs=5, random_state=0,
                                  verbose=False).fit(df, _labels(df, 1))
    X = X.iloc[:100]
    report = cf.audit(mlp, scm, X, radii=(0.3,), n_samples=20, random_state=0)
    assert (report.to_frame().loc[["U_0.3", "NR_0.3"], "method"] == "attack").all()
    assert report.flags(0).equals(_twins_disagree(scm, mlp.predict, X).rename("U_CF"))
    assert report.flags(0.3, "non_robust").sum() > 0
    for r, kind in [(0.3, "unfair"), (0.3, "non_robust"), (0, "unfair")]:
        _check_witnesses(scm, mlp, X, report, r, kind, allow_boundary=False)
    with pytest.raises(ValueError, match="exact"):
        cf.audit(mlp, scm, X, method="exact")


def test_flags_and_witnesses_keep_a_string_index(lin):
    scm, clf, X, _ = lin
    X = X.iloc[:100].set_axis([f"id{i}" for i in range(100)])
    for method in ("exact", "attack", "sample"):
        report = cf.audit(clf, scm, X, method=method, n_samples=50, random_state=0)
        for r in (0, 0.01, 0.05):
            flags = report.flags(r)
            assert flags.dtype == bool and flags.index.equals(X.index)
        assert report.flags(0.05).any()
        _check_witnesses(scm, clf, X, report, 0.05, "unfair", allow_boundary=method == "exact")


def test_to_frame_layout(lin, reports):
    frame = reports["exact"].to_frame()
    assert list(frame.columns) == ["value", "ci_low", "ci_high", "method", "n", "count"]
    assert list(frame.index) == INDICATORS + [
        "accuracy", "balanced_accuracy", "mcc", "demographic_parity_difference", "demographic_parity_ratio",
        "equalized_odds_difference", "equal_opportunity_difference"]
    assert (frame.loc[INDICATORS, "method"] == "exact").all()
    assert (reports["attack"].to_frame().loc[INDICATORS[1:], "method"] == "attack").all()
    for name in INDICATORS + ["accuracy"]:
        row = frame.loc[name]
        assert row["n"] == 400 and row["value"] == pytest.approx(row["count"] / 400)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(metrics.wilson_interval(row["count"], 400))
    scm, clf, X, y = lin
    y_pred = clf.predict(X)
    assert frame.loc["mcc", "value"] == pytest.approx(metrics.matthews_corrcoef(y, y_pred))
    assert frame.loc["equalized_odds_difference", "value"] == pytest.approx(
        metrics.equalized_odds_difference(y, y_pred, sensitive_features=X["S"]))
    no_y = cf.audit(clf, scm, X, radii=(0.05,), random_state=0).to_frame()
    assert list(no_y.index) == ["U_CF", "U_0.05", "NR_0.05", "demographic_parity_difference",
                                "demographic_parity_ratio"]


def test_metrics_functions_match_the_report(lin, reports):
    scm, clf, X, _ = lin
    frame = reports["exact"].to_frame()
    for name, p in [("U_0.05", metrics.unfair_area(clf, scm, X, 0.05, method="exact")),
                    ("NR_0.01", metrics.non_robust_area(clf, scm, X, 0.01)),
                    ("U_CF", metrics.counterfactual_unfairness(clf, scm, X))]:
        assert (p.count, p.n) == (frame.loc[name, "count"], frame.loc[name, "n"])
        assert p.value == frame.loc[name, "value"]


def test_engine_and_black_box_agree_on_u_cf(lin, reports):
    scm, clf, X, _ = lin

    class BlackBox:  # predict only, no feature names: gets every SCM node
        classes_ = clf.classes_

        def predict(self, X):
            return clf.predict(X)

    report = cf.audit(BlackBox(), scm, X, radii=(0.05,), n_samples=100, random_state=0)
    assert report.flags(0).equals(reports["exact"].flags(0))
    assert not (report.flags(0.05) & ~reports["exact"].flags(0.05)).any()


# --------------------------------------------------------------------------- paths


def test_points_drawn_from_the_scm_when_x_is_none(lin):
    scm, clf, _, _ = lin
    report = cf.audit(clf, None, None, n_points=120, radii=(0.05,), random_state=0)
    frame = report.to_frame()
    assert (frame.loc[["U_CF", "U_0.05", "NR_0.05"], "n"] == 120).all()
    assert report.flags(0.05).index.equals(pd.RangeIndex(120))
    again = cf.audit(clf, scm, None, n_points=120, radii=(0.05,), random_state=0)
    pd.testing.assert_frame_equal(frame, again.to_frame())


def test_black_box_sklearn_classifier(lin):
    scm, _, X, y = lin
    lr = LogisticRegression().fit(synthetic_linear(400, random_state=2), _labels(synthetic_linear(400, 2), 3))
    X = X.iloc[:80]
    for method in ("auto", "sample"):
        report = cf.audit(lr, scm, X, y[:80], radii=(0.05,), method=method, n_samples=100, random_state=0)
        frame = report.to_frame()
        assert (frame.loc[["U_0.05", "NR_0.05"], "method"] == "sample").all()
        assert report.flags(0).equals(_twins_disagree(scm, lr.predict, X).rename("U_CF"))
        assert frame.loc["U_CF", "count"] > 0
        _check_witnesses(scm, lr, X, report, 0.05, "unfair", allow_boundary=False)
    for method in ("attack", "exact"):
        with pytest.raises(ValueError, match="black box"):
            cf.audit(lr, scm, X, method=method)


def test_plot_returns_axes(reports):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ax = reports["exact"].plot()
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(ax.patches) == len(INDICATORS) + 1  # the proportions with an interval
    plt.close("all")


def test_repr_shows_the_table(reports):
    assert "U_CF" in repr(reports["exact"]) and "NR_0.05" in repr(reports["exact"])


def test_unknown_radius_in_flags(reports):
    with pytest.raises(KeyError, match="audited radii"):
        reports["exact"].flags(0.2)
    with pytest.raises(ValueError, match="kind"):
        reports["exact"].flags(0.05, kind="robust")
    with pytest.raises(TypeError, match="radius"):  # a radius given as text
        reports["exact"].witnesses("0.05")


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("method", ["sample", "attack"])
def test_same_random_state_same_report(lin, method):
    scm, clf, X, y = lin
    X = X.iloc[:150]
    a, b = (cf.audit(clf, scm, X, y[:150], method=method, n_samples=50, random_state=11) for _ in range(2))
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    for r in (0.05, 0.01):
        assert a.flags(r).equals(b.flags(r))
        pd.testing.assert_frame_equal(a.witnesses(r), b.witnesses(r))


def test_same_random_state_same_black_box_report(lin):
    scm, clf, X, y = lin
    lr = LogisticRegression().fit(X, y)
    a, b = (cf.audit(lr, scm, X.iloc[:60], radii=(0.3,), n_samples=30, random_state=5) for _ in range(2))
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    pd.testing.assert_frame_equal(a.witnesses(0.3), b.witnesses(0.3))


# --------------------------------------------------------------------------- progress


@pytest.mark.parametrize("black_box", [False, True])
def test_verbose_shows_a_bar_over_the_rows_of_every_indicator_and_changes_nothing(lin, capsys, monkeypatch,
                                                                                   black_box):
    import tqdm.auto

    closed = []

    class Recording(tqdm.auto.tqdm):
        def close(self):
            closed.append((self.desc, self.n, self.total, self.unit))
            super().close()

    monkeypatch.setattr(tqdm.auto, "tqdm", Recording)
    scm, clf, X, y = lin
    model = LogisticRegression().fit(X, y) if black_box else clf
    quiet = cf.audit(model, scm, X.iloc[:80], y[:80], method="sample", n_samples=20, random_state=3)
    assert capsys.readouterr().err == "" and closed == []
    loud = cf.audit(model, scm, X.iloc[:80], y[:80], method="sample", n_samples=20, random_state=3, verbose=True)
    assert "audit" in capsys.readouterr().err
    assert set(closed) == {("audit", 400, 400, "row")}  # 5 indicators x 80 rows, all done
    pd.testing.assert_frame_equal(quiet.to_frame(), loud.to_frame())
    pd.testing.assert_frame_equal(quiet.witnesses(0.05), loud.witnesses(0.05))


# ------------------------------------------------------------- without a causal model (issue 14, item 2)


def test_without_a_causal_model_u_cf_and_u_delta_are_refused_never_zero(lin):
    """The label depends on S, yet with no SCM there are no twins: U_CF and U_Δ are not
    reported (they used to read U_CF = 0, "exact"); NR_Δ is."""
    _, _, X, y = lin
    plain = cf.FairRobustClassifier(model="logistic", method="erm", random_state=0, verbose=False).fit(X, y)
    with pytest.warns(UserWarning, match="U_CF and U_Δ .* counterfactual twins"):
        report = cf.audit(plain, None, X, y, radii=(0.05,), random_state=0)
    frame = report.to_frame()
    assert "U_CF" not in frame.index and "U_0.05" not in frame.index
    assert list(report.indicators) == ["NR_0.05"] and frame.loc["NR_0.05", "n"] == len(X)
    assert frame.loc["accuracy", "n"] == len(X)
    for call in (lambda: metrics.counterfactual_unfairness(plain, None, X),
                 lambda: metrics.unfair_area(plain, None, X, 0.05)):
        with pytest.raises(ValueError, match="causal model"):
            call()
    assert metrics.non_robust_area(plain, None, X, 0.05).n == len(X)
    with pytest.raises(KeyError, match="no unfair indicator"):
        report.flags(0)


# ------------------------------------------------------------- method of U_CF (issue 14, item 10)


@pytest.mark.parametrize("method", ["auto", "sample", "attack"])
def test_counterfactual_unfairness_takes_method_and_is_exact_at_zero(lin, method):
    scm, _, X, y = lin
    mlp = cf.FairRobustClassifier(scm=scm, hidden_layer_sizes=(8,), method="erm", epochs=3, random_state=0,
                                  verbose=False).fit(X, y)
    p = metrics.counterfactual_unfairness(mlp, scm, X, method=method)
    expected = _twins_disagree(scm, mlp.predict, X)
    assert (p.count, p.n) == (int(expected.sum()), len(X))
    report = cf.audit(mlp, scm, X, radii=(0.05,), method=method if method != "auto" else "attack", n_samples=20,
                      random_state=0)
    assert report.to_frame().loc["U_CF", "method"] == "exact"  # as the docs say: at Δ = 0 every method is exact
    assert report.indicators["U_CF"].method == "exact"
    with pytest.raises(ValueError, match="method"):
        metrics.counterfactual_unfairness(mlp, scm, X, method="guess")


# ------------------------------------------------------------- per group (issue 14, item 8)


def test_by_group_splits_every_indicator_by_sensitive_level(lin, reports):
    scm, _, X, _ = lin
    report = reports["exact"]
    frame = report.by_group()
    assert frame.index.names == ["S", "metric"]
    assert list(frame.columns) == ["value", "ci_low", "ci_high", "method", "n", "count"]
    overall = report.to_frame()
    for name in INDICATORS:
        flags = report.indicators[name].flags
        for level in (0, 1):
            row = frame.loc[(level, name)]
            inside = flags[X["S"].to_numpy() == level]
            assert (row["n"], row["count"]) == (inside.size, inside.sum())
            assert row["value"] == pytest.approx(inside.mean())
            assert (row["ci_low"], row["ci_high"]) == pytest.approx(metrics.wilson_interval(int(inside.sum()),
                                                                                             inside.size))
            assert row["method"] == overall.loc[name, "method"]
        # the groups partition the rows
        assert frame.xs(name, level="metric")[["n", "count"]].sum().tolist() == \
            [overall.loc[name, "n"], overall.loc[name, "count"]]


def test_by_group_by_any_column_or_values(lin, reports):
    _, _, X, _ = lin
    report = reports["exact"]
    high = np.where(X["X1"].to_numpy() > 1, "high", "low")
    by_values = report.by_group(high)
    assert by_values.index.names == ["group", "metric"]
    assert set(by_values.index.get_level_values("group")) == {"high", "low"}
    assert by_values.loc[("high", "U_CF"), "n"] == int((high == "high").sum())
    both = report.by_group(pd.Series(high, name="x1_level").to_frame().assign(S=X["S"].to_numpy()))
    assert both.index.names == ["x1_level", "S", "metric"]
    assert both.xs("U_CF", level="metric")["n"].sum() == len(X)
    named = report.by_group(["S"])
    pd.testing.assert_frame_equal(named, report.by_group())
    with pytest.raises(ValueError, match="not columns"):
        report.by_group("income")
    with pytest.raises(ValueError, match="one group per audited row"):
        report.by_group(high[:-1])
