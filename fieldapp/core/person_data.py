"""A person's data on this computer: everything held about one contact, exported as JSON
and as a readable document, and the local half of "erase this person".

Held about a contact: the contact record itself (with its organisation's name), the
meetings they took part in (participant rows linked to them), the action items they
own, and what they authored (records whose `author` is their name or email, for a
contact who is also a colleague writing in the app).

Erasure is decided by an administrator on the service (sync/server/erasure.py), which
scrubs its rows, op log and conflicts and sends the scrubbed rows down the feed like any
change. Each client then scrubs what the feed cannot reach (`scrub_local`): pending and
set-aside operations and conflicts about the erased rows, the rows themselves (in case
they are out of the client's scope now), the search index rebuilt so no token stays in
an FTS5 segment, and the file vacuumed and checkpointed so freed pages keep no bytes.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from sqlalchemy import delete, select, update

from fieldapp.core import document_html as doc
from fieldapp.core.personal_fields import PERSONAL, scrubbed
from fieldapp.core.schema import BY_NAME, ENTITIES, entity
from fieldapp.core.store import Store
from fieldapp.core.tables import TABLES
from fieldapp.i18n import _

FORMAT_VERSION = 1  # of the JSON export
ERASED_META = "erasures_seen"  # the last service erasure this folder applied


@dataclass(frozen=True)
class PersonExport:
    """Everything about one contact, as plain data (JSON-ready)."""

    data: dict[str, Any]

    def json(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, indent=2, sort_keys=False)


def _public(e_name: str, row: dict) -> dict[str, Any]:
    """A row's values as a person reads them: its fields plus when it was made and changed."""
    e = entity(e_name)
    out = {"id": row["id"], "created_at": row["created_at"], "updated_at": row["updated_at"], "author": row["author"]}
    out |= {f.name: row[f.name] for f in e.fields if row.get(f.name) not in (None, "", [])}
    return out


def export_person(store: Store, contact_id: str) -> PersonExport:
    """The contact, their participations, the action items they own, what they authored."""
    contact = store.get("contact", contact_id)
    if contact is None:
        raise KeyError(_("No contact with this id on this computer."))
    org = store.get("organisation", contact["organisation_id"]) if contact["organisation_id"] else None
    participations = []
    for p in store.records("meeting_participant", {"contact_id": contact_id}):
        meeting = store.get("meeting", p["meeting_id"]) or {}
        participations.append(_public("meeting_participant", p) | {
            "meeting": {"id": meeting.get("id"), "title": meeting.get("title"), "starts_on": meeting.get("starts_on"),
                        "place": meeting.get("place"), "country": meeting.get("country")}})
    actions = [_public("action_item", a) for a in store.records("action_item", {"owner_contact_id": contact_id})]
    names = [n for n in (contact["full_name"], contact["email"]) if n]
    authored = []
    with store.engine.connect() as conn:
        for e in ENTITIES:
            t = TABLES[e.name]
            for row in conn.execute(select(t).where(t.c.author.in_(names), ~t.c.deleted)).mappings() if names else ():
                authored.append({"entity": e.name, "id": row["id"], "title": row.get(e.title) if e.title else None,
                                 "updated_at": row["updated_at"]})
    return PersonExport({
        "format": "fieldapp-person-export", "version": FORMAT_VERSION, "exported_at": store.time.iso(),
        "contact": _public("contact", contact) | ({"organisation": org["name"]} if org else {}),
        "participations": participations, "action_items": actions, "authored": authored,
    })


def export_html(export: PersonExport, catalog: Any) -> str:
    """The export as a readable document (the same HTML subset the practice sheets use)."""
    data = export.data
    contact = data["contact"]
    e = BY_NAME["contact"]
    body = doc.heading(_("Contact")) + doc.facts(e, contact, [f.name for f in e.fields if f.name != "organisation_id"],
                                                 catalog)
    if contact.get("organisation"):
        body += f"<p>{doc.esc(_('Organisation'))}: {doc.esc(doc.isolated(contact['organisation']))}</p>"
    body += doc.heading(_("Meetings taken part in"))
    rows = [(p["meeting"].get("title") or "", p["meeting"].get("starts_on") or "", p["meeting"].get("place") or "",
             doc.value_text(BY_NAME["meeting_participant"].field("gender"), p.get("gender"), catalog))
            for p in data["participations"]]
    body += doc.table([_("Meeting"), _("Start"), _("Place"), _("Gender")], rows, [40, 16, 28, 16]) if rows else \
        f"<p>{doc.esc(_('None'))}</p>"
    body += doc.heading(_("Action items owned"))
    actions = [(a.get("text") or "", a.get("due_on") or "", doc.choice_text(a.get("status"))) for a in data["action_items"]]
    body += doc.table([_("Action"), _("Due date"), _("Status")], actions, [60, 20, 20]) if actions else \
        f"<p>{doc.esc(_('None'))}</p>"
    body += doc.heading(_("Records written by this person"))
    authored = [(_(entity(a["entity"]).label), a.get("title") or a["id"], a["updated_at"]) for a in data["authored"]]
    body += doc.table([_("Kind"), _("Record"), _("Last changed")], authored, [25, 50, 25]) if authored else \
        f"<p>{doc.esc(_('None'))}</p>"
    subtitle = _("Everything this computer holds about this person, exported {when}").format(when=data["exported_at"])
    return doc.page(contact.get("full_name") or _("Contact"), subtitle, body)


# --------------------------------------------------------------------------- erasure
def erased_rows(store: Store, contact_id: str) -> dict[str, list[str]]:
    """The rows an erasure of `contact_id` touches here: {entity: [ids]}."""
    out = {"contact": [contact_id]}
    with store.engine.connect() as conn:
        for name, (link, _names) in PERSONAL.items():
            if link:
                t = TABLES[name]
                out[name] = [r[0] for r in conn.execute(select(t.c.id).where(t.c[link] == contact_id))]
    return out


def scrub_local(store: Store, rows: Mapping[str, Iterable[str]]) -> int:
    """Remove every local copy of the erased rows' personal values: the rows scrubbed (a
    contact emptied and tombstoned, participants and owners anonymised, counts kept),
    their pending or set-aside operations and their conflicts deleted, the search index
    rebuilt, the file vacuumed and checkpointed. Returns how many rows were scrubbed.
    Runs on the store's writer (store.submit), like any write."""
    rows = {name: list(ids) for name, ids in rows.items() if ids}
    every_id = [i for ids in rows.values() for i in ids]
    if not every_id:
        return 0
    outbox, conflict = TABLES["outbox"], TABLES["conflict"]
    with store.transaction() as tx:
        for name, ids in rows.items():
            t = TABLES[name]
            values = scrubbed(name) | ({"deleted": True} if name == "contact" else {})
            tx.conn.execute(update(t).where(t.c.id.in_(ids)).values(**values))
        tx.conn.execute(delete(outbox).where(outbox.c.row_id.in_(every_id)))
        tx.conn.execute(delete(conflict).where(conflict.c.row_id.in_(every_id)))
        for name, ids in rows.items():
            for row_id in ids:
                tx.touch(name, row_id)
    forget_freed_bytes(store)
    return len(every_id)


def forget_freed_bytes(store: Store) -> None:
    """No copy of deleted values stays in the files: the FTS5 index rebuilt from the rows
    (a 'delete' only marks tokens; old segments keep them until merged), then VACUUM
    (freed pages rewritten away) and a checkpoint that truncates the WAL."""
    from fieldapp.core import search

    with store.transaction() as tx:
        search.rebuild(tx.conn)
        tx.conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")  # one clean segment
    with store._lock, store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("VACUUM")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def applied_erasures(store: Store) -> int:
    return int(store.meta(ERASED_META) or 0)


def apply_erasures(store: Store, erasures: list[dict]) -> int:
    """Scrub the rows named by the service's erasure notices (sync/server/erasure.py),
    oldest first, and remember the last applied; returns how many rows were scrubbed."""
    done = 0
    rows: dict[str, list[str]] = {}
    last = applied_erasures(store)
    for notice in sorted(erasures, key=lambda n: n["seq"]):
        for item in notice["rows"]:
            if item["entity"] in PERSONAL:
                rows.setdefault(item["entity"], []).append(item["id"])
        last = max(last, int(notice["seq"]))
    if rows:
        done = scrub_local(store, rows)
    store.set_meta(ERASED_META, str(last))
    return done

