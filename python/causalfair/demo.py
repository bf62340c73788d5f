"""Data for ``python -m causalfair demo``: the Adult SCM if its file is at hand, else a
small synthetic linear SCM.

Adult (UCI ``adult.data`` in the folder named by ``$CAUSALFAIR_DATA``), rows with a
``?`` dropped, six nodes:

* ``sex`` (sensitive, binary: Female / Male), ``age``, ``native-country-US``
  (1 when ``native-country`` is United-States) — roots;
* ``married`` (1 when ``marital-status`` is Married-civ-spouse or Married-AF-spouse,
  i.e. living with a spouse) <- sex, age, native-country-US;
* ``education-num``, ``hours-per-week`` <- sex, age, native-country-US, married.

Synthetic: ``S ~ Bernoulli(0.5)``, ``X1 = 2 S + U1``, ``X2 = S - X1 + U2`` with
``U1, U2 ~ N(0, 1)``.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple

import numpy as np
import pandas as pd

__all__ = ["ADULT_GRAPH", "LINEAR_GRAPH", "load_adult", "synthetic_linear", "demo_data"]

ADULT_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
    "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
    "hours-per-week", "native-country", "income",
]
_ROOTS = ["sex", "age", "native-country-US"]
ADULT_GRAPH: Dict[str, List[str]] = {
    "sex": [], "age": [], "native-country-US": [],
    "married": list(_ROOTS),
    "education-num": _ROOTS + ["married"],
    "hours-per-week": _ROOTS + ["married"],
}
LINEAR_GRAPH: Dict[str, List[str]] = {"S": [], "X1": ["S"], "X2": ["S", "X1"]}


def load_adult(folder: str) -> pd.DataFrame:
    """The six Adult nodes from ``folder/adult.data`` (rows with ``?`` dropped)."""
    raw = pd.read_csv(os.path.join(folder, "adult.data"), header=None, names=ADULT_COLUMNS,
                      skipinitialspace=True, na_values="?")
    raw = raw.dropna()
    return pd.DataFrame({
        "sex": raw["sex"].astype(str),
        "age": raw["age"].astype(np.float64),
        "native-country-US": (raw["native-country"] == "United-States").astype(np.int64),
        "married": raw["marital-status"].isin(["Married-civ-spouse", "Married-AF-spouse"])
        .astype(np.int64),
        "education-num": raw["education-num"].astype(np.float64),
        "hours-per-week": raw["hours-per-week"].astype(np.float64),
    }).reset_index(drop=True)


def synthetic_linear(n: int = 2000, random_state: int = 0) -> pd.DataFrame:
    """``n`` draws of the synthetic linear SCM (S, X1, X2), made with numpy."""
    rng = np.random.default_rng(random_state)
    s = rng.binomial(1, 0.5, n)
    x1 = 2.0 * s + rng.normal(size=n)
    x2 = s - x1 + rng.normal(size=n)
    return pd.DataFrame({"S": s, "X1": x1, "X2": x2})


def demo_data(folder: Optional[str] = None) -> Tuple[str, pd.DataFrame, Dict[str, List[str]], str]:
    """(name, data, graph, sensitive node): Adult when ``folder`` (default
    ``$CAUSALFAIR_DATA``) holds ``adult.data``, else the synthetic linear SCM."""
    folder = folder if folder is not None else os.environ.get("CAUSALFAIR_DATA")
    if folder and os.path.isfile(os.path.join(folder, "adult.data")):
        return "Adult", load_adult(folder), ADULT_GRAPH, "sex"
    return "synthetic linear SCM", synthetic_linear(), LINEAR_GRAPH, "S"
