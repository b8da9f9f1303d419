"""Files dragged from the desktop onto a record's attachments are attached to it.

An event filter rather than a change to the panel: the panel keeps one way in
(`add_files`, which copies on the writer thread), and dropping is one more door to it."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QDropEvent


def local_files(event: QDropEvent) -> list[Path]:
    """The local files a drag carries (folders and remote URLs left out)."""
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and Path(u.toLocalFile()).is_file()]


class AttachmentDrop(QObject):
    """Accepts drops of files on an AttachmentsPanel (and its icon list)."""

    def __init__(self, panel):
        super().__init__(panel)
        self.panel = panel
        for widget in (panel, panel.list, panel.list.viewport()):
            widget.setAcceptDrops(True)
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if self.panel.owner_id is not None and local_files(event):
                event.acceptProposedAction()
            else:
                event.ignore()
            return True
        if kind == QEvent.Type.Drop:
            files = local_files(event)
            if self.panel.owner_id is not None and files:
                event.acceptProposedAction()
                self.panel.add_files(files)
            else:
                event.ignore()
            return True
        return False


def accept_drops(panel) -> AttachmentDrop:
    return AttachmentDrop(panel)
