"""Import and export of records as CSV, JSON, XLSX and GeoJSON: the one door the command
line and the window both use.

Why it is built this way:
- Columns come from the one schema (`entity.fields`) plus `id`; no field list is written
  here, so a field added to the schema is exported and imported with no change.
- Reading a file (`read_source`), checking it (`check_source`) and writing it
  (`apply_checked`) are three steps, so the window can show a preview, a column-mapping
  step and every problem (line, field, reason) before anything is written, with a
  progress bar on long files. `import_file` runs the three for the command line.
- What a spreadsheet writes is accepted as is: UTF-8 with or without BOM, UTF-16, the
  code pages Excel writes in the UN languages' locales (cp1252, cp1251, cp1256, gb18030;
  detected, see fieldapp.core.encodings), `;` `,` or tab separators, decimal commas,
  day-first dates, and labels where codes are expected.
- Round trips lose nothing: each format writes every field of every row and reads back
  the same values (tests/core/test_transfer*.py prove it per format and encoding).

The pieces live in small modules: transfer_csv, transfer_json, transfer_xlsx,
transfer_geojson (formats), transfer_codes (labels to codes), transfer_mapping (the
column-mapping step), transfer_check (check then write), transfer_problems.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Mapping, Sequence

from fieldapp.core import encodings
from fieldapp.core.fieldspec import Entity
from fieldapp.core.schema import entity as schema_entity
from fieldapp.core.transfer_check import Plan, Progress, apply, check
from fieldapp.core.transfer_codes import CodeMapper, LIST_SEPARATOR, column_map, fold
from fieldapp.core.transfer_csv import cell, columns, read_csv, sniff_delimiter, write_csv
from fieldapp.core.transfer_geojson import has_places, looks_like_geojson, read_geojson, write_geojson
from fieldapp.core.transfer_json import read_json, write_json
from fieldapp.core.transfer_problems import ImportFileError, ImportProblem, ImportResult
from fieldapp.core.transfer_xlsx import read_xlsx, write_xlsx
from fieldapp.i18n import _, language

FORMATS = ("csv", "json", "xlsx", "geojson")
SUFFIXES = {"csv": ".csv", "json": ".json", "xlsx": ".xlsx", "geojson": ".geojson"}
_CHUNK = 1000


# ----------------------------------------------------------------------------- export
def iter_rows(store: Any, entity_name: str, ids: Sequence[str] | None = None) -> Iterator[dict]:
    """Live rows of an entity in its list order (or the rows `ids` names, in that
    order), fetched a chunk at a time."""
    ids = store.ids(entity_name) if ids is None else list(ids)
    for start in range(0, len(ids), _CHUNK):
        yield from store.rows(entity_name, ids[start:start + _CHUNK])


def formats_for(entity_name: str) -> tuple[str, ...]:
    """The formats one entity can be written in (GeoJSON needs coordinates)."""
    return FORMATS if has_places(schema_entity(entity_name)) else tuple(f for f in FORMATS if f != "geojson")


def export_csv(store: Any, entity_name: str, out: IO[str], ids: Sequence[str] | None = None) -> int:
    """Write the entity as CSV (UTF-8 when `out` is a file opened so); returns the count."""
    e = schema_entity(entity_name)
    return write_csv(e, iter_rows(store, e.name, ids), out)


def export_json(store: Any, entity_name: str, out: IO[str], ids: Sequence[str] | None = None) -> int:
    e = schema_entity(entity_name)
    return write_json(e, iter_rows(store, e.name, ids), out)


def export_geojson(store: Any, entity_name: str, out: IO[str], ids: Sequence[str] | None = None) -> int:
    e = schema_entity(entity_name)
    return write_geojson(e, iter_rows(store, e.name, ids), out)


def export_xlsx(store: Any, selection: Mapping[str, Sequence[str] | None] | Sequence[str], out: IO[bytes] | Path | str) -> dict[str, int]:
    """One workbook, a sheet per entity: `selection` is entity names (every row) or
    {entity: ids or None}. Returns rows written per entity."""
    chosen = dict(selection) if isinstance(selection, Mapping) else {name: None for name in selection}
    return write_xlsx({name: iter_rows(store, name, ids) for name, ids in chosen.items()}, out)


def export(store: Any, entity_name: str, fmt: str, out: Any, ids: Sequence[str] | None = None) -> int:
    """Write one entity in `fmt` to `out` (a text stream; for xlsx a binary one or a path)."""
    if fmt == "csv":
        return export_csv(store, entity_name, out, ids)
    if fmt == "json":
        return export_json(store, entity_name, out, ids)
    if fmt == "geojson":
        return export_geojson(store, entity_name, out, ids)
    if fmt == "xlsx":
        return export_xlsx(store, {entity_name: ids}, out)[schema_entity(entity_name).name]
    raise ValueError(_("unknown format {fmt}: use csv, json, xlsx or geojson").format(fmt=fmt))


def export_path(store: Any, entity_name: str, fmt: str, path: Path | str, ids: Sequence[str] | None = None) -> int:
    """Write to a file, opened as each format needs (CSV with a BOM so that Excel reads
    UTF-8, binary for XLSX)."""
    path = Path(path)
    if fmt == "xlsx":
        return export(store, entity_name, fmt, path, ids)
    with path.open("w", encoding="utf-8-sig" if fmt == "csv" else "utf-8", newline="") as out:
        return export(store, entity_name, fmt, out, ids)


# ----------------------------------------------------------------------------- reading
@dataclass
class Table:
    """The records of one entity read from a file, before any check."""

    entity: str
    header: list[str]
    records: list[tuple[int, dict]]
    sheet: str = ""
    header_line: int | None = 1  # None: JSON and GeoJSON (no header row)
    widths: dict[int, int] | None = None  # CSV: cells per line, to spot rows too wide

    def preview(self, n: int = 20) -> list[list[str]]:
        """The first rows as text, in header order, for the window's preview."""
        return [["" if rec.get(h) is None else str(rec.get(h)) for h in self.header] for _line, rec in self.records[:n]]


@dataclass
class Source:
    """A file as read: its format, how its text was decoded (CSV/JSON/GeoJSON), its
    tables (several for a workbook) and the problems met while reading."""

    path: Path
    fmt: str
    tables: list[Table]
    detection: encodings.Detection | None = None
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(len(t.records) for t in self.tables)


def guess_format(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm") or head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if suffix == ".geojson":
        return "geojson"
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    if suffix == ".json" or text.lstrip()[:1] in ("[", "{"):
        return "geojson" if looks_like_geojson(text) else "json"
    return "csv"


def decode(data: bytes) -> str:
    """The text of a file, its encoding detected (see fieldapp.core.encodings)."""
    return encodings.detect(data, language()).text


def read_source(path: Path | str, entity_name: str, *, fmt: str | None = None, encoding: str | None = None) -> Source:
    """Read a file into tables without checking them; `encoding` overrides detection
    (the person chose one after a warning). Raises ImportFileError for an unreadable file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ImportFileError(_("cannot read {path}: {reason}").format(path=path.name, reason=exc.strerror or exc)) from None
    fmt = fmt or guess_format(path, data[:2048])
    if fmt not in FORMATS:
        raise ImportFileError(_("unknown format {fmt}: use csv, json, xlsx or geojson").format(fmt=fmt))
    e = schema_entity(entity_name)
    if fmt == "xlsx":
        sheets, problems = read_xlsx(data, default_entity=e.name)
        tables = [Table(name, header, records, sheet=title) for name, title, header, records in sheets]
        return Source(path, fmt, tables, None, problems)
    if encoding:
        try:
            detection = encodings.Detection(encoding, encodings.decode(data, encoding), 1.0, (encodings.Candidate(encoding, 1.0),))
        except ValueError as exc:
            raise ImportFileError(str(exc)) from None
    else:
        detection = encodings.detect(data, language())
    text = detection.text.lstrip("\ufeff")
    if fmt == "csv":
        header, rows = read_csv(text)
        records = [(line, dict(zip(header, cells))) for line, cells in rows]
        return Source(path, fmt, [Table(e.name, header, records, widths={line: len(c) for line, c in rows})], detection)
    if fmt == "geojson":
        records, problems = read_geojson(text)
        keys = list(dict.fromkeys(k for _line, rec in records for k in rec))
        return Source(path, fmt, [Table(e.name, keys, records, header_line=None)], detection, problems)
    items = read_json(text)
    problems = [ImportProblem(line, "", _("each record must be an object")) for line, item in items if not isinstance(item, dict)]
    records = [(line, item) for line, item in items if isinstance(item, dict)]
    keys = list(dict.fromkeys(k for _line, item in records for k in item))
    return Source(path, fmt, [Table(e.name, keys, records, header_line=None)], detection, problems)


# ----------------------------------------------------------------------------- check and write
def check_source(store: Any, source: Source, *, mappings: Mapping[str, Mapping[str, str | None]] | None = None,
                 progress: Progress = None) -> list[Plan]:
    """Check every table of `source` (reads only). `mappings` is {entity: {header: field
    or None}} from the column-mapping step. Tables are checked in the schema's order, and
    rows a table adds count as existing for the references of the tables after it."""
    plans: list[Plan] = []
    known: dict[str, set[str]] = {}
    total = source.rows
    done = 0
    for table in source.tables:
        def step(n: int, _t: int, base: int = done) -> None:
            if progress is not None:
                progress(base + n, total)
        plan = check(store, schema_entity(table.entity), table.header, table.records,
                     mapping=(mappings or {}).get(table.entity), header_line=table.header_line, widths=table.widths,
                     known_new=known, sheet=table.sheet if len(source.tables) > 1 else "", progress=step)
        known.setdefault(table.entity, set()).update(plan.new_ids)
        plans.append(plan)
        done += len(table.records)
    return plans


def problems_of(source: Source, plans: Sequence[Plan]) -> list[ImportProblem]:
    """Everything wrong, reading problems first, for the problems table."""
    return [*source.problems, *(p for plan in plans for p in plan.problems)]


def apply_checked(store: Any, source: Source, plans: Sequence[Plan], *, skip_invalid: bool = False,
                  progress: Progress = None) -> ImportResult:
    """Write checked plans through the Store. Nothing is written when the file had a
    reading problem or any plan may not be written (all or nothing across sheets)."""
    result = ImportResult(problems=problems_of(source, plans))
    if (source.problems and not skip_invalid) or not all(p.writable(skip_invalid) for p in plans):
        return result
    total = sum(len(p.inserts) + len(p.updates) for p in plans)
    done = 0
    for plan in plans:
        def step(n: int, _t: int, base: int = done) -> None:
            if progress is not None:
                progress(base + n, total)
        part = apply(store, plan, skip_invalid=skip_invalid, progress=step)
        part.problems = []
        result.add(part)
        done += len(plan.inserts) + len(plan.updates)
    result.skipped += len(source.problems) if skip_invalid else 0
    return result


def import_file(store: Any, entity_name: str, path: Path | str, *, fmt: str | None = None, skip_invalid: bool = False,
                encoding: str | None = None, mapping: Mapping[str, str | None] | None = None) -> ImportResult:
    """Read, check and write a file into `entity_name` (all sheets of a workbook)."""
    source = read_source(path, entity_name, fmt=fmt, encoding=encoding)
    mappings = {schema_entity(entity_name).name: mapping} if mapping else None
    return apply_checked(store, source, check_source(store, source, mappings=mappings), skip_invalid=skip_invalid)


def import_records(store: Any, e: Entity, header: Sequence[str], records: Sequence[tuple[int, Mapping[str, Any]]], *,
                   skip_invalid: bool = False, header_line: int | None = 1, widths: Mapping[int, int] | None = None,
                   mapping: Mapping[str, str | None] | None = None) -> ImportResult:
    """Check then write records already read (what `import_file` does per table)."""
    plan = check(store, e, header, records, mapping=mapping, header_line=header_line, widths=widths)
    return apply(store, plan, skip_invalid=skip_invalid)


__all__ = [
    "FORMATS", "LIST_SEPARATOR", "CodeMapper", "ImportFileError", "ImportProblem", "ImportResult", "Plan", "Source",
    "Table", "apply_checked", "cell", "check_source", "column_map", "columns", "decode", "export", "export_csv",
    "export_geojson", "export_json", "export_path", "export_xlsx", "fold", "formats_for", "guess_format", "import_file",
    "import_records", "iter_rows", "problems_of", "read_csv", "read_json", "read_source", "sniff_delimiter",
]
