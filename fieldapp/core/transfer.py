"""Export and import one entity as CSV or JSON, the way spreadsheets really write them.

Why it is built this way:
- Columns come from the one schema (`entity.fields`) plus `id`; no field list is written
  here, so a field added to the schema is exported and imported with no change.
- An import is checked whole before anything is written: every bad row is reported with
  its line, field and reason, and a file with one bad row changes nothing unless the
  caller asks to skip invalid rows. A correspondent fixing a spreadsheet sees every
  problem at once instead of one per attempt.
- What a spreadsheet writes is accepted as is: UTF-8 with or without BOM, UTF-16 ("Unicode
  text"), cp1252 from older Excel, `;` `,` or tab separators, decimal commas, day-first
  dates, and labels ("Agroforestry", "Agroforesterie", "Sénégal") where codes are expected.
- Plain `csv`/`json` rather than sqlite-utils' `rows_from_file`: the importer needs the
  line number of each record and an encoding fallback, which that helper does not give.

Imports are user edits: new rows go through `Store.bulk_insert` with the outbox on, and
rows whose id already exists are changed with `Store.update`, so both sync.
"""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterator, Mapping, Sequence

from fieldapp.core.fieldspec import BOOL, CHOICE, DECIMAL, JSON, MULTI, REF, URLS, Entity, Field, validate
from fieldapp.core.schema import entity as schema_entity
from fieldapp.i18n import _

FORMATS = ("csv", "json")
LIST_SEPARATOR = "|"
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_CHUNK = 1000


@dataclass(frozen=True)
class ImportProblem:
    """One thing wrong with an import file. `line` is the spreadsheet row for CSV (the
    header is line 1) and the record's position for JSON (first record is 1); `field`
    names the column ('' when the problem is the whole row)."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        if self.field:
            return _("line {line}, field {field}: {message}").format(line=self.line, field=self.field, message=self.message)
        return _("line {line}: {message}").format(line=self.line, message=self.message)


@dataclass
class ImportResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # bad rows left out (only with skip_invalid)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.inserted + self.updated


class ImportFileError(ValueError):
    """The file cannot be read at all (not CSV/JSON, no header, not a list of objects)."""


# ----------------------------------------------------------------------------- export
def columns(e: Entity) -> list[str]:
    """Export columns: the row id, then every field of the schema in declaration order."""
    return ["id", *e.field_names]


def cell(f: Field, value: Any) -> str:
    """A stored value as CSV text that `import_rows` reads back to the same value."""
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


def iter_rows(store: Any, entity_name: str) -> Iterator[dict]:
    """Live rows of an entity in its list order, fetched a chunk at a time."""
    ids = store.ids(entity_name)
    for start in range(0, len(ids), _CHUNK):
        yield from store.rows(entity_name, ids[start:start + _CHUNK])


def export_csv(store: Any, entity_name: str, out: IO[str]) -> int:
    """Write the entity as CSV (UTF-8 when `out` is a file opened so, comma separated,
    header = column names); returns the number of rows written."""
    e = schema_entity(entity_name)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns(e))
    n = 0
    for row in iter_rows(store, e.name):
        writer.writerow([row["id"], *(cell(f, row.get(f.name)) for f in e.fields)])
        n += 1
    return n


def export_json(store: Any, entity_name: str, out: IO[str]) -> int:
    """Write the entity as a JSON list of objects (id plus fields, native JSON types)."""
    e = schema_entity(entity_name)
    n = 0
    out.write("[")
    for row in iter_rows(store, e.name):
        record = {"id": row["id"], **{f.name: row.get(f.name) for f in e.fields}}
        out.write(("\n" if n == 0 else ",\n") + json.dumps(record, ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


def export(store: Any, entity_name: str, fmt: str, out: IO[str]) -> int:
    if fmt == "csv":
        return export_csv(store, entity_name, out)
    if fmt == "json":
        return export_json(store, entity_name, out)
    raise ValueError(_("unknown format {fmt}: use csv or json").format(fmt=fmt))


# ----------------------------------------------------------------------------- reading files
def decode(data: bytes) -> str:
    """UTF-16 and UTF-8 (BOM or not) first; what is not UTF-8 is taken as cp1252, the
    encoding Excel on Windows writes for 'CSV' in western European languages."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


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


def read_json(text: str) -> list[tuple[int, dict]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(_("not a JSON file: {reason}").format(reason=exc)) from None
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        data = data["rows"]
    if not isinstance(data, list):
        raise ImportFileError(_("a JSON import must be a list of objects"))
    return [(i, item) for i, item in enumerate(data, start=1)]


def guess_format(path: Path, text: str) -> str:
    if path.suffix.lower() == ".json" or text.lstrip()[:1] in ("[", "{"):
        return "json"
    return "csv"


# ----------------------------------------------------------------------------- codes and labels
def _fold(text: str) -> str:
    """Case, accents and spacing do not matter when matching a label or a column name."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[\s_\-]+", " ", plain).strip()


class CodeMapper:
    """Turns what a person typed in a choice column (a code, any case, or a label in any
    shipped language) into the code the schema stores. Unknown text passes through, so
    validation names it."""

    def __init__(self, catalog: Any):
        self.catalog = catalog
        self._maps: dict[str, dict[str, str]] = {}

    def _map(self, f: Field) -> dict[str, str]:
        key = f.ref_list or f"{f.name}:fixed"
        if key not in self._maps:
            m: dict[str, str] = {}
            if f.choices is not None:
                for code in f.choices:
                    m.setdefault(_fold(code), code)
            else:
                entries = self.catalog.entries.get(f.ref_list or "", {})
                for code, entry in entries.items():  # codes win over labels
                    m.setdefault(_fold(code), code)
                for code, entry in entries.items():
                    labels = [entry.get("label") or "", *((entry.get("labels") or {}).values())]
                    for label in labels:
                        if label:
                            m.setdefault(_fold(label), code)
            self._maps[key] = m
        return self._maps[key]

    def code(self, f: Field, text: Any) -> Any:
        if not isinstance(text, str) or not text.strip():
            return text
        exact = text.strip()
        if f.choices is not None and exact in f.choices:
            return exact
        if f.ref_list and self.catalog.has(f.ref_list, exact):
            return exact
        return self._map(f).get(_fold(exact), exact)

    def codes(self, f: Field, value: Any) -> Any:
        """A multi-choice cell: 'a|b', or one label with spaces, or 'a, b' / 'a; b'."""
        if isinstance(value, list):
            return [self.code(f, v) for v in value]
        if not isinstance(value, str) or not value.strip() or value.strip().startswith("["):
            return value
        text = value.strip()
        if LIST_SEPARATOR in text:
            parts = text.split(LIST_SEPARATOR)
        elif self.code(f, text) != text or self._known(f, text):
            parts = [text]
        else:
            parts = re.split(r"[;,]", text) if re.search(r"[;,]", text) else [text]
        mapped = [self.code(f, p.strip()) for p in parts if p.strip()]
        if len(mapped) == 1 and not self._known(f, mapped[0]) and " " in mapped[0]:
            return mapped[0]  # let the schema split on spaces and name what it does not know
        return mapped

    def _known(self, f: Field, code: str) -> bool:
        return code in f.choices if f.choices is not None else self.catalog.has(f.ref_list or "", code)


def _column_map(e: Entity) -> dict[str, str]:
    """Accepted header spellings: field name or English label, any case or accents."""
    m = {"id": "id"}
    for f in e.fields:
        m.setdefault(_fold(f.name), f.name)
    for f in e.fields:
        m.setdefault(_fold(f.label), f.name)
    return m


# ----------------------------------------------------------------------------- import
def import_file(store: Any, entity_name: str, path: Path | str, *, fmt: str | None = None,
                skip_invalid: bool = False) -> ImportResult:
    """Import a CSV or JSON file into `entity_name` (see `import_rows`)."""
    path = Path(path)
    text = decode(path.read_bytes())
    fmt = fmt or guess_format(path, text)
    if fmt not in FORMATS:
        raise ImportFileError(_("unknown format {fmt}: use csv or json").format(fmt=fmt))
    e = schema_entity(entity_name)
    if fmt == "csv":
        header, records = read_csv(text)
        return import_records(store, e, header, [(line, dict(_pair(header, cells))) for line, cells in records],
                              skip_invalid=skip_invalid, widths={line: len(cells) for line, cells in records})
    items = read_json(text)
    problems = [ImportProblem(line, "", _("each record must be an object")) for line, item in items if not isinstance(item, dict)]
    if problems:
        return ImportResult(problems=problems)
    keys = list(dict.fromkeys(k for _line, item in items for k in item))
    return import_records(store, e, keys, items, skip_invalid=skip_invalid, header_line=None)


def _pair(header: Sequence[str], cells: Sequence[str]) -> Iterator[tuple[str, str]]:
    for name, value in zip(header, cells):
        yield name, value


def import_records(
    store: Any,
    e: Entity,
    header: Sequence[str],
    records: Sequence[tuple[int, Mapping[str, Any]]],
    *,
    skip_invalid: bool = False,
    header_line: int | None = 1,
    widths: Mapping[int, int] | None = None,
) -> ImportResult:
    """Check every record, then write: existing ids are updated, others inserted.

    Problems with the columns themselves (unknown, duplicated, or a required one missing
    while the file adds records) stop the import even with `skip_invalid`: they mean the
    file is not what the person thinks it is. Row problems stop it unless `skip_invalid`."""
    result = ImportResult()
    colmap = _column_map(e)
    mapped: dict[str, str] = {}

    def where(name: str) -> int:
        """The header's line, or for JSON the first record that has this key."""
        if header_line is not None:
            return header_line
        return next((line for line, rec in records if name in rec), records[0][0] if records else 1)

    for name in header:
        target = colmap.get(_fold(name)) if name else None
        if target is None:
            if name or any(str(rec.get(name) or "").strip() for _l, rec in records):
                result.problems.append(ImportProblem(where(name), name, _("unknown column: {entity} has no field {field}").format(entity=e.name, field=name)))
        elif target in mapped.values():
            result.problems.append(ImportProblem(where(name), name, _("column {field} appears twice").format(field=target)))
        else:
            mapped[name] = target
    mapper = CodeMapper(store.catalog)

    # Which records change an existing row, which add one.
    raw_ids: dict[int, str] = {}
    row_problems: dict[int, list[ImportProblem]] = {}
    id_col = next((k for k, v in mapped.items() if v == "id"), None)
    seen: dict[str, int] = {}
    for line, rec in records:
        rid = str(rec.get(id_col) or "").strip().lower() if id_col else ""
        if rid and not _UUID_RE.match(rid):
            row_problems.setdefault(line, []).append(ImportProblem(line, "id", _("id must be a UUID, or empty for a new record")))
        elif rid in seen:
            row_problems.setdefault(line, []).append(ImportProblem(line, "id", _("the same id is already on line {line}").format(line=seen[rid])))
        elif rid:
            seen[rid] = line
            raw_ids[line] = rid
    existing = {r["id"]: r for r in store.rows(e.name, list(raw_ids.values()))} if raw_ids else {}
    adds_rows = any(raw_ids.get(line) not in existing for line, _rec in records)
    if adds_rows:
        present = set(mapped.values())
        for f in e.fields:
            if f.required and f.default is None and f.name not in present:
                result.problems.append(ImportProblem(header_line or (records[0][0] if records else 1), f.name,
                                                     _("required column {field} is missing").format(field=f.name)))
    if result.problems:
        return result

    inserts: list[tuple[int, dict]] = []
    updates: list[tuple[int, str, dict]] = []
    checked: list[tuple[int, dict]] = []  # every row's valid values, for the reference check
    for line, rec in records:
        problems = row_problems.setdefault(line, [])
        if widths is not None and widths.get(line, 0) > len(header):
            problems.append(ImportProblem(line, "", _("this row has more cells ({n}) than the header has columns ({m})").format(n=widths[line], m=len(header))))
        values: dict[str, Any] = {}
        for name, target in mapped.items():
            if target == "id" or name not in rec:
                continue
            f = e.field(target)
            value = rec[name]
            if f.kind == CHOICE:
                value = mapper.code(f, value)
            elif f.kind == MULTI:
                value = mapper.codes(f, value)
            values[target] = value
        rid = raw_ids.get(line)
        is_update = rid in existing
        if not is_update:
            values = {k: v for k, v in values.items() if not _blank(v)}  # empty cells take the default
        clean, errors = validate(e, values, partial=is_update, has_code=store.catalog.has)
        problems.extend(ImportProblem(line, err.field, err.message) for err in errors)
        checked.append((line, clean))
        if not errors:
            if is_update:
                updates.append((line, rid, clean))
            else:
                inserts.append((line, {"id": rid, **clean} if rid else clean))
    _check_references(store, e, checked, {v["id"] for _l, v in inserts if v.get("id")}, row_problems)

    bad_lines = {line for line, probs in row_problems.items() if probs}
    result.problems = [p for _line, probs in sorted(row_problems.items()) for p in probs]
    if bad_lines and not skip_invalid:
        return result
    result.skipped = len(bad_lines)
    good_inserts = [values for line, values in inserts if line not in bad_lines]
    if good_inserts:
        result.inserted = store.bulk_insert(e.name, good_inserts, outbox=True, validated=True)
    for line, rid, clean in updates:
        if line in bad_lines:
            continue
        current = existing[rid]
        if all(current.get(k) == v for k, v in clean.items()):
            result.unchanged += 1  # nothing to write, nothing to sync
            continue
        store.update(e.name, rid, clean)
        result.updated += 1
    return result


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _check_references(store: Any, e: Entity, lines: Sequence[tuple[int, dict]], own_new: set[str],
                      row_problems: dict[int, list[ImportProblem]]) -> None:
    """A reference must name a record that exists (or, for a self-reference, one this
    same file adds). Checked before writing: the store's bulk path trusts its caller."""
    refs = [f for f in e.fields if f.kind == REF]
    if not refs:
        return
    for f in refs:
        wanted = {values[f.name] for _line, values in lines if values.get(f.name)}
        if not wanted:
            continue
        found = {r["id"] for r in store.rows(f.ref or "", sorted(wanted))}
        if f.ref == e.name:
            found |= own_new
        for line, values in lines:
            value = values.get(f.name)
            if value and value not in found:
                row_problems.setdefault(line, []).append(
                    ImportProblem(line, f.name, _("{label}: no {target} has the id {value}").format(label=_(f.label), target=f.ref, value=value)))


__all__ = [
    "FORMATS", "ImportFileError", "ImportProblem", "ImportResult", "CodeMapper", "cell", "columns", "decode", "export",
    "export_csv", "export_json", "import_file", "import_records", "iter_rows", "read_csv", "read_json", "sniff_delimiter",
]
