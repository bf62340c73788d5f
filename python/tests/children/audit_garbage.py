"""The child of ``test_audit_inputs.py::test_garbage_raises_and_never_crashes``: garbage
arguments to ``cf.audit`` and the indicator functions of ``cf.metrics``, one call each.
For every case it prints ``name: ExceptionClass``, or ``name: no error``, then ``DONE``;
a crash of the interpreter (a Swift trap) shows as a missing ``DONE``."""

import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression

import causalfair as cf
from causalfair import metrics
from _support import LIN_GRAPH

df = cf.datasets.make_lin(200, random_state=0).X
y = (df.X1 + df.X2 > 0.5).astype(int).to_numpy()
scm = cf.SCM(LIN_GRAPH, sensitive="S", random_state=0).fit(df)
clf = cf.FairRobustClassifier(scm=scm, model="logistic", method="erm", random_state=0, verbose=False).fit(df, y)
X = df.iloc[:20]
lr = LogisticRegression().fit(df, y)
cases = {
    "X string": dict(X="data"),
    "X list of strings": dict(X=[["a", "b", "c"]]),
    "X object array": dict(X=np.array([[object(), 1, 2]], dtype=object)),
    "X Series": dict(X=df["X1"]),
    "X empty": dict(X=df.iloc[:0]),
    "X NaN": dict(X=X.assign(X1=np.nan)),
    "X inf": dict(X=X.assign(X2=np.inf)),
    "X unseen level": dict(X=X.assign(S=7)),
    "X wrong width": dict(X=np.zeros((3, 5))),
    "X 3-D": dict(X=np.zeros((2, 3, 3))),
    "X text column": dict(X=X.assign(X1="a")),
    "radii dict": dict(radii={"a": 1}),
    "radii nested": dict(radii=[[0.1, 0.2]]),
    "radii huge exact": dict(radii=(1e308,), method="exact"),
    "radii huge sample": dict(radii=(1e308,), method="sample", n_samples=3),
    "radii huge attack": dict(radii=(1e308,), method="attack", n_samples=3),
    "n_samples huge": dict(n_samples=10 ** 12, method="sample"),
    "n_samples huge attack": dict(n_samples=10 ** 12, method="attack"),
    "n_samples 2**64": dict(n_samples=2 ** 64),
    "n_points huge": dict(X=None, n_points=10 ** 12),
    "random_state str": dict(random_state="seed"),
    "random_state negative": dict(random_state=-1),
    "random_state huge": dict(random_state=2 ** 70),
    "y strings of wrong length": dict(y=["a"] * 3),
    "y 2-D": dict(y=np.zeros((20, 2))),
    "y NaN": dict(y=np.full(20, np.nan)),
    "black box X string": dict(clf=lr, X="data"),
    "black box n_samples huge": dict(clf=lr, n_samples=10 ** 10),
    "black box radius huge": dict(clf=lr, radii=(1e308,), n_samples=2),
    "scm not an SCM": dict(scm="scm"),
    "scm a DataFrame": dict(scm=df),
}
for name, kw in cases.items():
    args = dict(clf=clf, scm=scm, X=X)
    args.update(kw)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cf.audit(args.pop("clf"), args.pop("scm"), args.pop("X"), **args)
        print(f"{name}: no error")
    except (TypeError, ValueError, KeyError, OverflowError, cf.NotFittedError) as e:
        print(f"{name}: {type(e).__name__}")
for name, call in {
    "unfair_area radius str": lambda: metrics.unfair_area(clf, scm, X, "0.1"),
    "unfair_area X None": lambda: metrics.unfair_area(clf, scm, None, 0.1),
    "counterfactual_unfairness garbage": lambda: metrics.counterfactual_unfairness(clf, scm, np.zeros((0, 3))),
    "wilson floats": lambda: metrics.wilson_interval(2.5, float("nan")),
}.items():
    try:
        call()
        print(f"{name}: no error")
    except (TypeError, ValueError) as e:
        print(f"{name}: {type(e).__name__}")
print("DONE")
