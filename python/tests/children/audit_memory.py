"""The children of ``test_hardening_audit_memory.py``: one audit in a fresh
interpreter (so memory freed by an earlier audit cannot hide this one's), measured by
the peak resident set (VmHWM, reset just before the audit through
/proc/self/clear_refs) minus the resident set before it. Prints one JSON line.

- ``python -m children.audit_memory million METHOD ROWS``: the LIN SCM with logistic
  regression, ``ROWS`` rows sampled from it, radii=(0.05,), 5 points per ball; prints
  ``rows``, ``growth_mb``, ``seconds`` and ``n`` (rows audited).
- ``python -m children.audit_memory bounds``: the attack audit of an Adult-shaped MLP
  SCM and MLP classifier (hidden layers of 100); prints ``growth_mb``.
"""

import json
import sys
import time

import causalfair as cf
from _support import adult_like


def status_mb(key: str) -> float:
    """A resident-set reading of /proc/self/status ("VmRSS", "VmHWM"), in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    raise KeyError(key)


def reset_peak() -> None:
    """Sets the peak resident set (VmHWM) to the current one."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def million(method: str, rows: int) -> dict:
    ds = cf.datasets.make_lin(5000, random_state=0)
    scm = cf.SCM(ds.graph, sensitive="S", random_state=0).fit(ds.X)
    clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="erm", epochs=2, random_state=0,
                                  verbose=False).fit(ds.X, ds.y)
    cf.audit(clf, scm, ds.X.head(1000), radii=(0.05,), method=method, n_samples=5, random_state=0)  # warm-up
    X = scm.sample(rows, random_state=1)
    before = status_mb("VmRSS")
    reset_peak()
    start = time.monotonic()
    report = cf.audit(clf, scm, X, radii=(0.05,), method=method, n_samples=5, random_state=0)
    seconds = time.monotonic() - start
    return {"rows": rows, "growth_mb": status_mb("VmHWM") - before, "seconds": seconds,
            "n": int(report.to_frame().loc["U_CF", "n"])}


def bounds() -> dict:
    X, y, graph = adult_like(4000, 0)
    scm = cf.SCM(graph, sensitive="sex", mechanism=cf.MLPMechanism(hidden_layer_sizes=(100,), epochs=1),
                 random_state=0, discrete="anm").fit(X)  # bound propagation needs bounded mechanisms:
    # a Gumbel-max node has none (its argmax), so with discrete="gumbel" every ball is attacked
    clf = cf.FairRobustClassifier(scm=scm, hidden_layer_sizes=(100, 100), epochs=1, random_state=0,
                                  verbose=False).fit(X, y)
    cf.audit(clf, scm, X.head(50), radii=(0.05,), method="attack", random_state=0)  # warm-up
    before = status_mb("VmRSS")
    reset_peak()
    cf.audit(clf, scm, X, radii=(0.05,), method="attack", random_state=0)
    return {"growth_mb": status_mb("VmHWM") - before}


if __name__ == "__main__":
    result = million(sys.argv[2], int(sys.argv[3])) if sys.argv[1] == "million" else bounds()
    print(json.dumps(result))
