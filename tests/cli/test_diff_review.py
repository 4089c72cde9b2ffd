"""What `diff` shows a reviewer: each field under its own heading, metrics as written,
warnings only about what really changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.cli.conftest import InProcess, invoke_and_assert


def _exported(project: InProcess, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    invoke_and_assert(project, ["export", "checkout-redesign", "-f", str(tmp_path)], 0)
    path = tmp_path / "checkout-redesign.yaml"
    return path, yaml.safe_load(path.read_text())


def _write(path: Path, spec: dict[str, Any]) -> None:
    path.write_text(yaml.safe_dump(spec, sort_keys=False))


def test_each_changed_field_has_its_heading_and_metrics_stay_in_shorthand(project: InProcess, tmp_path: Path) -> None:
    path, spec = _exported(project, tmp_path)
    spec["variants"][1]["name"] = "One-page checkout"
    spec["metrics"][1]["mean"] = {"event": "purchase", "sum": "price"}
    _write(path, spec)
    shown = invoke_and_assert(project, ["diff", "-f", str(path)], 8).stdout.splitlines()
    assert "      variants:" in shown and "      metrics:" in shown
    assert shown.index("      variants:") < shown.index("      metrics:")
    assert "    +   mean: {event: purchase, sum: price}" in shown  # the shorthand, as in the file
    assert "    -   mean: {event: purchase, name: null, sum: revenue}" in shown
    assert not any("kind: EventsNode" in line or "math_property" in line for line in shown)
    # A new variant name is no new split: no warning about biased results.
    assert not any("split" in line for line in shown), shown


def test_only_a_new_split_warns_about_the_split(project: InProcess, tmp_path: Path) -> None:
    path, spec = _exported(project, tmp_path)
    spec["variants"][1]["key"] = "treatment"
    _write(path, spec)
    keys = invoke_and_assert(project, ["diff", "-f", str(path)], 6).stdout
    assert "variant keys cannot change once an experiment is launched" in keys
    assert "⚠" not in keys
    spec["variants"][1]["key"] = "test"
    spec["variants"][0]["rollout_percentage"], spec["variants"][1]["rollout_percentage"] = 60, 40
    _write(path, spec)
    split = invoke_and_assert(project, ["diff", "-f", str(path)], 8).stdout
    assert "⚠ changing the split of a launched experiment biases the results collected so far" in split


def test_a_metric_the_shorthand_cannot_say_is_shown_as_posthog_has_it(project: InProcess, tmp_path: Path) -> None:
    path, spec = _exported(project, tmp_path)
    spec["metrics"][1] = {
        "kind": "ExperimentMetric",
        "metric_type": "mean",
        "name": "Revenue per user",
        "source": {
            "kind": "EventsNode",
            "event": "purchase",
            "math": "sum",
            "math_property": "price",
            "custom_name": "Paid",
        },
    }
    _write(path, spec)
    shown = project.run("diff", "-f", str(path)).stdout
    assert "      metrics:" in shown and "kind: EventsNode" in shown
