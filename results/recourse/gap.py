"""Issue 16, item 4: do causal_at, capify and trades models have smaller recourse gaps
than erm? The gap of each (data set, method, seed) cell is `cf.audit(..., recourse=...)`'s
mean individual recourse gap (max − min of the twins' cheapest recourse cost, standardized
units) on 1,000 test rows, from the five-way trade-off's protocol (results/privacy/
tradeoff.py at ε = ∞: no DP) — erm, causal_at and capify from results/privacy/runs.csv,
trades from trades_runs.csv (the same `tradeoff.run_cell` with method "trades").

    python gap.py            # writes gap.md
"""

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
METHODS = ["erm", "causal_at", "capify", "trades"]


def main() -> None:
    privacy = pd.read_csv(HERE.parent / "privacy" / "runs.csv")
    runs = pd.concat([privacy[privacy["epsilon"] == float("inf")], pd.read_csv(HERE / "trades_runs.csv")],
                     ignore_index=True)
    lines = ["| data | method | seeds | accuracy | U_CF | recourse gap mean ± sd | median | smaller than erm's (seeds) |",
             "|---|---|---|---|---|---|---|---|"]
    for name in ("lin", "adult"):
        erm = runs[(runs.dataset == name) & (runs.method == "erm")].set_index("seed")["recourse_gap"]
        for method in METHODS:
            part = runs[(runs.dataset == name) & (runs.method == method)].set_index("seed")
            gap = part["recourse_gap"]
            smaller = int((gap < erm.reindex(gap.index)).sum()) if method != "erm" else None
            lines.append(f"| {name} | {method} | {len(part)} | {part['accuracy'].mean():.1f} | {part['U_CF'].mean():.1f} "
                         f"| {gap.mean():.3f} ± {gap.std():.3f} | {gap.median():.3f} | "
                         f"{'—' if smaller is None else f'{smaller} of {len(gap)}'} |")
    (HERE / "gap.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
