"""Every command: its module (imported only when that command runs), summary and section.

Root help, command-name completion and typo suggestions read this table, so they never
import a command module; a guard test keeps each summary equal to its command's help.
"""

from __future__ import annotations

from typing import NamedTuple


class CommandEntry(NamedTuple):
    name: str
    module: str
    attr: str
    section: str
    summary: str


SECTIONS = ("Experiments", "Metrics", "Lifecycle", "Results", "Specs", "Setup", "Advanced")

_E, _M, _L, _R, _S, _U, _A = SECTIONS

# fmt: off
COMMANDS: tuple[CommandEntry, ...] = tuple(CommandEntry(*row) for row in (
    ("list", "expctl.cli.crud", "list_app", _E, "List experiments"),
    ("get", "expctl.cli.crud", "get_app", _E, "Show one experiment"),
    ("create", "expctl.cli.create_cmd", "create_app", _E, "Create a draft experiment"),
    ("update", "expctl.cli.crud", "update_app", _E, "Change fields of an experiment"),
    ("archive", "expctl.cli.archive", "archive_app", _E, "Archive experiments (hide them from lists)"),
    ("unarchive", "expctl.cli.archive", "unarchive_app", _E, "Bring archived experiments back"),
    ("delete", "expctl.cli.crud", "delete_app", _E, "Delete experiments"),
    ("duplicate", "expctl.cli.copies", "duplicate_app", _E, "Copy an experiment as a new draft in the same project"),
    ("copy", "expctl.cli.copies", "copy_app", _E, "Copy an experiment as a new draft into another project"),
    ("open", "expctl.cli.open_cmd", "open_app", _E, "Print the experiment's page in the web app (--web opens it)"),
    ("metrics", "expctl.cli.metrics_cmd", "metrics_app", _M,
     "List and edit an experiment's metrics (inline and shared)"),
    ("shared-metrics", "expctl.cli.shared_metrics_cmd", "shared_metrics_app", _M,
     "Manage shared metrics: one definition, used by many experiments"),
    ("holdouts", "expctl.cli.holdouts_cmd", "holdouts_app", _M,
     "Manage holdouts: users kept out of the experiments that use them"),
    ("launch", "expctl.cli.lifecycle", "launch_app", _L, "Start a draft experiment (draft -> running)"),
    ("pause", "expctl.cli.lifecycle", "pause_app", _L, "Pause a running experiment (running -> paused)"),
    ("resume", "expctl.cli.lifecycle", "resume_app", _L, "Resume a paused experiment (paused -> running)"),
    ("end", "expctl.cli.lifecycle", "end_app", _L, "End a running or paused experiment (-> stopped)"),
    ("ship", "expctl.cli.lifecycle", "ship_app", _L, "Roll out one variant to everyone, ending the experiment"),
    ("reset", "expctl.cli.lifecycle", "reset_app", _L, "Put an experiment back to draft (destructive: asks first)"),
    ("freeze-exposure", "expctl.cli.lifecycle", "freeze_app", _L, "Stop new users entering a running experiment"),
    ("unfreeze-exposure", "expctl.cli.lifecycle", "unfreeze_app", _L, "Let new users enter a frozen experiment again"),
    ("exposure-cohort", "expctl.cli.cohort", "cohort_app", _L, "Create the cohort of exposed users and print its id"),
    ("results", "expctl.cli.results", "results_app", _R,
     "Show how each variant is doing: delta, interval, chance to win, verdict"),
    ("plan", "expctl.cli.plan_cmd", "plan_app", _R,
     "Sample size and time to a decision, before launch or while running"),
    ("validate", "expctl.cli.specs", "validate_app", _S,
     "Check spec files offline and report every problem as file:line:column"),
    ("diff", "expctl.cli.specs", "diff_app", _S,
     "Show what `apply` would do: creates, field-by-field updates, lifecycle moves"),
    ("apply", "expctl.cli.specs", "apply_app", _S, "Make PostHog match the specs: create, update and move experiments"),
    ("export", "expctl.cli.export_cmd", "export_app", _S, "Write existing experiments as specs, ready for `apply`"),
    ("schema", "expctl.cli.specs", "schema_app", _S, "Print the JSON Schema of the spec format, for editors"),
    ("auth", "expctl.cli.auth", "auth_app", _U, "Log in, check and log out"),
    ("config", "expctl.cli.config_cmd", "config_app", _U, "Show and change settings and profiles"),
    ("doctor", "expctl.cli.doctor", "doctor_app", _U, "Check the setup and say how to fix what is wrong"),
    ("completion", "expctl.cli.completion", "completion_app", _U, "Print the shell completion script"),
    ("api", "expctl.cli.api_cmd", "api_app", _A, "Send any request to PostHog's API (the escape hatch)"),
    ("flag-check", "expctl.cli.flag_cmds", "flag_check_app", _A, "Check that events carry feature flag information"),
    ("eligible-flags", "expctl.cli.flag_cmds", "eligible_app", _A, "List feature flags that can back an experiment"),
    ("stats", "expctl.cli.stats_cmd", "stats_app", _A, "Show the project's experiment statistics"),
))
# fmt: on

BY_NAME = {entry.name: entry for entry in COMMANDS}

# Commands whose first argument is an EXPERIMENT, and those taking any number of them:
# fast shell completion offers flag keys there without loading the command (a guard
# test checks these against the commands' own arguments).
TAKES_ONE_EXPERIMENT = frozenset(
    {"get", "update", "duplicate", "copy", "open", "launch", "pause", "resume", "end", "ship", "reset"}
    | {"freeze-exposure", "unfreeze-exposure", "exposure-cohort", "results", "plan"}
)
TAKES_EXPERIMENTS = frozenset({"archive", "unarchive", "delete", "export"})
