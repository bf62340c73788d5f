"""The :class:`Dataset` every loader returns: data, causal graph and documentation."""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple

import pandas as pd

__all__ = ["Dataset"]


@dataclass(repr=False)
class Dataset:
    """A tabular data set with the causal graph of its features.

    Attributes
    ----------
    X : pandas.DataFrame
        One row per individual, one column per graph node (in topological order),
        in the units and codes documented in :attr:`description`.
    y : pandas.Series
        The label, 0/1 integers (1 = the favourable outcome), aligned with ``X``.
    graph : dict
        Node -> list of its parents (roots map to ``[]``); every column of ``X``.
    sensitive : tuple of str
        The sensitive nodes (binary or categorical roots or ancestors).
    kinds : dict
        Node -> ``"continuous"``, ``"binary"`` or ``"categorical"``.
    description : str
        Source, licence, row count, preprocessing, encodings and the reference of
        the graph.
    scm : causalfair.SCM or None
        The ground-truth SCM for synthetic data; ``None`` for real data (fit one
        with :meth:`make_scm`).
    name : str
        Short name, e.g. ``"adult"``.
    actionable : tuple of str
        The nodes a person can act on, as the CAPIFY reference code names them for
        this data set (Adult: education-num and hours-per-week; COMPAS: priors_count;
        LIN, NLM, IMF: X1 and X2; Loan: E, I and S); empty where it names none. For
        :class:`~causalfair.FairRobustClassifier`'s ``actionable`` (``ross``'s step,
        ``capify``'s penalty) and :func:`causalfair.recourse`.

    Examples
    --------
    >>> import causalfair as cf
    >>> ds = cf.datasets.load_compas(sensitive="sex")  # doctest: +SKIP
    >>> scm = ds.make_scm().fit(ds.X)  # doctest: +SKIP
    >>> X_train, X_test, y_train, y_test = ds.train_test_split(random_state=0)  # doctest: +SKIP
    """

    X: pd.DataFrame
    y: pd.Series
    graph: Dict[str, List[str]]
    sensitive: Tuple[str, ...]
    kinds: Dict[str, str]
    description: str = ""
    scm: Any = None
    name: str = ""
    actionable: Tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.X, pd.DataFrame):
            raise TypeError(f"X: expected a pandas DataFrame, got {type(self.X).__name__}")
        if not isinstance(self.y, pd.Series) or len(self.y) != len(self.X):
            raise ValueError("y: expected a pandas Series with one label per row of X")
        if not isinstance(self.graph, dict):
            raise TypeError(f"graph: expected a dict node -> list of parents, got {type(self.graph).__name__}")
        if isinstance(self.sensitive, str):
            self.sensitive = (self.sensitive,)
        if not isinstance(self.sensitive, (list, tuple)) or not all(isinstance(s, str) for s in self.sensitive):
            raise TypeError(f"sensitive: expected a node name or a tuple of node names, got {self.sensitive!r}")
        self.sensitive = tuple(self.sensitive)
        missing = [n for n in self.graph if n not in self.X.columns]
        if missing:
            raise ValueError(f"graph: nodes {missing} are not columns of X")
        self.actionable = tuple(self.actionable)
        wrong = [n for n in self.actionable if n not in self.graph or n in self.sensitive]
        if wrong:
            raise ValueError(f"actionable: {wrong} are not non-sensitive nodes of the graph")

    @property
    def nodes(self) -> List[str]:
        """The graph's nodes, in the column order of ``X``."""
        return [c for c in self.X.columns if c in self.graph]

    def __repr__(self) -> str:
        rate = float(self.y.mean()) if len(self.y) else float("nan")
        return (f"Dataset(name={self.name!r}, n={len(self.X)}, nodes={self.nodes}, "
                f"sensitive={self.sensitive}, positive_rate={rate:.3f})")

    def make_scm(self, mechanism: Any = "linear", **kwargs: Any) -> Any:
        """An unfitted :class:`~causalfair.SCM` over this data set's graph.

        Parameters
        ----------
        mechanism : {"linear", "mlp"}, mechanism object or dict, default="linear"
            Passed to :class:`~causalfair.SCM`. The paper fitted Adult and COMPAS
            with one-hidden-layer tanh MLPs: ``"mlp"`` (``MLPMechanism()``, 100 units).
        **kwargs
            Any other :class:`~causalfair.SCM` parameter (``immutable``, ``noise``,
            ``standardize``, ``random_state``); ``sensitive`` or ``kinds`` given here
            replace the data set's.

        Returns
        -------
        causalfair.SCM
            Not fitted: call ``.fit(ds.X)``.

        Examples
        --------
        >>> scm = ds.make_scm("mlp", random_state=0).fit(ds.X)  # doctest: +SKIP
        >>> scm.twins(ds.X.head(3))  # doctest: +SKIP
        """
        from ..scm import SCM

        params: Dict[str, Any] = dict(graph={k: list(v) for k, v in self.graph.items()},
                                      sensitive=list(self.sensitive), kinds=dict(self.kinds),
                                      mechanism=mechanism)
        if "graph" in kwargs:
            raise TypeError("make_scm: the graph is the data set's; build cf.SCM directly "
                            "to use another graph")
        params.update(kwargs)
        return SCM(**params)

    def train_test_split(self, test_size: float = 0.2, random_state: Any = None
                         ) -> Tuple[pd.DataFrame, pd.DataFrame, pd.Series, pd.Series]:
        """Random train/test split of ``X`` and ``y`` (the paper's 80/20 by default).

        Parameters
        ----------
        test_size : float, default=0.2
            Fraction of rows in the test set, in (0, 1).
        random_state : None, int or numpy.random.RandomState
            Seed of the shuffle; the same seed gives the same split.

        Returns
        -------
        X_train, X_test, y_train, y_test
            DataFrames and Series keeping the original index labels.

        Examples
        --------
        >>> X_tr, X_te, y_tr, y_te = ds.train_test_split(random_state=0)  # doctest: +SKIP
        >>> len(X_te) == round(0.2 * len(ds.X))  # doctest: +SKIP
        True
        """
        from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]  # no types shipped

        if (isinstance(test_size, bool) or not isinstance(test_size, numbers.Real)
                or not 0.0 < float(test_size) < 1.0):
            raise ValueError(f"test_size: expected a float in (0, 1), got {test_size!r}")
        X_tr, X_te, y_tr, y_te = train_test_split(self.X, self.y, test_size=float(test_size),
                                                  random_state=random_state, shuffle=True)
        return X_tr, X_te, y_tr, y_te
