"""Switching language in the Qt-free layers: gettext, validation messages, fixed codes."""
from __future__ import annotations

import pytest

from fieldapp import i18n
from fieldapp.core import fieldspec
from fieldapp.core.schema import entity


def test_french_then_back_to_english(english_afterwards):
    assert i18n.set_language("fr") == "fr"
    assert i18n._("Practices") == "Pratiques"
    assert i18n.ngettext("{n} record", "{n} records", 1).format(n=1) == "1 fiche"
    assert i18n.ngettext("{n} record", "{n} records", 2).format(n=2) == "2 fiches"
    assert i18n.set_language("en") == "en"
    assert i18n._("Practices") == "Practices"


@pytest.mark.parametrize("code, in_force", [
    ("fr_FR", "fr"), ("es-419", "es"), ("zh", "zh"), ("zh_Hans", "zh"), ("zh-CN", "zh"),
    ("ru_RU.UTF-8", "ru"), ("ar_EG", "ar"), ("zh_TW", "en"), ("de", "en"), ("", "en"),
])
def test_language_codes_people_and_systems_use(code, in_force, english_afterwards):
    assert i18n.set_language(code) == in_force
    assert i18n.language() == in_force


@pytest.mark.parametrize("lang", ["fr", "es", "ar", "zh", "ru"])
def test_every_language_translates_the_main_areas(lang, english_afterwards):
    i18n.set_language(lang)
    for source in ("Practices", "Meetings", "Projects", "Settings"):
        assert i18n._(source) != source, (lang, source)


def test_validation_message_names_the_field_in_french(english_afterwards):
    i18n.set_language("fr")
    _clean, errors = fieldspec.validate(entity("practice"), {"title": "", "soc_change": 99})
    by_field = {e.field: e.message for e in errors}
    assert by_field["title"] == "Le champ «\u00a0Titre\u00a0» est obligatoire"
    assert "«\u00a0Variation mesurée du COS\u00a0»" in by_field["soc_change"] and "20" in by_field["soc_change"]


def test_validation_message_in_spanish(english_afterwards):
    i18n.set_language("es")
    _clean, errors = fieldspec.validate(entity("organisation"), {"name": "ICRISAT", "email": "not-an-address"})
    assert {e.field: e.message for e in errors}["email"] == "«Correo electrónico» no es una dirección de correo electrónico"


def test_fixed_codes_read_in_the_language(english_afterwards):
    from fieldapp.ui.display import choice_label

    i18n.set_language("fr")
    assert choice_label("under_review") == "En cours d’évaluation"
    i18n.set_language("es")
    assert choice_label("postponed") == "Aplazado"


def test_catalog_compiled_on_the_fly_when_no_mo(tmp_path, manage, english_afterwards):
    """A checkout run without `make` (no .mo) still shows the translations."""
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "fieldapp.po").write_bytes(manage.po_path("fr").read_bytes())
    assert i18n.set_language("fr", directory=tmp_path) == "fr"
    assert i18n._("Meetings") == "Réunions"
    assert not (folder / "fieldapp.mo").exists()


def test_stale_mo_is_not_used(tmp_path, manage, english_afterwards):
    """A .mo compiled from an older .po is recognised by content, not by file times."""
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "fieldapp.po"
    po.write_bytes(manage.po_path("fr").read_bytes())
    (folder / "fieldapp.mo").write_bytes(i18n.compile_catalog(po, "fr"))
    assert i18n.set_language("fr", directory=tmp_path) == "fr"
    assert i18n._("Meetings") == "Réunions"
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "Réunions"', 'msgstr "Rencontres"'), encoding="utf-8")
    i18n.set_language("fr", directory=tmp_path)
    assert i18n._("Meetings") == "Rencontres"
