"""The child of :class:`_support.ChildRun`: runs bad-input cases one after another and
reports each on stdout, one JSON object per line.

stdin: ``{"setup_module": name or null, "setup": code or "", "cases": [[name, code], ...]}``.
The cases run in a copy of one namespace: the module ``setup_module`` (imported, e.g.
``children.public_api``), then ``setup`` executed in it. For every case the
runner prints ``{"start": name}`` before it and ``{"name", "raised", "message",
"where"}`` after it (``raised``: the exception's class and its bases, by name, or
null), so the parent knows which case was running if the interpreter dies.
"""

import importlib
import json
import sys
import traceback
from typing import Any, Dict


def namespace(setup_module: Any, setup: str) -> Dict[str, Any]:
    """The globals the cases run in."""
    names: Dict[str, Any] = {"__name__": "__case__", "__builtins__": __builtins__}
    if setup_module:
        names.update({k: v for k, v in vars(importlib.import_module(setup_module)).items()
                      if not k.startswith("__")})
    if setup:
        exec(setup, names)
    return names


def main() -> None:
    job = json.loads(sys.stdin.read())
    names = namespace(job.get("setup_module"), job.get("setup", ""))
    for name, code in job["cases"]:
        print(json.dumps({"start": name}), flush=True)
        try:
            exec(code, dict(names))
            outcome = {"name": name, "raised": None, "message": ""}
        except BaseException as exc:
            where = traceback.extract_tb(exc.__traceback__)[-1]
            outcome = {"name": name, "raised": [k.__name__ for k in type(exc).__mro__],
                       "message": str(exc), "where": f"{where.filename}:{where.lineno}"}
        print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main()
