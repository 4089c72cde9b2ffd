"""The words every apply plan uses, whatever the kind it plans: what happens to an object,
and one field's change. Kept apart so the experiment plan and the holdout and shared
metric plan share them without importing each other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
ERROR = "error"


@dataclass
class FieldChange:
    field: str
    before: Any
    after: Any
