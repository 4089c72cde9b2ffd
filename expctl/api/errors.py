"""Turn a failed HTTP response into the typed error it means.

PostHog's errors come through drf-exceptions-hog as ``{"type", "code", "detail", "attr"}``;
some actions answer with a bare ``{"detail": ...}`` or ``{"error": ...}``; DELETE on an
experiment answers 405 with an empty body; a proxy in front of PostHog may answer with
an HTML page. Each becomes one readable message, keeping the field name when PostHog
named one.
"""

from __future__ import annotations

import json
import re
from typing import Any

from expctl.errors import (
    ApiAuthError,
    ApiError,
    ApiErrorInfo,
    ApiNotFoundError,
    ApiRejectedError,
    ApiUnavailableError,
    ApiUnexpectedError,
    ApiVersionConflictError,
    ApprovalRequiredError,
    NotPostHogError,
)

KEY_PAGE = "/settings/user-api-keys"
_MISSING_SCOPE = r"missing required scope '([^']+)'"  # compiled on first use


def parse_error_body(raw: bytes, content_type: str) -> tuple[str | None, str | None, str | None, Any]:
    """Return ``(detail, code, attr, body)``; detail is None when the body says nothing."""
    if not raw.strip():
        return None, None, None, None
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None, None, None, raw[:2000].decode("utf-8", "replace")
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("error") or body.get("message")
        if isinstance(detail, (dict, list)):
            detail = json.dumps(detail)
        code = body.get("code")
        attr = body.get("attr")
        if detail is None and body:
            # A plain DRF validation body: {"field": ["message"]}
            field, messages = next(iter(body.items()))
            if isinstance(messages, list) and messages:
                detail, attr = str(messages[0]), str(field)
        return (
            str(detail) if detail is not None else None,
            str(code) if code is not None else None,
            str(attr) if attr is not None else None,
            body,
        )
    if isinstance(body, list) and body and isinstance(body[0], str):
        return body[0], None, None, body
    return None, None, None, body


def error_for_response(
    *,
    status: int,
    method: str,
    path: str,
    raw: bytes,
    content_type: str,
    host: str,
    project: str | None = None,
) -> ApiError:
    """Build the error for a final (non-retried) failed response."""
    detail, code, attr, body = parse_error_body(raw, content_type)
    looks_like_html = raw.lstrip()[:1] == b"<" or "html" in content_type
    if detail is None and looks_like_html:
        return _html_error(status, method, path, host)
    info = ApiErrorInfo(status=status, method=method, path=path, detail=detail or "", code=code, attr=attr, body=body)
    said = detail or f"HTTP {status} with no details"
    field = f" (field: {attr})" if attr else ""
    if status == 400:
        return _rejected(said, field, info)
    if status == 401:
        return ApiAuthError(
            f"PostHog did not accept the API key: {said}",
            info=info,
            hint=f"check it with `expctl auth status`, or create a personal API key at {host}{KEY_PAGE}",
        )
    if status == 403:
        scope = re.search(_MISSING_SCOPE, said)
        hint = (
            f"give the key the {scope.group(1)} scope at {host}{KEY_PAGE}"
            if scope
            else "check --project and the key's project access at " + host + KEY_PAGE
        )
        return ApiAuthError(f"permission denied: {said}", info=info, hint=hint)
    if status == 404:
        if detail == "Project not found." and project is not None:
            return ApiNotFoundError(
                f"project {project} not found on {host}", info=info, hint="check --project (see `expctl config`)"
            )
        return ApiNotFoundError(f"not found: {said}", info=info)
    if status == 405:
        # PostHog refusing a method on a route is a refusal like a 400: exit 6, not "unexpected".
        refused = f"PostHog does not allow {method} on {path} (HTTP 405)"
        if method == "DELETE":
            soft_delete = "current PostHog deletes experiments with `expctl delete` (a soft delete)"
            return ApiRejectedError(refused, info=info, hint=soft_delete)
        return ApiRejectedError(refused, info=info)
    if status == 409 and isinstance(body, dict) and "current_version" in body:
        # ExperimentVersionConflict (presentation/views.py): {detail, current_version, conflicting_*}
        return ApiVersionConflictError(f"PostHog refused a stale write: {said}", info=info)
    if status == 409 and isinstance(body, dict) and body.get("change_request_id") is not None:
        # ApprovalHandlingMixin (products/approvals/backend): {code: approval_required |
        # change_request_pending, change_request_id, change_request: {...}, required_approvers}
        change = body["change_request_id"]
        return ApprovalRequiredError(
            f"the change waits for approval: PostHog opened change request {change}",
            info=info,
            hint=f"an approver decides it in PostHog (Approvals, change request {change}); run again afterwards",
        )
    if status == 409:
        return ApiRejectedError(f"PostHog refused the change: {said}", info=info)
    if status == 429:
        return ApiUnavailableError(
            f"PostHog is throttling requests: {said}",
            info=info,
            hint="wait a minute and run again, or raise --max-wait",
        )
    if status >= 500:
        return ApiUnavailableError(
            f"PostHog failed with HTTP {status}: {said}",
            info=info,
            hint="try again in a minute",
        )
    return ApiUnexpectedError(f"unexpected HTTP {status} from PostHog: {said}", info=info)


# ExperimentService's check of metric events (newest Cloud); its text is addressed to an
# AI agent, so the person reading expctl's line gets the gist and the flag to pass.
_UNKNOWN_EVENTS = r"^Event\(s\) (.+?) not found\. No events with these names have been ingested"


def _rejected(said: str, field: str, info: ApiErrorInfo) -> ApiError:
    unknown = re.search(_UNKNOWN_EVENTS, said)
    if unknown:
        return ApiRejectedError(
            f"PostHog has seen no events named {unknown.group(1)} in this project",
            info=info,
            hint="check the spelling, or pass --allow-unknown-events (allow_unknown_events: true in a spec) "
            "if they will be sent soon",
        )
    return ApiRejectedError(f"PostHog rejected the request: {said}{field}", info=info)


def _html_error(status: int, method: str, path: str, host: str) -> ApiError:
    """A web page instead of JSON: a proxy's error page while PostHog is down (5xx,
    429: try again), or a host that is not PostHog at all."""
    info = ApiErrorInfo(status=status, method=method, path=path, detail="HTML page", body=None)
    if status >= 500 or status == 429:
        return ApiUnavailableError(
            f"HTTP {status} from {host}: an HTML page instead of PostHog's JSON "
            "(a proxy or load balancer answered, not PostHog)",
            info=info,
            hint="check --host, or try again if PostHog is having an incident",
        )
    return not_posthog(host, method, path, info)


def not_posthog(host: str, method: str, path: str, info: ApiErrorInfo) -> NotPostHogError:
    """The one message for a host that answers the API's paths with a web page."""
    return NotPostHogError(
        f"{host} is not a PostHog API: {method} {path} answered with an HTML page",
        info=info,
        hint="check --host: PostHog's address (https://us.posthog.com, https://eu.posthog.com or your own)",
    )
