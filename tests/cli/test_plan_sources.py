"""`plan EXPERIMENT` reads the minimum detectable effect where PostHog keeps it, sizes
metrics as PostHog's web app does, and survives PostHog's optional calculator failing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from expctl.standin.state import READ_ONLY_KEY
from expctl.standin.wire import FakeResponse
from tests.cli.conftest import InProcess, invoke_and_assert


def _plan(project: InProcess, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    outcome = project.run("plan", "checkout-redesign", "-o", "json", *args, env=env)
    assert outcome.returncode == 0, outcome
    return dict(json.loads(outcome.stdout))


def _set(project: InProcess, field: str, value: Any) -> None:
    with project.fake.store.lock:
        project.fake.store.experiments[1][field] = value


def test_the_mde_comes_from_where_posthog_keeps_it_in_order(project: InProcess) -> None:
    fallback = _plan(project)
    assert fallback["mde"] == 0.3 and fallback["mde_source"] == "PostHog's default"
    project.fake.store.teams[1].default_minimum_detectable_effect = 20
    assert (_plan(project)["mde"], _plan(project)["mde_source"]) == (0.2, "the project's default")
    _set(project, "parameters", {"minimum_detectable_effect": 15})
    assert _plan(project)["mde"] == 0.15  # the historical home beats the project's default
    _set(project, "running_time_calculation", {"minimum_detectable_effect": 12})
    data = _plan(project)
    assert (data["mde"], data["mde_source"]) == (0.12, "the experiment's setting")  # the canonical home first
    assert _plan(project, "--mde", "7%")["mde"] == 0.07  # --mde wins


def test_a_key_that_cannot_read_the_project_settings_gets_posthogs_default_and_says_why(project: InProcess) -> None:
    project.fake.store.teams[1].default_minimum_detectable_effect = 20  # set, but out of this key's reach
    with project.fake.store.lock:
        project.fake.store.keys[READ_ONLY_KEY].scopes = ["experiment:read", "query:read"]
    limited = _plan(project, env={"EXPCTL_API_KEY": READ_ONLY_KEY})
    assert limited["mde"] == 0.3
    assert limited["mde_source"] == (
        "PostHog's default; the project's experiment settings could not be read (the key needs project:read)"
    )


def test_a_server_that_refuses_personal_keys_the_settings_is_said_so(project: InProcess) -> None:
    """The refusal an audit read ("This action does not support Personal API Key access"):
    said as it is, not as a missing project:read, and PostHog's default used."""
    project.fake.experiments_config_refuses_scoped_keys = True
    with project.fake.store.lock:
        project.fake.store.keys[READ_ONLY_KEY].scopes = ["experiment:read", "query:read", "project:read"]
    limited = _plan(project, env={"EXPCTL_API_KEY": READ_ONLY_KEY})
    assert (
        limited["mde_source"]
        == "PostHog's default; PostHog lets no personal API key read the project's experiment settings"
    )


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (FakeResponse.json(403, {"type": "authentication_error", "code": "permission_denied", "detail": "No."}),
         "PostHog's calculator refused the request"),
        (FakeResponse.html(502, "<html>Bad gateway</html>"), "PostHog's calculator failed"),
        (FakeResponse.json(400, {"type": "validation_error", "code": "invalid", "detail": "Bad.", "attr": None}),
         "PostHog's calculator failed"),
    ],
)  # fmt: skip
def test_a_failing_calculator_leaves_expctls_estimate_standing(
    project: InProcess, answer: FakeResponse, why: str
) -> None:
    for _ in range(8):  # enough for every retry of a 502
        project.fake.script("POST", r"/calculate_running_time/$", answer)
    outcome = invoke_and_assert(project, ["plan", "checkout-redesign", "-o", "table"], 0)
    assert "needed" in outcome.stdout and "PostHog's estimate" not in outcome.stdout
    notes = [line for line in outcome.stderr.splitlines() if line.startswith("No estimate from PostHog")]
    assert len(notes) == 1 and why in notes[0] and notes[0].endswith("expctl's estimate only."), outcome.stderr


def test_a_rejected_key_still_stops_the_command(project: InProcess) -> None:
    unauthorized = FakeResponse.json(
        401, {"type": "authentication_error", "code": "authentication_failed", "detail": "Invalid key.", "attr": None}
    )
    project.fake.script("POST", r"/calculate_running_time/$", unauthorized)
    invoke_and_assert(project, ["plan", "checkout-redesign"], 4)


@pytest.mark.parametrize(
    ("math", "sized_as"), [("sum", "mean_sum_or_avg"), ("avg", "mean_count"), (None, "mean_count")]
)
def test_the_calculator_is_asked_about_the_metric_as_posthogs_web_app_asks(
    project: InProcess, math: str | None, sized_as: str
) -> None:
    source: dict[str, Any] = {"kind": "EventsNode", "event": "purchase"}
    if math:
        source.update(math=math, math_property="revenue")
    metric = {"kind": "ExperimentMetric", "metric_type": "mean", "uuid": "44444444-4444-4444-8444-444444444444"}
    _set(project, "metrics", [{**metric, "source": source}])
    project.fake.clear_log()
    _plan(project, "--mde", "10%")
    sent = [json.loads(e.body) for e in project.fake.requests("POST", "calculate_running_time")]
    assert sent and sent[0]["metric_type"] == sized_as
