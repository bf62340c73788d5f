"""Hardening (issue 6): memory.

Creating, using and dropping many SCMs and models keeps the resident set flat: the
engine objects are freed when their Python objects die. The raw engine handles are
churned 10,000 times each; the public estimators (whose Python side — pandas,
scikit-learn validation — costs ~1-3 ms per object) 1,500 times each.

RSS is read from /proc/self/statm after a warm-up (allocator pools, caches, lazy
imports) and again at the end. RSS alone can hide a leak: memory other tests freed
earlier in the session is reused before the process grows. So the bytes malloc has
handed out and not taken back (glibc's mallinfo2, which sees the Swift runtime's and
numpy's allocations) are checked too. Each churned object holds at least ~10 KB in
the engine (a latent sample or a parameter vector), so a leak of one engine object
per iteration would add well over the bounds.
"""

import gc
import os
import weakref

import numpy as np
import pytest

import causalfair as cf
from causalfair import _engine, _handles, _models
from _support import malloc_heap_mb

WARM_UP = 500
RSS_BOUND_MB = 16.0
HEAP_BOUND_MB = 4.0

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc (Linux)")


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        resident_pages = int(f.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def _check_flat(step, total: int, what: str) -> None:
    """RSS and malloc'd bytes stay flat over ``total - WARM_UP`` calls of ``step(i)``
    after a warm-up."""
    for i in range(WARM_UP):
        step(i)
    gc.collect()
    rss, heap = _rss_mb(), malloc_heap_mb()
    for i in range(WARM_UP, total):
        step(i)
    gc.collect()
    rss, heap = _rss_mb() - rss, malloc_heap_mb() - heap
    assert rss < RSS_BOUND_MB, f"RSS grew by {rss:.1f} MB over {total - WARM_UP:,} {what}"
    assert heap < HEAP_BOUND_MB, f"malloc'd memory grew by {heap:.1f} MB over {total - WARM_UP:,} {what}"


@pytest.fixture(scope="module")
def lin(lin_dataset):
    return lin_dataset.X, lin_dataset.y


_SETTINGS = dict(method="erm", epochs=1, batch_size=100, optimizer="adam", patience=5, steps=1, n_samples=1,
                 exact=False, learning_rate=0.01, weight_decay=0.0, validation_fraction=0.0, radius=0.05,
                 epsilon=0.05, step_size=0.0, inner_learning_rate=0.1, lambda_=1.0, mu=1.0, nu=1.0,
                 twin_penalty=0.0, tol=1e-8, beta=6.0)


def test_ten_thousand_engine_scms_keep_rss_flat(lin_scm, lin):
    X, _ = lin
    scm = lin_scm
    data = np.ascontiguousarray(scm.encode(X).to_numpy())
    out = np.empty_like(data)
    twins = np.empty((2 * data.shape[0], data.shape[1]))

    def step(i):
        h = _handles.new_handle(scm.schema_)
        _engine.scm_fit(h, data, i)  # keeps a 400 x 3 latent sample: 9.6 KB
        _engine.scm_abduct(h, data, out)
        _engine.scm_twins(h, data, twins)

    _check_flat(step, 10_000, "SCM handles")


def test_ten_thousand_engine_models_keep_rss_flat(lin):
    X, y = lin
    x = np.ascontiguousarray(X[["X1", "X2"]].to_numpy()[:100])
    labels = np.ascontiguousarray(y[:100], dtype=np.float64)

    def step(i):
        m = _models.new_model([2, 32, 32, 1], "tanh", i)  # 1,185 parameters (+ Adam state)
        _models.train(m, None, x, labels, _SETTINGS, i, None)
        _models.logits(m, x)

    _check_flat(step, 10_000, "model handles")


def test_fifteen_hundred_public_scms_and_classifiers_keep_rss_flat(lin_graph, lin):
    X, y = lin
    test = X.head(20)

    def step(i):
        scm = cf.SCM(lin_graph, sensitive="S", random_state=i).fit(X)
        scm.twins(test)
        clf = cf.FairRobustClassifier(scm=scm, model="mlp", hidden_layer_sizes=(32,), method="erm", epochs=1,
                                      random_state=i, verbose=False).fit(X, y)
        clf.predict_proba(test)

    _check_flat(step, 1_500, "SCMs and classifiers")


def test_handles_die_with_their_python_objects(lin_graph, lin):
    """No reference cycle keeps an SCM or a classifier (and so its engine handle)
    alive: with the cyclic garbage collector off, dropping the last reference frees
    them at once."""
    X, y = lin
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        scm = cf.SCM(lin_graph, sensitive="S", random_state=0).fit(X)
        clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="erm", epochs=1, random_state=0,
                                      verbose=False).fit(X, y)
        clf.predict_proba(X.head(5))
        cf.audit(clf, scm, X.head(20), radii=(0.05,), n_samples=5, random_state=0)
        refs = [weakref.ref(scm), weakref.ref(clf)]
        del scm, clf
        alive = [r() for r in refs if r() is not None]
        assert not alive, f"still alive without the cyclic GC: {[type(a).__name__ for a in alive]}"
    finally:
        if enabled:
            gc.enable()


def test_freeing_a_handle_explicitly_is_idempotent_and_closes_it(lin_graph, lin):
    X, _ = lin
    scm = cf.SCM(lin_graph, sensitive="S", random_state=0).fit(X)
    h = _handles.new_handle(scm.schema_)
    assert not h.closed
    _engine.scm_free(h)
    assert h.closed
    _engine.scm_free(h)  # idempotent
    with pytest.raises(ValueError, match="closed"):
        _engine.scm_info(h)
    m = _models.new_model([2, 1], "tanh", 0)
    _engine.model_free(m)
    _engine.model_free(m)
    assert m.closed
    with pytest.raises(ValueError, match="closed"):
        _engine.model_info(m)
