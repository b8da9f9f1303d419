"""Translation of the strings people read, shared by every layer (no Qt here).

Strings are marked with `_()` where they are shown and with `N_()` where they are only
declared (schema labels, messages built later); both are extracted by Babel. The active
language is process-wide: a desktop app has one user at a time.
"""
from __future__ import annotations

import gettext
from pathlib import Path

from fieldapp.paths import translations_dir

DOMAIN = "fieldapp"
_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def set_language(code: str, directory: Path | None = None) -> str:
    """Activate `code` (e.g. 'fr', 'es', 'ar'); falls back to English source strings when
    no compiled catalog exists. Returns the language actually in force."""
    global _translation, _language
    directory = directory or translations_dir()
    try:
        _translation = gettext.translation(DOMAIN, localedir=str(directory), languages=[code])
        _language = code
    except OSError:
        _translation = gettext.NullTranslations()
        _language = "en" if code != "en" else code
    return _language


def language() -> str:
    return _language


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message
