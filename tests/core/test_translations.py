"""Records in the reader's language: the schema's translatable marks, reading with a
fallback, completeness and staleness, the "available in my language" filter, search."""
from __future__ import annotations

import pytest

from fieldapp.core import translations as tr
from fieldapp.core.fieldspec import TRANSLATION_LANGUAGES
from fieldapp.core.schema import BY_NAME, PRACTICE
from fieldapp.i18n import LANGUAGES


def _practice(store, **kw) -> str:
    return store.insert("practice", {"title": "Paillage des résidus", "family": "organic_amendments", "country": "SN",
                                     "language": "fr", "summary": "Couvrir le sol avec les pailles"} | kw)


def test_schema_marks_translatable_fields_and_grows_one_copy_per_un_language():
    assert TRANSLATION_LANGUAGES == LANGUAGES
    assert [f.name for f in PRACTICE.translatable_fields] == ["title", "summary", "description", "results"]
    for name in ("practice", "project", "meeting"):
        e = BY_NAME[name]
        assert e.translated and e.has("language") and e.field("title").translatable
        for f in e.translatable_fields:
            for lang in LANGUAGES:
                copy = e.translation(f.name, lang)
                assert (copy.translation_of, copy.language, copy.kind, copy.search) == (f.name, lang, f.kind, f.search)
                assert not copy.required and copy.limit == f.limit
        assert all(f.translation_of is None for f in e.own_fields)
    assert not BY_NAME["organisation"].translated and not PRACTICE.has("translations")


def test_reading_prefers_the_reader_language_else_the_original_marked():
    row = {"title": "Paillage", "language": "fr", "title_en": "Mulching", "summary_es": "Cubierta"}
    assert tr.read(PRACTICE, row, "title", "en") == tr.Reading("Mulching", "en", True, False)
    assert tr.read(PRACTICE, row, "title", "fr") == tr.Reading("Paillage", "fr", False, False)
    assert tr.read(PRACTICE, row, "title", "es") == tr.Reading("Paillage", "fr", False, True)  # no Spanish title
    assert tr.read(PRACTICE, {"title": "X"}, "title", "ar").fallback is False  # language unknown: no claim
    assert tr.read(PRACTICE, row, "country", "es").language is None  # not translatable


def test_completeness_and_staleness_follow_the_field_clocks(store):
    pid = _practice(store)
    row = store.update("practice", pid, {"title_es": "Acolchado de residuos"})
    es = tr.state(PRACTICE, row, "es")
    assert es.exists and not es.complete and es.missing == ("summary",) and not es.is_stale
    row = store.update("practice", pid, {"summary_es": "Cubrir el suelo con la paja"})
    assert tr.state(PRACTICE, row, "es").complete
    assert tr.languages_text(PRACTICE, row) == "FR · ES"
    # the original changes after the translation: marked, not hidden
    row = store.update("practice", pid, {"summary": "Couvrir le sol avec les pailles de mil"})
    es = tr.state(PRACTICE, row, "es")
    assert es.stale == ("summary",) and es.exists
    assert tr.languages_text(PRACTICE, row) == "FR · ES" + tr.STALE_MARK
    assert "older than the original" in tr.languages_tooltip(PRACTICE, row, str)
    assert tr.read(PRACTICE, row, "title", "es").text == "Acolchado de residuos"
    # translating it again clears the mark
    row = store.update("practice", pid, {"summary_es": "Cubrir el suelo con la paja de mijo"})
    assert not tr.state(PRACTICE, row, "es").is_stale
    assert [s.language for s in tr.states(PRACTICE, row)][:2] == ["fr", "en"]


def test_removing_a_language_is_an_ordinary_edit(store):
    pid = _practice(store, title_es="Acolchado", summary_es="Cubrir")
    row = store.get("practice", pid)
    assert tr.removal(PRACTICE, row, "es") == {"title_es": None, "summary_es": None}
    row = store.update("practice", pid, tr.removal(PRACTICE, row, "es"))
    assert not tr.state(PRACTICE, row, "es").exists
    [op] = [o for o in store.outbox() if o["row_id"] == pid]
    assert op["fields"]["title_es"] is None  # queued for sync like any field


def test_available_in_my_language_filter(store):
    fr = _practice(store)
    es = _practice(store, title="Acolchado", language="es")
    translated = _practice(store, title="Zaï", summary_es="Hoyos con compost")
    readable = set(store.ids("practice", {"language__readable": "es"}))
    assert readable == {es, translated}
    assert set(store.ids("practice", {"language__readable": "fr"})) == {fr, translated}
    assert store.count("practice", {"language__readable": "ar"}) == 0


def test_search_finds_a_record_by_any_of_its_languages_named_in_the_readers(store):
    pid = _practice(store, title_es="Acolchado de rastrojos", summary_en="Covering the soil with straw")
    [hit] = store.search("rastrojos", lang="es")  # a word only the Spanish title has
    assert hit.row_id == pid and hit.title == "Acolchado de rastrojos" and hit.title_language is None
    [hit] = store.search("rastrojo", lang="en")  # typing, as a prefix; no English title: French, marked
    assert hit.title == "Paillage des résidus" and hit.title_language == "fr"
    assert store.search("straw", lang="fr")[0].title == "Paillage des résidus"
    assert store.search("RESIDUS")[0].row_id == pid  # accents folded as before
    store.update("practice", pid, {"title_es": "Acolchado con paja de arroz"})
    assert store.search("rastrojos") == []  # the index follows translation edits
    assert store.search("arroz", lang="es")[0].title == "Acolchado con paja de arroz"


def test_legacy_translation_documents_map_onto_the_language_fields():
    doc = {"en": {"title": "Mulching", "summary": ""}, "fr": {"title": "Paillage"}, "es_ES": {"summary": "Cubierta"},
           "xx": {"title": "?"}, "de": {"title": "Mulchen"}, "ar": {"country": "SN", "title": 3}}
    assert tr.legacy_values(PRACTICE, "fr", doc) == {"title_en": "Mulching", "summary_es": "Cubierta"}
    assert tr.legacy_values(PRACTICE, "fr", "not a document") == {}


@pytest.mark.parametrize("lang", ["es", "ar"])
def test_field_label_names_the_language(lang):
    label = tr.field_label(PRACTICE.translation("title", lang), {"es": "español", "ar": "العربية"}.get)
    assert label == f"Title ({ {'es': 'español', 'ar': 'العربية'}[lang] })"
    assert tr.field_label(PRACTICE.field("title")) == "Title"


def test_exports_and_imports_carry_translations_as_columns(store, make_store, tmp_path):
    import io

    from fieldapp.core import transfer

    pid = _practice(store, title_es="Acolchado")
    out = io.StringIO()
    assert transfer.export_csv(store, "practice", out) == 1
    header = out.getvalue().splitlines()[0].split(",")
    assert "title_es" in header and "translations" not in header
    path = tmp_path / "practices.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    other = make_store("other")
    transfer.import_file(other, "practice", path)
    [row] = other.rows("practice", other.ids("practice"))
    assert row["id"] == pid and row["title_es"] == "Acolchado" and row["title"] == "Paillage des résidus"


def test_practice_sheet_and_minutes_read_in_the_readers_language(store):
    from fieldapp import i18n
    from fieldapp.core import meeting_minutes, practice_sheet

    pid = _practice(store, title_es="Acolchado de residuos", summary_es="Cubrir el suelo con paja")
    mid = store.insert("meeting", {"title": "Atelier d'Abidjan", "starts_on": "2023-05-16", "country": "CI",
                                   "language": "fr", "title_es": "Taller de Abiyán"})
    store.insert("meeting_practice", {"meeting_id": mid, "practice_id": pid})
    try:
        i18n.set_language("es")
        sheet = practice_sheet.build(store, pid)
        assert sheet.title == "Acolchado de residuos" and sheet.record_language == "es"
        assert "Cubrir el suelo con paja" in sheet.html and "Couvrir" not in sheet.html
        minutes = meeting_minutes.read(store, mid)
        assert minutes.title == "Taller de Abiyán" and minutes.practices == ["Acolchado de residuos"]
        i18n.set_language("en")
        sheet = practice_sheet.build(store, pid)
        assert sheet.title == "Paillage des résidus" and sheet.record_language == "fr"
        assert "Shown as written, in French" in sheet.html  # marked as such
    finally:
        i18n.set_language("en")
