"""Audits of a classifier against an SCM: the unfair area U_Δ, the counterfactual
unfairness U_CF = U_0 and the non-robust area NR_Δ (DESIGN §4), beside accuracy, MCC
and group-fairness metrics, each proportion with a 95% interval (Wilson; under posterior draws
:func:`causalfair.metrics.posterior_proportion`)
(:func:`audit`, :class:`AuditReport`)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union, cast

import numpy as np
import pandas as pd

from . import _black_box, _models, _partitions, _scores, _threads
from . import recourse as _recourse
from .classifier import _logit_threshold
from ._progress import AuditBar
from ._threads import thread_limit
from .validation import Constraint, Interval, Options, check_parameters, check_radius, seed_from

if TYPE_CHECKING:
    from .classifier import FairRobustClassifier
    from .scm import SCM

__all__ = ["audit", "AuditReport", "Indicator", "indicator"]

_METHODS = ("auto", *_models.AUDIT_METHODS)
#: The parameters of :func:`audit` and :func:`indicator` (checked once, before any
#: work, by :func:`causalfair.validation.check_parameters`); bounds are the engine's.
_PARAMETERS: Dict[str, List[Constraint]] = {
    "method": [Options(_METHODS)],
    "n_samples": [Interval(int, 1, "max_audit_samples")],
    "n_points": [Interval(int, 1, "max_elements")],
    "n_draws": [None, Interval(int, 1, "max_draws")],
}
#: Attack settings: projected gradient steps and starts per twin ball.
ATTACK_STEPS = 20
ATTACK_RESTARTS = 4


class Posterior(NamedTuple):
    """The posterior draws an audit evaluates (DESIGN §4, "Discrete nodes"): ``n_draws``
    draws per row of the noise of the SCM's Gumbel-max nodes, from ``seed`` (the draws
    ``SCM.twins(X, n_draws=n_draws, random_state=seed)`` makes). ``Posterior(1, 0)`` is
    the single draw of seed 0 that every verb without ``n_draws`` uses."""

    n_draws: int = 1
    seed: int = 0


def _posterior(n_draws: Optional[int], seed: int) -> Posterior:
    """The audit's posterior draws: ``n_draws`` from the audit's seed, or the single
    draw of seed 0 when ``n_draws`` is None (the audit then is the one before draws)."""
    return Posterior() if n_draws is None else Posterior(n_draws, seed)


@dataclass
class Indicator:
    """One unfairness indicator evaluated on every row.

    Attributes
    ----------
    name : str
        ``"U_0.05"``, ``"U_CF"``, ``"NR_0.05"``, ...
    radius : float
    factual_only : bool
        True for NR_Δ (the factual twin's ball only).
    method : str
        The estimator actually used: ``"sample"``, ``"attack"`` or ``"exact"``;
        always ``"exact"`` at Δ = 0 (U_CF), where every method enumerates the twins.
    flags : numpy.ndarray of bool
        Per row: some individual of the ball is classified differently. Under
        ``n_draws = R > 1`` posterior draws: shape (rows, R), one flag per (row, draw).
    witnesses : pandas.DataFrame
        For flagged rows: the twin level (column ``"twin"``) and an individual of the
        ball whose prediction differs, in the user's units. Under R > 1 draws one per
        flagged (row, draw), indexed by (row label, ``draw``).
    proportion : causalfair.metrics.Proportion
        R = 1: the share of flagged rows with its Wilson interval. R > 1: U = mean of
        the per-row posterior probabilities, with the union of the normal interval of
        that mean and the Wilson interval at U
        (:func:`causalfair.metrics.posterior_proportion`).
    n_draws : int
        Posterior draws per row (R).
    """

    name: str
    radius: float
    factual_only: bool
    method: str
    flags: np.ndarray
    witnesses: pd.DataFrame
    proportion: _scores.Proportion
    n_draws: int = 1

    @property
    def probabilities(self) -> np.ndarray:
        """Per row: pᵢ, the posterior probability that the row is flagged — the share of
        its draws flagged (0 or 1 with a single draw)."""
        return np.asarray(self.flags.reshape(len(self.flags), -1).mean(axis=1), dtype=np.float64)


def _proportion(flags: np.ndarray) -> _scores.Proportion:
    """The indicator's value of per-row flags (1-D) or per-(row, draw) flags (2-D)."""
    if flags.ndim == 1:
        return _scores.proportion(flags)
    return _scores.posterior_proportion(flags.mean(axis=1))


class _EnginePath:
    """A causalfair classifier audited inside the engine (every method available).

    ``clf`` and ``scm`` are read through :class:`~causalfair._encoded.EncodedEstimator`
    and their public attributes; ``scm`` is the classifier's own SCM, another with the
    same schema, or None.
    """

    def __init__(self, clf: FairRobustClassifier, scm: Optional[SCM], X: Any):
        self.clf, self.scm = clf, scm
        if scm is not None and not isinstance(X, pd.DataFrame):  # never guessed to be encoded (issue 14)
            raise TypeError(f"X: expected a DataFrame of the SCM's nodes {list(scm.nodes_)} in the data's units, "
                            f"got {type(X).__name__}: an array has no column names to match them to (for the "
                            "SCM's encoded matrix, audit scm.decode(matrix))")
        self.x = (clf._encode_rows(X) if scm is None or scm is clf.scm_
                  else clf._check_encoded_rows(scm._encode_rows(X)))
        self.linear = clf._is_affine() and (scm is None or scm._is_affine())
        self.twin_labels = (clf if scm is None else scm)._twin_labels
        self.logit_threshold = _logit_threshold(clf.threshold_)

    def default_method(self, radius: float) -> str:
        return "exact" if self.linear else ("sample" if radius == 0 else "attack")

    def run(self, radius: float, factual_only: bool, method: str, n_samples: int, seed: int,
            progress: Any, first_row: int = 0, posterior: Posterior = Posterior()
            ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        if method == "exact" and not self.linear:
            gumbel = [] if self.scm is None else self.scm.schema_.gumbel_max_nodes
            why = (f" (this SCM has Gumbel-max nodes {gumbel}, discrete='gumbel': their argmax makes φ⁻¹ "
                   "piecewise constant, not affine, so the closed form does not apply)" if gumbel else "")
            raise ValueError(f"method='exact' needs model='logistic' and a linear SCM{why}; use 'attack' or "
                             "'sample'")
        scm_handle = None if self.scm is None else self.scm._handle
        return _models.audit(self.clf._handle, scm_handle, self.x, self.logit_threshold, radius, factual_only,
                             method, n_samples if radius > 0 else 1, ATTACK_STEPS, ATTACK_RESTARTS, seed, progress,
                             first_row, posterior.n_draws, posterior.seed)

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.clf.predict(X))

    def decode(self, witnesses: np.ndarray) -> pd.DataFrame:
        return (self.clf if self.scm is None else self.scm)._decode_rows(witnesses)


class _BlackBoxPath:
    """Any fitted classifier with ``predict``: only sampling of the ball is possible."""

    def __init__(self, clf: Any, scm: Optional[SCM], X: Any):
        if scm is None:
            raise ValueError("scm: a fitted causalfair.SCM is needed to audit this classifier")
        if not isinstance(X, pd.DataFrame):
            raise TypeError("X: a black-box classifier is audited on a DataFrame of the SCM's nodes")
        scm._encode_rows(X)  # every node present, finite, known labels: refused before any work
        coded = scm.schema_.continuous_codes()
        if coded:
            raise ValueError(f"scm: {coded} are binary or categorical nodes with parents modelled as continuous "
                             "codes (discrete='anm'): their twins and ball points hold fractional codes that no "
                             "individual has, so a black box's predict would judge rounded stand-ins, not the "
                             "audited points; fit the SCM with discrete='gumbel' (Gumbel-max mechanisms, hard "
                             "codes) to audit a black box")
        self.clf, self.scm, self.X = clf, scm, X
        self.twin_labels = scm._twin_labels
        columns = getattr(clf, "feature_names_in_", None)
        self.columns = list(columns) if columns is not None else list(scm.nodes_)
        #: Columns the classifier reads that are not SCM nodes: held fixed at each row's
        #: own values in its twins and balls.
        self.passthrough = [c for c in self.columns if c not in scm.nodes_]
        missing = [c for c in self.passthrough if c not in X.columns]
        if missing:
            raise ValueError(f"X: the classifier was fitted on columns {missing}, which are neither SCM nodes "
                             "nor columns of X; a black-box audit holds such columns fixed at each row's values, "
                             "so X must hold them")

    def default_method(self, radius: float) -> str:
        return "sample"

    def run(self, radius: float, factual_only: bool, method: str, n_samples: int, seed: int,
            progress: Any, first_row: int = 0, posterior: Posterior = Posterior()
            ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        if method != "sample":
            raise ValueError(f"method={method!r}: a classifier other than FairRobustClassifier is a black box; "
                             "only method='sample' (or 'auto') can audit it")
        results = self.run_all([(radius, factual_only, seed)], n_samples, posterior,
                               None if progress is None else self._rows_progress(progress), first_row)
        return results[(radius, factual_only)]

    def _rows_progress(self, progress: Any) -> Any:
        """The engine-style ``progress(epoch, epochs, done, total, ...)`` over X's rows,
        from a fraction of the work."""
        rows = len(self.X)
        return lambda fraction: progress(0, 1, int(fraction * rows), rows, float("nan"), float("nan"))

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The black box's predictions on the columns it was fitted on."""
        return np.asarray(self.clf.predict(X[self.columns]))

    def predict_points(self, points: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Predictions of encoded SCM points, each with the passthrough columns of its
        audited row (``rows``: positions in ``X``)."""
        frame = self.scm.decode(points)
        for column in self.passthrough:
            frame[column] = self.X[column].iloc[rows].to_numpy()
        return self.predict(frame)

    def run_all(self, plan: Sequence[Tuple[float, bool, int]], n_samples: int, posterior: Posterior,
                progress: Any, first_row: int = 0
                ) -> Dict[Tuple[float, bool], Tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The indicators of ``plan`` — (radius, factual_only, seed) — on the engine's
        sampling points (:mod:`causalfair._black_box`), keys (Δ, factual_only); U_CF
        at (0.0, False). Per (row, draw) pair, in pair order."""
        x = np.ascontiguousarray(self.scm._encode_rows(self.X), dtype=np.float64)
        factual = np.asarray(self.scm.factual_levels(self.X), dtype=np.int64)
        return _black_box.audit(self.predict_points, self.scm, x, self.predict(self.X), factual, plan, n_samples,
                                posterior.n_draws, posterior.seed, first_row, progress)

    def decode(self, witnesses: np.ndarray) -> pd.DataFrame:
        return self.scm._decode_rows(witnesses)


def _path(clf: Any, scm: Any, X: Any) -> Any:
    """How ``clf`` is audited: in the engine when it is a fitted causalfair classifier
    whose features are ``scm``'s encoded columns, else as a black box."""
    from .classifier import FairRobustClassifier
    from .scm import SCM
    if scm is not None and not isinstance(scm, SCM):
        raise TypeError(f"scm: expected a fitted causalfair.SCM or None, got {type(scm).__name__}")
    if scm is not None and getattr(scm, "_handle", None) is None:
        raise ValueError("scm: expected a fitted causalfair.SCM (call scm.fit first)")
    if isinstance(clf, FairRobustClassifier):
        clf._check_fitted()
        own = clf.scm_
        if scm is None or scm is clf.scm or scm is own:
            return _EnginePath(clf, own, X)
        if own is not None and scm.schema_.to_dict() == own.schema_.to_dict():
            return _EnginePath(clf, scm, X)
    elif isinstance(clf, type) or not hasattr(clf, "predict"):
        got = f"the class {clf.__name__}" if isinstance(clf, type) else type(clf).__name__
        raise TypeError(f"clf: expected a fitted classifier with predict, got {got}")
    return _BlackBoxPath(clf, scm if scm is not None else getattr(clf, "scm_", None), X)


#: Why U_CF and U_Δ are not computed without a causal model (never reported as 0).
_NO_TWINS = ("U_CF and U_Δ compare each individual with its counterfactual twins, which only a causal model "
             "defines: pass a fitted causalfair.SCM (scm=...), or train the classifier with one. Without an SCM "
             "only the non-robust area NR_Δ (robustness in the L2 ball of the classifier's standardized inputs) "
             "is defined.")


def indicator(clf: Any, scm: Any, X: Any, radius: float, *, factual_only: bool, method: str = "auto",
              n_samples: int = 1000, random_state: Any = None, name: Optional[str] = None,
              n_draws: Optional[int] = None, _progress: Any = None, _first_row: int = 0) -> Indicator:
    """Evaluate one indicator (U_Δ, or NR_Δ with ``factual_only``) on every row of ``X``.

    See :func:`audit` for the arguments; the building block of
    :func:`causalfair.metrics.unfair_area` and friends. With ``n_draws`` the posterior
    draws come from ``random_state``'s seed, as in :func:`audit`. ``_first_row``: the
    position of ``X``'s first row in a table audited partition by partition (its rows
    draw from the random streams of their rows in the table)."""
    radius = check_radius(radius)
    checked = check_parameters({k: _PARAMETERS[k] for k in ("method", "n_samples", "n_draws")},
                               {"method": method, "n_samples": n_samples, "n_draws": n_draws})
    path = _path(clf, scm, X)
    if not factual_only and path.scm is None:
        raise ValueError(_NO_TWINS)
    seed = seed_from(random_state)
    return _evaluate(path, X, radius, factual_only, checked["method"], checked["n_samples"], seed, name,
                     _progress, _first_row, _posterior(checked["n_draws"], seed))


def _evaluate(path: Any, X: Any, radius: float, factual_only: bool, method: str, n_samples: int, seed: int,
              name: Optional[str], progress: Any, first_row: int = 0, posterior: Posterior = Posterior()
              ) -> Indicator:
    """One indicator through ``path``, its arguments already checked (``first_row``: see
    :func:`indicator`)."""
    used = path.default_method(radius) if method == "auto" else method
    flags, levels, witnesses = path.run(radius, factual_only, used, n_samples, seed, progress, first_row, posterior)
    return _indicator(path, X, radius, factual_only, used, name, flags, levels, witnesses, posterior.n_draws)


def _indicator(path: Any, X: Any, radius: float, factual_only: bool, used: str, name: Optional[str],
               flags: np.ndarray, levels: np.ndarray, witnesses: np.ndarray, n_draws: int = 1) -> Indicator:
    """The :class:`Indicator` of per-(row, draw) flags, witness levels and encoded
    witnesses (pair order: row · n_draws + draw)."""
    if radius == 0:
        used = "exact"  # at Δ = 0 every method enumerates the twins: the indicator is exact
    rows = len(flags) // n_draws
    index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(rows)
    chosen = np.flatnonzero(flags)
    decoded = path.decode(witnesses[chosen])
    if n_draws == 1:
        decoded.index = index[chosen]
    else:
        decoded.index = pd.MultiIndex.from_arrays([index[chosen // n_draws], chosen % n_draws],
                                                  names=[index.name, "draw"])
    twin = [path.twin_labels[l] for l in levels[chosen]]
    decoded.insert(0, "twin", pd.Series(twin, index=decoded.index, dtype=object))
    if name is None:
        name = ("NR_" if factual_only else "U_") + (f"{radius:g}" if radius > 0 or factual_only else "CF")
    shaped = flags if n_draws == 1 else flags.reshape(rows, n_draws)
    return Indicator(name, radius, factual_only, used, shaped, decoded, _proportion(shaped), n_draws)


class AuditReport:
    """The result of :func:`audit`: every indicator and metric, per point and aggregated.

    Use :meth:`to_frame` for the table, :meth:`by_group` for the indicators within
    each group (sensitive levels or any column), :meth:`flags` and :meth:`witnesses`
    for the points behind an indicator, :meth:`plot` for a chart.
    """

    def __init__(self, indicators: Sequence[Indicator], scores: Dict[str, Dict[str, Any]], index: pd.Index,
                 data: Optional[pd.DataFrame] = None, sensitive: Sequence[str] = (),
                 passthrough: Sequence[str] = (), continuous_codes: Sequence[str] = ()):
        self.indicators = {i.name: i for i in indicators}
        #: Columns the classifier reads that are not SCM nodes, held fixed at each row's
        #: own values in its twins and balls (black-box audits).
        self.passthrough = list(passthrough)
        #: Binary or categorical descendants of the sensitive nodes that the SCM models as
        #: continuous codes (``discrete="anm"``): the audit judged fractional codes there,
        #: which no individual has (the witnesses show them rounded); empty otherwise.
        self.continuous_codes = list(continuous_codes)
        self._scores = scores
        self._index = index
        self._data = data  # the audited rows (a DataFrame), for by_group
        self._sensitive = list(sensitive)

    def to_frame(self) -> pd.DataFrame:
        """One row per metric: value, ci_low, ci_high, method, n (rows evaluated) and
        count (rows flagged, or correct for accuracy) so results can be pooled."""
        rows = {}
        for name, ind in self.indicators.items():
            p = ind.proportion
            rows[name] = {"value": p.value, "ci_low": p.ci_low, "ci_high": p.ci_high, "method": ind.method,
                          "n": p.n, "count": p.count}
        rows.update(self._scores)
        frame = pd.DataFrame.from_dict(rows, orient="index", columns=["value", "ci_low", "ci_high", "method", "n", "count"])
        frame[["n", "count"]] = frame[["n", "count"]].astype("Int64")
        frame.index.name = "metric"
        return frame

    def by_group(self, by: Any = None) -> pd.DataFrame:
        """Every indicator (U_CF, U_Δ, NR_Δ) within each group of rows, in the manner of
        fairlearn's ``MetricFrame.by_group``, each proportion with its 95% interval
        (Wilson; under ``n_draws`` that of
        :func:`causalfair.metrics.posterior_proportion`).

        Parameters
        ----------
        by : None, str, list of str, or array-like / Series / DataFrame
            How rows are grouped: ``None`` (default) by the levels of the SCM's
            sensitive node(s); a column name or list of column names of the audited
            ``X`` (any column, e.g. ``"race"`` or ``"workclass"``; a partitioned audit keeps
            only the sensitive ones); or values with one
            entry (or row) per audited row. Several columns group by their
            combinations.

        Returns
        -------
        DataFrame
            MultiIndex (group column(s)..., ``metric``) — groups in sorted order —
            and the columns of :meth:`to_frame`: value, ci_low, ci_high, method, n
            (rows in the group) and count (rows flagged in it; empty under
            ``n_draws``). Summing ``n`` (and ``count``, or ``value · n`` under
            ``n_draws``) over the groups of one metric gives that metric's overall
            ``n`` and ``count``.

        Raises
        ------
        ValueError
            ``by`` names a column the audited rows lack, has the wrong length or
            missing values, or ``by=None`` without an SCM (no sensitive node).

        Examples
        --------
        >>> report.by_group()  # doctest: +SKIP
        >>> report.by_group(["sex", "race"]).loc[("Female", "White", "U_CF")]  # doctest: +SKIP
        """
        keys = self._group_keys(by)
        rows_flags = {name: (ind.flags if ind.n_draws == 1 else ind.probabilities)
                      for name, ind in self.indicators.items()}
        flags = pd.DataFrame(rows_flags, index=keys.index)
        rows = []
        for label, part in flags.groupby([keys[c] for c in keys.columns], sort=True, observed=True):
            label = label if isinstance(label, tuple) else (label,)
            for name, column in part.items():
                p = (_scores.proportion(column.to_numpy()) if self.indicators[str(name)].n_draws == 1
                     else _scores.posterior_proportion(column.to_numpy()))
                rows.append((*label, name, p.value, p.ci_low, p.ci_high, self.indicators[str(name)].method, p.n,
                             p.count))
        columns = [*keys.columns, "metric", "value", "ci_low", "ci_high", "method", "n", "count"]
        frame = pd.DataFrame(rows, columns=columns).set_index([*keys.columns, "metric"])
        frame[["n", "count"]] = frame[["n", "count"]].astype("Int64")
        return frame

    def _group_keys(self, by: Any) -> pd.DataFrame:
        """One column per grouping key, one row per audited row (positional index)."""
        n = len(self._index)
        if by is None:
            if not self._sensitive:
                raise ValueError("by: there is no SCM, hence no sensitive node to group by; name columns of X "
                                 "or pass one group value per row")
            by = self._sensitive
        if isinstance(by, str) or (isinstance(by, (list, tuple)) and by and all(isinstance(b, str) for b in by)):
            names = [by] if isinstance(by, str) else list(by)
            if self._data is None:
                raise ValueError(f"by: {names} name columns, but the audited X was not a DataFrame; pass one "
                                 "group value per row instead")
            missing = [c for c in names if c not in self._data.columns]
            if missing:
                raise ValueError(f"by: {missing} are not columns of the audited rows the report keeps (columns: "
                                 f"{[str(c) for c in self._data.columns]}; a partitioned audit keeps only the "
                                 "sensitive ones: pass one group value per row instead)")
            keys = self._data[names]
        elif isinstance(by, pd.DataFrame):
            keys = by
        elif isinstance(by, pd.Series):
            keys = by.to_frame(by.name if by.name is not None else "group")
        else:
            values = np.asarray(by, dtype=object)
            if values.ndim == 1:
                keys = pd.DataFrame({"group": values})
            elif values.ndim == 2:
                keys = pd.DataFrame(values, columns=[f"group_{j}" for j in range(values.shape[1])])
            else:
                raise ValueError(f"by: expected column names or 1 or 2 dimensions of values, got {values.ndim}")
        if len(keys) != n:
            raise ValueError(f"by: expected one group per audited row ({n}), got {len(keys)}")
        if keys.isna().to_numpy().any():
            raise ValueError("by: expected no missing group values")
        return keys.set_axis(pd.RangeIndex(n), axis=0)

    def _indicator(self, radius: float, kind: str) -> Indicator:
        radius = check_radius(radius)
        if kind not in ("unfair", "non_robust"):
            raise ValueError(f"kind: expected 'unfair' or 'non_robust', got {kind!r}")
        for ind in self.indicators.values():
            if ind.radius == radius and ind.factual_only == (kind == "non_robust"):
                return ind
        known = sorted({i.radius for i in self.indicators.values()})
        raise KeyError(f"radius: no {kind} indicator at radius {radius} (audited radii: {known})")

    def flags(self, radius: float, kind: str = "unfair") -> Any:
        """Per point: flagged at ``radius`` (0 for U_CF), same index as ``X``: a bool
        Series; under ``n_draws = R > 1`` a bool DataFrame with one column per posterior
        draw (columns 0..R-1, named ``draw``)."""
        ind = self._indicator(radius, kind)
        if ind.n_draws == 1:
            return pd.Series(ind.flags, index=self._index, name=ind.name)
        return pd.DataFrame(ind.flags, index=self._index, columns=pd.RangeIndex(ind.n_draws, name="draw"))

    def probabilities(self, radius: float, kind: str = "unfair") -> pd.Series:
        """Per point: pᵢ, the posterior probability that it is flagged at ``radius`` — the
        share of its ``n_draws`` posterior draws flagged (0 or 1 with one draw); the
        indicator's value is their mean. Same index as ``X``.

        Examples
        --------
        >>> report = cf.audit(clf, scm, X_test, n_draws=16, random_state=0)  # doctest: +SKIP
        >>> report.probabilities(0).nlargest(3)  # rows most likely counterfactually unfair  # doctest: +SKIP
        """
        ind = self._indicator(radius, kind)
        return pd.Series(ind.probabilities, index=self._index, name=ind.name)

    def witnesses(self, radius: float, kind: str = "unfair") -> pd.DataFrame:
        """For flagged points: the twin level and the perturbed individual that is
        classified differently, in the user's units. Under ``n_draws = R > 1``, one row
        per flagged (point, posterior draw), indexed by (X's label, ``draw``): the
        witness of that draw (compare it with ``scm.twins(X, n_draws=R,
        random_state=seed)``'s twins of the same draw)."""
        return self._indicator(radius, kind).witnesses

    def plot(self, ax: Any = None) -> Any:
        """Bar chart of the proportions with their 95% intervals (needs matplotlib).

        Returns
        -------
        matplotlib.axes.Axes
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError:  # pragma: no cover - optional dependency
            raise ImportError("AuditReport.plot needs matplotlib: pip install matplotlib") from None
        frame = self.to_frame().dropna(subset=["ci_low"])
        if ax is None:
            _, ax = plt.subplots(figsize=(1.2 + 0.8 * len(frame), 3.5))
        values = frame["value"].astype(float)
        errors = np.vstack([values - frame["ci_low"].astype(float), frame["ci_high"].astype(float) - values])
        ax.bar(frame.index, values, yerr=errors, capsize=4, color="#4c72b0")
        ax.set_ylabel("proportion (95% interval)")
        ax.set_ylim(0, 1)
        ax.tick_params(axis="x", rotation=45)
        return ax

    def __repr__(self) -> str:
        held = (f"\nheld fixed (not SCM nodes) in twins and balls: {', '.join(map(str, self.passthrough))}"
                if self.passthrough else "")
        if self.continuous_codes:
            held += (f"\ncontinuous codes, not labels (discrete='anm'): {', '.join(map(str, self.continuous_codes))} "
                     "- twins and balls hold fractional codes there that no individual has")
        draws = max((ind.n_draws for ind in self.indicators.values()), default=1)
        if draws > 1:
            held += (f"\nposterior draws per row: {draws} (value: mean posterior probability; interval: normal, "
                     "of that mean over rows, widened to the Wilson interval at it)")
        return f"AuditReport(\n{self.to_frame().to_string()}{held}\n)"


def audit(clf: Any, scm: Any = None, X: Any = None, y: Any = None, *,
          radii: Union[float, Sequence[float]] = (0.05, 0.01),
          method: str = "auto", n_samples: int = 1000, n_points: int = 1000, random_state: Any = None,
          verbose: bool = False, recourse: Optional[Dict[str, Any]] = None,
          n_draws: Optional[int] = None, n_threads: Optional[int] = None) -> AuditReport:
    """Audit ``clf`` for counterfactual unfairness, unfair area and non-robustness.

    For every radius Δ in ``radii``: U_Δ (some individual of B_Δ — every twin,
    perturbed within Δ in the latent space — is classified differently) and NR_Δ (the
    factual twin's ball only); and U_CF = U_0. Each is computed on its own (never
    nested). With ``y``: accuracy, balanced accuracy and MCC. Group metrics over the
    SCM's sensitive nodes: demographic parity difference and ratio, and with ``y``
    equalized odds and equal opportunity differences.

    Without a causal model (``scm=None`` and a classifier trained without one) there
    are no twins: U_CF and U_Δ are not computed (never reported as 0) and a
    ``UserWarning`` says so; the report holds NR_Δ — robustness in the L2 ball of
    the classifier's standardized inputs — and the performance metrics.

    Parameters
    ----------
    clf : FairRobustClassifier or any fitted classifier with ``predict``
        A :class:`~causalfair.FairRobustClassifier` is audited inside the engine with
        any method. Any other classifier is a black box: only ``"sample"`` applies
        (no gradients), its ``predict`` is called on decoded individuals (binary
        codes thresholded at 0.5, categorical ones argmaxed), restricted to the
        columns in its ``feature_names_in_`` (all the SCM's nodes when it has none).
        Columns it reads that are not SCM nodes (a zip code...) must be in ``X``:
        they are held fixed at each row's own values in its twins and balls, and
        the report lists them (``AuditReport.passthrough``). A black box is
        sampled on the very points the engine's ``"sample"`` method draws (the same
        random streams, in the same order: a causalfair classifier audited natively
        and wrapped as a black box gets the same flags and witnesses with the same
        ``random_state``), 64 points per ball at a time, a row stopping once
        flagged, one ``predict`` per block; the twins are predicted once for every
        indicator. A black box is refused for an SCM with ``discrete="anm"`` whose
        binary or categorical nodes have parents: their counterfactual codes are
        fractional, which no individual has, so ``predict`` would judge rounded
        stand-ins (use ``discrete="gumbel"``).
    scm : causalfair.SCM, optional
        The fitted SCM defining twins and balls; default: the classifier's ``scm_``.
    X : DataFrame, optional
        Evaluation points (e.g. test data), in the data's units. Default:
        ``n_points`` individuals sampled from the SCM. With an SCM an array is
        refused (its columns cannot be matched to the nodes; decode an encoded
        matrix with ``scm.decode``); without one, the classifier's features.
    y : array-like, optional
        Labels of ``X`` for the performance and equalized-odds metrics. With a
        partitioned ``X``: the name of a label column of every partition (dropped
        before the audit), one label array per chunk (an iterable zipped with the
        chunks), or a dask Series partitioned like ``X``.
    radii : sequence of float, default=(0.05, 0.01)
    method : {"auto", "sample", "attack", "exact"}, default="auto"
        ``"sample"``: ``n_samples`` uniform points per twin ball (a lower bound);
        ``"attack"``: projected gradient search toward the boundary from several
        starts (a tighter lower bound); ``"exact"``: the closed form for logistic
        regression on a linear SCM. ``"auto"`` uses exact where it applies, else
        attack (sample for black boxes). At Δ = 0 every method is exact. For a
        :class:`~causalfair.FairRobustClassifier`, ``"sample"`` and ``"attack"`` skip
        the balls that bound propagation proves hold no differently classified
        individual, and stop at a point's first witness: that saves time, never
        changes a flag.
    n_samples : int, default=1000
    n_points : int, default=1000
        Points drawn from the SCM when ``X`` is None.
    n_draws : int, optional
        R posterior draws per row of the noise of the SCM's Gumbel-max nodes
        (``discrete="gumbel"``; DESIGN §4, "Discrete nodes"), in ``[1, max_draws]``.
        Every (row, draw) pair is audited — draw d is the one
        ``scm.twins(X, n_draws=R, random_state=s)`` makes, with ``s`` the seed of
        ``random_state`` (an int is used as is) — and each indicator is
        U = (1/n) Σ pᵢ, pᵢ the share of row i's draws flagged (its posterior
        probability of being flagged, :meth:`AuditReport.probabilities`), with the
        95% interval of :func:`causalfair.metrics.posterior_proportion` (the normal
        interval of that mean over rows, widened to the Wilson interval at U; ``count``
        is then empty).
        ``None`` (default): the single draw of seed 0 that every verb without
        ``n_draws`` uses, and each proportion with its Wilson interval, as before
        draws existed. Without a Gumbel-max node every draw has the same twins
        (only the balls' samples differ).
    random_state : None, int or numpy.random.Generator
    verbose : bool, default=False
        A progress bar over the rows of every indicator.
    n_threads : int >= 1 or None, default=None
        Engine threads for the indicators of a
        :class:`~causalfair.FairRobustClassifier`: each chunk of rows is cut into 8
        pieces (fixed by the rows, not by the threads) audited in parallel, with one
        random stream per ball, so the report is the same, bit for bit, for any value.
        None: :func:`causalfair.get_threads`.
    recourse : dict, optional
        Opt-in fairness of recourse: :func:`causalfair.recourse`'s keyword arguments
        (``actionable`` at least). Adds the rows of
        :func:`causalfair.recourse.recourse_fairness` — ``recourse_gap``,
        ``recourse_twins_disagree``, ``recourse_cost[<level>]``,
        ``recourse_group_gap`` — computed on ``X``'s twins. Needs a
        :class:`~causalfair.FairRobustClassifier` with an SCM.

    Returns
    -------
    AuditReport

    Raises
    ------
    ValueError, TypeError
        Bad arguments, before any work starts.
    KeyboardInterrupt
        Ctrl-C: the engine checks for it several times a second (after every chunk
        of rows and every attack step; a black-box audit between ``predict``
        calls, of about a million points at most), with or without ``verbose``.

    Notes
    -----
    Memory. The engine streams the rows in chunks — at most ≈4 million doubles
    (32 MB) per intermediate matrix and ≈2²⁷ multiply-adds per pass — so beyond
    ``X`` an audit of n rows with d encoded columns and I indicators
    (1 + 2·len(radii)) needs at most ≈320 MB for one chunk's working set plus
    n·(32·d + 50 + (I − 1)·(8·d + 17)) bytes for the per-row results (the encoded
    input and the engine's copy, flags, witness levels, n × d witnesses, and the
    indicators already done). For 10⁶ rows of the LIN SCM (d = 3) with
    ``radii=(0.05,)`` that bound is 537 MB; measured: 266 MB (``exact``, 4 s) and
    311 MB (``sample`` with 5 points per ball, 15 s) on two cores. A black-box
    audit draws at most 2 million encoded values per engine call and predicts
    about a million points at most per call.

    Examples
    --------
    >>> report = cf.audit(clf, scm, X_test, y_test, random_state=0)  # doctest: +SKIP
    >>> report.to_frame().loc["U_CF", "value"]  # doctest: +SKIP

    Under posterior draws (a ``discrete="gumbel"`` SCM), per-row probabilities and the
    witnesses of each draw:

    >>> report = cf.audit(clf, scm, X_test, n_draws=16, random_state=0)  # doctest: +SKIP
    >>> report.probabilities(0.05).head()  # pᵢ: share of row i's 16 draws flagged  # doctest: +SKIP
    >>> report.witnesses(0.05).loc[(X_test.index[0], 3)]  # row 0's witness in draw 3  # doctest: +SKIP
    """
    with thread_limit(_threads.resolve(n_threads)):
        return _audit_in_scope(clf, scm, X, y, radii=radii, method=method, n_samples=n_samples, n_points=n_points,
                               random_state=random_state, verbose=verbose, recourse=recourse, n_draws=n_draws)


def _audit_in_scope(clf: Any, scm: Any, X: Any, y: Any, *, radii: Union[float, Sequence[float]], method: str,
                    n_samples: int, n_points: int, random_state: Any, verbose: bool,
                    recourse: Optional[Dict[str, Any]], n_draws: Optional[int]) -> AuditReport:
    """:func:`audit`, inside the ``with`` block of its thread count."""
    given = radii if isinstance(radii, (list, tuple, np.ndarray)) else [radii]
    radii = list(dict.fromkeys(check_radius(r, "radii") for r in given))
    checked = check_parameters(_PARAMETERS, {"method": method, "n_samples": n_samples, "n_points": n_points,
                                             "n_draws": n_draws})
    base_seed = seed_from(random_state)
    posterior = _posterior(checked["n_draws"], base_seed)
    rng = np.random.default_rng(base_seed)
    plan = _plan(radii)
    chosen_scm = scm if scm is not None else getattr(clf, "scm_", None)
    if chosen_scm is None:
        warnings.warn(_NO_TWINS + " This report holds NR_Δ and the performance metrics only.", UserWarning,
                      stacklevel=3)
        plan = [step for step in plan if step[2]]
    if _partitions.is_partitioned(X):
        if recourse is not None:
            raise ValueError("recourse: the fairness of recourse is computed in memory only; audit a DataFrame "
                             "(or a sample of the partitions) to include it")
        # The indicators' seeds are the in-memory audit's draws, in the same order.
        return _partitioned_audit(clf, scm, X, y, plan=plan, method=checked["method"],
                                  n_samples=checked["n_samples"], seeds=[seed_from(rng) for _ in plan],
                                  posterior=posterior)
    if X is None:
        if chosen_scm is None:
            raise ValueError("X: evaluation points are needed when there is no SCM to sample them from")
        X = chosen_scm.sample(checked["n_points"], random_state=rng)
    path = _path(clf, scm, X)
    if recourse is not None:
        recourse = _recourse.check_options(clf, path.scm, X, recourse)
    if y is not None and np.asarray(y).ravel().shape[0] != len(X):
        raise ValueError(f"y: expected {len(X)} labels (one per row of X), got {np.asarray(y).ravel().shape[0]}")
    indicators = []
    # One seed per indicator, the same for every path (a black box samples the engine's points).
    seeds = [seed_from(rng) for _ in plan]
    with AuditBar(len(plan), len(X), bool(verbose)) as bar:
        if isinstance(path, _BlackBoxPath) and checked["method"] in ("auto", "sample"):
            progress = bar.callback(0)
            units = len(plan) * len(X)
            results = path.run_all([(r, factual, seed) for (_, r, factual), seed in zip(plan, seeds)],
                                   checked["n_samples"], posterior, None if progress is None else (
                lambda fraction: progress(0, 1, int(fraction * units), units, float("nan"), float("nan"))))
            indicators = [_indicator(path, X, r, factual, "sample", name, *results[(r, factual)], posterior.n_draws)
                          for name, r, factual in plan]
            plan = []
        for step, ((name, r, factual), seed) in enumerate(zip(plan, seeds)):
            progress = bar.callback(step)
            indicators.append(_evaluate(path, X, r, factual, "auto" if r == 0 else checked["method"],
                                        checked["n_samples"], seed, name, progress, 0, posterior))
            if progress is not None:
                progress(0, 1, len(X), len(X), float("nan"), float("nan"))
    index = X.index if isinstance(X, pd.DataFrame) else pd.RangeIndex(len(indicators[0].flags))
    sensitive, coded = _sensitive_and_coded(path.scm)
    scores = _performance_and_group_metrics(clf, path.scm, X, y, path.predict(X))
    if recourse is not None:
        fairness = _recourse.recourse_fairness(clf, path.scm, X, **recourse)
        scores.update(cast(Dict[str, Dict[str, Any]], fairness.to_dict("index")))  # rows named by metric
    return AuditReport(indicators, scores, index, X if isinstance(X, pd.DataFrame) else None, sensitive,
                       getattr(path, "passthrough", ()), coded)


def _audit_partition(X: pd.DataFrame, y: Any, first_row: int, *, clf: Any, scm: Any,
                     plan: List[Tuple[str, float, bool]], method: str, n_samples: int, seeds: List[int],
                     posterior: Posterior) -> Tuple[List[Indicator], np.ndarray, Optional[np.ndarray], Any, pd.Index]:
    """One partition of a partitioned audit, rows ``first_row`` onward of the table:
    its indicators, predictions, labels, sensitive columns and index."""
    path = _path(clf, scm, X)
    if y is not None and np.asarray(y).ravel().shape[0] != len(X):
        raise ValueError(f"y: expected one label per row of every partition; a partition of {len(X)} rows "
                         f"got {np.asarray(y).ravel().shape[0]}")
    indicators = [_evaluate(path, X, r, factual, "auto" if r == 0 else method, n_samples, seed, name, None, first_row,
                            posterior) for (name, r, factual), seed in zip(plan, seeds)]
    sensitive = None if path.scm is None else X[[node.name for node in path.scm.schema_.sensitive]]
    return (indicators, path.predict(X), None if y is None else np.asarray(y).ravel(), sensitive, X.index)


def _partitioned_audit(clf: Any, scm: Any, X: Any, y: Any, *, plan: List[Tuple[str, float, bool]], method: str,
                       n_samples: int, seeds: List[int], posterior: Posterior) -> AuditReport:
    """:func:`audit` of a dask DataFrame or an iterable of chunks: every partition
    audited where it lies with its first row's position, the per-row results joined in
    the table's order, so every count and interval is the in-memory audit's."""
    from .classifier import FairRobustClassifier
    if not isinstance(clf, FairRobustClassifier):
        raise TypeError(f"clf: a partitioned X needs a fitted causalfair.FairRobustClassifier (a black box is "
                        f"audited in memory only: pass a DataFrame), got {type(clf).__name__}")
    clf._check_fitted()
    parts = _partitions.map_partitions(_audit_partition, X, y, dict(clf=clf, scm=scm, plan=plan, method=method,
                                                                     n_samples=n_samples, seeds=seeds,
                                                                     posterior=posterior))
    indicators = []
    for k, (name, radius, factual) in enumerate(plan):
        pieces = [part[0][k] for part in parts]
        flags = np.concatenate([piece.flags for piece in pieces])
        witnesses = [piece.witnesses for piece in pieces if len(piece.witnesses)] or [pieces[0].witnesses]
        indicators.append(Indicator(name, radius, factual, pieces[0].method, flags, pd.concat(witnesses),
                                    _proportion(flags), posterior.n_draws))
    y_pred = np.concatenate([part[1] for part in parts])
    y_true = None if y is None else np.concatenate([part[2] for part in parts])
    sensitive = None if parts[0][3] is None else pd.concat([part[3] for part in parts])
    index = parts[0][4].append([part[4] for part in parts[1:]])
    metrics_scm = None if sensitive is None else (scm if scm is not None else clf.scm_)
    names, coded = _sensitive_and_coded(metrics_scm)
    # the sensitive columns are the only columns of the rows it keeps: by_group groups by them
    return AuditReport(indicators, _performance_and_group_metrics(clf, metrics_scm, sensitive, y_true, y_pred), index,
                       sensitive, names, (), coded)


def _sensitive_and_coded(scm: Any) -> Tuple[List[str], List[str]]:
    """The SCM's sensitive nodes and the continuous codes that descend from them (empty
    without an SCM): what a report groups by and warns of."""
    if scm is None:
        return [], []
    sensitive = [node.name for node in scm.schema_.sensitive]
    return sensitive, scm.schema_.continuous_codes(sensitive)


def _plan(radii: Sequence[float]) -> List[Tuple[str, float, bool]]:
    """The indicators of an audit, in order: (name, radius, factual_only)."""
    plan: List[Tuple[str, float, bool]] = [("U_CF", 0.0, False)]
    for r in radii:
        plan += [(f"U_{r:g}", r, False), (f"NR_{r:g}", r, True)]
    return plan


def _performance_and_group_metrics(clf: Any, scm: Any, X: Any, y: Any,
                                   y_pred: np.ndarray) -> Dict[str, Dict[str, Any]]:
    """Performance and group metrics (fairlearn's definitions) beside the indicators."""
    rows: Dict[str, Dict[str, Any]] = {}
    n = len(y_pred)
    classes = getattr(clf, "classes_", None)
    positive = classes[1] if classes is not None and len(classes) == 2 else 1
    if y is not None:
        y_true = np.asarray(y).ravel()
        acc = _scores.accuracy(y_true, y_pred)
        rows["accuracy"] = {"value": acc.value, "ci_low": acc.ci_low, "ci_high": acc.ci_high, "method": "",
                            "n": acc.n, "count": acc.count}
        rows["balanced_accuracy"] = {"value": _scores.balanced_accuracy(y_true, y_pred, pos_label=positive), "n": n}
        rows["mcc"] = {"value": _scores.matthews_corrcoef(y_true, y_pred, pos_label=positive), "n": n}
    if scm is not None and isinstance(X, pd.DataFrame):
        groups = X[[node.name for node in scm.schema_.sensitive]]
        rows["demographic_parity_difference"] = {"value": _scores.demographic_parity_difference(
            None, y_pred, sensitive_features=groups, pos_label=positive), "n": n}
        rows["demographic_parity_ratio"] = {"value": _scores.demographic_parity_ratio(
            None, y_pred, sensitive_features=groups, pos_label=positive), "n": n}
        if y is not None:
            rows["equalized_odds_difference"] = {"value": _scores.equalized_odds_difference(
                y_true, y_pred, sensitive_features=groups, pos_label=positive), "n": n}
            rows["equal_opportunity_difference"] = {"value": _scores.equal_opportunity_difference(
                y_true, y_pred, sensitive_features=groups, pos_label=positive), "n": n}
    return rows
