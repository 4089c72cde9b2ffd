"""Every expected failure: one readable line on stderr, no traceback, the documented exit code.

In process (tests/cli/conftest.py's ``InProcessServer``); the subprocess story of this area is tests/e2e/test_errors.py.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import Server
from tests.fakeposthog import READ_ONLY_KEY
from tests.support.area_errors import assert_one_error_line


def test_bad_key_exits_4_with_posthogs_message(server: Server) -> None:
    result = server.run("list", env={"EXPCTL_API_KEY": "phx_thiskeydoesnotexist0000000000000000000"})
    assert_one_error_line(result, code=4, contains="Personal API key found in request Authorization header is invalid")


def test_project_key_is_refused_with_where_to_get_a_personal_key(server: Server) -> None:
    result = server.run("list", env={"EXPCTL_API_KEY": "phc_projectkey000000000000000000000000000000"})
    assert_one_error_line(result, code=4, contains="project API key")
    assert "phx_" in result.stderr and "/settings/user-api-keys" in result.stderr
    assert server.fake.requests() == [], "a project key is refused before any request"


def test_read_only_key_writing_exits_4_naming_the_scope(server: Server) -> None:
    result = server.run("create", "--name", "x", "--flag-key", "x", env={"EXPCTL_API_KEY": READ_ONLY_KEY})
    assert_one_error_line(result, code=4, contains="API key missing required scope 'experiment:write'")
    assert "experiment:write scope" in result.stderr


def test_unknown_id_exits_5(server: Server) -> None:
    result = server.run("get", "9999")
    assert_one_error_line(result, code=5, contains="experiment 9999 not found in project 1")


def test_unknown_project_exits_5(server: Server) -> None:
    result = server.run("list", "--project", "77")
    assert_one_error_line(result, code=5, contains="project 77 not found")


def test_second_experiment_on_a_live_flag_is_refused_naming_the_first(server: Server) -> None:
    result = server.run("create", "--name", "Dup", "--flag-key", "checkout-redesign")
    assert_one_error_line(result, code=6, contains="the flag 'checkout-redesign' is in use by 'Checkout redesign'")
    assert f"(id {server.ids['checkout-redesign']}, running)" in result.stderr and "--share-flag" in result.stderr
    assert server.fake.writes() == []
    assert server.run("get", "checkout-redesign", "-o", "ids").stdout.strip() == str(server.ids["checkout-redesign"])


def test_a_finished_experiments_flag_is_reused_with_a_note(cloud: Server) -> None:
    result = cloud.run("create", "--name", "Onboarding again", "--flag-key", "onboarding-checklist")
    assert result.returncode == 0, result
    assert (
        f"Re-using the flag 'onboarding-checklist' of finished experiment(s) {cloud.ids['onboarding-checklist']}"
        in (result.stderr)
    )


def test_share_flag_creates_it_anyway_and_says_so(cloud: Server) -> None:
    result = cloud.run("create", "--name", "Dup", "--flag-key", "checkout-redesign", "--share-flag")
    assert result.returncode == 0, result
    assert "Sharing the flag 'checkout-redesign' with 'Checkout redesign'" in result.stderr
    assert "refer to these experiments by id" in result.stderr


def test_a_taken_flag_key_is_linked_on_cloud_and_refused_on_late_2024(server: Server) -> None:
    result = server.run(
        "create",
        "--name",
        "Again",
        "--flag-key",
        "checkout-redesign",
        "--variant",
        "control=50",
        "--variant",
        "test=50",
        "--share-flag",  # past our own check, to PostHog's
    )
    if server.flavour == "cloud":  # newest PostHog links the flag as it is (issue 34.4): shared, as asked
        assert result.returncode == 0, result
        assert "linked the existing flag 'checkout-redesign' as it is" in result.stderr
    else:
        assert_one_error_line(result, code=6, contains="There is already a feature flag with this key.")
        assert "(field: key)" in result.stderr


def test_invalid_field_exits_6_with_field(server: Server) -> None:
    """PostHog's refusal of a field (here through the escape hatch, which checks nothing
    itself: `create` refuses a 401-character name before sending)."""
    body = json.dumps({"name": "n" * 401, "feature_flag_key": "long-name", "parameters": {}})
    result = server.run("api", "POST", "experiments/", "--input", "-", input=body)
    assert result.returncode == 6, result
    assert "Ensure this field has no more than 400 characters." in result.stderr and "(field: name)" in result.stderr
    local = server.run("create", "--name", "n" * 401, "--flag-key", "long-name")
    assert_one_error_line(local, code=2, contains="PostHog takes at most 400")


def test_invalid_flag_key_is_caught_before_sending(server: Server) -> None:
    result = server.run("create", "--name", "x", "--flag-key", "has space")
    assert_one_error_line(result, code=2, contains="may contain only letters, digits, '-' and '_'")
    assert server.fake.writes() == []


def test_plain_http_to_a_remote_host_is_refused(cloud: Server) -> None:
    result = cloud.run("list", env={"EXPCTL_HOST": "http://posthog.example.com"})
    assert_one_error_line(result, code=2, contains="refusing to send the API key over plain http")


@pytest.mark.parametrize(
    ("args", "contains"),
    [
        (["get", "not a key"], "neither an experiment id nor a feature flag key"),
        (["update", "1", "--set", "metrics=[oops"], "is not JSON"),
        (["update", "1", "--set", "colour=1"], "unknown experiment field"),
        (["list", "--status", "sideways"], "--status 'sideways' is not one of"),
        (["list", "-o", "xml"], "output 'xml' is not available"),
    ],
)
def test_usage_errors_exit_2(cloud: Server, args: list[str], contains: str) -> None:
    assert_one_error_line(cloud.run(*args), code=2, contains=contains)


def test_typer_usage_errors_exit_2_without_traceback(cloud: Server) -> None:
    result = cloud.run("lsit")
    assert result.returncode == 2
    assert result.stderr == "error: no command 'lsit'; did you mean 'list'?\n"
    assert cloud.run("frobnicate").stderr == "error: no command 'frobnicate'; see `expctl --help`\n"


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["list", "--bogus"], "error: no such option: --bogus (Possible options: --columns); see `expctl list --help`"),
        (["get"], "error: missing argument 'EXPERIMENT'; see `expctl get --help`"),
        (["list", "--limit", "x"], "error: invalid value for '--limit': 'x' is not a valid int range; see"),
    ],
)
def test_command_line_errors_are_our_one_line_not_clicks(cloud: Server, args: list[str], line: str) -> None:
    result = cloud.run(*args)
    assert result.returncode == 2, result
    assert result.stderr.startswith(line) and result.stderr.count("\n") == 1, result.stderr
    assert "Usage:" not in result.stderr and "Error:" not in result.stderr


def test_posthogs_full_stop_is_not_doubled_before_the_hint(cloud: Server) -> None:
    result = cloud.run("list", env={"EXPCTL_API_KEY": "phx_thiskeydoesnotexist0000000000000000000"})
    assert result.returncode == 4
    assert ".;" not in result.stderr and "is invalid;" in result.stderr, result.stderr


def test_archiving_an_archived_experiment_says_there_is_nothing_to_do(cloud: Server) -> None:
    assert cloud.run("archive", "onboarding-checklist").returncode == 0
    again = cloud.run("archive", "onboarding-checklist")
    assert again.returncode == 6
    assert again.stderr.rstrip().endswith("; nothing to do") and "archive it" not in again.stderr
