"""The backend's import graph has no cycle (lazy imports inside functions count too).

A cycle is how a package ends up knowing another's internals (the alert service used to
import the fairness evaluation's measures while fairness imported the alert service).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def backend_import_graph() -> dict[str, set[str]]:
    """Module -> the backend modules it imports, anywhere in its body."""
    files = {_module_name(p): p for p in (ROOT / "backend").rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, base] if base else up)
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for target in targets:
                # "from backend.x import y": y is a module, or a name defined in backend.x.
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
                    break
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a list of modules (first == last), or ``None``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_backend_import_graph_has_no_cycle():
    graph = backend_import_graph()
    assert graph["backend.alerts.listener"] >= {"backend.store", "backend.alerts.service"}
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_observations_is_a_leaf():
    assert backend_import_graph()["backend.observations"] == set()


def test_the_shared_model_module_is_neutral():
    # backend/models.py is used by the guardrails, fairness, training and the model hub:
    # it may lean on errors and settings only, or it would pull one of them into another; its
    # int8 quantiser (backend.onnx_int8) is split out of it and held to the same rule.
    graph = backend_import_graph()
    assert graph["backend.models"] <= {"backend.errors", "backend.config", "backend.onnx_int8"}
    assert graph["backend.onnx_int8"] <= {"backend.errors", "backend.config"}
