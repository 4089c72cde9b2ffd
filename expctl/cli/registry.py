"""Every command: its module (imported only when that command runs), summary and section.

Root help, command-name completion and typo suggestions read this table, so they never
import a command module; a guard test keeps each summary equal to its command's help.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommandEntry:
    name: str
    module: str
    attr: str
    summary: str
    section: str


SECTIONS = ("Experiments", "Lifecycle", "Results", "Specs", "Setup", "Advanced")

COMMANDS: tuple[CommandEntry, ...] = (
    CommandEntry("list", "expctl.cli.crud", "list_app", "List experiments", "Experiments"),
    CommandEntry("get", "expctl.cli.crud", "get_app", "Show one experiment", "Experiments"),
    CommandEntry("create", "expctl.cli.crud", "create_app", "Create a draft experiment", "Experiments"),
    CommandEntry("update", "expctl.cli.crud", "update_app", "Change fields of an experiment", "Experiments"),
    CommandEntry(
        "archive", "expctl.cli.archive", "archive_app", "Archive experiments (hide them from lists)", "Experiments"
    ),
    CommandEntry("unarchive", "expctl.cli.archive", "unarchive_app", "Bring archived experiments back", "Experiments"),
    CommandEntry("delete", "expctl.cli.crud", "delete_app", "Delete experiments", "Experiments"),
    CommandEntry(
        "duplicate",
        "expctl.cli.extras",
        "duplicate_app",
        "Copy an experiment as a new draft in the same project",
        "Experiments",
    ),
    CommandEntry(
        "copy", "expctl.cli.extras", "copy_app", "Copy an experiment as a new draft into another project", "Experiments"
    ),
    CommandEntry(
        "launch", "expctl.cli.lifecycle", "launch_app", "Start a draft experiment (draft -> running)", "Lifecycle"
    ),
    CommandEntry(
        "pause", "expctl.cli.lifecycle", "pause_app", "Pause a running experiment (running -> paused)", "Lifecycle"
    ),
    CommandEntry(
        "resume", "expctl.cli.lifecycle", "resume_app", "Resume a paused experiment (paused -> running)", "Lifecycle"
    ),
    CommandEntry(
        "end", "expctl.cli.lifecycle", "end_app", "End a running or paused experiment (-> stopped)", "Lifecycle"
    ),
    CommandEntry(
        "ship",
        "expctl.cli.lifecycle",
        "ship_app",
        "Roll out one variant to everyone, ending the experiment",
        "Lifecycle",
    ),
    CommandEntry(
        "reset",
        "expctl.cli.lifecycle",
        "reset_app",
        "Put an experiment back to draft (destructive: asks first)",
        "Lifecycle",
    ),
    CommandEntry(
        "freeze-exposure",
        "expctl.cli.lifecycle",
        "freeze_app",
        "Stop new users entering a running experiment",
        "Lifecycle",
    ),
    CommandEntry(
        "unfreeze-exposure",
        "expctl.cli.lifecycle",
        "unfreeze_app",
        "Let new users enter a frozen experiment again",
        "Lifecycle",
    ),
    CommandEntry(
        "exposure-cohort",
        "expctl.cli.extras",
        "cohort_app",
        "Create the cohort of exposed users and print its id",
        "Lifecycle",
    ),
    CommandEntry(
        "flag-check",
        "expctl.cli.extras",
        "flag_check_app",
        "Check that events carry feature flag information",
        "Advanced",
    ),
    CommandEntry(
        "eligible-flags",
        "expctl.cli.extras",
        "eligible_app",
        "List feature flags that can back an experiment",
        "Advanced",
    ),
    CommandEntry(
        "stats",
        "expctl.cli.extras",
        "stats_app",
        "Show the project's experiment statistics",
        "Advanced",
    ),
    CommandEntry(
        "results",
        "expctl.cli.results",
        "results_app",
        "Show how each variant is doing: delta, interval, chance to win, verdict",
        "Results",
    ),
    CommandEntry(
        "validate",
        "expctl.cli.specs",
        "validate_app",
        "Check spec files offline and report every problem as file:line:column",
        "Specs",
    ),
    CommandEntry(
        "diff",
        "expctl.cli.specs",
        "diff_app",
        "Show what `apply` would do: creates, field-by-field updates, lifecycle moves",
        "Specs",
    ),
    CommandEntry(
        "apply",
        "expctl.cli.specs",
        "apply_app",
        "Make PostHog match the specs: create, update and move experiments",
        "Specs",
    ),
    CommandEntry(
        "export", "expctl.cli.specs", "export_app", "Write existing experiments as specs, ready for `apply`", "Specs"
    ),
    CommandEntry(
        "schema", "expctl.cli.specs", "schema_app", "Print the JSON Schema of the spec format, for editors", "Specs"
    ),
    CommandEntry("auth", "expctl.cli.auth", "auth_app", "Log in, check and log out", "Setup"),
    CommandEntry("config", "expctl.cli.config_cmd", "config_app", "Show and change settings and profiles", "Setup"),
)

BY_NAME = {entry.name: entry for entry in COMMANDS}
