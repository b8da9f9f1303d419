"""A long day in the real main window, in a process of its own (so a crash is a finding,
not the end of the test run): switch areas, scroll lists with the wheel, open records,
type in the search box, edit a field; every few hundred actions it samples None's
reference count and the resident memory, then prints one JSON line.

    python -m tests.ui.soak_driver DATA_DIR ACTIONS

PySide6 6.12.0 on CPython 3.11 dropped a reference to None on every void Qt call and the
window aborted ("none_dealloc") after about 13 500 such actions; this is the guard.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

SAMPLE_EVERY = 250


def rss_mb() -> float:
    """Resident memory now (Linux /proc), else the peak so far."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(data_dir: Path, actions: int) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from fieldapp.core import demo
    from fieldapp.core.store import Store
    from fieldapp.ui.main_window import MainWindow
    from fieldapp.ui.settings import Settings

    app = QApplication.instance() or QApplication(["soak"])
    store = Store(data_dir, author="soak")
    if not store.count("practice"):
        demo.generate(store, scale=300, seed=3)
    window = MainWindow(store, Settings(QSettings(str(data_dir / "settings.ini"), QSettings.Format.IniFormat)))
    window.resize(1280, 800)
    window.show()

    def pump(until=None, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        app.processEvents()
        while until is not None and not until() and time.monotonic() < deadline:
            QTest.qWait(5)

    pump(lambda: window.pages["practice"].model.rowCount() > 0, 30)
    pages = [window.pages[k] for k in ("practice", "organisation", "contact", "meeting")]
    words = ("agro", "compost", "sahel", "semis", "x")

    def wheel(page, down: bool) -> None:
        view = page.view.viewport()
        pos = QPointF(view.width() / 2, view.height() / 2)
        delta = QPoint(0, -120 if down else 120)
        event = QWheelEvent(pos, view.mapToGlobal(pos), QPoint(0, 0), delta, Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(view, event)

    def open_row(page, i: int) -> None:
        n = page.model.rowCount()
        if n:
            page.view.setCurrentIndex(page.model.index(i % n, 0))

    def search(i: int) -> None:
        box = window.search
        box.setFocus()
        box.clear()
        QTest.keyClicks(box, words[i % len(words)])

    def edit(i: int) -> None:
        page = window.pages["practice"]
        open_row(page, i)
        pump(lambda: page.editor.row_id is not None, 5)
        title = page.editor.inputs["title"].widget
        title.setFocus()
        QTest.keyClick(title, Qt.Key.Key_End)
        QTest.keyClicks(title, "!" if i % 2 else "")
        QTest.keyClick(title, Qt.Key.Key_Backspace if i % 2 else Qt.Key.Key_Space)
        QTest.keyClick(title, Qt.Key.Key_Return)

    steps = (
        lambda i: window.go(i % 5),
        lambda i: wheel(pages[i % len(pages)], down=i % 3 != 0),
        lambda i: open_row(pages[i % len(pages)], i * 7),
        search,
        lambda i: window.go(0),
        edit,
        lambda i: window.repaint(),
    )
    samples: list[dict] = []
    started = time.monotonic()
    for i in range(actions):
        steps[i % len(steps)](i)
        pump()
        if i % SAMPLE_EVERY == 0 or i == actions - 1:
            pump(window.bridge.idle, 10)
            samples.append({"action": i, "none_refs": sys.getrefcount(None), "rss_mb": round(rss_mb(), 1)})
    pump(window.bridge.idle, 15)
    window.close()
    store.close()
    print("SOAK " + json.dumps({"actions": actions, "seconds": round(time.monotonic() - started, 1),
                                "samples": samples}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), int(sys.argv[2])))
