"""The dashboard written as a PNG image or a paginated PDF, painted from the widgets
themselves so the file shows what the screen shows (charts stay vector in the PDF)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QRegion
from PySide6.QtWidgets import QWidget

from fieldapp.core import formatting
from fieldapp.i18n import _, language


def export_png(content: QWidget, path: Path, *, scale: float = 1.5) -> Path:
    """The whole dashboard (not only what the scroll area shows)."""
    image = QImage(int(content.width() * scale), int(content.height() * scale), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.scale(scale, scale)
    content.render(painter, QPoint(0, 0), QRegion(content.rect()), QWidget.RenderFlag.DrawChildren)
    painter.end()
    if not image.save(str(path), "PNG"):
        raise OSError(0, _("the image could not be written"), str(path))
    return path


def export_pdf(content: QWidget, path: Path, *, title: str) -> Path:
    """A4 portrait pages, the dashboard scaled to the page width and cut into pages."""
    writer = QPdfWriter(str(path))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(12, 12, 12, 12), QPageLayout.Unit.Millimeter))
    writer.setResolution(150)
    when = formatting.format_date(dt.date.today(), language(), isolate=True)
    writer.setTitle(f"{title}, {when}")
    writer.setCreator(_("Field App"))
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(0, _("the PDF could not be written"), str(path))
    factor = writer.width() / max(1, content.width())
    heading_px = 30
    page_px = int(writer.height() / factor) - heading_px  # content pixels per page
    top = 0
    page = 1
    while top < content.height():
        if page > 1:
            writer.newPage()
        painter.save()
        painter.scale(factor, factor)
        painter.setPen(QColor("#222"))
        painter.drawText(QRectF(0, 0, content.width(), heading_px), Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter,
                         _("{title}, {date} · page {n}").format(title=title, date=when, n=page))
        height = min(page_px, content.height() - top)
        content.render(painter, QPoint(0, heading_px), QRegion(QRect(0, top, content.width(), height)),
                       QWidget.RenderFlag.DrawChildren)
        painter.restore()
        top += page_px
        page += 1
    painter.end()
    return path
