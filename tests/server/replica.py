"""A minimal client replica for the property test: local rows with field versions, an
outbox of field-level ops, and the reply handling sync/protocol.py prescribes (adopt
`versions` and `values` from results, apply `changes`, drop `removed` rows, move the cursor).
It also remembers what its user typed and which values it knowingly overwrote."""
from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

from tests.server.conftest import Device


@dataclass
class LocalRow:
    fields: dict[str, Any]
    versions: dict[str, int] = field(default_factory=dict)
    deleted: bool = False


class Replica:
    _values = itertools.count(1)

    def __init__(self, dev: Device):
        self.dev = dev
        self.rows: dict[tuple[str, str], LocalRow] = {}
        self.outbox: list[dict] = []
        self.typed: list[tuple[str, str, str, Any]] = []
        self.overwritten: set[tuple[str, str, str, Any]] = set()
        self.conflicts: dict[str, dict] = {}

    def create(self, entity: str, fields: dict[str, Any]) -> str:
        rid = str(uuid.uuid4())
        self.rows[(entity, rid)] = LocalRow(dict(fields))
        self.outbox.append(self.dev.op(entity, rid, fields=dict(fields), base={k: 0 for k in fields}))
        return rid

    def edit(self, entity: str, rid: str, name: str, text_value: bool = True) -> None:
        row = self.rows.get((entity, rid))
        if row is None or row.deleted:
            return
        n = next(self._values)
        value: Any = f"{self.dev.id}-{n}" if text_value else n
        old = row.fields.get(name)
        if old is not None:
            self.overwritten.add((entity, rid, name, old))
        row.fields[name] = value
        self.typed.append((entity, rid, name, value))
        self.outbox.append(self.dev.op(entity, rid, fields={name: value}, base={name: row.versions.get(name, 0)}))

    def delete(self, entity: str, rid: str) -> None:
        row = self.rows.get((entity, rid))
        if row is None or row.deleted:
            return
        row.deleted = True
        self.outbox.append(self.dev.op(entity, rid, kind="delete", base={"_row": row.versions.get("_row", 0)}))

    def resolve(self) -> None:
        """Settle the first open conflict this replica knows of with its own value."""
        for c in self.conflicts.values():
            row = self.rows.get((c["entity"], c["row_id"]))
            if c["status"] != "open" or row is None:
                continue
            value = row.deleted if c["field"] == "_deleted" else row.fields.get(c["field"])
            if value is None:
                continue
            c["status"] = "resolved"
            self.outbox.append(self.dev.op(c["entity"], c["row_id"], kind="resolve", fields={c["field"]: value},
                                           base={c["field"]: row.versions.get(c["field"], 0)}))
            return

    def sync(self) -> dict:
        sent, self.outbox = self.outbox, []
        reply = self.dev.sync(*sent)
        for op, res in zip(sent, reply["results"]):
            # a resolution another replica overtook (settled first, or changed the value
            # since) is refused; its answer carries the server's value to fall back to
            stale_resolution = op["kind"] == "resolve" and res["status"] == "rejected" and \
                res["reason"].split(":")[0] in ("no_conflict", "stale")
            assert res["status"] in ("applied", "conflict") or stale_resolution, res
            row = self.rows.get((op["entity"], op["row_id"]))
            if row is None:
                continue
            row.versions.update(res["versions"])
            for name, value in res["values"].items():
                if name == "_deleted":
                    row.deleted = bool(value)
                else:
                    row.fields[name] = value
        for ch in reply["changes"]:
            key = (ch["entity"], ch["id"])
            if ch["op"] == "removed":
                self.rows.pop(key, None)
                continue
            row = self.rows.setdefault(key, LocalRow({}))
            row.fields.update(ch["fields"])
            row.versions.update(ch["versions"])
            row.deleted = ch["deleted"]
        for c in reply["conflicts"]:
            if self.conflicts.get(c["id"], {}).get("status") != "resolved" or c["status"] == "resolved":
                self.conflicts[c["id"]] = c
        return reply
