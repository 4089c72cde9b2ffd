"""One set of specs, many environments: per-environment overlays, merged predictably.

A spec directory holds the base specs; ``environments/<name>/`` under it holds what
differs in environment ``<name>`` (the profile of that name: its host, project and key).
An overlay document names its target as the specs do: ``feature_flag_key`` for an
experiment, ``kind`` and ``name`` for a holdout or shared metric. It is merged into the
base document by four rules, simpler than kustomize's patches and Helm's values:

* a mapping merges key by key, recursively;
* any other value (a list, a string, a number) replaces the base's;
* ``null`` removes the key;
* a key ending in ``+`` appends: a string to the base's string, a list to its list.

An overlay document whose target the base lacks is added whole (a holdout only
production has). The merged documents are then read and checked like any spec, and a
problem in a value an overlay set points into the overlay file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from expctl.core.specs.yaml_source import ENVIRONMENTS_DIR, Document, PathKey, Position, collect_files
from expctl.errors import UsageError

APPEND = "+"
_NAME_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")


def environment_names(paths: Iterable[str]) -> list[str]:
    """The environments the spec directories have overlays for."""
    names: set[str] = set()
    for raw in paths:
        root = Path(raw) / ENVIRONMENTS_DIR
        if raw != "-" and root.is_dir():
            names.update(
                child.name
                for child in root.iterdir()
                if child.is_dir() and child.name not in (".", "..") and set(child.name) <= _NAME_CHARACTERS
            )
    return sorted(names)


def check_environment_name(env: str) -> str:
    """An environment is a name (letters, digits, ``_``, ``.``, ``-``; not ``.`` or ``..``),
    never a path: ``--env ../../outside`` or ``--env /abs`` must not read overlays from
    outside the spec folder, and ``--env .`` must not merge every environment."""
    if not env or env in (".", "..") or not set(env) <= _NAME_CHARACTERS:
        raise UsageError(
            f"--env {env!r} is not an environment name",
            hint="an environment is a name of letters, digits, '_', '.' and '-', such as prod or eu-staging",
        )
    return env


def overlay_files(paths: Iterable[str], env: str) -> list[Path]:
    """The overlay files of ``env``: only those inside ``environments/<env>/`` of a spec
    folder once symlinks are resolved (a link out of it is not read)."""
    check_environment_name(env)
    found: list[Path] = []
    for raw in paths:
        if raw == "-":
            continue
        folder = Path(raw) / ENVIRONMENTS_DIR / env
        inside = Path(raw).resolve() / ENVIRONMENTS_DIR / env
        if not folder.is_dir() or folder.resolve() != inside:  # the environment itself a link elsewhere
            continue
        found.extend(path for path in collect_files([str(folder)]) if inside in path.resolve().parents)
    return found


def identity(value: Any) -> tuple[str, str] | None:
    """What a document is about: ("Experiment", flag key) or (kind, name)."""
    if not isinstance(value, Mapping):
        return None
    kind = str(value.get("kind") or "Experiment")
    key = value.get("feature_flag_key") if kind == "Experiment" else value.get("name")
    return (kind, str(key)) if isinstance(key, str) and key else None


def merge(base: Any, overlay: Any) -> Any:
    """``overlay`` over ``base`` by the four rules above."""
    if not isinstance(base, Mapping) or not isinstance(overlay, Mapping):
        return overlay
    merged = dict(base)
    for raw_key, value in overlay.items():
        key = str(raw_key)
        if key.endswith(APPEND) and len(key) > 1:
            name = key[: -len(APPEND)]
            merged[name] = _appended(merged.get(name), value)
        elif value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge(merged.get(key), value)
    return merged


def _appended(before: Any, value: Any) -> Any:
    """The base's value with ``value`` after it; where the base has none (or another
    type), the value alone."""
    if isinstance(before, str) and isinstance(value, str):
        return before + value
    if isinstance(before, list) and isinstance(value, list):
        return [*before, *value]
    return value


def apply_overlays(
    base: Sequence[Document], overlays: Sequence[Document], env: str
) -> tuple[list[Document], list[tuple[Position, str]]]:
    """The base documents with ``env``'s overlays merged in, and the overlays' problems."""
    documents = list(base)
    where = {identity(doc.value): index for index, doc in enumerate(documents) if identity(doc.value)}
    problems: list[tuple[Position, str]] = []
    for overlay in overlays:
        target = identity(overlay.value)
        if target is None:
            problems.append(
                (
                    overlay.where(()),
                    f"an overlay for {env} names its target by feature_flag_key (an experiment) "
                    "or by kind and name (a holdout or shared metric)",
                )
            )
            continue
        changed = _identity_changes(overlay.value)
        if changed:
            problems.extend(
                (
                    overlay.where((key,)),
                    f"{key}: an overlay cannot change what its target is ({target[0]} {target[1]!r}); "
                    "give the environment its own document instead",
                )
                for key in changed
            )
            continue
        bad = _bad_appends(overlay.value)
        if bad:
            problems.extend(
                (overlay.where((key,)), f"{key}: '+' appends a string to a string or a list to a list") for key in bad
            )
            continue
        if target not in where:
            where[target] = len(documents)
            documents.append(overlay)
            continue
        index = where[target]
        documents[index] = _merged(documents[index], overlay)
    return documents, problems


def _identity_changes(value: Mapping[str, Any]) -> list[str]:
    """Keys of an overlay that would append to or remove what names its target: the
    merged document would then be another experiment (or holdout, shared metric) than the
    one the overlay names, made by `apply --env` without anyone having written it."""
    kind = str(value.get("kind") or "Experiment")
    names = ("feature_flag_key", "kind") if kind == "Experiment" else ("kind", "name")
    return [
        str(key)
        for key, item in value.items()
        if (str(key).endswith(APPEND) and str(key)[: -len(APPEND)] in names) or (str(key) in names and item is None)
    ]


def _bad_appends(value: Mapping[str, Any]) -> list[str]:
    return [str(key) for key, item in value.items() if str(key).endswith(APPEND) and not isinstance(item, (str, list))]


def _merged(base: Document, overlay: Document) -> Document:
    """One document: the merged value; every position the overlay set points into it."""
    positions: dict[PathKey, Position] = dict(base.positions)
    for path, position in overlay.positions.items():
        head = path[0] if path else None
        if isinstance(head, str) and head.endswith(APPEND):
            renamed: PathKey = (head[: -len(APPEND)], *path[1:])
            positions[renamed] = position
        elif path:
            positions[path] = position
    return Document(base.file, base.index, merge(base.value, overlay.value), positions)
