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
    "cli": {"render", "core", "api", "model", "settings", "errors", "top", "gcpolicy", "standin"},
    "render": {"core", "model", "errors", "top"},
    "core": {"model", "errors", "top"},
    "api": {"model", "settings", "errors", "top"},
    "model": {"errors"},
    "settings": {"errors", "top"},
    "errors": set(),
    "gcpolicy": set(),
    # The PostHog stand-in `expctl demo` serves and the tests use: an island of its own,
    # standard library only (it is not expctl's code, so expctl's sizes do not bind it).
    "standin": set(),
    "top": {"main"},  # python -m expctl
}
STANDIN = PACKAGE / "standin"


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
        if STANDIN in path.parents:
            continue
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


def _module_graph() -> dict[str, set[str]]:
    """Every module of expctl and the expctl modules it imports (at any depth of the file:
    a lazy import inside a function is still a dependency)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        if STANDIN in path.parents:
            continue  # the stand-in's handlers and server name each other's types
        name = ".".join(("expctl", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        modules[name] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("expctl"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    graph[name].add(full if full in modules else node.module)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or round about (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node] & graph.keys():
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_round_about() -> None:
    assert _cycles(_module_graph()) == []


def _cli_sources() -> list[tuple[Path, ast.AST]]:
    return [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in (PACKAGE / "cli").rglob("*.py")]


def test_no_api_path_in_the_command_line_layer() -> None:
    """Paths live in api/: a command asks an API object, never builds a URL."""
    found = []
    for path, tree in _cli_sources():
        for node in ast.walk(tree):
            literal = isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("/api/")
            built = isinstance(node, ast.Attribute) and node.attr == "project_path"
            if literal or built:
                found.append(f"{path.name}:{getattr(node, 'lineno', '?')}")
    assert found == []


def test_commands_get_their_api_objects_from_the_runtime() -> None:
    """``rt.results_api``, ``rt.holdouts``…: one place (cli/framework/api_areas.py) wires them."""
    found = []
    for path, tree in _cli_sources():
        if path.parent.name != "commands":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.endswith("Api"):
                found.append(f"{path.name}:{node.lineno} {node.func.id}")
    assert found == []


def test_command_rooms_follow_one_naming_rule() -> None:
    """Commands live in cli/commands/, one room per command group, named without a suffix;
    the command-line machinery in cli/framework/, what is kept between runs in cli/state/."""
    cli = PACKAGE / "cli"
    assert sorted(p.name for p in cli.iterdir() if p.suffix == ".py") == ["__init__.py"]
    rooms = [p.stem for p in (cli / "commands").glob("*.py") if p.stem != "__init__"]
    assert [room for room in rooms if room.endswith(("_cmd", "_cmds"))] == []
    from expctl.cli.framework.registry import COMMANDS

    assert {entry.room for entry in COMMANDS} <= set(rooms)


def test_one_plan_item_type_for_every_kind() -> None:
    """Experiments, holdouts and shared metrics are planned into one ``PlanItem`` (generic
    over the spec), compared by one ``field_changes``, and applied behind one Backend."""
    items, protocols = [], []
    for path in (PACKAGE / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and node.name.endswith("Item"):
                items.append(node.name)
            if isinstance(node, ast.ClassDef) and node.name.endswith("Backend"):
                protocols.append(node.name)
    assert items == ["PlanItem"]
    assert protocols == ["Backend"]


if __name__ == "__main__":
    for (source, target), count in sorted(_imports().items()):
        print(f"{source:9} -> {target:9} {count}")
