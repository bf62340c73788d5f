"""The public surface: ``dir(cf)`` and ``dir(cf.metrics)`` list the public API
(``__all__``) and nothing the package uses internally; the wheel carries the PEP 561
``py.typed`` marker; the public modules pass ``mypy --strict``."""

import importlib.resources
import importlib.util
import os
import subprocess
import sys

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


# The modules checked with mypy --strict (the others' remaining errors are counted in
# the change that introduced this test; add a module here once it passes).
STRICT_MODULES = ["causalfair", "causalfair.metrics", "causalfair.distributions", "causalfair.mechanisms"]


def test_public_modules_pass_mypy_strict(tmp_path):
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (make test installs it)")
    args = [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-incremental",
            "--cache-dir", os.devnull]
    for module in STRICT_MODULES:
        args += ["-m", module]
    result = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout
