"""CSV as spreadsheets write it: cells as text that reads back to the same value, the
separator a locale's Excel uses, and records numbered as a spreadsheet numbers rows.

Plain `csv` rather than sqlite-utils' `rows_from_file`: the importer needs the line
number of each record and our own encoding detection (fieldapp.core.encodings)."""
from __future__ import annotations

import csv
import io
import json
from typing import IO, Any, Iterable

from fieldapp.core.fieldspec import BOOL, DECIMAL, JSON, MULTI, URLS, Entity, Field
from fieldapp.core.transfer_codes import LIST_SEPARATOR
from fieldapp.core.transfer_problems import ImportFileError
from fieldapp.i18n import _


def columns(e: Entity) -> list[str]:
    """Export columns: the row id, then every field of the schema in declaration order."""
    return ["id", *e.field_names]


def cell(f: Field, value: Any) -> str:
    """A stored value as CSV text that the importer reads back to the same value."""
    if value is None:
        return ""
    if f.kind in (MULTI, URLS):
        return LIST_SEPARATOR.join(value)
    if f.kind == JSON:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if f.kind == BOOL:
        return "true" if value else "false"
    if f.kind == DECIMAL:
        return repr(float(value))
    return str(value)


def write_csv(e: Entity, rows: Iterable[dict], out: IO[str]) -> int:
    """Write rows as CSV (comma separated, header = column names); returns the count."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns(e))
    n = 0
    for row in rows:
        writer.writerow([row["id"], *(cell(f, row.get(f.name)) for f in e.fields)])
        n += 1
    return n


def sniff_delimiter(header_line: str) -> str:
    """The separator the header uses most: `;` (French/Spanish Excel), tab, or `,`."""
    counts = {d: header_line.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(text: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line, cells) records; `line` counts records as a spreadsheet numbers
    its rows, the header being line 1. Blank records are dropped."""
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(_("the file is empty")) from None
    except csv.Error as exc:
        raise ImportFileError(_("not a CSV file: {reason}").format(reason=exc)) from None
    records = []
    line = 1
    try:
        for cells in reader:
            line += 1
            if any(c.strip() for c in cells):
                records.append((line, cells))
    except csv.Error as exc:
        raise ImportFileError(_("line {line}: not valid CSV ({reason})").format(line=line + 1, reason=exc)) from None
    return [h.strip().lstrip("\ufeff") for h in header], records
