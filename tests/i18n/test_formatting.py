"""Dates, numbers, lists and names per locale. Expectations are built from the locale
data (month names, symbols, numbering system, pattern order), not copied from output."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal

import pytest
from babel import Locale

from fieldapp import i18n
from fieldapp.core import formatting as fmt

LANGS = ("en", "fr", "es", "ar", "zh", "ru")
FEB_14 = dt.date(2023, 2, 14)  # the Hyderabad workshop's week
BIDI_MARKS = "\u200e\u200f\u061c"  # direction marks CLDR puts around some symbols


def _digits(text: str) -> str:
    """The decimal digits of `text` as ASCII, whatever script they are written in."""
    return "".join(str(unicodedata.decimal(ch)) for ch in text if unicodedata.decimal(ch, None) is not None)


def _numbering_digits(loc: Locale) -> set[str]:
    """Digit characters the locale's default numbering system writes."""
    system = loc.default_numbering_system
    if system == "latn":
        return set("0123456789")
    names = {"arab": "ARABIC-INDIC DIGIT", "arabext": "EXTENDED ARABIC-INDIC DIGIT"}
    return {ch for ch in map(chr, range(0x600, 0x700)) if unicodedata.name(ch, "").startswith(names[system])}


def test_french_date_and_decimal_as_the_brief_shows():
    assert fmt.format_date("2023-02-14", "fr") == "14 févr. 2023"
    assert fmt.format_decimal(1234.5, "fr") == "1\u202f234,5"  # narrow no-break space


@pytest.mark.parametrize("lang", LANGS)
def test_date_follows_the_locale_pattern(lang):
    loc = Locale.parse(lang)
    text = fmt.format_date(FEB_14, lang)
    pattern = loc.date_formats["medium"].pattern
    assert set(re.findall(r"\d", text)) <= _numbering_digits(loc)
    assert "2023" in _digits(text)
    if "MMM" in pattern or "LLL" in pattern:
        month = loc.months["format"]["abbreviated"][2]
        assert month in text
    else:
        assert re.search(r"(^|\D)0?2(\D|$)", text)
    order = sorted("dMy", key=lambda c: pattern.replace("L", "M").index(c))
    positions = {"d": text.index("14"), "y": text.index("2023")}
    positions["M"] = text.index(month) if ("MMM" in pattern or "LLL" in pattern) else \
        re.search(r"(^|\D)(0?2)(\D|$)", text.replace("2023", "####")).start(2)
    assert sorted(positions, key=positions.get) == order, (lang, text, pattern)


@pytest.mark.parametrize("lang", LANGS)
def test_decimal_uses_the_locale_symbols_and_digits(lang):
    loc = Locale.parse(lang)
    symbols = loc.number_symbols[loc.default_numbering_system]
    text = fmt.format_decimal(1234.5, lang)
    assert set(re.findall(r"\d", text)) <= _numbering_digits(loc)
    assert _digits(text) == "12345"
    assert symbols["decimal"] in text
    if symbols["group"] in text:
        assert text.index(symbols["group"]) < text.index(symbols["decimal"])
    # whole part grouped by the locale's group symbol, never by another
    assert text.replace(symbols["group"], "").replace(symbols["decimal"], ".").strip(BIDI_MARKS) == "1234.5"
    assert fmt.parse_decimal(text, lang) == Decimal("1234.5")


def test_decimals_fixed_when_asked():
    assert fmt.format_decimal(58.5, "fr", decimals=2) == "58,50"
    assert fmt.format_decimal(0.234, "en", decimals=3) == "0.234"
    assert fmt.format_decimal(None) == ""


@pytest.mark.parametrize("lang", LANGS)
def test_percent_list_and_relative_time_speak_the_language(lang):
    loc = Locale.parse(lang)
    symbols = loc.number_symbols[loc.default_numbering_system]
    share = fmt.format_percent(0.234, lang, decimals=1)
    assert symbols["percentSign"].strip(BIDI_MARKS) in share and _digits(share) == "234"
    joined = fmt.format_list(["A", "B", "C"], lang)
    assert joined.startswith("A") and loc.list_patterns["standard"]["end"].format("B", "C") in joined
    ago = fmt.format_relative(dt.datetime(2023, 2, 11, 12, 0), now=dt.datetime(2023, 2, 14, 12, 0), lang=lang)
    assert _digits(ago) == "3"
    ahead = fmt.format_relative(dt.timedelta(days=3), lang=lang)
    assert ago != ahead


def test_relative_time_in_words_for_english_and_french():
    now = dt.datetime(2023, 2, 14, 12, 0, tzinfo=dt.timezone.utc)
    assert fmt.format_relative("2023-02-11T12:00:00Z", now=now, lang="en") == "3 days ago"
    assert fmt.format_relative("2023-02-14T14:00:00Z", now=now, lang="fr") == "dans 2 heures"


def test_datetime_is_shown_in_the_reader_time_zone():
    paris = dt.timezone(dt.timedelta(hours=1))
    text = fmt.format_datetime("2023-02-14T09:30:00Z", "fr", tz=paris)
    assert "10:30" in text and "14 févr. 2023" in text


@pytest.mark.parametrize("lang, name", [("en", "Germany"), ("fr", "Allemagne"), ("es", "Alemania")])
def test_country_names_in_working_languages(lang, name):
    assert fmt.country_name("DE", lang) == name


@pytest.mark.parametrize("lang", ["ar", "zh", "ru"])
def test_country_names_in_other_un_languages_come_from_pycountry(lang):
    name = fmt.country_name("DE", lang)
    assert name and name != "Germany"
    script = {"ar": "ARABIC", "zh": "CJK", "ru": "CYRILLIC"}[lang]
    assert all(unicodedata.name(ch).startswith(script) for ch in name if ch.isalpha())
    assert fmt.country_name("XX", lang) == "XX"


@pytest.mark.parametrize("lang", LANGS)
def test_language_names_are_localised(lang):
    assert fmt.language_name("de", lang) == Locale.parse(lang).languages["de"]
    assert fmt.language_name("wo", lang)  # Wolof, spoken by West African partners


def test_default_language_is_the_one_in_force(english_afterwards):
    i18n.set_language("es")
    assert fmt.format_decimal(0.5) == "0,5"
    assert fmt.country_name("US") == "Estados Unidos"
    i18n.set_language("en")
    assert fmt.format_decimal(0.5) == "0.5"


def test_sort_key_ignores_case_and_accents_first():
    words = ["Zèbre", "école", "Ecole", "abc", "Élevage", "eau"]
    assert fmt.sorted_by_text(words) == ["abc", "eau", "Ecole", "école", "Élevage", "Zèbre"]
    assert fmt.localized_choices([("b", "Océanie"), ("a", "Europe"), ("c", "Afrique")]) == \
        [("c", "Afrique"), ("a", "Europe"), ("b", "Océanie")]


def test_arabic_date_inside_latin_text_stays_whole():
    """An Arabic date carries right-to-left marks; isolated, it cannot scramble the Latin
    title around it. Other languages are left untouched."""
    plain = fmt.format_date("2023-02-07", "ar")
    assert any(mark in plain for mark in BIDI_MARKS) or plain.isascii()
    isolated = fmt.format_date("2023-02-07", "ar", isolate=True)
    assert isolated == "\u2068" + plain + "\u2069" or (plain.isascii() and isolated == plain)
    for lang in ("en", "fr", "es", "zh", "ru"):
        assert fmt.format_date("2023-02-07", lang, isolate=True) == fmt.format_date("2023-02-07", lang)
    assert fmt.bidi_isolate("Hyderabad") == "Hyderabad"
    assert fmt.bidi_isolate("حيدر أباد") == "\u2068حيدر أباد\u2069"
