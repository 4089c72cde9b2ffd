"""Every command's output modes, in one table: what `-o` accepts is what its help lists.

One vocabulary everywhere: ``table`` is for people (aligned, coloured on a terminal: a
table, a plan, a report of checks), ``plain`` is for scripts (tab-separated or one line
per item, no colour, RFC 3339 times), ``json``/``yaml`` are PostHog's objects (or the
command's report) as data, ``ids`` one id per line, ``jsonl`` one object per line as
they arrive, ``markdown`` tables for a pull request. A command's default is its first
mode on a terminal and ``plain`` (where it has one) when piped; a mode configured with
``EXPCTL_OUTPUT`` or ``output:`` that a command lacks falls back to that default, while
an explicit ``-o`` it lacks is refused. ``tests/cli/test_guards.py`` checks the table
against the app.
"""

from __future__ import annotations

EVERY = ("table", "plain", "json", "yaml", "ids", "jsonl")  # experiments and their lists
OBJECTS = ("table", "plain", "json", "yaml")  # one report or object: no ids to list
METRIC_LISTS = ("table", "plain", "json", "yaml", "jsonl")  # metrics have no id
RESULTS = ("table", "plain", "json", "yaml", "markdown")
PLANS = ("table", "json", "yaml")  # apply's plan: for people, or as data
CHECKS = ("table", "json", "yaml")  # doctor's checks
PROBLEMS = ("plain", "json", "yaml")  # validate: file:line:column lines, or as data
SPECS = ("yaml", "json")  # specs as documents
RAW = ("json", "jsonl", "yaml")  # `expctl api`: PostHog's answer as it came
DECISIONS = ("table", "json", "yaml", "markdown")  # `decide`: for people, as data, for a pull request
REVIEWS = ("table", "json", "yaml", "markdown", "html")  # `review`: html in the report's style

# command path -> the modes its -o accepts (commands without -o are not listed)
COMMAND_MODES: dict[str, tuple[str, ...]] = {
    "list": EVERY,
    "get": EVERY,
    "create": EVERY,
    "update": EVERY,
    "archive": EVERY,
    "unarchive": EVERY,
    "duplicate": EVERY,
    "copy": EVERY,
    "launch": EVERY,
    "pause": EVERY,
    "resume": EVERY,
    "end": EVERY,
    "ship": EVERY,
    "reset": EVERY,
    "freeze-exposure": EVERY,
    "unfreeze-exposure": EVERY,
    "exposure-cohort": EVERY,
    "metrics list": METRIC_LISTS,
    "metrics add": EVERY,
    "metrics remove": EVERY,
    "metrics move": EVERY,
    "shared-metrics list": EVERY,
    "shared-metrics get": EVERY,
    "shared-metrics create": EVERY,
    "shared-metrics update": EVERY,
    "shared-metrics link": EVERY,
    "shared-metrics unlink": EVERY,
    "holdouts list": EVERY,
    "holdouts get": EVERY,
    "holdouts create": EVERY,
    "holdouts update": EVERY,
    "results": RESULTS,
    "decide": DECISIONS,
    "review": REVIEWS,
    "plan": OBJECTS,
    "validate": PROBLEMS,
    "diff": PLANS,
    "apply": PLANS,
    "promote": PLANS,
    "render": SPECS,
    "auth status": OBJECTS,
    "config": OBJECTS,
    "config show": OBJECTS,
    "config profiles": OBJECTS,
    "doctor": CHECKS,
    "api": RAW,
    "flag-check": OBJECTS,
    "eligible-flags": EVERY,
    "stats": OBJECTS,
    "log": OBJECTS,
    "migrate": EVERY,
}


def default_mode(modes: tuple[str, ...], stdout_isatty: bool) -> str:
    """The mode without -o: the first on a terminal; plain (where there is one) when piped."""
    if not stdout_isatty and "plain" in modes:
        return "plain"
    return modes[0]


def help_for(modes: tuple[str, ...]) -> str:
    listed = ", ".join(modes[:-1]) + f" or {modes[-1]}" if len(modes) > 1 else modes[0]
    piped = "plain" in modes and modes[0] != "plain"
    default = f"{modes[0]} on a terminal, plain when piped" if piped else modes[0]
    return f"Output format: {listed} (default: {default})."
