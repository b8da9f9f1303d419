"""Dates, numbers, lists and names as a reader of the current language expects them.

Everything goes through Babel's CLDR data (and pycountry's ISO catalogs for country
names), so '14 févr. 2023', '1 234,5' (narrow no-break space) or '3 دقائق' come from the
locale data rather than from format strings written here. Every function takes an
optional `lang`; without it the language in force (fieldapp.i18n.language()) is used.
Qt-free: the window uses these too, plus QCollator for sorting (fieldapp.ui.i18n_qt).
"""
from __future__ import annotations

import datetime as dt
import gettext
import unicodedata
from decimal import Decimal
from functools import lru_cache
from typing import Callable, Iterable, Sequence, TypeVar

import pycountry
from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import numbers as babel_numbers

from fieldapp.i18n import SOURCE_LANGUAGE, language, normalize

T = TypeVar("T")
Number = int | float | Decimal
# pycountry names its Chinese catalogs by region; ours is Simplified Chinese.
_PYCOUNTRY_DIRS = {"zh": "zh_CN"}


def locale_for(lang: str | None = None) -> Locale:
    """Babel's locale for `lang` (any spelling: 'fr', 'fr_FR', 'zh-Hans'), by default the
    language in force; English when Babel does not know it."""
    return _locale(lang or language())


@lru_cache(maxsize=32)
def _locale(code: str) -> Locale:
    for candidate in (code.replace("-", "_"), normalize(code) or SOURCE_LANGUAGE):
        try:
            return Locale.parse(candidate)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse(SOURCE_LANGUAGE)


_BIDI_MARKS = frozenset("\u200e\u200f\u061c")
FSI, PDI = "\u2068", "\u2069"  # first-strong isolate ... pop directional isolate


def bidi_isolate(text: str) -> str:
    """`text` kept whole when set inside a sentence of the other direction. Arabic dates
    carry right-to-left marks ('07\u200f/02\u200f/2023'); inside a Latin title they
    would scramble into '072023/02/'. Text without right-to-left content is returned as
    it is, so English, French or Spanish output never changes."""
    if any(ch in _BIDI_MARKS or unicodedata.bidirectional(ch) in ("R", "AL", "AN") for ch in text):
        return f"{FSI}{text}{PDI}"
    return text


def _as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def _as_datetime(value: dt.datetime | str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def format_date(value: dt.date | str | None, lang: str | None = None, format: str = "medium",
                isolate: bool = False) -> str:
    """'2023-02-14' -> '14 févr. 2023' (fr), '2023年2月14日' (zh); text that is not an
    ISO date comes back as it is, so a list never breaks on an odd value. `isolate` for a
    date set inside other text (see bidi_isolate)."""
    if value is None or value == "":
        return ""
    try:
        text = babel_dates.format_date(_as_date(value), format=format, locale=locale_for(lang))
    except ValueError:
        return str(value)
    return bidi_isolate(text) if isolate else text


def format_datetime(value: dt.datetime | str | None, lang: str | None = None, format: str = "medium",
                    tz: dt.tzinfo | None = None, isolate: bool = False) -> str:
    """A moment in the reader's time zone (`tz`, default the computer's) and language.
    Naive values are taken as UTC, as the store writes them."""
    if value is None or value == "":
        return ""
    try:
        moment = _as_datetime(value)
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    moment = moment.astimezone(tz) if tz is not None else moment.astimezone()
    text = babel_dates.format_datetime(moment, format=format, tzinfo=moment.tzinfo, locale=locale_for(lang))
    return bidi_isolate(text) if isolate else text


def format_decimal(value: Number | None, lang: str | None = None, decimals: int | None = None) -> str:
    """1234.5 -> '1 234,5' (fr), '1.234,5' (es). `decimals` fixes the number of digits
    after the separator; without it every significant digit is kept."""
    if value is None:
        return ""
    if decimals is None:
        return babel_numbers.format_decimal(value, locale=locale_for(lang), decimal_quantization=False)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=locale_for(lang))


def format_percent(value: Number | None, lang: str | None = None, decimals: int = 0) -> str:
    """A share (0.234) as a percentage in the locale's way: '23 %' (fr), '23%' (en)."""
    if value is None:
        return ""
    loc = locale_for(lang)
    pattern = loc.percent_formats[None].pattern
    if decimals > 0:  # digits go after the pattern's last 0, wherever the locale puts '%'
        last = pattern.rindex("0")
        pattern = pattern[: last + 1] + "." + "0" * decimals + pattern[last + 1:]
    return babel_numbers.format_percent(value, format=pattern, locale=loc, decimal_quantization=True)


def format_currency(value: Number | None, currency: str | None, lang: str | None = None) -> str:
    """An amount with its ISO 4217 currency ('1 500,00 €'); a plain number without one."""
    if value is None:
        return ""
    if not currency:
        return format_decimal(value, lang)
    try:
        return babel_numbers.format_currency(value, currency.upper(), locale=locale_for(lang))
    except (UnknownLocaleError, ValueError, KeyError):
        return f"{format_decimal(value, lang)} {currency}"


def parse_decimal(text: str, lang: str | None = None) -> Decimal:
    """What a person typed ('1 234,5' in French) as a Decimal; ValueError otherwise."""
    try:
        return babel_numbers.parse_decimal(text.strip(), locale=locale_for(lang), strict=False)
    except babel_numbers.NumberFormatError as exc:
        raise ValueError(str(exc)) from None


def format_list(items: Iterable[str], lang: str | None = None, style: str = "standard") -> str:
    """['a', 'b', 'c'] -> 'a, b et c' (fr), 'a、b和c' (zh). `style='or'` for alternatives,
    'unit-narrow' for compact enumerations."""
    return babel_lists.format_list(list(items), style=style, locale=locale_for(lang))  # type: ignore[arg-type]


def format_relative(moment: dt.datetime | str | dt.timedelta, now: dt.datetime | None = None,
                    lang: str | None = None, threshold: float = 0.85) -> str:
    """How long ago or ahead, in words: '3 days ago', 'il y a 3 jours', 'через 2 часа'.
    `now` defaults to the current time (UTC); naive datetimes are taken as UTC."""
    if isinstance(moment, dt.timedelta):
        delta = moment
    else:
        when = _as_datetime(moment)
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        reference = now or dt.datetime.now(dt.timezone.utc)
        if reference.tzinfo is None:
            reference = reference.replace(tzinfo=dt.timezone.utc)
        delta = when - reference
    return babel_dates.format_timedelta(delta, add_direction=True, threshold=threshold, locale=locale_for(lang))


@lru_cache(maxsize=16)
def _iso_catalog(domain: str, lang: str) -> gettext.NullTranslations:
    code = normalize(lang) or lang
    try:
        return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[_PYCOUNTRY_DIRS.get(code, code)])
    except OSError:
        return gettext.NullTranslations()


def country_name(alpha_2: str | None, lang: str | None = None) -> str:
    """'DE' -> 'Allemagne' (fr), 'Германия' (ru): pycountry's ISO 3166 catalogs, with
    the short English name ('Bolivia') as the source. Unknown codes come back as they are."""
    if not alpha_2:
        return ""
    country = pycountry.countries.get(alpha_2=alpha_2.upper())
    if country is None:
        return alpha_2
    code = normalize(lang or language()) or (lang or language())
    if code == SOURCE_LANGUAGE:
        return getattr(country, "common_name", None) or country.name
    return _iso_catalog("iso3166-1", code).gettext(country.name)


def language_name(code: str | None, lang: str | None = None) -> str:
    """A language's name in the reader's language ('de' -> 'allemand' in French, 'Wolof'
    -> 'wolof'): CLDR through Babel first, then pycountry's ISO 639-3 catalog."""
    if not code:
        return ""
    loc = locale_for(lang)
    name = loc.languages.get(code) or loc.languages.get(code.split("_")[0].split("-")[0])
    if name:
        return name
    entry = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    if entry is None:
        return code
    return _iso_catalog("iso639-3", loc.language).gettext(entry.name)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def sort_key(text: str | None) -> tuple[str, str, str]:
    """A Qt-free sort key close to a collator's for Latin, Cyrillic and Arabic text: first
    ignoring case and accents ('École' beside 'ecole', before 'Zèbre'), then accents,
    then case, so the order is stable. The window sorts with QCollator instead."""
    text = text or ""
    return (_fold(text), unicodedata.normalize("NFC", text.casefold()), text)


def sorted_by_text(items: Iterable[T], key: Callable[[T], str | None] | None = None) -> list[T]:
    """`items` in reading order by `key` (default: the items themselves)."""
    get = key or (lambda item: item)  # type: ignore[return-value]
    return sorted(items, key=lambda item: sort_key(get(item)))  # type: ignore[arg-type]


def localized_choices(pairs: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """(code, label) pairs in reading order of their labels."""
    return sorted_by_text(pairs, key=lambda pair: pair[1])
