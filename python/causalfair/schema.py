"""The schema of an SCM: node kinds, encodings, scaling, and the engine's spec.

The engine sees only a float64 matrix. The schema maps a DataFrame to that matrix and
back:

* **continuous** node -> 1 column; standardized ``(x - mean) / std`` when the SCM
  standardizes, with the *population* standard deviation (``ddof=0``); otherwise
  ``mean = 0, std = 1``. Decoding multiplies back.
* **binary** node -> 1 column coded 0/1: code 0 is the first of its two labels, code 1
  the second (labels sorted, or in pandas category order, ``[False, True]`` for
  bools). Decoding thresholds the code at 0.5 (``>= 0.5`` -> second label).
* **categorical** node with K observed labels -> K one-hot columns named
  ``"node=label"`` (labels sorted, or in pandas category order). Decoding takes the
  argmax of the K columns (the first on ties).

Non-root binary and categorical nodes have additive noise on their code
("paper-compatible" mode), so the codes of their counterfactuals can be fractional;
the threshold and argmax above are how such codes are shown in the user's labels.
Pass ``encoded=True`` to the SCM's methods to see the codes themselves.

Nodes are kept in a topological order, which is also the order of the encoded columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from . import _contract
from .distributions import Bernoulli, Distribution, as_distribution
from .graph import Graph
from .mechanisms import ExpressionMechanism, LinearMechanism, Mechanism, MLPMechanism, as_mechanism
from .validation import mean_and_std

__all__ = ["KINDS", "NodeSchema", "Schema", "infer_kind"]

#: The node kinds, as the engine names them (``CF_NODE_*``).
KINDS = tuple(_contract.CODES["node_kind"])
#: How binary and categorical nodes with parents are modelled: Gumbel-max (the default)
#: or additive noise on their codes (the published protocol).
DISCRETE_MODES = ("gumbel", "anm")


def infer_kind(column: pd.Series) -> str:
    """Kind of a column from its dtype and values.

    bool, or exactly two distinct values -> ``"binary"``; category, object or string
    -> ``"categorical"``; any other numeric dtype -> ``"continuous"``.

    Examples
    --------
    >>> infer_kind(pd.Series([0, 1, 1]))
    'binary'
    >>> infer_kind(pd.Series(["a", "b", "c"]))
    'categorical'
    >>> infer_kind(pd.Series([0.5, 1.5, 2.5]))
    'continuous'
    """
    if ptypes.is_bool_dtype(column.dtype):
        return "binary"
    if column.nunique(dropna=True) == 2:
        return "binary"
    if (isinstance(column.dtype, pd.CategoricalDtype) or ptypes.is_object_dtype(column.dtype)
            or ptypes.is_string_dtype(column.dtype)):
        return "categorical"
    if ptypes.is_numeric_dtype(column.dtype):
        return "continuous"
    raise TypeError(f"X: column {column.name!r} has dtype {column.dtype}, which is "
                    "neither numeric, bool, category nor string; give its kind in `kinds` "
                    "after converting it")


def _python_scalar(value: Any) -> Any:
    """numpy scalars -> Python scalars (JSON-friendly, and equal to the original)."""
    return value.item() if isinstance(value, np.generic) else value


def _sorted_labels(values: Sequence[Any]) -> List[Any]:
    try:
        return sorted(values)
    except TypeError:  # mixed types: a stable, documented order all the same
        return sorted(values, key=lambda v: (type(v).__name__, str(v)))


def _value_dtype(column: pd.Series) -> str:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return "category"
    if ptypes.is_bool_dtype(column.dtype):
        return "bool"
    if ptypes.is_integer_dtype(column.dtype):
        return "int64"
    if ptypes.is_float_dtype(column.dtype):
        return "float64"
    return "object"


def _integral(values: np.ndarray) -> bool:
    """Every value is an integer up to round-off: within 1e-9 · max(1, |v|) of one,
    and below 2⁵³ in magnitude (where doubles still hold every integer)."""
    magnitude = np.abs(values)
    return bool((magnitude < 2.0 ** 53).all()
                and (np.abs(values - np.round(values)) <= 1e-9 * np.maximum(1.0, magnitude)).all())


@dataclass
class NodeSchema:
    """One node: its kind, its encoded columns and how to map values to them."""

    name: str
    kind: str
    parents: List[str]
    labels: List[Any] = field(default_factory=list)
    mean: float = 0.0
    std: float = 1.0
    value_dtype: str = "float64"
    sensitive: bool = False
    immutable: bool = False
    mechanism: Optional[Mechanism] = None  # None for roots
    noise: Optional[Distribution] = None  # None: empirical
    discrete: str = "gumbel"  # binary/categorical non-root nodes: "anm" or "gumbel" (Gumbel-max)

    @property
    def width(self) -> int:
        """Number of encoded columns."""
        return len(self.labels) if self.kind == "categorical" else 1

    @property
    def columns(self) -> List[str]:
        """Encoded column names: the node's name, or ``"node=label"`` per level."""
        if self.kind == "categorical":
            return [f"{self.name}={label}" for label in self.labels]
        return [self.name]

    @property
    def is_root(self) -> bool:
        return not self.parents

    # ------------------------------------------------------------------ encoding
    def codes(self, values: pd.Series, name: str) -> np.ndarray:
        """Label index of each value (binary/categorical); unseen labels are errors."""
        if values.isna().any():
            raise ValueError(f"{name}: column {self.name!r} has missing values (NaN/None)")
        if values.dtype.kind == "f":
            values = values.astype(np.float64)  # pandas has no float16 index
        codes: np.ndarray = pd.Index(self.labels).get_indexer(np.asarray(values, dtype=object)
                                                  if values.dtype == object else values)
        if (codes < 0).any():
            unseen = _python_scalar(values.iloc[int(np.argmax(codes < 0))])
            raise ValueError(f"{name}: column {self.name!r} holds the label {unseen!r}, "
                             f"which was not seen when fitting (labels: {self.labels})")
        return codes

    def encode(self, values: pd.Series, name: str) -> np.ndarray:
        """Encoded block (rows x width) of a column in user units."""
        if self.kind == "continuous":
            if not (ptypes.is_numeric_dtype(values.dtype) or ptypes.is_bool_dtype(values.dtype)):
                raise TypeError(f"{name}: column {self.name!r} is continuous and must be "
                                f"numeric, got dtype {values.dtype}")
            x = values.to_numpy(dtype=np.float64, na_value=np.nan)
            if not np.isfinite(x).all():
                raise ValueError(f"{name}: column {self.name!r} has NaN or inf values")
            with np.errstate(over="ignore"):
                z = (x - self.mean) / self.std
            if not np.isfinite(z).all():
                raise ValueError(f"{name}: column {self.name!r} has values too large for the standardization "
                                 f"fitted on the training data (mean {self.mean:.3g}, std {self.std:.3g}): "
                                 "they overflow")
            return z.reshape(-1, 1)
        codes = self.codes(values, name)
        if self.kind == "binary":
            return codes.astype(np.float64).reshape(-1, 1)
        block = np.zeros((len(codes), self.width))
        block[np.arange(len(codes)), codes] = 1.0
        return block

    def decode(self, block: np.ndarray, index: pd.Index) -> pd.Series:
        """User-unit column from an encoded block (threshold / argmax for codes).

        A continuous node fitted on an integer column comes back as integers
        (``int64``) when every value is integral up to the standardization's
        round-off — within 1e-9 · max(1, |v|) of an integer, and below 2⁵³ in
        magnitude — and as floats otherwise (e.g. a counterfactual age of 38.7)."""
        if self.kind == "continuous":
            with np.errstate(over="ignore"):
                values = block[:, 0] * self.std + self.mean
            if not np.isfinite(values).all():
                raise ValueError(f"column {self.name!r}: encoded values up to {np.abs(block[:, 0]).max():.3g} "
                                 f"overflow when mapped back to the data's units (std {self.std:.3g})")
            if self.value_dtype == "int64" and _integral(values):
                return pd.Series(np.round(values).astype(np.int64), index=index, name=self.name)
            return pd.Series(values, index=index, name=self.name)
        if self.kind == "binary":
            codes = (block[:, 0] >= 0.5).astype(np.intp)
        else:
            codes = np.argmax(block, axis=1)
        return self.labels_from_codes(codes, index)

    def labels_from_codes(self, codes: np.ndarray, index: Optional[pd.Index] = None) -> pd.Series:
        labels = np.asarray(self.labels)
        if labels.dtype.kind not in "biuf":
            labels = np.array(self.labels, dtype=object)
        values = labels[codes]
        if self.value_dtype == "category":
            return pd.Series(pd.Categorical(values, categories=self.labels), index=index,
                             name=self.name)
        series = pd.Series(values, index=index, name=self.name)
        if self.value_dtype in ("bool", "int64", "float64") and labels.dtype.kind in "biuf":
            series = series.astype(np.dtype(self.value_dtype))
        return series

    # ------------------------------------------------------------------ engine spec
    def spec(self, index: Mapping[str, int]) -> Dict[str, Any]:
        """The node's ``cf_node_spec`` (causalfair.h) as a dict of its fields, codes
        by their engine names; ``index`` maps node names to their positions."""
        spec: Dict[str, Any] = {
            "kind": self.kind, "width": self.width, "parents": [index[p] for p in self.parents],
            "sensitive": bool(self.sensitive), "immutable": bool(self.immutable), "mechanism": "root", "ridge": 0.0,
            "hidden": [], "epochs": 0, "batch_size": 0, "learning_rate": 0.0,
            "program": [], "outer": "identity", "offset": 0.0, "scale": 1.0,
            "noise": "empirical", "noise_loc": 0.0, "noise_scale": 0.0, "noise_shape": 0.0, "noise_p": 0.0,
            "discrete": self.discrete,
        }
        mechanism = None if self.is_root else self.mechanism
        if isinstance(mechanism, LinearMechanism):
            spec.update(mechanism="linear", ridge=mechanism.ridge)
        elif isinstance(mechanism, MLPMechanism):
            spec.update(mechanism="mlp", hidden=list(mechanism.hidden_layer_sizes), epochs=mechanism.epochs,
                        batch_size=mechanism.batch_size, learning_rate=mechanism.learning_rate)
        elif isinstance(mechanism, ExpressionMechanism):
            spec.update(mechanism="expression", program=mechanism.program(self.parents), outer=mechanism.outer,
                        offset=mechanism.offset, scale=mechanism.scale)
        if self.noise is not None:
            # Roots: the law of the node itself, so the mean shifts it too.
            spec.update(noise=self.noise.engine_name,
                        **self.noise.engine_params(self.mean if self.is_root else 0.0, self.std))
        return spec

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> Dict[str, Any]:
        return {
            "name": self.name, "kind": self.kind, "parents": list(self.parents),
            "labels": [_python_scalar(v) for v in self.labels],
            "mean": float(self.mean), "std": float(self.std),
            "value_dtype": self.value_dtype, "sensitive": self.sensitive,
            "immutable": self.immutable,
            "mechanism": None if self.mechanism is None else self.mechanism.to_dict(),
            "noise": None if self.noise is None else self.noise.to_dict(),
            "discrete": self.discrete,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "NodeSchema":
        return cls(
            name=d["name"], kind=d["kind"], parents=list(d["parents"]),
            labels=list(d["labels"]), mean=float(d["mean"]), std=float(d["std"]),
            value_dtype=d["value_dtype"], sensitive=bool(d["sensitive"]),
            immutable=bool(d["immutable"]),
            mechanism=None if d["mechanism"] is None else as_mechanism(d["mechanism"]),
            noise=None if d["noise"] is None else as_distribution(d["noise"]),
            discrete=str(d.get("discrete", "anm")),
        )


class Schema:
    """Ordered nodes (topological) with their encodings; the engine's column layout.

    Parameters
    ----------
    nodes : list of NodeSchema
        In topological order.
    """

    def __init__(self, nodes: Sequence[NodeSchema]):
        self.nodes: List[NodeSchema] = list(nodes)
        self.index: Dict[str, int] = {n.name: i for i, n in enumerate(self.nodes)}
        self.by_name: Dict[str, NodeSchema] = {n.name: n for n in self.nodes}
        self.slices: Dict[str, slice] = {}
        start = 0
        for n in self.nodes:
            self.slices[n.name] = slice(start, start + n.width)
            start += n.width
        self.n_columns = start

    @property
    def names(self) -> List[str]:
        return [n.name for n in self.nodes]

    @property
    def columns(self) -> List[str]:
        return [c for n in self.nodes for c in n.columns]

    @property
    def sensitive(self) -> List[NodeSchema]:
        return [n for n in self.nodes if n.sensitive]

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, graph: Graph, frame: pd.DataFrame, *, kinds: Mapping[str, str],
              sensitive: Sequence[str], immutable: Sequence[str],
              mechanisms: Mapping[str, Mechanism], noise: Mapping[str, Distribution],
              standardize: bool, discrete: str = "gumbel", weights: Optional[np.ndarray] = None) -> "Schema":
        """Learn labels and scaling from ``frame`` (a DataFrame of the graph's nodes);
        with row ``weights`` (> 0), the weighted means and stds."""
        nodes = []
        for name in graph.order:
            column = frame[name]
            if name in sensitive and column.nunique(dropna=True) < 2:
                value = _python_scalar(column.iloc[0]) if len(column) else None
                raise ValueError(f"sensitive: node {name!r} is constant (every value is {value!r}); a sensitive "
                                 "node needs at least 2 observed levels")
            kind = kinds.get(name) or infer_kind(column)
            node = NodeSchema(name=name, kind=kind, parents=list(graph.parents[name]),
                              sensitive=name in sensitive, immutable=name in immutable,
                              value_dtype=_value_dtype(column),
                              mechanism=mechanisms.get(name) if graph.parents[name] else None,
                              noise=noise.get(name), discrete=discrete)
            if kind == "continuous":
                if node.sensitive:
                    raise ValueError(f"sensitive: node {name!r} is continuous; sensitive "
                                     "nodes must be binary or categorical with at least 2 "
                                     "observed levels (give its kind in `kinds` if it is "
                                     "inferred wrongly)")
                node.encode(column, "X")  # type and finiteness checks
                if standardize:
                    x = column.to_numpy(dtype=np.float64, na_value=np.nan)
                    mean, std = mean_and_std(x.reshape(-1, 1), weights)
                    node.mean, node.std = float(mean[0]), float(std[0])
                    if not node.std > 0:
                        raise ValueError(f"X: continuous node {name!r} is constant (every "
                                         f"value {float(x[0])!r}); it cannot be standardized")
            else:
                node.labels = _labels(column, kind, name)
            if node.noise is not None:
                if kind == "categorical":
                    raise ValueError(f"noise: node {name!r} is categorical; noise "
                                     "distributions are for continuous and binary nodes")
                if isinstance(node.noise, Bernoulli) and kind != "binary":
                    raise ValueError(f"noise: Bernoulli noise needs a binary node, and "
                                     f"{name!r} is {kind}")
            node.encode(column, "X")  # every label and value is encodable
            nodes.append(node)
        return cls(nodes)

    # ------------------------------------------------------------------ encoding
    def encode(self, frame: pd.DataFrame, name: str = "data") -> np.ndarray:
        """Encoded float64 C-contiguous matrix (rows x columns) of a node DataFrame."""
        out = np.empty((len(frame), self.n_columns))
        for node in self.nodes:
            out[:, self.slices[node.name]] = node.encode(frame[node.name], name)
        return out

    def check_sensitive_codes(self, matrix: np.ndarray, name: str) -> None:
        """Every sensitive node's encoded block holds one of its levels — 0 or 1
        (binary), a one-hot row (categorical) — as twins and balls need."""
        for node in self.sensitive:
            block = matrix[:, self.slices[node.name]]
            valid = np.isin(block, (0.0, 1.0)).all(axis=1)
            if node.kind == "categorical":
                valid &= block.sum(axis=1) == 1
            if not valid.all():
                r = int(np.argmin(valid))
                expected = "0 or 1" if node.kind == "binary" else "a one-hot row"
                raise ValueError(f"{name}: row {r} codes the sensitive node {node.name!r} as {block[r].tolist()}; "
                                 f"expected {expected} (one of its levels)")

    def decode(self, matrix: np.ndarray, index: Optional[pd.Index] = None) -> pd.DataFrame:
        """User-unit DataFrame (columns = node names, topological order)."""
        if index is None:
            index = pd.RangeIndex(matrix.shape[0])
        return pd.DataFrame({n.name: n.decode(matrix[:, self.slices[n.name]], index)
                             for n in self.nodes}, index=index)

    def encode_values(self, node: str, value: Any, n_rows: Optional[int],
                      name: str) -> np.ndarray:
        """Encoded block for an intervention value: a scalar (1 row) or one per row."""
        schema = self.by_name[node]
        if np.ndim(value) == 0:
            values = pd.Series([value])
        else:
            if np.ndim(value) != 1:
                raise ValueError(f"{name}: expected a scalar or a 1-D array of values "
                                 f"for {node!r}, got {np.ndim(value)}-D")
            values = pd.Series(list(value) if not isinstance(value, pd.Series) else value.values)
            if n_rows is not None and len(values) != n_rows:
                raise ValueError(f"{name}: expected one value for {node!r} or one per row "
                                 f"({n_rows}), got {len(values)}")
        if schema.kind == "continuous" and values.dtype == object:
            try:
                values = values.astype(np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"{name}: node {node!r} is continuous; expected numbers, "
                                f"got {value!r}") from None
        return schema.encode(values, name)

    def continuous_codes(self, sources: Optional[Sequence[str]] = None) -> List[str]:
        """The binary or categorical nodes with parents that are modelled as continuous
        codes (``discrete="anm"``): their counterfactual, ball and twin values are
        fractional codes no individual has. With ``sources``: only those that descend
        from a node of ``sources`` (the ones an intervention on them changes), in
        topological order."""
        reached = set(sources) if sources is not None else None
        coded = []
        for node in self.nodes:  # topological order
            if reached is not None:
                if node.name in reached or not any(p in reached for p in node.parents):
                    continue
                reached.add(node.name)
            if node.parents and node.kind != "continuous" and node.discrete == "anm":
                coded.append(node.name)
        return coded

    @property
    def gumbel_max_nodes(self) -> List[str]:
        """The binary or categorical nodes with parents in ``discrete="gumbel"`` mode
        (Gumbel-max mechanisms: V := argmax(logits + Gumbel noise))."""
        return [node.name for node in self.nodes
                if node.parents and node.kind != "continuous" and node.discrete == "gumbel"]

    @property
    def is_linear(self) -> bool:
        """Every mechanism linear (or none), and no Gumbel-max node (its argmax is not
        affine): then φ⁻¹ is affine, and the exact audit and causal_at's closed form apply."""
        return not self.gumbel_max_nodes and all(node.mechanism is None or isinstance(node.mechanism, LinearMechanism)
                                                 for node in self.nodes)

    # ------------------------------------------------------------------ engine spec
    def spec(self) -> List[Dict[str, Any]]:
        """The engine's node specifications (``cf_node_spec`` dicts), in node order."""
        return [node.spec(self.index) for node in self.nodes]

    def to_dict(self) -> Dict[str, Any]:
        return {"nodes": [n.to_dict() for n in self.nodes]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> "Schema":
        return cls([NodeSchema.from_dict(n) for n in d["nodes"]])


def _labels(column: pd.Series, kind: str, name: str) -> List[Any]:
    """The observed labels of a binary/categorical column, in their documented order."""
    if column.isna().any():
        raise ValueError(f"X: column {name!r} has missing values (NaN/None)")
    if isinstance(column.dtype, pd.CategoricalDtype):
        used = set(column.unique().tolist())
        labels = [c for c in column.cat.categories if c in used]
    elif ptypes.is_bool_dtype(column.dtype) and kind == "binary":
        labels = [False, True]
    else:
        labels = _sorted_labels(pd.unique(column).tolist())
    labels = [_python_scalar(v) for v in labels]
    if kind == "binary":
        if len(labels) == 1 and labels[0] in (0, 1) and not isinstance(labels[0], str):
            labels = [0, 1]
        if len(labels) != 2:
            raise ValueError(f"kinds: node {name!r} is binary but has {len(labels)} "
                             f"distinct values {labels[:10]}; expected exactly 2")
    return labels
