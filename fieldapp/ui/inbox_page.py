"""What the sync area's two inboxes share (the conflicts to settle, the changes the
service refused): a heading that counts what waits, the items, a line saying how the
last action went, and a reload whenever the store changes."""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from fieldapp.ui.bridge import StoreBridge


class InboxPage(QWidget):
    def __init__(self, bridge: StoreBridge, body: QWidget, parent: QWidget | None = None, *, margin: int = 0):
        """`body` shows the items, between the heading and the message line."""
        super().__init__(parent)
        self.bridge = bridge
        self.store = bridge.store
        layout = QVBoxLayout(self)
        layout.setContentsMargins(margin, margin, margin, margin)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        layout.addWidget(body, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

    def start(self) -> None:
        """Fill the page now and again after every change of the store (once the
        subclass has built what `reload` fills)."""
        self.bridge.changed.connect(lambda *_a: self.reload())
        self.reload()

    def reload(self) -> None:
        raise NotImplementedError

    def act(self, work: Callable[..., Any], *args: Any, done: str, failed: str,
            then: Callable[[], None] | None = None, **kw: Any) -> None:
        """Run `work` on the writer thread; say `done`, or `failed` with its {reason},
        on the message line; reload (and call `then`) once it is done."""
        def finished(_result: object) -> None:
            self.message.setText(done)
            self.reload()
            if then is not None:
                then()

        self.bridge.write(work, *args, **kw, on_done=finished,
                          on_error=lambda exc: self.message.setText(failed.format(reason=exc)))
