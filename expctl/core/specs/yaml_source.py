"""Read spec files safely, remembering where every value came from.

Specs come from pull requests, so the reader treats input as untrusted: files are capped
in size, binary and non-UTF-8 files are refused with a position, duplicate keys are an
error (YAML would silently keep the last), and alias expansion is bounded so a "billion
laughs" document fails fast instead of eating memory. Every value's position is kept so
problems can be reported as ``file:line:column: message``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from expctl.errors import UsageError

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_NODES_PER_FILE = 200_000
MAX_DEPTH = 64
MAX_FILES = 20_000
ENVIRONMENTS_DIR = "environments"  # in a spec directory: per-environment overlays

PathKey = tuple[str | int, ...]


class Position(NamedTuple):
    """Where a value is: a tuple, as every key and value of every spec has one (a frozen
    dataclass cost a third of the reader's time at 2,000 specs)."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass
class Document:
    """One YAML document: its value and the position of every key and value in it."""

    file: str
    index: int
    value: Any
    positions: dict[PathKey, Position] = field(default_factory=dict)

    @classmethod
    def from_marks(cls, file: str, index: int, value: Any, marks: str | list[list[Any]]) -> Document:
        """A document read earlier (``cli/state/spec_cache.py``): its positions, ``[*path,
        line, column]`` each (or the JSON text of them), are made only when one is asked for
        (a problem, a plan line), which on a run that changes nothing is never."""
        doc = cls.__new__(cls)
        doc.__dict__.update(file=file, index=index, value=value, _marks=marks)
        return doc

    def __getattr__(self, name: str) -> Any:
        marks = self.__dict__.get("_marks")
        if name != "positions" or marks is None:
            raise AttributeError(name)
        file = self.__dict__["file"]
        if isinstance(marks, str):
            import json

            marks = json.loads(marks)
        self.positions = {tuple(m[:-2]): Position(file, m[-2], m[-1]) for m in marks}
        del self.__dict__["_marks"]
        return self.positions

    def where(self, path: PathKey) -> Position:
        """The position of ``path``, or of its nearest parent that has one."""
        probe = tuple(path)
        while probe:
            if probe in self.positions:
                return self.positions[probe]
            probe = probe[:-1]
        return self.positions.get((), Position(self.file, 1, 1))


class SpecFileError(Exception):
    """A file that cannot be read as specs at all; ``position`` says where."""

    def __init__(self, position: Position, message: str) -> None:
        super().__init__(f"{position}: {message}")
        self.position = position
        self.message = message


def collect_files(paths: list[str]) -> list[Path]:
    """Files named directly, plus ``*.yaml`` / ``*.yml`` found under directories (recursively,
    leaving out each directory's ``environments/``: overlays, see ``core/specs/overlays.py``),
    each file once (a file named twice, or reached through a link, is the same inode)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(_spec_files_under(path))
        elif path.exists():
            found.append(path)
        else:
            raise UsageError(f"{raw}: no such file or directory")
        if len(found) > MAX_FILES:
            raise UsageError(f"more than {MAX_FILES} spec files under {raw}; point -f at a smaller directory")
    seen: set[tuple[int, int]] = set()
    unique = []
    for path in found:
        info = path.stat()
        if (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            unique.append(path)
    return unique


def _spec_files_under(root: Path) -> list[Path]:
    """``*.yaml`` and ``*.yml`` files under ``root``, in path order, as ``Path.rglob`` found
    them (links to files kept, links to directories not followed), with one directory scan
    each instead of several system calls per file."""
    import os

    found: list[tuple[str, ...]] = []
    pending: list[tuple[str, ...]] = [()]
    while pending:
        relative = pending.pop()
        with os.scandir(root.joinpath(*relative)) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if relative or entry.name != ENVIRONMENTS_DIR:  # overlays (core/specs/overlays.py)
                        pending.append((*relative, entry.name))
                elif os.path.splitext(entry.name)[1] in (".yaml", ".yml") and entry.is_file():
                    found.append((*relative, entry.name))
    return [root.joinpath(*parts) for parts in sorted(found)]


def read_text(path: Path, display: str) -> str:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise SpecFileError(Position(display, 1, 1), f"cannot read: {exc.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise SpecFileError(
            Position(display, 1, 1),
            f"file is {size / 1048576:.1f} MiB; spec files are limited to {MAX_FILE_BYTES // 1048576} MiB",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecFileError(Position(display, 1, 1), f"cannot read: {exc.strerror}") from None
    return decode(data, display)


def decode(data: bytes, display: str) -> str:
    if b"\x00" in data[:65536]:
        offset = data.index(b"\x00")
        raise SpecFileError(_position_of(data, offset, display), "binary file (contains NUL bytes), not YAML")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecFileError(_position_of(data, exc.start, display), "not UTF-8 text") from None
    return text[1:] if text.startswith("\ufeff") else text


def _position_of(data: bytes, offset: int, display: str) -> Position:
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return Position(display, line, column)


def load_documents(text: str, display: str) -> list[Document]:
    """Parse every document; empty ones are skipped. Raises SpecFileError."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    documents: list[Document] = []
    budget = [MAX_NODES_PER_FILE]
    try:
        for index, node in enumerate(_compose_all(yaml, text, loader)):
            if node is None:
                continue
            doc = Document(display, index, None)
            doc.value = _convert(node, doc, (), budget, 0)
            if doc.value is None:
                continue
            documents.append(doc)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = Position(display, mark.line + 1, mark.column + 1) if mark else Position(display, 1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise SpecFileError(position, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise SpecFileError(Position(display, 1, 1), f"invalid YAML: {exc}") from None
    except RecursionError:
        raise SpecFileError(Position(display, 1, 1), "invalid YAML: nested too deeply") from None
    return documents


def _compose_all(yaml: Any, text: str, loader: Any) -> Iterator[Any]:
    return iter(yaml.compose_all(text, Loader=loader))


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


def _convert(node: Any, doc: Document, path: PathKey, budget: list[int], depth: int) -> Any:
    """The node's value, every key's and value's position noted on the way. The hot path
    of a large re-apply: plain strings (most scalars) skip the YAML constructor."""
    import yaml

    return _Converter(yaml, doc, budget).value(node, path, depth)


class _Converter:
    def __init__(self, yaml: Any, doc: Document, budget: list[int]) -> None:
        self.mapping, self.sequence, self.scalar = yaml.MappingNode, yaml.SequenceNode, yaml.ScalarNode
        self.doc, self.file, self.positions, self.budget = doc, doc.file, doc.positions, budget

    def mark(self, node: Any) -> Position:
        mark = node.start_mark
        return Position(self.file, mark.line + 1, mark.column + 1)

    def value(self, node: Any, path: PathKey, depth: int) -> Any:
        budget = self.budget
        budget[0] -= 1
        if budget[0] < 0:
            raise SpecFileError(
                self.mark(node),
                f"the document expands to more than {MAX_NODES_PER_FILE:,} values (YAML aliases?); refusing to read it",
            )
        if depth > MAX_DEPTH:
            raise SpecFileError(self.mark(node), f"nested more than {MAX_DEPTH} levels deep")
        if path not in self.positions:
            self.positions[path] = self.mark(node)
        kind = type(node)
        if kind is self.mapping:
            return self.mapping_value(node, path, depth)
        if kind is self.sequence:
            return [self.value(item, (*path, index), depth + 1) for index, item in enumerate(node.value)]
        if node.tag == _STR:
            return node.value
        return _scalar(node, self.file)

    def mapping_value(self, node: Any, path: PathKey, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        positions = self.positions
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                raise SpecFileError(self.mark(key_node), "merge keys (<<) are not supported in specs")
            if type(key_node) is not self.scalar:
                raise SpecFileError(self.mark(key_node), "mapping keys must be plain text")
            key = key_node.value if key_node.tag == _STR else _scalar(key_node, self.file)
            key_text = key if isinstance(key, str) else str(key).lower() if isinstance(key, bool) else str(key)
            key_path = (*path, key_text)
            where = self.mark(key_node)
            if key_text in result:
                raise SpecFileError(where, f"duplicate key '{key_text}' (first at line {positions[key_path].line})")
            positions[key_path] = where
            result[key_text] = self.value(value_node, key_path, depth + 1)
            value_path: PathKey = (*key_path, "=")
            positions[value_path] = self.mark(value_node)
        return result


_CONSTRUCTOR: list[Any] = []


def _scalar(node: Any, file: str) -> Any:
    import yaml

    if not _CONSTRUCTOR:
        _CONSTRUCTOR.append(yaml.constructor.SafeConstructor())
    constructor = _CONSTRUCTOR[0]
    build = constructor.yaml_constructors.get(node.tag)
    if build is None:
        raise SpecFileError(_mark(node, file), f"unsupported YAML tag {node.tag}")
    try:
        value = build(constructor, node)
    except ValueError as exc:  # a number of thousands of digits, a date that is not one
        if node.tag.endswith(":int"):
            raise SpecFileError(
                _mark(node, file), f"a number of {len(str(node.value)):,} digits: more than any field takes"
            ) from None
        raise SpecFileError(
            _mark(node, file), f"{_short(str(node.value))} is not a value a spec can hold ({_short(str(exc))})"
        ) from None
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _mark(node: Any, file: str) -> Position:
    mark = node.start_mark
    return Position(file, mark.line + 1, mark.column + 1)
