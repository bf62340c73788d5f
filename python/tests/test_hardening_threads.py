"""Hardening (issue 6): concurrency.

Eight Python threads fitting SCMs and classifiers and auditing them at once get
results bit-identical to the same jobs run one after another; the GIL is released
while the engine works (a pure-Python thread keeps running during an engine call);
one handle used from two threads at once raises RuntimeError instead of crashing.

Nothing here asserts on wall-clock speed-ups: the machine may be loaded, so overlap is
shown by progress made by another thread *during* an engine call, which is impossible
while the calling thread holds the GIL.
"""

import threading
import time

import numpy as np
import pandas as pd
import pytest

import causalfair as cf
from causalfair import _engine, _models
from _support import LIN_GRAPH

N_THREADS = 8


def _job(seed: int) -> dict:
    """One user's work: an SCM, a classifier on it, an audit; everything a result."""
    ds = cf.datasets.make_lin(240, random_state=seed)
    X, y = ds.X, ds.y
    mechanism = cf.MLPMechanism(hidden_layer_sizes=(8,)) if seed % 2 else "linear"
    scm = cf.SCM(LIN_GRAPH, sensitive="S", mechanism=mechanism, random_state=seed).fit(X)
    model = "mlp" if seed % 4 < 2 else "logistic"
    clf = cf.FairRobustClassifier(scm=scm, model=model, hidden_layer_sizes=(8,), method="causal_at",
                                  epochs=3, steps=3, random_state=seed, verbose=False).fit(X, y)
    test = X.head(60)
    report = cf.audit(clf, scm, test, y.head(60), radii=(0.05,), method="attack" if seed % 3 else "sample",
                      n_samples=20, random_state=seed)
    state = scm.to_dict()["fitted"]
    return {
        "scm_parameters": np.asarray(state["parameters"]),
        "scm_latent": np.asarray(state["latent"]),
        "twins": scm.twins(test, encoded=True).to_numpy(),
        "ball": scm.perturbation_ball(test.head(5), 0.1, 4, random_state=seed, encoded=True).to_numpy(),
        "model_parameters": _models.parameters(clf._handle),
        "history": clf.history_.to_numpy(),
        "proba": clf.predict_proba(test),
        "audit": report.to_frame(),
        "flags": np.column_stack([ind.flags for ind in report.indicators.values()]),
        "witnesses": [ind.witnesses for ind in report.indicators.values()],
    }


def _assert_identical(a: dict, b: dict, where: str) -> None:
    assert a.keys() == b.keys()
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, np.ndarray):
            assert x.shape == y.shape and x.tobytes() == y.tobytes(), f"{where}: {key} differs"
        elif isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, check_exact=True, obj=f"{where}: {key}")
        else:
            for i, (fx, fy) in enumerate(zip(x, y)):
                pd.testing.assert_frame_equal(fx, fy, check_exact=True, obj=f"{where}: {key}[{i}]")


def _run_threads(target, args_list):
    """Runs target(*args) in one thread per args; returns results (or re-raises)."""
    results = [None] * len(args_list)
    errors = [None] * len(args_list)
    barrier = threading.Barrier(len(args_list))

    def run(i, args):
        try:
            barrier.wait()
            results[i] = target(*args)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors[i] = exc

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
        assert not t.is_alive(), "a worker thread hung"
    for e in errors:
        if e is not None:
            raise e
    return results


def test_eight_threads_give_the_results_of_one_after_another():
    seeds = list(range(N_THREADS))
    sequential = [_job(s) for s in seeds]
    concurrent = _run_threads(_job, [(s,) for s in seeds])
    for s, a, b in zip(seeds, sequential, concurrent):
        _assert_identical(a, b, f"job {s}")
    # the jobs really differ from each other (not one cached result)
    assert sequential[0]["scm_parameters"].tobytes() != sequential[2]["scm_parameters"].tobytes()


# ----------------------------------------------------------------------------- GIL


@pytest.fixture(scope="module")
def linear_scm():
    X = cf.datasets.make_lin(500, random_state=0).X
    return cf.SCM(LIN_GRAPH, sensitive="S", random_state=0).fit(X), X


def _engine_ball(scm, data, n_samples):
    out = np.empty((data.shape[0] * 2 * n_samples, data.shape[1]))
    _engine.scm_ball(scm._handle, data, 0.05, n_samples, False, 0, out)


def _calibrated_ball(scm, data, target_seconds=0.6):
    """An n_samples for which one raw engine ball call takes about ``target_seconds``."""
    n = 2000
    while True:
        start = time.perf_counter()
        _engine_ball(scm, data, n)
        took = time.perf_counter() - start
        if took >= target_seconds or n >= 4_000_000:
            return n
        n = int(n * min(8.0, max(2.0, 1.2 * target_seconds / max(took, 1e-3))))


def test_the_gil_is_released_during_an_engine_call(linear_scm):
    """A pure-Python counter thread records timestamps while the main thread is inside
    one engine call. Had the call kept the GIL, no timestamp could fall strictly inside
    the call's middle half (the counter could only run before or after it)."""
    scm, X = linear_scm
    data = np.ascontiguousarray(scm.encode(X.head(16)).to_numpy())
    n = _calibrated_ball(scm, data)
    stamps = []
    stop = threading.Event()

    def counter():
        i = 0
        while not stop.is_set():
            i += 1
            if i % 200 == 0:
                stamps.append(time.perf_counter())

    thread = threading.Thread(target=counter)
    thread.start()
    try:
        time.sleep(0.05)
        t0 = time.perf_counter()
        _engine_ball(scm, data, n)
        t1 = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    quarter = (t1 - t0) / 4
    inside = sum(1 for s in stamps if t0 + quarter < s < t1 - quarter)
    assert inside >= 5, (f"the counter thread made no progress during a {t1 - t0:.2f} s engine call "
                         f"({inside} stamps inside its middle half, {len(stamps)} in all): the GIL is held")


# ------------------------------------------------------------------- shared handles


def test_one_scm_is_read_from_two_threads_at_once_and_refitting_it_meanwhile_is_refused(linear_scm):
    """A long engine call reads an SCM in one thread. Meanwhile another thread reads the
    same SCM (twins: the same answer as alone, no waiting for the long call), and a refit
    of that very handle raises RuntimeError "in use" (a fit needs the handle to itself)
    — never a crash; afterwards the handle can be refitted."""
    scm, X = linear_scm
    data = np.ascontiguousarray(scm.encode(X.head(16)).to_numpy())
    fit_data = np.ascontiguousarray(scm.encode(X).to_numpy())
    expected = scm.twins(X.head(3))
    n = _calibrated_ball(scm, data, 0.8)
    started = threading.Event()
    outcomes = {"twins equal": 0, "twins differ": 0, "fit in use": 0, "fit ran": 0}

    def long_call():
        started.set()
        _engine_ball(scm, data, n)

    def poke():
        started.wait()
        deadline = time.perf_counter() + 30
        while worker.is_alive() and time.perf_counter() < deadline:
            outcomes["twins equal" if scm.twins(X.head(3)).equals(expected) else "twins differ"] += 1
            try:
                _engine.scm_fit(scm._handle, fit_data, 0)
                outcomes["fit ran"] += 1
            except RuntimeError as exc:
                assert "in use" in str(exc)
                outcomes["fit in use"] += 1
            time.sleep(0.001)

    worker = threading.Thread(target=long_call)
    poker = threading.Thread(target=poke)
    worker.start()
    poker.start()
    worker.join()
    poker.join()
    assert outcomes["twins equal"] >= 5 and outcomes["twins differ"] == 0, outcomes
    assert outcomes["fit in use"] >= 5, outcomes
    _engine.scm_fit(scm._handle, fit_data, 0)  # the handle is free again once the reader has ended
    assert scm.twins(X.head(3)).shape == (6, 3)


def test_one_estimator_predicts_from_eight_threads_at_once():
    """Predictions of one fitted estimator from 8 threads at once (joblib's threading
    backend, a web server): every thread gets the sequential answer, none is refused."""
    ds = cf.datasets.make_lin(20_000, random_state=4)
    X = ds.X[["X1", "X2"]].to_numpy()
    clf = cf.FairRobustClassifier(model="mlp", hidden_layer_sizes=(64, 64), method="erm", epochs=1,
                                  random_state=0, verbose=False).fit(X, ds.y)
    expected = clf.predict_proba(X)
    results, errors = [], []
    barrier = threading.Barrier(8)

    def predict():
        barrier.wait()
        try:
            for _ in range(5):
                results.append(clf.predict_proba(X))
        except Exception as exc:  # noqa: BLE001 - any failure is the finding
            errors.append(repr(exc))

    threads = [threading.Thread(target=predict) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == 40 and all(np.array_equal(r, expected) for r in results)


def test_fit_and_predict_on_one_estimator_from_two_threads_never_crash():
    """Refitting an estimator in one thread while another predicts with it: predict
    sees the old model, the new one, a NotFittedError / AttributeError (fit clears the
    fitted state first) or RuntimeError "in use" — and the process survives; afterwards the
    estimator is the fitted one."""
    from sklearn.exceptions import NotFittedError

    ds = cf.datasets.make_lin(400, random_state=3)
    X = ds.X[["X1", "X2"]].to_numpy()
    y = ds.y
    clf = cf.FairRobustClassifier(model="mlp", hidden_layer_sizes=(8,), method="al", epochs=40, steps=3,
                                  random_state=0, verbose=False).fit(X, y)
    seen = {"ok": 0, "not fitted": 0, "in use": 0}
    done = threading.Event()

    def refit():
        try:
            clf.fit(X, y)
        finally:
            done.set()

    def predict():
        while not done.is_set():
            try:
                p = clf.predict_proba(X)
                assert np.isfinite(p).all()
                seen["ok"] += 1
            except (NotFittedError, AttributeError):
                # fit first clears the fitted attributes, so a predict racing it may
                # find some gone (scikit-learn estimators are not thread-safe either)
                seen["not fitted"] += 1
            except RuntimeError as exc:
                assert "in use" in str(exc)
                seen["in use"] += 1

    _run_threads(lambda f: f(), [(refit,), (predict,)])
    assert sum(seen.values()) > 0
    reference = cf.FairRobustClassifier(model="mlp", hidden_layer_sizes=(8,), method="al", epochs=40, steps=3,
                                        random_state=0, verbose=False).fit(X, y)
    assert clf.predict_proba(X).tobytes() == reference.predict_proba(X).tobytes()


def test_predicting_with_one_model_from_many_threads_never_crashes():
    """Concurrent predict_proba on one fitted estimator: each call works or raises
    RuntimeError "in use"; results that come back are the right ones."""
    ds = cf.datasets.make_lin(300, random_state=4)
    X = ds.X[["X1", "X2"]].to_numpy()
    clf = cf.FairRobustClassifier(model="mlp", hidden_layer_sizes=(8,), method="erm", epochs=2,
                                  random_state=0, verbose=False).fit(X, ds.y)
    big = np.tile(X, (200, 1))
    expected = clf.predict_proba(big)

    def work():
        outcomes = []
        for _ in range(5):
            try:
                assert clf.predict_proba(big).tobytes() == expected.tobytes()
                outcomes.append("ok")
            except RuntimeError as exc:
                assert "in use" in str(exc)
                outcomes.append("in use")
        return outcomes

    results = _run_threads(work, [()] * 4)
    assert any("ok" in r for r in results)
