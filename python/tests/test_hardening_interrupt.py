"""Hardening (issue 6): Ctrl-C during an audit.

The shapes are those of the paper's Adult runs — six nodes, MLP mechanisms with 100
hidden units, an MLP classifier 100-100, two twin levels, 1000 samples per ball — so
the engine's chunks are as large as in real use.

- The engine reports progress (where the C shim checks for Ctrl-C) several times a
  second: the longest gap between reports, sampling or attacking, is measured.
- A child interpreter (``children/interrupt_audits.py``) starts audits that would run for minutes — ``sample`` and
  ``attack`` in the engine, with and without a progress bar, the ``cf.metrics``
  indicator functions, and a scikit-learn classifier audited as a black box — and
  sends itself SIGINT one second in. Each must raise ``KeyboardInterrupt`` within a
  second of the signal, and the classifier and SCM must still work afterwards.
"""

import importlib
import json
import os
import subprocess
import sys
import time

import pandas as pd
import pytest

import causalfair as cf
from causalfair.audit import indicator

DEADLINE_SECONDS = 1.0
LONGEST_GAP_SECONDS = 0.5


CASES = ["audit sample", "audit sample verbose", "audit attack", "unfair_area", "non_robust_area",
         "audit black box"]


@pytest.fixture(scope="module")
def outcomes():
    env = dict(os.environ, CASES=json.dumps(CASES))
    proc = subprocess.run([sys.executable, "-m", "children.interrupt_audits"], capture_output=True, text=True,
                          timeout=600, env=env,
                          cwd=os.path.dirname(os.path.abspath(__file__)))
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert proc.returncode == 0, f"the child failed after {len(records)} cases:\n{proc.stderr[-3000:]}"
    return {r["name"]: r for r in records}


@pytest.mark.parametrize("case", CASES)
def test_ctrl_c_stops_an_audit_within_a_second(outcomes, case):
    outcome = outcomes[case]
    assert outcome["raised"] == "KeyboardInterrupt", outcome
    assert outcome["delay"] < DEADLINE_SECONDS, f"{case}: took {outcome['delay']:.2f} s to stop after SIGINT"
    assert 0.0 <= outcome["after"] <= 1.0  # the same objects audit normally afterwards


@pytest.fixture(scope="module")
def adult_shaped():
    return vars(importlib.import_module("children.adult_shaped"))


@pytest.mark.parametrize("method, hidden, rows", [("sample", (100, 100), 15000), ("sample", (300, 300), 3000),
                                                   ("attack", (100, 100), 10000)])
def test_the_engine_reports_progress_several_times_a_second(adult_shaped, method, hidden, rows):
    """The shim re-enters Python (and checks for Ctrl-C) at most every 0.1 s, at the
    engine's progress reports: after each chunk of rows, and each attack step. Chunks
    are bounded by work, so a wider classifier gets smaller chunks."""
    X, y, scm = adult_shaped["X"], adult_shaped["y"], adult_shaped["scm"]
    clf = adult_shaped["clf"] if hidden == (100, 100) else cf.FairRobustClassifier(
        scm=scm, hidden_layer_sizes=hidden, method="erm", epochs=1, random_state=0, verbose=False).fit(X, y)
    stamps = []
    start = time.monotonic()
    points = pd.concat([X] * (rows // len(X) + 1), ignore_index=True).head(rows)
    flags = indicator(clf, scm, points, 0.05, factual_only=False, method=method, n_samples=1000,
                      random_state=0, _progress=lambda *args: stamps.append((time.monotonic(), args[2]))).flags
    end = time.monotonic()
    assert len(flags) == rows
    gaps = [b - a for a, b in zip([start] + [t for t, _ in stamps], [t for t, _ in stamps] + [end])]
    assert len(stamps) >= 3, f"{len(stamps)} progress reports in {end - start:.2f} s"
    assert max(gaps) < LONGEST_GAP_SECONDS, f"{method}: {max(gaps):.2f} s without a progress report"
    assert [done for _, done in stamps] == sorted(done for _, done in stamps)
