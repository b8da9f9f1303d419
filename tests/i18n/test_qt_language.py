"""The window in every language, offscreen: it starts, Qt's own strings are translated,
Arabic reads right to left, lists sort with the locale's collation."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QLocale, QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel

from fieldapp import i18n
from fieldapp.ui import i18n_qt

LANGS = ("en", "fr", "es", "ar", "zh", "ru")


@pytest.fixture
def app(qapp):
    """The application, put back as other tests expect it: English, the locale and the
    reading direction it had before."""
    locale, direction = QLocale(), qapp.layoutDirection()
    yield qapp
    i18n_qt.apply_language(qapp, "en")
    QLocale.setDefault(locale)
    qapp.setLayoutDirection(direction)


@pytest.fixture
def settings(tmp_path):
    from fieldapp.ui.settings import Settings

    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def _cancel_text() -> str:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    text = box.button(QDialogButtonBox.StandardButton.Cancel).text()
    box.deleteLater()
    return text


@pytest.mark.parametrize("lang", LANGS)
def test_window_starts_in_each_language(qtbot, app, store, settings, lang):
    from fieldapp.ui.main_window import MainWindow

    assert i18n_qt.apply_language(app, lang) == lang
    window = MainWindow(store, settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == i18n._("Field App")
    menus = [action.text() for action in window.menuBar().actions()]
    assert i18n._("&File") in menus
    if lang != "en":
        assert "&File" not in menus, menus
    assert window.isRightToLeft() == (lang == "ar")
    assert QLocale().name().split("_")[0] == lang
    for menu_action in window.menuBar().actions():  # Alt+letter picks one item, never the first of two
        letters = [_mnemonic(a.text()) for a in menu_action.menu().actions() if not a.isSeparator()]
        letters = [x for x in letters if x]
        assert len(letters) == len(set(letters)), (menu_action.text(), letters)
    qtbot.waitUntil(window.bridge.idle, timeout=5000)


def _mnemonic(text: str) -> str | None:
    """The letter after a single "&" ("&&" is a literal ampersand), lower-cased."""
    i = text.replace("&&", "").find("&")
    return text.replace("&&", "")[i + 1].lower() if i >= 0 else None


def test_arabic_lays_out_right_to_left(qtbot, app):
    i18n_qt.apply_language(app, "ar")
    assert app.layoutDirection() == Qt.LayoutDirection.RightToLeft
    label = QLabel(i18n._("Practices"))
    qtbot.addWidget(label)
    assert label.isRightToLeft()
    i18n_qt.apply_language(app, "fr")
    assert app.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert not label.isRightToLeft()


@pytest.mark.parametrize("lang, cancel", [("fr", "Annuler"), ("es", "Cancelar"), ("ru", "Отмена"), ("zh", "取消")])
def test_qt_standard_buttons_are_translated(app, lang, cancel):
    i18n_qt.apply_language(app, lang)
    assert _cancel_text() == cancel
    i18n_qt.apply_language(app, "en")
    assert _cancel_text() == "Cancel"


def test_arabic_standard_buttons_come_from_qt_catalog(app):
    i18n_qt.apply_language(app, "ar")
    text = _cancel_text()
    assert text and text != "Cancel"
    assert all("\u0600" <= ch <= "\u06ff" for ch in text if ch.isalpha())


def test_unshipped_language_falls_back_to_english(app):
    assert i18n_qt.apply_language(app, "de") == "en"
    assert _cancel_text() == "Cancel"
    assert app.layoutDirection() == Qt.LayoutDirection.LeftToRight


def test_system_language_is_a_shipped_one():
    assert i18n_qt.system_language() in LANGS


def test_collator_sorts_as_the_reader_expects(app):
    words = ["Zèbre", "école", "abc", "Parcelle 10", "Parcelle 9"]
    assert i18n_qt.sorted_texts(words, code="fr") == ["abc", "école", "Parcelle 9", "Parcelle 10", "Zèbre"]
    rows = [("b", "Océanie"), ("a", "Europe"), ("c", "Afrique")]
    assert [c for c, _l in i18n_qt.sorted_texts(rows, key=lambda r: r[1], code="fr")] == ["c", "a", "b"]
    assert sorted(["Я", "А", "Б"], key=i18n_qt.sort_key("ru")) == ["А", "Б", "Я"]
