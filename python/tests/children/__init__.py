"""Scripts the tests run in child interpreters (``python -m children.<name>`` from
``python/tests``), so that a crash of the engine — a Swift trap kills the process —
fails one test case instead of the test session: the case runner of
:class:`_support.ChildRun`, and the namespaces its cases run in."""
