"""The file format both caches share: a header line, then the body as it is sealed.

The header (one JSON object) names what the file is (format, and the caches' own
identity: host, project, expctl's version) and carries an HMAC of the body keyed from
the API key. Reading checks both before the body is parsed at all, so a file of another
format or owner, or one edited or planted by someone without the key, costs a parse of
one line and is then not believed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from expctl.settings.atomic import read_own_file, write_atomic


def seal_of(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def write_sealed(path: Path, identity: Mapping[str, Any], body: str, key: bytes) -> None:
    """Write ``body`` after a header naming ``identity`` and sealing the body (owner-only)."""
    header = json.dumps({**identity, "seal": seal_of(key, body)})
    write_atomic(path, header + "\n" + body, mode=0o600, durable=False)


def read_sealed(path: Path | None, identity: Mapping[str, Any], key: bytes) -> dict[str, Any] | None:
    """The body's JSON object when the header names ``identity`` and its seal holds; None
    when the file is missing, not this user's plain file, torn, another's or edited."""
    raw = read_own_file(path)
    if raw is None:
        return None
    first, _, rest = raw.partition(b"\n")
    try:
        header = json.loads(first)
        body = rest.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(header, dict) or any(header.get(name) != value for name, value in identity.items()):
        return None
    if not hmac.compare_digest(str(header.get("seal")), seal_of(key, body)):
        return None
    try:
        stored = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return stored if isinstance(stored, dict) else None
