"""The language of the window: our gettext catalogs, Qt's own translations (standard
buttons, file dialogs, context menus), Qt's default locale, the reading direction and a
collator for sorting what people read.

`fieldapp.ui.app` calls `apply_language(app, settings.language or system_language())`
before building the window; calling it again later switches every layer, and windows
built afterwards come up in the new language.
"""
from __future__ import annotations

import functools
from typing import Callable, Iterable, TypeVar

from PySide6.QtCore import QCollator, QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtWidgets import QApplication

from fieldapp.i18n import LANGUAGES, SOURCE_LANGUAGE, is_right_to_left, language, normalize, set_language

T = TypeVar("T")
# The Qt locale each shipped language stands for (its region picks Qt's catalog:
# qtbase_zh_CN for Simplified Chinese).
QT_LOCALES = {"en": "en_US", "fr": "fr_FR", "es": "es_ES", "ar": "ar", "zh": "zh_CN", "ru": "ru_RU"}
QT_CATALOGS = ("qtbase",)  # PySide6-Essentials ships qtbase_<lang>.qm

_installed: list[QTranslator] = []


def qt_translations_dir() -> str:
    return QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)


def system_language() -> str:
    """The first of the system's preferred UI languages that Field App ships, else English."""
    for name in QLocale.system().uiLanguages():
        code = normalize(name)
        if code:
            return code
    return SOURCE_LANGUAGE


def qt_locale(code: str | None = None) -> QLocale:
    return QLocale(QT_LOCALES.get(code or language(), "en_US"))


def _install_qt_catalogs(app: QApplication, locale: QLocale) -> list[str]:
    """Swap Qt's own catalogs for those of `locale`; returns the ones loaded."""
    while _installed:
        app.removeTranslator(_installed.pop())
    loaded = []
    for name in QT_CATALOGS:
        translator = QTranslator(app)
        if translator.load(locale, name, "_", qt_translations_dir()):
            app.installTranslator(translator)
            _installed.append(translator)
            loaded.append(name)
    return loaded


def apply_language(app: QApplication, code: str) -> str:
    """Put `code` in force everywhere: gettext catalogs, Qt's translations, QLocale's
    default (number and date widgets) and the layout direction (right to left for
    Arabic). Returns the language actually in force (English when `code` is not shipped)."""
    in_force = set_language(code)
    locale = qt_locale(in_force)
    QLocale.setDefault(locale)
    if in_force == SOURCE_LANGUAGE:
        _install_qt_catalogs(app, QLocale("en_US"))  # removes any earlier ones
    else:
        _install_qt_catalogs(app, locale)
    app.setLayoutDirection(Qt.LayoutDirection.RightToLeft if is_right_to_left(in_force)
                           else Qt.LayoutDirection.LeftToRight)
    return in_force


def shipped_languages() -> tuple[str, ...]:
    return LANGUAGES


def collator(code: str | None = None) -> QCollator:
    """A collator for `code` (default: the language in force): case-insensitive, numbers
    compared by value ('Plot 9' before 'Plot 10'), accents ordered as the locale wants."""
    c = QCollator(qt_locale(code))
    c.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    c.setNumericMode(True)
    return c


def sort_key(code: str | None = None) -> Callable[[str], object]:
    """A key function for `sorted()` of plain strings in the reading order of `code`."""
    return functools.cmp_to_key(collator(code).compare)


def sorted_texts(items: Iterable[T], key: Callable[[T], str] | None = None, code: str | None = None) -> list[T]:
    """`items` sorted by `key` (default: the items) with QCollator."""
    c = collator(code)
    get = key or (lambda item: item)  # type: ignore[assignment, return-value]
    return sorted(items, key=functools.cmp_to_key(lambda a, b: c.compare(get(a), get(b))))  # type: ignore[arg-type]
