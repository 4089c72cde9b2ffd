"""How `results` reads what PostHog answers: which signal a verdict follows, the order of
metrics, and what an older release cannot compute."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from expctl.standin.wire import FakeResponse
from tests.cli.conftest import InProcess, invoke_and_assert

# The late-2024 release's legacy results/ for a trend goal: PostHog calls the control the
# best with 92% probability (significant), while the test variant's own credible interval,
# set against the control's rate, still reaches past no change.
CONTRADICTING_LEGACY_RESULT = {
    "result": {
        "insight": [],
        "filters": {"events": [{"id": "purchase", "type": "events", "order": 0}], "insight": "TRENDS"},
        "exposure_filters": {},
        "probability": {"control": 0.92, "test": 0.08},
        "significant": True,
        "significance_code": "significant",
        "variants": [
            {"key": "control", "count": 182, "exposure": 1.0, "absolute_exposure": 1992},
            {"key": "test", "count": 169, "exposure": 1.01, "absolute_exposure": 2012},
        ],
        "credible_intervals": {"control": [0.0787, 0.104], "test": [0.0765, 0.0917]},
        "p_value": 0.08,
    },
    "last_refresh": "2026-11-30T12:00:00.000000Z",
    "is_cached": True,
}


def _legacy_results_disagree(project: InProcess) -> None:
    project.fake.script("GET", r"/experiments/1/results/$", FakeResponse.json(200, CONTRADICTING_LEGACY_RESULT))


def test_a_legacy_verdict_says_it_follows_posthog_where_the_interval_disagrees() -> None:
    project = InProcess("legacy")
    _legacy_results_disagree(project)
    table = invoke_and_assert(project, ["results", "checkout-redesign", "-o", "table"], 0).stdout
    test_row = next(line for line in table.splitlines() if line.startswith("test "))
    assert "▼ losing" in test_row and "[-16.3%, +0.4%]" in test_row, test_row
    assert (
        "note: test: the verdict follows PostHog, which calls it significant by the legacy probability of being "
        "best; the 95% interval shown includes no change"
    ) in " ".join(table.split())
    _legacy_results_disagree(project)
    raw = json.loads(invoke_and_assert(project, ["results", "checkout-redesign", "-o", "json"], 0).stdout)
    assert raw["primary"] == CONTRADICTING_LEGACY_RESULT  # PostHog's answer, unchanged
    verdict = raw["verdicts"]["primary"]
    assert verdict["follows"] == "posthog_significant" and verdict["variants"] == {"test": "losing"}
    assert verdict["notes"] and "includes no change" in verdict["notes"][0]
    _legacy_results_disagree(project)
    # --fail-on loser follows the same verdict, so it fails: documented beside the note.
    invoke_and_assert(project, ["results", "checkout-redesign", "--fail-on", "loser"], 9)


def test_agreeing_verdicts_carry_no_note(project: InProcess) -> None:
    raw = json.loads(invoke_and_assert(project, ["results", "checkout-redesign", "-o", "json"], 0).stdout)
    assert all(entry["notes"] == [] for entry in raw["verdicts"].values()), raw["verdicts"]
    assert "note:" not in invoke_and_assert(project, ["results", "checkout-redesign", "-o", "table"], 0).stdout


def test_primary_metrics_come_first_in_every_output() -> None:
    project = InProcess("legacy")
    invoke_and_assert(project, ["shared-metrics", "link", "checkout-redesign", "Revenue per user", "--secondary"], 0)
    table = project.run("results", "checkout-redesign", "-o", "table").stdout
    assert table.index("Primary 1") < table.index("Secondary 1"), table
    markdown = project.run("results", "checkout-redesign", "-o", "markdown").stdout
    assert markdown.index("Primary 1") < markdown.index("Secondary 1"), markdown
    plain = project.run("results", "checkout-redesign", "-o", "plain").stdout
    roles = [line.split("\t")[2] for line in plain.splitlines()]
    assert roles == sorted(roles, key=lambda role: role != "primary"), roles


def test_an_older_release_warns_at_create_and_says_in_one_line_what_it_cannot_compute() -> None:
    project = InProcess("legacy")
    made = invoke_and_assert(
        project, ["create", "--name", "Funnel", "--flag-key", "funnel-v1", "--metric", "funnel: [$pageview, purchase]"]
    )
    assert "warning: this PostHog release (from before 2025: no stats_config) stores metrics" in made.stderr
    invoke_and_assert(project, ["launch", "funnel-v1"], 0)
    failed = invoke_and_assert(project, ["results", "funnel-v1", "-o", "plain"], 6)
    assert failed.stderr.splitlines() == [
        "error: could not compute the primary metric '$pageview → purchase': this PostHog release cannot compute "
        "metrics of kind ExperimentMetric (its query endpoint predates ExperimentQuery)"
    ]
    assert "union_tag_invalid" not in failed.stdout + failed.stderr


def test_the_plan_and_apply_warn_of_a_metric_an_older_release_cannot_compute(tmp_path: Path) -> None:
    project = InProcess("legacy")
    warning = "this PostHog release (from before 2025: no stats_config) stores metrics of kind ExperimentMetric"
    invoke_and_assert(project, ["export", "checkout-redesign", "-f", str(tmp_path)], 0)
    existing = tmp_path / "checkout-redesign.yaml"
    spec = yaml.safe_load(existing.read_text())
    spec["metrics"] = [{"funnel": ["$pageview", "purchase"]}]
    existing.write_text(yaml.safe_dump(spec))
    shown = invoke_and_assert(project, ["diff", "-f", str(existing)], 8).stdout
    assert f"⚠ {warning}" in " ".join(shown.split())
    new = tmp_path / "new" / "new.yaml"
    new.parent.mkdir()
    new.write_text("name: New funnel\nfeature_flag_key: new-funnel\nmetrics:\n  - funnel: [$pageview, purchase]\n")
    applied = invoke_and_assert(project, ["apply", "-f", str(new), "--yes"], 0)
    assert f"warning: new-funnel: {warning}" in applied.stderr
