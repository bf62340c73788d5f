"""The trades comparison (issue 12, item 6): trades, causal_at and capify on LIN and
Adult under the reproduction protocol (causalfair.experiments), and the table of
results/trades/README.md.

    python compare.py run DATASET FIRST_SEED END_SEED OUT   # experiments.run; OUT/runs.csv
    python compare.py assemble OUT_DIR PART...                # runs.csv, summary.csv, table.md

A PART is a runs.csv written by ``run`` or, for a run stopped before its data set
was done, the log ``run`` printed: its lines carry accuracy, U_0.05, U_CF
and NR_0.05 of every finished run (exact: 1,000 audited points give multiples of
0.1 %), the other metrics are then missing.
"""

import re
import sys
from pathlib import Path

import pandas as pd

from causalfair import experiments

METHODS = ["trades", "causal_at", "capify"]
REPORTED = ["accuracy", "U_0.05", "U_CF", "NR_0.05"]
LINE = re.compile(r"^(\w+)\s+(\w+)\s+seed\s+(\d+): acc\s+([\d.]+)\s+U_0.05\s+([\d.]+)\s+U_CF\s+([\d.]+)\s+"
                  r"NR_0.05\s+([\d.]+)\s+\(([\d.]+) s\)$")


def read_part(part: str) -> pd.DataFrame:
    path = Path(part)
    if path.suffix == ".csv":
        return pd.read_csv(path)
    rows = []
    for line in path.read_text().splitlines():
        match = LINE.match(line.strip())
        if match:
            name, method, seed, *values, seconds = match.groups()
            rows.append({"dataset": name, "method": method, "seed": int(seed),
                         **dict(zip(REPORTED, map(float, values))), "seconds_total": float(seconds)})
    return pd.DataFrame(rows)


def assemble(output_dir: str, parts: list) -> pd.DataFrame:
    runs = pd.concat([read_part(p) for p in parts], ignore_index=True)
    runs = runs.drop_duplicates(["dataset", "method", "seed"], keep="first")
    for metric in experiments.METRICS:
        if metric not in runs:
            runs[metric] = float("nan")
    runs[["n_train", "n_audit"]] = runs[["n_train", "n_audit"]].astype("Int64")
    order = {"lin": 0, "adult": 1}
    runs = runs.sort_values(["dataset", "seed", "method"],
                            key=lambda c: c.map(order) if c.name == "dataset" else
                            (c.map(METHODS.index) if c.name == "method" else c)).reset_index(drop=True)
    folder = Path(output_dir)
    runs.to_csv(folder / "runs.csv", index=False)
    summary = experiments.summarize(runs)
    summary.to_csv(folder / "summary.csv")
    lines = ["| data set | method | seeds | accuracy | U_0.05 | U_CF | NR_0.05 |", "|---|---|---|---|---|---|---|"]
    for (name, method), row in summary.iterrows():
        cells = [f"{row[(m, 'mean')]:.1f} ± {0.0 if row[(m, 'std')] != row[(m, 'std')] else row[(m, 'std')]:.1f}"
                 for m in REPORTED]
        lines.append(f"| {name} | {method} | {int(row[('seeds', '')])} | " + " | ".join(cells) + " |")
    (folder / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return runs


if __name__ == "__main__":
    if sys.argv[1] == "run":
        name, first, end, out = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        experiments.run([name], METHODS, seeds=range(first, end), output_dir=out)
    else:
        assemble(sys.argv[2], sys.argv[3:])
