"""The ABI contract and the engine's limits.

causalfair.h is the one contract between Python and the engine: the shim's tables of
code names and struct fields are compiled against it, and Python reads both (and the
engine's limits) from ``_engine``. These tests fail when the header, the shim and
Python disagree, and check Python's parameter validation against every limit the
engine reports, and that the estimators take their settings by keyword.
"""

import importlib
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import causalfair as cf
from causalfair import _engine, _models
from causalfair.validation import LIMITS, check_output_size, check_radius

from _support import adult_like, lin_data

audit_module = importlib.import_module("causalfair.audit")

HEADER = Path(__file__).resolve().parents[2] / "Sources" / "CausalFairEngine" / "include" / "causalfair.h"
#: CODES table -> the prefix of its constants in the header.
PREFIXES = {"objective": "CF_OBJECTIVE_", "optimizer": "CF_OPTIMIZER_", "activation": "CF_ACTIVATION_",
            "audit_method": "CF_AUDIT_", "node_kind": "CF_NODE_", "mechanism": "CF_MECHANISM_",
            "noise": "CF_NOISE_", "op": "CF_OP_", "outer": "CF_OUTER_", "handle": "CF_HANDLE_",
            "discrete": "CF_DISCRETE_"}


def header_enums():
    """Every ``CF_NAME = value`` of the header's enums, by enum (a list of dicts)."""
    text = re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)
    return [dict((name, int(value)) for name, value in re.findall(r"(CF_[A-Z0-9_]+)\s*=\s*(\d+)", body))
            for body in re.findall(r"enum\s*\{(.*?)\}", text, flags=re.S)]


def header_structs():
    """Field names of each ``typedef struct cf_x {...} cf_x;`` of the header."""
    text = re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)
    return {name: re.findall(r"(\w+)\s*;", body)
            for name, body in re.findall(r"typedef struct (cf_\w+)\s*\{(.*?)\}", text, flags=re.S)}


def test_code_names_are_the_header_constants():
    enums = header_enums()
    for table, prefix in PREFIXES.items():
        (enum,) = [e for e in enums if f"{prefix}COUNT" in e]
        expected = {k[len(prefix):].lower(): v for k, v in enum.items() if k != f"{prefix}COUNT"}
        assert _engine.CODES[table] == expected, table
        assert sorted(expected.values()) == list(range(enum[f"{prefix}COUNT"]))
    (status,) = [e for e in enums if "CF_STATUS_COUNT" in e]
    assert _engine.CODES["status"] == {k[3:].lower(): v for k, v in status.items() if k != "CF_STATUS_COUNT"}
    assert set(_engine.CODES) == set(PREFIXES) | {"status"}


def test_struct_fields_are_the_header_fields():
    structs = header_structs()
    tables = {"training_config": "cf_training_config", "audit_options": "cf_audit_options",
              "node_spec": "cf_node_spec", "expression_op": "cf_expression_op", "limits": "cf_limits"}
    assert set(structs) == set(tables.values())
    for table, struct in tables.items():
        fields = structs[struct]
        # a list crosses as a pointer and its count n_<name>; Python gives the list
        counts = {f"n_{f}" for f in fields} & set(fields)
        assert list(_engine.FIELDS[table]) == [f for f in fields if f not in counts], table
    assert set(_engine.limits()) == set(_engine.FIELDS["limits"])


def test_the_type_stub_declares_every_name_of_the_engine():
    """``_engine.pyi`` (shipped beside the extension, read by mypy) declares exactly the
    module's public functions, constants and types."""
    import ast

    stub = ast.parse((Path(_engine.__file__).parent / "_engine.pyi").read_text())
    declared = {node.name for node in stub.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))} | {
        node.target.id for node in stub.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and not node.target.id.startswith("_")}
    assert declared == {name for name in dir(_engine) if not name.startswith("_")}


def test_python_uses_the_engine_names():
    assert _models.OBJECTIVES == tuple(_engine.CODES["objective"])
    assert audit_module._METHODS[1:] == tuple(_engine.CODES["audit_method"])
    table = cf.FairRobustClassifier._parameter_constraints
    assert table["method"][0].values == tuple(_engine.CODES["objective"])
    assert table["optimizer"][0].values == tuple(_engine.CODES["optimizer"])
    assert table["activation"][0].values == tuple(_engine.CODES["activation"])


@pytest.fixture(scope="module")
def engine_model():
    return _models.new_model([2, 1], "tanh", 0)


def config(**changes):
    base = {"objective": "erm", "optimizer": "adam", "epochs": 1, "batch_size": 2, "patience": 1, "steps": 1,
            "n_samples": 1, "exact_when_linear": False, "learning_rate": 0.1, "weight_decay": 0.0,
            "validation_fraction": 0.0, "radius": 0.0, "epsilon": 0.0, "step_size": 0.0,
            "inner_learning_rate": 0.1, "lambda": 0.0, "mu": 0.0, "nu": 0.0, "twin_penalty": 0.0, "tol": 0.0,
            "dp": False, "noise_multiplier": 0.0, "max_grad_norm": 1.0,
            "beta": 0.0, "n_threads": 1, "actionable": []}
    base.update(changes)
    return base


def train(model, settings):
    x = np.zeros((2, 2))
    _engine.model_train(model, None, x, np.array([0.0, 1.0]), None, settings, 0, None, np.empty((1, 2)))


def test_the_shim_refuses_a_missing_or_unknown_field(engine_model):
    train(engine_model, config())
    incomplete = config()
    del incomplete["tol"]
    with pytest.raises(TypeError, match="config: missing field 'tol'"):
        train(engine_model, incomplete)
    with pytest.raises(TypeError, match="config: unknown field 'tolerance'"):
        train(engine_model, config(tolerance=1.0))
    with pytest.raises(ValueError, match="config: objective: unknown name 'madry'"):
        train(engine_model, config(objective="madry"))
    with pytest.raises(TypeError, match="config: exact_when_linear: expected a bool"):
        train(engine_model, config(exact_when_linear=1))
    with pytest.raises(TypeError, match="config: epochs: expected an int in the int64 range"):
        train(engine_model, config(epochs=2 ** 63))
    with pytest.raises(TypeError, match="config: epochs: expected an int in the int64 range, got 1.0"):
        train(engine_model, config(epochs=1.0))
    train(engine_model, config(epochs=np.int64(1), steps=np.int32(1)))  # numpy integers are ints


def test_estimators_take_settings_by_keyword():
    with pytest.raises(TypeError, match="positional"):
        cf.FairRobustClassifier(None)
    with pytest.raises(TypeError, match="positional"):
        cf.SCM({"x": ["s"]}, "s")
    assert cf.SCM({"x": ["s"]}, sensitive="s").sensitive == "s"


def test_the_engine_checks_what_the_shim_passes(engine_model):
    with pytest.raises(ValueError, match=r"steps: expected an int in \[0, 100000\], got 100001"):
        train(engine_model, config(steps=LIMITS["max_training_steps"] + 1))


# ----------------------------------------------------------------- limits -------------

@pytest.fixture(scope="module")
def fitted():
    X, y = lin_data(200, 0)
    scm = cf.SCM({"x1": ["s"], "x2": ["s", "x1"]}, sensitive="s", random_state=0).fit(X)
    clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="erm", epochs=1, random_state=0,
                                  verbose=False).fit(X, y)
    return scm, clf, X, y


def refused(call, limit, error=ValueError):
    """``call`` raises ``error`` naming ``limit``."""
    with pytest.raises(error) as info:
        call()
    assert f"{limit:g}" in str(info.value) or str(limit) in str(info.value), str(info.value)


def settings(**params):
    return cf.FairRobustClassifier(**params)._settings()


def node(**changes):
    spec = {"kind": "continuous", "width": 1, "parents": [], "sensitive": False, "immutable": False,
            "mechanism": "root", "ridge": 0.0, "hidden": [], "epochs": 0, "batch_size": 0, "learning_rate": 0.0,
            "program": [], "outer": "identity", "offset": 0.0, "scale": 1.0, "noise": "empirical",
            "noise_loc": 0.0, "noise_scale": 0.0, "noise_shape": 0.0, "noise_p": 0.0, "discrete": "anm"}
    spec.update(changes)
    return spec


def limit_max_elements(limit, fitted):
    scm, clf, X, _ = fitted
    check_output_size(limit, 1, "out")
    refused(lambda: check_output_size(limit + 1, 1, "out"), limit)
    refused(lambda: cf.audit(clf, scm, n_points=limit + 1, verbose=False), limit)


def limit_max_radius(limit, fitted):
    assert check_radius(limit) == limit
    refused(lambda: check_radius(np.nextafter(limit, np.inf)), limit)
    refused(lambda: settings(radius=np.nextafter(limit, np.inf)), limit)


def limit_max_epochs(limit, fitted):
    assert settings(epochs=limit)["epochs"] == limit
    refused(lambda: settings(epochs=limit + 1), limit)


def limit_max_training_steps(limit, fitted):
    assert settings(steps=limit)["steps"] == limit
    refused(lambda: settings(steps=limit + 1), limit)


def limit_max_training_samples(limit, fitted):
    assert settings(n_samples=limit)["n_samples"] == limit
    refused(lambda: settings(n_samples=limit + 1), limit)


def limit_max_audit_samples(limit, fitted):
    scm, clf, X, _ = fitted
    parameters = audit_module._PARAMETERS
    assert cf.validation.check_parameter("n_samples", limit, parameters["n_samples"]) == limit
    refused(lambda: cf.audit(clf, scm, X, n_samples=limit + 1, verbose=False), limit)
    refused(lambda: cf.metrics.unfair_area(clf, scm, X, 0.05, n_samples=limit + 1), limit)
    refused(lambda: scm.perturbation_ball(X.head(1), 0.05, limit + 1), limit)


def engine_audit(fitted, **changes):
    scm, clf, X, _ = fitted
    x = np.ascontiguousarray(scm.encode(X).to_numpy(), dtype=np.float64)
    options = {"method": "attack", "factual_only": False, "logit_threshold": 0.0, "radius": 0.1,
               "n_samples": 1, "steps": 1, "restarts": 1, "step_size": 0.0, "first_row": 0, "n_draws": 1,
               "posterior_seed": 0, "n_threads": 1}
    options.update(changes)
    rows = x.shape[0]
    _engine.audit(clf._handle, scm._handle, x, options, 0, None, np.empty(rows, dtype=np.int64),
                  np.empty(rows, dtype=np.int64), np.empty(x.shape))


def limit_max_audit_steps(limit, fitted):
    assert 0 <= audit_module.ATTACK_STEPS <= limit
    refused(lambda: engine_audit(fitted, steps=limit + 1), limit)


def limit_max_audit_restarts(limit, fitted):
    assert 1 <= audit_module.ATTACK_RESTARTS <= limit
    refused(lambda: engine_audit(fitted, restarts=limit + 1), limit)


def limit_max_newton_features(limit, fitted):
    rng = np.random.default_rng(0)
    y = np.tile([0, 1], 4)
    newton = cf.FairRobustClassifier(model="logistic", method="erm", optimizer="newton", epochs=1, verbose=False)
    newton.fit(rng.normal(size=(8, limit)), y)
    refused(lambda: newton.fit(rng.normal(size=(8, limit + 1)), y), limit)


def limit_max_layer_width(limit, fitted):
    assert settings(hidden_layer_sizes=(limit,))["hidden"] == (limit,)
    refused(lambda: settings(hidden_layer_sizes=(4, limit + 1)), limit)


def limit_max_nodes(limit, fitted):
    refused(lambda: _engine.scm_new([node()] * (limit + 1)), limit)
    refused(lambda: cf.SCM({f"x{i}": [] for i in range(limit + 1)}, sensitive="x0").fit(pd.DataFrame()), limit)


def limit_max_node_width(limit, fitted):
    refused(lambda: _engine.scm_new([node(kind="categorical", width=limit + 1)]), limit)


def limit_max_mechanism_hidden_layers(limit, fitted):
    assert len(cf.MLPMechanism(hidden_layer_sizes=(1,) * limit).hidden_layer_sizes) == limit
    refused(lambda: cf.MLPMechanism(hidden_layer_sizes=(1,) * (limit + 1)), limit)


def limit_max_mechanism_hidden_width(limit, fitted):
    assert cf.MLPMechanism(hidden_layer_sizes=(limit,)).hidden_layer_sizes == (limit,)
    refused(lambda: cf.MLPMechanism(hidden_layer_sizes=(limit + 1,)), limit)


def limit_max_mechanism_epochs(limit, fitted):
    assert cf.MLPMechanism(epochs=limit).epochs == limit
    refused(lambda: cf.MLPMechanism(epochs=limit + 1), limit)


def limit_max_program_length(limit, fitted):
    program = [{"op": "constant", "argument": 0, "constant": 1.0}] + \
        [{"op": "negate", "argument": 0, "constant": 0.0}] * limit
    spec = [node(), node(parents=[0], mechanism="expression", program=program)]
    refused(lambda: _engine.scm_new(spec), limit)


def limit_max_power(limit, fitted):
    assert cf.ExpressionMechanism(f"x ** {limit}").program(["x"])[-1] == {"op": "power", "argument": limit,
                                                                       "constant": 0.0}
    refused(lambda: cf.ExpressionMechanism(f"x ** {limit + 1}"), limit)


def limit_max_draws(limit, fitted):
    scm, _, X, _ = fitted
    refused(lambda: scm.counterfactual(X.head(1), do={scm.schema_.sensitive[0].name: 0}, n_draws=limit + 1), limit)
    refused(lambda: scm.twins(X.head(1), n_draws=limit + 1), limit)
    refused(lambda: scm.perturbation_ball(X.head(1), 0.1, 1, n_draws=limit + 1), limit)
    clf = fitted[1]
    refused(lambda: cf.audit(clf, scm, X.head(1), n_draws=limit + 1, verbose=False), limit)
    refused(lambda: engine_audit(fitted, n_draws=limit + 1), limit)


def limit_max_threads(limit, fitted):
    scm, clf, X, _ = fitted
    assert settings(n_threads=limit)["n_threads"] == limit
    refused(lambda: settings(n_threads=limit + 1), limit)
    refused(lambda: cf.set_threads(limit + 1), limit)
    refused(lambda: cf.audit(clf, scm, X, n_threads=limit + 1, verbose=False), limit)
    refused(lambda: engine_audit(fitted, n_threads=limit + 1), limit)


def limit_audit_sample_block(limit, fitted):
    """Not a limit, a layout: the black-box audit samples each ball in the engine's
    blocks, so the points it predicts are the ones the engine's sample method draws."""
    from causalfair import _black_box
    assert _black_box.SAMPLE_BLOCK == limit > 0


CASES = {name[len("limit_"):]: case for name, case in globals().items() if name.startswith("limit_")}


def test_every_limit_has_a_case():
    assert set(CASES) == set(_engine.limits())


@pytest.mark.parametrize("name", sorted(CASES))
def test_python_validation_uses_the_engine_limit(name, fitted):
    CASES[name](_engine.limits()[name], fitted)


# ------------------------------------------------- refused before any work -------------

@pytest.fixture(scope="module")
def adult():
    X, y, graph = adult_like(45_222, 0)
    return X, y, graph


def timed(call):
    start = time.perf_counter()
    with pytest.raises(ValueError) as info:
        call()
    return time.perf_counter() - start, str(info.value)


def test_training_steps_beyond_the_limit_fail_before_the_scm_is_fitted(adult):
    X, y, graph = adult
    scm = cf.SCM(graph, sensitive="sex", random_state=0)
    clf = cf.FairRobustClassifier(scm=scm, steps=200_000, verbose=False)
    seconds, message = timed(lambda: clf.fit(X, y))
    assert f"steps: expected an int in [0, {LIMITS['max_training_steps']}], got 200000" in message
    assert not hasattr(scm, "schema_") and not hasattr(clf, "scm_")
    assert seconds < 0.05, seconds


def test_audit_samples_beyond_the_limit_fail_before_any_work(adult, fitted):
    X, y, graph = adult
    scm, clf, _, _ = fitted
    big = pd.DataFrame({"s": X["sex"], "x1": X["age"], "x2": X["hours"]})
    seconds, message = timed(lambda: cf.audit(clf, scm, big, n_samples=2_000_000, verbose=False))
    assert f"n_samples: expected an int in [1, {LIMITS['max_audit_samples']}], got 2000000" in message
    assert seconds < 0.05, seconds


def test_audit_outputs_of_the_wrong_length_are_refused_by_the_engine(fitted):
    """One flag and one level per (row, draw): the engine checks the lengths it writes."""
    scm, clf, X, _ = fitted
    x = np.ascontiguousarray(scm.encode(X).to_numpy(), dtype=np.float64)
    options = {"method": "sample", "factual_only": False, "logit_threshold": 0.0, "radius": 0.1,
               "n_samples": 1, "steps": 0, "restarts": 1, "step_size": 0.0, "first_row": 0, "n_draws": 2,
               "posterior_seed": 0, "n_threads": 1}
    rows = x.shape[0]
    with pytest.raises(ValueError, match="one per \\(row, draw\\)"):
        _engine.audit(clf._handle, scm._handle, x, options, 0, None, np.empty(rows, dtype=np.int64),
                      np.empty(rows, dtype=np.int64), np.empty((2 * rows, x.shape[1])))
