"""The structural causal model users fit on a DataFrame (see :class:`SCM`)."""

from __future__ import annotations

import numbers
import os
import re
import sys
import warnings
from types import FrameType
from typing import Any, Dict, Iterable, List, Literal, Mapping, Optional, Sequence, Tuple, Union, overload

import numpy as np
import pandas as pd

from . import _handles, _models, privacy as _privacy
from .distributions import Distribution, as_distribution
from .graph import parse_graph
from .mechanisms import ExpressionMechanism, LinearMechanism, MLPMechanism, as_mechanism
from .schema import DISCRETE_MODES, KINDS, Schema
from .validation import (Boolean, Interval, NotFittedError, Options, check_frame, check_matrix, check_node_list,
                         check_parameter, check_output_size, check_positive_int, check_radius, check_sample_weight,
                         seed_from)

from sklearn.base import BaseEstimator, TransformerMixin  # type: ignore[import-untyped]  # scikit-learn ships no types

__all__ = ["SCM", "OutOfRangeWarning", "RANGE_STDS", "RANGE_SHARE"]

Data = Union[pd.DataFrame, np.ndarray]
_FORMAT = "causalfair.SCM"
_FORMAT_VERSION = 1
#: Input is out of range when the noise of a continuous node lies more than this many
#: noise stds beyond the smallest or largest noise of the fitted data ...
RANGE_STDS = 1.0
#: ... in more than this share of the rows (at least one row).
RANGE_SHARE = 0.01
#: Rows abducted at a time for that check (its memory stays a few MB).
_RANGE_CHUNK = 65_536


def _user_stacklevel() -> int:
    """The ``stacklevel``, for a ``warnings.warn`` in the caller, of the first frame
    outside the causalfair package: the warning points at the user's line, whether
    they called the SCM or a classifier or audit that uses it."""
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame: Optional[FrameType] = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


class OutOfRangeWarning(UserWarning):
    """Input given to a fitted SCM lies far outside the range it was fitted on (see
    :class:`SCM`, Notes): its mechanisms extrapolate there, and the usual cause is
    data in other units (e.g. already standardized)."""


class ContinuousCodeWarning(UserWarning):
    """A counterfactual or twin reaches binary or categorical nodes that the SCM models
    as continuous codes (``discrete="anm"``): their values are fractional codes no
    individual has (shown rounded to the nearest label in the data's units, as codes
    with ``encoded=True``), not labels. ``discrete="gumbel"`` gives realizable
    individuals."""


def _warn_continuous_codes(coded: Sequence[str], what: str, encoded: bool) -> None:
    """A :class:`ContinuousCodeWarning` naming ``coded`` (nothing when empty)."""
    if coded:
        shown = "shown as codes" if encoded else "shown rounded to the nearest label"
        warnings.warn(f"{what}: {list(coded)} are binary or categorical nodes modelled as continuous codes "
                      f"(discrete='anm'): their counterfactual values are continuous codes, not labels — "
                      f"fractional codes no individual has ({shown}); fit the SCM with discrete='gumbel' for "
                      "realizable individuals",
                      ContinuousCodeWarning, stacklevel=_user_stacklevel())


class SCM(TransformerMixin, BaseEstimator):  # type: ignore[misc]  # untyped bases (scikit-learn)
    """Structural causal model with additive noise, fitted on a DataFrame.

    Every root node is its own noise, ``V := U``; every other node has an additive
    noise mechanism ``V := f(Pa(V)) + U`` on its encoded columns, with ``f`` linear
    (least squares) or an MLP. Once fitted, the SCM abducts noise, answers
    interventions and counterfactuals, produces counterfactual *twins* (the
    individual under every combination of sensitive levels), measures the causal fair
    distance and samples the protected causal perturbation ball (DESIGN §4).

    Parameters
    ----------
    graph : dict, list of (parent, child) pairs, or networkx.DiGraph
        The causal DAG over the DataFrame's columns: a dict ``child -> parents``, a
        list of edges, or a networkx ``DiGraph`` (duck-typed; networkx is optional).
    sensitive : str or list of str
        The sensitive nodes (at least one); each must be binary or categorical with at
        least two observed levels.
    kinds : dict, optional
        Node -> ``"continuous"``, ``"binary"`` or ``"categorical"``. Nodes not given
        are inferred from their column: bool or exactly two distinct values ->
        binary; category, object or string -> categorical; other numbers ->
        continuous.
    mechanism : {"linear", "mlp"}, LinearMechanism, MLPMechanism, or dict, default="linear"
        Mechanism of every non-root node, or a dict node -> mechanism (nodes not in
        the dict get ``"linear"``; entries for roots are ignored).
    immutable : iterable of str, default=()
        Non-sensitive nodes that perturbations may not change (excluded from the
        perturbable coordinates; the metric is infinite between individuals whose
        latent values differ on them).
    noise : dict, optional
        Node -> :class:`~causalfair.Normal`, :class:`~causalfair.Gamma` or
        :class:`~causalfair.Bernoulli`, in the user's units, used by :meth:`sample`.
        Nodes not given are sampled from their empirical (abducted) noise.
    standardize : bool, default=True
        Standardize continuous nodes, ``(x - mean) / std`` with the population std
        (``ddof=0``), before fitting. Results always come back in the user's units;
        only the latent values of :meth:`abduct` and ``encoded=True`` outputs are in
        standardized units.
    random_state : None, int or numpy.random.Generator
        Seed of :meth:`fit` (MLP initialisation and shuffling). ``None`` draws a fresh
        seed on each fit.
    discrete : {"gumbel", "anm"}, default="gumbel"
        Mechanism of binary and categorical non-root nodes (DESIGN §4, "Discrete
        nodes"). ``"anm"``: additive noise on the 0/1 or one-hot codes (kept only to
        reproduce the published table: counterfactual codes can be fractional, which
        no individual has). ``"gumbel"`` (the default): Gumbel-max,
        ``V := argmax_k(l_k + G_k)`` with logits ``l`` from the parents (linear:
        multinomial logistic regression fitted to the optimum by Newton's method; MLP:
        softmax cross-entropy, minibatch Adam), hard codes everywhere, and abduction by
        posterior sampling: :meth:`counterfactual` and :meth:`twins` take ``n_draws``
        posterior draws per row. In ``"gumbel"`` mode the drawn noise of a discrete
        node is not perturbable, nor is a discrete root's code. ``n_draws`` exists on
        ``counterfactual``, ``twins``, ``perturbation_ball`` and
        :func:`causalfair.audit`; every other verb (``abduct``, ``phi``, ``metric``,
        training) uses the single posterior draw of seed 0, on hard codes (``metric`` compares the continuous latents and is
        ``inf`` across a discrete node's level switch of zero posterior probability);
        searches (``attack``, ``causal_at``, ``trades``) move a discrete node through the
        straight-through Gumbel-softmax surrogate (τ = 1) and evaluate every point at its
        hard codes.
    privacy : None or dict, default=None
        Fit with differential privacy (:mod:`causalfair.privacy`):
        ``dict(target_epsilon=ε, delta=δ, max_grad_norm=C)`` — ε > 0 required; δ in
        (0, 1), default 1 / (10 n); C > 0, default 1. Every MLP map (``"mlp"`` /
        :class:`MLPMechanism` nodes, continuous or — with ``discrete="gumbel"`` — the
        logits of a discrete node) is fitted by DP-SGD (Poisson sampling at rate
        ``batch_size`` / n, per-example clipping to C, Gaussian noise), one run per such
        node with a shared noise multiplier calibrated by ``dp-accounting`` so that
        their composition meets ε at δ. Linear mechanisms are refused (their closed-form
        fit releases sufficient statistics without noise). **Protected**: the MLP maps'
        parameters, hence interventions and model-based predictions of the SCM on other
        rows. **Not protected** (released as computed from the data): the latent sample
        (every training row's abducted noise, used by :meth:`sample` and the noise
        ranges), the noise scales of the metric, the standardization means and stds, the
        level sets of binary and categorical nodes, and therefore twins, audits and
        training that read them. A classifier trained on the same rows composes its
        budget with this one (``FairRobustClassifier.total_epsilon_``).

    Attributes
    ----------
    nodes_ : list of str
        Nodes in topological order (stable: the graph's order where possible).
    columns_ : list of str
        The encoded columns, in order: one per continuous or binary node (named as the
        node) and ``"node=label"`` per level of a categorical node.
    kinds_ : dict
        Node -> kind, as used.
    schema_ : causalfair.schema.Schema
        Labels, means and stds of every node: how values map to the encoded columns.
    twin_levels_ : pandas.DataFrame
        One row per twin level, one column per sensitive node, holding its label; the
        last sensitive node varies fastest.
    perturbable_ : list of str
        Encoded columns a perturbation may move.
    n_features_in_ : int
    feature_names_in_ : numpy.ndarray of str
    epsilon_, delta_ : float
        With ``privacy``: the (ε, δ) of the DP fit, by a fresh accountant composing
        every DP-SGD run (0 when no node has an MLP map).
    noise_multiplier_ : float
        With ``privacy``: the calibrated σ shared by the runs.
    dp_runs_ : list of (float, int)
        With ``privacy``: ``(sampling_rate, steps)`` of each DP-SGD run, in the order of
        :attr:`nodes_`; :func:`causalfair.privacy.dp_sgd_event` makes them an accountant event.

    Notes
    -----
    With ``discrete="gumbel"`` (the default) binary and categorical non-root nodes are
    always exact codes; with ``discrete="anm"`` they get additive noise on their 0/1
    or one-hot code (the paper-compatible mode), so their counterfactual codes can be
    fractional. Decoded results show a binary code ``>= 0.5`` as the second label
    and a categorical one by the argmax of its one-hot columns; ``encoded=True``
    returns the codes themselves. In ``"anm"`` mode :meth:`twins` and
    :meth:`counterfactual` say so with a :class:`ContinuousCodeWarning` when they
    reach such a node (its values are continuous codes, not labels), the audit report
    lists them (``AuditReport.continuous_codes``), and a black-box audit is refused.

    Inputs and outputs: a method taking individuals accepts a DataFrame holding every
    graph node in the user's units (extra columns are ignored) and answers with
    DataFrames; or a 2-D array, always taken as an **encoded** matrix with the columns
    ``columns_`` (as :meth:`encode` makes it), and answers with numpy arrays in the
    same encoding. ``encoded=True`` makes DataFrame answers hold the encoded columns
    instead of user units and labels.

    Range of inputs: every method taking individuals warns (:class:`OutOfRangeWarning`)
    when the abducted noise of a continuous node — its value for a root, its value
    minus what its parents predict otherwise — lies more than ``RANGE_STDS`` (1)
    noise stds below the smallest or above the largest noise of the data the SCM
    was fitted on (the latent sample it keeps), in more than ``RANGE_SHARE`` (1%)
    of the rows given (so at least one row of up to 100). E.g. standardized ages
    (near 0) given where ages in years (17 to 90, std 13.6) are expected. The share
    keeps the rare extreme draw of a large sample (say from :meth:`sample` with
    Normal noise) quiet. Counterfactuals and twins keep their row's noise, so they
    never trigger it. Binary and categorical
    nodes need no such rule: a label not seen in ``fit`` is a ``ValueError``.

    Results in the user's units keep integer columns integers: a continuous node
    fitted on an integer column comes back as ``int64`` from :meth:`twins`,
    :meth:`counterfactual`, :meth:`sample` and :meth:`decode` when every value is
    integral up to round-off (within 1e-9 · max(1, ``|v|``)), and as floats otherwise
    (a counterfactual age of 38.7 is not rounded).

    As a scikit-learn transformer, :meth:`transform` maps individuals to the
    semi-latent space φ (DESIGN §4: the sensitive codes, and every other node's
    abducted noise), :meth:`inverse_transform` maps back, and
    :meth:`get_feature_names_out` names the coordinates, so an SCM can be a step of
    a :class:`~sklearn.pipeline.Pipeline` and ``set_output(transform="pandas")``
    gives DataFrames.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import causalfair as cf
    >>> rng = np.random.default_rng(0)
    >>> s = rng.integers(0, 2, 500)
    >>> x = 2.0 * s + rng.normal(size=500)
    >>> df = pd.DataFrame({"s": s, "x": x, "y": s - x + rng.normal(size=500)})
    >>> scm = cf.SCM({"x": ["s"], "y": ["s", "x"]}, sensitive="s").fit(df)
    >>> scm.twins(df.head(2)).shape
    (4, 3)
    """

    def __init__(self, graph: Any, *, sensitive: Union[str, Sequence[str]], kinds: Optional[Mapping[str, str]] = None,
                 mechanism: Any = "linear", immutable: Iterable[str] = (),
                 noise: Optional[Mapping[str, Distribution]] = None, standardize: bool = True,
                 random_state: Any = None, discrete: str = "gumbel", privacy: Optional[Dict[str, Any]] = None):
        self.graph = graph
        self.sensitive = sensitive
        self.kinds = kinds
        self.mechanism = mechanism
        self.immutable = immutable
        self.noise = noise
        self.standardize = standardize
        self.random_state = random_state
        self.discrete = discrete
        self.privacy = privacy

    # ------------------------------------------------------------------ parameters
    def _checked_params(self) -> Dict[str, Any]:
        """Validate the constructor parameters; names each bad one."""
        graph = parse_graph(self.graph)
        nodes = graph.nodes
        sensitive = check_node_list(self.sensitive, "sensitive", nodes)
        if not sensitive:
            raise ValueError("sensitive: expected at least one sensitive node")
        immutable = check_node_list(self.immutable, "immutable", nodes)
        for n in immutable:
            if n in sensitive:
                raise ValueError(f"immutable: {n!r} is sensitive; sensitive nodes are "
                                 "never perturbed, list only non-sensitive nodes")
        kinds = self._checked_mapping(self.kinds, "kinds", nodes)
        for n, k in kinds.items():
            if k not in KINDS:
                raise ValueError(f"kinds: expected one of {list(KINDS)} for {n!r}, got {k!r}")
        if isinstance(self.mechanism, Mapping):
            given = self._checked_mapping(self.mechanism, "mechanism", nodes)
            mechanisms = {n: as_mechanism(given.get(n, "linear"), f"mechanism[{n!r}]")
                          for n in nodes}
        else:
            m = as_mechanism(self.mechanism)
            mechanisms = {n: m for n in nodes}
        noise = {n: as_distribution(d, f"noise[{n!r}]")
                 for n, d in self._checked_mapping(self.noise, "noise", nodes).items()}
        check_parameter("standardize", self.standardize, [Boolean()])
        discrete = check_parameter("discrete", self.discrete, [Options(DISCRETE_MODES)])
        for n, m in mechanisms.items():
            if isinstance(m, ExpressionMechanism) and graph.parents[n]:
                if self.standardize:
                    raise ValueError(f"mechanism[{n!r}]: an ExpressionMechanism is written in the data's "
                                     "own units; pass standardize=False")
                m.program(graph.parents[n])  # every name it reads must be a parent
        privacy = check_parameter("privacy", self.privacy, [None, _privacy.SETTINGS])
        if privacy is not None:
            linear = [n for n, m in mechanisms.items() if graph.parents[n] and isinstance(m, LinearMechanism)]
            if linear:
                raise ValueError(f"privacy: {linear[0]!r} has a linear mechanism, fitted in closed form from "
                                 "sufficient statistics that DP-SGD does not protect; give every non-root node "
                                 "mechanism='mlp' (or an ExpressionMechanism), or fit the SCM without privacy "
                                 "on public data")
        return dict(graph=graph, sensitive=sensitive, immutable=immutable, kinds=kinds,
                    mechanisms=mechanisms, noise=noise, standardize=bool(self.standardize),
                    discrete=discrete, privacy=privacy)

    @staticmethod
    def _checked_mapping(value: Any, name: str, nodes: Sequence[str]) -> Dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise TypeError(f"{name}: expected a dict node -> value, got {type(value).__name__}")
        unknown = [k for k in value if k not in nodes]
        if unknown:
            raise ValueError(f"{name}: {unknown} are not nodes of the graph (nodes: {list(nodes)})")
        return dict(value)

    # ------------------------------------------------------------------ fitting
    def fit(self, X: pd.DataFrame, y: Any = None, sample_weight: Any = None) -> "SCM":
        """Fit every mechanism on ``X``.

        Parameters
        ----------
        X : pandas.DataFrame
            One row per individual and a column per graph node (extra columns are
            ignored). Continuous columns must be numeric and finite; binary and
            categorical columns must have no missing values.
        y : ignored
            Present for scikit-learn compatibility.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights (positive sum); None: every row weighs 1. Each
            mechanism's fit weights every row's terms by its weight (normalised to
            mean 1): weighted least squares for linear mechanisms, the weighted
            likelihood of discrete (``discrete="gumbel"``) mechanisms, weighted
            minibatch losses for MLP mechanisms; the standardization of continuous
            nodes uses the weighted means and stds. Integer weights therefore give the
            SCM fitted on the rows repeated that many times (for MLP mechanisms when
            one batch holds every row), and proportional weights the same SCM. Rows of
            weight 0 are checked like the others (columns, missing values), then left
            out as if dropped: of the fits, the levels and scaling learnt, and the
            fitted noise. The fitted noise (the empirical
            distribution :meth:`sample` draws from and the range behind
            :class:`OutOfRangeWarning`) holds the other rows unweighted: it is what
            :meth:`to_dict` and pickling carry.

        Returns
        -------
        self : SCM

        Raises
        ------
        ValueError
            Missing node columns, NaN/inf, cycles, unknown nodes in the parameters, a
            sensitive node that is continuous or has one observed level, a constant
            continuous column; ``sample_weight`` of the wrong length, with a negative,
            NaN or infinite weight, or all zeros, or given with ``privacy``.
        TypeError
            A continuous column that is not numeric; parameters of the wrong type;
            ``sample_weight`` not numbers.
        RuntimeError
            A mechanism cannot be fitted on this data: a singular least-squares
            problem (a constant parent, or collinear parents such as the one-hot
            columns of a many-level categorical parent: use
            ``LinearMechanism(ridge=...)``), or an MLP whose training diverged. The
            message names the node.

        Examples
        --------
        >>> scm = cf.SCM([("s", "x")], sensitive="s", random_state=0)  # doctest: +SKIP
        >>> scm.fit(df)  # doctest: +SKIP
        """
        p = self._checked_params()
        frame = check_frame(X, "X", p["graph"].order)
        weights = check_sample_weight(sample_weight, len(frame))
        if weights is not None and p["privacy"] is not None:
            raise ValueError("sample_weight: expected None with privacy (DP-SGD clips every example's gradient to "
                             "the same norm, so a weight would not weigh it)")
        if weights is not None and not (weights > 0).all():  # weight 0: as if the row were not there
            frame, weights = frame[weights > 0], weights[weights > 0]
        seed = seed_from(self.random_state)
        schema = Schema.build(p["graph"], frame, kinds=p["kinds"], sensitive=p["sensitive"],
                              immutable=p["immutable"], mechanisms=p["mechanisms"],
                              noise=p["noise"], standardize=p["standardize"], discrete=p["discrete"],
                              weights=weights)
        data = schema.encode(frame, "X")
        private = self._private_fit(p, data.shape[0])
        handle = _handles.new_handle(schema)
        try:
            _handles.fit(handle, data, seed, weights,
                         *((private["noise_multiplier"], p["privacy"]["max_grad_norm"]) if private else ()))
        except RuntimeError as exc:  # the engine numbers nodes in topological order
            message = re.sub(r"^fitting node (\d+):", lambda m: f"fitting node {schema.names[int(m[1])]!r}:", str(exc))
            raise RuntimeError(message) from None
        self._set_fitted(schema, handle, private)
        return self

    @staticmethod
    def _private_fit(p: Dict[str, Any], rows: int) -> Optional[Dict[str, Any]]:
        """With ``privacy``: δ, the DP-SGD runs (one per node with an MLP map, in the order
        of the nodes) and the smallest shared σ whose composition meets the target ε,
        and that composition's ε by a fresh accountant; None without."""
        privacy = p["privacy"]
        if privacy is None:
            return None
        delta = _privacy.delta_for(privacy, rows)
        runs = [_privacy.dp_sgd_steps(rows, m.batch_size, m.epochs) for n, m in p["mechanisms"].items()
                if p["graph"].parents[n] and isinstance(m, MLPMechanism)]
        sigma = _privacy.calibrate_runs(privacy["target_epsilon"], delta, runs)
        epsilon = _privacy.composed_epsilon([_privacy.dp_sgd_event(sigma, runs)], delta) if runs else 0.0
        return dict(epsilon=epsilon, delta=delta, noise_multiplier=sigma, runs=runs)

    def _set_fitted(self, schema: Schema, handle: Any, private: Optional[Dict[str, Any]] = None) -> None:
        facts = _handles.info(handle)
        for name in ("epsilon_", "delta_", "noise_multiplier_", "dp_runs_"):
            self.__dict__.pop(name, None)
        if private is not None:
            self.epsilon_, self.delta_ = private["epsilon"], private["delta"]
            self.noise_multiplier_, self.dp_runs_ = private["noise_multiplier"], [tuple(r) for r in private["runs"]]
        self._handle = handle
        self.schema_ = schema
        self.nodes_ = schema.names
        self.columns_ = schema.columns
        self.kinds_ = {n.name: n.kind for n in schema.nodes}
        self.n_features_in_ = len(self.nodes_)
        self.feature_names_in_ = np.asarray(self.nodes_, dtype=object)
        levels = _handles.twin_levels(handle, facts.twin_levels, facts.sensitive_nodes)
        self.twin_levels_ = pd.DataFrame(
            {n.name: n.labels_from_codes(levels[:, j]).to_numpy()
             for j, n in enumerate(schema.sensitive)})
        self.twin_levels_.index.name = "twin"
        mask = _handles.perturbable(handle, facts.columns)
        self.perturbable_ = [c for c, m in zip(self.columns_, mask) if m]
        self._twin_labels = [row[0] if len(row) == 1 else tuple(row)
                             for row in self.twin_levels_.itertuples(index=False, name=None)]
        _, latent = _handles.export_state(handle)
        continuous = np.asarray([self.columns_.index(n.name) for n in schema.nodes if n.kind == "continuous"]
                                if latent.shape[0] else [], dtype=np.intp)
        noise = latent[:, continuous]
        self._noise_range = (continuous, noise.min(axis=0), noise.max(axis=0), noise.std(axis=0))

    def _check_fitted(self) -> None:
        if getattr(self, "_handle", None) is None:
            raise NotFittedError("This SCM is not fitted yet; call fit(df) before using it.")

    # ------------------------------------------------------------------ data in/out
    def _data(self, X: Any, name: str, levels: bool = False) -> Tuple[np.ndarray, Optional[pd.Index]]:
        """Encoded matrix of ``X``, and its index when it was a DataFrame.

        A DataFrame holds user units (one column per node); anything else is taken as
        an encoded 2-D matrix with the columns ``columns_`` — with ``levels``, one whose
        sensitive columns hold level codes (for twins, balls and audits)."""
        self._check_fitted()
        if isinstance(X, pd.DataFrame):
            frame = check_frame(X, name, self.nodes_)
            matrix = self.schema_.encode(frame, name)
            self._warn_out_of_range(matrix, name)
            return matrix, X.index
        if isinstance(X, pd.Series):
            raise TypeError(f"{name}: expected a DataFrame (one row per individual), got a "
                            "Series; use df.loc[[label]] for one row")
        matrix = check_matrix(X, name, len(self.columns_))
        if levels:
            self.schema_.check_sensitive_codes(matrix, name)
        self._warn_out_of_range(matrix, name)
        return matrix, None

    def _warn_out_of_range(self, matrix: np.ndarray, name: str) -> None:
        """An :class:`OutOfRangeWarning` naming every continuous node of the encoded
        ``matrix`` whose abducted noise lies more than ``RANGE_STDS`` noise stds
        beyond the range of the fitted noise in more than ``RANGE_SHARE`` of the rows
        (class Notes)."""
        columns, low, high, spread = self._noise_range
        if columns.size == 0:
            return
        lowest, highest = low - RANGE_STDS * spread, high + RANGE_STDS * spread
        outside = np.zeros(columns.size, dtype=np.int64)
        extreme = np.zeros(columns.size)  # an offending noise value per column
        for start in range(0, matrix.shape[0], _RANGE_CHUNK):  # a few MB at a time, whatever the rows
            part = np.ascontiguousarray(matrix[start:start + _RANGE_CHUNK])
            try:
                noise = _handles.abduct(self._handle, part)
            except ValueError:  # out of range beyond doubt; the call itself reports which row and why
                warnings.warn(f"{name}: values outside what this SCM was fitted on: the noise of some rows cannot "
                              "be abducted (outside a mechanism's range, or overflowing)", OutOfRangeWarning,
                              stacklevel=_user_stacklevel())
                return
            noise = noise[:, columns]
            out = (noise < lowest) | (noise > highest)
            first = outside == 0
            outside += out.sum(axis=0)
            for j in np.flatnonzero(first & out.any(axis=0)):
                extreme[j] = noise[int(np.argmax(out[:, j])), j]
        found = []
        for j in np.flatnonzero(outside > RANGE_SHARE * matrix.shape[0]):
            node = self.schema_.nodes[self.schema_.index[self.columns_[columns[j]]]]
            rows = f"{outside[j]} of {matrix.shape[0]} rows"
            if node.is_root:  # its noise is its value: say it in the data's units
                found.append(f"{node.name!r} holds {extreme[j] * node.std + node.mean:.4g} ({rows}; fitted range "
                             f"[{low[j] * node.std + node.mean:.4g}, {high[j] * node.std + node.mean:.4g}])")
            else:
                found.append(f"{node.name!r} has noise {extreme[j]:.3g} ({rows}; fitted noise range [{low[j]:.3g}, "
                             f"{high[j]:.3g}], std {spread[j]:.3g}, in encoded units)")
        if found:
            warnings.warn(f"{name}: values far outside what this SCM was fitted on (noise more than "
                          f"{RANGE_STDS:g} std beyond the fitted range): {'; '.join(found)}. Its mechanisms "
                          "extrapolate there; are these values in the data's own units (not standardized or "
                          "encoded)?", OutOfRangeWarning, stacklevel=_user_stacklevel())

    @overload
    def _result(self, matrix: np.ndarray, index: Optional[pd.Index], encoded: bool,
                as_frame: Literal[True] = ...) -> pd.DataFrame: ...

    @overload
    def _result(self, matrix: np.ndarray, index: Optional[pd.Index], encoded: bool, as_frame: bool) -> Data: ...

    def _result(self, matrix: np.ndarray, index: Optional[pd.Index], encoded: bool,
                as_frame: bool = True) -> Data:
        if not as_frame:
            return matrix
        if index is None:
            index = pd.RangeIndex(matrix.shape[0])
        if encoded:
            return pd.DataFrame(matrix, index=index, columns=list(self.columns_))
        return self.schema_.decode(matrix, index)

    # ------------------------------------------------------------------ EncodedEstimator (internal)
    def _encode_rows(self, X: Any) -> np.ndarray:
        """See :class:`causalfair._encoded.EncodedEstimator`: ``X`` encoded, with valid
        sensitive level codes."""
        return self._check_encoded_rows(self._data(X, "X")[0])

    def _check_encoded_rows(self, x: np.ndarray) -> np.ndarray:
        """See :class:`causalfair._encoded.EncodedEstimator`: the sensitive columns hold
        level codes (0/1, one-hot)."""
        self.schema_.check_sensitive_codes(x, "X")
        return x

    def _decode_rows(self, x: np.ndarray) -> pd.DataFrame:
        """See :class:`causalfair._encoded.EncodedEstimator`."""
        return self._result(x, None, encoded=False)

    def _is_affine(self) -> bool:
        """See :class:`causalfair._encoded.EncodedEstimator`: every mechanism linear."""
        return self.schema_.is_linear

    def _interventions(self, do: Any, n_rows: Optional[int]) -> Tuple[np.ndarray, np.ndarray]:
        """Engine arrays (node indices, values matrix) for a ``do`` dict."""
        if do is None:
            do = {}
        if not isinstance(do, Mapping):
            raise TypeError(f"do: expected a dict node -> value, got {type(do).__name__}")
        for node in do:
            if node not in self.schema_.index:
                raise KeyError(f"do: {node!r} is not a node of the graph (nodes: {self.nodes_})")
        nodes = sorted(do, key=self.schema_.index.__getitem__)
        if not nodes:
            return np.empty(0, dtype=np.int64), np.empty((1, 0))
        blocks = [self.schema_.encode_values(n, do[n], n_rows, f"do[{n!r}]") for n in nodes]
        rows = max(b.shape[0] for b in blocks)
        blocks = [np.repeat(b, rows, axis=0) if b.shape[0] != rows else b for b in blocks]
        values = np.ascontiguousarray(np.hstack(blocks), dtype=np.float64)
        return np.asarray([self.schema_.index[n] for n in nodes], dtype=np.int64), values

    # ------------------------------------------------------------------ inference
    def encode(self, X: pd.DataFrame) -> pd.DataFrame:
        """The encoded matrix of ``X`` as a DataFrame with the columns ``columns_``.

        Continuous nodes standardized, binary coded 0/1, categorical one-hot.

        Examples
        --------
        >>> scm.encode(df).columns.tolist()  # doctest: +SKIP
        ['s', 'x', 'y']
        """
        matrix, index = self._data(X, "X")
        return self._result(matrix, index, encoded=True)

    def decode(self, matrix: Any) -> pd.DataFrame:
        """User-unit DataFrame from an encoded matrix (DataFrame with ``columns_``, or
        a 2-D array). Binary codes are thresholded at 0.5, categorical ones argmaxed.

        Examples
        --------
        >>> scm.decode(scm.encode(df)).equals(df[scm.nodes_])  # doctest: +SKIP
        True
        """
        self._check_fitted()
        if isinstance(matrix, pd.DataFrame):
            frame = check_frame(matrix, "matrix", self.columns_)
            return self._result(check_matrix(frame, "matrix", len(self.columns_)),
                                matrix.index, encoded=False)
        return self._result(check_matrix(matrix, "matrix", len(self.columns_)), None,
                            encoded=False)

    def abduct(self, X: Data) -> Data:
        """Latent noise of each row: ``U = V - f(Pa(V))``, and ``U = V`` for roots.

        The latent values are in the **encoded** units (continuous nodes
        standardized when ``standardize=True``; binary and categorical nodes on their
        0/1 or one-hot code), one column per encoded column.

        Parameters
        ----------
        X : DataFrame or 2-D array
            Individuals: a DataFrame in user units, or an encoded 2-D array.

        Returns
        -------
        DataFrame (same index, columns ``columns_``) or numpy array for array input.

        Examples
        --------
        >>> u = scm.abduct(df)  # doctest: +SKIP
        """
        data, index = self._data(X, "X")
        out = _handles.abduct(self._handle, data)
        if index is None:
            return out
        return pd.DataFrame(out, index=index, columns=list(self.columns_))

    def counterfactual(self, X: Data, do: Mapping[str, Any], *, encoded: bool = False,
                       n_draws: Optional[int] = None, random_state: Any = None) -> Data:
        """Counterfactual of each row under the hard interventions ``do``.

        Abducts each row's noise, sets the intervened nodes, and recomputes their
        descendants from their parents and their own noise.

        Parameters
        ----------
        X : DataFrame or 2-D array
            The factual individuals.
        do : dict
            Node -> value in the user's units / labels: a scalar for every row or an
            array-like with one value per row.
        encoded : bool, default=False
            Return the encoded columns (codes not thresholded) instead of user units.
        n_draws : int, optional
            Number R of posterior draws of each row's noise (``discrete="gumbel"``: a
            discrete node's noise is sampled from its posterior given the row, so the
            counterfactual of a row is R individuals, each with probability 1/R). One
            random stream per (row, draw): a row's draws do not depend on the other
            rows. ``None``: the single draw of seed 0, indexed as ``X``.
        random_state : None, int or numpy.random.Generator
            Seed of the posterior draws (with ``n_draws``).

        Returns
        -------
        DataFrame
            Same index, columns = the graph nodes (topological order), user units;
            binary codes thresholded at 0.5, categorical argmaxed. A numpy array for
            array input. With ``n_draws``: ``len(X) * n_draws`` rows, MultiIndex
            (original row label, ``"draw"``), row-major.

        Raises
        ------
        KeyError
            ``do`` names a node not in the graph.
        ValueError
            A label never seen in fit, or a value count that is neither 1 nor one
            per row.

        Examples
        --------
        >>> scm.counterfactual(df, do={"s": 0})  # doctest: +SKIP
        """
        data, index = self._data(X, "X")
        nodes, values = self._interventions(do, data.shape[0])
        _warn_continuous_codes(self.schema_.continuous_codes([self.schema_.nodes[int(n)].name for n in nodes]),
                               "counterfactual", encoded)
        if n_draws is None:
            out = _handles.counterfactual(self._handle, data, nodes, values)
            return self._result(out, index, encoded, as_frame=index is not None)
        draws = check_parameter("n_draws", n_draws, [Interval(int, 1, "max_draws")])
        check_output_size(data.shape[0] * draws, data.shape[1], "counterfactual")
        out = _handles.counterfactual_draws(self._handle, data, nodes, values, draws, seed_from(random_state))
        if index is None:
            return out
        multi = pd.MultiIndex.from_arrays([index.repeat(draws), np.tile(np.arange(draws), data.shape[0])],
                                          names=[index.name or "row", "draw"])
        return self._result(out, multi, encoded)

    def twins(self, X: Data, *, encoded: bool = False, n_draws: Optional[int] = None,
              random_state: Any = None) -> Data:
        """Counterfactual twins: each row under every combination of sensitive levels.

        Parameters
        ----------
        X : DataFrame or 2-D array
            Individuals: a DataFrame in user units, or an encoded 2-D array.
        encoded : bool, default=False
            Return the encoded columns (codes not thresholded) instead of user units.
        n_draws : int, optional
            Number R of posterior draws of each row's noise (see :meth:`counterfactual`);
            the factual twin is the row itself in every draw. ``None``: the single draw
            of seed 0.
        random_state : None, int or numpy.random.Generator
            Seed of the posterior draws (with ``n_draws``).

        Returns
        -------
        DataFrame
            ``len(X) * len(twin_levels_)`` rows; MultiIndex (original row label, twin
            level) named ``(X.index.name or "row", "twin")``, where the twin level is
            the sensitive label (one sensitive node) or a tuple of labels (several),
            ordered as ``twin_levels_``. The factual row is among its twins. A numpy
            array for array input. With ``n_draws``: ``len(X) * n_draws *
            len(twin_levels_)`` rows, MultiIndex (row, ``"draw"``, ``"twin"``), row-major.

        Examples
        --------
        >>> scm.twins(df.head(2))  # doctest: +SKIP
        >>> scm.twins(df.head(2), n_draws=16, random_state=0)  # doctest: +SKIP
        """
        data, index = self._data(X, "X", levels=True)
        _warn_continuous_codes(self.schema_.continuous_codes([node.name for node in self.schema_.sensitive]),
                               "twins", encoded)
        levels = len(self._twin_labels)
        twin = np.empty(levels, dtype=object)
        twin[:] = self._twin_labels
        if n_draws is None:
            check_output_size(data.shape[0] * levels, data.shape[1], "twins")
            out = _handles.twins(self._handle, data, levels)
            if index is None:
                return out
            multi = pd.MultiIndex.from_arrays(
                [index.repeat(levels), np.tile(twin, data.shape[0])],
                names=[index.name or "row", "twin"])
            return self._result(out, multi, encoded)
        draws = check_parameter("n_draws", n_draws, [Interval(int, 1, "max_draws")])
        check_output_size(data.shape[0] * draws * levels, data.shape[1], "twins")
        out = _handles.twins_draws(self._handle, data, levels, draws, seed_from(random_state))
        if index is None:
            return out
        multi = pd.MultiIndex.from_arrays(
            [index.repeat(draws * levels), np.tile(np.arange(draws).repeat(levels), data.shape[0]),
             np.tile(twin, data.shape[0] * draws)],
            names=[index.name or "row", "draw", "twin"])
        return self._result(out, multi, encoded)

    def factual_levels(self, X: Data) -> np.ndarray:
        """Index (row of ``twin_levels_``) of each row's own twin level."""
        data, _ = self._data(X, "X", levels=True)
        return _handles.factual_levels(self._handle, data)

    def sample(self, n: int, do: Optional[Mapping[str, Any]] = None, random_state: Any = None,
               *, encoded: bool = False) -> pd.DataFrame:
        """Draw ``n`` individuals, observational or under the interventions ``do``.

        Each node's noise comes from its ``noise`` distribution, or else from its
        empirical (training) latent values, independently per node.

        Parameters
        ----------
        n : int
            Number of rows, > 0.
        do : dict, optional
            Node -> value (scalar, or one per drawn row), user units / labels.
        random_state : None, int or numpy.random.Generator
            ``None`` draws a fresh seed; an int reproduces the draw bit for bit.
        encoded : bool, default=False
            Return encoded columns (codes not thresholded).

        Returns
        -------
        DataFrame with a RangeIndex.

        Examples
        --------
        >>> scm.sample(3, do={"s": 1}, random_state=0)  # doctest: +SKIP
        """
        self._check_fitted()
        n = check_positive_int(n, "n")
        check_output_size(n, len(self.columns_), "sample")
        nodes, values = self._interventions(do, n)
        seed = seed_from(random_state)
        out = _handles.sample(self._handle, n, len(self.columns_), nodes, values, seed)
        return self._result(out, None, encoded)

    def metric(self, a: Data, b: Data) -> Union[pd.Series, np.ndarray]:
        """Causal fair distance ``d(a_r, b_r)`` row by row.

        ``d(v, v') = ||Π_P(φ(v) − φ(v'))||₂`` over the perturbable latent coordinates,
        ``inf`` where the rows differ on an immutable node's latent value. It is a
        pseudometric: ``d(v, twin) = 0`` for every twin of ``v``.

        Parameters
        ----------
        a, b : DataFrame or 2-D array
            The same number of rows (and, for two DataFrames, the same index). Arrays
            are encoded matrices, e.g. ``scm.twins(df, encoded=True).to_numpy()``:
            compare codes rather than thresholded labels when binary or categorical
            nodes have parents.

        Returns
        -------
        pandas.Series named ``"distance"`` with ``a``'s index, or a numpy array for
        array input.

        Examples
        --------
        >>> scm.metric(df, scm.counterfactual(df, do={"s": 1}))  # doctest: +SKIP
        """
        da, ia = self._data(a, "a")
        db, ib = self._data(b, "b")
        if da.shape[0] != db.shape[0]:
            raise ValueError(f"a, b: expected the same number of rows, got {da.shape[0]} "
                             f"and {db.shape[0]}")
        if ia is not None and ib is not None and not ia.equals(ib):
            raise ValueError("a, b: expected DataFrames with the same index (rows are "
                             "compared pairwise)")
        out = _handles.metric(self._handle, da, db)
        if ia is None and ib is None:
            return out
        return pd.Series(out, index=ia if ia is not None else ib, name="distance")

    def perturbation_ball(self, X: Data, radius: float, n_samples: int,
                          random_state: Any = None, factual_only: bool = False, *,
                          encoded: bool = False, n_draws: Optional[int] = None) -> Data:
        """Uniform samples from the protected causal perturbation ball of each row.

        ``B_Δ(v) = ⋃_s {φ⁻¹(φ(twin_s(v)) + δ) : ||δ||₂ ≤ Δ, δ on the perturbable
        coordinates}``; with ``factual_only=True`` only the factual twin's ball (the
        causal robustness ball).

        Parameters
        ----------
        X : DataFrame or 2-D array
        radius : float
            Δ >= 0 (in encoded, i.e. standardized latent, units).
        n_samples : int
            Samples per row and twin level, in [1, max_audit_samples] (the limit of
            the audits, whose points these are).
        random_state : None, int or numpy.random.Generator
        factual_only : bool, default=False
        encoded : bool, default=False
            Return the encoded columns instead of user units.
        n_draws : int, optional
            R posterior draws per row (``discrete="gumbel"``): the balls of each draw's
            twins (draw d as :meth:`twins` with ``n_draws=R`` and the same
            ``random_state`` makes it), ``n_samples`` points each. They are the points
            :func:`causalfair.audit`'s ``"sample"`` method draws with the posterior
            seed and the indicator seed both equal to ``random_state``'s seed (its
            samples ``0..n_samples-1`` of every ball's own stream). ``None``: the balls
            of :meth:`twins` ``(X)`` (posterior draw 0 of seed 0), the points the audit
            draws around them with ``random_state``'s seed, and no draw level in the
            index — the same points as ``n_draws=1`` on an SCM without Gumbel-max
            nodes.

        Returns
        -------
        DataFrame
            MultiIndex (row, twin, sample); rows ordered row, twin level, sample.
            With ``n_draws``: MultiIndex (row, ``"draw"``, twin, sample), in that
            order. A numpy array for array input.

        Examples
        --------
        >>> scm.perturbation_ball(df.head(2), 0.05, 10, random_state=0)  # doctest: +SKIP
        >>> scm.perturbation_ball(df.head(2), 0.05, 10, random_state=0, n_draws=4)  # doctest: +SKIP
        """
        data, index = self._data(X, "X", levels=True)
        radius = check_radius(radius)
        n_samples = check_parameter("n_samples", n_samples, [Interval(int, 1, "max_audit_samples")])
        if not isinstance(factual_only, (bool, np.bool_)):
            raise TypeError(f"factual_only: expected a bool, got {factual_only!r}")
        draws = 1 if n_draws is None else check_parameter("n_draws", n_draws, [Interval(int, 1, "max_draws")])
        levels = 1 if factual_only else len(self._twin_labels)
        check_output_size(data.shape[0] * draws * levels * n_samples, data.shape[1],
                          "perturbation_ball")
        seed = seed_from(random_state)
        out = _models.audit_ball(self._handle, data, radius, bool(factual_only), levels, range(n_samples), seed,
                                 n_draws=draws, posterior_seed=0 if n_draws is None else seed)
        if index is None:
            return out
        twin = np.empty(len(self._twin_labels), dtype=object)
        twin[:] = self._twin_labels
        per_row = draws * levels * n_samples
        if factual_only:
            twin_col = np.repeat(twin[self.factual_levels(data)], per_row)
        else:
            twin_col = np.tile(np.repeat(twin, n_samples), data.shape[0] * draws)
        arrays: List[Any] = [index.repeat(per_row), twin_col, np.tile(np.arange(n_samples), data.shape[0] * draws * levels)]
        names = [index.name or "row", "twin", "sample"]
        if n_draws is not None:
            arrays.insert(1, np.tile(np.arange(draws).repeat(levels * n_samples), data.shape[0]))
            names.insert(1, "draw")
        return self._result(out, pd.MultiIndex.from_arrays(arrays, names=names), encoded)

    # ------------------------------------------------------------------ transformer
    def transform(self, X: Data) -> np.ndarray:
        """The semi-latent coordinates φ(v) of each row (DESIGN §4).

        φ(v)ᵢ is the encoded value of a sensitive node and the abducted noise uᵢ of
        every other node (encoded units: standardized continuous nodes, 0/1 or
        one-hot codes), one column per encoded column, named by
        :meth:`get_feature_names_out`. ``inverse_transform(transform(X))`` gives
        ``X`` back (to round-off).

        Parameters
        ----------
        X : DataFrame or 2-D array
            Individuals: a DataFrame of the nodes in the data's units, or an encoded
            2-D array.

        Returns
        -------
        numpy.ndarray of shape (n_rows, len(columns_)), or a DataFrame after
        ``set_output(transform="pandas")``.

        Examples
        --------
        >>> scm.set_output(transform="pandas").transform(df).columns.tolist()  # doctest: +SKIP
        ['s', 'u_x', 'u_y']
        """
        data, _ = self._data(X, "X")
        return _handles.phi(self._handle, data)

    def inverse_transform(self, X: Data) -> Data:
        """Individuals from semi-latent coordinates: φ⁻¹ runs the mechanisms forward.

        Parameters
        ----------
        X : DataFrame or 2-D array
            Semi-latent coordinates as :meth:`transform` gives them: a DataFrame with
            the columns :meth:`get_feature_names_out` (any order), or a 2-D array.

        Returns
        -------
        DataFrame in the data's units (same index) for DataFrame input; the encoded
        2-D array for array input.
        """
        self._check_fitted()
        names = list(self.get_feature_names_out())
        index = None
        if isinstance(X, pd.DataFrame):
            index = X.index
            X = check_frame(X, "X", names)
        z = check_matrix(X, "X", len(names))
        out = _handles.phi_inverse(self._handle, z)
        return self._result(out, index, encoded=False, as_frame=index is not None)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the semi-latent coordinates: a sensitive node's encoded columns
        keep their names (``columns_``); every other column ``c`` is the noise
        ``"u_c"``.

        Parameters
        ----------
        input_features : ignored
            Present for scikit-learn compatibility (the inputs are the graph's nodes).

        Returns
        -------
        numpy.ndarray of str
        """
        self._check_fitted()
        sensitive = {c for node in self.schema_.sensitive for c in node.columns}
        return np.asarray([c if c in sensitive else f"u_{c}" for c in self.columns_], dtype=object)

    # ------------------------------------------------------------------ serialisation
    def _params_dict(self) -> Dict[str, Any]:
        p = self._checked_params()
        if isinstance(self.mechanism, Mapping):
            mechanism: Any = {n: m if isinstance(m, str) else as_mechanism(m).to_dict()
                              for n, m in self.mechanism.items()}
        else:
            mechanism = self.mechanism if isinstance(self.mechanism, str) \
                else as_mechanism(self.mechanism).to_dict()
        random_state = self.random_state
        if not (random_state is None or (isinstance(random_state, numbers.Integral)
                                         and not isinstance(random_state, bool))):
            random_state = None  # a Generator has no JSON form; pickle keeps it
        return {
            "graph": p["graph"].to_dict(),
            "sensitive": p["sensitive"] if not isinstance(self.sensitive, str) else self.sensitive,
            "kinds": None if self.kinds is None else dict(p["kinds"]),
            "mechanism": mechanism,
            "immutable": list(p["immutable"]),
            "noise": None if self.noise is None else {n: d.to_dict() for n, d in p["noise"].items()},
            "standardize": p["standardize"],
            "random_state": None if random_state is None else int(random_state),
            "discrete": p["discrete"],
            "privacy": None if self.privacy is None else dict(self.privacy),
        }

    def to_dict(self) -> Dict[str, Any]:
        """A plain, JSON-serialisable dict of the SCM: parameters, schema, fitted state.

        Floats are Python floats, so ``json.dumps`` / ``json.loads`` and
        :meth:`from_dict` restore the fitted engine bit for bit. A ``random_state``
        that is a Generator is stored as ``None``.

        Examples
        --------
        >>> import json
        >>> same = cf.SCM.from_dict(json.loads(json.dumps(scm.to_dict())))  # doctest: +SKIP
        """
        d: Dict[str, Any] = {"format": _FORMAT, "format_version": _FORMAT_VERSION,
                             "engine_version": _handles.engine_version(),
                             "params": self._params_dict(), "fitted": None}
        if getattr(self, "_handle", None) is not None:
            params, latent = _handles.export_state(self._handle)
            d["fitted"] = {"schema": self.schema_.to_dict(),
                           "parameters": params.tolist(), "latent": latent.tolist(),
                           "columns": len(self.columns_)}
            if hasattr(self, "epsilon_"):
                d["fitted"]["privacy"] = {"epsilon": self.epsilon_, "delta": self.delta_,
                                          "noise_multiplier": self.noise_multiplier_,
                                          "runs": [[q, steps] for q, steps in self.dp_runs_]}
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "SCM":
        """Rebuild an SCM written by :meth:`to_dict` (fitted state included).

        Raises
        ------
        ValueError
            ``d`` is not such a dict, or was altered: a missing or malformed entry,
            parameters and fitted schema that disagree, a fitted state the engine
            refuses (wrong sizes, NaN or inf).

        Examples
        --------
        >>> clone = cf.SCM.from_dict(scm.to_dict())  # doctest: +SKIP
        """
        if not isinstance(d, Mapping) or d.get("format") != _FORMAT:
            raise ValueError(f"d: expected a dict written by SCM.to_dict (format {_FORMAT!r})")
        if d.get("format_version") != _FORMAT_VERSION:
            raise ValueError(f"d: unsupported format_version {d.get('format_version')!r}; "
                             f"this causalfair reads {_FORMAT_VERSION}")
        try:
            return cls._rebuild(d)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
            raise ValueError(f"d: not a valid SCM.to_dict() result ({type(exc).__name__}: {exc})") from exc

    @classmethod
    def _rebuild(cls, d: Mapping[str, Any]) -> "SCM":
        params = dict(d["params"])
        if isinstance(params.get("mechanism"), Mapping) and "type" not in params["mechanism"]:
            params["mechanism"] = {n: m if isinstance(m, str) else as_mechanism(m)
                                   for n, m in params["mechanism"].items()}
        elif isinstance(params.get("mechanism"), Mapping):
            params["mechanism"] = as_mechanism(params["mechanism"])
        if params.get("noise") is not None:
            params["noise"] = {n: as_distribution(v) for n, v in params["noise"].items()}
        scm = cls(**params)
        checked = scm._checked_params()
        fitted = d.get("fitted")
        if fitted is not None:
            schema = Schema.from_dict(fitted["schema"])
            if (checked["graph"].order != schema.names
                    or checked["sensitive"] != [node.name for node in schema.sensitive]):
                raise ValueError("its parameters (graph, sensitive) and its fitted schema disagree")
            handle = _handles.new_handle(schema)
            _handles.import_state(handle, fitted["parameters"], fitted["latent"],
                                  int(fitted["columns"]))
            scm._set_fitted(schema, handle, fitted.get("privacy"))
        return scm

    def __getstate__(self) -> Dict[str, Any]:
        # The engine handle is not picklable: state is the JSON form plus the
        # parameters as given (a networkx graph or a Generator survive pickling).
        # set_output's configuration too.
        return {"scm": self.to_dict(), "params": self.get_params(deep=False),
                "output": self.__dict__.get("_sklearn_output_config")}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        rebuilt = type(self).from_dict(state["scm"])
        self.__dict__.update(rebuilt.__dict__)
        for name, value in state["params"].items():
            setattr(self, name, value)
        if state.get("output") is not None:
            self._sklearn_output_config = dict(state["output"])
