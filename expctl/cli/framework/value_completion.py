"""What Tab offers for an option's value: the words it takes, never file names.

Each completer reads a table the command itself checks against (output modes, the
statuses and sort fields PostHog's list takes, --fail-on's conditions, the config file's
profiles), so what Tab offers is what the command accepts. Completers run on every Tab:
they read nothing from the network and import nothing heavy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from expctl.model.experiment import LIST_STATUS_FILTERS

Completer = Callable[[str], list[str]]


def words(values: Sequence[str]) -> Completer:
    """Offer each of ``values`` that starts with what was typed."""

    def complete(incomplete: str) -> list[str]:
        return [value for value in values if value.startswith(incomplete)]

    return complete


def comma_list(values: Sequence[str]) -> Completer:
    """For ``a,b,c`` lists: complete the last item, keeping the ones before it."""

    def complete(incomplete: str) -> list[str]:
        done, _, last = incomplete.rpartition(",")
        given = set(done.split(",")) if done else set()
        prefix = f"{done}," if done else ""
        return [prefix + value for value in values if value.startswith(last) and value not in given]

    return complete


def statuses(incomplete: str) -> list[str]:
    return words(LIST_STATUS_FILTERS)(incomplete)


def orders(incomplete: str) -> list[str]:
    """The sort fields `--order` takes (model/listing.py), each also descending."""
    from expctl.model.listing import ORDER_FIELDS

    return words([*ORDER_FIELDS, *(f"-{field}" for field in ORDER_FIELDS)])(incomplete)


def fail_on(incomplete: str) -> list[str]:
    from expctl.core.results.verdicts import FAIL_ON_CONDITIONS

    return comma_list(FAIL_ON_CONDITIONS)(incomplete)


def profiles(incomplete: str) -> list[str]:
    """The config file's profiles (environments), as `config profiles` lists them."""
    import os

    try:
        from expctl.settings.config_file import ConfigFile
        from expctl.settings.paths import config_file

        names = sorted(ConfigFile.load(config_file(os.environ)).profiles())
    except Exception:  # a broken config file must not break Tab
        return []
    return [name for name in names if name.startswith(incomplete)]
