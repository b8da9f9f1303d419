"""The content of a practice sheet: one or two printed pages per practice, in the spirit
of WOCAT/QCAT technology sheets (what it is, why it works, what it gave, its impacts on
the -3..+3 scale, where, what it costs, who adopted it, photos, links).

Qt-free: this builds the HTML and names the pictures it needs (the map inset and the
photos, `fieldapp-map:` and `fieldapp-photo:` sources); `fieldapp.ui.documents_pdf`
draws those and lays the page out into a PDF or onto a printer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldapp.core import attachments, formatting, translations
from fieldapp.core.document_html import (
    choice_text, esc, facts, heading, impact_scale, page, paragraphs, value_text,
)
from fieldapp.core.schema import PRACTICE
from fieldapp.i18n import _, language

MAP_SCHEME, PHOTO_SCHEME = "fieldapp-map", "fieldapp-photo"  # image names unique per practice, so a batch can hold many
MAX_PHOTOS = 4
IMPACTS = ("soc_impact", "soil_health_impact", "yield_impact", "adaptation_impact")


@dataclass
class Photo:
    source: str  # the name the HTML uses
    path: Path
    caption: str


@dataclass
class SheetContent:
    title: str
    html: str
    record_language: str
    practice_id: str = ""
    location: tuple[float, float] | None = None  # (latitude, longitude) for the map inset
    photos: list[Photo] = field(default_factory=list)


def map_source(practice_id: str) -> str:
    return f"{MAP_SCHEME}:{practice_id}"


def _photos(store: Any, practice_id: str) -> list[Photo]:
    out: list[Photo] = []
    for row in attachments.attachments(store, "practice", practice_id):
        if row.get("kind") != "photo" and not str(row.get("mime_type") or "").startswith("image/"):
            continue
        path = attachments.local_path(store, row)
        if path is not None and path.exists():
            out.append(Photo(f"{PHOTO_SCHEME}:{practice_id}/{len(out)}", path, row.get("caption") or row.get("file_name") or ""))
        if len(out) == MAX_PHOTOS:
            break
    return out


def build(store: Any, practice_id: str) -> SheetContent:
    """The sheet of one practice. Raises KeyError when there is no such practice."""
    row = store.get("practice", practice_id, include_deleted=False)
    if row is None:
        raise KeyError(practice_id)
    e, cat = PRACTICE, store.catalog
    lang = row.get("language") or "en"
    body: list[str] = []

    def text_section(title: str, name: str) -> None:
        # In the reader's language when the practice has it, else as written (core/translations.py).
        reading = translations.read(e, row, name)
        block = paragraphs(reading.text, reading.language or lang)
        if block:
            body.append(heading(title) + block)

    text_section(_("Summary"), "summary")
    text_section(_("Description"), "description")
    if row.get("conceptual_basis"):
        body.append(heading(_(e.field("conceptual_basis").label)) + f"<p>{esc(choice_text(row['conceptual_basis']))}</p>")
    text_section(_(e.field("results").label), "results")

    scales = "".join(impact_scale(_(e.field(n).label), row.get(n)) for n in IMPACTS)
    impacts = facts(e, row, ("soc_change", "degradation", "slm_measures", "land_use"), cat)
    if scales or impacts:
        legend = f'<p style="color:#555555; font-size:8pt">{esc(_("Impacts are scored from -3 (very negative) to +3 (very positive), as in WOCAT."))}</p>'
        scale_table = f'<table cellspacing="2" cellpadding="2">{scales}</table>' if scales else ""
        body.append(heading(_("Impacts")) + scale_table + (legend if scales else "") + impacts)

    location = None
    if row.get("latitude") is not None and row.get("longitude") is not None:
        location = (float(row["latitude"]), float(row["longitude"]))
    place = facts(e, row, ("country", "region", "location", "climate_zone", "soil_group", "area_ha"), cat)
    if location:
        coords = formatting.bidi_isolate(f"{formatting.format_decimal(location[0], decimals=4)}°, {formatting.format_decimal(location[1], decimals=4)}°")
        place += f'<p>{esc(_("Latitude, longitude"))}: {esc(coords)}</p>'
        place = (f'<table width="100%" cellspacing="0"><tr><td width="58%" valign="top">{place}</td>'
                 f'<td valign="top" align="center"><img src="{map_source(practice_id)}" width="230"/></td></tr></table>')
    if place:
        body.append(heading(_("Location")) + place)

    costs = []
    for name in ("establishment_cost", "maintenance_cost"):
        if row.get(name) is not None:
            amount = formatting.format_currency(row[name], row.get("currency")) if row.get("currency") else value_text(e.field(name), row[name], cat)
            costs.append(f'<tr><td width="60%" style="color:#555555">{esc(_(e.field(name).label))}</td><td>{esc(amount)}</td></tr>')
    adoption = facts(e, row, ("farmers", "adoption"), cat)
    halves = []
    if costs:
        halves.append(heading(_("Costs")) + '<table width="100%" cellpadding="3">' + "".join(costs) + "</table>")
    if adoption:
        halves.append(heading(_("Adoption")) + adoption)
    if halves:
        body.append('<table width="100%" cellspacing="0"><tr>' + "".join(f'<td width="50%" valign="top">{h}</td>' for h in halves) + "</tr></table>")

    photos = _photos(store, practice_id)
    if photos:
        cells = "".join(f'<td align="center" valign="top"><img src="{p.source}" width="150"/><br/>'
                        f'<span style="font-size:8pt">{esc(p.caption)}</span></td>' for p in photos)
        body.append(heading(_("Photos")) + f'<table cellspacing="6"><tr>{cells}</tr></table>')
    if row.get("links"):
        items = "".join(f'<li><a href="{esc(u)}">{esc(u)}</a></li>' for u in row["links"])
        body.append(heading(_(e.field("links").label)) + f"<ul>{items}</ul>")
    if row.get("organisation_id"):
        org = store.get("organisation", row["organisation_id"])
        if org:
            body.append(f'<p><b>{esc(_(e.field("organisation_id").label))}:</b> {esc(org["name"])}</p>')

    subtitle = " · ".join(t for t in (
        value_text(e.field("family"), row.get("family"), cat),
        value_text(e.field("country"), row.get("country"), cat),
        choice_text(row.get("review_status")),
    ) if t)
    footer = (f'<hr/><p style="color:#777777; font-size:7pt">{esc(_("4 per 1000 Initiative · practice sheet"))} · '
              f'{esc(formatting.format_date(str(row["updated_at"])[:10], language()))} · {esc(row["id"])}</p>')
    reading = translations.title_of(e, row)
    if reading.translated:
        subtitle += " · " + _("Translated from {language}").format(language=formatting.language_name(lang))
    elif reading.fallback and reading.language:
        subtitle += " · " + _("Shown as written, in {language}: there is no version in {reader} yet").format(
            language=formatting.language_name(reading.language),
            reader=formatting.language_name(translations.reader_language()))
    title = reading.text
    return SheetContent(title, page(title, subtitle, "".join(body) + footer), reading.language or lang, practice_id,
                        location, photos)
