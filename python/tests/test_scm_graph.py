"""Graph parsing: the accepted forms, stable topological order, cycles named."""

from __future__ import annotations

import pytest

from causalfair.graph import CycleError, parse_graph


def test_dict_edges_and_networkx_agree():
    a = parse_graph({"y": ["s", "x"], "x": ["s"]})
    b = parse_graph([("s", "x"), ("s", "y"), ("x", "y")])
    assert a.order == b.order == ["s", "x", "y"]
    assert a.parents == {"y": ["s", "x"], "s": [], "x": ["s"]}
    nx = pytest.importorskip("networkx")
    c = parse_graph(nx.DiGraph([("s", "x"), ("s", "y"), ("x", "y")]))
    assert c.parents == b.parents and c.order == b.order


def test_order_is_stable():
    g = parse_graph({"a": [], "c": [], "b": ["a"], "d": ["c", "b"]})
    assert g.order == ["a", "c", "b", "d"]
    assert g.descendants("a") == ["b", "d"]


def test_single_parent_string_and_isolated_nodes():
    g = parse_graph({"x": "s", "z": []})
    assert g.parents == {"x": ["s"], "s": [], "z": []}


def test_repeated_edges_are_kept_once():
    g = parse_graph([("a", "b"), ("a", "b")])
    assert g.parents["b"] == ["a"]


@pytest.mark.parametrize("graph, cycle", [
    ([("a", "b"), ("b", "c"), ("c", "a")], ["a", "b", "c"]),
    ({"a": ["a"]}, ["a"]),
    ({"x": ["s"], "a": ["b"], "b": ["a"]}, None),
])
def test_cycles_are_named(graph, cycle):
    with pytest.raises(CycleError) as info:
        parse_graph(graph)
    assert isinstance(info.value, ValueError)
    if cycle is not None:
        assert sorted(info.value.cycle) == sorted(cycle)
    for node in info.value.cycle:
        assert repr(node) in str(info.value)


@pytest.mark.parametrize("graph, error", [
    (None, TypeError), ("abc", TypeError), (5, TypeError), ({}, ValueError),
    ([("a",)], ValueError), ([("a", 1)], TypeError), ({"a": 3}, TypeError),
    ([("", "b")], ValueError),
])
def test_bad_graphs(graph, error):
    with pytest.raises(error, match="graph"):
        parse_graph(graph)


def test_undirected_networkx_graph_is_refused():
    nx = pytest.importorskip("networkx")
    with pytest.raises(ValueError, match="directed"):
        parse_graph(nx.Graph([("a", "b")]))
