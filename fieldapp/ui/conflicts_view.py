"""The conflicts inbox: each open conflict with its record, field, both values, who and
when; the person keeps one side or writes a merged value, field by field. A delete
against an edit offers to restore the record or confirm the deletion. The resolution
is stored at once and syncs to everyone."""
from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_datetime
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton,
    QSplitter, QVBoxLayout, QWidget,
)

from fieldapp.core import fieldspec as fs
from fieldapp.core.hlc import Stamp
from fieldapp.core.schema import BY_NAME
from fieldapp.core.translations import field_label
from fieldapp.i18n import _, language, ngettext
from fieldapp.ui.bridge import StoreBridge
from fieldapp.ui.display import record_title, value_text
from fieldapp.ui.inbox_page import InboxPage
from sync.wire import DELETED_KEY


def when_text(hlc: str | None) -> str:
    if not hlc:
        return ""
    try:
        moment = dt.datetime.fromtimestamp(Stamp.parse(hlc).millis / 1000, dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        return ""
    try:
        return format_datetime(moment, format="medium", locale=language())
    except Exception:  # noqa: BLE001 - an unknown locale falls back to ISO
        return moment.isoformat(timespec="minutes")


def side_text(side: dict) -> str:
    """Who wrote one side of a conflict, on which device and when: one person may work on
    a laptop and a desktop, and the two values can both be theirs."""
    author = side.get("author") or _("someone")
    when = when_text(side.get("hlc"))
    device = side.get("device") or device_of(side.get("hlc"))
    if device:
        return _("By {author} on device {device}, {when}").format(author=author, device=device, when=when)
    return _("By {author}, {when}").format(author=author, when=when)


def device_of(hlc: str | None) -> str | None:
    """The device part of a hybrid logical clock stamp ("ms:counter:device")."""
    parts = (hlc or "").split(":")
    return parts[2] if len(parts) == 3 and parts[2] else None


class ConflictsInbox(InboxPage):
    resolved = Signal()  # a conflict was settled: the window syncs soon

    def __init__(self, bridge: StoreBridge, parent: QWidget | None = None):
        split = QSplitter(Qt.Orientation.Horizontal)
        super().__init__(bridge, split, parent)
        self.split = split
        self.conflicts: list[dict] = []
        self._settled_here = False
        self.list = QListWidget()
        self.list.setAccessibleName(_("Open conflicts"))
        self.list.currentRowChanged.connect(self._show)
        split.addWidget(self.list)
        self.detail = QWidget()
        self.detail_layout = QVBoxLayout(self.detail)
        split.addWidget(self.detail)
        split.setStretchFactor(1, 2)
        self.start()

    def reload(self) -> None:
        store = self.store
        self.bridge.read(lambda: [(c, store.get(c["entity"], c["row_id"])) for c in store.conflicts()], self._fill)

    def _fill(self, items: list[tuple[dict, dict | None]]) -> None:
        current = self.conflicts[self.list.currentRow()]["id"] if 0 <= self.list.currentRow() < len(self.conflicts) else None
        self.conflicts = [c | {"record": row} for c, row in items]
        self.list.blockSignals(True)
        self.list.clear()
        for c in self.conflicts:
            e = BY_NAME.get(c["entity"])
            label = _(e.label) if e else c["entity"]
            fld = _("Deleted or kept") if c["field"] == DELETED_KEY else field_label(e.field(c["field"])) if e and e.has(c["field"]) else c["field"]
            item = QListWidgetItem(f"{label} “{record_title(e, c['record']) if e else c['row_id']}” · {fld}")
            self.list.addItem(item)
        self.list.blockSignals(False)
        n = len(self.conflicts)
        self.split.setVisible(n > 0)
        if n:
            self.heading.setText(ngettext("{n} conflict needs a decision. Both values are kept until you choose.",
                                          "{n} conflicts need a decision. Both values are kept until you choose.",
                                          n).format(n=n))
        elif self._settled_here:  # the message below says what happened; no "merged by itself" beside it
            self.heading.setText(_("No conflict left to settle."))
        else:
            self.heading.setText(_("No conflicts: every change merged by itself."))
        ids = [c["id"] for c in self.conflicts]
        self.list.setCurrentRow(ids.index(current) if current in ids else (0 if n else -1))
        self._show(self.list.currentRow())

    def _clear_detail(self) -> None:
        while self.detail_layout.count():
            widget = self.detail_layout.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)  # out of the tree now, not at the next event loop turn
                widget.deleteLater()

    def _show(self, index: int) -> None:
        self._clear_detail()
        if not 0 <= index < len(self.conflicts):
            return
        c = self.conflicts[index]
        e = BY_NAME.get(c["entity"])
        if e is None:
            return
        if c["field"] == DELETED_KEY:
            self._show_delete(c)
            return
        f = e.field(c["field"])
        # the field's name after a colon: no past participle to agree with it (fr "Titre a été modifié")
        self.detail_layout.addWidget(QLabel(_("Changed in two places: {field}").format(field=field_label(f))))
        for side in c["sides"]:
            box = QGroupBox(side_text(side))
            row = QHBoxLayout(box)
            shown = QLabel(value_text(f, side.get("value"), self.store.catalog) or _("(empty)"))
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            row.addWidget(shown, 1)
            keep = QPushButton(_("Keep this value"))
            keep.clicked.connect(lambda _=False, v=side.get("value"), cid=c["id"]: self.resolve(cid, v))
            row.addWidget(keep)
            self.detail_layout.addWidget(box)
        merged_box = QGroupBox(_("Or write the value to keep"))
        merged_layout = QVBoxLayout(merged_box)
        start = c.get("provisional")
        editor: QLineEdit | QPlainTextEdit
        if f.kind == fs.LONGTEXT:
            editor = QPlainTextEdit("" if start is None else str(start))
            text_of = editor.toPlainText
        else:
            editor = QLineEdit("" if start is None else (", ".join(start) if isinstance(start, list) else str(start)))
            text_of = editor.text
        editor.setAccessibleName(_("Merged value"))
        merged_layout.addWidget(editor)
        use = QPushButton(_("Use this value"))
        use.clicked.connect(lambda _=False, cid=c["id"], fld=f: self._resolve_typed(cid, fld, text_of()))
        merged_layout.addWidget(use, 0, Qt.AlignmentFlag.AlignRight)
        self.detail_layout.addWidget(merged_box)
        self.detail_layout.addStretch(1)

    def _show_delete(self, c: dict) -> None:
        deleted_by = [s for s in c["sides"] if s.get("value") is True]
        kept_by = [s for s in c["sides"] if s.get("value") is False]
        who_deleted = ", ".join(s.get("author") or "?" for s in deleted_by) or _("someone")
        who_edited = ", ".join(s.get("author") or "?" for s in kept_by) or _("someone")
        text = QLabel(_("{a} deleted this record while {b} was changing it. It stays visible until you decide.")
                      .format(a=who_deleted, b=who_edited))
        text.setWordWrap(True)
        self.detail_layout.addWidget(text)
        row = QHBoxLayout()
        restore = QPushButton(_("Restore the record"))
        restore.clicked.connect(lambda: self.resolve(c["id"], None, deleted=False))
        confirm = QPushButton(_("Confirm the deletion"))
        confirm.clicked.connect(lambda: self.resolve(c["id"], None, deleted=True))
        row.addWidget(restore)
        row.addWidget(confirm)
        row.addStretch(1)
        holder = QWidget()
        holder.setLayout(row)
        self.detail_layout.addWidget(holder)
        self.detail_layout.addStretch(1)

    def _resolve_typed(self, conflict_id: str, f: fs.Field, text: str) -> None:
        value: Any = text
        if f.kind == fs.MULTI:
            value = [p.strip() for p in text.split(",") if p.strip()]
        self.resolve(conflict_id, value)

    def resolve(self, conflict_id: str, value: Any, *, deleted: bool | None = None) -> None:
        def settled() -> None:
            self._settled_here = True  # read by the refill the reload has queued
            self.resolved.emit()

        self.act(self.store.resolve_conflict, conflict_id, value, deleted=deleted,
                 done=_("Settled. Your choice will reach everyone at the next sync."),
                 failed=_("Not settled: {reason}"), then=settled)
