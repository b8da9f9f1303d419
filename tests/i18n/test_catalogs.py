"""The catalogs against the code: every string a person reads is translated (French and
Spanish completely), placeholders survive translation, and the catalogs compile."""
from __future__ import annotations

import gettext
import warnings

import pytest
from babel.messages.catalog import Catalog

COMPLETE = ("fr", "es")  # the Initiative's working languages besides English
REPORTED = ("ar", "zh", "ru")
PLURALS = {"fr": 2, "es": 2, "ar": 6, "zh": 1, "ru": 3}


def _state(catalog: Catalog, msgid: str) -> str:
    message = catalog.get(msgid)
    if message is None:
        return "missing"
    strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
    if not all(strings):
        return "untranslated"
    return "fuzzy" if message.fuzzy else "translated"


def _states(template: Catalog, catalog: Catalog) -> dict[str, list[str]]:
    states: dict[str, list[str]] = {"missing": [], "untranslated": [], "fuzzy": [], "translated": []}
    for message in template:
        if message.id:
            states[_state(catalog, message.id)].append(message.id if isinstance(message.id, str) else message.id[0])
    return states


@pytest.mark.parametrize("lang", COMPLETE)
def test_every_source_string_is_translated(template, catalogs, lang):
    states = _states(template, catalogs[lang])
    not_done = {k: v for k, v in states.items() if k != "translated" and v}
    summary = {k: f"{len(v)}: {v[:10]}" for k, v in not_done.items()}
    assert not not_done, (
        f"{lang}: strings of the code without a (reviewed) translation -- run "
        f"`python translations/manage.py update` and translate them: {summary}")
    assert len(states["translated"]) == len([m for m in template if m.id])


@pytest.mark.parametrize("lang", REPORTED)
def test_other_un_languages_are_counted(template, catalogs, lang, capsys):
    """Arabic, Chinese and Russian: gaps are reported, not failed; the catalog must exist
    and hold every source string (an `update` away from the code at most)."""
    states = _states(template, catalogs[lang])
    report = ", ".join(f"{k} {len(v)}" for k, v in states.items())
    with capsys.disabled():
        print(f"\n[i18n] {lang}: {report}")
    gaps = len(states["missing"]) + len(states["untranslated"]) + len(states["fuzzy"])
    if gaps:
        warnings.warn(f"{lang}: {gaps} of {len(template) - 1} strings not translated yet ({report})")
    assert states["translated"], f"{lang}: nothing translated"


@pytest.mark.parametrize("lang", COMPLETE + REPORTED)
def test_catalog_headers_name_language_and_plural_forms(catalogs, lang):
    catalog = catalogs[lang]
    assert str(catalog.locale).split("_")[0] == lang
    assert catalog.num_plurals == PLURALS[lang]
    # every plural entry has as many forms as the language needs
    for message in catalog:
        if message.pluralizable and message.id:
            assert len(message.string) == PLURALS[lang], message.id


@pytest.mark.parametrize("lang", COMPLETE + REPORTED)
def test_placeholders_are_identical_in_every_translation(manage, catalogs, lang):
    assert manage.placeholder_problems(catalogs[lang]) == []


def test_placeholder_check_catches_a_broken_translation(manage):
    catalog = Catalog(locale="fr")
    catalog.add("{label} is required", "{libellé} est obligatoire")
    catalog.add("{label} is too long (at most {n} characters)", "{label} est trop long")
    catalog.add(("{n} record", "{n} records"), ("{n} fiche", "{count} fiches"))
    catalog.add("about (default: %(default)s)", "environ (par défaut : %(défaut)s)")
    catalog.add("&File", "Fichier")
    catalog.add("Share", "23 % des cas")  # '%' as text where the source is not %-formatted
    problems = manage.placeholder_problems(catalog)
    assert len(problems) == 5, problems
    assert not any("23 %" in p for p in problems)


def test_plural_forms_may_say_the_count_in_words(manage):
    """Arabic says 'two records' in one word: the count may be left out, nothing else."""
    catalog = Catalog(locale="ar")
    catalog.add(("{n} record", "{n} records"), ("لا توجد سجلات", "سجل واحد", "سجلان", "{n} سجلات", "{n} سجلًا", "{n} سجل"))
    assert manage.placeholder_problems(catalog) == []
    catalog.add(("{n} change", "{n} changes"), ("{n}", "{n}", "{n} {who}", "{n}", "{n}", "{n}"))
    assert len(manage.placeholder_problems(catalog)) == 1


def test_catalogs_compile_and_load(manage, catalogs):
    assert manage.compile_all() == 0
    for lang in catalogs:
        mo = manage.po_path(lang).with_suffix(".mo")
        with open(mo, "rb") as fh:
            translations = gettext.GNUTranslations(fh)
        assert translations.info()["language"].split("_")[0] == lang
        assert translations.gettext("Practices") != "Practices"


def test_compile_fails_loudly_on_a_broken_catalog(manage, tmp_path, monkeypatch, capsys):
    broken = tmp_path / "fr" / "LC_MESSAGES" / "fieldapp.po"
    broken.parent.mkdir(parents=True)
    broken.write_text('msgid ""\nmsgstr "Language: fr\\n"\n\nmsgid "{label} is required"\n'
                      'msgstr "{nom} est obligatoire"\n', encoding="utf-8")
    monkeypatch.setattr(manage, "po_path", lambda lang: broken)
    assert manage.main(["compile", "--lang", "fr"]) == 1
    assert "{nom}" in capsys.readouterr().err


def test_fixed_codes_of_the_schema_are_in_the_template(template, manage):
    """Codes shown through display.choice_label ('under_review' -> 'Under review') are
    derived from the schema by the extraction, so none can be forgotten."""
    from fieldapp.core.schema import ENTITIES

    codes = {c for e in ENTITIES for f in e.fields for c in (f.choices or ())}
    assert "under_review" in codes
    for code in codes:
        assert template.get(code.replace("_", " ").capitalize(), manage.CHOICE_CONTEXT) is not None, code


def test_schema_labels_and_validation_messages_are_extracted(template):
    from fieldapp.core.schema import ENTITIES

    for e in ENTITIES:
        assert template.get(e.label) and template.get(e.plural), e.name
        for f in e.fields:
            assert template.get(f.label) is not None, f"{e.name}.{f.name}"
            if f.help:
                assert template.get(f.help) is not None, f"{e.name}.{f.name} help"
    for message in ("{label} is required", "{label} must be a number", "{label} must be at least {min}"):
        assert template.get(message) is not None


def test_update_keeps_existing_translations(manage, tmp_path, monkeypatch, template):
    """`update` on a catalog that already has translations keeps them and adds new strings."""
    monkeypatch.setattr(manage, "TRANSLATIONS", tmp_path)
    monkeypatch.setattr(manage, "TEMPLATE", tmp_path / "fieldapp.pot")
    monkeypatch.setattr(manage, "ROOT", manage.ROOT)
    monkeypatch.setattr(manage, "po_path", lambda lang: tmp_path / lang / "LC_MESSAGES" / "fieldapp.po")
    path = tmp_path / "fr" / "LC_MESSAGES" / "fieldapp.po"
    path.parent.mkdir(parents=True)
    path.write_text('msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
                    'msgid "Practices"\nmsgstr "Pratiques"\n\nmsgid "A string the code no longer has"\nmsgstr "Ancienne"\n',
                    encoding="utf-8")
    manage.update(("fr",))
    updated = manage.read_catalog(path, "fr")
    assert updated.get("Practices").string == "Pratiques"
    assert updated.get("A string the code no longer has") is None
    assert {m.id if isinstance(m.id, str) else m.id[0] for m in updated if m.id} == \
        {m.id if isinstance(m.id, str) else m.id[0] for m in template if m.id}
