"""What `shared-metrics` and `holdouts` do alike: look up by id or name, show, delete."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from expctl.cli.framework.runtime import Runtime

if TYPE_CHECKING:
    from expctl.api.resources import ResourceApi, ResourceKind


class ResourceCommands:
    """One project resource's command-line side: its API, columns and detail view."""

    def __init__(
        self,
        kind: ResourceKind,
        columns: Mapping[str, Any],
        default: list[str],
        detail: Callable[..., Any],
    ) -> None:
        self.kind = kind
        self.columns = columns
        self.default = default
        self.detail = detail

    def api(self, rt: Runtime) -> ResourceApi:
        return rt.resources(self.kind)

    def list_rows(self, rt: Runtime, output: str | None, columns: str | None, rows: Any, empty_hint: str) -> None:
        from expctl.render.columns import choose_columns

        out = rt.output(output)
        count = out.rows(rows, choose_columns(columns, self.columns, default=self.default))
        if count == 0 and out.mode == "table":
            rt.messages.note(empty_hint)

    def show(self, rt: Runtime, obj: Mapping[str, Any], output: str | None, *, always: bool = False) -> None:
        """The object on stdout: always for `get`, after a change only when -o asks for it."""
        if output or always:
            from expctl.render.columns import choose_columns

            columns = choose_columns(None, self.columns, self.default)
            rt.output(output).item(obj, columns, self.detail)

    def label(self, obj: Mapping[str, Any]) -> str:
        return f"{self.kind.noun} '{obj.get('name')}' (id {obj.get('id')})"

    def delete(self, rt: Runtime, refs: list[str], yes: bool, consequence: str) -> None:
        """Every one is looked up first, so a typo deletes nothing; then one confirmation."""
        from expctl.cli.framework.prompts import confirm

        api = self.api(rt)
        targets = [api.resolve(ref) for ref in refs]
        names = ", ".join(self.label(t) for t in targets)
        confirm(rt, f"Delete {names}? {consequence}", action=f"deleting {names}", assume_yes=yes)
        for target in targets:
            api.delete(int(target["id"]))
            rt.messages.success(f"Deleted {self.label(target)}")
