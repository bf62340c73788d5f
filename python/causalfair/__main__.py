"""Command line: ``python -m causalfair demo`` (the README's main job) and
``python -m causalfair reproduce`` (the CAPIFY results table)."""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from typing import Iterator, List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m causalfair", description="causalfair command line")
    commands = parser.add_subparsers(dest="command", required=True)
    d = commands.add_parser("demo", help="fit Adult's SCM, train erm/capify/causal_at, audit them, plot")
    d.add_argument("--data", default=None, help="folder with the data files (default: $CAUSALFAIR_DATA, cache)")
    d.add_argument("--output", default="demo-output", help="folder for tradeoff.png (default demo-output)")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--quick", action="store_true", help="4,000 rows and 3 epochs (a smoke test)")
    r = commands.add_parser("reproduce", help="the CAPIFY results table, ours beside the published")
    r.add_argument("--datasets", default="adult,compas,lin,nlm,imf,loan")
    r.add_argument("--methods", default="erm,al,cal,llr,capify,causal_at")
    r.add_argument("--seeds", type=int, default=10, help="number of seeds (FIRST..FIRST+N-1)")
    r.add_argument("--first-seed", type=int, default=0, metavar="FIRST",
                   help="the first seed (default 0): a long run split into parts, e.g. --first-seed 50 --seeds 47")
    r.add_argument("--output", default="reproduction", help="folder for runs.csv, table.md and plots")
    r.add_argument("--data", default=None)
    r.add_argument("--n-synthetic", type=int, default=10_000)
    r.add_argument("--n-jobs", type=int, default=None,
                   help="cells run at once, as joblib tasks (-1: one per core; with --scheduler: default all "
                        "the cluster's workers); default one at a time")
    r.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run the cells on the Dask cluster whose scheduler is at ADDRESS (e.g. "
                        "tcp://10.0.0.1:8786); needs pip install causalfair[distributed]")
    from .schema import DISCRETE_MODES
    r.add_argument("--discrete", choices=(*DISCRETE_MODES, "both"), default="anm",
                   help="Adult's and COMPAS's binary and categorical nodes: anm (continuous codes, the published "
                        "protocol; default), gumbel (realizable individuals) or both (OUTPUT/anm and "
                        "OUTPUT/gumbel)")
    r.add_argument("--paper-estimator", action=argparse.BooleanOptionalAction, default=True,
                   help="also audit by the paper's estimator (sampling, 1,000 per ball; U_0.01 and U_CF nested "
                        "in U_0.05): the sampled_* and nested_* columns and paper_estimator.md (default: on)")
    args = parser.parse_args(argv)
    if args.command == "reproduce" and args.n_jobs == 0:
        parser.error("--n-jobs: expected a non-zero number of tasks (-1: one per core)")
    if args.command == "reproduce" and (args.first_seed < 0 or args.seeds < 1):
        parser.error("--first-seed and --seeds: expected FIRST >= 0 and N >= 1")
    if args.command == "demo":
        from .demo import run
        run(data_home=args.data, output_dir=args.output, seed=args.seed, quick=args.quick, verbose=True)
        return 0
    from . import experiments
    modes = ("anm", "gumbel") if args.discrete == "both" else (args.discrete,)  # both: the published first
    for mode in modes:
        output = f"{args.output}/{mode}" if len(modes) > 1 else args.output
        started = time.perf_counter()
        with _backend(args.scheduler):
            results = experiments.run(args.datasets.split(","), args.methods.split(","),
                                      range(args.first_seed, args.first_seed + args.seeds),
                                      n_synthetic=args.n_synthetic, data_home=args.data, output_dir=output,
                                      n_jobs=args.n_jobs, verbose=True, discrete=mode,
                                      paper_estimator=args.paper_estimator)
        print(f"discrete={mode}")
        print(experiments.markdown_table(experiments.summarize(results)))
        print(f"\n{len(results)} runs in {time.perf_counter() - started:.0f} s; files in {output}/")
    return 0


@contextlib.contextmanager
def _backend(scheduler: Optional[str]) -> Iterator[None]:
    """joblib's default backend, or (with a scheduler address) a ``dask.distributed``
    client connected to it and joblib's dask backend, closed on the way out."""
    if scheduler is None:
        yield
        return
    try:
        import joblib  # type: ignore[import-untyped]  # joblib ships no type information
        from distributed import Client
    except ImportError:
        raise SystemExit("--scheduler needs dask.distributed: pip install causalfair[distributed]") from None
    with Client(scheduler), joblib.parallel_config(backend="dask"):  # type: ignore[no-untyped-call]  # unannotated
        yield


if __name__ == "__main__":
    sys.exit(main())
