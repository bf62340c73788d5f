"""Command line: ``python -m causalfair demo [--rows N] [--data FOLDER] [--seed S]``."""

from __future__ import annotations

import argparse
import sys
import time
from typing import List, Optional

import numpy as np
import pandas as pd


def demo(rows: int = 3, data: Optional[str] = None, seed: int = 0) -> int:
    """Fit an SCM and print a few individuals beside their counterfactual twins."""
    import causalfair as cf
    from causalfair.demo import demo_data

    name, df, graph, sensitive = demo_data(data)
    print(f"causalfair {cf.__version__} — SCM demo on {name}: {len(df)} rows, "
          f"nodes {list(df.columns)}, sensitive {sensitive!r}")
    start = time.perf_counter()
    scm = cf.SCM(graph, sensitive=[sensitive], random_state=seed).fit(df)
    print(f"fitted a linear SCM in {time.perf_counter() - start:.3f} s; "
          f"topological order {scm.nodes_}; twin levels {scm.twin_levels_[sensitive].tolist()}\n")
    sample = df.head(rows)
    levels = len(scm.twin_levels_)
    twins = scm.twins(sample)
    factual = scm.factual_levels(sample)
    twins.insert(0, "factual", (np.arange(levels)[None, :] == factual[:, None]).ravel())
    # Distances on the encoded twins: decoding rounds binary descendants' codes.
    encoded_twins = scm.twins(sample, encoded=True)
    repeated = scm.encode(sample).loc[sample.index.repeat(levels)]
    distance = scm.metric(repeated.to_numpy(), encoded_twins.to_numpy())
    with pd.option_context("display.width", 120, "display.max_columns", 20,
                           "display.precision", 3):
        print("individuals:")
        print(sample)
        print("\ntheir counterfactual twins (one per level of the sensitive attribute):")
        print(twins)
        print("\ncausal fair distance from each individual to each of its twins "
              f"(0 by construction): max {float(np.max(distance)):.3g}")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m causalfair",
                                     description="causalfair command line")
    commands = parser.add_subparsers(dest="command", required=True)
    d = commands.add_parser("demo", help="fit an SCM and show individuals beside their twins")
    d.add_argument("--rows", type=int, default=3, help="individuals to show (default 3)")
    d.add_argument("--data", default=None,
                   help="folder holding adult.data (default: $CAUSALFAIR_DATA)")
    d.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo(rows=args.rows, data=args.data, seed=args.seed)
    return 2


if __name__ == "__main__":
    sys.exit(main())
