"""Save a PNG of each main screen on demo data: `python -m fieldapp.ui.screenshots OUTDIR`.

Used by `make screenshots` to look at the window without a display (offscreen) and to
catch clipped text, empty panes and bad spacing before a release.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, QSettings, Qt  # noqa: E402
from PySide6.QtGui import QColor, QImage, QPainter  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QTabWidget, QWidget  # noqa: E402

from fieldapp.core import attachments  # noqa: E402
from fieldapp.core.store import Store  # noqa: E402
from fieldapp.ui.app import make_app  # noqa: E402
from fieldapp.ui.i18n_qt import apply_language  # noqa: E402
from fieldapp.ui.main_window import MainWindow
from fieldapp.ui.window_setup import WindowServices  # noqa: E402
from fieldapp.ui.settings import Settings, SettingsDialog  # noqa: E402
from fieldapp.ui.theme import dark_palette, light_palette  # noqa: E402

SIZE = (1366, 860)


def _fill(store: Store, scale: int) -> None:
    try:
        from fieldapp.core import demo
    except ImportError:  # demo data arrives with its own issue; a few rows will do
        org = store.insert("organisation", {"name": "ICRISAT", "org_type": store.catalog.codes("org_type")[0], "country": "IN"})
        for i, fam in enumerate(store.catalog.codes("practice_family")):
            store.insert("practice", {"title": f"Practice {i + 1}", "family": fam, "country": "SN", "organisation_id": org})
        store.insert("meeting", {"title": "Hyderabad workshop", "starts_on": "2023-02-10", "country": "IN"})
        return
    demo.generate(store, scale=scale, seed=1)


def _conflict(store: Store, practice_id: str) -> None:
    """An open conflict on a practice's title, as the server sends one."""
    import uuid

    from sqlalchemy import insert

    from fieldapp.core.tables import TABLES

    title = store.get("practice", practice_id)["title"]
    sides = [{"value": title, "author": "amina", "hlc": "1795300000000:00000:dev-a"},
             {"value": title + " (révisé)", "author": "bruno", "hlc": "1795300600000:00000:dev-b"}]
    with store.transaction() as tx:
        tx.conn.execute(insert(TABLES["conflict"]).values(
            id=str(uuid.uuid4()), entity="practice", row_id=practice_id, field="title", sides=sides,
            provisional=sides[1]["value"], opened_at="2026-11-20T10:00:00Z", status="open"))


def _photo(folder: Path) -> Path:
    """A small picture to attach (soil layers), so thumbnails show."""
    image = QImage(480, 320, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    for top, colour in ((0, "#cfe3f2"), (120, "#7a5230"), (200, "#5e3d22"), (260, "#45291a")):
        painter.fillRect(0, top, 480, 320 - top, QColor(colour))
    painter.setPen(QColor("#2f7d32"))
    painter.setBrush(QColor("#43a047"))
    painter.drawEllipse(200, 50, 80, 60)
    painter.end()
    path = folder / "soil-profile.png"
    image.save(str(path))
    return path


class Shooter:
    def __init__(self, app: QApplication, window: MainWindow, out: Path):
        self.app, self.window, self.out = app, window, out
        self.saved: list[Path] = []

    def settle(self, ms: int = 350) -> None:
        deadline = time.monotonic() + 10
        QTest.qWait(ms)
        while not self.window.bridge.idle() and time.monotonic() < deadline:
            QTest.qWait(30)
        QTest.qWait(60)

    def save(self, name: str, widget: QWidget | None = None, popup: QWidget | None = None) -> None:
        self.settle()
        widget = widget or self.window
        image = widget.grab().toImage()
        if popup is not None and popup.isVisible():
            # Offscreen there is no window manager to place the popup: draw it where a
            # desktop puts it, under its anchor.
            anchor = popup.property("anchor") or popup.parentWidget()
            at = anchor.mapTo(widget, QPoint(0, anchor.height())) if anchor is not None else QPoint(0, 0)
            painter = QPainter(image)
            painter.drawPixmap(at, popup.grab())
            painter.end()
        path = self.out / f"{name}.png"
        image.save(str(path))
        self.saved.append(path)

    def select_first(self, entity_name: str, pick: Callable[[list[dict]], int] | None = None) -> str | None:
        page = self.window.page_for(entity_name)
        self.settle()
        if page.model.rowCount() == 0:
            return None
        row = 0
        if pick is not None:
            row = pick([page.model.record(i) or {} for i in range(min(50, page.model.rowCount()))])
        # as a click does (selectRow finds no column to make current in right-to-left
        # layouts whose columns do not fill the view)
        page.view.setCurrentIndex(page.model.index(row, max(page.model.column_of(page.entity.title), 1)))
        self.settle()
        return page.model.row_id(row)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--scale", type=int, default=400, help="demo data scale (about that many practices)")
    parser.add_argument("--lang", default="en", help="language of the window (ar shows the right-to-left layout)")
    args = parser.parse_args(argv)
    out: Path = args.outdir
    out.mkdir(parents=True, exist_ok=True)
    app = make_app(["fieldapp"])
    apply_language(app, args.lang)
    app.setPalette(light_palette(app))  # the same look whatever the machine's scheme
    work = Path(tempfile.mkdtemp(prefix="fieldapp-shots-"))
    store = Store(work / "data", author="screenshots")
    _fill(store, args.scale)
    settings = Settings(QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat))
    window = MainWindow(store, settings)
    services = WindowServices(window, settings.q)  # the sync area and the forms area, as the app has them
    window.resize(*SIZE)
    window.show()
    shots = Shooter(app, window, out)
    shots.settle(800)

    pid = shots.select_first("practice")
    if pid:
        attachments.add_file(store, "practice", pid, _photo(work))
    shots.save("01-practices")
    editor = window.pages["practice"].editor
    editor.scroll.verticalScrollBar().setValue(editor.scroll.verticalScrollBar().maximum())
    shots.save("02-practice-attachments")

    shots.select_first("organisation")
    shots.save("03-organisations")
    org_editor = window.pages["organisation"].editor
    org_editor.scroll.verticalScrollBar().setValue(org_editor.scroll.verticalScrollBar().maximum())
    shots.save("04-organisation-contacts")
    shots.select_first("contact")
    shots.save("05-contacts")
    shots.select_first("project")
    shots.save("06-projects")
    window.page_for("project")
    tabs = next(t for t in window.findChildren(QTabWidget) if t.indexOf(services.forms) >= 0)
    tabs.setCurrentWidget(services.forms)
    shots.settle(800)  # the bundled templates are published on first use
    templates = services.forms.templates()
    if templates:
        services.forms.new_submission(templates[0]["id"], "Agroforesterie et compost à Kaya", country="BF")
        shots.settle(1200)
    shots.save("07-form-submissions")

    meeting_id = shots.select_first("meeting")
    shots.save("08-meetings")
    if meeting_id:
        window.open_capture(meeting_id)
        shots.save("09-meeting-capture")
        window.capture.tabs.setCurrentIndex(1)
        shots.save("10-meeting-decisions")
        window.capture.tabs.setCurrentIndex(3)
        shots.save("11-meeting-capture-practice")
        window.capture.back.emit()

    if pid:  # a conflict as a sync would bring it, to show the inbox
        _conflict(store, pid)
        services.sync_area.inbox.reload()
    window.go(4)
    shots.save("12-sync")

    page = window.page_for("practice")
    page.new_record()
    lat = page.editor.inputs["latitude"].widget
    page.editor.inputs["title"].widget.setText("Zaï pits with compost")
    page.editor.inputs["title"].finished.emit()
    lat.setText("95")
    page.editor.inputs["latitude"].edited.emit()
    page.editor.scroll.ensureWidgetVisible(lat, 50, 200)
    shots.save("13-new-practice-validation")

    window.focus_search()
    window.search.setText("agroforest")
    window.search.textEdited.emit("agroforest")
    shots.settle(600)
    popup = window.search.completer().popup()
    popup.setProperty("anchor", window.search)
    popup.resize(window.search.width(), popup.height())
    shots.save("14-search", popup=popup)
    window.search.completer().popup().hide()

    dialog = SettingsDialog(settings, store.data_dir, window)
    dialog.show()
    shots.save("15-settings", widget=dialog)
    dialog.close()

    from fieldapp.ui import map_screenshots

    map_screenshots.shoot(shots, window)

    app.setPalette(dark_palette())
    window.page_for("practice")
    shots.select_first("practice")
    shots.save("16-practices-dark")

    for path in shots.saved:
        print(path)
    services.shutdown()
    window.shutdown()
    window.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
