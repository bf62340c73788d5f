"""Causal graphs: parsing the accepted forms and validation; the topological order
and cycle detection are the engine's (``CausalGraph``, through ``cf_graph_order``).

A graph is given as one of

* a dict ``child -> parents`` (parents an iterable of node names, or one name);
  a node that appears only as a parent is a root, and ``{"a": []}`` declares an
  isolated root;
* a list of ``(parent, child)`` edges;
* a networkx ``DiGraph`` (detected by duck typing: an object with ``nodes`` and
  ``predecessors``; networkx itself is never imported).

Every form is normalised to :class:`Graph`, an ordered mapping node -> parents in
which the nodes come in the order the user first mentioned them. Node names must be
non-empty strings (they name DataFrame columns and must survive JSON). Repeated edges
are harmless and kept once; a self loop is a cycle of length one and an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Sequence, Tuple

import numpy as np

from . import _contract
from .validation import Interval, check_parameter

__all__ = ["Graph", "CycleError", "parse_graph", "topological_order"]


class CycleError(ValueError):
    """Raised when the graph has a directed cycle; ``cycle`` lists its nodes."""

    def __init__(self, cycle: Sequence[str]):
        self.cycle = list(cycle)
        path = " -> ".join(repr(n) for n in list(cycle) + [cycle[0]])
        super().__init__(f"graph: expected a directed acyclic graph, found the cycle {path}")


@dataclass(frozen=True)
class Graph:
    """A validated DAG: ``parents[node]`` in the user's order, ``order`` topological.

    Attributes
    ----------
    nodes : list of str
        Nodes in the order the user first mentioned them.
    parents : dict
        Node -> list of its parents (in the user's order, without repeats).
    order : list of str
        A topological order of the nodes; among the nodes that are ready at each
        step, the one mentioned first by the user comes first, so a user order that is
        already topological is kept as is.
    """

    nodes: List[str]
    parents: Dict[str, List[str]]
    order: List[str]

    def to_dict(self) -> Dict[str, List[str]]:
        """The graph as a plain ``child -> parents`` dict (every node a key)."""
        return {n: list(self.parents[n]) for n in self.nodes}

    def descendants(self, node: str) -> List[str]:
        """Every node reachable from ``node`` (excluding it), in topological order."""
        reached = {node}
        for n in self.order:
            if any(p in reached for p in self.parents[n]):
                reached.add(n)
        return [n for n in self.order if n in reached and n != node]


def _check_name(name: Any) -> str:
    if not isinstance(name, str):
        raise TypeError(f"graph: expected node names to be str, got {name!r} "
                        f"of type {type(name).__name__}")
    if name == "":
        raise ValueError("graph: expected non-empty node names, got ''")
    return name


def _edges_from_dict(graph: Mapping[Any, Any]) -> Tuple[List[str], List[Tuple[str, str]]]:
    nodes: List[str] = []
    edges: List[Tuple[str, str]] = []
    for child, parents in graph.items():
        nodes.append(_check_name(child))
        if parents is None:
            parents = ()
        elif isinstance(parents, str):
            parents = (parents,)
        elif not isinstance(parents, Iterable):
            raise TypeError(f"graph: expected the parents of {child!r} to be a list of "
                            f"node names, got {parents!r}")
        for p in parents:
            nodes.append(_check_name(p))
            edges.append((p, child))
    return nodes, edges


def _edges_from_list(graph: Iterable[Any]) -> Tuple[List[str], List[Tuple[str, str]]]:
    nodes: List[str] = []
    edges: List[Tuple[str, str]] = []
    for edge in graph:
        if isinstance(edge, str) or not isinstance(edge, Iterable):
            raise TypeError(f"graph: expected a list of (parent, child) pairs, got the "
                            f"item {edge!r}")
        edge = tuple(edge)
        if len(edge) != 2:
            raise ValueError(f"graph: expected (parent, child) pairs, got {edge!r}")
        parent, child = _check_name(edge[0]), _check_name(edge[1])
        nodes += [parent, child]
        edges.append((parent, child))
    return nodes, edges


def _edges_from_networkx(graph: Any) -> Tuple[List[str], List[Tuple[str, str]]]:
    is_directed = getattr(graph, "is_directed", None)
    if callable(is_directed) and not is_directed():
        raise ValueError("graph: expected a directed graph (networkx DiGraph), got an "
                         "undirected one")
    nodes = [_check_name(n) for n in graph.nodes]
    edges = [(_check_name(p), n) for n in nodes for p in graph.predecessors(n)]
    return nodes, edges


def parse_graph(graph: Any) -> Graph:
    """Normalise and validate a graph given in any accepted form.

    Parameters
    ----------
    graph : dict, list of (parent, child), or networkx.DiGraph
        See the module docstring.

    Returns
    -------
    Graph

    Raises
    ------
    TypeError
        ``graph`` is none of the accepted forms, or a node name is not a str.
    ValueError
        The graph is empty, has a self loop, or has a cycle (:class:`CycleError`,
        whose message names the cycle).

    Examples
    --------
    >>> g = parse_graph({"y": ["s", "x"], "x": ["s"]})
    >>> g.order
    ['s', 'x', 'y']
    >>> parse_graph([("a", "b"), ("b", "a")])
    Traceback (most recent call last):
    ...
    causalfair.graph.CycleError: graph: expected a directed acyclic graph, found the cycle 'a' -> 'b' -> 'a'
    """
    if isinstance(graph, Graph):
        return graph
    if hasattr(graph, "nodes") and (hasattr(graph, "predecessors")
                                    or hasattr(graph, "is_directed")):
        nodes, edges = _edges_from_networkx(graph)
    elif isinstance(graph, Mapping):
        nodes, edges = _edges_from_dict(graph)
    elif isinstance(graph, (list, tuple)):
        nodes, edges = _edges_from_list(graph)
    else:
        raise TypeError("graph: expected a dict child -> parents, a list of "
                        "(parent, child) edges or a networkx DiGraph, got "
                        f"{type(graph).__name__}")
    ordered = list(dict.fromkeys(nodes))
    if not ordered:
        raise ValueError("graph: expected at least one node, got an empty graph")
    check_parameter("graph: number of nodes", len(ordered), [Interval(int, 1, "max_nodes")])
    parents: Dict[str, List[str]] = {n: [] for n in ordered}
    for p, c in edges:
        if p == c:
            raise CycleError([p])
        if p not in parents[c]:
            parents[c].append(p)
    return Graph(nodes=ordered, parents=parents, order=topological_order(ordered, parents))


def topological_order(nodes: Sequence[str], parents: Mapping[str, Sequence[str]]) -> List[str]:
    """The engine's topological order (``CausalGraph``: Kahn's algorithm taking the
    earliest of ``nodes`` among the ready ones, so stable with respect to ``nodes``);
    raises :class:`CycleError` naming a cycle the engine found, started at the node
    mentioned first."""
    rank = {n: i for i, n in enumerate(nodes)}
    counts = np.array([len(parents[n]) for n in nodes], dtype=np.int64)
    flat = np.array([rank[p] for n in nodes for p in parents[n]], dtype=np.int64)
    order, cycle, length = _contract.graph_order(counts, flat)
    if length:
        found = [int(i) for i in cycle[:length]]
        first = found.index(min(found))
        raise CycleError([nodes[i] for i in found[first:] + found[:first]])
    return [nodes[int(i)] for i in order]
