"""Bad input gets the right Python exception, naming the argument, and never kills the
interpreter.

The cases run in a child interpreter, one after another, each printing its outcome as
a JSON line; a crash (a Swift trap is SIGILL) shows up as the child dying, and the
case it died in fails here with the child's exit status.
"""

from __future__ import annotations

from typing import Dict, Tuple

import pytest
from _support import ChildRun

SETUP_MODULE = "children.scm_inputs"  # the cases' namespace, imported in the child

# name -> (code, expected exception name, text the message must contain)
CASES: Dict[str, Tuple[str, str, str]] = {
    # ---- data handed to fit
    "fit_missing_node": ("cf.SCM(G, sensitive='s').fit(df.drop(columns='y'))", "ValueError", "'y'"),
    "fit_not_a_frame": ("cf.SCM(G, sensitive='s').fit(df.to_numpy())", "TypeError", "X"),
    "fit_none": ("cf.SCM(G, sensitive='s').fit(None)", "TypeError", "X"),
    "fit_string": ("cf.SCM(G, sensitive='s').fit('data.csv')", "TypeError", "X"),
    "fit_empty": ("cf.SCM(G, sensitive='s').fit(df.iloc[:0])", "ValueError", "row"),
    "fit_nan": ("cf.SCM(G, sensitive='s').fit(df.assign(x=np.where(df.index == 3, np.nan, df.x)))",
                "ValueError", "'x'"),
    "fit_inf": ("cf.SCM(G, sensitive='s').fit(df.assign(y=np.inf))", "ValueError", "'y'"),
    "fit_nan_label": ("cf.SCM(G, sensitive='s').fit(df.assign(race=df.race.where(df.index != 5)))",
                      "ValueError", "'race'"),
    "fit_non_numeric_continuous": (
        "cf.SCM(G, sensitive='s', kinds={'x': 'continuous', 'race': 'continuous'}).fit(df)",
        "TypeError", "numeric"),
    "fit_constant_continuous": ("cf.SCM(G, sensitive='s').fit(df.assign(y=1.5, x=rng.normal(size=n)))",
                                "ValueError", "constant"),
    "fit_duplicate_columns": ("cf.SCM(G, sensitive='s').fit(pd.concat([df, df.x], axis=1))",
                              "ValueError", "duplicate"),
    # ---- constructor parameters (checked at fit)
    "graph_cycle": ("cf.SCM({'x': ['y'], 'y': ['x'], 's': []}, sensitive='s').fit(df)",
                    "CycleError", "'x' -> 'y'"),
    "graph_self_loop": ("cf.SCM({'x': ['x'], 's': []}, sensitive='s').fit(df)", "CycleError", "'x'"),
    "graph_none": ("cf.SCM(None, sensitive='s').fit(df)", "TypeError", "graph"),
    "graph_string": ("cf.SCM('s->x', sensitive='s').fit(df)", "TypeError", "graph"),
    "graph_int_nodes": ("cf.SCM([(0, 1)], sensitive='s').fit(df)", "TypeError", "graph"),
    "sensitive_not_in_graph": ("cf.SCM(G, sensitive='sex').fit(df)", "ValueError", "sensitive"),
    "sensitive_empty": ("cf.SCM(G, sensitive=[]).fit(df)", "ValueError", "sensitive"),
    "sensitive_one_level": ("cf.SCM(G, sensitive='race').fit(df.assign(race='a'))",
                            "ValueError", "sensitive"),
    "sensitive_continuous": ("cf.SCM(G, sensitive='x').fit(df)", "ValueError", "sensitive"),
    # a constant sensitive column is said to be constant (it used to be called continuous)
    "sensitive_constant": ("cf.SCM(G, sensitive='s').fit(df.assign(s=1))", "ValueError", "'s' is constant"),
    "sensitive_constant_label": ("cf.SCM(G, sensitive=['s', 'race']).fit(df.assign(race='a'))", "ValueError",
                                 "'race' is constant"),
    "sensitive_garbage": ("cf.SCM(G, sensitive=3).fit(df)", "TypeError", "sensitive"),
    "kinds_bad_value": ("cf.SCM(G, sensitive='s', kinds={'x': 'ordinal'}).fit(df)", "ValueError", "kinds"),
    "kinds_unknown_node": ("cf.SCM(G, sensitive='s', kinds={'q': 'binary'}).fit(df)", "ValueError", "kinds"),
    "kinds_binary_three_values": ("cf.SCM(G, sensitive='s', kinds={'race': 'binary'}).fit(df)",
                                  "ValueError", "binary"),
    "mechanism_bad": ("cf.SCM(G, sensitive='s', mechanism='forest').fit(df)", "ValueError", "mechanism"),
    "mlp_bad_sizes": ("cf.MLPMechanism(hidden_layer_sizes=(0,))", "ValueError", "hidden_layer_sizes"),
    "immutable_unknown": ("cf.SCM(G, sensitive='s', immutable=['q']).fit(df)", "ValueError", "immutable"),
    "immutable_sensitive": ("cf.SCM(G, sensitive='s', immutable=['s']).fit(df)", "ValueError", "immutable"),
    "noise_bad": ("cf.SCM(G, sensitive='s', noise={'x': 3}).fit(df)", "TypeError", "noise"),
    "noise_bad_scale": ("cf.Normal(0, -1)", "ValueError", "scale"),
    "random_state_negative": ("cf.SCM(G, sensitive='s', random_state=-1).fit(df)",
                              "ValueError", "random_state"),
    "random_state_string": ("cf.SCM(G, sensitive='s', random_state='x').fit(df)",
                            "TypeError", "random_state"),
    # ---- a fitted SCM given bad data
    "unfitted": ("cf.SCM(G, sensitive='s').twins(df)", "NotFittedError", "fit"),
    "unfitted_is_value_error": (
        "try:\n    cf.SCM(G, sensitive='s').sample(3)\nexcept ValueError as e:\n    raise KeyError('ok') from e",
        "KeyError", "ok"),
    "twins_missing_node": ("scm.twins(df[['s', 'x']])", "ValueError", "missing"),
    "twins_none": ("scm.twins(None)", "TypeError", "X"),
    "twins_string": ("scm.twins('abc')", "TypeError", "X"),
    "twins_3d": ("scm.twins(np.zeros((2, 3, 6)))", "ValueError", "2-D"),
    "twins_wrong_width": ("scm.twins(np.zeros((2, 4)))", "ValueError", "columns"),
    "twins_nan_array": ("scm.twins(np.full((2, 6), np.nan))", "ValueError", "finite"),
    "twins_series": ("scm.twins(df.iloc[0])", "TypeError", "Series"),
    "twins_unseen_label": ("scm.twins(df.assign(race='zzz'))", "ValueError", "'zzz'"),
    "abduct_nan": ("scm.abduct(df.assign(x=np.nan))", "ValueError", "'x'"),
    "counterfactual_unknown_node": ("scm.counterfactual(df, do={'q': 1})", "KeyError", "'q'"),
    "counterfactual_unseen_label": ("scm.counterfactual(df, do={'race': 'zzz'})", "ValueError", "'zzz'"),
    "counterfactual_wrong_length": ("scm.counterfactual(df, do={'x': [1.0, 2.0]})", "ValueError", "do"),
    "counterfactual_do_not_dict": ("scm.counterfactual(df, do=[('s', 1)])", "TypeError", "do"),
    "counterfactual_do_nan": ("scm.counterfactual(df, do={'x': float('nan')})", "ValueError", "do"),
    "counterfactual_do_string_for_continuous": ("scm.counterfactual(df, do={'x': 'high'})",
                                                "TypeError", "do"),
    "sample_zero": ("scm.sample(0)", "ValueError", "n"),
    "sample_negative": ("scm.sample(-3)", "ValueError", "n"),
    "sample_float": ("scm.sample(2.5)", "TypeError", "n"),
    "sample_string": ("scm.sample('10')", "TypeError", "n"),
    "sample_none": ("scm.sample(None)", "TypeError", "n"),
    "sample_huge": ("scm.sample(10**12)", "ValueError", "elements"),
    "sample_huge_int64": ("scm.sample(2**63 - 1)", "ValueError", "elements"),
    "sample_bad_seed": ("scm.sample(5, random_state=2**64)", "ValueError", "random_state"),
    "ball_negative_radius": ("scm.perturbation_ball(df, -0.1, 5)", "ValueError", "radius"),
    "ball_nan_radius": ("scm.perturbation_ball(df, float('nan'), 5)", "ValueError", "radius"),
    "ball_string_radius": ("scm.perturbation_ball(df, '0.1', 5)", "TypeError", "radius"),
    "ball_zero_samples": ("scm.perturbation_ball(df, 0.1, 0)", "ValueError", "n_samples"),
    "ball_huge": ("scm.perturbation_ball(df, 0.1, 10**9)", "ValueError", "n_samples"),
    "ball_too_many": ("scm.perturbation_ball(df, 0.1, 10**6)", "ValueError", "elements"),
    "metric_lengths": ("scm.metric(df, df.head(3))", "ValueError", "rows"),
    "metric_index": ("scm.metric(df, df.set_axis(df.index + 1))", "ValueError", "index"),
    "metric_none": ("scm.metric(df, None)", "TypeError", "b"),
    "from_dict_garbage": ("cf.SCM.from_dict({'a': 1})", "ValueError", "to_dict"),
    "from_dict_none": ("cf.SCM.from_dict(None)", "ValueError", "to_dict"),
    # ---- a freed engine handle behind a fitted SCM: an exception, not a crash
    "use_after_free": ("_engine.scm_free(scm._handle); scm.twins(df)", "Exception", ""),
    "engine_wrong_handle": ("_engine.scm_info(object())", "TypeError", ""),
}


@pytest.fixture(scope="module")
def outcomes():
    cases = sorted(CASES.items())
    # "use_after_free" last: it frees a handle
    cases.sort(key=lambda item: item[0] == "use_after_free")
    return ChildRun([(name, code) for name, (code, _, _) in cases], setup_module=SETUP_MODULE)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_raises(outcomes, name):
    _, expected, text = CASES[name]
    outcomes.check(name, expected, text)


def test_the_child_interpreter_exits_cleanly(outcomes):
    assert outcomes.proc.returncode == 0, outcomes.proc.stderr[-2000:]
    assert len(outcomes.results) == len(CASES)
