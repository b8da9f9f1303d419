"""Needs attention: the changes the service refused, each with its record, the reason
in plain words, what to do, and buttons to open the record, retry or discard.

A change stays here until the person fixes it (editing the record sends the edit and
the refused change again as one), retries it, or discards it: nothing is dropped
silently. Changes refused for a cause that goes away by itself (a record not yet on
the service) are listed apart, as waiting: they need nobody, but a person sees that
they have not reached anyone yet.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QScrollArea, QSizePolicy, QVBoxLayout, QWidget,
)

from fieldapp.core import outbox
from fieldapp.core.schema import BY_NAME
from fieldapp.i18n import _, ngettext
from fieldapp.sync_client.refusals import Refusal
from fieldapp.ui.bridge import StoreBridge
from fieldapp.ui.display import number_text, record_title
from fieldapp.ui.inbox_page import InboxPage


def _record_of(store, op: dict) -> tuple[str, str, str]:
    """(entity, row id, words) of the record a refused op is about: a meeting part or an
    attachment is opened through the record it belongs to."""
    e = BY_NAME.get(op["entity"])
    if e is None:
        return op["entity"], op["row_id"], op["entity"]
    row = store.get(e.name, op["row_id"])
    words = f"{_(e.label)} “{record_title(e, row) if row else op['row_id'][:8]}”"
    if e.parent and row and row.get(e.parent):
        parent = BY_NAME[e.field(e.parent).ref or ""]
        prow = store.get(parent.name, row[e.parent])
        words = f"{words} · {_(parent.label)} “{record_title(parent, prow)}”"
        return parent.name, row[e.parent], words
    return e.name, op["row_id"], words


class AttentionCard(QFrame):
    """One refused change."""

    def __init__(self, op: dict, record: tuple[str, str, str], parent: QWidget | None = None):
        super().__init__(parent)
        self.op = op
        self.entity, self.row_id, words = record
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(_("Refused change: {record}").format(record=words))
        refusal = Refusal.parse(op.get("error"))
        layout = QVBoxLayout(self)
        self.title = QLabel(words)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.title)
        self.reason = QLabel(refusal.what() + (f" ({refusal.detail})" if refusal.detail else ""))
        self.reason.setWordWrap(True)
        self.reason.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.reason)
        self.advice = QLabel(refusal.advice())
        self.advice.setWordWrap(True)
        self.advice.setTextFormat(Qt.TextFormat.PlainText)
        self.advice.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.advice)
        buttons = QHBoxLayout()
        self.open_button = QPushButton(_("Open the record"))
        self.retry_button = QPushButton(_("Retry"))
        self.discard_button = QPushButton(_("Discard the change…"))
        for b in (self.open_button, self.retry_button, self.discard_button):
            b.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)


class NeedsAttention(InboxPage):
    open_record = Signal(str, str)  # entity, row id
    count_changed = Signal(int, int)  # needing a person, waiting by themselves
    retried = Signal()  # a change goes again: the window syncs soon

    def __init__(self, bridge: StoreBridge, parent: QWidget | None = None):
        scroll = QScrollArea()
        super().__init__(bridge, scroll, parent, margin=8)
        self.scroll = scroll
        self.cards: list[AttentionCard] = []
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 0, 0)
        self.scroll.setWidget(self.body)
        self.start()

    def reload(self) -> None:
        store = self.store

        def read() -> list[tuple[dict, tuple[str, str, str]]]:
            return [(op, _record_of(store, op)) for op in store.set_aside()]
        self.bridge.read(read, self._fill)

    def _fill(self, items: list[tuple[dict, tuple[str, str, str]]]) -> None:
        while self.body_layout.count():
            w = self.body_layout.takeAt(0).widget()
            if w is not None:
                w.setParent(None)
                w.deleteLater()
        self.cards = []
        attention = [(op, rec) for op, rec in items if op["state"] == outbox.REJECTED]
        waiting = [(op, rec) for op, rec in items if op["state"] == outbox.WAITING]
        if not items:
            self.heading.setText(_("Nothing needs attention: every change the server refused has been settled."))
        else:
            parts = []
            if attention:
                parts.append(ngettext("{n} change was refused by the server and needs you.",
                                      "{n} changes were refused by the server and need you.", len(attention))
                             .format(n=number_text(len(attention))))
            if waiting:
                parts.append(ngettext("{n} change waits and is sent again at every sync.",
                                      "{n} changes wait and are sent again at every sync.", len(waiting))
                             .format(n=number_text(len(waiting))))
            parts.append(ngettext("It stays on this computer until it is settled.",
                                  "They stay on this computer until they are settled.", len(items)))
            self.heading.setText(" ".join(parts))
        for group, title in ((attention, _("Needs you")), (waiting, _("Waiting, sent again by itself"))):
            if not group:
                continue
            label = QLabel(title)
            font = label.font()
            font.setBold(True)
            label.setFont(font)
            self.body_layout.addWidget(label)
            for op, rec in group:
                card = AttentionCard(op, rec)
                card.open_button.clicked.connect(lambda _=False, c=card: self.open_record.emit(c.entity, c.row_id))
                card.retry_button.clicked.connect(lambda _=False, c=card: self.retry(c.op["op_id"]))
                card.discard_button.clicked.connect(lambda _=False, c=card: self.discard(c.op["op_id"], ask=True))
                self.body_layout.addWidget(card)
                self.cards.append(card)
        self.body_layout.addStretch(1)
        self.count_changed.emit(len(attention), len(waiting))

    def retry(self, op_id: str) -> None:
        self.act(outbox.retry, self.store, op_id, done=_("Sent again at the next sync."),
                 failed=_("Not done: {reason}"), then=self.retried.emit)

    def discard(self, op_id: str, ask: bool = False) -> None:
        if ask:
            answer = QMessageBox.question(
                self, _("Discard the change?"),
                _("This change will never reach the server. A record that exists only on this computer is "
                  "removed with it; otherwise this computer keeps what you typed until the record changes again."))
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.act(outbox.discard, self.store, op_id, done=_("Discarded."), failed=_("Not done: {reason}"))
