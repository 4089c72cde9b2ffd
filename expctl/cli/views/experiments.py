"""``list`` and ``get``: experiments as rows, and one experiment in full."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from expctl.cli.framework.runtime import Runtime

DEFAULT_LIMIT = 100


def show_list(
    rt: Runtime,
    *,
    status: str | None = None,
    archived: bool = False,
    search: str | None = None,
    created_by: int | None = None,
    tag: list[str] | None = None,
    exclude_tag: list[str] | None = None,
    order: str | None = None,
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
    all_: bool = False,
    output: str | None = None,
    columns: str | None = None,
) -> None:
    """Print the experiments the filters select, and say on stderr when more exist."""
    from expctl.api.listing import ListFilters
    from expctl.api.pagination import PageInfo
    from expctl.errors import UsageError
    from expctl.model.experiment import LIST_STATUS_FILTERS

    if status is not None and status not in LIST_STATUS_FILTERS:
        raise UsageError(f"--status {status!r} is not one of {', '.join(LIST_STATUS_FILTERS)}")
    filters = ListFilters(
        status=status,
        archived=archived,
        search=search,
        created_by_id=created_by,
        order=order,
        tags=tuple(tag or ()),
        excluded_tags=tuple(exclude_tag or ()),
    )
    info = PageInfo()
    shown = _list_rows(rt, filters, None if all_ else limit, offset, info, output, columns)
    if shown == 0 and rt.output(output).mode == "table":
        rt.messages.note("No experiments found." + ("" if archived else " Archived ones are listed with --archived."))
    if not all_ and info.more_after_limit and info.count is not None:
        rt.messages.note(
            f"Showing {shown} of {info.count} experiments (from {offset}); "
            "use --all for every one, or --limit/--offset for the next page."
        )


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


def _list_rows(
    rt: Runtime,
    filters: Any,
    limit: int | None,
    offset: int,
    info: Any,
    output: str | None,
    columns: str | None,
) -> int:
    """Print the rows (with a progress bar for a full listing) and remember their flag
    keys for completion; returns how many were shown."""
    from expctl.api.listing import ListFilters
    from expctl.api.pagination import ALL_PAGE_SIZE
    from expctl.cli.state.flag_keys import MAX_ENTRIES

    out = rt.output(output)
    if out.mode in ("table", "plain") or columns:
        from expctl.render.columns import choose_columns

        chosen = choose_columns(columns)
    else:
        chosen = []
    seen: list[Mapping[str, Any]] = []

    def remember(items: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for item in items:
            if len(seen) < MAX_ENTRIES:
                seen.append({k: item.get(k) for k in ("id", "feature_flag_key", "name", "feature_flag")})
            yield item

    watched = limit is None and (out.mode == "table" or not rt.streams.stdout_isatty)
    with rt.progress("Listing experiments", output=out.mode) if watched else _nothing() as bar:
        items = rt.experiments.iter(
            filters,
            limit=limit,
            offset=offset,
            page_size=ALL_PAGE_SIZE if limit is None else min(limit, ALL_PAGE_SIZE),
            info=info,
            on_page=lambda page: bar.set(page.fetched, page.count) if bar is not None else None,
        )
        shown = out.rows(remember(items), chosen)
    rt.key_cache.update(seen, replace=limit is None and offset == 0 and filters == ListFilters())
    return int(shown)


def show_experiment(rt: Runtime, *, experiment: str, output: str | None = None, columns: str | None = None) -> None:
    """Print one experiment, found by id or flag key: a summary, or PostHog's object."""
    from expctl.api.experiments import ExperimentRef
    from expctl.render.columns import choose_columns
    from expctl.render.detail import experiment_detail

    out = rt.output(output)
    found = rt.experiments.resolve(ExperimentRef.parse(experiment))
    url = rt.web_url(found.get("id"))
    out.item(found, choose_columns(columns), lambda exp, color: experiment_detail(exp, color, url))
