"""Every command: its module (imported only when that command runs), summary and section.

Root help, command-name completion and typo suggestions read this table, so they never
import a command module; a guard test keeps each summary equal to its command's help.
"""

from __future__ import annotations

from typing import NamedTuple


class CommandEntry(NamedTuple):
    name: str
    room: str  # the module under expctl/cli/commands/ that holds the command
    attr: str
    section: str
    summary: str

    @property
    def module(self) -> str:
        return f"{COMMANDS_PACKAGE}.{self.room}"


COMMANDS_PACKAGE = "expctl.cli.commands"


SECTIONS = ("Experiments", "Metrics", "Lifecycle", "Results", "Specs", "Setup", "Advanced")

_E, _M, _L, _R, _S, _U, _A = SECTIONS

# fmt: off
COMMANDS: tuple[CommandEntry, ...] = tuple(CommandEntry(*row) for row in (
    ("list", "experiments", "list_app", _E, "List experiments"),
    ("get", "experiments", "get_app", _E, "Show one experiment"),
    ("create", "create", "create_app", _E, "Create a draft experiment"),
    ("update", "experiments", "update_app", _E, "Change fields of an experiment"),
    ("archive", "archive", "archive_app", _E, "Archive experiments (hide them from lists)"),
    ("unarchive", "archive", "unarchive_app", _E, "Bring archived experiments back"),
    ("delete", "experiments", "delete_app", _E, "Delete experiments"),
    ("duplicate", "copies", "duplicate_app", _E, "Copy an experiment as a new draft in the same project"),
    ("copy", "copies", "copy_app", _E, "Copy an experiment as a new draft into another project"),
    ("open", "open", "open_app", _E, "Print the experiment's page in the web app (--web opens it)"),
    ("metrics", "metrics", "metrics_app", _M,
     "List and edit an experiment's metrics (inline and shared)"),
    ("shared-metrics", "shared_metrics", "shared_metrics_app", _M,
     "Manage shared metrics: one definition, used by many experiments"),
    ("holdouts", "holdouts", "holdouts_app", _M,
     "Manage holdouts: users kept out of the experiments that use them"),
    ("launch", "lifecycle", "launch_app", _L, "Start a draft experiment (draft -> running)"),
    ("pause", "lifecycle", "pause_app", _L, "Pause a running experiment (running -> paused)"),
    ("resume", "lifecycle", "resume_app", _L, "Resume a paused experiment (paused -> running)"),
    ("end", "lifecycle", "end_app", _L, "End a running or paused experiment (-> stopped)"),
    ("ship", "lifecycle", "ship_app", _L, "Roll out one variant to everyone, ending the experiment"),
    ("reset", "lifecycle", "reset_app", _L, "Put an experiment back to draft (destructive: asks first)"),
    ("freeze-exposure", "lifecycle", "freeze_app", _L, "Stop new users entering a running experiment"),
    ("unfreeze-exposure", "lifecycle", "unfreeze_app", _L, "Let new users enter a frozen experiment again"),
    ("exposure-cohort", "exposure_cohort", "cohort_app", _L, "Create the cohort of exposed users and print its id"),
    ("results", "results", "results_app", _R,
     "Show how each variant is doing: delta, interval, chance to win, verdict"),
    ("report", "report", "report_app", _R,
     "Write a report people can share: one HTML file, nothing to log in to or load"),
    ("decide", "decide", "decide_app", _R,
     "Decide an experiment: ship VARIANT, keep-running, review, roll-back or invalid"),
    ("review", "review", "review_app", _R,
     "List every experiment that needs a person, most urgent first"),
    ("plan", "sizing", "plan_app", _R,
     "Sample size and time to a decision, before launch or while running"),
    ("validate", "specs", "validate_app", _S,
     "Check spec files offline and report every problem as file:line:column"),
    ("diff", "specs", "diff_app", _S,
     "Show what `apply` would do: creates, field-by-field updates, lifecycle moves"),
    ("apply", "specs", "apply_app", _S, "Make PostHog match the specs: create, update and move experiments"),
    ("export", "export", "export_app", _S, "Write existing experiments as specs, ready for `apply`"),
    ("schema", "specs", "schema_app", _S, "Print the JSON Schema of the spec format, for editors"),
    ("promote", "promote", "promote_app", _S,
     "Make another environment's experiments match this one's, as they stand now"),
    ("render", "render_specs", "render_app", _S,
     "Print the specs as an environment sees them: its overlays merged, nothing sent"),
    ("demo", "demo", "demo_app", _U, "Try expctl on a PostHog stand-in on this machine: no account needed"),
    ("auth", "auth", "auth_app", _U, "Log in, check and log out"),
    ("config", "config", "config_app", _U, "Show and change settings and profiles"),
    ("doctor", "doctor", "doctor_app", _U, "Check the setup and say how to fix what is wrong"),
    ("completion", "completion", "completion_app", _U, "Print the shell completion script"),
    ("api", "api", "api_app", _A, "Send any request to PostHog's API (the escape hatch)"),
    ("flag-check", "flags", "flag_check_app", _A, "Check that events carry feature flag information"),
    ("eligible-flags", "flags", "eligible_app", _A, "List feature flags that can back an experiment"),
    ("stats", "stats", "stats_app", _A, "Show the project's experiment statistics"),
    ("migrate", "migrate", "migrate_app", _M, "Copy a legacy experiment onto PostHog's new engine, on the same flag"),
    ("tag", "tags", "tag_app", _M, "Add, remove or set tags on many experiments at once"),
    ("log", "log", "log_app", _A, "Show an experiment's history: who changed which field when, before and after"),
))
# fmt: on

BY_NAME = {entry.name: entry for entry in COMMANDS}

# Commands whose first argument is an EXPERIMENT, and those taking any number of them:
# fast shell completion offers flag keys there without loading the command (a guard
# test checks these against the commands' own arguments).
TAKES_ONE_EXPERIMENT = frozenset(
    {"get", "update", "duplicate", "copy", "open", "launch", "pause", "resume", "end", "ship", "reset"}
    | {"freeze-exposure", "unfreeze-exposure", "exposure-cohort", "results", "plan", "report", "log", "migrate"}
    | {"decide"}
)
TAKES_EXPERIMENTS = frozenset({"archive", "unarchive", "delete", "export"})
