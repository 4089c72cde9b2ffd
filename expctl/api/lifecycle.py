"""Lifecycle moves on every PostHog release.

Current PostHog has action endpoints (``launch/``, ``pause/``, ``end/``, ...). Older
self-hosted releases answer them with 404 "Endpoint not found."; there each move has
an equivalent that works everywhere: PATCH ``start_date``/``end_date``/``archived`` on
the experiment, and ``active``/``filters`` on the linked feature flag. The first 404
is remembered on the client, so a run pays at most one extra request for the fallback.

Moves are POSTs, so they are not blindly retried: after an unknown outcome the
experiment is read back and the move counts as done when its effect is visible.
Whether a move is legal at all is decided before calling here (``core.lifecycle``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, cast

from expctl.api.experiments import ENDPOINT_MISSING, ExperimentsApi
from expctl.api.flags import FlagsApi, ship_filters
from expctl.errors import ApiNotFoundError, NotFoundError, RejectedError
from expctl.model.experiment import Experiment, serves_only, status_of

ACTIONS_CAPABILITY = "lifecycle_actions"


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Lifecycle:
    def __init__(self, experiments: ExperimentsApi) -> None:
        self.experiments = experiments
        self.client = experiments.client
        self.flags = FlagsApi(experiments.client)

    # -- public moves --------------------------------------------------------------------

    def launch(self, exp: Mapping[str, Any], ref: str) -> Experiment:
        return self._move(
            exp,
            "launch",
            {},
            lambda: self.experiments.update(int(exp["id"]), {"start_date": now_iso()}),
            done=lambda after: status_of(after) != "draft",
        )

    def pause(self, exp: Mapping[str, Any], ref: str) -> Experiment:
        return self._move(
            exp, "pause", {}, lambda: self._set_flag_active(exp, False), done=lambda after: status_of(after) == "paused"
        )

    def resume(self, exp: Mapping[str, Any], ref: str) -> Experiment:
        return self._move(
            exp,
            "resume",
            {},
            lambda: self._set_flag_active(exp, True),
            done=lambda after: status_of(after) in ("running", "exposure_frozen"),
        )

    def end(self, exp: Mapping[str, Any], ref: str, *, conclusion: str | None, comment: str | None) -> Experiment:
        body: dict[str, Any] = {}
        if conclusion is not None:
            body["conclusion"] = conclusion
        if comment is not None:
            body["conclusion_comment"] = comment
        return self._move(
            exp,
            "end",
            body,
            lambda: self.experiments.update(int(exp["id"]), {"end_date": now_iso(), **body}),
            done=lambda after: bool(after.get("end_date")),
        )

    def ship(
        self,
        exp: Mapping[str, Any],
        ref: str,
        *,
        variant: str,
        release_to_everyone: bool,
        conclusion: str | None,
        comment: str | None,
    ) -> Experiment:
        body: dict[str, Any] = {"variant_key": variant}
        if release_to_everyone:
            body["release_to_everyone"] = True
        if conclusion is not None:
            body["conclusion"] = conclusion
        if comment is not None:
            body["conclusion_comment"] = comment

        def fallback() -> Experiment:
            flag = self._flag_of(exp)
            self.flags.update(
                int(flag["id"]),
                {"filters": ship_filters(flag.get("filters") or {}, variant, release_to_everyone=release_to_everyone)},
            )
            patch: dict[str, Any] = {k: body[k] for k in ("conclusion", "conclusion_comment") if k in body}
            if not exp.get("end_date"):
                patch["end_date"] = now_iso()
            if patch:
                return self.experiments.update(int(exp["id"]), patch)
            return self.experiments.get(int(exp["id"]))

        return self._move(exp, "ship_variant", body, fallback, done=lambda after: serves_only(after, variant))

    def reset(self, exp: Mapping[str, Any], ref: str) -> Experiment:
        patch = {
            "start_date": None,
            "end_date": None,
            "archived": False,
            "conclusion": None,
            "conclusion_comment": None,
        }
        return self._move(
            exp,
            "reset",
            {},
            lambda: self.experiments.update(int(exp["id"]), patch),
            done=lambda after: status_of(after) == "draft",
        )

    def archive(self, exp: Mapping[str, Any], ref: str, *, disable_flag: bool = False) -> Experiment:

        def patch() -> Experiment:
            return self.experiments.update(int(exp["id"]), {"archived": True})

        if status_of(exp) != "stopped":
            # PostHog's archive action takes ended experiments only; PATCH has no such rule.
            if disable_flag:
                raise RejectedError(
                    "--disable-flag needs an ended experiment", hint=f"end it first: `expctl end {ref}`"
                )
            return patch()
        body = {"disable_feature_flag": True} if disable_flag else {}
        return self._move(exp, "archive", body, patch, done=lambda after: bool(after.get("archived")))

    def unarchive(self, exp: Mapping[str, Any], ref: str) -> Experiment:
        return self._move(
            exp,
            "unarchive",
            {},
            lambda: self.experiments.update(int(exp["id"]), {"archived": False}),
            done=lambda after: not after.get("archived"),
        )

    def freeze_exposure(self, exp: Mapping[str, Any], ref: str, *, freeze: bool) -> Experiment:
        verb = "freeze-exposure" if freeze else "unfreeze-exposure"
        action = "freeze_exposure" if freeze else "unfreeze_exposure"

        def unsupported() -> Experiment:
            raise NotFoundError(
                f"this PostHog server has no {verb} (it came with 2026 releases)",
                hint="upgrade PostHog, or pause the experiment instead",
            )

        return self._move(
            exp, action, {}, unsupported, done=lambda after: (status_of(after) == "exposure_frozen") == freeze
        )

    # -- mechanics ------------------------------------------------------------------------

    def _move(
        self,
        exp: Mapping[str, Any],
        action: str,
        body: Mapping[str, Any],
        fallback: Callable[[], Experiment],
        *,
        done: Callable[[Mapping[str, Any]], bool],
    ) -> Experiment:
        caps = self.client.capabilities
        if caps.get(ACTIONS_CAPABILITY) is False:
            return fallback()
        experiment_id = int(exp["id"])

        def landed() -> Experiment | None:
            after = self.experiments.get(experiment_id)
            return after if done(after) else None

        try:
            data = self.client.post(self.experiments.path(experiment_id, action), dict(body), reconcile=landed)
        except ApiNotFoundError as exc:
            if exc.detail == ENDPOINT_MISSING:
                caps[ACTIONS_CAPABILITY] = False
                return fallback()
            raise self.experiments.not_found_error(str(experiment_id), exc) from None
        caps[ACTIONS_CAPABILITY] = True
        if isinstance(data, dict) and "id" in data:
            return cast(Experiment, data)
        return self.experiments.get(experiment_id)

    def _flag_of(self, exp: Mapping[str, Any]) -> dict[str, Any]:
        flag = exp.get("feature_flag")
        if not isinstance(flag, Mapping) or flag.get("id") is None:
            raise RejectedError("Experiment does not have a feature flag linked.")
        return dict(flag)

    def _set_flag_active(self, exp: Mapping[str, Any], active: bool) -> Experiment:
        flag = self._flag_of(exp)
        self.flags.update(int(flag["id"]), {"active": active})
        return self.experiments.get(int(exp["id"]))
