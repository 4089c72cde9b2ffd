"""Spec files on the command line, for every command that reads them: the -f option,
reading them as the environment sees them, and saying their problems (exit 2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from expctl.cli.framework.runtime import Runtime
from expctl.render.words import plural

if TYPE_CHECKING:
    from expctl.cli.state.spec_cache import SpecCache
    from expctl.core.specs.load import SpecSet

FilesOpt = Annotated[
    list[str],
    typer.Option(
        "--filename",
        "-f",
        help="Spec file or directory (searched for *.yaml and *.yml), repeated; '-' reads standard input.",
        show_default=False,
    ),
]


def load_files(
    rt: Runtime, files: list[str], stdin_text: str | None = None, env: str | None = None, *, cached: bool = False
) -> SpecSet:
    """The specs as the environment (--env, or ``env``) sees them: its overlays merged in.
    ``cached``: files read by an earlier run with the same text are not parsed again
    (``cli/state/spec_cache.py``), for commands that talk to PostHog (and hold its key)."""
    from expctl.core.specs.load import load_specs

    if stdin_text is None and "-" in files:
        stdin_text = rt.streams.stdin.read()
    cache = _spec_cache(rt) if cached else None
    specs = load_specs(files, stdin_text=stdin_text, env=env or rt.options.env, cache=cache)
    if cache is not None:
        cache.save()
    return specs


def _spec_cache(rt: Runtime) -> SpecCache:
    from expctl.cli.state.spec_cache import SpecCache

    return SpecCache.for_env(rt.env, rt.api_key().secret.reveal())


def report_problems(rt: Runtime, result: SpecSet, *, listed: bool = False) -> None:
    """The problems, one ``file:line:column: message`` line each (unless ``listed`` as
    data already), and the one-line summary that ends the run with exit 2."""
    from expctl.errors import UsageError

    if not listed:
        from expctl.render.problems import problem_lines

        rt.output("plain").text(problem_lines(result))
    files = len({p.position.file for p in result.problems})
    count = len(result.problems)
    raise UsageError(f"{plural(count, 'problem')} in {plural(files, 'file')}; nothing was sent")
