"""Wall-clock timestamps as the store and the wire write them (UTC, milliseconds, "Z").

Apart from the store so that what the store builds on (core.pages) can stamp rows
without importing the store back."""
from __future__ import annotations

import datetime as dt


def utcnow() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
