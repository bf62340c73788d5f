"""Shared test data and helpers, importable by test modules and by the child scripts
of the hardening tests (``children``); ``conftest.py`` builds its fixtures on them."""

import ctypes
from typing import Callable, Optional

import pandas as pd

import causalfair as cf

#: The causal graph of the LIN SCM over the columns S, X1, X2 of
#: ``cf.datasets.make_lin`` and :func:`synthetic_linear` (S the sensitive root). Tests
#: take a fresh copy through the ``lin_graph`` fixture; module-level helpers and
#: child scripts read it here.
LIN_GRAPH = {"X1": ["S"], "X2": ["S", "X1"]}


def lin_data(n: int, seed: int):
    """The LIN SCM with lower-case columns and its labels: S ~ Bernoulli(0.5);
    X1 = 2S + U1; X2 = S − X1 + U2; y ~ Bernoulli(σ(X1 + X2)). Returns (X, y)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    s = rng.integers(0, 2, n)
    x1 = 2 * s + rng.normal(size=n)
    x2 = s - x1 + rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(x1 + x2)))).astype(int)
    return pd.DataFrame({"s": s, "x1": x1, "x2": x2}), y


def adult_like(n: int, seed: int):
    """Data shaped like the paper's Adult SCM (graph of Nabi & Shpitser): roots sex,
    age and native (binary); married (binary) ← the three; education and hours ←
    the four before. Returns (X, y, graph)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    sex, age, native = rng.integers(0, 2, n), rng.normal(size=n), (rng.random(n) < 0.9).astype(int)
    married = (rng.random(n) < 1 / (1 + np.exp(-(sex + 0.5 * age - 0.3 * native)))).astype(int)
    education = np.tanh(age) + 0.5 * married - 0.3 * sex + native + rng.normal(size=n)
    hours = 0.8 * sex + married - 0.2 * age ** 2 + rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(education + 0.5 * hours - 1)))).astype(int)
    X = pd.DataFrame({"sex": sex, "age": age, "native": native, "married": married, "education": education,
                      "hours": hours})
    parents = ["sex", "age", "native", "married"]
    graph = {"married": parents[:3], "education": parents, "hours": parents}
    return X, y, graph


def synthetic_linear(n: int = 2000, random_state: int = 0) -> pd.DataFrame:
    """``n`` draws of the LIN SCM (S, X1, X2): S ~ Bernoulli(0.5), X1 = 2S + U1,
    X2 = S − X1 + U2."""
    return cf.datasets.make_lin(n, random_state=random_state).X


# ---------------------------------------------------------------- memory
class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
        "keepcost")]


def _mallinfo2() -> Optional[Callable[[], _MallInfo2]]:
    try:
        f = ctypes.CDLL(None).mallinfo2  # glibc >= 2.33
    except (OSError, AttributeError):
        return None
    f.restype = _MallInfo2
    return f


_MALLINFO2 = _mallinfo2()
#: Whether :func:`malloc_heap_mb` measures anything on this platform.
HAS_MALLOC_HEAP = _MALLINFO2 is not None


def malloc_heap_mb() -> float:
    """MB allocated by malloc and not freed (all arenas, mmapped chunks included): what
    the engine's objects take (Swift allocates with malloc); 0 where glibc's
    ``mallinfo2`` is missing (see ``HAS_MALLOC_HEAP``)."""
    if _MALLINFO2 is None:
        return 0.0
    info = _MALLINFO2()
    return (info.uordblks + info.hblkhd) / 2 ** 20


# ---------------------------------------------------------------- crash-safe input checks
import json
import os
import subprocess
import sys
from typing import Dict, List, Tuple



class ChildRun:
    """Bad-input cases run one after another in a child interpreter, so a crash (a
    Swift trap kills the process) fails the case it died in, not the test session.
    The child is ``children/runner.py``; the cases run in the namespace of the
    module ``setup_module`` (if any) after ``setup`` (code) ran in it. Cases and setup
    reach the child on its stdin (any number of them)."""

    def __init__(self, cases: List[Tuple[str, str]], setup: str = "", timeout: int = 600, *,
                 setup_module: Optional[str] = None):
        self.cases = dict(cases)
        job = {"cases": cases, "setup": setup, "setup_module": setup_module}
        self.proc = subprocess.run([sys.executable, "-m", "children.runner"], input=json.dumps(job),
                                   capture_output=True, text=True, timeout=timeout,
                                   cwd=os.path.dirname(os.path.abspath(__file__)))
        self.results: Dict[str, dict] = {}
        self.last_started: Optional[str] = None
        for line in self.proc.stdout.splitlines():
            if not line.startswith('{"'):
                continue  # something the code under test printed
            record = json.loads(line)
            if "start" in record:
                self.last_started = record["start"]
            else:
                self.results[record["name"]] = record

    def outcome(self, name: str) -> dict:
        """The case's record; fails the test when the interpreter died before it ended."""
        import pytest

        if name not in self.results:
            where = "while running this case" if self.last_started == name else "before this case ran"
            pytest.fail(f"the interpreter died (exit status {self.proc.returncode}) {where}: "
                        f"{self.cases[name]}\nstderr:\n{self.proc.stderr[-2000:]}")
        return self.results[name]

    def check(self, name: str, expected: Optional[str], text: str) -> None:
        """The case raised an exception whose class (or a base) is ``expected`` ("Error":
        any ``*Error``) with ``text`` in its message; ``expected=None``: it only must not crash."""
        record = self.outcome(name)
        raised = record["raised"]
        if expected is None:
            return
        assert raised is not None, f"{self.cases[name]!r} raised nothing; expected {expected}"
        if expected == "Error":
            assert any(k.endswith("Error") for k in raised), raised
        else:
            assert expected in raised, f"{self.cases[name]!r} raised {raised[0]}: {record['message']}"
        assert text in record["message"], record["message"]
