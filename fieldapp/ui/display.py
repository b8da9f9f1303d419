"""How a stored value reads in a list cell or a picker, in the user's language:
reference codes by their label, fixed codes by their translated wording, numbers and
dates formatted with Babel for the current locale."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.numbers import format_decimal

from fieldapp.core import fieldspec as fs
from fieldapp.core import formatting
from fieldapp.core.fieldspec import Field
from fieldapp.core.reference import Catalog
from fieldapp.i18n import N_, _, language

LIST_HIDDEN_KINDS = (fs.LONGTEXT, fs.JSON)  # too long for a cell: shown in the editor only


@lru_cache(maxsize=8)
def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def choice_label(code: str | None) -> str:
    """The wording of a fixed code ('under_review' -> 'Under review'), through gettext so
    that translators can word it."""
    if code is None:
        return ""
    if code in WORDINGS:
        return _(WORDINGS[code])
    return _(code.replace("_", " ").capitalize())


# Codes that capitalising would spell wrong ("stc_meeting" -> "Stc meeting").
WORDINGS = {"stc_meeting": N_("STC meeting")}


def code_label(f: Field, code: str | None, catalog: Catalog, lang: str | None = None) -> str:
    if code is None:
        return ""
    if f.ref_list:
        return catalog.label(f.ref_list, code, lang or language())
    return choice_label(code)


def number_text(value: float | int, lang: str | None = None) -> str:
    return format_decimal(value, locale=_locale(lang or language()), decimal_quantization=False)


def date_text(value: str, lang: str | None = None) -> str:
    """A stored date as people read it; isolated so that, set inside text of the other
    direction (an Arabic date in a Latin meeting title), it is not scrambled."""
    return formatting.format_date(value, lang or language(), isolate=True)


def score_text(value: int) -> str:
    return f"{value:+d}" if value else "0"


def value_text(f: Field, value: Any, catalog: Catalog, *, ref_title: str | None = None, lang: str | None = None) -> str:
    """One line of text for `value` of field `f` (empty for no value)."""
    if value is None or value == [] or value == "":
        return ""
    k = f.kind
    if k == fs.CHOICE:
        return code_label(f, value, catalog, lang)
    if k == fs.MULTI:
        return ", ".join(code_label(f, c, catalog, lang) for c in value)
    if k == fs.URLS:
        return ", ".join(value)
    if k == fs.REF:
        return ref_title if ref_title is not None else "…"
    if k == fs.SCORE:
        return score_text(int(value))
    if k in (fs.INT, fs.DECIMAL):
        text = number_text(value, lang)
        return f"{text} {f.unit}" if f.unit and f.unit not in ("bytes",) else text
    if k == fs.DATE:
        return date_text(value, lang)
    if k == fs.BOOL:
        return _("Yes") if value else _("No")
    if k == fs.LONGTEXT:
        return " ".join(str(value).split())[:200]
    if k == fs.JSON:
        return _("(structured data)")
    return str(value)


def list_fields(e: fs.Entity) -> list[Field]:
    """The fields a list shows as columns: every field short enough for a cell, in
    schema order (never a hand-written list)."""
    return [f for f in e.fields if f.kind not in LIST_HIDDEN_KINDS]


def record_title(e: fs.Entity, row: dict | None) -> str:
    if not row:
        return ""
    title = row.get(e.title)
    if isinstance(title, str) and title.strip():
        return " ".join(title.split())[:120]
    return _("(untitled)")


def moment_text(iso: str, lang: str | None = None) -> str:
    """An ISO 8601 UTC stamp as people read it: local time, the locale's short form."""
    from babel.dates import format_datetime

    try:
        moment = dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return iso
    try:
        return format_datetime(moment, format="short", locale=_locale(lang or language()))
    except Exception:  # noqa: BLE001 - an unknown locale shows the stamp as stored
        return moment.isoformat(timespec="minutes")
