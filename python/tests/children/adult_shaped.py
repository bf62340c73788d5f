"""Adult-shaped models (the paper's Adult runs: six nodes, MLP mechanisms with 100
hidden units, an MLP classifier 100-100, two twin levels), fitted on import: ``X``,
``y``, ``GRAPH``, ``scm``, ``clf``. Used by the Ctrl-C child
(:mod:`children.interrupt_audits`) and by ``test_hardening_interrupt.py`` itself."""

import causalfair as cf
from _support import adult_like

X, y, GRAPH = adult_like(3000, seed=0)
scm = cf.SCM(GRAPH, sensitive="sex", random_state=0,
             mechanism=cf.MLPMechanism(hidden_layer_sizes=(100,), epochs=1)).fit(X)
clf = cf.FairRobustClassifier(scm=scm, hidden_layer_sizes=(100, 100), method="erm", epochs=1,
                              random_state=0, verbose=False).fit(X, y)
