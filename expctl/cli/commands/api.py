"""api: any PostHog API request, with host, project and key filled in (like `gh api`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from expctl.cli.framework.app import runtime_of
from expctl.cli.framework.options import RawOutputOpt, examples, new_app
from expctl.cli.framework.runtime import Runtime

api_app = new_app()

METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")


MethodArg = Annotated[
    str, typer.Argument(help="GET, POST, PATCH, PUT or DELETE.", metavar="METHOD", show_default=False)
]
PathArg = Annotated[
    str,
    typer.Argument(
        help="A path under /api/projects/{project}/ (e.g. experiments/), or a full /api/... path.",
        metavar="PATH",
        show_default=False,
    ),
]
FieldOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--field",
        "-F",
        help="key=value; the value is parsed as JSON when it can be, @FILE reads a file.",
        show_default=False,
    ),
]
RawFieldOpt = Annotated[
    list[str] | None,
    typer.Option("--raw-field", "-f", help="key=value, the value always a string.", show_default=False),
]
InputOpt = Annotated[
    str | None,
    typer.Option("--input", help="JSON request body from a file, or - for standard input.", show_default=False),
]
PaginateOpt = Annotated[bool, typer.Option("--paginate", help="Fetch every page of a list and print all results.")]


@api_app.command(
    "api",
    epilog=examples(
        "expctl api GET experiments/ -F limit=5",
        "expctl api GET experiments/ --paginate -o jsonl | jq -r .name",
        "expctl api GET /api/projects/{project}/experiment_holdouts/",
        "expctl api POST experiments/42/launch/",
        'expctl api PATCH experiments/42/ -F \'stats_config={"method": "frequentist"}\'',
        "expctl api POST query/ --input query.json",
    ),
)
def api_command(
    ctx: typer.Context,
    method: MethodArg,
    path: PathArg,
    field: FieldOpt = None,
    raw_field: RawFieldOpt = None,
    input_file: InputOpt = None,
    paginate: PaginateOpt = False,
    output: RawOutputOpt = None,
) -> None:
    """Send any request to PostHog's API (the escape hatch).

    For whatever PostHog adds before expctl has a command for it. Host, project and API
    key come from the usual settings; `{project}` in PATH is replaced. Fields become query
    parameters for GET and DELETE and a JSON body otherwise. The response is printed as
    JSON; errors exit with expctl's usual codes, and PostHog's
    error body is printed too.
    """
    from expctl.errors import ApiError, UsageError

    rt = runtime_of(ctx)
    verb = method.upper()
    if verb not in METHODS:
        raise UsageError(f"method {method!r} is not one of {', '.join(METHODS)}")
    from expctl.cli.framework.output_modes import RAW

    out = rt.output(output, RAW)  # refuses a mode it lacks before anything is sent
    client = rt.client
    from expctl.api.urls import api_path

    target = api_path(path, client.project)
    params, body = _params_and_body(rt, verb, field or [], raw_field or [], input_file)
    if paginate:
        if verb != "GET":
            raise UsageError("--paginate works with GET only")
        _paginate(rt, target, params, out)
        return
    try:
        response = client.request(verb, target, params=params, json_body=body)
    except ApiError as exc:
        if exc.info is not None and exc.info.body is not None:
            out.data(exc.info.body)
        raise
    if response.data is not None:
        out.data(response.data)


def _params_and_body(
    rt: Runtime, verb: str, field: list[str], raw_field: list[str], input_file: str | None
) -> tuple[dict[str, Any] | None, Any]:
    """Fields become query parameters for GET and DELETE and a JSON body otherwise."""
    from expctl.errors import UsageError

    fields = {**_fields(raw_field, typed=False), **_fields(field, typed=True)}
    body: Any = None
    if input_file is not None:
        if fields and verb not in ("GET", "DELETE"):
            raise UsageError("use fields or --input for the body, not both")
        body = _read_input(rt, input_file)
    if verb in ("GET", "DELETE"):
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in fields.items()} or None, body
    return None, body if body is not None else (fields or None)


def _fields(specs: list[str], *, typed: bool) -> dict[str, Any]:
    from expctl.errors import UsageError

    values: dict[str, Any] = {}
    for spec in specs:
        key, sep, raw = spec.partition("=")
        if not sep or not key:
            raise UsageError(f"field {spec!r} must look like key=value")
        if not typed:
            values[key] = raw
            continue
        if raw.startswith("@"):
            try:
                raw = Path(raw[1:]).read_text(encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"field {key}: cannot read {raw[1:]}: {exc.strerror}") from None
        try:
            values[key] = json.loads(raw)
        except ValueError:
            values[key] = raw
    return values


def _read_input(rt: Runtime, source: str) -> Any:
    from expctl.errors import UsageError

    try:
        text = rt.streams.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--input: cannot read {source}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"--input: {source} is not JSON ({exc})") from None


def _paginate(rt: Runtime, target: str, params: dict[str, Any] | None, out: Any) -> None:
    from expctl.api.pagination import ALL_PAGE_SIZE, iter_list

    items = iter_list(rt.client, target, params, page_size=ALL_PAGE_SIZE)
    if out.mode == "yaml":
        out.data(list(items))
    else:
        out.rows(items, [])
