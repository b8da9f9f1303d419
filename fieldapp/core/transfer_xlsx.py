"""XLSX workbooks (openpyxl): one sheet per entity, a form's repeats as sheets of their own.

Cells keep their types (numbers are numbers, dates are dates) so a partner can sort and
sum in Excel; lists are `a|b` and JSON documents are JSON text, as in CSV. Text that
starts with "=" is stored as text, never as a formula (openpyxl would otherwise write a
formula, and a spreadsheet would run it).

A form submission's answers hold its repeats as lists of objects ("partners": [{...},
{...}]). In the workbook those lists leave the `answers` cell and become a sheet per
repeat, one row per instance: `submission_id`, `repeat`, `instance`, then the repeat's
questions. Reading puts them back, so what comes in is what went out.

Excel refuses cells longer than 32 767 characters (the project proposal's definition is
about 53 000): such a value keeps its first 32 000 in its cell and the rest, in order, in
a `_continued` sheet (sheet, row, column, part, text) that reading joins back.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import IO, Any, Iterable, Mapping, Sequence

from fieldapp.core.fieldspec import BOOL, DATE, DECIMAL, INT, JSON, MULTI, SCORE, URLS, Entity, Field
from fieldapp.core.schema import BY_NAME, ENTITIES
from fieldapp.core.transfer_codes import LIST_SEPARATOR, fold
from fieldapp.core.transfer_csv import columns
from fieldapp.core.transfer_problems import ImportFileError, ImportProblem
from fieldapp.i18n import _

REPEAT_COLUMNS = ("submission_id", "repeat", "instance")
# Excel refuses a cell of more than 32 767 characters (a form definition is often longer):
# such a value keeps its first part in its cell and the rest, in order, in this sheet.
CONTINUED = "_continued"
CONTINUED_COLUMNS = ("sheet", "row", "column", "part", "text")
CELL_LIMIT = 32_000
SUBMISSION = "form_submission"
_MAX_TITLE = 31  # Excel's limit for a sheet name
_FORBIDDEN = set('[]:*?/\\')


def _native(f: Field, value: Any) -> Any:
    if value is None:
        return None
    if f.kind in (MULTI, URLS):
        return LIST_SEPARATOR.join(value)
    if f.kind == JSON:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if f.kind == DATE:
        return dt.date.fromisoformat(value)
    if f.kind in (INT, SCORE, DECIMAL, BOOL):
        return value
    return str(value)


def _answer_cell(value: Any) -> Any:
    """One answer inside a repeat sheet: scalars as themselves, anything else (and text
    that would read back as JSON) as JSON text."""
    if value is None:
        return "null"  # an empty cell is an answer that is not there at all
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str) and value != "null" and not value.startswith(("[", "{", '"')):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _answer_value(cell: Any) -> Any:
    if isinstance(cell, str) and (cell == "null" or cell.startswith(("[", "{", '"'))):
        try:
            return json.loads(cell)
        except json.JSONDecodeError:
            return cell
    if isinstance(cell, dt.datetime):
        return cell.isoformat()
    return cell


def _is_repeat(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _title(name: str, used: set[str]) -> str:
    base = "".join("_" if ch in _FORBIDDEN else ch for ch in name)[:_MAX_TITLE] or "sheet"
    title, n = base, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: _MAX_TITLE - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def _append(ws: Any, values: Sequence[Any], header: Sequence[str] = (), spill: list[list[Any]] | None = None) -> None:
    row = list(values)
    rest: list[tuple[str, str]] = []
    for i, v in enumerate(row):
        if spill is not None and isinstance(v, str) and len(v) > CELL_LIMIT:
            row[i] = v[:CELL_LIMIT]
            rest.append((header[i], v[CELL_LIMIT:]))
    ws.append(row)
    assert spill is not None or not rest  # cells are cut only where they can spill
    for c in ws[ws.max_row]:
        if isinstance(c.value, str) and c.value.startswith("="):
            c.data_type = "s"  # text, not a formula
    for column, text in rest:
        for part, start in enumerate(range(0, len(text), CELL_LIMIT), start=1):
            spill.append([ws.title, ws.max_row, column, part, text[start:start + CELL_LIMIT]])  # type: ignore[union-attr]


def write_xlsx(tables: Mapping[str, Iterable[dict]], out: IO[bytes] | Path | str) -> dict[str, int]:
    """Write one sheet per entity (in the schema's order) and, for form submissions, one
    sheet per repeat. Returns the number of rows written per entity."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils.exceptions import IllegalCharacterError

    wb = Workbook(write_only=False)
    wb.remove(wb.active)
    used: set[str] = {CONTINUED}
    counts: dict[str, int] = {}
    spill: list[list[Any]] = []
    bold = Font(bold=True)
    for e in (e for e in ENTITIES if e.name in tables):
        ws = wb.create_sheet(_title(e.name, used))
        ws.append(columns(e))
        for c in ws[1]:
            c.font = bold
        ws.freeze_panes = "B2"
        repeats: dict[str, list[list[Any]]] = {}
        repeat_keys: dict[str, list[str]] = {}
        n = 0
        for row in tables[e.name]:
            values = dict(row)
            if e.name == SUBMISSION and isinstance(values.get("answers"), dict):
                kept = {}
                for key, answer in values["answers"].items():
                    if _is_repeat(answer):
                        keys = repeat_keys.setdefault(key, [])
                        for instance in answer:
                            keys.extend(k for k in instance if k not in keys)
                        repeats.setdefault(key, []).extend(
                            [row["id"], key, i, instance] for i, instance in enumerate(answer, start=1))
                    else:
                        kept[key] = answer
                values["answers"] = kept
            try:
                _append(ws, [row["id"], *(_native(f, values.get(f.name)) for f in e.fields)], columns(e), spill)
            except IllegalCharacterError:
                raise ValueError(_("{entity} {id}: a value holds a control character a spreadsheet cannot store").format(
                    entity=e.name, id=row["id"])) from None
            n += 1
        counts[e.name] = n
        for key, instances in repeats.items():
            rs = wb.create_sheet(_title(key, used))
            keys = repeat_keys[key]
            rs.append([*REPEAT_COLUMNS, *keys])
            for c in rs[1]:
                c.font = bold
            for sid, name, i, instance in instances:
                _append(rs, [sid, name, i, *(_answer_cell(instance[k]) if k in instance else None for k in keys)],
                        [*REPEAT_COLUMNS, *keys], spill)
    if spill:
        cs = wb.create_sheet(CONTINUED)
        cs.append(list(CONTINUED_COLUMNS))
        for cells in spill:
            _append(cs, cells)
    if not wb.sheetnames:
        wb.create_sheet("empty")
    wb.save(out)
    return counts


def entity_of_sheet(title: str) -> str | None:
    """The entity a sheet holds, from its name: the entity's name or its label, singular
    or plural, English or the interface language."""
    key = fold(title)
    for e in ENTITIES:
        if key in {fold(e.name), fold(e.label), fold(e.plural), fold(_(e.label)), fold(_(e.plural))}:
            return e.name
    return None


def _cell_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def read_xlsx(data: bytes | Path | str, default_entity: str | None = None) -> tuple[
        list[tuple[str, str, list[str], list[tuple[int, dict]]]], list[ImportProblem]]:
    """Sheets as (entity, sheet title, header, records) in the schema's order, and the
    problems of repeat sheets that name no submission of the file. A workbook of one
    sheet whose name is no entity is read as `default_entity`."""
    import io
    import zipfile

    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data) if isinstance(data, bytes) else data, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(_("not an XLSX workbook: {reason}").format(reason=exc)) from None
    sheets: list[tuple[str, str, list[str], list[tuple[int, dict]]]] = []
    repeat_rows: list[tuple[str, int, dict]] = []
    continued: list[dict] = []
    by_line: dict[tuple[str, int], dict] = {}
    problems: list[ImportProblem] = []
    try:
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            try:
                header = [("" if h is None else str(h)).strip() for h in next(rows)]
            except StopIteration:
                continue
            while header and not header[-1]:
                header.pop()
            records = []
            for line, cells in enumerate(rows, start=2):
                values = [_cell_value(c) for c in cells[: len(header)]]
                if any(v not in (None, "") for v in values):
                    records.append((line, {h: v for h, v in zip(header, values) if h}))
                    by_line[(ws.title, line)] = records[-1][1]
            if tuple(header[:5]) == CONTINUED_COLUMNS:
                continued.extend(rec for _line, rec in records)
                continue
            if tuple(header[:3]) == REPEAT_COLUMNS:
                repeat_rows.extend((ws.title, line, rec) for line, rec in records)
                continue
            name = entity_of_sheet(ws.title)
            if name is None and len(wb.worksheets) == 1:
                name = default_entity
            if name is None:
                problems.append(ImportProblem(1, "", _("sheet {sheet} holds no known kind of record").format(sheet=ws.title), ws.title))
                continue
            sheets.append((name, ws.title, header, records))
    finally:
        wb.close()
    for part in sorted(continued, key=lambda r: (str(r.get("sheet")), int(r.get("row") or 0), str(r.get("column")), int(r.get("part") or 0))):
        rec = by_line.get((str(part.get("sheet")), int(part.get("row") or 0)))
        column = str(part.get("column"))
        if rec is not None and isinstance(rec.get(column), str):
            rec[column] += str(part.get("text") or "")
    if repeat_rows:
        problems.extend(_merge_repeats(sheets, repeat_rows))
    order = {e.name: i for i, e in enumerate(ENTITIES)}
    sheets.sort(key=lambda s: order.get(s[0], len(order)))
    return sheets, problems


def _merge_repeats(sheets: list, repeat_rows: list[tuple[str, int, dict]]) -> list[ImportProblem]:
    """Put each repeat instance back into its submission's answers, in instance order."""
    problems = []
    by_id: dict[str, dict] = {}
    for name, _title_, _header, records in sheets:
        if name == SUBMISSION:
            for _line, rec in records:
                if rec.get("id"):
                    by_id[str(rec["id"]).strip().lower()] = rec
    gathered: dict[tuple[str, str], list[tuple[float, dict]]] = {}
    for title, line, rec in repeat_rows:
        sid = str(rec.get("submission_id") or "").strip().lower()
        if sid not in by_id:
            problems.append(ImportProblem(line, "submission_id", _("no form submission of this file has the id {value}").format(value=sid), title))
            continue
        instance = {k: _answer_value(v) for k, v in rec.items() if k not in REPEAT_COLUMNS and v is not None}
        try:
            position = float(rec.get("instance") or 0)
        except (TypeError, ValueError):
            position = 0.0
        gathered.setdefault((sid, str(rec.get("repeat"))), []).append((position, instance))
    for (sid, repeat), instances in gathered.items():
        rec = by_id[sid]
        answers = rec.get("answers")
        if isinstance(answers, str):
            try:
                answers = json.loads(answers) if answers.strip() else {}
            except json.JSONDecodeError:
                continue  # the answers cell itself is wrong: validation names it
        if not isinstance(answers, dict):
            answers = {}
        answers[repeat] = [inst for _pos, inst in sorted(instances, key=lambda p: p[0])]
        rec["answers"] = answers
    return problems


__all__ = ["REPEAT_COLUMNS", "entity_of_sheet", "read_xlsx", "write_xlsx", "BY_NAME"]
