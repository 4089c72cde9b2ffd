"""Metrics in specs and on the command line: shorthand or PostHog's form, checked offline.

Both :mod:`expctl.core.specs.load` (an experiment's ``metrics``) and the shared-metric documents
read metrics here, and so does ``--metric`` on the command line, so a metric means the
same wherever it is written. A shorthand (:mod:`expctl.core.metrics.shorthand`) is
expanded first; then every metric, expanded or raw, is checked against PostHog's own
``ExperimentMetric`` definitions (:mod:`expctl.core.metrics.schema`). Metrics of the legacy
kinds are accepted as PostHog returns them, so specs exported from older experiments
read back; the plan refuses to write them anew.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from expctl.core.metrics.schema import LEGACY_METRIC_KINDS, NODE_FIELDS, metric_problems
from expctl.core.metrics.shorthand import ShorthandError, expand, is_shorthand
from expctl.core.specs.fields import json_type_of

PathKey = tuple[str | int, ...]
Report = Callable[[PathKey, str], None]


def read_metric(value: Any, here: PathKey, problem: Report) -> dict[str, Any] | None:
    """The ``ExperimentMetric`` a spec or flag value stands for; None after reporting why not."""
    if not isinstance(value, dict):
        problem(here, f"a metric must be a mapping (shorthand or PostHog's form), not {json_type_of(value)}")
        return None
    if is_shorthand(value):
        try:
            metric = expand(value)
        except ShorthandError as exc:
            for path, message in exc.problems:
                problem((*here, *path), message)
            # Every problem is listed: the keys the shorthand problems left alone (a goal
            # beside a bad window) are still checked against PostHog's definitions.
            spoiled = {path[0] for path, _ in exc.problems if path}
            for path, message in _schema_problems(exc.partial or {}) if exc.partial else []:
                if path and path[0] in value and path[0] not in spoiled:
                    problem((*here, *path[:2]), message)
            return None
        # Schema problems of an expanded shorthand point at the shorthand itself.
        found = list(_schema_problems(metric))
        for path, message in found:
            problem((*here, *_in_shorthand(path, value, str(metric.get("metric_type")))), message)
        return None if found else metric
    if value.get("kind") in LEGACY_METRIC_KINDS:
        return value
    found = list(_schema_problems(value))
    for path, message in found:
        problem((*here, *path), message)
    return None if found else value


def _in_shorthand(path: PathKey, short: Mapping[str, Any], metric_type: str) -> PathKey:
    """Where in the shorthand a problem of its expansion lies: the shorthand's own key or
    value, the step or source (under the metric type's key), or the metric itself."""
    if path and path[0] in short:
        return path[:2]
    if path and path[0] in NODE_FIELDS.get(metric_type, ()) and metric_type in short:
        step = [path[1]] if metric_type == "funnel" and len(path) > 1 and isinstance(path[1], int) else []
        return (metric_type, *step)
    return ()


def read_metrics(values: list[Any], field_name: str, problem: Report) -> list[dict[str, Any]] | None:
    """Every metric of a list, or None when one has a problem (each reported)."""
    out: list[dict[str, Any]] = []
    ok = True
    for index, value in enumerate(values):
        metric = read_metric(value, (field_name, index), problem)
        if metric is None:
            ok = False
        else:
            out.append(metric)
    return out if ok else None


def _schema_problems(metric: dict[str, Any]) -> list[tuple[PathKey, str]]:
    found: list[tuple[PathKey, str]] = list(metric_problems(metric))
    if metric.get("metric_type") == "funnel" and metric.get("series") == []:
        # ExperimentService's rule, beyond the schema.
        found.append((("series", "="), "a funnel metric needs at least one step in series"))
    return found


def parse_metric_option(text: str, option: str) -> dict[str, Any]:
    """A ``--metric`` value (the shorthand as YAML, or PostHog's JSON) as an ExperimentMetric."""
    import yaml

    from expctl.errors import UsageError

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at column {mark.column + 1}" if mark is not None else ""
        raise UsageError(f"{option}: not valid YAML{where}: {text!r}") from None
    problems: list[str] = []

    def problem(path: PathKey, message: str) -> None:
        inside = ".".join(str(p) for p in path if p != "=")
        problems.append(f"{inside}: {message}" if inside else message)

    metric = read_metric(value, (), problem)
    if metric is None:
        raise UsageError(f"{option} {text!r}: {'; '.join(problems)}")
    return metric
