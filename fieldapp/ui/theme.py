"""Light and dark looks that follow the system (Fusion style, palette from the colour
scheme the platform reports), and the application icon."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QLabel

from fieldapp.paths import resources_dir


def dark_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor(37, 37, 38), QColor(45, 45, 48), QColor(230, 230, 230)
    role = QPalette.ColorRole
    for r, c in ((role.Window, window), (role.WindowText, text), (role.Base, base), (role.AlternateBase, QColor(52, 52, 56)),
                 (role.ToolTipBase, window), (role.ToolTipText, text), (role.Text, text), (role.Button, window),
                 (role.ButtonText, text), (role.BrightText, QColor(255, 90, 90)), (role.Highlight, QColor(76, 140, 74)),
                 (role.HighlightedText, QColor(255, 255, 255)), (role.Link, QColor(130, 190, 120)),
                 (role.PlaceholderText, QColor(150, 150, 150)), (role.Mid, QColor(70, 70, 74))):
        p.setColor(r, c)
    for r in (role.Text, role.ButtonText, role.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, r, QColor(128, 128, 128))
    return p


def light_palette(app: QApplication) -> QPalette:
    p = app.style().standardPalette()
    p.setColor(QPalette.ColorRole.Highlight, QColor(61, 122, 58))
    p.setColor(QPalette.ColorRole.Link, QColor(45, 100, 42))
    return p


def apply_theme(app: QApplication) -> None:
    """Fusion with a palette for the system's scheme; follows changes while running."""
    app.setStyle("Fusion")

    def apply(scheme: Qt.ColorScheme) -> None:
        app.setPalette(dark_palette() if scheme == Qt.ColorScheme.Dark else light_palette(app))

    hints = QGuiApplication.styleHints()
    apply(hints.colorScheme())
    hints.colorSchemeChanged.connect(apply)


def app_icon() -> QIcon:
    icon = QIcon()
    folder = resources_dir() / "icons"
    svg = folder / "fieldapp.svg"
    if svg.exists():
        icon.addFile(str(svg))
    for size in (16, 32, 64, 128, 256):
        png = folder / f"fieldapp-{size}.png"
        if png.exists():
            icon.addFile(str(png))
    return icon


def heading(text: str, scale: float = 1.5) -> QLabel:
    """The bold title at the top of an area."""
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label
