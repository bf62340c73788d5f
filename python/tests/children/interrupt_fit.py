"""The child of ``test_classifier_progress.py``: a fit that would run for minutes, with
``verbose`` given as ``sys.argv[1]`` ("True"/"False"), receives SIGINT one second in.
Prints one JSON line: ``raised`` ("KeyboardInterrupt" or null), ``delay`` (seconds from
the signal to the end of fit), ``elapsed``, and ``fitted`` (whether the estimator still
counts as fitted: it must not, though an earlier fit had finished) and ``left``, the
fitted attributes still set (none may be)."""

import json
import os
import signal
import sys
import threading
import time

import numpy as np
import pandas as pd
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import causalfair as cf

rng = np.random.default_rng(0)
x = pd.DataFrame(rng.normal(size=(2000, 5)), columns=list("abcde"))  # named: feature_names_in_ is set
y = (x["a"] > 0).astype(int)
clf = cf.FairRobustClassifier(model="mlp", hidden_layer_sizes=(32, 32), method="causal_at",
                              epochs=10000, random_state=0, verbose=sys.argv[1] == "True")
# a first fit that finishes, so the interrupted fit must also forget it
clf.set_params(epochs=1).fit(x[:100], y[:100]).set_params(epochs=10000)
sent = {}


def interrupt():
    sent["at"] = time.monotonic()
    os.kill(os.getpid(), signal.SIGINT)


threading.Timer(1.0, interrupt).start()
start = time.monotonic()
try:
    clf.fit(x, y)
    outcome = {"raised": None}
except KeyboardInterrupt:
    outcome = {"raised": "KeyboardInterrupt"}
end = time.monotonic()
outcome["delay"] = end - sent.get("at", end)
outcome["elapsed"] = end - start
try:
    check_is_fitted(clf)
    outcome["fitted"] = True
except NotFittedError:
    outcome["fitted"] = False
outcome["left"] = sorted(k for k in vars(clf) if k.endswith("_") and k not in clf.get_params())
print(json.dumps(outcome), flush=True)
