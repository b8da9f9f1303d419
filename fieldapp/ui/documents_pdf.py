"""Lay out practice sheets and meeting minutes (content built Qt-free in
fieldapp.core.practice_sheet / meeting_minutes) with QTextDocument, into a PDF with
QPdfWriter or onto a printer. No new dependency: both ship with PySide6-Essentials.

Fonts: the documents embed the fonts shipped in resources/fonts (Noto Sans, Noto Naskh
Arabic, a GB 2312 subset of Droid Sans Fallback), registered once per process, so an
Arabic or Chinese sheet prints the same on a machine without those fonts installed.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor, QFont, QFontDatabase, QImage, QPageLayout, QPageSize, QPainter, QPagedPaintDevice, QPdfWriter, QPen,
    QTextDocument, QTextOption,
)

from fieldapp.core import meeting_minutes, practice_sheet
from fieldapp.i18n import is_right_to_left, language
from fieldapp.paths import resources_dir

FAMILIES = ["Noto Sans", "Noto Naskh Arabic", "Droid Sans Fallback"]
BASE_POINTS = 9.5
_registered: list[str] | None = None


def register_fonts() -> list[str]:
    """Add the shipped fonts to the application's font database (once); returns the
    families registered."""
    global _registered
    if _registered is None:
        families: list[str] = []
        for path in sorted((resources_dir() / "fonts").glob("*.ttf")):
            font_id = QFontDatabase.addApplicationFont(str(path))
            if font_id >= 0:
                families.extend(QFontDatabase.applicationFontFamilies(font_id))
        _registered = list(dict.fromkeys(families))
    return _registered


def document_font(lang: str | None = None) -> QFont:
    register_fonts()
    font = QFont()
    families = list(FAMILIES)
    if is_right_to_left(lang):
        families.insert(0, families.pop(1))  # Arabic first: its digits and punctuation match the text
    elif (lang or "") == "zh":
        families.insert(0, families.pop(2))
    font.setFamilies(families)
    font.setPointSizeF(BASE_POINTS)
    return font


def map_inset(latitude: float, longitude: float, width: int = 520, height: int = 260) -> QImage:
    """A locator: the world on a 30° graticule (equirectangular) with the place marked.
    (Drawn without borders: the map widget with Natural Earth borders lives elsewhere.)"""
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("#e3f2fd"))
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(QColor("#90a4ae"), 1))
    for lon in range(-180, 181, 30):
        x = (lon + 180) / 360 * (width - 1)
        p.drawLine(QPointF(x, 0), QPointF(x, height))
    for lat in range(-90, 91, 30):
        y = (90 - lat) / 180 * (height - 1)
        p.drawLine(QPointF(0, y), QPointF(width, y))
    p.setPen(QPen(QColor("#37474f"), 2))
    p.drawLine(QPointF(0, height / 2), QPointF(width, height / 2))  # the equator
    p.drawRect(QRectF(0, 0, width - 1, height - 1))
    x = (longitude + 180) / 360 * (width - 1)
    y = (90 - latitude) / 180 * (height - 1)
    p.setPen(QPen(QColor("#b71c1c"), 3))
    p.setBrush(QColor("#e53935"))
    p.drawEllipse(QPointF(x, y), 8, 8)
    p.drawLine(QPointF(x - 16, y), QPointF(x + 16, y))
    p.drawLine(QPointF(x, y - 16), QPointF(x, y + 16))
    p.end()
    return image


def _document(html: str, images: dict[str, QImage], lang: str | None) -> QTextDocument:
    doc = QTextDocument()
    doc.setDefaultFont(document_font(lang))
    option = QTextOption()
    option.setTextDirection(Qt.LayoutDirection.RightToLeft if is_right_to_left(lang) else Qt.LayoutDirection.LeftToRight)
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    doc.setDefaultTextOption(option)
    for name, image in images.items():
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
    doc.setHtml(html)
    return doc


def sheet_document(content: practice_sheet.SheetContent, lang: str | None = None) -> QTextDocument:
    images: dict[str, QImage] = {}
    if content.location:
        images[practice_sheet.map_source(content.practice_id)] = map_inset(*content.location)
    for photo in content.photos:
        image = QImage(str(photo.path))
        if not image.isNull():
            images[photo.source] = image.scaledToWidth(600, Qt.TransformationMode.SmoothTransformation)
    return _document(content.html, images, lang or language())


def minutes_document(content: meeting_minutes.MinutesContent, lang: str | None = None) -> QTextDocument:
    return _document(content.html, {}, lang or language())


def _setup(device: QPagedPaintDevice) -> None:
    device.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(16, 14, 16, 14), QPageLayout.Unit.Millimeter))


def paint(documents: Sequence[QTextDocument], device: QPagedPaintDevice) -> int:
    """Paint each document on `device`, each starting on a new page; returns the page count."""
    _setup(device)
    painter = QPainter(device)
    page = QRectF(device.pageLayout().paintRectPixels(device.resolution()))
    pages = 0
    try:
        for i, doc in enumerate(documents):
            doc.documentLayout().setPaintDevice(device)
            doc.setPageSize(QSizeF(page.width(), page.height()))
            count = doc.pageCount()
            for n in range(count):
                if pages:
                    device.newPage()
                painter.save()
                painter.translate(0, -n * page.height())
                doc.drawContents(painter, QRectF(0, n * page.height(), page.width(), page.height()))
                painter.restore()
                pages += 1
    finally:
        painter.end()
    return pages


def write_pdf(documents: Sequence[QTextDocument], path: Path | str, title: str = "") -> int:
    """A PDF of the documents (one after another); returns its page count."""
    writer = QPdfWriter(str(path))
    writer.setResolution(300)
    writer.setTitle(title)
    writer.setCreator("Field App")
    return paint(documents, writer)


def practice_sheets_pdf(store, practice_ids: Iterable[str], path: Path | str) -> int:
    """One PDF holding the sheet of each practice (a batch of the current list)."""
    docs = [sheet_document(practice_sheet.build(store, pid)) for pid in practice_ids]
    return write_pdf(docs, path, docs[0].metaInformation(QTextDocument.MetaInformation.DocumentTitle) if docs else "")


def minutes_pdf(store, meeting_id: str, path: Path | str) -> int:
    content = meeting_minutes.build(store, meeting_id)
    return write_pdf([minutes_document(content)], path, content.title)


def person_pdf(store, contact_id: str, path: Path | str) -> int:
    """Everything this computer holds about one contact, readable (core/person_data.py)."""
    from fieldapp.core import person_data

    export = person_data.export_person(store, contact_id)
    html = person_data.export_html(export, store.catalog)
    return write_pdf([_document(html, {}, language())], path, export.data["contact"].get("full_name") or "")
