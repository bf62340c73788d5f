"""The public surface: ``dir(cf)`` and ``dir(cf.metrics)`` list the public API
(``__all__``) and nothing the package uses internally; the wheel carries the PEP 561
``py.typed`` marker and the engine's type stub; the whole package passes ``mypy --strict``."""

import importlib.resources
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import causalfair as cf
from causalfair import metrics

INTERNAL = {"np", "pd", "Any", "Optional", "Tuple", "math", "numbers", "annotations", "_metadata",
            "audit_module", "classifier", "scm", "graph", "validation", "schema", "_engine", "_handles"}


@pytest.mark.parametrize("module", [cf, metrics], ids=["causalfair", "causalfair.metrics"])
def test_dir_lists_the_public_api_only(module):
    assert dir(module) == sorted(module.__all__)
    assert not INTERNAL & set(dir(module))
    for name in module.__all__:
        assert hasattr(module, name), name


def test_the_public_names_are_still_reachable():
    # dir() hides the internals; attribute access (and submodule import) still works.
    assert cf.SCM.__module__ == "causalfair.scm"
    assert callable(cf.audit) and callable(metrics.proportion)
    import causalfair.scm  # noqa: F401 (a submodule stays importable)


def test_the_package_carries_py_typed():
    assert importlib.resources.files("causalfair").joinpath("py.typed").is_file()


def test_the_package_carries_the_engine_type_stub():
    assert importlib.resources.files("causalfair").joinpath("_engine.pyi").is_file()


def test_the_whole_package_passes_mypy_strict(tmp_path):
    """Every module of the installed package, the compiled engine typed by its stub
    ``_engine.pyi``; third-party libraries without type information are the only
    ``# type: ignore`` lines (each names its code and why)."""
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (make test installs it)")
    args = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull,
            "-p", "causalfair"]
    result = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout
    package = importlib.resources.files("causalfair")
    for path in sorted(Path(str(package)).rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "type: ignore" in line:
                assert re.search(r"# type: ignore\[[a-z-]+(, [a-z-]+)*\]  # \S", line), f"{path.name}:{number}"
