"""The reproduction of the CAPIFY results table (cf.experiments) and its command line."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import causalfair as cf
from causalfair import experiments

PERCENT = [m for m in experiments.METRICS if m != "mcc"]


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("repro")
    results = experiments.run(["lin", "imf"], ["erm", "capify"], seeds=range(2), n_synthetic=1500, n_audit=200,
                              output_dir=str(out), verbose=False)
    return results, out


def test_one_row_per_run(small_run):
    results, _ = small_run
    assert isinstance(results, pd.DataFrame)
    assert len(results) == 2 * 2 * 2
    cells = set(zip(results.dataset, results.method, results.seed))
    assert cells == {(d, m, s) for d in ("lin", "imf") for m in ("erm", "capify") for s in (0, 1)}
    for metric in experiments.METRICS:
        assert metric in results.columns
        assert results[metric].notna().all()
    assert ((results[PERCENT] >= 0) & (results[PERCENT] <= 100)).all().all()
    assert results.mcc.between(-1, 1).all()
    assert (results.n_train == 1200).all() and (results.n_audit == 200).all()
    # proportions of 200 audited points, in %: multiples of 0.5
    assert np.allclose(results["U_0.05"] * 2, np.round(results["U_0.05"] * 2))
    assert (results[["seconds_scm", "seconds_train", "seconds_audit"]] >= 0).all().all()


def test_the_papers_estimator_beside_ours(small_run):
    """The sampled indicators are the paper's (1,000 samples per ball, same points and
    seed), recomputed here from an independent sampled audit; nesting never adds points."""
    results, out = small_run
    for metric in experiments.PAPER_METRICS:
        assert results[metric].between(0, 100).all(), metric
    assert (results["nested_U_CF"] <= results["sampled_U_CF"] + 1e-9).all()
    assert (results["nested_U_CF"] <= results["sampled_U_0.05"] + 1e-9).all()
    assert (results["nested_U_0.01"] <= results["sampled_U_0.01"] + 1e-9).all()
    row = results[(results.dataset == "lin") & (results.method == "erm") & (results.seed == 0)].iloc[0]
    ds = cf.datasets.make_lin(1500, random_state=0)
    X_train, X_test, y_train, y_test = ds.train_test_split(test_size=0.2, random_state=0)
    clf = cf.FairRobustClassifier(scm=ds.scm, model="logistic", method="erm", radius=0.05, epsilon=0.05, epochs=10,
                                  batch_size=100, learning_rate=0.01, threshold="mcc", random_state=0,
                                  verbose=False).fit(X_train, y_train)
    points = np.random.default_rng(0).permutation(len(X_test))[:200]
    sampled = cf.audit(clf, ds.scm, X_test.iloc[points], y_test.iloc[points], radii=(0.05, 0.01), method="sample",
                       n_samples=1000, random_state=0)
    u05, u_cf = sampled.flags(0.05).to_numpy(), sampled.flags(0).to_numpy()
    assert row["sampled_U_0.05"] == pytest.approx(100 * u05.mean())
    assert row["nested_U_CF"] == pytest.approx(100 * (u05 & u_cf).mean())
    table = (out / "paper_estimator.md").read_text()
    assert "| lin | erm |" in table and "(42.7)" in table and "nested" in table


def test_authors_ball_against_the_closed_form_on_lin():
    """NR under the authors' ball (sensitive coordinate perturbed too) by sampling lies
    between two closed-form sets for a logistic model on LIN's linear SCM: the logit
    over {φ⁻¹(φ(v) + δ) : ‖δ‖ ≤ Δ} ranges over g(v) ± Δ‖Jᵀw‖ (J = ∂x/∂φ, here by finite
    differences of inverse_transform, not through the sampler). No flagged point may lie
    beyond that margin, and every point within half of it is flagged (a uniform
    3-dimensional ball puts 15.6 % of its mass beyond half the radius along a direction,
    so 1,000 samples miss it with probability 0.844¹⁰⁰⁰). Including the sensitive
    coordinate flags more than our factual-only ball, which keeps it fixed."""
    ds = cf.datasets.make_lin(1500, random_state=0)
    X_train, X_test, y_train, _ = ds.train_test_split(test_size=0.2, random_state=0)
    clf = cf.FairRobustClassifier(scm=ds.scm, model="logistic", method="erm", epochs=10, random_state=0,
                                  verbose=False).fit(X_train, y_train)
    points = X_test.iloc[:200]
    flags = experiments.authors_non_robust(clf, ds.scm, points, radius=0.05, n_samples=1000, random_state=0)
    assert flags.dtype == bool and flags.shape == (200,)
    z = ds.scm.transform(points)
    step = 1e-6
    base = ds.scm.inverse_transform(z)
    jacobian = np.stack([(ds.scm.inverse_transform(z + step * np.eye(z.shape[1])[j]) - base) / step
                         for j in range(z.shape[1])], axis=1)  # rows × φ coordinate × x column
    logits = clf.decision_function(base, encoded=True)
    w = np.linalg.lstsq(np.c_[base, np.ones(len(base))], logits, rcond=None)[0][:-1]  # the model is affine in x
    reach = 0.05 * np.linalg.norm(jacobian @ w, axis=1)
    margin = np.abs(logits - np.log(clf.threshold_ / (1 - clf.threshold_)))
    assert not flags[margin > reach * (1 + 1e-6)].any()
    assert flags[margin < 0.5 * reach].all() and (margin < 0.5 * reach).any()
    ours = cf.audit(clf, ds.scm, points, radii=(0.05,), method="sample", n_samples=1000, random_state=0)
    assert flags.sum() > ours.flags(0.05, "non_robust").to_numpy(bool).sum()


def test_seeds_differ_and_runs_are_reproducible(small_run):
    results, _ = small_run
    lin_erm = results[(results.dataset == "lin") & (results.method == "erm")]
    assert lin_erm.accuracy.nunique() == 2 or lin_erm["U_CF"].nunique() == 2
    again = experiments.run_one("lin", "erm", 0, n_synthetic=1500, n_audit=200)
    first = lin_erm[lin_erm.seed == 0].iloc[0]
    for metric in experiments.METRICS:
        assert again[metric] == pytest.approx(first[metric])


def test_files_written(small_run):
    results, out = small_run
    for name in ("runs.csv", "summary.csv", "table.md"):
        assert (out / name).is_file(), name
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == len(results)
    assert np.allclose(runs["U_CF"], results["U_CF"])
    table = (out / "table.md").read_text()
    assert "| lin | erm |" in table and "| imf | capify |" in table
    assert "(68.0)" in table  # published LIN ERM accuracy
    assert "(42.7)" in table  # published LIN ERM U_CF
    assert "(14.9)" in table  # published LIN CAPIFY U_CF
    assert "nested" in table
    for metric in experiments.METRICS:
        png = out / f"{metric}.png"
        assert png.is_file(), metric
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_summarize(small_run):
    results, _ = small_run
    summary = experiments.summarize(results)
    assert len(summary) == 4
    row = summary.loc[("lin", "erm")]
    sel = results[(results.dataset == "lin") & (results.method == "erm")]
    for metric in experiments.METRICS:
        assert row[(metric, "mean")] == pytest.approx(sel[metric].mean())
        assert row[(metric, "std")] == pytest.approx(sel[metric].std())
    assert int(row["seeds"].iloc[0] if hasattr(row["seeds"], "iloc") else row["seeds"]) == 2
    text = experiments.markdown_table(summary)
    rows = [line for line in text.splitlines() if line.startswith(("| lin |", "| imf |"))]
    assert len(rows) == 4 and all(line.count("±") == len(experiments.METRICS) for line in rows)


def test_capify_is_fairer_than_erm_on_lin(small_run):
    # The paper's main claim, on LIN: CAPIFY lowers counterfactual unfairness.
    results, _ = small_run
    lin = results[results.dataset == "lin"].groupby("method")["U_CF"].mean()
    assert lin["capify"] < lin["erm"]
    per_seed = results[results.dataset == "lin"].pivot(index="seed", columns="method", values="U_CF")
    assert (per_seed["capify"] < per_seed["erm"]).all()
    assert lin["erm"] > 10  # LIN's ERM is markedly unfair (published 42.7%)


def test_unknown_names(tmp_path):
    with pytest.raises(ValueError, match="datasets"):
        experiments.run(["nope"], ["erm"], seeds=range(1), n_synthetic=200, n_audit=20, verbose=False)
    with pytest.raises(ValueError, match="methods"):
        experiments.run(["lin"], ["nope"], seeds=range(1), n_synthetic=200, n_audit=20, verbose=False)
    with pytest.raises(ValueError):
        experiments.run_one("nope", "erm", 0)
    # checked before anything runs: no LIN runs first, no files written
    out = tmp_path / "never"
    with pytest.raises(ValueError, match="datasets"):
        experiments.run(["lin", "nope"], ["erm"], seeds=range(1), n_synthetic=200, n_audit=20, output_dir=str(out),
                        verbose=False, log=pytest.fail)
    assert not out.exists()


def test_published_table_is_complete():
    for name in ("adult", "compas", "lin", "imf", "loan", "nlm"):
        for method in ("erm", "capify"):
            assert set(experiments.PUBLISHED[(name, method)]) == {"accuracy", "U_0.05", "U_CF", "NR_0.05"}
    assert experiments.PUBLISHED[("nlm", "capify")]["accuracy"] == 44.5
    assert experiments.PUBLISHED[("loan", "erm")]["NR_0.05"] == 22.9


def test_reproduce_command_line(tmp_path):
    out = tmp_path / "cli"
    proc = subprocess.run([sys.executable, "-m", "causalfair", "reproduce", "--datasets", "lin", "--methods", "erm",
                           "--seeds", "1", "--n-synthetic", "1000", "--output", str(out)],
                          capture_output=True, text=True, timeout=600, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "| lin | erm |" in proc.stdout
    assert (out / "table.md").is_file() and (out / "runs.csv").is_file()
    assert len(pd.read_csv(out / "runs.csv")) == 1


def test_command_line_rejects_unknown_method(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "causalfair", "reproduce", "--datasets", "lin", "--methods",
                           "bogus", "--seeds", "1", "--output", str(tmp_path / "x")],
                          capture_output=True, text=True, timeout=600, cwd=str(tmp_path))
    assert proc.returncode != 0
    assert "bogus" in proc.stderr


def test_methods_beyond_the_papers_are_accepted():
    # METHODS (the default) is the paper's six; any FairRobustClassifier method runs.
    assert "trades" not in experiments.METHODS
    results = experiments.run(["lin"], ["trades"], seeds=range(1), n_synthetic=400, n_audit=20, verbose=False)
    assert list(results.method) == ["trades"] and 0 < results.accuracy.iloc[0] <= 100


def test_discrete_mode_reaches_the_fitted_scm(monkeypatch):
    """``discrete`` is the mode of the SCM a cell fits (Adult, COMPAS), recorded per
    row; the synthetic data sets' exact SCMs are marked exact; other values are refused."""
    seen = []
    make_scm = cf.datasets.Dataset.make_scm

    def spy(self, *args, **kwargs):
        seen.append(kwargs.get("discrete"))
        return make_scm(self, *args, **kwargs)

    monkeypatch.setattr(cf.datasets.Dataset, "make_scm", spy)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"s": rng.integers(0, 2, 300), "x": rng.normal(size=300)})
    frame["b"] = (frame.x + frame.s + rng.normal(size=300) > 0.5).astype(int)
    y = pd.Series((frame.x + frame.b > 0.7).astype(int), name="y")
    small = cf.datasets.Dataset(name="small", X=frame, y=y, graph={"s": [], "x": ["s"], "b": ["s", "x"]},
                                sensitive="s", kinds={"s": "binary", "x": "continuous", "b": "binary"})
    for mode in ("gumbel", "anm"):
        row = experiments.run_one("small", "erm", 0, n_audit=40, n_samples=20, dataset=small, discrete=mode)
        assert row["discrete"] == mode and seen[-1] == mode
    assert experiments.run_one("lin", "erm", 0, n_synthetic=400, n_audit=20)["discrete"] == "exact"
    with pytest.raises(ValueError, match="discrete"):
        experiments.run(["lin"], ["erm"], seeds=range(1), n_synthetic=200, n_audit=20, discrete="codes")


def test_command_line_runs_both_discrete_modes(tmp_path):
    out = tmp_path / "both"
    proc = subprocess.run([sys.executable, "-m", "causalfair", "reproduce", "--datasets", "lin", "--methods", "erm",
                           "--seeds", "1", "--first-seed", "3", "--n-synthetic", "400", "--output", str(out),
                           "--discrete", "both", "--no-paper-estimator"],
                          capture_output=True, text=True, timeout=600, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "discrete=anm" in proc.stdout and "discrete=gumbel" in proc.stdout
    parts = []
    for mode in ("anm", "gumbel"):
        parts.append(pd.read_csv(out / mode / "runs.csv"))
        assert list(parts[-1].seed) == [3]
        assert "sampled_U_0.05" not in parts[-1] and not (out / mode / "paper_estimator.md").exists()
    # parts of a long run join into one table
    experiments.write(pd.concat(parts, ignore_index=True), str(tmp_path / "joined"))
    assert len(pd.read_csv(tmp_path / "joined" / "runs.csv")) == 2
    refused = subprocess.run([sys.executable, "-m", "causalfair", "reproduce", "--first-seed", "-1"],
                             capture_output=True, text=True, timeout=600, cwd=str(tmp_path))
    assert refused.returncode != 0 and "--first-seed" in refused.stderr
