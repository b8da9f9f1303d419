"""The pieces printed documents are made of, as the HTML subset Qt's text engine reads.

Practice sheets and meeting minutes are built here without Qt (so tests read their
content without a window) and laid out by `fieldapp.ui.documents_pdf` with
QTextDocument into a PDF or onto a printer. Labels come from the interface's catalogs
(`_()`), record text stays in the record's language, and every block carries its own
`dir` so an Arabic summary inside an English sheet (or the reverse) reads correctly.
"""
from __future__ import annotations

import html
import unicodedata
from typing import Any, Iterable, Sequence

from fieldapp.core import fieldspec as fs
from fieldapp.core import formatting
from fieldapp.core.fieldspec import Entity, Field
from fieldapp.i18n import _, is_right_to_left, language

POSITIVE, NEGATIVE, EMPTY = "#2e7d32", "#c62828", "#eeeeee"
ACCENT = "#1b5e20"


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text))


def direction(lang: str | None) -> str:
    return "rtl" if is_right_to_left(lang) else "ltr"


def text_direction(text: str, fallback: str = "ltr") -> str:
    """The direction a paragraph reads in, from its first strong letter (the Unicode
    bidi rule P2): an English summary stays left-to-right inside an Arabic sheet."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return fallback


def paragraphs(text: str | None, lang: str | None) -> str:
    """Record text as paragraphs, line breaks kept, each in the direction its own words
    read (the record's language when they do not say)."""
    if not text or not str(text).strip():
        return ""
    parts = [p.strip() for p in str(text).replace("\r\n", "\n").split("\n\n") if p.strip()]
    out = []
    for p in parts:
        d = text_direction(p, direction(lang))
        out.append(f'<p dir="{d}" align="{"right" if d == "rtl" else "left"}">{esc(p).replace(chr(10), "<br/>")}</p>')
    return "".join(out)


def isolated(text: str) -> str:
    """A value kept whole inside text of the other direction ('0.3 t C/ha/yr' in an
    Arabic sheet would otherwise read 't C/ha/yr 0.3')."""
    return f"{formatting.FSI}{text}{formatting.PDI}" if text else text


def heading(text: str, level: int = 2) -> str:
    return f'<h{level} style="color:{ACCENT}">{esc(text)}</h{level}>'


def choice_text(code: str | None) -> str:
    """A fixed code's wording, through the same msgids the window uses ('under_review'
    -> 'Under review')."""
    return "" if code is None else _(code.replace("_", " ").capitalize())


def value_text(f: Field, value: Any, catalog: Any, lang: str | None = None) -> str:
    """A stored value as a reader of `lang` (the interface language) expects it."""
    lang = lang or language()
    if value is None or value == [] or value == "":
        return ""
    if f.kind == fs.CHOICE:
        return catalog.label(f.ref_list, value, lang) if f.ref_list else choice_text(value)
    if f.kind == fs.MULTI:
        return formatting.format_list([catalog.label(f.ref_list, c, lang) if f.ref_list else choice_text(c) for c in value], lang)
    if f.kind in (fs.INT, fs.DECIMAL):
        text = formatting.format_decimal(value, lang)
        return f"{text} {f.unit}" if f.unit and f.unit != "bytes" else text
    if f.kind == fs.DATE:
        return formatting.format_date(value, lang, isolate=True)
    if f.kind == fs.SCORE:
        return f"{int(value):+d}" if value else "0"
    if f.kind == fs.URLS:
        return ", ".join(value)
    if f.kind == fs.BOOL:
        return _("Yes") if value else _("No")
    return str(value)


def facts(e: Entity, row: dict, names: Sequence[str], catalog: Any) -> str:
    """A two-column table of label and value for the fields in `names` that have one."""
    cells = []
    for name in names:
        f = e.field(name)
        text = value_text(f, row.get(name), catalog)
        if text:
            cells.append(f'<tr><td width="38%" style="color:#555555">{esc(_(f.label))}</td><td>{esc(isolated(text))}</td></tr>')
    if not cells:
        return ""
    return '<table width="100%" cellspacing="0" cellpadding="3">' + "".join(cells) + "</table>"


def table(header: Sequence[str], rows: Iterable[Sequence[str]], widths: Sequence[int] | None = None) -> str:
    """A ruled table; cells are escaped text."""
    head = "".join(f'<th align="start" bgcolor="#e8f5e9"{f" width={w}%" if widths else ""}>{esc(h)}</th>'
                   for h, w in zip(header, widths or [0] * len(header)))
    body = "".join("<tr>" + "".join(f"<td>{esc(isolated(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table width="100%" border="1" cellspacing="0" cellpadding="4" style="border-collapse:collapse; border-color:#bbbbbb">' \
           f"<tr>{head}</tr>{body}</table>"


def impact_scale(label: str, score: int | None) -> str:
    """One impact on WOCAT's -3..+3 scale: seven boxes, filled from the middle to the
    score (green for gains, red for losses), the number beside them."""
    if score is None:
        return ""
    boxes = []
    for step in range(-3, 4):
        filled = (score > 0 and 0 < step <= score) or (score < 0 and score <= step < 0) or (step == 0)
        colour = (POSITIVE if step > 0 else NEGATIVE if step < 0 else "#9e9e9e") if filled else EMPTY
        boxes.append(f'<td width="22" bgcolor="{colour}" align="center" style="color:#ffffff; font-size:7pt">{step:+d}</td>'
                     if step else f'<td width="22" bgcolor="{colour}" align="center" style="font-size:7pt">0</td>')
    value = f"{score:+d}" if score else "0"
    return (f'<tr><td width="44%">{esc(label)}</td>' + "".join(boxes) + f'<td align="center"><b>{value}</b></td></tr>')


def page(title: str, subtitle: str, body: str, lang: str | None = None) -> str:
    """The whole document: the interface language sets the page's direction."""
    d = direction(lang or language())
    return (f'<html dir="{d}"><head><meta charset="utf-8"/></head><body dir="{d}">'
            f'<h1 style="color:{ACCENT}">{esc(isolated(title))}</h1>'
            f'<p style="color:#555555">{esc(subtitle)}</p>{body}</body></html>')
