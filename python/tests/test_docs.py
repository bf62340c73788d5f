"""The documentation in docs/: every example of the user guide (and of cf.metrics'
docstrings) runs and prints what the page says (doctest), and the whole site — user guide and the API reference generated
from the installed package's numpydoc docstrings — builds with Sphinx, warnings as
errors (what ``make docs`` runs)."""

import doctest
import importlib.util
import pathlib
import subprocess
import sys

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted((DOCS / "user_guide").glob("*.rst"))


def test_every_concept_has_a_page():
    names = {page.stem for page in PAGES}
    assert {"scm_and_twins", "ball_and_delta", "training", "audits", "discrete_nodes"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.stem)
def test_user_guide_examples_run(page):
    result = doctest.testfile(str(page), module_relative=False, verbose=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{page.name} has no example"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {page.name} failed (output above)"


def test_metrics_docstring_examples_run():
    from causalfair import _scores, metrics  # cf.metrics re-exports the plain metrics of _scores
    results = [doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
               for module in (_scores, metrics)]
    assert sum(r.attempted for r in results) >= 10 and sum(r.failed for r in results) == 0


def test_docs_build_without_warnings(tmp_path):
    missing = [name for name in ("sphinx", "numpydoc") if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"the docs tool is missing: {', '.join(missing)} (make test installs it)")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                             str(DOCS), str(tmp_path / "html")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    api = (tmp_path / "html" / "api.html").read_text(encoding="utf-8")
    # The reference is generated from the docstrings: numpydoc sections are rendered.
    assert "sensitive_features" in api and "Parameters" in api
