"""Hardening (issue 6): a small fuzz of the ``_engine`` boundary.

Hypothesis (derandomized, so the same inputs every run) calls every ``_engine`` entry
point with mostly-valid arguments of which some are replaced: wrong shapes (0 rows,
0 columns, wrong ndim), dtypes (float32, int, bool, complex, object), non-contiguous,
Fortran-ordered and read-only arrays, NaN / ±inf / huge / tiny values, non-arrays,
bad scalars and seeds, handles of the wrong kind and closed handles, and settings
structs (SCM node specs, training configs, audit options: dicts of causalfair.h's
fields) with mutated fields (cycles, self-loops, unknown parents, unknown code names,
codes and sizes out of range, wrong types, missing and unknown keys).

Each call must return or raise one of the documented exceptions (TypeError,
ValueError, MemoryError, RuntimeError, KeyError, OverflowError). It all runs in a
child interpreter that announces each input before making the call, so a crash (a
Swift trap kills the process) fails the test with the input that caused it.
"""

import json
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("hypothesis")

MAX_EXAMPLES = 1500

CHILD = textwrap.dedent(r'''
    import json, sys
    import numpy as np
    from hypothesis import given, settings, strategies as st, HealthCheck
    import causalfair as cf
    from causalfair import _engine, _handles, _models

    MAX_EXAMPLES = int(sys.argv[1])
    ALLOWED = (TypeError, ValueError, MemoryError, RuntimeError, KeyError, OverflowError)

    ds = cf.datasets.make_lin(60, random_state=0)
    X, Y = ds.X, ds.y.to_numpy().astype(np.float64)
    SCM = cf.SCM({"X1": ["S"], "X2": ["S", "X1"]}, sensitive="S", random_state=0).fit(X)
    MLP_SCM = cf.SCM({"X1": ["S"], "X2": ["S", "X1"]}, sensitive="S", random_state=0,
                     mechanism=cf.MLPMechanism(hidden_layer_sizes=(4,), epochs=2)).fit(X)
    DATA = np.ascontiguousarray(SCM.encode(X).to_numpy())
    COLS = DATA.shape[1]
    SPEC = MLP_SCM.schema_.spec()
    PARAMS, LATENT = _handles.export_state(SCM._handle)
    MODEL = _models.new_model([COLS, 4, 1], "tanh", 0)
    MODEL_PARAMS = _models.parameters(MODEL)
    CONFIG = {"objective": "erm", "optimizer": "adam", "epochs": 1, "batch_size": 20, "patience": 5, "steps": 2,
              "n_samples": 2, "exact_when_linear": False, "learning_rate": 0.01, "weight_decay": 0.0,
              "validation_fraction": 0.0, "radius": 0.05, "epsilon": 0.05, "step_size": 0.01,
              "inner_learning_rate": 0.1, "lambda": 1.0, "mu": 1.0, "nu": 1.0, "twin_penalty": 0.0, "tol": 1e-8,
              "dp": False, "noise_multiplier": 0.0, "max_grad_norm": 1.0, "beta": 6.0, "n_threads": 1,
              "actionable": []}
    DP_CONFIG = {**CONFIG, "dp": True, "noise_multiplier": 1.0}  # DP-SGD: its fields are read
    OPTIONS = {"method": "sample", "factual_only": False, "logit_threshold": 0.0, "radius": 0.05, "n_samples": 3,
               "steps": 2, "restarts": 1, "step_size": 0.0, "first_row": 0, "n_draws": 1, "posterior_seed": 0}
    CLOSED_SCM = _handles.new_handle(SCM.schema_); _engine.scm_free(CLOSED_SCM)
    CLOSED_MODEL = _models.new_model([COLS, 1], "tanh", 0); _engine.model_free(CLOSED_MODEL)

    def emit(record):
        print(json.dumps(record), flush=True)

    def describe(v):
        if isinstance(v, np.ndarray):
            d = {"dtype": str(v.dtype), "shape": list(v.shape), "C": bool(v.flags.c_contiguous),
                 "writable": bool(v.flags.writeable)}
            if v.dtype.kind in "fc" and v.size:
                with np.errstate(all="ignore"):
                    d["nan"] = int(np.isnan(v).sum()); d["inf"] = int(np.isinf(v).sum())
                    d["absmax"] = float(np.nanmax(np.abs(v))) if not np.isnan(v).all() else None
            return d
        if isinstance(v, _engine.Handle):
            return repr(v)
        r = repr(v)
        return r if len(r) < 80 else r[:77] + "..."

    # ----------------------------------------------------------------- strategies
    DTYPES = [np.float32, np.int64, np.int32, np.bool_, np.complex128, object, np.float16]
    SPECIALS = [np.nan, np.inf, -np.inf, 1e308, -1e308, 1e-308, 5e-324, 0.0]
    JUNK = [None, 3, 2.5, "abc", b"\x00" * 16, [1.0, 2.0], [[1.0, 2.0]], (), {}]

    @st.composite
    def mutate(draw, valid):
        """``valid`` itself, or a mutation of it."""
        kind = draw(st.sampled_from(["valid"] * 5 + ["dtype", "shape", "layout", "readonly", "values", "junk",
                                                       "empty"]))
        v = valid
        if kind == "valid" or not isinstance(v, np.ndarray):
            if kind == "junk":
                return draw(st.sampled_from(JUNK))
            return v
        v = v.copy()
        if kind == "dtype":
            return v.astype(draw(st.sampled_from(DTYPES)))
        if kind == "shape":
            ndim = draw(st.integers(0, 3))
            shape = tuple(draw(st.lists(st.sampled_from([0, 1, 2, 3, 5, 7]), min_size=ndim, max_size=ndim)))
            return np.zeros(shape, dtype=v.dtype)
        if kind == "empty":
            return np.zeros((0,) + v.shape[1:], dtype=v.dtype)
        if kind == "layout":
            how = draw(st.sampled_from(["strided", "fortran", "transposed"]))
            if how == "strided":
                wide = np.repeat(v, 2, axis=-1) if v.ndim else v
                return wide[..., ::2] if v.ndim else wide
            if how == "fortran":
                return np.asfortranarray(v)
            return v.T
        if kind == "readonly":
            v.setflags(write=False)
            return v
        if kind == "values" and v.dtype.kind == "f" and v.size:
            flat = v.reshape(-1)
            for _ in range(draw(st.integers(1, 3))):
                flat[draw(st.integers(0, flat.size - 1))] = draw(st.sampled_from(SPECIALS))
            return v
        return v

    def scalar(valid, bad):
        return st.one_of(st.just(valid), st.sampled_from(bad))

    BAD_FIELDS = [-1, 0, 2, 5, 99, 2 ** 31, 2 ** 62, -2 ** 63, 2 ** 64, np.nan, np.inf, -1.0, 1e308, True,
                  "nope", "erm", "attack", "mlp", None, [0], [0, 0], [-1], [5]]

    @st.composite
    def mutate_struct(draw, valid):
        """A copy of the settings dict ``valid`` with up to three fields replaced by
        bad values, or a key dropped or added, or not a dict at all."""
        v = dict(valid)
        kind = draw(st.sampled_from(["valid"] * 3 + ["fields"] * 4 + ["missing", "extra", "junk"]))
        if kind == "fields":
            for _ in range(draw(st.integers(1, 3))):
                v[draw(st.sampled_from(sorted(v)))] = draw(st.sampled_from(BAD_FIELDS))
        elif kind == "missing":
            del v[draw(st.sampled_from(sorted(v)))]
        elif kind == "extra":
            v["unknown"] = 1
        elif kind == "junk":
            return draw(st.sampled_from(JUNK))
        return v

    SEEDS = scalar(0, [-1, 2 ** 64, 2 ** 63, 1.5, "seed", None])
    REALS = [np.nan, np.inf, -np.inf, -1.0, 0.0, 1e7, 1e308]
    COUNTS = [-1, 0, 1, 2 ** 62, -2 ** 63]

    def scm_handle(draw):
        kind = draw(st.sampled_from(["fresh"] * 6 + ["model", "closed", "unfitted", "junk"]))
        if kind == "fresh":
            h = _handles.new_handle(SCM.schema_)
            _handles.import_state(h, PARAMS, LATENT, COLS)
            return h
        return {"model": MODEL, "closed": CLOSED_SCM, "unfitted": _handles.new_handle(SCM.schema_),
                "junk": None}[kind]

    def model_handle(draw):
        kind = draw(st.sampled_from(["fresh"] * 6 + ["scm", "closed", "junk"]))
        if kind == "fresh":
            h = _models.new_model([COLS, 4, 1], "tanh", 0)
            _models.set_parameters(h, MODEL_PARAMS)
            return h
        return {"scm": SCM._handle, "closed": CLOSED_MODEL, "junk": "handle"}[kind]

    def rows_data(draw):
        rows = draw(st.sampled_from([0, 1, 2, 5, 17]))
        return np.ascontiguousarray(DATA[:rows]) if rows <= len(DATA) else DATA

    def out_like(rows, cols=COLS, dtype=np.float64):
        return np.empty((rows, cols), dtype=dtype)

    def call_args(draw, name):
        d = rows_data(draw)
        n = d.shape[0]
        m = mutate
        if name == "scm_new":
            nodes = [draw(mutate_struct(node)) for node in SPEC]
            if draw(st.booleans()):
                nodes = nodes[:draw(st.integers(0, len(nodes)))]
            small = all(isinstance(node, dict) and all(
                not isinstance(v, int) or v <= 5 or v == valid.get(k) for k, v in node.items())
                for node, valid in zip(nodes, SPEC))
            return [draw(st.one_of(st.just(nodes), st.sampled_from(JUNK)))], small
        if name == "scm_info":
            return [scm_handle(draw)], True
        if name == "scm_fit":
            return [scm_handle(draw), draw(m(d)), draw(SEEDS)], True
        if name in ("scm_abduct", "scm_twins", "scm_phi", "scm_phi_inverse"):
            rows = 2 * n if name == "scm_twins" else n
            return [scm_handle(draw), draw(m(d)), draw(m(out_like(rows)))], True
        if name == "scm_factual_levels":
            return [scm_handle(draw), draw(m(d)), draw(m(np.empty(n, dtype=np.int64)))], True
        if name == "scm_counterfactual":
            nodes = np.array([0], dtype=np.int64)
            values = np.ones((1, 1))
            nodes = draw(st.sampled_from([nodes, np.array([5], dtype=np.int64), np.array([-1], dtype=np.int64),
                                          np.array([0, 0], dtype=np.int64), np.empty(0, dtype=np.int64)]))
            return [scm_handle(draw), draw(m(d)), draw(m(nodes)), draw(m(values)), draw(m(out_like(n)))], True
        if name == "scm_abduct_at":
            labels = draw(st.sampled_from([np.arange(n), np.arange(n)[::-1], -np.ones(n), np.arange(n + 1),
                                           np.full(n, 2 ** 62)])).astype(np.int64)
            return [scm_handle(draw), draw(m(d)), draw(m(labels)), draw(m(out_like(n)))], True
        if name == "scm_intervention_gradient":
            nodes = np.array(draw(st.sampled_from([[0], [5], [0, 0], []])), dtype=np.int64)
            values = np.ones((1, nodes.size))
            return [scm_handle(draw), model_handle(draw), draw(m(d)), draw(m(nodes)), draw(m(values)),
                    draw(st.sampled_from([1, 2, 0, -1, 2 ** 40])), draw(m(out_like(n))), draw(m(np.empty(n))),
                    draw(m(out_like(n)))], True
        if name == "scm_sample":
            nodes = np.empty(0, dtype=np.int64)
            values = np.empty((1, 0))
            rows = draw(st.sampled_from([0, 1, 4]))
            return [scm_handle(draw), draw(m(nodes)), draw(m(values)), draw(SEEDS), draw(m(out_like(rows)))], True
        if name == "scm_twin_levels":
            return [scm_handle(draw), draw(m(np.empty((2, 1), dtype=np.int64)))], True
        if name == "scm_perturbable":
            return [scm_handle(draw), draw(m(np.empty(COLS, dtype=np.int64)))], True
        if name == "scm_phi_inverse_vjp":
            return [scm_handle(draw), draw(m(d)), draw(m(d.copy())), draw(m(out_like(n)))], True
        if name == "scm_metric":
            return [scm_handle(draw), draw(m(d)), draw(m(d.copy())), draw(m(np.empty(n)))], True
        if name == "scm_ball":
            samples = draw(st.sampled_from([1, 3, 0, -1, 2 ** 62]))
            factual = draw(st.booleans())
            rows = n * (1 if factual else 2) * max(samples, 0) if samples < 100 else 1
            radius = draw(scalar(0.05, REALS))
            return [scm_handle(draw), draw(m(d)), radius, samples, factual, draw(SEEDS),
                    draw(m(out_like(rows)))], True
        if name == "scm_export":
            return [scm_handle(draw), draw(m(np.empty_like(PARAMS))), draw(m(np.empty_like(LATENT)))], True
        if name == "scm_import":
            h = _handles.new_handle(SCM.schema_)
            return [draw(st.sampled_from([h, MODEL, CLOSED_SCM])), draw(m(PARAMS.copy())),
                    draw(m(LATENT.copy()))], True
        if name == "model_new":
            widths = draw(st.sampled_from([[COLS, 4, 1], [COLS, 1], [COLS], [], [0, 1], [COLS, -3, 1], [COLS, 4, 2],
                                           [COLS, 2 ** 40, 1], [COLS] + [1] * 200 + [1]]))
            return [draw(m(np.asarray(widths, dtype=np.int64))),
                    draw(scalar("tanh", ["relu", "sigmoid", 0, 1, None, b"tanh"])), draw(SEEDS)], True
        if name == "model_info":
            return [model_handle(draw)], True
        if name == "model_widths":
            return [model_handle(draw), draw(m(np.empty(3, dtype=np.int64)))], True
        if name == "model_input_limit":
            return [model_handle(draw)], True
        if name == "model_get_parameters":
            return [model_handle(draw), draw(m(np.empty_like(MODEL_PARAMS)))], True
        if name == "model_set_parameters":
            return [model_handle(draw), draw(m(MODEL_PARAMS.copy()))], True
        if name == "model_logits":
            return [model_handle(draw), draw(m(d)), draw(m(np.empty(n)))], True
        if name == "model_input_gradient":
            return [model_handle(draw), draw(m(d)), draw(m(out_like(n)))], True
        if name == "model_train":
            config = draw(mutate_struct(draw(st.sampled_from([CONFIG, DP_CONFIG]))))
            y = np.ascontiguousarray(Y[:n])
            epochs = config.get("epochs", 1) if isinstance(config, dict) else 1
            epochs = epochs if isinstance(epochs, int) and not isinstance(epochs, bool) and epochs >= 0 else 0
            history = np.full((min(epochs, 50), 2), np.nan)
            progress = draw(st.sampled_from([None, None, lambda *a: None, "not callable"]))
            return [model_handle(draw), draw(st.sampled_from([None, None, SCM._handle, MODEL, CLOSED_SCM])),
                    draw(m(d)), draw(m(y)), draw(st.sampled_from([None, np.ones(n), np.ones(n + 1), -np.ones(n)])),
                    config, draw(SEEDS), progress, draw(m(history))], True
        if name == "audit":
            scm = draw(st.sampled_from([SCM._handle, SCM._handle, None, MODEL, CLOSED_SCM]))
            options = draw(mutate_struct(OPTIONS))
            if isinstance(options, dict) and draw(st.booleans()):
                options["method"] = draw(st.sampled_from(["sample", "attack", "exact"]))
            return [model_handle(draw), scm, draw(m(d)), options, draw(SEEDS), None,
                    draw(m(np.empty(n, dtype=np.int64))), draw(m(np.empty(n, dtype=np.int64))),
                    draw(m(out_like(n)))], True
        if name == "audit_ball":
            options = draw(mutate_struct(OPTIONS))
            levels = 1 if isinstance(options, dict) and options.get("factual_only") else 2
            samples = options.get("n_samples", 1) if isinstance(options, dict) else 1
            draws = options.get("n_draws", 1) if isinstance(options, dict) else 1
            rows = n * levels * (samples if isinstance(samples, int) and 0 < samples < 10 else 1) * (
                draws if isinstance(draws, int) and 0 < draws < 10 else 1)
            return [draw(st.sampled_from([SCM._handle, SCM._handle, MODEL, CLOSED_SCM])), draw(m(d)), options,
                    draw(SEEDS), draw(st.sampled_from([0, 1, 5, -1, 2**40])), draw(m(out_like(rows)))], True
        if name == "limits":
            return [], True
        if name == "graph_order":
            counts = np.array(draw(st.sampled_from([[0, 1, 2], [0, 2, 1], [1, 1, 1], [0, 1, -1], [0, 0, 3]])),
                              dtype=np.int64)
            parents = np.array(draw(st.sampled_from([[0, 0, 1], [2, 0, 1], [0, 1, 2], [0, 7, 1], [-1, 0, 1]])),
                               dtype=np.int64)
            return [draw(m(counts)), draw(m(parents)), draw(m(np.empty(3, dtype=np.int64))),
                    draw(m(np.empty(3, dtype=np.int64)))], True
        if name == "matrix_multiply":
            return [draw(m(d)), draw(m(np.ones((COLS, 3)))), draw(m(np.empty((n, 3))))], True
        if name == "threshold_mcc":
            p = np.linspace(0, 1, n)
            y = (p > 0.5).astype(np.float64)
            return [draw(m(p)), draw(m(y))], True
        raise AssertionError(name)

    NAMES = ["scm_new", "scm_info", "scm_fit", "scm_abduct", "scm_twins", "scm_phi", "scm_phi_inverse",
             "scm_factual_levels", "scm_counterfactual", "scm_abduct_at", "scm_intervention_gradient", "scm_sample", "scm_twin_levels", "scm_perturbable",
             "scm_phi_inverse_vjp", "scm_metric", "scm_ball", "scm_export", "scm_import", "model_new",
             "model_info", "model_widths", "model_input_limit", "model_get_parameters", "model_set_parameters", "model_logits",
             "model_input_gradient", "model_train", "audit", "audit_ball", "threshold_mcc", "matrix_multiply", "limits", "graph_order"]

    counts = {"calls": 0, "ok": 0, "raised": {}}
    unexpected = []

    def run(name, args):
        emit({"call": name, "args": [describe(a) for a in args]})
        counts["calls"] += 1
        try:
            result = getattr(_engine, name)(*args)
            counts["ok"] += 1
            if name == "scm_new" and isinstance(result, _engine.Handle):
                return result
        except ALLOWED as exc:
            key = type(exc).__name__
            counts["raised"][key] = counts["raised"].get(key, 0) + 1
        except BaseException as exc:  # noqa: BLE001 - anything else is a finding
            unexpected.append({"call": name, "args": [describe(a) for a in args],
                               "raised": f"{type(exc).__name__}: {exc}"})
        return None

    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def fuzz(data):
        name = data.draw(st.sampled_from(NAMES))
        args, small = call_args(data.draw, name)
        handle = run(name, args)
        if handle is not None:  # a spec the engine accepted: it must be usable or refuse cleanly
            run("scm_info", [handle])
            if small:
                run("scm_fit", [handle, DATA, 0])
                run("scm_twins", [handle, DATA[:3], np.empty((6, COLS))])

    fuzz()
    # A few fixed extremes beside the generated ones: 10^6 rows x 1 column, one row, no columns.
    m1 = _models.new_model([1, 1], "tanh", 0)
    tall = np.zeros((1_000_000, 1))
    run("model_logits", [m1, tall, np.empty(1_000_000)])
    run("model_input_gradient", [m1, tall, np.empty((1_000_000, 1))])
    run("threshold_mcc", [np.linspace(0, 1, 1_000_000), (np.arange(1_000_000) % 2).astype(np.float64)])
    run("scm_abduct", [SCM._handle, np.zeros((1_000_000, 1)), np.empty((1_000_000, 1))])
    run("scm_abduct", [SCM._handle, np.zeros((1, 0)), np.empty((1, 0))])
    emit({"done": counts, "unexpected": unexpected})
''')


def test_engine_entry_points_never_crash_and_raise_documented_errors():
    proc = subprocess.run([sys.executable, "-c", CHILD, str(MAX_EXAMPLES)], capture_output=True, text=True,
                          timeout=900)
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    done = [r for r in records if "done" in r]
    if not done:
        calls = [r for r in records if "call" in r]
        last = calls[-1] if calls else None
        pytest.fail(f"the interpreter died (exit status {proc.returncode}) after {len(calls)} calls; "
                    f"last input: {json.dumps(last)}\nstderr:\n{proc.stderr[-3000:]}")
    summary = done[0]
    counts = summary["done"]
    assert not summary["unexpected"], ("undocumented exceptions:\n" +
                                       "\n".join(json.dumps(u) for u in summary["unexpected"][:20]))
    assert counts["calls"] >= MAX_EXAMPLES  # every generated input really reached the engine
    assert counts["ok"] > 0 and sum(counts["raised"].values()) > 0  # both outcomes exercised
    print(f"fuzz: {counts['calls']} calls, {counts['ok']} returned, raised {counts['raised']}")
