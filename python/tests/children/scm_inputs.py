"""The namespace the bad-input cases of ``test_scm_inputs.py`` run in (in the child of
:class:`_support.ChildRun`): a fitted SCM ``scm`` over a binary and a three-level
categorical sensitive node, its data ``df`` and graph ``G``, and ``_engine``."""

import numpy as np
import pandas as pd

import causalfair as cf
from causalfair import _engine  # noqa: F401 (the cases use it)

rng = np.random.default_rng(0)
n = 200
race = rng.choice(["a", "b", "c"], n)
s = rng.integers(0, 2, n)
x = s + rng.normal(size=n)
df = pd.DataFrame({"s": s, "race": race, "x": x, "y": x - s + rng.normal(size=n)})
G = {"x": ["s", "race"], "y": ["s", "x"]}
scm = cf.SCM(G, sensitive=["s", "race"], random_state=0).fit(df)
