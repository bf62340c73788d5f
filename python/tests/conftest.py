"""Fixtures shared by the Python tests: the LIN graph, LIN data, and an SCM fitted on
them (``_support.py`` holds the plain data builders these use)."""

from typing import Dict, List

import pytest

import causalfair as cf
from _support import LIN_GRAPH


@pytest.fixture
def lin_graph() -> Dict[str, List[str]]:
    """The LIN graph (S → X1, S → X2, X1 → X2), a fresh copy for every test."""
    return {node: list(parents) for node, parents in LIN_GRAPH.items()}


@pytest.fixture(scope="session")
def lin_dataset() -> cf.datasets.Dataset:
    """400 rows of the LIN SCM (``cf.datasets.make_lin(400, random_state=0)``) with
    their labels. Shared by the whole session: do not modify it."""
    return cf.datasets.make_lin(400, random_state=0)


@pytest.fixture(scope="session")
def lin_scm(lin_dataset) -> cf.SCM:
    """A linear SCM over ``LIN_GRAPH`` (sensitive S, ``random_state=0``) fitted on
    ``lin_dataset.X``. Shared by the whole session: do not refit it."""
    return cf.SCM(LIN_GRAPH, sensitive="S", random_state=0).fit(lin_dataset.X)
