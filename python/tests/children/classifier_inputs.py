"""The namespace the bad-input cases of ``test_classifier_inputs.py`` run in (in the
child of :class:`_support.ChildRun`): LIN data as a DataFrame ``X`` and an array ``A``,
labels ``y``, a fitted SCM ``scm``, a factory ``c(**params)`` of quick logistic
classifiers, and two fitted ones (``fitted`` on ``A``, ``fitted_scm`` with the SCM)."""

import numpy as np
import pandas as pd

import causalfair as cf
from causalfair import FairRobustClassifier as C

rng = np.random.default_rng(0)
n = 120
s = rng.integers(0, 2, n)
x1 = 2 * s + rng.normal(size=n)
x2 = s - x1 + rng.normal(size=n)
X = pd.DataFrame({"s": s, "x1": x1, "x2": x2})
y = (x1 + x2 > 0).astype(int)
A = X.to_numpy(dtype=float)
scm = cf.SCM({"x1": ["s"], "x2": ["s", "x1"]}, sensitive="s", random_state=0).fit(X)


def c(**params):
    base = dict(model="logistic", epochs=2, random_state=0, verbose=False)
    base.update(params)
    return C(**base)


fitted = c().fit(A, y)
fitted_scm = c(scm=scm).fit(X, y)
