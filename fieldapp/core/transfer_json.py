"""JSON: a list of objects with native types (the id plus every field)."""
from __future__ import annotations

import json
from typing import IO, Iterable

from fieldapp.core.fieldspec import Entity
from fieldapp.core.transfer_problems import ImportFileError
from fieldapp.i18n import _


def write_json(e: Entity, rows: Iterable[dict], out: IO[str]) -> int:
    """Write the rows as a JSON list of objects; one record per line, so a diff of two
    exports reads record by record."""
    n = 0
    out.write("[")
    for row in rows:
        record = {"id": row["id"], **{f.name: row.get(f.name) for f in e.fields}}
        out.write(("\n" if n == 0 else ",\n") + json.dumps(record, ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


def read_json(text: str) -> list[tuple[int, object]]:
    """(position, item) pairs, counted from 1; `{"rows": [...]}` is accepted too."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(_("not a JSON file: {reason}").format(reason=exc)) from None
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        data = data["rows"]
    if not isinstance(data, list):
        raise ImportFileError(_("a JSON import must be a list of objects"))
    return [(i, item) for i, item in enumerate(data, start=1)]
