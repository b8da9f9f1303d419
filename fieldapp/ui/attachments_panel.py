"""Photos, PDFs and videos attached to a practice or a meeting: copied into the data
folder by SHA-256 (on the writer thread), thumbnails made off the UI thread, opened
with the system's viewer."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QIcon, QImage, QImageReader, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QFileDialog, QHBoxLayout, QLabel, QListView, QListWidget, QListWidgetItem, QPushButton, QStyle, QVBoxLayout,
    QWidget,
)

from fieldapp.core import attachments
from fieldapp.i18n import _
from fieldapp.ui import dialogs
from fieldapp.ui.display import number_text
from fieldapp.ui.editor import ERROR_STYLE

THUMB = 96
ROW_ROLE = Qt.ItemDataRole.UserRole + 10


def _size_text(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{number_text(round(n, 1) if unit != 'B' else n)} {unit}"
        n /= 1024
    return str(n)


def _thumbnail(path: Path | None) -> QImage | None:
    """A small image for a photo (runs in a worker; QImage is thread-safe)."""
    if path is None:
        return None
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    if not reader.canRead():
        return None
    size = reader.size()
    if size.isValid():
        reader.setScaledSize(size.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return None if image.isNull() else image


Fetch = Callable[[dict], Path]  # an attachment row -> its local path (downloads; runs off the UI thread)


class AttachmentsPanel(QWidget):
    changed = Signal()  # the list on screen was refreshed

    def __init__(self, bridge, owner: str, parent: QWidget | None = None, *, fetch: Fetch | None = None):
        """`fetch` downloads an attachment synced from someone else when it is opened;
        the window's sync services hand it over once set up (`set_fetch`) and take it
        back when they shut down, so no panel holds on to a closed window's sync."""
        super().__init__(parent)
        self.fetch = fetch
        self.bridge = bridge
        self.store = bridge.store
        self.owner = owner
        self.media_entity = attachments.media_entity(owner)
        self.owner_id: str | None = None
        self._generation = 0
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setGridSize(QSize(THUMB + 60, THUMB + 48))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setWordWrap(True)
        self.list.setMinimumHeight(THUMB + 60)
        self.list.setAccessibleName(_("Attachments"))
        self.list.itemActivated.connect(lambda _i: self.open_selected())
        buttons = QHBoxLayout()
        self.add_button = QPushButton(_("Add files…"))
        self.open_button = QPushButton(_("Open"))
        self.remove_button = QPushButton(_("Remove"))
        self.remove_button.setAccessibleName(_("Remove selected attachment"))
        for b in (self.add_button, self.open_button, self.remove_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.message = QLabel()
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.hide()
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.list)
        self.add_button.clicked.connect(self.choose_files)
        self.open_button.clicked.connect(self.open_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        remove_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.list)
        remove_key.setContext(Qt.ShortcutContext.WidgetShortcut)  # only while the list has focus
        remove_key.activated.connect(self.remove_selected)
        bridge.changed.connect(self._on_changed)
        self.set_owner(None)

    def set_fetch(self, fetch: Fetch | None) -> None:
        self.fetch = fetch

    def set_owner(self, owner_id: str | None) -> None:
        self.owner_id = owner_id
        for b in (self.add_button, self.open_button, self.remove_button, self.list):
            b.setEnabled(owner_id is not None)
        self.refresh()

    def _on_changed(self, entity_name: str, _row_id: str) -> None:
        if entity_name == self.media_entity and self.owner_id:
            self.refresh()

    def refresh(self) -> None:
        self._generation += 1
        gen = self._generation
        if self.owner_id is None:
            self.list.clear()
            return
        store, owner, oid = self.store, self.owner, self.owner_id

        def load() -> list[tuple[dict, QImage | None]]:
            rows = attachments.attachments(store, owner, oid)
            return [(r, _thumbnail(attachments.local_path(store, r)) if r["mime_type"].startswith("image/") else None)
                    for r in rows]

        self.bridge.read(load, lambda items: self._show(gen, items))

    def _show(self, gen: int, items: list[tuple[dict, QImage | None]]) -> None:
        if gen != self._generation:
            return
        self.list.clear()
        style = self.style()
        for row, image in items:
            if image is not None:
                icon = QIcon(QPixmap.fromImage(image))
            elif row["kind"] == "video":
                icon = style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
            else:
                icon = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)
            item = QListWidgetItem(icon, f"{row['file_name']}\n{_size_text(row['size'])}")
            item.setData(ROW_ROLE, row)
            item.setToolTip(f"{row['file_name']} · {row['mime_type']}")
            self.list.addItem(item)
        self.changed.emit()

    def rows(self) -> list[dict]:
        return [self.list.item(i).data(ROW_ROLE) for i in range(self.list.count())]

    def choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(
            self, _("Attach files"), str(Path.home()),
            _("Photos, documents and videos") + " (*.jpg *.jpeg *.png *.gif *.webp *.tif *.tiff *.heic *.pdf *.doc *.docx "
            "*.odt *.xls *.xlsx *.ppt *.pptx *.txt *.mp4 *.mov *.avi *.mkv *.webm);;" + _("All files") + " (*)")
        if paths:
            self.add_files([Path(p) for p in paths])

    def add_files(self, paths: Sequence[Path]) -> None:
        """Copy each file into the data folder and attach it (on the writer thread)."""
        if self.owner_id is None:
            return
        self._say(None)
        for path in paths:
            self.bridge.write(attachments.add_file, self.store, self.owner, self.owner_id, path,
                              on_error=lambda exc, p=path: self._say(_("Could not attach {name}: {reason}").format(
                                  name=Path(p).name, reason=exc)))

    def _selected(self) -> dict | None:
        item = self.list.currentItem()
        return item.data(ROW_ROLE) if item is not None else None

    def open_selected(self) -> bool:
        row = self._selected()
        if row is None:
            return False
        path = attachments.local_path(self.store, row)
        if path is not None:
            return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        fetch = self.fetch
        if fetch is None:
            self._say(_("{name} is not on this computer yet; log in to the sync server to fetch it.").format(name=row["file_name"]))
            return False
        self._say(_("Downloading {name}…").format(name=row["file_name"]))

        def opened(local: Path) -> None:
            self._say(None)
            self.refresh()  # the thumbnail can be drawn now
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(local)))

        def failed(exc: BaseException) -> None:
            self._say(_("{name} could not be downloaded: {reason}").format(name=row["file_name"], reason=exc))

        self.bridge.read(lambda: fetch(row), opened, failed)
        return True

    def remove_selected(self) -> None:
        row = self._selected()
        if row is None:
            return
        if not dialogs.confirm(self, _("Remove attachment"), _("Remove “{name}”?").format(name=row["file_name"]),
                               action=_("Remove")):
            return
        self.bridge.write(attachments.remove, self.store, self.media_entity, row["id"])

    def _say(self, message: str | None) -> None:
        self.message.setText(message or "")
        self.message.setVisible(bool(message))
