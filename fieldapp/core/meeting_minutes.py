"""The content of a meeting's minutes, in the shape of the consortium meeting reports
the Initiative publishes: the meeting's particulars, who attended (with the counts by
gender and youth the Initiative reports), the agenda with its discussion points, the
decisions and their outcome, the action items with owner and due date, and the
practices captured.

Qt-free. `read` gathers it once as plain data (`Minutes`); `to_html` gives the page that
`fieldapp.ui.documents_pdf` lays out into a PDF, and `fieldapp.core.minutes_docx` writes
the same minutes as a Word document, so both say exactly the same thing.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fieldapp.core import formatting
from fieldapp.core.document_html import choice_text, esc, heading, isolated, page, paragraphs, table, value_text
from fieldapp.core.schema import ACTION_ITEM, MEETING
from fieldapp.i18n import _, language, ngettext

PARTICULARS = ("meeting_type", "starts_on", "ends_on", "place", "country", "organisers")


@dataclass
class Attendance:
    total: int
    women: int
    men: int
    youth: int

    def share(self, n: int) -> str:
        return formatting.format_percent(n / self.total if self.total else 0)

    def sentence(self) -> str:
        """'28 participants · women: 9 (32 %) · men: 19 (68 %) · youth (under 35): 11 (39 %)'"""
        return " · ".join((
            ngettext("{n} participant", "{n} participants", self.total).format(n=formatting.format_decimal(self.total)),
            _("women: {n} ({share})").format(n=self.women, share=self.share(self.women)),
            _("men: {n} ({share})").format(n=self.men, share=self.share(self.men)),
            _("youth (under 35): {n} ({share})").format(n=self.youth, share=self.share(self.youth)),
        ))


@dataclass
class AgendaPoint:
    number: int
    title: str
    discussion: str
    decisions: list[tuple[str, str]]  # (text, outcome wording)


@dataclass
class Minutes:
    """Everything the minutes say, as text in the reader's language (labels) and the
    record's own words (titles, discussion)."""

    title: str
    subtitle: str
    particulars: list[tuple[str, str]]
    summary: str
    attendance: Attendance
    participants: list[list[str]]  # name, organisation, gender, age group
    agenda: list[AgendaPoint]
    decisions: list[tuple[str, str]]  # every decision: (text, outcome wording)
    actions: list[list[str]]  # action, owner, due date, status
    practices: list[str]
    headers: dict[str, list[str]] = field(default_factory=dict)


def attendance(participants: list[dict]) -> Attendance:
    genders = Counter(p.get("gender") for p in participants)
    youth = sum(1 for p in participants if p.get("age_group") == "youth")
    return Attendance(len(participants), genders["female"], genders["male"], youth)


def read(store: Any, meeting_id: str) -> Minutes:
    """The minutes of one meeting. Raises KeyError when there is no such meeting."""
    row = store.get("meeting", meeting_id, include_deleted=False)
    if row is None:
        raise KeyError(meeting_id)
    cat = store.catalog
    participants = formatting.sorted_by_text(store.children("meeting_participant", meeting_id), key=lambda p: p.get("name"))
    items = sorted(store.children("agenda_item", meeting_id), key=lambda a: (a.get("position") or 0))
    decisions = store.children("decision", meeting_id)
    actions = sorted(store.children("action_item", meeting_id), key=lambda a: (a.get("due_on") or "9999"))
    captured = store.children("meeting_practice", meeting_id)

    by_item: dict[str | None, list[dict]] = {}
    for d in decisions:
        by_item.setdefault(d.get("agenda_item_id"), []).append(d)
    agenda = [AgendaPoint(n, item["title"], item.get("discussion") or "",
                          [(d["text"], choice_text(d["outcome"])) for d in by_item.get(item["id"], [])])
              for n, item in enumerate(items, start=1)]
    due = ACTION_ITEM.field("due_on")
    action_rows = []
    for a in actions:
        owner = a.get("owner_name") or ""
        if not owner and a.get("owner_contact_id"):
            contact = store.get("contact", a["owner_contact_id"])
            owner = contact["full_name"] if contact else ""
        action_rows.append([a["text"], owner, value_text(due, a.get("due_on"), cat), choice_text(a.get("status"))])
    particulars = [(_(MEETING.field(n).label), value_text(MEETING.field(n), row.get(n), cat)) for n in PARTICULARS]
    return Minutes(
        title=row["title"],
        subtitle=_("Minutes · {type} · {date}").format(type=choice_text(row.get("meeting_type")),
                                                       date=formatting.format_date(row["starts_on"], language())),
        particulars=[(label, text) for label, text in particulars if text],
        summary=row.get("summary") or "",
        attendance=attendance(participants),
        participants=[[p.get("name") or "", p.get("organisation_name") or "", choice_text(p.get("gender")),
                       choice_text(p.get("age_group"))] for p in participants],
        agenda=agenda,
        decisions=[(d["text"], choice_text(d["outcome"])) for d in decisions],
        actions=action_rows,
        practices=[t for t in ((store.get("practice", c["practice_id"]) or {}).get("title", "") for c in captured) if t],
        headers={
            "participants": [_("Name"), _("Organisation"), _("Gender"), _("Age group")],
            "decisions": [_("Decision"), _("Outcome")],
            "actions": [_("Action"), _("Owner"), _("Due date"), _("Status")],
        },
    )


def to_html(m: Minutes) -> str:
    lang = language()
    body: list[str] = ['<table width="100%" cellspacing="0" cellpadding="3">' + "".join(
        f'<tr><td width="38%" style="color:#555555">{esc(label)}</td><td>{esc(isolated(text))}</td></tr>'
        for label, text in m.particulars) + "</table>"]
    if m.summary:
        body.append(heading(_("Summary")) + paragraphs(m.summary, lang))
    body.append(heading(_("Participants")) + f"<p>{esc(m.attendance.sentence())}</p>")
    if m.participants:
        body.append(table(m.headers["participants"], m.participants, [34, 36, 15, 15]))
    if m.agenda:
        body.append(heading(_("Agenda and discussion")))
        for point in m.agenda:
            body.append(f"<h3>{point.number}. {esc(isolated(point.title))}</h3>" + paragraphs(point.discussion, lang))
            for text, outcome in point.decisions:
                body.append(f'<p><b>{esc(_("Decision"))} ({esc(outcome)}):</b> {esc(isolated(text))}</p>')
    if m.decisions:
        body.append(heading(_("Decisions")) + table(m.headers["decisions"], [list(d) for d in m.decisions], [80, 20]))
    if m.actions:
        body.append(heading(_("Action items")) + table(m.headers["actions"], m.actions, [50, 20, 15, 15]))
    if m.practices:
        body.append(heading(_("Practices captured")) + "<ul>" + "".join(f"<li>{esc(t)}</li>" for t in m.practices) + "</ul>")
    return page(m.title, m.subtitle, "".join(body))


@dataclass
class MinutesContent:
    title: str
    html: str
    attendance: Attendance


def build(store: Any, meeting_id: str) -> MinutesContent:
    m = read(store, meeting_id)
    return MinutesContent(m.title, to_html(m), m.attendance)
