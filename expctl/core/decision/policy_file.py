"""A policy file: the ``decision:`` block for experiments not managed by specs, read as
safely as spec files (``core/specs/yaml_source.py``) and checked with positions."""

from __future__ import annotations

from pathlib import Path

from expctl.core.decision.policy import Policy, read_policy


def read_policy_file(path: Path) -> tuple[Policy, list[str]]:
    """The policy in ``path`` (a mapping with a ``decision:`` key, or the block itself)
    and its problems as ``file:line:column: message`` (the default policy then stands
    in, and the decision is invalid with them as reasons)."""
    from expctl.core.specs.yaml_source import SpecFileError, load_documents, read_text

    try:
        documents = load_documents(read_text(path, str(path)), str(path))
    except SpecFileError as exc:
        return Policy(), [f"{exc.position}: {exc.message}"]
    if len(documents) != 1 or not isinstance(documents[0].value, dict):
        return Policy(), [f"{path}:1:1: a policy file holds one mapping: the decision: block"]
    doc = documents[0]
    base: tuple[str, ...] = ("decision",) if "decision" in doc.value else ()
    policy, problems = read_policy(doc.value["decision"] if base else doc.value)
    if policy is None:
        return Policy(), [f"{doc.where(base + found.path)}: {found.message}" for found in problems]
    return policy, []
