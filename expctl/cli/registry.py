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
    CommandEntry("auth", "expctl.cli.auth", "auth_app", "Log in, check and log out", "Setup"),
    CommandEntry("config", "expctl.cli.config_cmd", "config_app", "Show and change settings and profiles", "Setup"),
)

BY_NAME = {entry.name: entry for entry in COMMANDS}
