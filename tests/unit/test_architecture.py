"""The layers and sizes of ``expctl/`` (see README, Development), checked on every run.

Layers, top to bottom: cli -> render -> core -> api -> model -> settings -> errors. Imports
point downward only; api and core never import each other (core reaches PostHog through
the protocols a command wires in). ``python -m tests.unit.test_architecture`` prints the
import counts between layers.
"""

from __future__ import annotations

import ast
import collections
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "expctl"
# What each layer may import besides itself (the package root holds only __version__ and
# COMPLETE_VAR; main is the entry point above cli).
ALLOWED = {
    "main": {"cli", "top", "errors", "gcpolicy"},
    "cli": {"render", "core", "api", "model", "settings", "errors", "top", "gcpolicy"},
    "render": {"core", "model", "errors", "top"},
    "core": {"model", "errors", "top"},
    "api": {"model", "settings", "errors", "top"},
    "model": {"errors"},
    "settings": {"errors", "top"},
    "errors": set(),
    "gcpolicy": set(),
    "top": {"main"},  # python -m expctl
}


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "top"
    return parts[1] if parts[1] in ALLOWED else "top"


def _imports() -> collections.Counter[tuple[str, str]]:
    edges: collections.Counter[tuple[str, str]] = collections.Counter()
    for path in PACKAGE.rglob("*.py"):
        module = "expctl." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        source = "top" if module in ("expctl.__init__", "expctl.__main__") else _layer(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("expctl"):
                target = _layer(node.module)
                if target != source:
                    edges[(source, target)] += 1
    return edges


def test_imports_point_downward_only() -> None:
    wrong = {edge: n for edge, n in _imports().items() if edge[1] not in ALLOWED[edge[0]]}
    assert wrong == {}, f"imports against the layers: {wrong}"


def test_modules_and_functions_fit_in_a_head() -> None:
    long_modules, long_functions = [], []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > 400:
            long_modules.append(path.name)
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno is not None:
                length = node.end_lineno - node.lineno + 1
                if length > 50:
                    long_functions.append((length, f"{path.name}:{node.name}"))
    assert long_modules == []
    assert all(length <= 80 for length, _ in long_functions), long_functions
    assert len(long_functions) <= 3, sorted(long_functions, reverse=True)


if __name__ == "__main__":
    for (source, target), count in sorted(_imports().items()):
        print(f"{source:9} -> {target:9} {count}")
