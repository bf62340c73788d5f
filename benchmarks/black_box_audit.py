"""The black-box audit workload of issue 14 item 7: a HistGradientBoostingClassifier
trained on 1,000 Adult rows (SCM with discrete="gumbel": a black box is refused on "anm"
codes), audited by ``cf.audit`` on those rows at the default
settings (n_samples=1000, radii (0.05, 0.01)). Prints the wall-clock seconds and the
indicators as JSON.

    python3 benchmarks/black_box_audit.py [--n-samples N] [--rows N] [--seed S]
"""

import argparse
import json
import os
import time

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

import causalfair as cf


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--n-samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = cf.datasets.load_adult(os.environ.get("CAUSALFAIR_DATA"))
    X, y = data.X.iloc[:args.rows], np.asarray(data.y)[:args.rows]
    scm = cf.SCM(data.graph, sensitive=data.sensitive, discrete="gumbel", random_state=0).fit(X)
    clf = HistGradientBoostingClassifier(random_state=0, categorical_features="from_dtype").fit(X, y)
    start = time.perf_counter()
    report = cf.audit(clf, scm, X, y, n_samples=args.n_samples, random_state=args.seed)
    seconds = time.perf_counter() - start
    frame = report.to_frame()
    print(json.dumps({"seconds": round(seconds, 2), "rows": args.rows, "n_samples": args.n_samples,
                      "indicators": {name: float(frame.loc[name, "value"]) for name in frame.index
                                     if name.startswith(("U_", "NR_"))}}))


if __name__ == "__main__":
    main()
