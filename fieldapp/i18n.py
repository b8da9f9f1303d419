"""Translation of the strings people read, shared by every layer (no Qt here).

Strings are marked with `_()` where they are shown and with `N_()` where they are only
declared (schema labels, messages built later); both are extracted by Babel
(translations/manage.py). The active language is process-wide: a desktop app has one
user at a time.
"""
from __future__ import annotations

import gettext
import hashlib
import io
from pathlib import Path

from fieldapp.paths import translations_dir

DOMAIN = "fieldapp"
SOURCE_LANGUAGE = "en"
# The six United Nations languages, English first (the source strings).
LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
RIGHT_TO_LEFT = frozenset({"ar"})
# Other spellings people and systems use for a shipped language (zh_Hans, zh-CN, fr_FR...)
_ALIASES = {"zh_hans": "zh", "zh_cn": "zh", "zh_sg": "zh", "zh_hans_cn": "zh"}

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = SOURCE_LANGUAGE


def normalize(code: str | None) -> str | None:
    """The shipped language `code` stands for ('fr_FR' -> 'fr', 'zh-Hans' -> 'zh'), or
    None. Traditional Chinese is not shipped, so 'zh_TW' and 'zh_Hant' give None."""
    if not code:
        return None
    key = code.replace("-", "_").split(".")[0].split("@")[0].lower()
    if key in _ALIASES:
        return _ALIASES[key]
    if key.startswith("zh_"):
        return None
    base = key.split("_")[0]
    return base if base in LANGUAGES else None


def po_digest(po: Path) -> str:
    """Fingerprint of a .po file; `translations/manage.py compile` writes it into the .mo's
    Project-Id-Version so a stale .mo is recognised whatever the file times say."""
    return "po-sha1:" + hashlib.sha1(po.read_bytes()).hexdigest()[:16]


def compile_catalog(po: Path, code: str) -> bytes:
    """The .mo bytes of `po` (fuzzy entries left out, as msgfmt does), stamped with its digest."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with open(po, "rb") as fh:
        catalog = read_po(fh, locale=code, domain=DOMAIN)
    catalog.version = f"{catalog.version or ''} {po_digest(po)}".strip()
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def _load(code: str, directory: Path) -> gettext.NullTranslations | None:
    """The catalog of `code`: the compiled .mo when it was compiled from the .po beside it
    (or stands alone, as in a packaged build), else compiled in memory from the .po, so
    a checkout run without `make`, or a stale .mo, never shows old strings."""
    folder = directory / code / "LC_MESSAGES"
    mo, po = folder / f"{DOMAIN}.mo", folder / f"{DOMAIN}.po"
    if mo.exists():
        with open(mo, "rb") as fh:
            compiled = gettext.GNUTranslations(fh)
        if not po.exists() or compiled.info().get("project-id-version", "").endswith(po_digest(po)):
            return compiled
    if po.exists():
        return gettext.GNUTranslations(io.BytesIO(compile_catalog(po, code)))
    return None


def set_language(code: str, directory: Path | None = None) -> str:
    """Activate `code` (e.g. 'fr', 'es', 'ar', 'zh', 'zh_Hans', 'fr_FR'); falls back to
    the English source strings when no catalog exists. Returns the language in force."""
    global _translation, _language
    directory = directory or translations_dir()
    shipped = normalize(code)
    loaded = None
    if shipped and shipped != SOURCE_LANGUAGE:
        try:
            loaded = _load(shipped, directory)
        except (OSError, ValueError):
            loaded = None
    if loaded is None:
        _translation, _language = gettext.NullTranslations(), SOURCE_LANGUAGE
    else:
        _translation, _language = loaded, shipped  # type: ignore[assignment]
    return _language


def language() -> str:
    return _language


def is_right_to_left(code: str | None = None) -> bool:
    return (code or _language) in RIGHT_TO_LEFT


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in a context, for a word with two meanings ('Open' the button, 'Open' the
    status of an action item): translators see both entries apart."""
    return _translation.pgettext(context, message)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message
