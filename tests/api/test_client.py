"""The HTTP client: retries, throttling, never-twice POSTs, error mapping, safety limits."""

from __future__ import annotations

import json

import httpx
import pytest

from expctl.errors import (
    ApiAuthError,
    ApiNotFoundError,
    ApiRejectedError,
    ApiUnavailableError,
    ApiUnexpectedError,
    ApprovalRequiredError,
    ExitCode,
    NotPostHogError,
)
from tests.support.clients import HOST, Sleeps, client_for, json_response

THROTTLED = {
    "type": "throttled_error",
    "code": "throttled",
    "detail": "Request was throttled. Expected available in 7 seconds.",
    "attr": None,
}


def sequence(*responses: httpx.Response | Exception) -> tuple[list[httpx.Request], object]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return seen, handler


def test_get_is_retried_on_503_then_succeeds() -> None:
    seen, handler = sequence(httpx.Response(503, text="busy"), httpx.Response(502), json_response(200, {"ok": 1}))
    sleeps = Sleeps()
    client = client_for(handler, sleeps=sleeps)
    assert client.get("/api/x/") == {"ok": 1}
    assert len(seen) == 3
    assert sleeps == [0.5, 1.0], "exponential backoff (jitter pinned to its top)"
    assert client.stats.retried == 2


def test_429_waits_for_retry_after() -> None:
    _seen, handler = sequence(json_response(429, THROTTLED, {"Retry-After": "3"}), json_response(200, {}))
    sleeps = Sleeps()
    notices: list[str] = []
    client_for(handler, sleeps=sleeps, notices=notices).get("/api/x/")
    assert sleeps == [3.0]
    assert "throttling" in notices[0] and "retrying in 3.0 s" in notices[0]


def test_429_without_header_waits_the_seconds_in_detail() -> None:
    _, handler = sequence(json_response(429, THROTTLED), json_response(200, {}))
    sleeps = Sleeps()
    client_for(handler, sleeps=sleeps).get("/api/x/")
    assert sleeps == [7.0]


def test_429_without_any_hint_backs_off() -> None:
    body = {"type": "throttled_error", "code": "throttled", "detail": "Too many concurrent queries", "attr": None}
    _, handler = sequence(json_response(429, body), json_response(200, {}))
    sleeps = Sleeps()
    client_for(handler, sleeps=sleeps).get("/api/x/")
    assert sleeps == [0.5]


def test_wait_longer_than_max_wait_fails_at_once() -> None:
    _, handler = sequence(json_response(429, THROTTLED, {"Retry-After": "300"}))
    sleeps = Sleeps()
    with pytest.raises(ApiUnavailableError) as caught:
        client_for(handler, sleeps=sleeps, max_wait=60).get("/api/x/")
    assert "asks to wait 300 s, more than --max-wait (60 s)" in caught.value.message
    assert caught.value.exit_code == ExitCode.UNAVAILABLE
    assert sleeps == []


def test_gives_up_after_the_retries() -> None:
    _, handler = sequence(*[httpx.Response(503) for _ in range(6)])
    with pytest.raises(ApiUnavailableError) as caught:
        client_for(handler, retries=5).get("/api/x/")
    assert "gave up after 6 attempts" in caught.value.message


def test_refused_connection_gives_up_after_three_attempts() -> None:
    refused = httpx.ConnectError("[Errno 111] Connection refused")
    seen, handler = sequence(refused, refused, refused, refused)
    with pytest.raises(ApiUnavailableError) as caught:
        client_for(handler).get("/api/x/")
    assert len(seen) == 3
    assert "cannot connect" in caught.value.message


def test_post_is_not_blindly_retried_after_an_unknown_outcome() -> None:
    seen, handler = sequence(httpx.Response(503), json_response(201, {"id": 1}))
    with pytest.raises(ApiUnavailableError) as caught:
        client_for(handler).post("/api/x/", {"name": "a"})
    assert len(seen) == 1
    assert "may or may not have applied it" in caught.value.message


def test_post_checks_whether_it_landed_before_retrying() -> None:
    seen, handler = sequence(httpx.ReadError("connection reset"), json_response(201, {"id": 2}))
    checks: list[str] = []

    def reconcile() -> dict[str, int] | None:
        checks.append("looked")
        return None

    assert client_for(handler).post("/api/x/", {"name": "a"}, reconcile=reconcile) == {"id": 2}
    assert checks == ["looked"] and len(seen) == 2


def test_post_that_landed_is_not_sent_again() -> None:
    seen, handler = sequence(httpx.Response(504))
    result = client_for(handler).post("/api/x/", {"name": "a"}, reconcile=lambda: {"id": 9})
    assert result == {"id": 9}
    assert len(seen) == 1


def test_post_is_repeated_after_429_because_it_was_not_processed() -> None:
    seen, handler = sequence(json_response(429, THROTTLED, {"Retry-After": "1"}), json_response(201, {"id": 3}))
    assert client_for(handler).post("/api/x/", {}) == {"id": 3}
    assert len(seen) == 2


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (
            400,
            {"type": "validation_error", "code": "invalid_input", "detail": "Bad thing.", "attr": "name"},
            ApiRejectedError,
            "PostHog rejected the request: Bad thing. (field: name)",
        ),
        (
            400,
            {"detail": "Duplication is not supported for experiments using legacy metrics."},
            ApiRejectedError,
            "legacy metrics",
        ),
        (400, {"error": "Invalid limit or offset"}, ApiRejectedError, "Invalid limit or offset"),
        (400, {"name": ["This field is required."]}, ApiRejectedError, "This field is required. (field: name)"),
        (400, None, ApiRejectedError, "HTTP 400 with no details"),
        (
            401,
            {
                "type": "authentication_error",
                "code": "authentication_failed",
                "detail": "Personal API key found in request Authorization header is invalid.",
                "attr": None,
            },
            ApiAuthError,
            "did not accept the API key",
        ),
        (
            403,
            {
                "type": "authentication_error",
                "code": "permission_denied",
                "detail": "API key missing required scope 'experiment:write'",
                "attr": None,
            },
            ApiAuthError,
            "permission denied",
        ),
        (
            404,
            {"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": None},
            ApiNotFoundError,
            "not found: Not found.",
        ),
        (
            404,
            {"type": "invalid_request", "code": "not_found", "detail": "Project not found.", "attr": None},
            ApiNotFoundError,
            "project 1 not found on https://posthog.test",
        ),
        (405, None, ApiRejectedError, "does not allow GET"),
        (
            409,
            {"detail": "Approval required", "change_request_id": "cr_1"},
            ApprovalRequiredError,
            "change request cr_1",
        ),
        (409, {"detail": "Conflict."}, ApiRejectedError, "refused the change: Conflict."),
    ],
)
def test_error_mapping(status: int, body: object, error: type, message: str) -> None:
    response = httpx.Response(status, json=body) if body is not None else httpx.Response(status)
    _, handler = sequence(response)
    with pytest.raises(error) as caught:
        client_for(handler).get("/api/x/")
    assert message in caught.value.message


def test_403_scope_hint_names_the_scope() -> None:
    body = {
        "type": "authentication_error",
        "code": "permission_denied",
        "detail": "API key missing required scope 'query:read'",
        "attr": None,
    }
    _, handler = sequence(json_response(403, body))
    with pytest.raises(ApiAuthError) as caught:
        client_for(handler).get("/api/x/")
    assert caught.value.hint == f"give the key the query:read scope at {HOST}/settings/user-api-keys"


def test_html_error_page_from_a_proxy() -> None:
    page = httpx.Response(502, text="<html><body>Bad gateway</body></html>", headers={"content-type": "text/html"})
    _, handler = sequence(page, page, page, page, page, page)
    with pytest.raises(ApiUnavailableError) as caught:
        client_for(handler).get("/api/x/")
    assert "an HTML page instead of PostHog's JSON" in caught.value.message


def test_html_with_200_is_not_mistaken_for_data() -> None:
    _, handler = sequence(httpx.Response(200, text="<!doctype html><html></html>"))
    with pytest.raises(NotPostHogError) as caught:
        client_for(handler).get("/api/x/")
    assert "is not a PostHog API: GET /api/x/ answered with an HTML page" in caught.value.message
    assert caught.value.exit_code == 7


def test_truncated_json_is_reported() -> None:
    _, handler = sequence(httpx.Response(200, text='{"results": [{"id": 1'))
    with pytest.raises(ApiUnexpectedError) as caught:
        client_for(handler).get("/api/x/")
    assert "not valid JSON" in caught.value.message


def test_enormous_responses_are_cut_off() -> None:
    _, handler = sequence(httpx.Response(200, content=b"[" + b"1," * 600_000 + b"1]"))
    with pytest.raises(ApiUnexpectedError) as caught:
        client_for(handler, max_response_bytes=1024 * 1024).get("/api/x/")
    assert "larger than the 1.0 MiB expctl reads" in caught.value.message


def test_redirect_to_another_origin_is_not_followed() -> None:
    seen, handler = sequence(httpx.Response(302, headers={"location": "https://evil.example/api/x/"}))
    with pytest.raises(ApiUnexpectedError) as caught:
        client_for(handler).get("/api/x/")
    assert "not following it with your API key" in caught.value.message
    assert len(seen) == 1 and seen[0].url.host == "posthog.test"


def test_requests_carry_bearer_key_user_agent_and_json() -> None:
    seen, handler = sequence(json_response(201, {}))
    client_for(handler, key="phx_abcdefgh12345678").post("/api/x/", {"a": 1}, idempotent=True)
    request = seen[0]
    assert request.headers["authorization"] == "Bearer phx_abcdefgh12345678"
    assert request.headers["user-agent"].startswith("expctl/")
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"a": 1}


def test_debug_log_redacts_the_key_everywhere() -> None:
    key = "phx_verysecretkeyvalue0000000000000000"
    _, handler = sequence(json_response(200, {"echo": key}))
    lines: list[str] = []
    client_for(handler, key=key, debug=lines).post("/api/x/", {"personal_api_key": key}, idempotent=True)
    text = "\n".join(lines)
    assert "> POST https://posthog.test/api/x/" in text
    assert "authorization: Bearer [REDACTED]" in text
    assert key not in text
    assert "< HTTP 200" in text


def test_secret_repr_is_masked() -> None:
    from expctl.settings.secret import Secret

    secret = Secret("phx_abcdefghijklmnop1234")
    assert "abcdefgh" not in repr(secret) and "abcdefgh" not in str(secret)
    assert secret.masked() == "phx_****1234"
