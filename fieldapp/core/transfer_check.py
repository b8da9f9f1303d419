"""Check a whole import before anything is written, then write it through the Store.

Why two steps: a correspondent fixing a spreadsheet should see every problem at once
(line, field, reason) instead of one per attempt, and the window shows that table before
the person decides. `check` only reads (it can run in a worker thread with a progress
bar); `apply` writes through `Store.bulk_insert` and `Store.update` with the outbox on,
so imported rows are user edits that sync, and the Store stays the only writer.

Problems with the columns themselves (unknown, duplicated, a required one missing
while the file adds records) stop the import even with `skip_invalid`: they mean the
file is not what the person thinks it is. Row problems stop it unless `skip_invalid`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from fieldapp.core.fieldspec import CHOICE, MULTI, REF, Entity, validate
from fieldapp.core.transfer_codes import CodeMapper, column_map, fold
from fieldapp.core.transfer_problems import ImportProblem, ImportResult
from fieldapp.i18n import _

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
WRITE_CHUNK = 500
Progress = Callable[[int, int], None] | None  # (done, total)


@dataclass
class Plan:
    """What an import would do to one entity, and everything wrong with it."""

    entity: Entity
    sheet: str = ""
    problems: list[ImportProblem] = field(default_factory=list)
    fatal: bool = False  # column problems: nothing may be written, whatever the options
    bad_lines: set[int] = field(default_factory=set)
    inserts: list[tuple[int, dict]] = field(default_factory=list)
    updates: list[tuple[int, str, dict]] = field(default_factory=list)
    existing: dict[str, dict] = field(default_factory=dict)
    records: int = 0

    @property
    def new_ids(self) -> set[str]:
        return {v["id"] for line, v in self.inserts if v.get("id") and line not in self.bad_lines}

    def writable(self, skip_invalid: bool) -> bool:
        return not self.fatal and (skip_invalid or not self.bad_lines)


def check(store: Any, e: Entity, header: Sequence[str], records: Sequence[tuple[int, Mapping[str, Any]]], *,
          mapping: Mapping[str, str | None] | None = None, header_line: int | None = 1,
          widths: Mapping[int, int] | None = None, known_new: Mapping[str, set[str]] | None = None,
          sheet: str = "", progress: Progress = None) -> Plan:
    """Check every record; `mapping` ({header: field or None}) overrides the columns the
    names match (None leaves a column out); `known_new` names rows of other entities the
    same file adds (a contact may point to an organisation of the workbook's first sheet)."""
    plan = Plan(e, sheet=sheet, records=len(records))
    colmap = column_map(e)
    mapped: dict[str, str] = {}
    given = dict(mapping or {})

    def problem(line: int, name: str, message: str) -> ImportProblem:
        return ImportProblem(line, name, message, sheet)

    def where(name: str) -> int:
        """The header's line, or for JSON the first record that has this key."""
        if header_line is not None:
            return header_line
        return next((line for line, rec in records if name in rec), records[0][0] if records else 1)

    for name in header:
        if name in given:
            target = given[name]
            if target is None:
                continue
            if target != "id" and not e.has(target):
                plan.problems.append(problem(where(name), name, _("unknown column: {entity} has no field {field}").format(entity=e.name, field=target)))
                continue
        else:
            target = colmap.get(fold(name)) if name else None
        if target is None:
            if name or any(str(rec.get(name) or "").strip() for _l, rec in records):
                plan.problems.append(problem(where(name), name, _("unknown column: {entity} has no field {field}").format(entity=e.name, field=name)))
        elif target in mapped.values():
            plan.problems.append(problem(where(name), name, _("column {field} appears twice").format(field=target)))
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
            row_problems.setdefault(line, []).append(problem(line, "id", _("id must be a UUID, or empty for a new record")))
        elif rid in seen:
            row_problems.setdefault(line, []).append(problem(line, "id", _("the same id is already on line {line}").format(line=seen[rid])))
        elif rid:
            seen[rid] = line
            raw_ids[line] = rid
    existing = {r["id"]: r for r in store.rows(e.name, list(raw_ids.values()))} if raw_ids else {}
    plan.existing = existing
    adds_rows = any(raw_ids.get(line) not in existing for line, _rec in records)
    if adds_rows:
        present = set(mapped.values())
        for f in e.fields:
            if f.required and f.default is None and f.name not in present:
                plan.problems.append(problem(header_line or (records[0][0] if records else 1), f.name,
                                             _("required column {field} is missing").format(field=f.name)))
    if plan.problems:
        plan.fatal = True
        return plan

    checked: list[tuple[int, dict]] = []  # every row's valid values, for the reference check
    total = len(records)
    for i, (line, rec) in enumerate(records):
        problems = row_problems.setdefault(line, [])
        if widths is not None and widths.get(line, 0) > len(header):
            problems.append(problem(line, "", _("this row has more cells ({n}) than the header has columns ({m})").format(n=widths[line], m=len(header))))
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
        rid = raw_ids.get(line, "")
        is_update = rid in existing
        if not is_update:
            values = {k: v for k, v in values.items() if not _blank(v)}  # empty cells take the default
        clean, errors = validate(e, values, partial=is_update, has_code=store.catalog.has)
        problems.extend(problem(line, err.field, err.message) for err in errors)
        checked.append((line, clean))
        if not errors:
            if is_update:
                plan.updates.append((line, rid, clean))
            else:
                plan.inserts.append((line, {"id": rid, **clean} if rid else clean))
        if progress is not None and (i % 200 == 0 or i == total - 1):
            progress(i + 1, total)
    own_new = {v["id"] for _l, v in plan.inserts if v.get("id")}
    _check_references(store, e, checked, own_new, dict(known_new or {}), row_problems, sheet)
    plan.bad_lines = {line for line, probs in row_problems.items() if probs}
    plan.problems = [p for _line, probs in sorted(row_problems.items()) for p in probs]
    return plan


def apply(store: Any, plan: Plan, *, skip_invalid: bool = False, progress: Progress = None) -> ImportResult:
    """Write what `plan` found good, through the Store; nothing when it may not write."""
    result = ImportResult(problems=list(plan.problems))
    if not plan.writable(skip_invalid):
        return result
    result.skipped = len(plan.bad_lines)
    good = [values for line, values in plan.inserts if line not in plan.bad_lines]
    updates = [(rid, clean) for line, rid, clean in plan.updates if line not in plan.bad_lines]
    total, done = len(good) + len(updates), 0
    for start in range(0, len(good), WRITE_CHUNK):
        result.inserted += store.bulk_insert(plan.entity.name, good[start:start + WRITE_CHUNK], outbox=True, validated=True)
        done += len(good[start:start + WRITE_CHUNK])
        if progress is not None:
            progress(done, total)
    for rid, clean in updates:
        current = plan.existing[rid]
        if all(current.get(k) == v for k, v in clean.items()):
            result.unchanged += 1  # nothing to write, nothing to sync
        else:
            store.update(plan.entity.name, rid, clean)
            result.updated += 1
        done += 1
        if progress is not None and (done % 100 == 0 or done == total):
            progress(done, total)
    return result


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _check_references(store: Any, e: Entity, lines: Sequence[tuple[int, dict]], own_new: set[str],
                      known_new: Mapping[str, set[str]], row_problems: dict[int, list[ImportProblem]], sheet: str) -> None:
    """A reference must name a record that exists, or one this same file adds (a
    self-reference, or a row of an earlier sheet). Checked before writing: the store's
    bulk path trusts its caller."""
    for f in (f for f in e.fields if f.kind == REF):
        wanted = {values[f.name] for _line, values in lines if values.get(f.name)}
        if not wanted:
            continue
        found = {r["id"] for r in store.rows(f.ref or "", sorted(wanted))} | set(known_new.get(f.ref or "", ()))
        if f.ref == e.name:
            found |= own_new
        for line, values in lines:
            value = values.get(f.name)
            if value and value not in found:
                row_problems.setdefault(line, []).append(ImportProblem(
                    line, f.name, _("{label}: no {target} has the id {value}").format(label=_(f.label), target=f.ref, value=value), sheet))
