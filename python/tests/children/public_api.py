"""The namespace every case of the public-API fuzz (``test_hardening_fuzz_public.py``)
runs in, inside the child interpreter of :class:`_support.ChildRun`: fitted LIN models
(an SCM, an MLP SCM, classifiers, a black box, a report), input builders that spoil
data on request (``arr``, ``frame``, ``labels``, ``groups``), and the checks a result
must pass (``finite``, ``indicators_finite``). Imported by the child only: importing
it fits the models.
"""

import pickle  # noqa: F401 (the cases use it)
import warnings

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

import causalfair as cf
from causalfair import experiments, metrics  # noqa: F401 (the cases use metrics)
from _support import LIN_GRAPH

warnings.simplefilter("ignore")  # warnings are not what this fuzz checks

LIN = cf.datasets.make_lin(40, random_state=0)
X, Y = LIN.X, LIN.y.to_numpy()
GRAPH = LIN_GRAPH
SCM = cf.SCM(GRAPH, sensitive="S", random_state=0).fit(X)
MLP_SCM = cf.SCM(GRAPH, sensitive="S", mechanism=cf.MLPMechanism(hidden_layer_sizes=(4,), epochs=2),
                 random_state=0).fit(X)
UNFITTED_SCM = cf.SCM(GRAPH, sensitive="S")
ENCODED = SCM.encode(X).to_numpy()
CLF = cf.FairRobustClassifier(scm=SCM, model="logistic", method="erm", epochs=2, random_state=0,
                              verbose=False).fit(X, Y)
CLF_MLP = cf.FairRobustClassifier(model="mlp", hidden_layer_sizes=(4,), method="erm", epochs=2, random_state=0,
                                  verbose=False).fit(X.to_numpy(), Y)
CLF_MLP_SCM = cf.FairRobustClassifier(scm=MLP_SCM, model="mlp", hidden_layer_sizes=(4,), method="erm", epochs=2,
                                      random_state=0, verbose=False).fit(X, Y)
UNFITTED_CLF = cf.FairRobustClassifier(verbose=False)
BLACK_BOX = LogisticRegression().fit(X, Y)
REPORT = cf.audit(CLF, SCM, X.head(10), Y[:10], n_samples=5, random_state=0)
RESULTS = pd.DataFrame({"dataset": ["lin"] * 4, "method": ["erm", "erm", "capify", "capify"], "seed": [0, 1] * 2,
                        **{m: np.linspace(0.1, 0.4, 4) for m in experiments.METRICS}})


def _spoil(values, fill):
    """``values`` (float array) with ``fill`` applied."""
    values = values.astype(np.float64).copy()
    if values.size == 0 or fill == "normal":
        return values
    flat = values.reshape(-1)
    one = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf, "max": 1.7e308, "-max": -1.7e308}
    if fill in one:
        flat[len(flat) // 2] = one[fill]
    elif fill == "huge":
        flat *= 1e300
    elif fill == "tiny":
        flat *= 1e-300
    elif fill == "zero":
        flat[:] = 0.0
    return values


def _as(values, dtype):
    if dtype == "str":
        return values.astype(str)
    with np.errstate(all="ignore"):
        return values.astype(dtype)


def arr(rows, cols=3, dtype="float64", fill="normal", layout="C"):
    """A rows x cols array tiled from the LIN SCM's encoded data."""
    values = _as(_spoil(np.resize(ENCODED.ravel(), (rows, cols)), fill), dtype)
    if layout == "F":
        return np.asfortranarray(values)
    if layout == "strided":
        return np.repeat(values, 2, axis=1)[:, ::2]
    if layout == "readonly":
        values.setflags(write=False)
    return values


def frame(rows, drop=None, cast=None, fill=None, extra=False, dup=False, one_level=False, index="range"):
    """A LIN DataFrame of ``rows`` rows, spoiled as asked."""
    df = X.iloc[np.resize(np.arange(len(X)), rows)].reset_index(drop=True)
    if one_level:
        df["S"] = 0
    if fill is not None:
        column, how = fill
        df[column] = _spoil(df[column].to_numpy(), how) if how != "none" else None
    if cast is not None:
        column, dtype = cast
        df[column] = df[column].astype("category") if dtype == "category" else _as(df[column].to_numpy(), dtype)
    if extra:
        df["extra"] = "junk"
    if dup:
        df = pd.concat([df, df[["X1"]]], axis=1)
    if drop is not None:
        df = df.drop(columns=drop)
    if index == "dup":
        df.index = [0] * rows
    elif index == "str":
        df.index = [f"r{i}" for i in range(rows)]
    return df


def labels(rows, kind="binary"):
    """Labels or predictions for ``rows`` rows."""
    base = np.resize(Y, rows)
    return {
        "binary": base, "one": np.zeros(rows, dtype=int), "three": np.arange(rows) % 3,
        "strings": np.where(base == 1, "yes", "no"), "nan": np.where(base == 1, np.nan, 0.0),
        "bool": base.astype(bool), "float": base.astype(float), "2d": base.reshape(-1, 1),
        "short": base[:-1], "none": None, "mixed": np.array([1, "a"] * (rows // 2) + [1] * (rows % 2), dtype=object),
        "complex": base.astype(complex), "inf": np.where(base == 1, np.inf, 0.0),
    }[kind]


def groups(rows, kind="binary"):
    """Sensitive features for ``rows`` rows."""
    base = frame(rows) if rows else X.head(0)
    return {
        "binary": base["S"].to_numpy(), "frame": base[["S"]], "two": base[["S", "X1"]] > 0,
        "nan": np.where(base["S"] == 1, np.nan, 0.0), "none": None, "short": base["S"].to_numpy()[:-1],
        "strings": np.where(base["S"] == 1, "f", "m"), "3d": np.zeros((rows, 1, 1)),
    }[kind]


def _values(result):
    """Every numeric value of a result, as one float array."""
    if isinstance(result, pd.Series):
        result = result.to_frame()
    if isinstance(result, pd.DataFrame):
        numeric = result.select_dtypes(include=[np.number, "bool"])
        return numeric.to_numpy(dtype=np.float64).ravel()
    if isinstance(result, np.ndarray) and result.dtype.kind in "biufc":
        return np.abs(result).astype(np.float64).ravel()
    if isinstance(result, (int, float, np.number)):
        return np.array([float(result)])
    if isinstance(result, tuple):
        return np.concatenate([_values(r) for r in result]) if result else np.array([])
    raise AssertionError(f"unexpected result type {type(result).__name__}")


def finite(result, allow_inf=False):
    """``result`` holds no NaN (nor inf unless allowed): a usable answer."""
    values = _values(result)
    if np.isnan(values).any():
        raise AssertionError("the result holds NaN")
    if not allow_inf and np.isinf(values).any():
        raise AssertionError("the result holds inf")
    return result


def indicators_finite(report):
    """The report's indicators (value and interval) are finite numbers in [0, 1]."""
    frame_ = report.to_frame().loc[list(report.indicators), ["value", "ci_low", "ci_high"]].astype(float)
    values = frame_.to_numpy()
    if not (np.isfinite(values).all() and ((values >= 0) & (values <= 1)).all()):
        raise AssertionError(f"indicators out of range:\n{frame_}")
    for ind in report.indicators.values():
        finite(ind.witnesses.drop(columns="twin"))
    return report


def recourse_valid(result):
    """Every row found has the target decision, a finite cost >= 0 and a finite
    counterfactual; the others have a NaN cost."""
    found = result.found.to_numpy()
    cost = result.cost.to_numpy()
    if not ((cost[found] >= 0).all() and np.isfinite(cost[found]).all() and np.isnan(cost[~found]).all()):
        raise AssertionError(f"recourse costs out of range: {cost}")
    if result.prediction[result.found].nunique() > 1:
        raise AssertionError("found rows with different decisions")
    finite(result.counterfactuals)
    return result
