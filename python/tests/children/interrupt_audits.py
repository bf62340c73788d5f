"""The child of ``test_hardening_interrupt.py``: starts audits that would run for
minutes on the Adult-shaped models and sends itself SIGINT one second in.

For every case named in the environment variable ``CASES`` (a JSON list) it prints one
JSON line: ``raised`` ("KeyboardInterrupt" or null), ``delay`` (seconds from the signal
to the end of the call), ``elapsed``, and ``after`` — U_CF of a short audit of the same
objects afterwards, which shows they still work.
"""

import json
import os
import signal
import threading
import time

import pandas as pd
from sklearn.linear_model import LogisticRegression

import causalfair as cf
from children.adult_shaped import GRAPH, X, clf, scm, y


def main() -> None:
    black_box = LogisticRegression().fit(X, y)
    # a black box needs hard codes for married (a binary node with parents): Gumbel-max
    gumbel = cf.SCM(GRAPH, sensitive="sex", random_state=0, discrete="gumbel").fit(X)
    many = pd.concat([X] * 20, ignore_index=True)
    cases = {
        "audit sample": lambda: cf.audit(clf, scm, many, method="sample", n_samples=1000, random_state=0),
        "audit sample verbose": lambda: cf.audit(clf, scm, many, method="sample", n_samples=1000,
                                                 random_state=0, verbose=True),
        "audit attack": lambda: cf.audit(clf, scm, many, method="attack", random_state=0),
        "unfair_area": lambda: cf.metrics.unfair_area(clf, scm, many, 0.05, method="sample", random_state=0),
        "non_robust_area": lambda: cf.metrics.non_robust_area(clf, scm, many, 0.05, method="attack",
                                                              random_state=0),
        "audit black box": lambda: cf.audit(black_box, gumbel, X, y, n_samples=1000, random_state=0),
    }
    for name in json.loads(os.environ["CASES"]):
        sent = {}

        def interrupt():
            sent["at"] = time.monotonic()
            os.kill(os.getpid(), signal.SIGINT)

        timer = threading.Timer(1.0, interrupt)
        start = time.monotonic()
        timer.start()
        try:
            cases[name]()
            outcome = {"raised": None}
        except KeyboardInterrupt:
            outcome = {"raised": "KeyboardInterrupt"}
        end = time.monotonic()
        timer.cancel()
        outcome.update(name=name, delay=end - sent.get("at", end), elapsed=end - start)
        # the objects are still usable: a short audit of the same classifier and SCM
        small = cf.audit(black_box if "black" in name else clf, gumbel if "black" in name else scm, X.head(20),
                         y[:20], n_samples=5, random_state=0)
        outcome["after"] = float(small.to_frame().loc["U_CF", "value"])
        print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main()
