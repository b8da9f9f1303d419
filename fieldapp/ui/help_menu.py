"""The Help menu: the user guide, the log folder and About (with the versions that
`fieldapp --version` prints, so a report names the same build either way)."""
from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMainWindow, QMessageBox, QTextBrowser, QVBoxLayout, QWidget

from fieldapp import diagnostics
from fieldapp.i18n import _
from fieldapp.paths import resources_dir
from fieldapp.ui.error_reporting import open_log_folder


class GuideDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(_("Field App user guide"))
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        guide = resources_dir() / "help" / "user-guide.md"
        self.browser.setMarkdown(guide.read_text(encoding="utf-8") if guide.exists()
                                 else _("The user guide is missing from this installation."))
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 560)


def about_text() -> str:
    lines = "<br>".join(f"{name} {version}" for name, version in diagnostics.versions().items())
    return (_("Field App keeps good practices, partners, meetings and project forms of the "
              "“4 per 1000” Initiative on this computer, with or without a network.")
            + f"<p><small>{lines}</small></p>")


def add_help_menu(window: QMainWindow) -> dict[str, QAction]:
    menu = window.menuBar().addMenu(_("&Help"))
    guide = QAction(_("&User guide"), window)
    guide.setShortcut(QKeySequence.StandardKey.HelpContents)
    guide.triggered.connect(lambda: GuideDialog(window).exec())
    logs = QAction(_("Open &log folder"), window)
    logs.triggered.connect(open_log_folder)
    about = QAction(_("&About Field App"), window)
    about.setMenuRole(QAction.MenuRole.AboutRole)
    about.triggered.connect(lambda: QMessageBox.about(window, _("About Field App"), about_text()))
    for action in (guide, logs, about):
        menu.addAction(action)
    return {"guide": guide, "logs": logs, "about": about}
