"""The first-start offer to encrypt, and the unlock of a passphrase-protected copy, driven
as a person would; checked on the bytes on disk."""
from __future__ import annotations

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from fieldapp.core import encryption
from fieldapp.core.store import DB_NAME, Store
from fieldapp.ui.encryption_dialog import OFFERED_KEY, EncryptionOfferDialog, UnlockDialog, open_store

NAME = "Mariam Traoré-4410"


def _qsettings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def _answer_the_dialog(qtbot, act) -> None:
    """Run `act(dialog)` on the modal dialog once it is shown (open_store's exec blocks)."""
    def later() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, later)
            return
        act(dialog)
    QTimer.singleShot(0, later)


def test_first_start_offers_encryption_and_the_keyring_keeps_the_key(qtbot, tmp_path, memory_keyring, monkeypatch):
    folder = tmp_path / "data"
    qs = _qsettings(tmp_path)
    _answer_the_dialog(qtbot, lambda d: d.encrypt_button.click())
    store = open_store(folder, qs)
    store.insert("contact", {"full_name": NAME})
    store.close()
    assert encryption.is_encrypted(folder / DB_NAME) and len(memory_keyring.secrets) == 1
    assert not any(NAME.encode() in p.read_bytes() for p in folder.rglob("*") if p.is_file())
    assert qs.value(OFFERED_KEY, type=bool)
    monkeypatch.setattr(EncryptionOfferDialog, "exec", lambda self: (_ for _ in ()).throw(AssertionError("asked twice")))
    with open_store(folder, qs) as again:  # the next start asks nothing: the keyring opens it
        assert again.count("contact") == 1


def test_not_now_keeps_the_copy_plain_and_is_not_asked_again(qtbot, tmp_path, monkeypatch):
    folder = tmp_path / "data"
    qs = _qsettings(tmp_path)
    _answer_the_dialog(qtbot, lambda d: d.later_button.click())
    open_store(folder, qs).close()
    assert not encryption.is_encrypted(folder / DB_NAME)
    monkeypatch.setattr(EncryptionOfferDialog, "exec", lambda self: (_ for _ in ()).throw(AssertionError("asked twice")))
    open_store(folder, qs).close()


def test_without_a_keyring_a_passphrase_is_chosen_then_asked_at_each_start(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("FIELDAPP_TOKEN_FILE", "1")  # no keyring backend
    monkeypatch.delenv(encryption.PASSPHRASE_ENV, raising=False)
    folder = tmp_path / "data"
    Store(folder).close()  # an existing plain copy: migrated in place
    offer = EncryptionOfferDialog(folder)
    qtbot.addWidget(offer)
    assert offer.passphrase.isVisibleTo(offer)
    offer.passphrase.setText("short")
    offer.encrypt_button.click()
    assert "at least" in offer.message.text() and not encryption.is_encrypted(folder / DB_NAME)
    offer.passphrase.setText("a long passphrase")
    offer.confirm.setText("a long passphrase!")
    offer.encrypt_button.click()
    assert "differ" in offer.message.text() and not encryption.is_encrypted(folder / DB_NAME)
    offer.confirm.setText("a long passphrase")
    offer.encrypt_button.click()
    assert offer.result() == EncryptionOfferDialog.DialogCode.Accepted and encryption.is_encrypted(folder / DB_NAME)

    unlock = UnlockDialog(folder)
    qtbot.addWidget(unlock)
    unlock.passphrase.setText("not the passphrase")
    unlock.submit()
    assert unlock.store is None and "does not open" in unlock.message.text()
    unlock.passphrase.setText("a long passphrase")
    unlock.submit()
    assert unlock.result() == UnlockDialog.DialogCode.Accepted
    unlock.store.close()

    qs = _qsettings(tmp_path)
    qs.setValue(OFFERED_KEY, True)
    _answer_the_dialog(qtbot, lambda d: (d.passphrase.setText("a long passphrase"), d.submit()))
    with open_store(folder, qs) as store:  # open_store asks for it
        assert store.count("contact") == 0
    _answer_the_dialog(qtbot, lambda d: d.reject())
    assert open_store(folder, qs) is None  # cancelled: no store, the app ends

