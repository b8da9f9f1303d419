"""Meeting minutes as a Word document (python-docx), for partners who edit minutes
before circulating them. Same content as the PDF (fieldapp.core.meeting_minutes.read);
right-to-left paragraphs are marked so for Arabic."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from fieldapp.core.meeting_minutes import Minutes, read
from fieldapp.i18n import _, is_right_to_left, language


def _rtl(paragraph: Any) -> None:
    from docx.oxml import OxmlElement

    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(OxmlElement("w:bidi"))


def _table(doc: Any, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    for cell, text in zip(t.rows[0].cells, header):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        for cell, text in zip(t.add_row().cells, row):
            cell.text = text


def write_docx(m: Minutes, path: Path | str) -> None:
    from docx import Document

    doc = Document()
    doc.core_properties.title = m.title
    rtl = is_right_to_left(language())
    doc.add_heading(m.title, level=0)
    doc.add_paragraph(m.subtitle)
    for label, text in m.particulars:
        p = doc.add_paragraph()
        p.add_run(f"{label}: ").bold = True
        p.add_run(text)
    if m.summary:
        doc.add_heading(_("Summary"), level=1)
        for part in m.summary.split("\n\n"):
            doc.add_paragraph(part.strip())
    doc.add_heading(_("Participants"), level=1)
    doc.add_paragraph(m.attendance.sentence())
    if m.participants:
        _table(doc, m.headers["participants"], m.participants)
    if m.agenda:
        doc.add_heading(_("Agenda and discussion"), level=1)
        for point in m.agenda:
            doc.add_heading(f"{point.number}. {point.title}", level=2)
            for part in (point.discussion or "").split("\n\n"):
                if part.strip():
                    doc.add_paragraph(part.strip())
            for text, outcome in point.decisions:
                p = doc.add_paragraph()
                p.add_run(f"{_('Decision')} ({outcome}): ").bold = True
                p.add_run(text)
    if m.decisions:
        doc.add_heading(_("Decisions"), level=1)
        _table(doc, m.headers["decisions"], [list(d) for d in m.decisions])
    if m.actions:
        doc.add_heading(_("Action items"), level=1)
        _table(doc, m.headers["actions"], m.actions)
    if m.practices:
        doc.add_heading(_("Practices captured"), level=1)
        for title in m.practices:
            doc.add_paragraph(title, style="List Bullet")
    if rtl:
        for p in doc.paragraphs:
            _rtl(p)
        for t in doc.tables:
            for row in t.rows:
                for cell in row.cells:
                    for p in cell.paragraphs:
                        _rtl(p)
    doc.save(str(path))


def minutes_docx(store: Any, meeting_id: str, path: Path | str) -> Minutes:
    m = read(store, meeting_id)
    write_docx(m, path)
    return m
