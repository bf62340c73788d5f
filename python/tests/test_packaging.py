"""The installed wheel: where it lives, what its shared objects link, how the shim fails.

These tests look at the *installed* package (``pip install .``), not the source tree:
run pytest from a directory where ``python/`` is not importable (``make test`` does).
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import causalfair
import causalfair._engine as engine
from _support import HAS_MALLOC_HEAP, malloc_heap_mb

SOURCE_PACKAGE = (Path(__file__).resolve().parents[1] / "causalfair").resolve()
EXTENSION = Path(engine.__file__).resolve()
PACKAGE_DIR = (Path(causalfair.__file__).resolve().parent if causalfair.__file__
               else EXTENSION.parent)
ENGINE_LIB = PACKAGE_DIR / "libCausalFairEngine.so"

# X -> Y, both continuous, Y linear in X: two cf_node_spec (causalfair.h) as dicts.
_NODE = {"kind": "continuous", "width": 1, "parents": [], "sensitive": False, "immutable": False,
         "mechanism": "root", "ridge": 0.0, "hidden": [], "epochs": 0, "batch_size": 0, "learning_rate": 0.0,
         "program": [], "outer": "identity", "offset": 0.0, "scale": 1.0, "noise": "empirical",
         "noise_loc": 0.0, "noise_scale": 0.0, "noise_shape": 0.0, "noise_p": 0.0, "discrete": "anm"}
SPEC = [_NODE, {**_NODE, "parents": [0], "mechanism": "linear"}]


# ---------------------------------------------------------------- where it lives ---

def test_imports_the_installed_package_not_the_source_tree():
    assert PACKAGE_DIR != SOURCE_PACKAGE, (
        f"causalfair was imported from the source tree ({PACKAGE_DIR}); run the tests "
        "from a directory where python/ is not on sys.path, against the installed wheel"
    )
    assert "/python/causalfair" not in str(PACKAGE_DIR)


def test_engine_library_sits_next_to_the_extension():
    assert EXTENSION.parent == PACKAGE_DIR
    assert ENGINE_LIB.is_file()


def test_version_is_a_string():
    version = engine.version()
    assert isinstance(version, str) and version


# ---------------------------------------------------------------- what it links ---

def dynamic_section(path: Path) -> tuple[list[str], list[str]]:
    """NEEDED entries and RPATH/RUNPATH entries of a shared object, via readelf -d."""
    readelf = shutil.which("readelf")
    if readelf is None:
        pytest.skip("readelf is not installed")
    out = subprocess.run([readelf, "-d", str(path)], check=True, capture_output=True,
                         text=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)
    paths: list[str] = []
    for entry in re.findall(r"\((?:RPATH|RUNPATH)\)\s+Library r(?:un)?path: \[([^\]]*)\]", out):
        paths.extend(p for p in entry.split(":") if p)
    return needed, paths


@pytest.mark.parametrize("path", [EXTENSION, ENGINE_LIB], ids=["extension", "engine"])
def test_no_swift_runtime_and_only_origin_rpath(path):
    needed, rpaths = dynamic_section(path)
    swift = [n for n in needed if n.startswith("libswift") or "Foundation" in n
             or n.startswith("libdispatch") or n.startswith("libBlocksRuntime")]
    assert swift == [], f"{path.name} needs the Swift runtime: {swift}"
    assert all(p == "$ORIGIN" for p in rpaths), f"{path.name} has RPATH/RUNPATH {rpaths}"


def test_extension_links_the_engine_by_name():
    needed, rpaths = dynamic_section(EXTENSION)
    assert "libCausalFairEngine.so" in needed, needed
    assert rpaths == ["$ORIGIN"], rpaths
    assert not any(n.startswith("/") for n in needed), needed


def test_engine_links_only_system_libraries():
    needed, _ = dynamic_section(ENGINE_LIB)
    allowed = ("libopenblas", "libstdc++", "libm.", "libgcc_s", "libc.", "ld-linux")
    unexpected = [n for n in needed if not n.startswith(allowed)]
    assert unexpected == [], f"unexpected NEEDED entries: {unexpected}"


def test_imports_without_the_swift_toolchain(tmp_path):
    """A child interpreter with no Swift on PATH or LD_LIBRARY_PATH loads the engine."""
    env = {k: v for k, v in os.environ.items() if k not in ("LD_LIBRARY_PATH", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if "swift" not in p.lower()
    )
    code = ("import causalfair._engine as e, sys; print(e.version()); "
            "print(e.__file__)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         check=True, capture_output=True, text=True).stdout
    assert out.splitlines()[0] == engine.version()


# ----------------------------------------------------------- how the shim fails ---

@pytest.fixture
def scm():
    h = engine.scm_new(SPEC)
    yield h
    engine.scm_free(h)


def test_handle_attributes(scm):
    assert scm.kind == engine.HANDLE_SCM
    assert scm.closed is False
    with pytest.raises(AttributeError):
        scm.kind = 2
    with pytest.raises(AttributeError):
        scm.closed = True
    with pytest.raises(TypeError):
        engine.Handle()


def test_scm_info_reports_the_spec(scm):
    info = engine.scm_info(scm)
    assert isinstance(info, tuple) and len(info) == 8
    assert all(isinstance(v, int) for v in info)
    columns, nodes = info[0], info[1]
    assert (columns, nodes) == (2, 2)
    assert info[7] == 0  # not fitted


def test_freed_handle_raises_and_free_is_idempotent():
    h = engine.scm_new(SPEC)
    engine.scm_free(h)
    engine.scm_free(h)
    assert h.closed is True
    with pytest.raises(ValueError, match="handle is closed"):
        engine.scm_info(h)
    with pytest.raises(ValueError, match="handle is closed"):
        engine.scm_abduct(h, np.zeros((3, 2)), np.empty((3, 2)))


@pytest.mark.skipif(not HAS_MALLOC_HEAP, reason="needs glibc's mallinfo2")
def test_garbage_collected_handle_frees_its_engine_object():
    """Dropping the last reference to a handle frees the engine object behind it (the
    Handle's deallocator calls cf_scm_free): 20 fitted SCMs, each keeping its
    200,000 × 2 latent sample (3.05 MiB), hold their memory while their handles live
    (the control: the measurement sees them) and give it all back once dropped."""
    rows = 200_000
    data = np.ascontiguousarray(np.column_stack([np.arange(rows) % 2, np.random.default_rng(0).normal(size=rows)]))
    gc.collect()
    before = malloc_heap_mb()
    handles = []
    for seed in range(20):
        handles.append(engine.scm_new(SPEC))
        engine.scm_fit(handles[-1], data, seed)
    held = malloc_heap_mb() - before
    del handles
    gc.collect()
    kept = malloc_heap_mb() - before
    latent_mb = 20 * rows * 2 * 8 / 2 ** 20
    assert held > 0.9 * latent_mb, f"20 fitted SCMs hold only {held:.1f} MB of their {latent_mb:.1f} MB of latents"
    assert kept < 2.0, f"{kept:.1f} MB still allocated after the handles were dropped"


@pytest.mark.parametrize("not_a_handle", [None, 0, "scm", object(), np.zeros(2)])
def test_wrong_handle_type_raises_type_error(not_a_handle):
    with pytest.raises(TypeError):
        engine.scm_info(not_a_handle)
    with pytest.raises(TypeError):
        engine.scm_abduct(not_a_handle, np.zeros((3, 2)), np.empty((3, 2)))
    with pytest.raises(TypeError):
        engine.scm_free(not_a_handle)


def test_wrong_dtype_raises_type_error_naming_the_argument(scm):
    data = np.zeros((3, 2))
    with pytest.raises(TypeError, match="data must be a C-contiguous float64 array"):
        engine.scm_abduct(scm, data.astype(np.float32), np.empty((3, 2)))
    with pytest.raises(TypeError, match="out must be a writable C-contiguous float64"):
        engine.scm_abduct(scm, data, np.empty((3, 2), dtype=np.int64))
    with pytest.raises(TypeError, match=r"nodes\[1\]: parents\[0\]: expected an int"):
        engine.scm_new([_NODE, {**_NODE, "parents": [0.5], "mechanism": "linear"}])
    with pytest.raises(TypeError, match=r"nodes\[0\]: ridge: expected a real number"):
        engine.scm_new([{**_NODE, "ridge": "0"}])
    with pytest.raises(TypeError, match="out must be a writable C-contiguous int64"):
        engine.scm_perturbable(scm, np.empty(2, dtype=np.float64))
    with pytest.raises(TypeError, match="data"):
        engine.scm_abduct(scm, [[0.0, 0.0]], np.empty((1, 2)))


def test_wrong_ndim_raises_type_error(scm):
    with pytest.raises(TypeError, match="with 2 dimensions"):
        engine.scm_abduct(scm, np.zeros(6), np.empty((3, 2)))
    with pytest.raises(TypeError, match="do_nodes must be a C-contiguous int64 array with 1"):
        engine.scm_counterfactual(scm, np.zeros((3, 2)), np.zeros((1, 1), dtype=np.int64),
                                  np.zeros((1, 1)), np.empty((3, 2)))


def test_non_contiguous_array_raises_type_error(scm):
    data = np.zeros((2, 3)).T  # Fortran order
    assert not data.flags.c_contiguous
    with pytest.raises(TypeError, match="data must be a C-contiguous"):
        engine.scm_abduct(scm, data, np.empty((3, 2)))
    out = np.empty((3, 4))[:, ::2]
    with pytest.raises(TypeError, match="out must be"):
        engine.scm_abduct(scm, np.zeros((3, 2)), out)


def test_read_only_output_raises_type_error(scm):
    out = np.empty((3, 2))
    out.flags.writeable = False
    with pytest.raises(TypeError, match="writable"):
        engine.scm_abduct(scm, np.zeros((3, 2)), out)


def test_mismatched_shapes_raise_value_error(scm):
    with pytest.raises(ValueError, match="b must have the same shape as a"):
        engine.scm_metric(scm, np.zeros((3, 2)), np.zeros((2, 2)), np.empty(3))
    with pytest.raises(ValueError, match="cotangent must have the same shape as z"):
        engine.scm_phi_inverse_vjp(scm, np.zeros((3, 2)), np.zeros((3, 1)), np.empty((3, 2)))


@pytest.mark.parametrize("seed, exc", [(-1, OverflowError), (2**64, OverflowError),
                                       (1.5, TypeError), ("1", TypeError)])
def test_bad_seed_raises(scm, seed, exc):
    with pytest.raises(exc):
        engine.scm_fit(scm, np.zeros((10, 2)), seed)


def test_engine_errors_are_python_exceptions(scm):
    """Calls the engine must refuse (wrong output size, not fitted) raise, never crash."""
    with pytest.raises((ValueError, RuntimeError)):
        engine.scm_abduct(scm, np.zeros((3, 2)), np.empty((2, 2)))
    with pytest.raises((ValueError, RuntimeError)):
        engine.scm_abduct(scm, np.zeros((3, 5)), np.empty((3, 5)))
    with pytest.raises((ValueError, KeyError, RuntimeError)):
        engine.scm_counterfactual(scm, np.zeros((3, 2)), np.array([7], dtype=np.int64),
                                  np.zeros((1, 1)), np.empty((3, 2)))
    with pytest.raises(ValueError):
        engine.scm_new([{**_NODE, "width": 99}])


def test_buffers_are_released_on_every_path(scm):
    """An array whose buffer is still exported cannot be resized in place."""
    data = np.zeros((3, 2))
    out = np.empty((3, 2))
    bad_out = np.empty((3, 2), dtype=np.float32)
    with pytest.raises(TypeError):
        engine.scm_abduct(scm, data, bad_out)
    try:
        engine.scm_abduct(scm, data, out)  # may fail: the SCM is not fitted
    except RuntimeError:
        pass
    data.resize((2, 3), refcheck=False)
    out.resize((2, 3), refcheck=False)
    bad_out.resize((2, 3), refcheck=False)


def test_empty_interventions_are_accepted_shapes(scm):
    """do_nodes of length 0 with do_values of shape (1, 0) or (0, 0) get through the shim."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    data = np.ascontiguousarray(np.column_stack([x, 2.0 * x + rng.normal(size=200)]))
    engine.scm_fit(scm, data, 0)
    no_nodes = np.zeros(0, dtype=np.int64)
    for values in (np.zeros((1, 0)), np.zeros((0, 0))):  # no intervention: every row is its own counterfactual
        out = np.empty_like(data)
        engine.scm_counterfactual(scm, data, no_nodes, values, out)
        np.testing.assert_allclose(out, data, atol=1e-9)
    out = np.empty((5, 2))
    engine.scm_sample(scm, no_nodes, np.zeros((1, 0)), 3, out)
    assert np.isfinite(out).all()


def test_concurrent_use_of_one_handle_raises_instead_of_racing():
    """While one thread runs an engine call (GIL released), others get an exception."""
    import threading

    h = engine.scm_new(SPEC)
    rng = np.random.default_rng(1)
    x = rng.normal(size=500)
    engine.scm_fit(h, np.ascontiguousarray(np.column_stack([x, x + rng.normal(size=500)])), 1)
    errors: list[BaseException] = []
    stop = threading.Event()

    def worker():
        out = np.empty((50_000, 2))
        no_nodes = np.zeros(0, dtype=np.int64)
        while not stop.is_set():
            try:
                engine.scm_sample(h, no_nodes, np.zeros((1, 0)), 7, out)
            except ValueError:  # freed by the main thread: expected
                return
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
                return

    thread = threading.Thread(target=worker)
    thread.start()
    outcomes = set()
    for _ in range(200):
        try:
            engine.scm_info(h)
            outcomes.add("ok")
        except RuntimeError as exc:
            assert "in use" in str(exc)
            outcomes.add("busy")
    try:
        engine.scm_free(h)  # freeing a handle in use is refused, not a use-after-free
    except RuntimeError as exc:
        assert "in use" in str(exc)
    stop.set()
    thread.join(timeout=60)
    engine.scm_free(h)
    assert not thread.is_alive()
    assert errors == []
    assert h.closed
