"""Shared test data."""

import pandas as pd

import causalfair as cf


def synthetic_linear(n: int = 2000, random_state: int = 0) -> pd.DataFrame:
    """``n`` draws of the LIN SCM (S, X1, X2): S ~ Bernoulli(0.5), X1 = 2S + U1,
    X2 = S − X1 + U2."""
    return cf.datasets.make_lin(n, random_state=random_state).X
