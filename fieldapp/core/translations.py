"""A record in the reader's language: which text to show, which languages a record
exists in, which translations are incomplete or older than the original.

The schema marks fields `translatable`; each gets one ordinary copy per UN language
(`title_es`, `summary_ar`..., see `fieldspec.Entity`). Because a translation is a set
of ordinary fields, adding, editing and removing one is an ordinary field-level edit:
it syncs, merges and conflicts per language and field with no rule of its own. What
this module adds is reading: a translation is *stale* when the original field it
translates was written after it (hybrid logical clocks of the two fields, which travel
with every synced value, so every replica agrees).

Qt-free: lists, the editor, search hits and exports use the same answers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import Table, and_, or_
from sqlalchemy.sql.elements import ColumnElement

from fieldapp.core import rowmeta
from fieldapp.core.fieldspec import TRANSLATION_LANGUAGES, Entity, Field, translation_name
from fieldapp.core.hlc import Stamp
from fieldapp.i18n import _, language, normalize


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _stamp(hlc: str | None) -> Stamp | None:
    if not hlc:
        return None
    try:
        return Stamp.parse(hlc)
    except ValueError:
        return None


def reader_language(lang: str | None = None) -> str:
    """The language a person reads in: `lang`, else the interface's."""
    return normalize(lang or language()) or (lang or language())


def original_language(e: Entity, row: Mapping[str, Any]) -> str | None:
    """The language the record's own fields are written in (None when nobody said)."""
    return row.get(e.language_field) if e.translated else None


@dataclass(frozen=True)
class Reading:
    """What to show for one field: the text, the language it is in, and whether it is a
    translation; `fallback` means the reader's language had none, so the text is shown
    as written (marked as such)."""

    text: Any
    language: str | None
    translated: bool
    fallback: bool


def read(e: Entity, row: Mapping[str, Any], name: str, lang: str | None = None) -> Reading:
    """Field `name` of `row` in the reader's language when a translation exists, else
    in its original language."""
    want = reader_language(lang)
    written_in = original_language(e, row)
    text = row.get(name)
    f = e.field(name)
    if f.translatable and written_in != want and e.has(translation_name(name, want)):
        version = row.get(translation_name(name, want))
        if not _empty(version):
            return Reading(version, want, True, False)
    fallback = f.translatable and written_in is not None and written_in != want and not _empty(text)
    return Reading(text, written_in if f.translatable else None, False, fallback)


def title_of(e: Entity, row: Mapping[str, Any], lang: str | None = None) -> Reading:
    return read(e, row, e.title, lang)


def copies(e: Entity, lang: str) -> list[Field]:
    """The fields holding the record in language `lang`, in schema order."""
    return [e.translation(f.name, lang) for f in e.translatable_fields]


@dataclass(frozen=True)
class LanguageState:
    """How complete a record is in one language."""

    language: str
    original: bool  # the language the record is written in
    present: tuple[str, ...]  # translatable fields translated into it
    missing: tuple[str, ...]  # fields with original text but no translation yet
    stale: tuple[str, ...]  # translated fields whose original was written after them

    @property
    def exists(self) -> bool:
        return self.original or bool(self.present)

    @property
    def complete(self) -> bool:
        return self.original or (bool(self.present) and not self.missing)

    @property
    def is_stale(self) -> bool:
        return bool(self.stale)


def stale_fields(e: Entity, row: Mapping[str, Any], lang: str) -> tuple[str, ...]:
    """Translated fields of `lang` older than the original's last change of that field.
    A value without a clock (not yet written through the store) is never called stale."""
    clocks = rowmeta.expand(e, row.get("field_clocks"))
    out = []
    for f in e.translatable_fields:
        copy = translation_name(f.name, lang)
        if _empty(row.get(copy)):
            continue
        mine, original = _stamp(clocks.get(copy)), _stamp(clocks.get(f.name))
        if mine is not None and original is not None and original > mine:
            out.append(f.name)
    return tuple(out)


def state(e: Entity, row: Mapping[str, Any], lang: str) -> LanguageState:
    if lang == original_language(e, row):
        return LanguageState(lang, True, (), (), ())
    present, missing = [], []
    for f in e.translatable_fields:
        if not _empty(row.get(translation_name(f.name, lang))):
            present.append(f.name)
        elif not _empty(row.get(f.name)):
            missing.append(f.name)
    return LanguageState(lang, False, tuple(present), tuple(missing), stale_fields(e, row, lang))


def states(e: Entity, row: Mapping[str, Any]) -> list[LanguageState]:
    """The record in every language it can be read in: its original first (even when
    that is not a UN language), then the translation languages in their usual order."""
    written_in = original_language(e, row)
    order = ([written_in] if written_in else []) + [lang for lang in TRANSLATION_LANGUAGES if lang != written_in]
    return [state(e, row, lang) for lang in order]


def available(e: Entity, row: Mapping[str, Any], lang: str | None = None) -> bool:
    """Whether a reader of `lang` finds the record in their language (written in it,
    or translated into it, even in part)."""
    return state(e, row, reader_language(lang)).exists


STALE_MARK = "⚠"


def languages_text(e: Entity, row: Mapping[str, Any]) -> str:
    """At a glance, the languages a record exists in: the original first, upper case,
    then its complete translations upper case, partial ones lower case; a translation
    older than the original carries a mark ('FR · ES · en⚠')."""
    parts = []
    for st in states(e, row):
        if not st.exists:
            continue
        code = st.language.upper() if st.original or st.complete else st.language.lower()
        parts.append(code + (STALE_MARK if st.is_stale else ""))
    return " · ".join(parts)


def languages_tooltip(e: Entity, row: Mapping[str, Any], name_of) -> str:
    """The same in words, one line per language (`name_of(code)` names a language)."""
    lines = []
    for st in states(e, row):
        if not st.exists:
            continue
        name = name_of(st.language)
        if st.original:
            lines.append(_("{language}: original").format(language=name))
        elif st.is_stale:
            lines.append(_("{language}: older than the original's last change").format(language=name))
        elif st.complete:
            lines.append(_("{language}: complete translation").format(language=name))
        else:
            lines.append(_("{language}: partial translation").format(language=name))
    return "\n".join(lines)


def readable_clause(e: Entity, table: Table, lang: str) -> ColumnElement[bool]:
    """SQL for "available in my language": written in `lang`, or any of its
    translatable fields translated into it."""
    if lang not in TRANSLATION_LANGUAGES:
        return table.c[e.language_field] == lang
    return or_(table.c[e.language_field] == lang,
               *[and_(table.c[f.name].is_not(None), table.c[f.name] != "") for f in copies(e, lang)])


def removal(e: Entity, row: Mapping[str, Any], lang: str) -> dict[str, None]:
    """The edit that removes the record's `lang` version: its translated fields emptied."""
    return {f.name: None for f in copies(e, lang) if not _empty(row.get(f.name))}


def legacy_values(e: Entity, written_in: str | None, doc: Any) -> dict[str, str]:
    """Fields of the old single `translations` JSON ({lang: {field: text}}) as the
    per-language fields that replace it; unknown languages and fields, the record's own
    language and empty texts are left out (the migrations move what fits, nothing else)."""
    out: dict[str, str] = {}
    if not isinstance(doc, Mapping):
        return out
    for lang, version in doc.items():
        code = normalize(str(lang))
        if code is None or code == written_in or not isinstance(version, Mapping):
            continue
        for name, text in version.items():
            if e.has(str(name)) and e.field(str(name)).translatable and isinstance(text, str) and text.strip():
                out[translation_name(str(name), code)] = text
    return out


def field_label(f: Field, name_of=None) -> str:
    """A field's label for people: 'Title', or 'Title (Spanish)' for a translation."""
    if f.language is None:
        return _(f.label)
    if name_of is None:
        from fieldapp.core.formatting import language_name as name_of  # Babel names, lazily
    return _("{field} ({language})").format(field=_(f.label), language=name_of(f.language))

