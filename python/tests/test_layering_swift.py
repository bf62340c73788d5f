"""The Swift core's folders form layers (DESIGN §1): a folder uses only names declared
in its own folder, in the folder-less root files, or in folders below it.

    Linear, Random                 (Random may use Linear)
    Optimisation, Models
    Causal, Perturbation           (Perturbation may use Causal)
    Training, Audit

Everything else — a use of a folder above, or of another folder of the same layer —
is a violation, and the folder graph must have no cycle. Names are the top-level
declarations of each file (types, protocols, type aliases, free functions and
constants, extensions' own declarations excluded); a use is the name as a word in the
code outside comments and string literals (interpolations count). Reads the source
tree only: no engine import.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "Sources" / "CausalFairCore"

#: Layer of every folder, from the bottom; the root files are below everything.
LAYERS = {"": 0, "Linear": 1, "Random": 1, "Optimisation": 2, "Models": 2,
          "Causal": 3, "Perturbation": 3, "Training": 4, "Audit": 4}
#: Uses allowed inside one layer (user -> used).
SAME_LAYER = {("Random", "Linear"), ("Perturbation", "Causal")}

DECLARATION = re.compile(
    r"^(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|internal|fileprivate|private|package|final|indirect|static)\s+)*"
    r"(?:struct|enum|class|protocol|actor|typealias|func|let|var)\s+([A-Za-z_]\w*)", re.M)
WORD = re.compile(r"[A-Za-z_]\w*")


def folder_of(path: Path, core: Path) -> str:
    """The first folder of ``path`` under ``core`` ("" for a root file)."""
    parts = path.relative_to(core).parts
    return parts[0] if len(parts) > 1 else ""


def code_only(source: str) -> str:
    """``source`` without comments and string literal text (interpolations kept)."""
    out, i, n = [], 0, len(source)
    while i < n:
        if source.startswith("//", i):
            i = source.find("\n", i)
            i = n if i < 0 else i
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif source[i] == '"':
            delimiter = '"""' if source.startswith('"""', i) else '"'
            i += len(delimiter)
            while i < n and not source.startswith(delimiter, i):
                if source.startswith("\\(", i):  # interpolation: keep the code, up to the matching ")"
                    depth, i = 1, i + 2
                    start = i
                    while i < n and depth:
                        depth += {"(": 1, ")": -1}.get(source[i], 0)
                        i += 1
                    out.append(" " + source[start:i - 1] + " ")
                else:
                    i += 2 if source[i] == "\\" else 1
            i += len(delimiter)
            out.append(" ")
        else:
            out.append(source[i])
            i += 1
    return "".join(out)


def folder_uses(core: Path) -> dict[tuple[str, str], set[str]]:
    """(user folder, declaring folder) -> names used, over every pair of distinct folders."""
    files = {path: code_only(path.read_text()) for path in sorted(core.rglob("*.swift"))}
    declared: dict[str, set[str]] = defaultdict(set)
    for path, code in files.items():
        for name in DECLARATION.findall(code):
            declared[name].add(folder_of(path, core))
    uses: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path, code in files.items():
        user = folder_of(path, core)
        for word in set(WORD.findall(code)):
            for owner in declared.get(word, ()):
                if owner != user:
                    uses[(user, owner)].add(word)
    return dict(uses)


def violations(core: Path) -> list[str]:
    """Every use against the layer order, and every cycle of the folder graph."""
    uses = folder_uses(core)
    found = []
    for (user, owner), names in sorted(uses.items()):
        if user not in LAYERS or owner not in LAYERS:
            found.append(f"{user or '<root>'} or {owner or '<root>'} is not a known folder (add it to LAYERS)")
        elif LAYERS[owner] > LAYERS[user] or (LAYERS[owner] == LAYERS[user] and (user, owner) not in SAME_LAYER):
            found.append(f"{user or '<root>'} uses {owner or '<root>'}: {', '.join(sorted(names))}")
    graph: dict[str, set[str]] = defaultdict(set)
    for user, owner in uses:
        graph[user].add(owner)
    found += [f"cycle: {' -> '.join(cycle)}" for cycle in cycles(graph)]
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each node that lies on one (depth-first search)."""
    result, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for successor in sorted(graph.get(node, ())):
            if state.get(successor) == "open":
                result.append(path[path.index(successor):] + [successor])
            elif successor not in state:
                visit(successor, path + [successor])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return result


def test_core_folders_are_layered_without_cycles():
    assert CORE.is_dir()
    assert folder_uses(CORE), "no use between folders found: the scan is broken"
    assert violations(CORE) == []


def test_every_core_folder_has_a_layer():
    assert {folder_of(p, CORE) for p in CORE.rglob("*.swift")} <= set(LAYERS)


def write(core: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (core / name).parent.mkdir(parents=True, exist_ok=True)
        (core / name).write_text(text)
    return core


def test_an_upward_use_and_a_cycle_are_reported(tmp_path):
    # Audit's type used by Causal (upward), and Causal <-> Perturbation (same layer, both ways).
    core = write(tmp_path, {
        "Audit/A.swift": "struct AuditThing { let s: LatentThing }\n",
        "Perturbation/L.swift": "public struct LatentThing { let m: Mechanism }\n",
        "Causal/M.swift": "/// AuditThing in a comment is not a use\nstruct Mechanism { let b: Bounds }\n"
                          "func f() -> String { \"\\(AuditThing.self)\" }\n",
        "Causal/B.swift": "let unused = 1\n",
        "Perturbation/Bounds.swift": "struct Bounds {}\n",
    })
    found = violations(core)
    assert "Causal uses Audit: AuditThing" in found
    assert "Causal uses Perturbation: Bounds" in found
    assert [v for v in found if v.startswith("cycle:")] == ["cycle: Audit -> Perturbation -> Causal -> Audit",
                                                            "cycle: Perturbation -> Causal -> Perturbation"]
    assert not any(v.startswith("Perturbation uses") or v.startswith("Audit uses") for v in found)


def test_comments_and_string_text_are_not_uses(tmp_path):
    core = write(tmp_path, {
        "Linear/M.swift": "// Trainer in a comment\n/* Trainer */ let s = \"Trainer\"\nstruct Matrix {}\n",
        "Training/T.swift": "enum Trainer { let m: Matrix }\n",
    })
    assert violations(core) == []
