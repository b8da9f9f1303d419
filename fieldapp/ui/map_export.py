"""The map's current view written as a PNG image or a PDF page, with a title line
saying what it shows and the date, the legend and the borders' attribution (the same
painting as on screen, so what is exported is what was seen)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QGuiApplication, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter

from fieldapp.core import formatting
from fieldapp.i18n import _, language
from fieldapp.ui.map_canvas import LegendEntry, MapCanvas, paint_legend

TITLE_PX = 34
LEGEND_PX = 240


def _heading(title: str) -> str:
    when = formatting.format_date(dt.date.today(), language(), isolate=True)
    return _("Partner map, {date}").format(date=when) + (f" · {title}" if title else "")


def page_size(canvas: MapCanvas, legend: list[LegendEntry]) -> tuple[int, int]:
    """Pixels of the exported page: the view, a title line above, the legend beside."""
    return canvas.width() + (LEGEND_PX if legend else 0), canvas.height() + TITLE_PX


def _paint_page(canvas: MapCanvas, painter: QPainter, title: str, legend: list[LegendEntry]) -> None:
    width, height = page_size(canvas, legend)
    rtl = QGuiApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
    map_left = LEGEND_PX if legend and rtl else 0
    painter.fillRect(QRectF(0, 0, width, height), QColor("white"))
    painter.setPen(QColor("#222"))
    font = painter.font()
    font.setBold(True)
    painter.setFont(font)
    words = QFontMetrics(font).elidedText(_heading(title), Qt.TextElideMode.ElideRight, width - 16)
    align = (Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft) | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignVCenter
    painter.drawText(QRectF(8, 0, width - 16, TITLE_PX), align, words)
    font.setBold(False)
    painter.setFont(font)
    if legend:
        left = 0 if rtl else canvas.width()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        paint_legend(painter, QRectF(left + 4, TITLE_PX, LEGEND_PX - 8, height - TITLE_PX), legend, rtl=rtl)
    painter.save()
    painter.translate(map_left, TITLE_PX)
    painter.setClipRect(QRectF(0, 0, canvas.width(), canvas.height()))
    canvas.paint(painter)
    painter.restore()


def export_png(canvas: MapCanvas, path: Path, *, title: str = "", legend: list[LegendEntry] | None = None,
               scale: float = 2.0) -> Path:
    """The view at `scale` times the screen's pixels (sharp enough to print small)."""
    legend = legend or []
    width, height = page_size(canvas, legend)
    image = QImage(int(width * scale), int(height * scale), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.scale(scale, scale)
    _paint_page(canvas, painter, title, legend)
    painter.end()
    if not image.save(str(path), "PNG"):
        raise OSError(0, _("the image could not be written"), str(path))
    return path


def export_pdf(canvas: MapCanvas, path: Path, *, title: str = "", legend: list[LegendEntry] | None = None) -> Path:
    """One landscape A4 page, the view scaled to fit (vector borders and points)."""
    writer = QPdfWriter(str(path))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Landscape,
                                     QMarginsF(10, 10, 10, 10), QPageLayout.Unit.Millimeter))
    writer.setTitle(_heading(title))
    writer.setCreator(_("Field App"))
    writer.setResolution(150)
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(0, _("the PDF could not be written"), str(path))
    legend = legend or []
    width, height = page_size(canvas, legend)
    page = QSizeF(writer.width(), writer.height())
    factor = min(page.width() / width, page.height() / height)
    painter.scale(factor, factor)
    _paint_page(canvas, painter, title, legend)
    painter.end()
    return path
