"""Server strings made safe to show on a terminal: control characters made visible.

Anyone who can rename an experiment (or a metric, a variant, a flag) in PostHog chooses
the bytes expctl prints. An OSC sequence retitles the terminal, ``ESC[2K`` and ``\\r``
erase a line and write another in its place, and SGR colours can dress a forged "✓".
Like ``gh``, expctl shows such characters instead of sending them: ``ESC`` as ``^[``,
other C0 controls in caret notation (``^M``), DEL as ``^?``, and C1 controls as
``\\u009b``. Machine output (``-o json``/``yaml``) keeps PostHog's strings exactly (JSON
and YAML escape them), so only what is drawn for people goes through here.
"""

from __future__ import annotations

import re
from typing import Any

# Free text a person wrote on several lines: its line breaks and tabs stay.
MULTILINE_FIELDS = frozenset({"description", "conclusion_comment", "hypothesis"})

_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROLS_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The only escape sequences expctl itself writes: SGR (colour and weight), from its own
# Styler and from rich. Everything else (cursor moves, erasing, OSC titles) is made visible.
_OWN_SGR = re.compile(r"\x1b\[[0-9;]*m")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return "^" + chr(code + 0x40)
    if code == 0x7F:
        return "^?"
    return f"\\u{code:04x}"


def visible(text: str) -> str:
    """One line of a server string: every control character shown, line breaks too."""
    return _CONTROLS.sub(_shown, text)


def visible_block(text: str) -> str:
    """Text of several lines: line breaks and tabs kept, every other control shown."""
    return _CONTROLS_BUT_LINES.sub(_shown, text)


def visible_but_colours(text: str) -> str:
    """Drawn output (tables, plans) that may carry expctl's own colours: SGR sequences
    stay, every other control is shown. Server strings in it were made visible before
    they were drawn (``for_display``) where expctl draws them with colour."""
    parts = _OWN_SGR.split(text)
    kept = _OWN_SGR.findall(text)
    out = [visible_block(parts[0])]
    for sgr, part in zip(kept, parts[1:], strict=True):
        out.extend((sgr, visible_block(part)))
    return "".join(out)


def for_display(value: Any, field: str = "", depth: int = 0) -> Any:
    """A copy of PostHog's payload with every string made visible (free-text fields keep
    their line breaks), for the views drawn for people; nesting past any real answer's
    is cut off rather than followed."""
    if isinstance(value, str):
        return visible_block(value) if field in MULTILINE_FIELDS else visible(value)
    if depth > MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        return {key: for_display(item, str(key), depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [for_display(item, field, depth + 1) for item in value]
    return value


MAX_DEPTH = 256
