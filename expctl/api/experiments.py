"""The experiments resource: list, get, create, update, delete, look up by flag key.

PostHog's JSON as it came (so ``-o json`` passes every field), 404s named in words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, NamedTuple, cast

from expctl.api.client import PostHogClient
from expctl.api.flag_key_lookup import FlagUsers, at_once, scan_both
from expctl.api.flags import set_split_on_flag, split_missed
from expctl.api.listing import ListFilters, list_rows, server_filters
from expctl.api.pagination import ALL_PAGE_SIZE, PageInfo, iter_list
from expctl.errors import (
    ApiNotFoundError,
    ApiRejectedError,
    ApiUnexpectedError,
    NotFoundError,
    UsageError,
)
from expctl.model.experiment import Experiment, variants_of
from expctl.model.flag_links import linked_flag_note, without_flag_config
from expctl.model.flagkeys import KeyHint, flag_id_of, is_flag_key, preferred
from expctl.model.times import parse_time

ENDPOINT_MISSING = "Endpoint not found."
_CLONED_FIELDS = (
    "description",
    "type",
    "filters",
    "secondary_metrics",
    "stats_config",
    "exposure_criteria",
    "scheduling_config",
    "only_count_matured_users",
)


class ExperimentRef(NamedTuple):
    """What the user typed for EXPERIMENT: a numeric id or a feature flag key."""

    text: str

    @property
    def id(self) -> int | None:
        return int(self.text) if self.text.isdigit() else None

    @classmethod
    def parse(cls, text: str) -> ExperimentRef:
        value = text.strip()
        if value.isdigit():
            return cls(value)
        if is_flag_key(value):
            return cls(value)
        raise UsageError(
            f"{text!r} is neither an experiment id nor a feature flag key",
            hint="use the numeric id or the flag key shown by `expctl list` (letters, digits, - and _)",
        )


class ExperimentsApi:
    def __init__(
        self,
        client: PostHogClient,
        *,
        key_hint: Callable[[str], KeyHint | None] | None = None,
        on_gone: Callable[[int | None, str | None], None] | None = None,
        on_choice: Callable[[str], None] | None = None,
    ) -> None:
        """``key_hint``: a cached flag key -> experiment (and flag) id, checked before use.
        ``on_gone(id, key)``: told when an experiment id or flag key turned out not to
        exist (404, deleted), so that cache stops offering it. ``on_choice``: told, in
        words, which of several experiments sharing a flag key was taken."""
        self.client = client
        self.base = client.project_path("experiments/")
        self._key_hint = key_hint
        self._on_gone = on_gone or (lambda experiment_id, key: None)
        self._on_choice = on_choice or (lambda said: None)

    def path(self, experiment_id: int | str, action: str | None = None) -> str:
        suffix = f"{action}/" if action else ""
        return f"{self.base}{experiment_id}/{suffix}"

    # -- reading -----------------------------------------------------------------------

    def iter(
        self,
        filters: ListFilters,
        *,
        limit: int | None = None,
        offset: int = 0,
        page_size: int = ALL_PAGE_SIZE,
        info: PageInfo | None = None,
        on_page: Callable[[PageInfo], None] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """List rows matching ``filters`` (see :func:`expctl.api.listing.list_rows`)."""
        return list_rows(
            self.client, self.base, filters, limit=limit, offset=offset, page_size=page_size, info=info, on_page=on_page
        )

    def server_filters(self) -> bool:
        return server_filters(self.client, self.base)

    def get(self, experiment_id: int) -> Experiment:
        try:
            data = self.client.get(self.path(experiment_id))
        except ApiNotFoundError as exc:
            raise self.not_found_error(str(experiment_id), exc) from None
        return _experiment(data, f"GET experiment {experiment_id}")

    def resolve(self, ref: ExperimentRef, *, exact: bool = False) -> Experiment:
        """The full experiment for an id or a flag key (see ``flag_key_lookup``). A key
        several experiments share means the one not archived, then not ended, when that
        is unique (said through ``on_choice``); ``exact`` (for what cannot be undone)
        refuses any shared key instead."""
        if ref.id is not None:
            return self.get(ref.id)
        hint = self._key_hint(ref.text) if self._key_hint else None
        if hint is not None:
            found = self._confirmed(ref.text, hint)
            if found is not None:
                return found
        matches = self.find_by_flag_key(ref.text)
        if not matches:
            self._on_gone(None, ref.text)
            raise NotFoundError(
                f"no experiment uses the feature flag key {ref.text!r} in project {self.client.project}",
                hint="list experiments with `expctl list` (archived ones with --archived)",
            )
        chosen, why = (matches[0], "") if len(matches) == 1 else (None, "")
        if chosen is None:
            migrated = self._migrated_to(matches)
            if migrated is not None:
                return migrated  # a migration's two experiments are one: the new one
        if chosen is None and not exact:
            chosen, why = preferred(matches)
        if chosen is None:
            ids = ", ".join(f"{m.get('id')}{' (archived)' if m.get('archived') else ''}" for m in matches)
            raise UsageError(
                f"{len(matches)} experiments use the flag key {ref.text!r} (ids {ids})",
                hint="pass the numeric id instead",
            )
        if why:
            others = ", ".join(str(m.get("id")) for m in matches if m is not chosen)
            self._on_choice(
                f"{len(matches)} experiments use the flag key {ref.text!r}: took '{chosen.get('name')}' "
                f"(id {chosen.get('id')}), {why} (the others: {others}; pass an id for another)"
            )
        # List rows may be slimmed down (newest Cloud); fetch the whole object.
        return self.get(int(chosen["id"]))

    def _migrated_to(self, matches: list[dict[str, Any]]) -> Experiment | None:
        """The experiment ``migrate`` made from the other on the key (its ``migrated_from``)."""
        new = [m for m in matches if not m.get("is_legacy")]
        if len(new) != 1 or len(matches) != 2:
            return None
        full = self.get(int(new[0]["id"]))
        origin = (full.get("stats_config") or {}).get("migrated_from") if isinstance(full, Mapping) else None
        return full if origin in {m.get("id") for m in matches if m is not new[0]} else None

    def _confirmed(self, key: str, hint: KeyHint) -> Experiment | None:
        """The cached experiment, when PostHog confirms it still is the only one with
        ``key``: its read and (with a cached flag id) the flag-user lists go out at once."""
        users = FlagUsers(self.client, self.base)

        def read() -> Experiment | None:
            try:
                return self.get(hint.experiment_id)
            except NotFoundError:
                return None

        flag_id = hint.flag_id
        pages: list[Any] | None = None
        if flag_id is not None and users.supported:
            found, live, archived = at_once(read, lambda: users.page(flag_id, False), lambda: users.page(flag_id, True))
            if found is not None and flag_id_of(found) == flag_id:
                pages = [live, archived]
        else:
            found = read()
        if found is None or found.get("feature_flag_key") != key:
            self._on_gone(None, key)  # the cached id no longer carries this key
            return None
        sole = users.only(found, pages) if pages is not None else users.sole_user(found)
        return found if sole else None

    def find_by_flag_key(self, key: str) -> list[dict[str, Any]]:
        """Every experiment (archived or not) whose flag key is ``key``, oldest first."""
        found = scan_both(lambda archived: self.rows(archived=archived), lambda r: r.get("feature_flag_key") == key)
        return sorted(found, key=lambda r: int(r.get("id") or 0))

    def rows(self, *, archived: bool) -> Iterator[dict[str, Any]]:
        """List rows as PostHog sends them, live or archived ones, in large pages."""
        return iter_list(self.client, self.base, {"archived": "true"} if archived else {}, page_size=ALL_PAGE_SIZE)

    def every_row(self) -> Iterator[dict[str, Any]]:
        """Every experiment's list row once: the live ones, then the archived ones.

        Current releases hide archived experiments unless asked for them; older ones
        list them anyway, and then the second pass is skipped.
        """
        seen: set[Any] = set()
        saw_archived = False
        for row in self.rows(archived=False):
            saw_archived = saw_archived or bool(row.get("archived"))
            seen.add(row.get("id"))
            yield row
        if not saw_archived:
            for row in self.rows(archived=True):
                if row.get("id") not in seen:
                    yield row

    # -- writing -----------------------------------------------------------------------

    def create(self, body: Mapping[str, Any], *, on_note: Callable[[str], None] | None = None) -> Experiment:
        """POST a new experiment; never twice, even when the first answer was lost. Where
        the flag key is an existing flag's (a hand-made one, one a delete left behind),
        the experiment links that flag as it is; ``on_note`` hears its split."""
        key = str(body.get("feature_flag_key", ""))
        name = body.get("name")
        started = datetime.now(timezone.utc) - timedelta(minutes=5)

        def landed() -> Experiment | None:
            for row in reversed(self.find_by_flag_key(key)):
                created = parse_time(row.get("created_at"))
                if row.get("name") == name and (created is None or created >= started):
                    return self.get(int(row["id"]))
            return None

        try:
            data = self.client.post(self.base, dict(body), reconcile=landed)
        except ApiRejectedError as exc:
            if exc.attr != "feature_flag" or "already exists" not in exc.detail:
                raise
            # Newest PostHog links an existing flag as it is and refuses a flag config beside
            # it (serializers.py _normalize_feature_flag_input): link it, and say its split.
            data = self.client.post(self.base, without_flag_config(body), reconcile=landed)
            created = _experiment(data, "create experiment")
            if on_note is not None:
                on_note(linked_flag_note(created, body))
            return created
        return _experiment(data, "create experiment")

    def update(
        self, experiment_id: int, body: Mapping[str, Any], *, read: Mapping[str, Any] | None = None
    ) -> Experiment:
        """PATCH ``body``; with ``read`` (what it was planned from) carrying its ``version``
        and base values, so PostHog merges a concurrent edit or answers 409 (planned_writes)."""
        from expctl.model.concurrency import versioned_body

        sent = versioned_body(body, read)
        try:
            data = self.client.patch(self.path(experiment_id), sent)
        except ApiNotFoundError as exc:
            raise self.not_found_error(str(experiment_id), exc) from None
        updated = _experiment(data, f"update experiment {experiment_id}")
        wanted = (body.get("parameters") or {}).get("feature_flag_variants") if body.get("parameters") else None
        if body.get("update_feature_flag_params") and isinstance(wanted, list):
            missed = split_missed(updated, wanted)
            if missed is not None:
                set_split_on_flag(self.client, missed, wanted)
                updated = self.get(experiment_id)
        return updated

    def update_planned(
        self, read: Mapping[str, Any], body: Mapping[str, Any], *, on_retry: Callable[[str], None] | None = None
    ) -> Experiment:
        """A write that never overwrites a concurrent edit of its fields (planned_writes)."""
        from expctl.api.planned_writes import update_planned

        return update_planned(self, read, body, on_retry=on_retry)

    def delete(self, experiment_id: int) -> str:
        """Delete; returns ``"soft"`` (current PostHog) or ``"hard"`` (older releases).

        Current PostHog answers DELETE with 405 and deletes with ``PATCH {"deleted": true}``;
        releases before May 2025 ignore that field and hard-delete on DELETE. PATCH is
        tried first and its answer tells which kind of server this is.
        """
        caps = self.client.capabilities
        if caps.get("soft_delete") is not False:
            try:
                data = self.client.patch(self.path(experiment_id), {"deleted": True})
            except ApiNotFoundError as exc:
                raise self.not_found_error(str(experiment_id), exc) from None
            if isinstance(data, dict) and data.get("deleted") is True:
                caps["soft_delete"] = True
                self._on_gone(experiment_id, None)
                return "soft"
            caps["soft_delete"] = False
        try:
            self.client.request("DELETE", self.path(experiment_id))
        except ApiNotFoundError as exc:
            raise self.not_found_error(str(experiment_id), exc) from None
        self._on_gone(experiment_id, None)
        return "hard"

    # -- copies ------------------------------------------------------------------------

    def duplicate(self, source: Mapping[str, Any], *, flag_key: str | None, name: str | None) -> Experiment:
        """A draft copy in the same project; older releases without ``duplicate/`` get a create."""
        body = {k: v for k, v in (("feature_flag_key", flag_key), ("name", name)) if v is not None}
        if self.client.capabilities.get("duplicate") is not False:
            try:
                data = self.client.post(self.path(int(source["id"]), "duplicate"), body)
            except ApiNotFoundError as exc:
                if exc.detail != ENDPOINT_MISSING:
                    raise self.not_found_error(str(source.get("id")), exc) from None
                self.client.capabilities["duplicate"] = False
            else:
                self.client.capabilities["duplicate"] = True
                return _experiment(data, "duplicate experiment")
        if flag_key is None:
            raise UsageError(
                "this PostHog release cannot duplicate an experiment onto the same feature flag",
                hint="pass --flag-key NEW for the copy",
            )
        return self.create(clone_body(source, name=name, flag_key=flag_key))

    def copy_to_project(
        self,
        source: Mapping[str, Any],
        target: ExperimentsApi,
        *,
        target_project: int,
        flag_key: str | None,
        name: str | None,
    ) -> Experiment:
        """A draft copy in another project of the same organisation."""
        body: dict[str, Any] = {"target_team_id": target_project}
        body.update({k: v for k, v in (("feature_flag_key", flag_key), ("name", name)) if v is not None})
        try:
            data = self.client.post(self.path(int(source["id"]), "copy_to_project"), body)
        except ApiNotFoundError as exc:
            if exc.detail == "Target team not found.":
                raise NotFoundError(
                    f"project {target_project} not found in this organisation",
                    hint="check the project id in PostHog's project settings",
                ) from None
            if exc.detail != ENDPOINT_MISSING:
                raise self.not_found_error(str(source.get("id")), exc) from None
            # As PostHog's copy_to_project names it: "<name> (Copy)" unless --name.
            copied = clone_body(source, name=name, flag_key=flag_key or str(source.get("feature_flag_key")))
            return target.create(copied)
        return _experiment(data, "copy experiment")

    def not_found_error(self, ref: str, exc: ApiNotFoundError) -> NotFoundError:
        detail = exc.detail
        if detail == "Project not found.":
            return exc
        if detail == ENDPOINT_MISSING:
            return NotFoundError(
                f"{self.client.host} has no experiments API at this path",
                hint="check --host; PostHog builds without the enterprise package have no experiments",
            )
        if ref.isdigit():
            self._on_gone(int(ref), None)
        return NotFoundError(
            f"experiment {ref} not found in project {self.client.project}",
            hint="list experiments with `expctl list` (archived ones with --archived)",
        )


def _experiment(data: Any, what: str) -> Experiment:
    """PostHog's answer, checked to be an experiment and typed as one (the dict as it came)."""
    if not isinstance(data, dict) or "id" not in data:
        raise ApiUnexpectedError(f"{what}: PostHog's answer is not an experiment object")
    return cast(Experiment, data)


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def clone_body(source: Mapping[str, Any], *, name: str | None, flag_key: str) -> dict[str, Any]:
    """A create body copying what PostHog's duplicate copies: variants, metrics, settings."""

    variants = [
        {k: v for k, v in variant.items() if k in ("key", "name", "rollout_percentage")}
        for variant in variants_of(source)
    ]
    body: dict[str, Any] = {
        "name": name or f"{source.get('name')} (Copy)",
        "feature_flag_key": flag_key,
        "parameters": {"feature_flag_variants": variants} if variants else {},
    }
    for field in _CLONED_FIELDS:
        if source.get(field) is not None:
            body[field] = source[field]
    for field in ("metrics", "metrics_secondary"):
        metrics = source.get(field)
        if isinstance(metrics, list) and metrics:
            body[field] = [
                {k: v for k, v in m.items() if k not in ("uuid", "fingerprint")} for m in metrics if isinstance(m, dict)
            ]
    if body.get("metrics") or body.get("metrics_secondary"):
        body["allow_unknown_events"] = True  # a copy must not fail on events PostHog has not seen yet
    return body
