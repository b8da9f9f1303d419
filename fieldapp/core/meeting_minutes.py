"""The content of a meeting's minutes, in the shape of the consortium meeting reports
the Initiative publishes: the meeting's particulars, who attended (with the counts by
gender and youth the Initiative reports), the agenda with its discussion points, the
decisions and their outcome, the action items with owner and due date, and the
practices captured. Qt-free: `fieldapp.ui.documents_pdf` lays it out.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from fieldapp.core import formatting
from fieldapp.core.document_html import choice_text, esc, facts, heading, page, paragraphs, table, value_text
from fieldapp.core.schema import ACTION_ITEM, MEETING
from fieldapp.i18n import _, language, ngettext


@dataclass
class Attendance:
    total: int
    women: int
    men: int
    youth: int

    def share(self, n: int) -> str:
        return formatting.format_percent(n / self.total if self.total else 0)


@dataclass
class MinutesContent:
    title: str
    html: str
    attendance: Attendance


def attendance(participants: list[dict]) -> Attendance:
    genders = Counter(p.get("gender") for p in participants)
    youth = sum(1 for p in participants if p.get("age_group") == "youth")
    return Attendance(len(participants), genders["female"], genders["male"], youth)


def build(store: Any, meeting_id: str) -> MinutesContent:
    """The minutes of one meeting. Raises KeyError when there is no such meeting."""
    row = store.get("meeting", meeting_id, include_deleted=False)
    if row is None:
        raise KeyError(meeting_id)
    cat = store.catalog
    lang = language()
    participants = formatting.sorted_by_text(store.children("meeting_participant", meeting_id), key=lambda p: p.get("name"))
    agenda = sorted(store.children("agenda_item", meeting_id), key=lambda a: (a.get("position") or 0))
    decisions = store.children("decision", meeting_id)
    actions = sorted(store.children("action_item", meeting_id), key=lambda a: (a.get("due_on") or "9999"))
    captured = store.children("meeting_practice", meeting_id)
    body: list[str] = [facts(MEETING, row, ("meeting_type", "starts_on", "ends_on", "place", "country", "organisers"), cat)]
    if row.get("summary"):
        body.append(heading(_("Summary")) + paragraphs(row["summary"], lang))

    counts = attendance(participants)
    body.append(heading(_("Participants")))
    body.append("<p>" + esc(ngettext("{n} participant", "{n} participants", counts.total).format(n=formatting.format_decimal(counts.total)))
                + " · " + esc(_("women: {n} ({share})").format(n=counts.women, share=counts.share(counts.women)))
                + " · " + esc(_("men: {n} ({share})").format(n=counts.men, share=counts.share(counts.men)))
                + " · " + esc(_("youth (under 35): {n} ({share})").format(n=counts.youth, share=counts.share(counts.youth))) + "</p>")
    if participants:
        body.append(table([_("Name"), _("Organisation"), _("Gender"), _("Age group")],
                          [[p.get("name") or "", p.get("organisation_name") or "", choice_text(p.get("gender")),
                            choice_text(p.get("age_group"))] for p in participants], [34, 36, 15, 15]))

    by_item: dict[str | None, list[dict]] = {}
    for d in decisions:
        by_item.setdefault(d.get("agenda_item_id"), []).append(d)
    if agenda:
        body.append(heading(_("Agenda and discussion")))
        for n, item in enumerate(agenda, start=1):
            body.append(f"<h3>{n}. {esc(item['title'])}</h3>" + paragraphs(item.get("discussion"), lang))
            for d in by_item.pop(item["id"], []):
                body.append(f'<p><b>{esc(_("Decision"))} ({esc(choice_text(d["outcome"]))}):</b> {esc(d["text"])}</p>')
    rest = [d for ds in by_item.values() for d in ds]
    if decisions:
        body.append(heading(_("Decisions")))
        body.append(table([_("Decision"), _("Outcome")], [[d["text"], choice_text(d["outcome"])] for d in
                                                       [*(d for d in decisions if d not in rest), *rest]], [80, 20]))
    if actions:
        body.append(heading(_("Action items")))
        due = ACTION_ITEM.field("due_on")
        rows = []
        for a in actions:
            name = a.get("owner_name") or ""
            if not name and a.get("owner_contact_id"):
                contact = store.get("contact", a["owner_contact_id"])
                name = contact["full_name"] if contact else ""
            rows.append([a["text"], name, value_text(due, a.get("due_on"), cat), choice_text(a.get("status"))])
        body.append(table([_("Action"), _("Owner"), _("Due date"), _("Status")], rows, [50, 20, 15, 15]))
    if captured:
        titles = [(store.get("practice", c["practice_id"]) or {}).get("title", "") for c in captured]
        body.append(heading(_("Practices captured")) + "<ul>" + "".join(f"<li>{esc(t)}</li>" for t in titles if t) + "</ul>")

    when = formatting.format_date(row["starts_on"], lang)
    subtitle = _("Minutes · {type} · {date}").format(type=choice_text(row.get("meeting_type")), date=when)
    return MinutesContent(row["title"], page(row["title"], subtitle, "".join(body)), counts)
