"""Why capify collapses to the majority class in the privacy grid (issue 17's question:
its objective, or DP-SGD's clipping of its per-example gradient?).

Adult, the MLP SCM of benchmarks/_workloads.py (10 epochs, `discrete="gumbel"`, treated as
public), capify MLP d→100→100→1 tanh, 10 epochs, batch 100, lr 0.01, threshold 0.5 (as the
grid), one thread; DP variants by target ε (σ calibrated by dp-accounting) and clipping
norm C. Prints one JSON line: test accuracy, the share predicted positive, σ, and U_CF,
U_0.05 by attack on 1,000 test rows.

    CAUSALFAIR_DATA=/path/to/data python3 results/privacy/capify_collapse.py "eps 3, C 10"
"""
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import _workloads as w  # noqa: E402

import causalfair as cf  # noqa: E402

VARIANTS = {"no privacy": None,
            "eps 1e6, C 1e6": dict(target_epsilon=1e6, max_grad_norm=1e6),
            "eps 1e6, C 10": dict(target_epsilon=1e6, max_grad_norm=10.0),
            "eps 1e6, C 1": dict(target_epsilon=1e6, max_grad_norm=1.0),
            "eps 3, C 1": dict(target_epsilon=3.0, max_grad_norm=1.0),
            "eps 8, C 3": dict(target_epsilon=8.0, max_grad_norm=3.0),
            "eps 8, C 10": dict(target_epsilon=8.0, max_grad_norm=10.0),
            "eps 3, C 10": dict(target_epsilon=3.0, max_grad_norm=10.0)}


def main(name: str) -> None:
    ds, X_tr, X_te, y_tr, y_te = w.adult({"data_home": None, "scm_epochs": 10})
    scm = w.mlp_scm(ds, X_tr, 10)
    clf = w.classifier(scm, "capify", 10, n_threads=1)
    if VARIANTS[name] is not None:
        clf.set_params(privacy=VARIANTS[name])
    start = time.perf_counter()
    clf.fit(X_tr, y_tr)
    seconds = time.perf_counter() - start
    predicted = clf.predict(X_te)
    rows = X_te.sample(1000, random_state=0)
    report = cf.audit(clf, scm, rows, y_te.loc[rows.index], radii=(0.05,), method="attack", random_state=0,
                      verbose=False).to_frame()
    print(json.dumps({"variant": name, "seconds": round(seconds, 1), "accuracy": float((predicted == y_te).mean()),
                      "positive_rate": float((predicted == 1).mean()), "sigma": getattr(clf, "noise_multiplier_", None),
                      "U_CF": float(report.loc["U_CF", "value"]), "U_0.05": float(report.loc["U_0.05", "value"])}))


if __name__ == "__main__":
    main(sys.argv[1])
