#!/usr/bin/env python3
"""causalfair's benchmark harness (issue 7): the engine against its peers, side by side.

    python3 benchmarks/run.py            # the full run (Adult, paper sizes, 3 repetitions)
    python3 benchmarks/run.py --quick    # small sizes, 1 repetition: checks the harness (< 2 min)

Every workload runs in its own child process (``benchmarks/_workloads.py``) with the
thread settings in its environment before numpy, the engine or torch load:
``OPENBLAS_NUM_THREADS`` = ``OMP_NUM_THREADS`` = ``MKL_NUM_THREADS`` = the thread
count, and ``torch.set_num_threads`` the same. Results go to ``results.json`` and
``results.md`` (and the scaling plot ``scaling.png``) in ``--output-dir`` (default:
this folder). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

#: The issue's reference numbers for the authors' PyTorch research code (torch 2.13 CPU, 1 thread).
RESEARCH = {"train_erm": 5.7, "scm_fit": 14.0, "audit_sample": 301.0, "train_capify": 4.8 * 3600,
            "peak_rss_mb": 534.0}

FULL = {"train_rows": None, "epochs": 10, "scm_epochs": 10, "reps": 3, "peer_reps": 3, "torch_reps": 3,
        "methods": ["erm", "al", "causal_at", "capify"], "torch_methods": ["erm", "al", "causal_at", "capify"],
        "audit_points": 1000, "audit_samples": 1000, "lin_rows": 10000, "dgemm_n": 1000, "dgemm_reps": 10,
        "scaling_sizes": [1000, 4000, 16000, 64000], "scaling_epochs": 1, "scaling_reps": 3,
        "scaling_audit_samples": 20, "sweep_datasets": ["lin", "imf"], "sweep_methods": ["erm", "capify"],
        "sweep_seeds": 4, "sweep_n_synthetic": 10000, "sweep_workers": 2, "partition_chunk": 1_000_000,
        "partition_sizes_exact": [100_000, 1_000_000, 10_000_000], "partition_sizes_sample": [100_000, 1_000_000],
        "partition_samples": 5, "partition_dask_partitions": 8,
        "threads_methods": ["erm", "al", "causal_at", "capify"], "openblas_methods": ["erm", "capify"],
        "twin_draws": 16, "recourse_rows": 1000, "dice_rows": 200}
QUICK = {"train_rows": 3000, "epochs": 2, "scm_epochs": 2, "reps": 1, "peer_reps": 1, "torch_reps": 1,
         "methods": ["erm", "al", "causal_at", "capify"], "torch_methods": ["erm", "al", "causal_at", "capify"],
         "audit_points": 200, "audit_samples": 200, "lin_rows": 2000, "dgemm_n": 400, "dgemm_reps": 3,
         "scaling_sizes": [500, 1000, 2000, 4000], "scaling_epochs": 1, "scaling_reps": 1,
         "scaling_audit_samples": 10, "sweep_datasets": ["lin"], "sweep_methods": ["erm", "capify"],
         "sweep_seeds": 2, "sweep_n_synthetic": 2000, "sweep_workers": 2, "partition_chunk": 20_000,
         "partition_sizes_exact": [20_000, 100_000], "partition_sizes_sample": [20_000, 100_000],
         "partition_samples": 5, "partition_dask_partitions": 4,
         "threads_methods": ["erm", "al", "causal_at", "capify"], "openblas_methods": ["erm", "capify"],
        "twin_draws": 16, "recourse_rows": 40, "dice_rows": 10}

#: (task, runs at every thread count (else the first only), config overrides after the
#: first count, also after the first count with --quick). After the first count only
#: what BLAS threads can change is repeated; the long torch objectives are not.
#: `engine_threads` varies the engine's own threads inside one process (A/B per
#: repetition); `openblas_default` runs one process per repetition and OpenBLAS
#: setting (OPENBLAS_NUM_THREADS unset, then 1), alternating.
PLAN = [("dgemm", True, {}, True), ("scm", True, {}, False), ("logistic", True, {}, False),
        ("train", True, {"methods": ["erm", "causal_at"], "torch_methods": ["erm"]}, True),
        ("audit", True, {}, True), ("audit_torch", False, {}, False), ("scaling", False, {}, False),
        ("sweep", False, {}, False), ("partitioned_audit", False, {}, False), ("discrete", True, {}, False),
        ("engine_threads", False, {}, False), ("openblas_default", False, {}, False), ("opacus", True, {}, False),
        ("recourse", True, {}, False)]


# --------------------------------------------------------------------- machine
def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def busy_cores(seconds: float = 1.0) -> float:
    """Cores kept busy by anything on the machine over ``seconds`` (from /proc/stat)."""
    def sample() -> Tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields), idle
    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return float("nan")
    total = total1 - total0
    return (os.cpu_count() or 1) * (1 - (idle1 - idle0) / total) if total > 0 else float("nan")


def cpu_jiffies() -> Tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def own_cpu_seconds() -> float:
    """CPU seconds of this process and its finished children."""
    import resource
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def top_processes(limit: int = 5) -> List[str]:
    try:
        out = subprocess.run(["ps", "-eo", "pid,pcpu,etime,args", "--sort=-pcpu"], capture_output=True,
                             text=True, timeout=10).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return []
    return [line[:160] for line in out[1:limit + 1]]


def versions() -> Dict[str, str]:
    code = ("import json, sys, numpy, sklearn, causalfair\n"
            "v = {'python': sys.version.split()[0], 'numpy': numpy.__version__, 'scikit-learn': sklearn.__version__,"
            " 'causalfair': causalfair.__version__}\n"
            "try:\n    import torch; v['torch'] = torch.__version__\n"
            "except ImportError:\n    v['torch'] = 'not installed'\n"
            "try:\n    import threadpoolctl; v['threadpoolctl'] = threadpoolctl.__version__\n"
            "except ImportError:\n    v['threadpoolctl'] = 'not installed'\n"
            "print(json.dumps(v))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": out.stderr[-500:]}


def child_env(threads: int) -> Tuple[Dict[str, str], Dict[str, Optional[str]]]:
    """The environment of a workload: thread counts set; OPENBLAS_CORETYPE and
    OPENBLAS_L2_SIZE unset together (env README: they slow a current numpy), and
    what they were recorded."""
    env = dict(os.environ)
    removed = {k: env.pop(k, None) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[k] = str(threads)
    return env, removed


# --------------------------------------------------------------------- statistics
def summary(values: Sequence[float]) -> Dict[str, float]:
    xs = [v for v in values if v == v]
    if not xs:
        return {"median": float("nan"), "min": float("nan"), "max": float("nan"), "n": 0}
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def fmt_seconds(s: Dict[str, float]) -> str:
    if s["n"] == 0:
        return "—"
    def one(v: float) -> str:
        return f"{v:.3g}" if v < 100 else f"{v:.0f}"
    text = one(s["median"])
    if s["n"] > 1:
        text += f" [{one(s['min'])}–{one(s['max'])}]"
    return text


def slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of log y on log x."""
    lx = [math.log(x) for x in xs]
    ly = [math.log(max(y, 1e-12)) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    den = sum((a - mx) ** 2 for a in lx)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / den if den > 0 else float("nan")


# --------------------------------------------------------------------- running
def run_task(task: str, threads: int, cfg: Dict[str, Any], timeout: float,
             openblas_unset: bool = False) -> Dict[str, Any]:
    env, removed = child_env(threads)
    if openblas_unset:
        env.pop("OPENBLAS_NUM_THREADS")
    with tempfile.TemporaryDirectory() as tmp:
        config_path, output_path = Path(tmp, "config.json"), Path(tmp, "out.json")
        config_path.write_text(json.dumps(cfg))
        started = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, str(HERE / "_workloads.py"), task, str(config_path),
                                   str(output_path)], env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"task": task, "threads": threads, "rows": [], "error": f"timed out after {timeout:.0f} s"}
        elapsed = time.perf_counter() - started
        if proc.returncode != 0 or not output_path.exists():
            return {"task": task, "threads": threads, "rows": [], "seconds": elapsed,
                    "error": f"exit {proc.returncode}: {proc.stderr[-2000:]}"}
        result = json.loads(output_path.read_text())
    result.update({"threads": threads, "seconds": elapsed, "unset_env": removed})
    return result


def openblas_default(threads: int, cfg: Dict[str, Any], timeout: float) -> Dict[str, Any]:
    """The `openblas_default` task: one process per repetition and setting, OpenBLAS's
    default (OPENBLAS_NUM_THREADS unset) and 1 alternating, so both see the same load;
    the repetitions of a row are merged."""
    merged: Dict[Tuple[str, str], Dict[str, Any]] = {}
    errors = []
    for _ in range(max(1, cfg["reps"])):
        for unset in (True, False):
            result = run_task("openblas_default", 1 if not unset else threads, dict(cfg, reps=1), timeout,
                              openblas_unset=unset)
            if result.get("error"):
                errors.append(result["error"])
            for r in result.get("rows", []):
                key = (r["workload"], r["impl"])
                if key in merged:
                    merged[key]["seconds"] += r["seconds"]
                    merged[key]["cpu_seconds"] += r["cpu_seconds"]
                else:
                    merged[key] = r
    out: Dict[str, Any] = {"task": "openblas_default", "threads": threads, "rows": list(merged.values())}
    if errors:
        out["error"] = errors[-1]
    return out


def ratios(rows: List[Dict[str, Any]]) -> None:
    """Each peer row gets ``speedup``: peer median / engine median (same workload,
    same threads); > 1 means the engine is faster."""
    engine = {(r["workload"], r["threads"]): r for r in rows if r["impl"] == "causalfair"}
    for r in rows:
        mine = engine.get((r["workload"], r["threads"]))
        if not r["impl"].startswith("causalfair") and mine is not None and "n" not in r:
            a, b = summary(r["seconds"])["median"], summary(mine["seconds"])["median"]
            r["speedup"] = a / b if b > 0 else float("nan")


def lookup(rows: List[Dict[str, Any]], workload: str, impl: str = "causalfair",
           threads: Optional[int] = None) -> Optional[Dict[str, Any]]:
    found = [r for r in rows if r["workload"] == workload and r["impl"] == impl
             and (threads is None or r["threads"] == threads) and "n" not in r]
    if not found:
        return None
    return min(found, key=lambda r: summary(r["seconds"])["median"])


# --------------------------------------------------------------------- report
def targets(rows: List[Dict[str, Any]], slopes: Dict[str, float], quick: bool, torch: bool,
            cfg: Dict[str, Any]) -> List[Tuple[str, str, str, str]]:
    """(workload, target, measured, met) — the issue's table."""
    out = _targets(rows, slopes, quick, torch, cfg)
    if quick:
        sizes = (f"[--quick: {cfg['train_rows']} training rows, {cfg['epochs']} epochs, audit "
                 f"{cfg['audit_points']} × {cfg['audit_samples']}, dgemm {cfg['dgemm_n']}², 1 repetition] ")
        out = [(a, b, c if c.startswith("not measured") else sizes + c, d) for a, b, c, d in out]
    return out


def _targets(rows: List[Dict[str, Any]], slopes: Dict[str, float], quick: bool, torch: bool,
             cfg: Dict[str, Any]) -> List[Tuple[str, str, str, str]]:
    out = []
    missing_peer = "not measured (torch not installed)" if not torch else "not measured (no PyTorch row)"
    not_run = "not measured (task not run)"

    def med(r: Optional[Dict[str, Any]]) -> float:
        return summary(r["seconds"])["median"] if r else float("nan")

    def verdict(ok: bool) -> str:
        return "— (quick sizes)" if quick else ("met" if ok else "**not met**")

    # the engine's threads
    parts, oks = [], []
    for w in ("train_erm", "train_al", "train_causal_at", "train_capify", "audit_sample", "audit_attack"):
        one, two = (lookup(rows, f"{w}_engine_threads", f"causalfair n_threads={n}") for n in (1, 2))
        if one and two:
            parts.append(f"{w} {med(one):.2f} → {med(two):.2f} s = {med(one) / med(two):.2f}×"
                         + ("" if two["quality"].get("bit_identical_across_threads") else " (NOT bit-identical)"))
            oks.append(med(one) / med(two) >= 1.7 and two["quality"].get("bit_identical_across_threads"))
    out.append(("engine threads: Adult MLP training (erm, al, causal_at, capify; 10 epochs) and audits "
                "(sample 1000 × 1000, attack), 2 vs 1 engine threads", "≥ 1.7× faster, same bits",
                "; ".join(parts) or not_run, verdict(all(oks)) if oks else ""))
    parts, oks = [], []
    for m in ("erm", "capify"):
        unset = lookup(rows, f"train_{m}_openblas", "causalfair OPENBLAS_NUM_THREADS=unset")
        one = lookup(rows, f"train_{m}_openblas", "causalfair OPENBLAS_NUM_THREADS=1")
        if unset and one:
            parts.append(f"{m} {med(unset):.2f} s (unset) vs {med(one):.2f} s (=1)")
            oks.append(med(unset) <= 1.05 * med(one))
    out.append(("OpenBLAS default settings vs OPENBLAS_NUM_THREADS=1, training at 1 engine thread",
                "default not slower (within 5 %)", "; ".join(parts) or not_run, verdict(all(oks)) if oks else ""))
    # CAPIFY
    cap, tcap = lookup(rows, "train_capify", threads=1), lookup(rows, "train_capify", "pytorch", threads=1)
    if cap is None:
        out.append(("CAPIFY objective, Adult MLP, 10 epochs",
                    "≥ 20× faster than vectorised PyTorch (≥ 1000× research code); < 60 s on 2 cores", not_run, ""))
    else:
        s = med(cap)
        text = f"{s:.1f} s (1 thread); {RESEARCH['train_capify'] / s:.0f}× the research code's 4.8 h"
        if tcap:
            text += f"; PyTorch {med(tcap):.1f} s → {med(tcap) / s:.2f}×"
            ok = med(tcap) / s >= 20 and s < 60
        else:
            text += "; PyTorch: " + missing_peer
            ok = False
        out.append(("CAPIFY objective, Adult MLP, 10 epochs",
                    "≥ 20× faster than vectorised PyTorch (≥ 1000× research code); < 60 s on 2 cores", text,
                    verdict(ok) if tcap else missing_peer))
    # causal_at / erm / al
    parts, oks = [], []
    for m in ("causal_at", "erm", "al"):
        e, t = lookup(rows, f"train_{m}", threads=1), lookup(rows, f"train_{m}", "pytorch", threads=1)
        if e and t:
            parts.append(f"{m} {med(e):.1f} s vs {med(t):.1f} s = {med(t) / med(e):.2f}×")
            oks.append(med(t) / med(e) >= 5)
        elif e:
            parts.append(f"{m} {med(e):.1f} s (no PyTorch peer)")
    out.append(("`causal_at` / `erm` / `al`, Adult MLP, 10 epochs", "≥ 5× faster than vectorised PyTorch",
                "; ".join(parts) or not_run,
                verdict(all(oks)) if oks else (missing_peer if parts else "")))
    # SCM fit
    e, t = lookup(rows, "scm_fit", threads=1), lookup(rows, "scm_fit", "pytorch", threads=1)
    if e:
        text = f"{med(e):.2f} s"
        if t:
            text += f" vs PyTorch {med(t):.2f} s = {med(t) / med(e):.1f}×"
        text += f"; research code 14 s → {14 / med(e):.0f}×"
        out.append(("SCM fit, Adult, MLP mechanisms", "≥ 10× faster than PyTorch doing the same fits", text,
                    verdict(med(t) / med(e) >= 10) if t else missing_peer))
    else:
        out.append(("SCM fit, Adult, MLP mechanisms", "≥ 10× faster than PyTorch doing the same fits", not_run, ""))
    # audit
    a = lookup(rows, "audit_sample", threads=1)
    at, ex = lookup(rows, "audit_attack", threads=1), lookup(rows, "audit_exact", threads=1)
    ta = lookup(rows, "audit_sample", "pytorch", threads=1)
    if a:
        text = (f"sample {med(a):.1f} s ({301 / med(a):.0f}× faster than 301 s)"
                + (f"; PyTorch sample {med(ta):.1f} s" if ta else "")
                + (f"; attack {med(at):.2f} s" if at else "") + (f"; exact {med(ex):.3f} s" if ex else ""))
        ok = med(a) < 3 and (at is None or med(at) < 1) and (ex is None or med(ex) < 1)
        out.append(("unfair-area audit, 1000 × 1000 samples per twin, 4 indicators (+NR_0.01)",
                    "≥ 100× faster than 301 s, i.e. < 3 s; `attack` and `exact` < 1 s", text, verdict(ok)))
    else:
        out.append(("unfair-area audit, 1000 × 1000 samples per twin, 4 indicators",
                    "≥ 100× faster than 301 s, i.e. < 3 s; `attack` and `exact` < 1 s", not_run, ""))
    # logistic
    # The target row: the engine's Newton solver against scikit-learn to the Newton
    # loss; the minibatch Adam row (and scikit-learn to its loss) for reference.
    e = lookup(rows, "logistic_erm", threads=1)
    newton = lookup(rows, "logistic_erm_newton", threads=1)
    conv = lookup(rows, "logistic_erm", "scikit-learn (converged)", threads=1)
    reach = lookup(rows, "logistic_erm", "scikit-learn (to our loss)", threads=1)
    newton_reach = lookup(rows, "logistic_erm_newton", "scikit-learn (to the newton loss)", threads=1)
    if newton and conv:
        text = (f"engine (newton) {med(newton):.4f} s to BCE {newton['quality']['train_bce']:.6f} "
                f"({newton['quality']['n_iter']} steps); scikit-learn "
                + (f"{med(newton_reach):.4f} s to BCE {newton_reach['quality']['train_bce']:.6f} (max_iter "
                   f"{newton_reach['quality']['max_iter']}); " if newton_reach else "never within 1e-7 of it; ")
                + f"converged (tol 1e-4) {med(conv):.4f} s to BCE {conv['quality']['train_bce']:.6f}"
                + (f". Adam (10 epochs): {med(e):.3f} s to BCE {e['quality']['train_bce']:.4f}"
                   + (f", scikit-learn to that loss {med(reach):.4f} s" if reach else "") if e else ""))
        out.append(("ERM logistic regression on Adult", "no slower than scikit-learn's LogisticRegression to the same loss",
                    text, verdict(newton_reach is not None and med(newton) <= med(newton_reach))))
    else:
        out.append(("ERM logistic regression on Adult", "no slower than scikit-learn's LogisticRegression to the same loss",
                    not_run, ""))
    # dgemm
    parts, ratios = [], []
    for t in sorted({r["threads"] for r in rows if r["workload"] == "dgemm"}):
        e_t, n_t = lookup(rows, "dgemm", threads=t), lookup(rows, "dgemm", "numpy", threads=t)
        if e_t and n_t:
            ratios.append(med(n_t) / med(e_t))
            parts.append(f"{t} thread(s) {ratios[-1]:.2f}× ({med(e_t) * 1e3:.1f} vs numpy {med(n_t) * 1e3:.1f} ms)")
    out.append(("dgemm 1000², engine vs numpy, same process, same threads", "≥ 0.95×",
                "speed numpy/engine: " + "; ".join(parts) if parts else not_run,
                verdict(min(ratios) >= 0.95) if ratios else ""))
    # RSS
    r = lookup(rows, "peak_rss", threads=1)
    if r:
        q = r["quality"]
        out.append(("peak RSS, Adult SCM fit + training + audit", "< 150 MB",
                    f"{q['peak_rss_mb']:.0f} MB (after imports {q['after_imports_mb']:.0f}, SCM fit "
                    f"{q['after_scm_fit_mb']:.0f}, training {q['after_training_mb']:.0f}, audit "
                    f"{q['after_audit_mb']:.0f})", verdict(q["peak_rss_mb"] < 150)))
    else:
        out.append(("peak RSS, Adult SCM fit + training + audit", "< 150 MB", not_run, ""))
    # scaling
    if slopes:
        text = "; ".join(f"{k} {v:.2f}" for k, v in slopes.items())
        ok = all(0.85 <= v <= 1.15 for v in slopes.values())
        out.append(("scaling", "training ∝ n, audit ∝ n·|twins|·m: log-log slopes over 4 sizes",
                    text, "measured; " + ("all ≈ 1" if ok else "not all ≈ 1")))
    else:
        out.append(("scaling", "training ∝ n, audit ∝ n·|twins|·m: log-log slopes over 4 sizes", not_run, ""))
    return out


def scaling_slopes(rows: List[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    series: Dict[str, Dict[int, float]] = {}
    for r in rows:
        if r["workload"].startswith("scaling_"):
            series.setdefault(r["workload"], {})[r["n"]] = summary(r["seconds"])["median"]
    out = {}
    for name, points in series.items():
        ns = sorted(points)
        if len(ns) >= 2:
            out[name] = {"n": ns, "seconds": [points[n] for n in ns], "slope": slope(ns, [points[n] for n in ns])}
    return out


def plot_scaling(series: Dict[str, Dict[str, Any]], path: Path, title: str) -> Optional[str]:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib not installed: no plot"
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for name, s in series.items():
        ax.loglog(s["n"], s["seconds"], "o-", label=f"{name.replace('scaling_', '')} (slope {s['slope']:.2f})")
    if series:
        n0 = min(min(s["n"]) for s in series.values())
        n1 = max(max(s["n"]) for s in series.values())
        y0 = min(min(s["seconds"]) for s in series.values())
        ax.loglog([n0, n1], [y0, y0 * n1 / n0], "k:", lw=1, label="∝ n")
    ax.set_xlabel("rows n (LIN, make_lin(n))")
    ax.set_ylabel("seconds (median)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


def write_markdown(result: Dict[str, Any], path: Path) -> None:
    m, rows = result["machine"], result["rows"]
    lines = ["# causalfair benchmarks", ""]
    if result["under_load"]:
        lines += [f"> **Measured under load** — {result['load_note']} Timings are inflated and noisy; "
                  "CPU seconds (in results.json) are less affected than wall-clock seconds.", ""]
    if result["quick"]:
        lines += ["> **`--quick` run**: reduced sizes and 1 repetition (harness check); not comparable "
                  "with the targets.", ""]
    lines += [f"- Date: {result['date']} (harness wall time {result['harness_seconds']:.0f} s)",
              f"- Command: `{result['command']}`",
              f"- Machine: {m['nproc']} cores, {m['cpu_model']}, {m['memory']}; {m['platform']}",
              f"- Load average at start {tuple(round(v, 2) for v in m['loadavg_start'])}, at end "
              f"{tuple(round(v, 2) for v in m['loadavg_end'])}; busy cores before start {m['busy_cores_start']:.2f}; "
              f"cores kept busy by other processes during the run {m['other_processes_cores_during_run']:.2f}",
              "- Versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()),
              f"- Threads: each workload in its own process with OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = "
              f"MKL_NUM_THREADS = T and torch.set_num_threads(T), T ∈ {result['threads']}; "
              "OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: " + (", ".join(f"{k}={v}" for k, v in result["coretype_env"].items()
                                                      if v is not None) + " (unset in the workloads)"
                                            if any(v is not None for v in result["coretype_env"].values())
                                            else "not set on this machine") + ".",
              f"- BLAS in the workload processes (threadpoolctl, T = {result['threads'][0]}): "
              + "; ".join(f"{p.get('prefix')} {p.get('version')} ({p.get('architecture') or p.get('user_api')}, "
                          f"{p.get('num_threads')} threads)" for p in result.get("threadpools", [])
                          if isinstance(p, dict)),
              ""]
    lines += ["## Targets (issue 7)", "", "| workload | target | measured | met? |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in result["targets"]]
    lines += ["", "## All rows", "",
              "Seconds: median [min–max] over the repetitions (n); speed-up = peer median / engine median "
              "at the same thread count (> 1: the engine is faster).", "",
              "| workload | implementation | threads | n | seconds | speed-up | quality | notes |",
              "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "n" in r:
            continue
        s = summary(r["seconds"])
        q = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in r["quality"].items())
        sp = f"{r['speedup']:.2f}×" if "speedup" in r else ""
        lines.append(f"| {r['workload']} | {r['impl']} | {r['threads']} | {s['n']} | {fmt_seconds(s)} | {sp} | {q} | "
                     f"{r['note']} |")
    if result["scaling"]:
        lines += ["", "## Scaling (LIN, 1 thread)", "", "![scaling](scaling.png)", "",
                  "| series | " + " | ".join(f"n = {n}" for n in next(iter(result["scaling"].values()))["n"])
                  + " | log-log slope |", "|---" * (len(next(iter(result["scaling"].values()))["n"]) + 2) + "|"]
        for name, s in result["scaling"].items():
            lines.append(f"| {name.replace('scaling_', '')} | " + " | ".join(f"{v:.3g} s" for v in s["seconds"])
                         + f" | {s['slope']:.2f} |")
        notes = {r["workload"]: r["note"] for r in rows if "n" in r}
        lines += [""] + [f"- {k.replace('scaling_', '')}: {v}" for k, v in notes.items()]
    if result["skipped"]:
        lines += ["", "## Not measured", ""] + [f"- {s}" for s in result["skipped"]]
    lines += ["", "## Task processes", "", "| task | threads | wall s | peak RSS MB | load before → after |",
              "|---|---|---|---|---|"]
    for t in result["tasks"]:
        info = t.get("info", {})
        lb, la = info.get("loadavg_before"), info.get("loadavg_after")
        load = f"{lb[0]:.2f} → {la[0]:.2f}" if lb and la else ""
        lines.append(f"| {t['task']} | {t['threads']} | {t.get('seconds', float('nan')):.1f} | "
                     f"{info.get('peak_rss_mb', float('nan')):.0f} | {load} |"
                     + (f" error: {t['error'][:200]}" if t.get("error") else ""))
    path.write_text("\n".join(lines) + "\n")


def rerender(source: Path, out_dir: Path) -> int:
    """results.md and scaling.png again from a results.json (no measurement)."""
    result = json.loads(source.read_text())
    series = scaling_slopes(result["rows"])
    result["targets"] = targets(result["rows"], {k.replace("scaling_", ""): v["slope"] for k, v in series.items()},
                                result["quick"], result["versions"].get("torch") != "not installed", result["config"])
    out_dir.mkdir(parents=True, exist_ok=True)
    if series:
        plot_scaling(series, out_dir / "scaling.png",
                     f"causalfair scaling on LIN, 1 thread ({result['date']}"
                     + (", under load" if result["under_load"] else "") + (", quick" if result["quick"] else "") + ")")
    write_markdown(result, out_dir / "results.md")
    if source.resolve() != (out_dir / "results.json").resolve():
        (out_dir / "results.json").write_text(json.dumps(result, indent=1, default=str) + "\n")
    print(f"benchmarks: rewrote {out_dir / 'results.md'} from {source}")
    return 0


# --------------------------------------------------------------------- main
def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes, 1 repetition (harness check)")
    parser.add_argument("--threads", default="1,2", help="thread counts, comma-separated (default 1,2)")
    parser.add_argument("--tasks", default=None, help="comma-separated subset of: " + ",".join(p[0] for p in PLAN))
    parser.add_argument("--reps", type=int, default=None, help="repetitions of every row (default 3; 1 with --quick)")
    parser.add_argument("--output-dir", default=str(HERE), help="where results.{md,json} and scaling.png go")
    parser.add_argument("--data-home", default=os.environ.get("CAUSALFAIR_DATA", str(REPO.parent / "shared" / "data")),
                        help="folder with adult.data / adult.test (default $CAUSALFAIR_DATA or ../shared/data)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per task process")
    parser.add_argument("--from-json", default=None, metavar="RESULTS_JSON",
                        help="measure nothing: rewrite results.md and scaling.png from a results.json")
    args = parser.parse_args(argv)
    if args.from_json:
        return rerender(Path(args.from_json), Path(args.output_dir))

    cfg = dict(QUICK if args.quick else FULL)
    cfg["data_home"] = args.data_home
    if args.reps is not None:
        cfg.update(reps=args.reps, peer_reps=args.reps, torch_reps=args.reps, scaling_reps=args.reps)
    threads = [int(t) for t in args.threads.split(",") if t.strip()]
    wanted = set(args.tasks.split(",")) if args.tasks else {p[0] for p in PLAN}
    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    busy = busy_cores(2.0)
    started = time.perf_counter()
    jiffies0, cpu0 = cpu_jiffies(), own_cpu_seconds()
    load_start = os.getloadavg()
    others = top_processes()
    vers = versions()
    print(f"benchmarks: {'quick' if args.quick else 'full'} run, threads {threads}; load {load_start[0]:.2f}, "
          f"busy cores {busy:.2f}", flush=True)
    skipped = []
    if vers.get("torch") == "not installed":
        skipped.append("PyTorch peers (train_*, scm_fit, audit_sample): torch is not installed — `pip install "
                       "torch` (CPU) and rerun.")
    tasks: List[Dict[str, Any]] = []
    for position, t in enumerate(threads):
        for task, every, overrides, quick_too in PLAN:
            if task not in wanted or (position > 0 and not (every and (quick_too or not args.quick))):
                continue
            task_cfg = dict(cfg)
            if position > 0:
                task_cfg.update(overrides)
            if task == "audit_torch" and vers.get("torch") == "not installed":
                continue
            t0 = time.perf_counter()
            print(f"  {task:12s} threads {t} ...", end="", flush=True)
            result = (openblas_default(t, task_cfg, args.timeout) if task == "openblas_default"
                      else run_task(task, t, task_cfg, args.timeout))
            print(f" {time.perf_counter() - t0:6.1f} s" + (f"  ERROR {result['error'][-300:]}" if result.get("error")
                                                         else ""), flush=True)
            tasks.append(result)
    rows = [r for t in tasks for r in t.get("rows", [])]
    ratios(rows)
    series = scaling_slopes(rows)
    slopes = {k.replace("scaling_", ""): v["slope"] for k, v in series.items()}
    jiffies1, cpu1 = cpu_jiffies(), own_cpu_seconds()
    wall = time.perf_counter() - started
    machine_busy = (jiffies1[0] - jiffies0[0]) / os.sysconf("SC_CLK_TCK")
    others_cores = max(0.0, (machine_busy - (cpu1 - cpu0)) / wall) if wall > 0 else float("nan")
    load_end = os.getloadavg()
    under_load = busy > 0.3 or others_cores > 0.15
    load_note = (f"busy cores before start {busy:.2f} of {os.cpu_count()}; other processes kept "
                 f"{others_cores:.2f} cores busy on average during the run; load average {load_start[0]:.2f} "
                 f"(1 min) at start and {load_end[0]:.2f} at end; top processes at start: "
                 + "; ".join(" ".join(p.split()) for p in others[:3]) + ".")
    first_info = next((t["info"] for t in tasks if t.get("info")), {})
    coretype = next((t.get("unset_env") for t in tasks if t.get("unset_env") is not None), {})
    meminfo = "unknown memory"
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        meminfo = f"{kb / 1024 ** 2:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    result = {
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join([Path(sys.executable).name, "benchmarks/run.py"] + list(argv if argv is not None else sys.argv[1:])),
        "quick": args.quick, "config": cfg, "threads": threads,
        "machine": {"nproc": os.cpu_count(), "cpu_model": cpu_model(), "memory": meminfo,
                    "platform": platform.platform(), "loadavg_start": load_start, "loadavg_end": load_end,
                    "busy_cores_start": busy, "other_processes_cores_during_run": others_cores, "top_processes_start": others},
        "under_load": under_load, "load_note": load_note, "versions": vers,
        "coretype_env": coretype or {}, "threadpools": first_info.get("threadpools", []),
        "harness_seconds": time.perf_counter() - started,
        "rows": rows, "scaling": series, "skipped": skipped, "tasks": tasks,
    }
    result["targets"] = targets(rows, slopes, args.quick, vers.get("torch") != "not installed", cfg)
    if series:
        note = plot_scaling(series, out_dir / "scaling.png",
                            f"causalfair scaling on LIN, 1 thread ({result['date']}"
                            + (", under load" if under_load else "") + (", quick" if args.quick else "") + ")")
        if note:
            skipped.append(note)
    for t in tasks:
        if t.get("error"):
            skipped.append(f"task {t['task']} (threads {t['threads']}) failed: {t['error'][-300:]}")
    (out_dir / "results.json").write_text(json.dumps(result, indent=1, default=str) + "\n")
    write_markdown(result, out_dir / "results.md")
    print(f"benchmarks: wrote {out_dir / 'results.md'} ({time.perf_counter() - started:.0f} s)")
    for a, _, c, d in result["targets"]:
        print(f"  {a}: {c} [{d}]")
    return 1 if any(t.get("error") for t in tasks) else 0


if __name__ == "__main__":
    sys.exit(main())
