"""Training reports progress through a tqdm bar when verbose, is silent otherwise, and
stops cleanly on Ctrl-C or when the progress callback raises."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from causalfair import FairRobustClassifier, _models
from causalfair.classifier import FairRobustClassifier as _Same  # noqa: F401  (import check)


def data(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    y = (x[:, 0] + rng.normal(size=n) > 0).astype(int)
    return x, y


def test_verbose_shows_a_tqdm_bar(capsys):
    x, y = data()
    FairRobustClassifier(model="logistic", method="erm", epochs=3, random_state=0,
                         verbose=True).fit(x, y)
    captured = capsys.readouterr()
    assert "epoch" in captured.err and "erm" in captured.err, captured.err
    assert captured.out == ""


def test_quiet_shows_nothing(capsys):
    x, y = data()
    FairRobustClassifier(model="logistic", method="erm", epochs=3, random_state=0,
                         verbose=False).fit(x, y)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_quiet_by_default_as_scikit_learn(capsys):
    """Issue 14: verbose=True printed a bar per fit by default (15 interleaved bars under
    GridSearchCV(n_jobs=2)); every entry point is now quiet unless asked."""
    import inspect

    from causalfair import audit, demo, experiments

    x, y = data()
    clf = FairRobustClassifier(model="logistic", method="erm", epochs=3, random_state=0)
    assert clf.verbose is False
    clf.fit(x, y)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    for function in (audit, demo.run, experiments.run):
        assert inspect.signature(function).parameters["verbose"].default is False, function


def test_progress_does_not_change_the_result():
    x, y = data()
    quiet = FairRobustClassifier(model="mlp", hidden_layer_sizes=(8,), epochs=3, random_state=0,
                                 verbose=False).fit(x, y)
    loud = FairRobustClassifier(model="mlp", hidden_layer_sizes=(8,), epochs=3, random_state=0,
                                verbose=True).fit(x, y)
    np.testing.assert_array_equal(quiet.decision_function(x), loud.decision_function(x))


def _settings(**overrides):
    settings = FairRobustClassifier(model="logistic", method="erm", epochs=5, batch_size=20,
                                    verbose=False)._settings()
    settings.update(overrides)
    return settings


def test_progress_callback_is_called_with_epochs_and_finite_loss():
    x, y = data()
    calls = []
    handle = _models.new_model((3, 1), "tanh", 0)
    history, ran, converged = _models.train(handle, None, x, y.astype(float), _settings(), 1,
                                 lambda *args: calls.append(args))
    assert ran == 5 and history.shape == (5, 2) and converged is None
    assert calls, "the progress callback was never called"
    for epoch, epochs, batch, batches, loss, _ in calls:
        assert 0 <= epoch < 5 and epochs == 5 and 0 <= batch < batches == 10
        assert np.isfinite(loss)
    assert (calls[-1][0], calls[-1][2]) == (4, 9)  # called after the last batch of the last epoch


def test_exception_in_progress_callback_stops_training():
    x, y = data()
    calls = []

    def progress(*args):
        calls.append(args)
        raise ValueError("stop here")

    handle = _models.new_model((3, 1), "tanh", 0)
    before = _models.parameters(handle)
    with pytest.raises(ValueError, match="stop here"):
        _models.train(handle, None, x, y.astype(float), _settings(epochs=1000), 1, progress)
    assert len(calls) == 1, "training went on calling back after the callback raised"
    assert np.all(np.isfinite(_models.parameters(handle)))
    assert before.shape == _models.parameters(handle).shape


def test_exception_in_progress_bar_leaves_estimator_unfitted(monkeypatch):
    from causalfair import _progress
    from sklearn.exceptions import NotFittedError

    def broken(self, *args):
        raise RuntimeError("display failed")

    monkeypatch.setattr(_progress.EpochBar, "_update", broken)
    x, y = data()
    clf = FairRobustClassifier(model="logistic", epochs=3, random_state=0, verbose=True)
    with pytest.raises(RuntimeError, match="display failed"):
        clf.fit(x, y)
    with pytest.raises(NotFittedError):
        clf.predict(x)


@pytest.mark.parametrize("verbose", [False, True])
def test_keyboard_interrupt_stops_training_and_leaves_estimator_unfitted(verbose):
    proc = subprocess.run([sys.executable, "-m", "children.interrupt_fit", str(verbose)],
                          capture_output=True, text=True, timeout=120, cwd=os.path.dirname(os.path.abspath(__file__)))
    assert proc.returncode == 0, proc.stderr[-2000:]
    outcome = json.loads(proc.stdout.strip().splitlines()[-1])
    assert outcome["raised"] == "KeyboardInterrupt", outcome
    assert outcome["delay"] < 2.0, f"training took {outcome['delay']:.2f} s to stop after SIGINT"
    assert outcome["fitted"] is False
    assert outcome["left"] == []  # no classes_, scm_, feature_names_in_, mean_... from either fit
