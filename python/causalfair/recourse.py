"""Causal algorithmic recourse: the cheapest intervention that turns a decision
(:func:`recourse`, :class:`RecourseResult`; DESIGN §4 "Recourse").

For a row ``v`` with an unfavourable decision and actionable nodes ``A``, recourse is
the cheapest action ``do(V_I := v_I + a_I)``, ``I ⊆ A``, whose counterfactual —
every descendant of ``I`` recomputed by the SCM with the row's abducted noise held
fixed, every node outside ``I`` following its mechanism — gets the target decision.
The cost is ``‖W a‖₂`` in the SCM's encoded (standardized) units.

A binary or categorical actionable node (a root, or a Gumbel-max node) is *switched*
instead: ``do(V_d := ℓ)`` to another of its levels ℓ — never a fraction — at cost
``w_d`` per switched node, so an action's cost is ``√(‖W a‖₂² + Σ_switched w_d²)``.
Every switch (a set of discrete nodes and a level of each, other than the row's own)
is tried with every set of continuous actions; a discrete node not switched follows
its mechanism.

Only intervention sets that can matter are searched: a set ``I`` that leaves out a
continuous actionable node ``j`` with no ancestor in ``I`` or in the switched nodes is
never cheaper than ``I ∪ {j}`` (intervening on ``j`` with ``a_j = 0`` changes nothing,
and ``a_j`` may be non-zero), so every left-out continuous actionable node must have
such an ancestor.

Two methods:

``exact``
    Logistic model on a linear SCM: for each set ``I`` the logit is linear in
    ``a_I``, ``g(CF) = g(v) + cᵀa_I``, and the cheapest ``a_I`` is the weighted
    projection onto ``cᵀa_I >= m`` (``m`` the margin to the threshold, plus 1e-8 so
    the hard prediction flips), in the bounds' box (:mod:`causalfair._min_norm`);
    the answer is the cheapest over the sets.
``attack``
    Any model and SCM: from ``a = 0`` and ``restarts - 1`` random starts, ``steps``
    linearised steps — at the iterate, the gradient of the logit with respect to
    ``a_I`` (the model's input gradient pulled back through the descendants of ``I``
    that the intervention recomputes, in the same engine pass as the counterfactual),
    then the cheapest point past the linearised threshold in the box. Every iterate is evaluated at
    the hard point (the engine's counterfactual and the model's prediction) and the
    cheapest one with the target decision is kept. On a linear problem one step is
    exact.

Either way, the counterfactual returned is ``scm.counterfactual(X, do=...)`` of the
action itself, and its prediction is the classifier's: a row is ``found`` only when
that prediction is the target.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

import numpy as np
import pandas as pd

from . import _handles, _models, _scores, _threads
from ._threads import thread_limit
from ._min_norm import cheapest_past_hyperplane
from .classifier import FairRobustClassifier, _logit_threshold, _probability
from .validation import Constraint, Interval, Options, check_node_list, check_parameters, seed_from

__all__ = ["recourse", "RecourseResult", "recourse_fairness"]

#: Most actionable nodes (the intervention sets searched grow as 2^|A|).
MAX_ACTIONABLE = 10
#: Most switches tried (each a set of discrete actionable nodes and a level of each).
MAX_SWITCHES = 256
#: How far past the threshold (logit units) an action aims, so the hard prediction flips.
MARGIN = 1e-8
#: Largest action magnitude tried, in standardized units; beyond it nothing is realistic.
LARGEST_ACTION = 1e6

_PARAMETERS: Dict[str, List[Constraint]] = {
    "method": [Options(("auto", "exact", "attack"))],
    "steps": [Interval(int, 1, 1000)],
    "restarts": [Interval(int, 1, 100)],
}


@dataclass(frozen=True)
class RecourseResult:
    """Recourse of every row, in the user's units (frozen).

    Attributes
    ----------
    needed : pandas.Series of bool
        The row's decision was not the target.
    found : pandas.Series of bool
        The row has the target decision after its action (always True where not
        needed: the empty action).
    cost : pandas.Series of float
        ``√(‖W a‖₂² + Σ_switched w_d²)`` in standardized units; 0 where not needed, NaN
        where not found.
    actions : pandas.DataFrame
        One column per actionable node: for a continuous node the amount ``a`` added to
        it in the user's units, for a binary or categorical node the level it is
        switched to; NaN where the node is not intervened on (it follows its
        mechanism). A continuous node intervened on with amount 0 is held at its
        factual value.
    counterfactuals : pandas.DataFrame
        The individual after the action (``scm.counterfactual`` of the row under
        ``do(V_I := v_I + a_I)``); the factual row where no action was found.
    prediction : pandas.Series
        The classifier's prediction for :attr:`counterfactuals`.
    group : pandas.Series
        The row's sensitive level (as ``scm.twin_levels_``).
    method : str
        ``"exact"`` or ``"attack"``.
    """

    needed: pd.Series
    found: pd.Series
    cost: pd.Series
    actions: pd.DataFrame
    counterfactuals: pd.DataFrame
    prediction: pd.Series
    group: pd.Series
    method: str

    def to_frame(self) -> pd.DataFrame:
        """One row per individual: ``needed``, ``found``, ``cost``, ``prediction``,
        ``group``, then ``action:<node>`` and ``counterfactual:<node>`` columns.

        Examples
        --------
        >>> result.to_frame().columns[:4].tolist()  # doctest: +SKIP
        ['needed', 'found', 'cost', 'prediction']
        """
        head = pd.DataFrame({"needed": self.needed, "found": self.found, "cost": self.cost,
                             "prediction": self.prediction, "group": self.group})
        return pd.concat([head, self.actions.add_prefix("action:"),
                          self.counterfactuals.add_prefix("counterfactual:")], axis=1)

    def group_costs(self) -> pd.DataFrame:
        """Per sensitive level, over the rows that needed recourse: how many,
        the share found, and the mean cost of those found with a 95% normal interval
        (``mean ± 1.96·sd/√n``; NaN bounds for fewer than two rows).

        Examples
        --------
        >>> result.group_costs()  # doctest: +SKIP
        """
        records = []
        for level, rows in self.needed[self.needed].groupby(self.group[self.needed], sort=False):
            found = self.found[rows.index]
            costs = self.cost[rows.index][found].to_numpy()
            mean = float(costs.mean()) if costs.size else math.nan
            half = 1.96 * _standard_error(costs)
            records.append({"group": level, "needed": int(rows.size), "found": float(found.mean()),
                            "mean_cost": mean, "low": mean - half, "high": mean + half})
        return pd.DataFrame.from_records(records, columns=["group", "needed", "found", "mean_cost", "low",
                                                           "high"]).set_index("group")

    def plot(self, ax: Any = None) -> Any:
        """Box plot of the recourse costs by sensitive level (rows that needed and found
        recourse). Needs matplotlib; returns the axes.

        Examples
        --------
        >>> result.plot()  # doctest: +SKIP
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError:  # pragma: no cover - matplotlib is optional
            raise ImportError("RecourseResult.plot needs matplotlib (pip install matplotlib)") from None
        if ax is None:
            _, ax = plt.subplots()
        shown = self.needed & self.found
        levels = list(dict.fromkeys(self.group.tolist()))
        data = [self.cost[shown & (self.group == level)].to_numpy() for level in levels]
        ax.boxplot(data)
        ax.set_xticks(range(1, len(levels) + 1), [str(level) for level in levels])
        ax.set_xlabel(str(self.group.name))
        ax.set_ylabel("recourse cost (standardized units)")
        ax.set_title(f"Recourse cost by group ({self.method})")
        return ax


@dataclass
class _Problem:
    """The checked inputs of one recourse call, in the engine's encoded units."""

    scm: Any
    clf: Any
    x: np.ndarray                 # encoded rows
    index: pd.Index
    actionable: List[str]         # continuous actionable nodes, topological order
    nodes: np.ndarray             # their node indices (int64)
    columns: np.ndarray           # their encoded columns
    scales: np.ndarray            # user units per encoded unit
    weights: np.ndarray
    lower: np.ndarray             # encoded bounds on a
    upper: np.ndarray
    sign: float                   # +1: target is the positive class
    logit_threshold: float
    want_positive: bool
    input_limit: float
    switchable: List[str]         # binary/categorical actionable nodes, topological order
    switch_nodes: np.ndarray      # their node indices (int64)
    switch_codes: List[np.ndarray]  # per node: its levels' codes (levels × width)
    switch_weights: np.ndarray
    factual_switch_levels: np.ndarray  # rows × |switchable|: each row's own level
    slices: Dict[int, slice]      # node index -> its encoded columns

    def logits(self, x: np.ndarray) -> np.ndarray:
        return _models.logits(self.clf._handle, x)

    def score(self, logits: np.ndarray) -> np.ndarray:
        """Signed distance past the threshold: positive means the target decision."""
        signed: np.ndarray = self.sign * (logits - self.logit_threshold)
        return signed

    def has_target(self, x: np.ndarray, logits: np.ndarray) -> np.ndarray:
        """The classifier's own decision rule (σ(g) > threshold), and inputs in range."""
        positive = _probability(logits) > self.clf.threshold_
        within = np.abs(x).max(axis=1) <= self.input_limit
        target: np.ndarray = (positive == self.want_positive) & within
        return target

    def rows(self, positions: np.ndarray) -> "_Rows":
        """The rows at ``positions`` of :attr:`x` (repeats allowed), their noise abducted
        once for the whole search (:func:`_abducted`)."""
        latent, abducted = _abducted(self.scm._handle, self.x, positions)
        return _Rows(positions, latent, abducted)

    def evaluate(self, rows: "_Rows", subset: Sequence[int], a: np.ndarray, switch: "_Switch" = ((), ())
                 ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Counterfactuals of ``rows`` under do(V_I := v_I + a) (I = ``subset``, positions
        in the continuous actionable list) and the ``switch`` (do(V_d := ℓ_d)); which rows
        the engine could evaluate (an action beyond :data:`LARGEST_ACTION`, or noise or
        effects that overflow, is not: such a row is left factual, with its own logit and
        the gradient 0); the classifier's logits at the counterfactuals; and ∂score/∂a
        (rows × |I|).

        One engine pass from the rows' noise (``cf_scm_intervention_gradient``), abducted
        at their own positions, so a Gumbel-max node's draw is the one
        ``scm.counterfactual(X, do=...)`` takes for that row, whichever rows are searched
        together; the gradient is the hard intervention's derivative, the model's input
        gradient pulled back through the recomputed descendants (through a Gumbel-max
        descendant, its straight-through surrogate)."""
        ok = rows.abducted & np.isfinite(a).all(axis=1) & (np.abs(a).max(axis=1, initial=0.0) <= LARGEST_ACTION)
        a = np.where(ok[:, None], a, 0.0)
        factual = self.x[rows.positions]
        nodes, values = self._interventions(factual, subset, a, switch)
        if not len(nodes):
            return factual.copy(), ok, self.logits(factual), np.zeros((factual.shape[0], 0))
        out, logits, gradient = factual.copy(), np.empty(factual.shape[0]), np.zeros_like(factual)
        evaluated = np.flatnonzero(rows.abducted)
        done = _evaluate_at(self.scm._handle, self.clf._handle, rows.latent[evaluated], nodes, values[evaluated],
                            (out, logits, gradient), evaluated)
        failed = np.ones(factual.shape[0], dtype=bool)
        failed[evaluated[done]] = False
        ok &= ~failed
        if failed.any():
            logits[failed] = self.logits(factual[failed])
        return out, ok, logits, self.sign * gradient[:, self.columns[list(subset)]]

    def probe(self, x: np.ndarray, subset: Sequence[int], a: np.ndarray, switch: "_Switch") -> np.ndarray:
        """Counterfactuals of the rows ``x`` as one batch (positions 0, 1, ...): for the
        slopes of ``exact``, whose SCM is linear (no posterior draws)."""
        nodes, values = self._interventions(x, subset, a, switch)
        return _handles.counterfactual(self.scm._handle, np.ascontiguousarray(x), nodes, values) if len(nodes) \
            else x.copy()

    def _interventions(self, x: np.ndarray, subset: Sequence[int], a: np.ndarray,
                       switch: "_Switch") -> Tuple[np.ndarray, np.ndarray]:
        """The do-nodes (continuous ones first) and their encoded values per row of ``x``."""
        positions, levels = switch
        nodes = np.concatenate([self.nodes[list(subset)], self.switch_nodes[list(positions)]]).astype(np.int64)
        codes = [np.repeat(self.switch_codes[d][level][None, :], x.shape[0], axis=0)
                 for d, level in zip(positions, levels)]
        return nodes, np.ascontiguousarray(np.hstack([x[:, self.columns[list(subset)]] + a, *codes]))

    def cost(self, subset: Sequence[int], a: np.ndarray) -> np.ndarray:
        norms: np.ndarray = np.sqrt(((self.weights[list(subset)] * a) ** 2).sum(axis=1))
        return norms


#: A switch: positions in the switchable list and the level each is set to.
_Switch = Tuple[Tuple[int, ...], Tuple[int, ...]]


@dataclass
class _Rows:
    """Rows of the table being searched: their positions (which label their posterior
    draws), their abducted noise, and whether it could be abducted."""

    positions: np.ndarray
    latent: np.ndarray
    abducted: np.ndarray


def _abducted(handle: Any, table: np.ndarray, positions: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """The noise of ``table``'s rows at ``positions``, each abducted with the posterior
    streams of its own position (``cf_scm_abduct_at``), and which rows could be; a row
    the engine refuses (its noise overflows) is isolated by halving and left at 0."""
    if not positions.size:
        return np.zeros((0, table.shape[1])), np.zeros(0, dtype=bool)
    try:
        return _handles.abduct_at(handle, table[positions], positions), np.ones(positions.size, dtype=bool)
    except ValueError:
        if positions.size == 1:
            return np.zeros((1, table.shape[1])), np.zeros(1, dtype=bool)
        half = positions.size // 2
        (first, first_ok), (second, second_ok) = (_abducted(handle, table, positions[:half]),
                                                  _abducted(handle, table, positions[half:]))
        return np.vstack([first, second]), np.concatenate([first_ok, second_ok])


def _evaluate_at(handle: Any, model: Any, latent: np.ndarray, nodes: np.ndarray, values: np.ndarray,
                 outputs: Tuple[np.ndarray, np.ndarray, np.ndarray], into: np.ndarray) -> np.ndarray:
    """The engine's counterfactuals, logits and gradient from the rows' noise ``latent``
    under do(``nodes`` := ``values``), written to ``outputs[k][into]``; returns which rows
    succeeded. Rows whose counterfactual overflows (the engine refuses the call) are
    isolated by halving and left as they are."""
    counterfactuals, logits, gradient = outputs
    if not into.size:
        return np.zeros(0, dtype=bool)
    try:
        counterfactuals[into], logits[into], gradient[into] = _handles.intervention_gradient(
            handle, model, latent, nodes, values, _threads.get_threads())
    except ValueError:
        if into.size == 1:
            return np.zeros(1, dtype=bool)
        half = into.size // 2
        return np.concatenate([_evaluate_at(handle, model, latent[:half], nodes, values[:half], outputs, into[:half]),
                               _evaluate_at(handle, model, latent[half:], nodes, values[half:], outputs, into[half:])])
    return np.ones(into.size, dtype=bool)


# ---------------------------------------------------------------------- checks


def _check_problem(clf: Any, scm: Any, X: Any, actionable: Any, cost_weights: Any, bounds: Any,
                   target: Any) -> _Problem:
    """The arguments of :func:`recourse` checked (each error names its argument) and
    turned into the encoded problem."""
    if not isinstance(clf, FairRobustClassifier):
        raise TypeError(f"clf: expected a fitted causalfair.FairRobustClassifier, got {type(clf).__name__}")
    clf._check_fitted()
    if clf.scm_ is None:
        raise ValueError("clf: recourse needs a classifier trained with an SCM (FairRobustClassifier(scm=...)); "
                         "this one has none")
    if scm is None:
        scm = clf.scm_
    if not hasattr(scm, "schema_") or not hasattr(scm, "counterfactual"):
        raise TypeError(f"scm: expected a fitted causalfair.SCM or None, got {type(scm).__name__}")
    scm._check_fitted()
    if scm is not clf.scm_ and scm.schema_.to_dict() != clf.scm_.schema_.to_dict():
        raise ValueError("scm: its schema (nodes, encodings, scaling) differs from the one the classifier was "
                         "trained on (clf.scm_); pass scm=None to use clf.scm_")
    x, index = scm._data(X, "X", levels=True)
    if x.shape[0] == 0:
        raise ValueError("X: expected at least one row")
    if index is None:
        index = pd.RangeIndex(x.shape[0])
    clf._check_encoded_rows(x)
    schema = scm.schema_
    names = check_node_list(actionable, "actionable", scm.nodes_)
    if not names:
        raise ValueError("actionable: expected at least one actionable node")
    for kind, refused in (("sensitive", [n for n in names if schema.by_name[n].sensitive]),
                          ("immutable", [n for n in names if schema.by_name[n].immutable])):
        if refused:
            raise ValueError(f"actionable: {refused} are {kind}; {kind} nodes are never actionable")
    coded_actions = [n for n in names if schema.by_name[n].kind != "continuous" and schema.by_name[n].parents
                     and schema.by_name[n].discrete == "anm"]
    if coded_actions:
        raise ValueError(f"actionable: {coded_actions} are binary or categorical nodes modelled as continuous codes "
                         "(discrete='anm'): a switch of level has no noise consistent with it; fit the SCM with "
                         "discrete='gumbel'")
    coded = schema.continuous_codes(names)
    if coded:
        raise ValueError(f"actionable: {coded} are binary or categorical descendants of the actionable nodes, "
                         "modelled as continuous codes (discrete='anm'): a proposal would be decided on "
                         "fractional codes no individual has, and would not hold when fed back; fit the SCM "
                         "with discrete='gumbel', or choose actionable nodes without such descendants")
    if len(names) > MAX_ACTIONABLE:
        raise ValueError(f"actionable: expected at most {MAX_ACTIONABLE} nodes (the intervention sets searched "
                         f"grow as 2^|A|), got {len(names)}")
    every = sorted(names, key=schema.index.__getitem__)
    _checked_keys(cost_weights, "cost_weights", every)
    switchable = [n for n in every if schema.by_name[n].kind != "continuous"]
    names = [n for n in every if n not in switchable]
    switches = math.prod(len(schema.by_name[n].labels) for n in switchable)
    if switches > MAX_SWITCHES:
        raise ValueError(f"actionable: the binary and categorical nodes {switchable} have {switches} combinations "
                         f"of levels; at most {MAX_SWITCHES} are searched")
    weights = np.array([_checked_weight(cost_weights, n) for n in names])
    scales = np.array([schema.by_name[n].std for n in names])
    _checked_keys(bounds, "bounds", every)
    bounded = [n for n in switchable if bounds and n in bounds]
    if bounded:
        raise ValueError(f"bounds: {bounded} are binary or categorical: their actions are levels, not amounts "
                         "(leave them out of bounds)")
    box = np.array([_checked_bound(bounds, n) for n in names]).reshape(len(names), 2)
    if target not in list(clf.classes_):
        raise ValueError(f"target: expected one of the classifier's classes {list(clf.classes_)}, got {target!r}")
    want_positive = bool(target == clf.classes_[1])
    return _Problem(scm=scm, clf=clf, x=x, index=index, actionable=names,
                    nodes=np.array([schema.index[n] for n in names], dtype=np.int64),
                    columns=np.array([schema.slices[n].start for n in names], dtype=np.int64),
                    scales=scales, weights=weights, lower=box[:, 0] / scales, upper=box[:, 1] / scales,
                    sign=1.0 if want_positive else -1.0, logit_threshold=_logit_threshold(float(clf.threshold_)),
                    want_positive=want_positive, input_limit=_models.input_limit(clf._handle),
                    switchable=switchable,
                    switch_nodes=np.array([schema.index[n] for n in switchable], dtype=np.int64),
                    switch_codes=[_level_codes(schema.by_name[n]) for n in switchable],
                    switch_weights=np.array([_checked_weight(cost_weights, n) for n in switchable]),
                    slices={schema.index[n.name]: schema.slices[n.name] for n in schema.nodes},
                    factual_switch_levels=np.column_stack(
                        [_levels_of(schema.by_name[n], x[:, schema.slices[n]]) for n in switchable])
                    if switchable else np.zeros((x.shape[0], 0), dtype=np.int64))


def _level_codes(node: Any) -> np.ndarray:
    """The encoded block of each of a discrete node's levels (levels × width)."""
    if node.kind == "binary":
        return np.array([[0.0], [1.0]])
    return np.eye(len(node.labels))


def _levels_of(node: Any, block: np.ndarray) -> np.ndarray:
    """Each row's level of a discrete node from its encoded block."""
    return (block[:, 0] >= 0.5).astype(np.int64) if node.kind == "binary" else np.argmax(block, axis=1)


def _checked_keys(mapping: Any, name: str, actionable: Sequence[str]) -> None:
    """``mapping`` is None or a dict whose keys are actionable nodes."""
    if mapping is None:
        return
    if not isinstance(mapping, Mapping):
        raise TypeError(f"{name}: expected a dict node -> value, got {type(mapping).__name__}")
    unknown = [k for k in mapping if k not in actionable]
    if unknown:
        raise ValueError(f"{name}: {unknown} are not actionable nodes (actionable: {list(actionable)})")


def _checked_weight(weights: Optional[Mapping[str, Any]], node: str) -> float:
    if weights is None or node not in weights:
        return 1.0
    value = weights[node]
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"cost_weights[{node!r}]: expected a positive number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"cost_weights[{node!r}]: expected a positive finite number, got {value!r}")
    return float(value)


def _checked_bound(bounds: Optional[Mapping[str, Any]], node: str) -> Tuple[float, float]:
    """(low, high) on the amount added to ``node``, user units, low <= 0 <= high."""
    if bounds is None or node not in bounds:
        return (-math.inf, math.inf)
    value = bounds[node]
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        raise TypeError(f"bounds[{node!r}]: expected a pair (low, high) of numbers or None, got {value!r}")
    out = []
    for side, default, item in (("low", -math.inf, value[0]), ("high", math.inf, value[1])):
        if item is None:
            out.append(default)
            continue
        if isinstance(item, bool) or not isinstance(item, (int, float, np.integer, np.floating)):
            raise TypeError(f"bounds[{node!r}]: expected numbers or None, got {side}={item!r}")
        if math.isnan(item):
            raise ValueError(f"bounds[{node!r}]: {side} is NaN")
        out.append(float(item))
    if not out[0] <= 0 <= out[1]:
        raise ValueError(f"bounds[{node!r}]: expected low <= 0 <= high (bounds on the amount added, so that no "
                         f"action is always allowed), got ({value[0]!r}, {value[1]!r})")
    return out[0], out[1]


def _chosen_method(method: str, problem: _Problem) -> str:
    """``exact`` where it applies (logistic model, linear SCM) for ``auto``, else ``attack``."""
    linear = problem.clf._is_affine() and problem.scm._is_affine()
    if method == "exact" and not linear:
        raise ValueError("method='exact' needs a logistic classifier (no hidden layer) and an SCM whose "
                         "mechanisms are all linear; use method='attack'")
    return method if method != "auto" else ("exact" if linear else "attack")


# ---------------------------------------------------------------------- search


def _candidate_sets(problem: _Problem, switched: Sequence[str] = ()) -> List[Tuple[int, ...]]:
    """Sets I of continuous actionable positions such that every left-out one has an
    ancestor in I or among the ``switched`` nodes (the others are never cheaper; module
    docstring); the empty set only with a switch."""
    schema = problem.scm.schema_
    ancestors: Dict[str, Set[str]] = {}
    for node in schema.nodes:  # topological order
        ancestors[node.name] = set(node.parents).union(*(ancestors[p] for p in node.parents))
    names = problem.actionable
    sets = []
    for size in range(0 if switched else 1, len(names) + 1):
        for subset in itertools.combinations(range(len(names)), size):
            chosen = {names[i] for i in subset} | set(switched)
            if all(ancestors[names[j]] & chosen for j in range(len(names)) if j not in subset):
                sets.append(subset)
    return sets


def _switches(problem: _Problem) -> List[_Switch]:
    """Every switch: no switch first, then each non-empty set of switchable nodes with
    each combination of their levels."""
    found: List[_Switch] = [((), ())]
    count = len(problem.switchable)
    for size in range(1, count + 1):
        for positions in itertools.combinations(range(count), size):
            for levels in itertools.product(*(range(len(problem.switch_codes[d])) for d in positions)):
                found.append((positions, tuple(levels)))
    return found


def _switch_cost(problem: _Problem, switch: _Switch) -> float:
    return float(np.sqrt((problem.switch_weights[list(switch[0])] ** 2).sum()))


def _switches_rows(problem: _Problem, rows: np.ndarray, switch: _Switch) -> np.ndarray:
    """The rows (of ``rows``) for which ``switch`` changes every node it names."""
    positions, levels = switch
    own = problem.factual_switch_levels[np.ix_(rows, np.asarray(positions, dtype=np.intp))]
    changed: np.ndarray = rows[(own != np.asarray(levels, dtype=np.int64)).all(axis=1)]
    return changed


def _exact(problem: _Problem, positions: np.ndarray, sets: List[Tuple[int, ...]], switch: _Switch = ((), ())
           ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cheapest action per row (at ``positions`` of the table) over ``sets`` for a
    logistic model on a linear SCM: (cost, set number, amounts: rows × |A| with NaN off
    the set); cost inf if none."""
    x = problem.x[positions]
    rows = x.shape[0]
    best_cost = np.full(rows, np.inf)
    best_set = np.full(rows, -1)
    best_a = np.full((rows, len(problem.actionable)), np.nan)
    reference = x[:1]
    searched = problem.rows(positions)
    for number, subset in enumerate(sets):
        k = len(subset)
        # The margin at a = 0 (the switch alone), and the logit change per unit of each
        # a_i: exact, as the logit is linear in a_I.
        _, ok, logits, _ = problem.evaluate(searched, subset, np.zeros((rows, k)), switch)
        margin = MARGIN - problem.score(logits)
        steps = np.vstack([np.zeros((1, k)), np.eye(k)])
        probe = problem.probe(np.repeat(reference, k + 1, axis=0), subset, steps, switch)
        g = problem.score(problem.logits(probe))
        c = np.broadcast_to(g[1:] - g[0], (rows, k))
        a, feasible = cheapest_past_hyperplane(c, margin, problem.weights[list(subset)],
                                               problem.lower[list(subset)], problem.upper[list(subset)])
        cost = np.where(feasible & ok, problem.cost(subset, a), np.inf)
        better = cost < best_cost
        best_cost[better], best_set[better] = cost[better], number
        best_a[better] = np.nan
        best_a[np.ix_(better, np.asarray(subset, dtype=np.intp))] = a[better]
    return best_cost, best_set, best_a


def _attack(problem: _Problem, positions: np.ndarray, sets: List[Tuple[int, ...]], steps: int, restarts: int,
            seed: int, switch: _Switch = ((), ())) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cheapest verified action per row over ``sets`` by linearised steps from ``restarts``
    starts (module docstring); same outputs as :func:`_exact`."""
    rows = positions.size
    best_cost = np.full(rows, np.inf)
    best_set = np.full(rows, -1)
    best_a = np.full((rows, len(problem.actionable)), np.nan)
    rng = np.random.default_rng(seed)
    stacked = problem.rows(np.repeat(positions, restarts))  # row r's starts at r*restarts ... r*restarts + restarts - 1
    for number, subset in enumerate(sets):
        k = len(subset)
        lower, upper = problem.lower[list(subset)], problem.upper[list(subset)]
        weights = problem.weights[list(subset)]
        a = np.clip(rng.standard_normal((rows * restarts, k)), lower, upper)
        a[::restarts] = 0.0
        found_cost = np.full(rows * restarts, np.inf)
        found_a = np.zeros((rows * restarts, k))
        for step in range(steps + 1):
            cf, ok, logits, gradient = problem.evaluate(stacked, subset, a, switch)
            valid = ok & problem.has_target(cf, logits)
            cost = problem.cost(subset, a)
            better = valid & (cost < found_cost)
            found_cost[better], found_a[better] = cost[better], a[better]
            if step == steps or k == 0:
                break
            level = MARGIN - problem.score(logits) + (gradient * a).sum(axis=1)
            following, _ = cheapest_past_hyperplane(gradient, level, weights, lower, upper)
            # From a row the engine could not evaluate, or past the largest action, start over.
            usable = ok & (np.abs(following).max(axis=1) <= LARGEST_ACTION)
            following = np.where(usable[:, None], following, 0.0)
            if np.array_equal(following, a):
                break
            a = following
        per_row = found_cost.reshape(rows, restarts)
        start = per_row.argmin(axis=1)
        cost = per_row[np.arange(rows), start]
        chosen = found_a.reshape(rows, restarts, k)[np.arange(rows), start]
        better = cost < best_cost
        best_cost[better], best_set[better] = cost[better], number
        best_a[better] = np.nan
        best_a[np.ix_(better, subset)] = chosen[better]
    return best_cost, best_set, best_a


# ---------------------------------------------------------------------- public


def recourse(clf: Any, scm: Any, X: Any, *, actionable: Any, cost_weights: Optional[Mapping[str, float]] = None,
             bounds: Optional[Mapping[str, Tuple[Optional[float], Optional[float]]]] = None,
             method: str = "auto", target: Any = 1, steps: int = 20, restarts: int = 3,
             random_state: Any = None, n_threads: Optional[int] = None) -> RecourseResult:
    """Causal algorithmic recourse (Karimi, Schölkopf & Valera 2021) for every row.

    For each row whose decision is not ``target``, the cheapest action
    ``do(V_I := v_I + a_I)`` on actionable nodes ``I`` (with switches ``do(V_d := ℓ)``
    of discrete ones) whose counterfactual (the SCM propagates the action to every
    descendant, the row's abducted noise held fixed) the classifier gives ``target``;
    cost ``√(‖W a‖₂² + Σ_switched w_d²)`` in the SCM's standardized units (user units
    when the SCM does not standardize). See :mod:`causalfair.recourse`.

    Parameters
    ----------
    clf : FairRobustClassifier
        Fitted, with an SCM (its ``scm_``).
    scm : SCM or None
        The causal model the actions go through; None means ``clf.scm_``. Its schema
        must be the one ``clf`` was trained with.
    X : DataFrame or 2-D array
        The individuals: a DataFrame in user units, or the SCM's encoded matrix.
    actionable : str or list of str
        The nodes an individual may act on: neither sensitive nor immutable, at most
        :data:`MAX_ACTIONABLE`. A continuous node gets an amount; a binary or
        categorical one (a root, or a Gumbel-max node: ``discrete="gumbel"``) is
        switched to another of its levels (at most :data:`MAX_SWITCHES` combinations of
        levels).
    cost_weights : dict, optional
        Node -> positive weight ``W`` (default 1 for every actionable node); a switched
        node costs its weight.
    bounds : dict, optional
        Continuous node -> ``(low, high)`` on the amount added to it, user units,
        ``low <= 0 <= high``, ``None`` for no bound (``(0, None)``: may only increase).
    method : {"auto", "exact", "attack"}, default="auto"
        ``"exact"`` needs a logistic model and a linear SCM; ``"auto"`` uses it then,
        ``"attack"`` otherwise.
    target : label, default=1
        The decision sought, one of ``clf.classes_``.
    steps : int in [1, 1000], default=20
        Linearised steps per start (``attack``).
    restarts : int in [1, 100], default=3
        Starts per row and intervention set (``attack``): ``a = 0`` and standard
        normal draws clipped to the bounds.
    random_state : None, int or numpy.random.Generator
        Seeds the random starts; the same int gives the same result.
    n_threads : int >= 1 or None, default=None
        The engine's threads for the search (None: :func:`causalfair.get_threads`); the
        result does not depend on it.

    Returns
    -------
    RecourseResult

    Raises
    ------
    TypeError, ValueError
        Bad arguments, before any search: the message names the argument (e.g. a
        sensitive, immutable, continuous-code (``discrete="anm"``) or unknown node in
        ``actionable``; bounds on a discrete node).

    Examples
    --------
    >>> result = cf.recourse(clf, None, df.head(20), actionable=["x1"])  # doctest: +SKIP
    >>> result.to_frame()  # doctest: +SKIP
    """
    settings = check_parameters(_PARAMETERS, dict(method=method, steps=steps, restarts=restarts))
    with thread_limit(_threads.resolve(n_threads)):
        return _recourse(clf, scm, X, actionable, cost_weights, bounds, target, settings, random_state)


def _recourse(clf: Any, scm: Any, X: Any, actionable: Any, cost_weights: Any, bounds: Any, target: Any,
              settings: Dict[str, Any], random_state: Any) -> RecourseResult:
    """:func:`recourse` with checked settings, on the threads set for the call."""
    problem = _check_problem(clf, scm, X, actionable, cost_weights, bounds, target)
    chosen = _chosen_method(settings["method"], problem)
    seed = seed_from(random_state)
    x = problem.x
    needed = ~problem.has_target(x, problem.logits(x))
    rows = np.flatnonzero(needed)
    cost = np.where(needed, np.nan, 0.0)
    amounts = np.full((x.shape[0], len(problem.actionable)), np.nan)
    levels = np.full((x.shape[0], len(problem.switchable)), -1, dtype=np.int64)
    counterfactuals = x.copy()
    found = ~needed
    for switch in _switches(problem) if rows.size else []:
        eligible = _switches_rows(problem, rows, switch)
        switched = [problem.switchable[d] for d in switch[0]]
        sets = _candidate_sets(problem, switched)
        if not eligible.size or not sets:
            continue
        # A margin near the largest float (a threshold of 0 or 1) makes actions
        # overflow: they exceed LARGEST_ACTION and are refused, so the overflow is benign.
        with np.errstate(over="ignore"):
            if chosen == "exact":
                best_cost, best_set, best_a = _exact(problem, eligible, sets, switch)
            else:
                best_cost, best_set, best_a = _attack(problem, eligible, sets, settings["steps"],
                                                       settings["restarts"], seed, switch)
        total = np.sqrt(best_cost ** 2 + _switch_cost(problem, switch) ** 2)
        for number in np.unique(best_set[best_set >= 0]):
            subset = sets[number]
            members = np.flatnonzero((best_set == number) & ~(total >= np.nan_to_num(cost[eligible], nan=np.inf)))
            if not members.size:
                continue
            cf, ok, logits, _ = problem.evaluate(problem.rows(eligible[members]), subset,
                                                 best_a[np.ix_(members, subset)], switch)
            ok &= problem.has_target(cf, logits)
            target_rows = eligible[members[ok]]
            counterfactuals[target_rows] = cf[ok]
            found[target_rows] = True
            cost[target_rows] = total[members[ok]]
            amounts[target_rows] = best_a[members[ok]] * problem.scales
            levels[target_rows] = -1
            levels[np.ix_(target_rows, list(switch[0]))] = switch[1]
    return _result(problem, needed, found, cost, amounts, levels, counterfactuals, chosen)


def _result(problem: _Problem, needed: np.ndarray, found: np.ndarray, cost: np.ndarray, amounts: np.ndarray,
            levels: np.ndarray, counterfactuals: np.ndarray, method: str) -> RecourseResult:
    scm, index = problem.scm, problem.index
    actions = pd.DataFrame(amounts, index=index, columns=list(problem.actionable))
    for d, name in enumerate(problem.switchable):
        node = scm.schema_.by_name[name]
        switched = levels[:, d] >= 0
        labels = node.labels_from_codes(np.where(switched, levels[:, d], 0), index).astype(object)
        actions[name] = labels.where(switched, np.nan)
    every = [n for n in scm.nodes_ if n in problem.actionable or n in problem.switchable]
    prediction = problem.clf.classes_[(_probability(problem.logits(counterfactuals))
                                       > problem.clf.threshold_).astype(int)]
    labels = np.empty(len(scm._twin_labels), dtype=object)
    labels[:] = scm._twin_labels
    group_name = scm.twin_levels_.columns[0] if scm.twin_levels_.shape[1] == 1 else tuple(scm.twin_levels_.columns)
    return RecourseResult(
        needed=pd.Series(needed, index=index, name="needed"),
        found=pd.Series(found, index=index, name="found"),
        cost=pd.Series(cost, index=index, name="cost"),
        actions=actions[every],
        counterfactuals=scm._result(counterfactuals, index, encoded=False),
        prediction=pd.Series(prediction, index=index, name="prediction"),
        group=pd.Series(labels[scm.factual_levels(problem.x)], index=index, name=group_name),
        method=method)


# ---------------------------------------------------------------------- fairness of recourse


def recourse_fairness(clf: Any, scm: Any, X: Any, *, actionable: Any, **options: Any) -> pd.DataFrame:
    """Fairness of recourse (von Kügelgen et al. 2022) over the counterfactual twins.

    Recourse is computed for every twin of every row (:func:`recourse`, same
    arguments). Indicators, in the table layout of
    :meth:`causalfair.AuditReport.to_frame`:

    ``recourse_gap``
        Mean over rows whose twins all have recourse of the individual recourse gap,
        max − min of the twins' costs (a twin that needs none costs 0); 0 for a model
        whose decision ignores S and its descendants. 95% normal interval.
    ``recourse_twins_disagree``
        Share of rows where some twin has recourse and another has none (95% Wilson
        interval).
    ``recourse_cost[<level>]``
        Mean cost over the rows of that sensitive level (the factual twin) that
        needed and found recourse, 95% normal interval.
    ``recourse_group_gap``
        Highest minus lowest of those group means, with the normal interval of the
        difference of the two groups' means.

    Returns
    -------
    pandas.DataFrame
        Index ``metric``; columns value, ci_low, ci_high, method, n, count.

    Examples
    --------
    >>> cf.recourse_fairness(clf, None, X_test, actionable=["x1"])  # doctest: +SKIP
    """
    if scm is None:
        scm = getattr(clf, "scm_", None)
    if scm is None or not hasattr(scm, "twins"):
        raise ValueError("scm: fairness of recourse needs a fitted causalfair.SCM (or a classifier with one)")
    encoded = scm._data(X, "X", levels=True)[0]
    levels = len(scm._twin_labels)
    result = recourse(clf, scm, scm.twins(encoded), actionable=actionable, **options)
    cost = result.cost.to_numpy().reshape(-1, levels)
    found = result.found.to_numpy().reshape(-1, levels)
    needed = result.needed.to_numpy().reshape(-1, levels)
    rows: Dict[str, Dict[str, Any]] = {}
    complete = found.all(axis=1)
    gaps = cost[complete].max(axis=1) - cost[complete].min(axis=1)
    rows["recourse_gap"] = _mean_row(gaps, result.method)
    disagree = _scores.proportion(found.any(axis=1) & ~complete)
    rows["recourse_twins_disagree"] = {"value": disagree.value, "ci_low": disagree.ci_low,
                                       "ci_high": disagree.ci_high, "method": result.method, "n": disagree.n,
                                       "count": disagree.count}
    own = scm.factual_levels(encoded)
    at_own = np.arange(own.size)
    group_costs = {}
    for level, label in enumerate(scm._twin_labels):
        mine = (own == level) & needed[at_own, own] & found[at_own, own]
        group_costs[label] = cost[at_own, own][mine]
        rows[f"recourse_cost[{label}]"] = _mean_row(group_costs[label], result.method)
    means = {label: values.mean() for label, values in group_costs.items() if values.size}
    if len(means) >= 2:
        high, low = max(means, key=lambda label: means[label]), min(means, key=lambda label: means[label])
        spread = math.sqrt(sum(_standard_error(group_costs[label]) ** 2 for label in (high, low)))
        value = means[high] - means[low]
        rows["recourse_group_gap"] = {"value": value, "ci_low": value - 1.96 * spread,
                                      "ci_high": value + 1.96 * spread, "method": result.method,
                                      "n": int(group_costs[high].size + group_costs[low].size), "count": None}
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["value", "ci_low", "ci_high", "method", "n",
                                                                  "count"])
    frame[["n", "count"]] = frame[["n", "count"]].astype("Int64")
    frame.index.name = "metric"
    return frame


#: The keys of ``audit(recourse=...)``: :func:`recourse`'s keyword arguments.
OPTIONS = ("actionable", "cost_weights", "bounds", "method", "target", "steps", "restarts", "random_state")


def check_options(clf: Any, scm: Any, X: Any, options: Any) -> Dict[str, Any]:
    """``options`` (``audit(recourse=...)``) checked as :func:`recourse` checks its
    arguments, without any search: a dict of :data:`OPTIONS` with ``actionable``."""
    if not isinstance(options, Mapping):
        raise TypeError(f"recourse: expected a dict of cf.recourse arguments (at least actionable=...), got "
                        f"{type(options).__name__}")
    unknown = [k for k in options if k not in OPTIONS]
    if unknown or "actionable" not in options:
        raise ValueError(f"recourse: expected the keys {list(OPTIONS)} with 'actionable' among them, got "
                         f"{list(options)}")
    given = dict(options)
    settings = check_parameters(_PARAMETERS, {k: given.get(k, default) for k, default in
                                              (("method", "auto"), ("steps", 20), ("restarts", 3))})
    problem = _check_problem(clf, scm, X, given["actionable"], given.get("cost_weights"), given.get("bounds"),
                             given.get("target", 1))
    _chosen_method(settings["method"], problem)
    seed_from(given.get("random_state"))
    return given


def _standard_error(values: np.ndarray) -> float:
    return float(values.std(ddof=1)) / math.sqrt(values.size) if values.size > 1 else math.nan


def _mean_row(values: np.ndarray, method: str) -> Dict[str, Any]:
    """A table row for a mean with its 95% normal interval (NaN with fewer than 2 values)."""
    mean = float(values.mean()) if values.size else math.nan
    half = 1.96 * _standard_error(values)
    return {"value": mean, "ci_low": mean - half, "ci_high": mean + half, "method": method,
            "n": int(values.size), "count": None}
