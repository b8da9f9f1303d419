"""The first-start offer to encrypt, and the unlock of a passphrase-protected copy, driven
as a person would; checked on the bytes on disk."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

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



# ---------------------------------------------------------------- File > Data encryption…
def _when_modal(qtbot, kind, act) -> None:
    """Run `act(widget)` once a modal `kind` is on screen (the caller's exec() blocks)."""
    def later() -> None:
        widget = QApplication.activeModalWidget()
        if not isinstance(widget, kind) or not widget.isVisible():
            QTimer.singleShot(20, later)
            return
        act(widget)
    QTimer.singleShot(0, later)


def _encrypted_window(qtbot, tmp_path, settings, passphrase=None):
    from fieldapp.ui.main_window import MainWindow

    folder = tmp_path / "data"
    with Store(folder) as plain:
        cid = plain.insert("contact", {"full_name": NAME})
    old = encryption.encrypt_in_place(folder, folder / DB_NAME, passphrase=passphrase)  # takes a backup too
    store = Store(folder, key=old)
    window = MainWindow(store, settings)
    window.show()
    qtbot.waitUntil(window.bridge.idle, timeout=15000)
    return folder, store, window, old, cid


def _over_the_window(window, dialog_picture):
    """The dialog as it sits over a 1280x800 window (a look at the screenshot, not an assertion)."""
    from PySide6.QtGui import QPainter

    window.resize(1280, 800)
    canvas = window.grab()
    painter = QPainter(canvas)
    painter.fillRect(canvas.rect(), Qt.GlobalColor.transparent)
    painter.drawPixmap((canvas.width() - dialog_picture.width()) // 2, (canvas.height() - dialog_picture.height()) // 2,
                       dialog_picture)
    painter.end()
    return canvas


def _close(qtbot, window, store) -> None:
    qtbot.waitUntil(window.bridge.idle, timeout=15000)
    window.shutdown()
    window.close()
    window.deleteLater()
    store.close()


def _change_the_key(qtbot, *, confirm: bool, fill=None, seen: dict) -> None:
    """File > Data encryption…: (fill the passphrases,) Change the key…, answer the
    confirmation, note what the dialog says, then Close."""
    from PySide6.QtWidgets import QMessageBox

    from fieldapp.ui.encryption_dialog import EncryptionSettingsDialog

    def on_dialog(dialog) -> None:
        seen["dialog"] = dialog
        seen["status"] = dialog.status.text()
        if fill:
            fill(dialog)

        def on_confirmation(box) -> None:
            seen["question"] = box.text()
            button = next(b for b in box.buttons() if b.text() == "Change the key") if confirm else \
                box.button(QMessageBox.StandardButton.Cancel)
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

        _when_modal(qtbot, QMessageBox, on_confirmation)
        qtbot.mouseClick(dialog.change_button, Qt.MouseButton.LeftButton)  # blocks in the confirmation
        seen["done"] = dialog.done_label.text()
        seen["error"] = dialog.message.text()
        seen["picture"] = dialog.grab()
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Close), Qt.MouseButton.LeftButton)

    _when_modal(qtbot, EncryptionSettingsDialog, on_dialog)


def test_the_file_menu_changes_the_key_after_a_confirmation_and_only_the_new_key_opens(
        qtbot, tmp_path, memory_keyring, settings):
    folder, store, window, old, cid = _encrypted_window(qtbot, tmp_path, settings)
    file_menu = window.menuBar().actions()[0].menu()
    assert window.encryption_action in file_menu.actions()  # next to Settings, where people look
    seen: dict = {}
    _change_the_key(qtbot, confirm=True, seen=seen)
    window.encryption_action.trigger()
    assert "keyring" in seen["status"] and "previous key will no longer open" in seen["question"]
    assert seen["error"] == "" and "The key was changed" in seen["done"]
    assert QApplication.overrideCursor() is None  # the busy cursor went with the work
    seen["picture"].save("/tmp/rotate.png")
    _over_the_window(window, seen["picture"]).save("/tmp/rotate-1280x800.png")
    new_hex = list(memory_keyring.secrets.values())
    assert new_hex != [old.raw.hex()] and len(new_hex) == 1
    assert store.get("contact", cid)["full_name"] == NAME  # the open window goes on with the new key
    _close(qtbot, window, store)

    with pytest.raises(encryption.WrongKey):
        Store(folder, key=old)
    with Store(folder) as again:  # the keyring holds the new key
        assert again.get("contact", cid)["full_name"] == NAME
    new = encryption.DatabaseKey(bytes.fromhex(new_hex[0]))
    backups = list((folder / "backups").glob("*.sqlite"))
    assert backups
    for backup in backups:  # rotate_key's own handling: the backups follow the new key
        conn = encryption.cipher_connect(backup, new)
        assert conn.execute("SELECT count(*) FROM contact").fetchone() == (1,)
        conn.close()


def test_cancelling_the_confirmation_changes_nothing(qtbot, tmp_path, memory_keyring, settings):
    folder, store, window, old, _cid = _encrypted_window(qtbot, tmp_path, settings)
    seen: dict = {}
    _change_the_key(qtbot, confirm=False, seen=seen)
    window.encryption_action.trigger()
    assert seen["done"] == "" and list(memory_keyring.secrets.values()) == [old.raw.hex()]
    _close(qtbot, window, store)
    with Store(folder, key=old) as again:
        assert again.count("contact") == 1


def test_a_passphrase_copy_asks_the_new_passphrase_twice(qtbot, tmp_path, monkeypatch, settings):
    monkeypatch.setenv("FIELDAPP_TOKEN_FILE", "1")  # no keyring: the key comes from a passphrase
    monkeypatch.delenv(encryption.PASSPHRASE_ENV, raising=False)
    folder, store, window, old, cid = _encrypted_window(qtbot, tmp_path, settings, passphrase="the first passphrase")

    def fill(dialog) -> None:
        assert dialog.passphrase.isVisibleTo(dialog)
        qtbot.keyClicks(dialog.passphrase, "a second passphrase")
        qtbot.keyClicks(dialog.confirm, "a second passphrase")

    seen: dict = {}
    _change_the_key(qtbot, confirm=True, fill=fill, seen=seen)
    window.encryption_action.trigger()
    assert "passphrase" in seen["status"] and "type the new passphrase" in seen["done"], seen
    seen["picture"].save("/tmp/rotate-passphrase.png")
    _close(qtbot, window, store)
    with pytest.raises(encryption.WrongKey):
        Store(folder, key=encryption.stored_key(folder, "the first passphrase"))
    with Store(folder, key=encryption.stored_key(folder, "a second passphrase")) as again:
        assert again.get("contact", cid)["full_name"] == NAME


def test_a_key_that_cannot_be_kept_is_said_and_the_previous_key_still_opens(
        qtbot, tmp_path, memory_keyring, settings, monkeypatch):
    folder, store, window, old, cid = _encrypted_window(qtbot, tmp_path, settings)

    def refuse(*_args) -> None:
        raise RuntimeError("the keyring is locked")

    monkeypatch.setattr(type(memory_keyring), "set_password", refuse)
    seen: dict = {}
    _change_the_key(qtbot, confirm=True, seen=seen)
    window.encryption_action.trigger()
    assert "Could not change the key" in seen["error"] and "the keyring is locked" in seen["error"]
    assert seen["done"] == "" and QApplication.overrideCursor() is None
    assert store.get("contact", cid)["full_name"] == NAME
    _close(qtbot, window, store)
    with Store(folder) as again:  # keyring and database still agree on the previous key
        assert again.count("contact") == 1
    with Store(folder, key=old) as again:
        assert again.count("contact") == 1
