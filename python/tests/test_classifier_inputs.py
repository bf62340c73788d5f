"""Bad input to FairRobustClassifier gets a clear Python exception naming the argument,
before any training, and never kills the interpreter.

The cases run in a child interpreter, one after another, each printing its outcome as
a JSON line; a crash (a Swift trap is SIGILL) shows up as the child dying, and the
case it died in fails here with the child's exit status.
"""

from __future__ import annotations

from typing import Dict, Tuple

import pytest
from _support import ChildRun

SETUP_MODULE = "children.classifier_inputs"  # the cases' namespace, imported in the child

# name -> (code, expected exception name, text the message must contain)
CASES: Dict[str, Tuple[str, str, str]] = {
    # ---- labels
    "y_one_class": ("c().fit(A, np.ones(n))", "ValueError", "class"),
    "y_one_class_scm": ("c(scm=scm).fit(X, np.zeros(n, dtype=int))", "ValueError", "y"),
    "y_nan": ("c().fit(A, np.where(np.arange(n) == 3, np.nan, y))", "ValueError", "y"),
    "y_nan_scm": ("c(scm=scm).fit(X, np.where(np.arange(n) == 3, np.nan, y))", "ValueError", "y"),
    "y_none_labels": ("c().fit(A, np.where(y == 1, 'a', None))", "ValueError", "y"),
    "y_multiclass": ("c().fit(A, np.arange(n) % 3)", "ValueError", "binary"),
    "y_multiclass_scm": ("c(scm=scm).fit(X, np.arange(n) % 3)", "ValueError", "y"),
    "y_continuous": ("c().fit(A, rng.normal(size=n))", "ValueError", "continuous"),
    "y_two_fractional_values": ("c().fit(A, np.where(y == 1, 1.5, 0.5))", "ValueError", "continuous"),
    "y_wrong_length": ("c().fit(A, y[:-1])", "ValueError", "y"),
    "y_wrong_length_scm": ("c(scm=scm).fit(X, y[:-1])", "ValueError", "y"),
    "y_2d": ("c().fit(A, np.column_stack([y, y]))", "ValueError", "y"),
    "y_none": ("c().fit(A, None)", "ValueError", "y"),
    "y_string": ("c().fit(A, 'labels')", "ValueError", "y"),
    # ---- features
    "X_missing_scm_column": ("c(scm=scm).fit(X.drop(columns='x2'), y)", "ValueError", "x2"),
    "X_missing_scm_column_unfitted": (
        "c(scm=cf.SCM({'x1': ['s'], 'x2': ['s', 'x1']}, sensitive='s')).fit(X.drop(columns='x1'), y)",
        "ValueError", "x1"),
    "X_missing_column_at_predict": ("fitted_scm.predict(X.drop(columns='x1'))", "ValueError", "x1"),
    "X_nan": ("c().fit(np.where(A == A[3, 1], np.nan, A), y)", "ValueError", "NaN"),
    "X_nan_scm": ("c(scm=scm).fit(X.assign(x1=np.where(np.arange(n) == 3, np.nan, X.x1)), y)",
                  "ValueError", "x1"),
    "X_inf": ("c().fit(np.where(A == A[3, 1], np.inf, A), y)", "ValueError", "infinity"),
    "X_nan_at_predict": ("fitted.predict(np.full((2, 3), np.nan))", "ValueError", "NaN"),
    "X_wrong_features_at_predict": ("fitted.predict(A[:, :2])", "ValueError", "features"),
    "X_wrong_features_at_predict_scm": ("fitted_scm.predict(A[:, :2])", "ValueError", "X"),
    "X_empty": ("c().fit(A[:0], y[:0])", "ValueError", "sample"),
    "X_none": ("c().fit(None, y)", "TypeError", "X"),
    "X_none_scm": ("c(scm=scm).fit(None, y)", "TypeError", "X"),
    "X_string": ("c().fit('data.csv', y)", "TypeError", "X"),
    "X_string_scm": ("c(scm=scm).fit('data.csv', y)", "TypeError", "X"),
    # without an SCM a text column is named (scikit-learn's message named only a value)
    "X_string_column_no_scm": ("c().fit(X.assign(job=np.where(s == 1, 'clerk', 'cook')), y)", "ValueError",
                               "'job'"),
    # with an SCM an array is never guessed to be encoded
    "X_array_at_predict_scm": ("fitted_scm.predict(A)", "ValueError", "encoded=True"),
    "X_array_fit_scm": ("c(scm=scm).fit(A, y)", "ValueError", "encoded=True"),
    "X_3d": ("c().fit(np.zeros((n, 3, 2)), y)", "ValueError", "dim"),
    "X_3d_scm": ("c(scm=scm).fit(np.zeros((n, 3, 2)), y)", "ValueError", "X"),
    "X_strings": ("c().fit(np.full((n, 3), 'a'), y)", "ValueError", "float"),
    "X_unfitted_scm_numpy": ("c(scm=cf.SCM({'x1': ['s']}, sensitive='s')).fit(A, y)", "ValueError", "scm"),
    "predict_none": ("fitted.predict(None)", "TypeError", "X"),
    "predict_3d_scm": ("fitted_scm.predict(np.zeros((2, 3, 2)))", "ValueError", "X"),
    "predict_before_fit": ("c().predict(A)", "NotFittedError", "fit"),
    "predict_proba_before_fit": ("c(scm=scm).predict_proba(X)", "NotFittedError", "fit"),
    "decision_before_fit": ("c().decision_function(A)", "NotFittedError", "fit"),
    "score_before_fit": ("c().score(A, y)", "NotFittedError", "fit"),
    # ---- parameters
    "unknown_method": ("c(method='adversarial').fit(A, y)", "ValueError", "method"),
    "unknown_model": ("c(model='svm').fit(A, y)", "ValueError", "model"),
    "unknown_activation": ("c(model='mlp', activation='sigmoid').fit(A, y)", "ValueError", "activation"),
    "unknown_optimizer": ("c(optimizer='lbfgs').fit(A, y)", "ValueError", "optimizer"),
    "unknown_parameter": ("C(gamma=1)", "TypeError", "gamma"),
    "method_none": ("c(method=None).fit(A, y)", "ValueError", "method"),
    "negative_radius": ("c(radius=-0.1).fit(A, y)", "ValueError", "radius"),
    "nan_radius": ("c(radius=float('nan')).fit(A, y)", "ValueError", "radius"),
    "string_radius": ("c(radius='0.1').fit(A, y)", "TypeError", "radius"),
    "negative_epochs": ("c(epochs=-1).fit(A, y)", "ValueError", "epochs"),
    "float_epochs": ("c(epochs=2.5).fit(A, y)", "TypeError", "epochs"),
    "negative_learning_rate": ("c(learning_rate=-0.01).fit(A, y)", "ValueError", "learning_rate"),
    "zero_learning_rate": ("c(learning_rate=0).fit(A, y)", "ValueError", "learning_rate"),
    "negative_batch_size": ("c(batch_size=-5).fit(A, y)", "ValueError", "batch_size"),
    "zero_batch_size": ("c(batch_size=0).fit(A, y)", "ValueError", "batch_size"),
    "negative_epsilon": ("c(epsilon=-1.0).fit(A, y)", "ValueError", "epsilon"),
    "negative_steps": ("c(steps=-1).fit(A, y)", "ValueError", "steps"),
    "negative_weight_decay": ("c(weight_decay=-1.0).fit(A, y)", "ValueError", "weight_decay"),
    "negative_twin_penalty": ("c(twin_penalty=-1.0).fit(A, y)", "ValueError", "twin_penalty"),
    "validation_fraction_one": ("c(validation_fraction=1.0).fit(A, y)", "ValueError",
                                "validation_fraction"),
    "zero_samples": ("c(n_samples=0).fit(A, y)", "ValueError", "n_samples"),
    "threshold_zero": ("c(threshold=0.0).fit(A, y)", "ValueError", "threshold"),
    "threshold_one": ("c(threshold=1.0).fit(A, y)", "ValueError", "threshold"),
    "threshold_above": ("c(threshold=1.5).fit(A, y)", "ValueError", "threshold"),
    "threshold_string": ("c(threshold='best').fit(A, y)", "TypeError", "threshold"),
    "hidden_empty": ("c(model='mlp', hidden_layer_sizes=()).fit(A, y)", "ValueError", "hidden_layer_sizes"),
    "hidden_zero": ("c(model='mlp', hidden_layer_sizes=(8, 0)).fit(A, y)", "ValueError",
                    "hidden_layer_sizes"),
    "hidden_none": ("c(model='mlp', hidden_layer_sizes=None).fit(A, y)", "TypeError", "hidden_layer_sizes"),
    "exact_bad": ("c(exact='yes').fit(A, y)", "ValueError", "exact"),
    "exact_needs_logistic": ("c(model='mlp', method='causal_at', exact=True).fit(A, y)", "ValueError",
                             "exact"),
    "random_state_bad": ("c(random_state='seed').fit(A, y)", "TypeError", "random_state"),
    "random_state_negative": ("c(random_state=-1).fit(A, y)", "ValueError", "random_state"),
    "verbose_string": ("c(verbose='yes').fit(A, y)", "TypeError", "verbose"),
    "privacy_not_a_dict": ("c(privacy=[1.0]).fit(A, y)", "TypeError", "privacy"),
    "privacy_nan_epsilon": ("c(privacy={'target_epsilon': float('nan')}).fit(A, y)", "ValueError",
                            "privacy['target_epsilon']"),
    "privacy_inf_clip": ("c(privacy={'target_epsilon': 1.0, 'max_grad_norm': float('inf')}).fit(A, y)",
                         "ValueError", "privacy['max_grad_norm']"),
    "privacy_delta_zero": ("c(privacy={'target_epsilon': 1.0, 'delta': 0.0}).fit(A, y)", "ValueError",
                           "privacy['delta']"),
    "scm_not_an_scm": ("c(scm='graph.json').fit(X, y)", "TypeError", "scm"),
    # ---- sizes that would overflow or exhaust memory
    "huge_hidden": ("c(model='mlp', hidden_layer_sizes=(10**12,)).fit(A, y)", "Error", ""),
    "huge_epochs": ("c(epochs=10**15).fit(A, y)", "ValueError", "epochs"),
    "huge_batch_size": ("c(batch_size=2**62).fit(A, y)", None, ""),
}


@pytest.fixture(scope="module")
def outcomes():
    return ChildRun([(name, code) for name, (code, _, _) in sorted(CASES.items())], timeout=300,
                    setup_module=SETUP_MODULE)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_raises(outcomes, name):
    _, expected, text = CASES[name]
    outcomes.check(name, expected, text)


def test_the_child_interpreter_exits_cleanly(outcomes):
    assert outcomes.proc.returncode == 0, outcomes.proc.stderr[-2000:]
    assert len(outcomes.results) == len(CASES)
