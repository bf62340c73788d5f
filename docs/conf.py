"""Sphinx configuration: the user guide (docs/user_guide) and the API reference
generated from the package's numpydoc docstrings (``make docs``; warnings are errors).

The reference documents the *installed* package (``pip install .`` first), so that the
compiled engine can be imported.
"""

project = "causalfair"
author = "the causalfair authors"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.mathjax", "numpydoc"]
exclude_patterns = ["_build"]
html_theme = "alabaster"
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc sections say the types
numpydoc_show_class_members = False
numpydoc_validation_checks: set = set()
suppress_warnings: list = []
