"""Sweeps and audits on real parallel engines, not mocks (DESIGN §4, "Parallel and
distributed execution"): a ``dask.distributed.LocalCluster`` with two worker processes
started here and torn down, and joblib's loky processes. The same seeds give the same
bits serially and in parallel: the sweep's table, the partitioned audit's counts,
intervals, flags and witnesses."""

import logging

import pandas as pd
import pytest

import causalfair as cf
from causalfair import experiments

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

TIMINGS = list(experiments.TIMINGS)
SWEEP = dict(datasets=["lin"], methods=["erm", "capify"], seeds=range(2), n_synthetic=1000, n_audit=150,
             n_samples=50, verbose=False)


@pytest.fixture(scope="module")
def cluster():
    """A client of a local Dask cluster of two single-threaded worker processes."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as local, distributed.Client(local) as client:
        yield client


@pytest.fixture(scope="module")
def serial_sweep():
    return experiments.run(**SWEEP)


def same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal bit for bit, timings aside."""
    pd.testing.assert_frame_equal(a.drop(columns=TIMINGS, errors="ignore"), b.drop(columns=TIMINGS, errors="ignore"),
                                  check_exact=True)


def test_serial_sweep_uses_the_cells_own_data(serial_sweep):
    # A cell with a freshly generated data set gives the row of the sweep, whose worker
    # reused its cached copy for the other method of the same seed.
    fresh = experiments.run_one("lin", "capify", 1, n_synthetic=1000, n_audit=150, n_samples=50,
                                dataset=cf.datasets.make_lin(1000, random_state=1))
    row = serial_sweep[(serial_sweep.method == "capify") & (serial_sweep.seed == 1)].iloc[0]
    for key in experiments.METRICS:
        assert fresh[key] == row[key]
    assert list(zip(serial_sweep.seed, serial_sweep.method)) == [(0, "erm"), (0, "capify"), (1, "erm"), (1, "capify")]


def test_sweep_on_loky_processes_equals_serial(serial_sweep):
    same_table(experiments.run(**SWEEP, n_jobs=2), serial_sweep)


def test_sweep_on_a_dask_cluster_equals_serial(cluster, serial_sweep):
    with joblib.parallel_config(backend="dask"):
        parallel = experiments.run(**SWEEP)
    same_table(parallel, serial_sweep)
    # The 4 cells ran on the workers, each of which loaded a seed's data set at most once.
    caches = cluster.run(lambda: experiments._dataset.cache_info())
    assert len(caches) == 2
    assert sum(info.hits + info.misses for info in caches.values()) == 4
    assert all(info.misses == info.currsize <= 2 for info in caches.values())


def test_a_process_loads_a_data_set_once():
    first = experiments._dataset("lin", 3, 500, None)
    assert experiments._dataset("lin", 3, 500, None) is first
    assert experiments._dataset("lin", 4, 500, None) is not first


def test_sweep_refuses_a_zero_n_jobs():
    with pytest.raises(ValueError, match="n_jobs"):
        experiments.run(**SWEEP, n_jobs=0)


@pytest.fixture(scope="module")
def lin_mlp():
    """An MLP on 2,000 LIN rows and its exact SCM, and 900 fresh rows with labels."""
    train = cf.datasets.make_lin(2000, random_state=4)
    clf = cf.FairRobustClassifier(scm=train.scm, model="mlp", hidden_layer_sizes=(16,), epochs=3, random_state=0,
                                  verbose=False).fit(train.X, train.y)
    test = cf.datasets.make_lin(900, random_state=5)
    return clf, train.scm, test.X, test.y


def same_audit(whole: cf.AuditReport, parts: cf.AuditReport) -> None:
    """The same table, per group too, and the same flags and witnesses for every indicator."""
    pd.testing.assert_frame_equal(whole.to_frame(), parts.to_frame(), check_exact=True)
    pd.testing.assert_frame_equal(whole.by_group(), parts.by_group(), check_exact=True)
    assert parts.continuous_codes == whole.continuous_codes
    for indicator in whole.indicators.values():
        kind = "non_robust" if indicator.factual_only else "unfair"
        pd.testing.assert_series_equal(whole.flags(indicator.radius, kind), parts.flags(indicator.radius, kind))
        pd.testing.assert_frame_equal(whole.witnesses(indicator.radius, kind),
                                      parts.witnesses(indicator.radius, kind), check_exact=True)


@pytest.mark.parametrize("method", ["sample", "attack"])
def test_audit_of_a_dask_dataframe_on_the_cluster_equals_in_memory(cluster, lin_mlp, method):
    clf, scm, X, y = lin_mlp
    whole = cf.audit(clf, scm, X, y, method=method, n_samples=40, random_state=11)
    # the balls found flags beyond the twins, so the random draws decide the result
    frame = whole.to_frame()
    assert frame.loc["U_0.05", "count"] > frame.loc["U_CF", "count"] + 5
    table = dd.from_pandas(X.assign(label=y.to_numpy()), npartitions=4)
    same_audit(whole, cf.audit(clf, scm, table, "label", method=method, n_samples=40, random_state=11))
    labels = dd.from_pandas(pd.Series(y.to_numpy(), index=X.index), npartitions=4)
    same_audit(whole, cf.audit(clf, scm, dd.from_pandas(X, npartitions=4), labels, method=method, n_samples=40,
                               random_state=11))


def test_audit_of_chunks_equals_in_memory(lin_mlp):
    clf, scm, X, y = lin_mlp
    whole = cf.audit(clf, scm, X, y, n_samples=40, method="sample", random_state=12)
    cuts = [(0, 1), (1, 400), (400, 400), (400, 401), (401, 900)]
    chunks = (X.iloc[a:b] for a, b in cuts)  # a generator, as from pd.read_csv(chunksize=)
    same_audit(whole, cf.audit(clf, scm, chunks, [y.iloc[a:b] for a, b in cuts], n_samples=40, method="sample",
                               random_state=12))
    # a differently cut table draws the same points: the result follows the rows
    same_audit(whole, cf.audit(clf, scm, [X.iloc[:700], X.iloc[700:]], [y.iloc[:700], y.iloc[700:]], n_samples=40,
                               method="sample", random_state=12))


def test_audit_of_chunks_refuses_what_it_cannot_do_exactly(lin_mlp):
    clf, scm, X, y = lin_mlp
    chunks = [X.iloc[:300], X.iloc[300:]]
    from sklearn.linear_model import LogisticRegression
    black_box = LogisticRegression().fit(X, y)
    with pytest.raises(TypeError, match="FairRobustClassifier"):
        cf.audit(black_box, scm, chunks, random_state=0)
    with pytest.raises(ValueError, match="ran out"):
        cf.audit(clf, scm, chunks, [y.iloc[:300]], random_state=0)
    with pytest.raises(ValueError, match="more label arrays"):
        cf.audit(clf, scm, chunks, [y.iloc[:300], y.iloc[300:], y], random_state=0)
    with pytest.raises(ValueError, match="one label per row"):
        cf.audit(clf, scm, chunks, [y.iloc[:300], y.iloc[:10]], random_state=0)
    with pytest.raises(TypeError, match="label column name"):
        cf.audit(clf, scm, chunks, y, random_state=0)
    with pytest.raises(ValueError, match="not a column"):
        cf.audit(clf, scm, chunks, "nope", random_state=0)
    with pytest.raises(TypeError, match="pandas DataFrames"):
        cf.audit(clf, scm, iter([X.to_numpy()]), random_state=0)
    with pytest.raises(ValueError, match="at least one row"):
        cf.audit(clf, scm, iter([X.iloc[:0]]), random_state=0)


def test_reproduce_command_on_the_cluster_equals_serial(cluster, tmp_path):
    from causalfair.__main__ import main
    common = ["reproduce", "--datasets", "lin", "--methods", "erm", "--seeds", "2", "--n-synthetic", "400"]
    assert main(common + ["--output", str(tmp_path / "serial")]) == 0
    assert main(common + ["--output", str(tmp_path / "dask"), "--scheduler", cluster.scheduler.address]) == 0
    same_table(pd.read_csv(tmp_path / "dask" / "runs.csv"), pd.read_csv(tmp_path / "serial" / "runs.csv"))
    with pytest.raises(SystemExit):
        main(common + ["--n-jobs", "0"])
