"""Hardening (issue 6): a 1,000,000-row audit streams through the engine in chunks,
so its memory is bounded as ``cf.audit`` documents.

Beyond its inputs, an audit of n rows with d encoded columns and I indicators needs

- one chunk's working set, independent of n: a few matrices of at most ≈4 million
  doubles each (32 MB; chunks are also capped by work), at most ≈ ten at once
  (the attack): ``CHUNK_MB`` = 320 MB;
- per row: the encoded input and the engine's copy of it, the engine's and Python's
  flags, witness levels and n × d witnesses for the indicator being computed, and the
  indicators already done (flags, and witnesses of flagged rows):
  ``32·d + 50 + (I − 1)·(8·d + 17)`` bytes.

A child interpreter (``children/audit_memory.py``) audits the LIN SCM (d = 3, radii=(0.05,) so I = 3) with logistic
regression, by ``sample`` (5 points per ball) on 250,000 and 1,000,000 rows and by
``exact`` on 1,000,000 and 2,000,000 rows — the smaller size already fills a chunk
(4M doubles / (points per row × 3 columns): 133,333 rows sampling 10 points per row,
666,666 rows for the 2 twins of ``exact``). The peak resident set during the audit
(VmHWM, reset just before it through /proc/self/clear_refs) minus the resident set
before it must stay within the bound, and so must the growth between the two sizes
per added row: memory is not proportional to the candidates (n × 12 points × d for
sampling: ~290 MB of candidates alone at 10⁶ rows, several times that with
intermediates).
"""

import json
import os
import subprocess
import sys

import pytest

CHUNK_MB = 320
D, INDICATORS = 3, 3
PER_ROW_BYTES = 32 * D + 50 + (INDICATORS - 1) * (8 * D + 17)
SIZES = {"sample": (250_000, 1_000_000), "exact": (1_000_000, 2_000_000)}
HERE = os.path.dirname(os.path.abspath(__file__))  # the children run from here (python -m children.audit_memory)


def bound_mb(rows: int) -> float:
    return CHUNK_MB + rows * PER_ROW_BYTES / 2 ** 20


def _can_reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _audit_in_a_child(method: str, rows: int) -> dict:
    """Rows audited, peak growth (MB) and seconds of one audit in a fresh interpreter
    (so memory freed by an earlier audit cannot hide this one's)."""
    proc = subprocess.run([sys.executable, "-m", "children.audit_memory", "million", method, str(rows)],
                          capture_output=True, text=True, timeout=300, cwd=HERE)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.mark.skipif(not os.path.exists("/proc/self/status") or not _can_reset_peak(),
                    reason="needs Linux /proc/self/status and a writable /proc/self/clear_refs")
@pytest.mark.parametrize("method", ["sample", "exact"])
def test_a_million_row_audit_stays_within_the_documented_memory_bound(method):
    sizes = SIZES[method]
    small, large = (_audit_in_a_child(method, rows) for rows in sizes)
    assert (small["n"], large["n"]) == sizes  # every row was audited
    for run in (small, large):
        print(f"{method}: {run['rows']:,} rows in {run['seconds']:.1f} s, peak growth {run['growth_mb']:.0f} MB "
              f"(bound {bound_mb(run['rows']):.0f} MB)")
        assert run["growth_mb"] <= bound_mb(run["rows"]), run
    per_row = (large["growth_mb"] - small["growth_mb"]) * 2 ** 20 / (sizes[1] - sizes[0])
    assert per_row <= PER_ROW_BYTES, f"{per_row:.0f} bytes per added row, documented {PER_ROW_BYTES}"


@pytest.mark.skipif(not os.path.exists("/proc/self/status") or not _can_reset_peak(),
                    reason="needs Linux /proc/self/status and a writable /proc/self/clear_refs")
def test_bound_propagation_works_in_small_blocks():
    """The attack audit of an Adult-shaped MLP SCM and MLP classifier (hidden layers of
    100): bound propagation used to relax every ball of a chunk at once (760 rows x 2
    twins x 5 generators x 100 units, ~25 arrays of that size in the tanh relaxation),
    ~29 MB above the resident set before the audit; in blocks it needs well under 1 MB."""
    proc = subprocess.run([sys.executable, "-m", "children.audit_memory", "bounds"], capture_output=True,
                          text=True, timeout=300, cwd=HERE)
    assert proc.returncode == 0, proc.stderr[-3000:]
    growth = json.loads(proc.stdout.splitlines()[-1])["growth_mb"]
    assert growth < 10, f"the attack audit's peak grew the resident set by {growth:.1f} MB"
