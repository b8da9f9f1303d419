"""The dashboard's charts, painted with QPainter: bars with their numbers beside them,
columns over time, and KPI tiles. (QtCharts lives in PySide6-Addons, a 175 MB wheel for
two chart types; these few hundred lines draw what the dashboard needs, mirror for
right-to-left languages, and print the same to PNG and PDF.)"""
from __future__ import annotations

from typing import Callable, Sequence

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from fieldapp.ui.display import number_text

BAR = QColor("#2e7d32")
SECOND = QColor("#81c784")
GRID = QColor("#e0e0e0")
TEXT = QColor("#222222")
MUTED = QColor("#666666")

Row = tuple[str, Sequence[float]]  # label, one value per segment


class _Chart(QWidget):
    """Shared frame: a title, an accessible description listing every number (so a
    screen reader or a test reads what the picture shows)."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = title
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(260)

    def rtl(self) -> bool:
        return self.layoutDirection() == Qt.LayoutDirection.RightToLeft

    def _title(self, painter: QPainter) -> float:
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        metrics = QFontMetrics(font)
        painter.setPen(TEXT)
        align = (Qt.AlignmentFlag.AlignRight if self.rtl() else Qt.AlignmentFlag.AlignLeft) | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(QRectF(4, 0, self.width() - 8, metrics.height() + 6), align,
                         metrics.elidedText(self.title, Qt.TextElideMode.ElideRight, self.width() - 8))
        font.setBold(False)
        painter.setFont(font)
        return metrics.height() + 10


class BarChart(_Chart):
    """Horizontal bars, one row per label, with one or two stacked segments (partners
    and members, say) and the total written beside each bar."""

    def __init__(self, title: str, segments: Sequence[tuple[str, QColor]] = (("", BAR),),
                 fmt: Callable[[float], str] = number_text, parent: QWidget | None = None):
        super().__init__(title, parent)
        self.segments = list(segments)
        self.fmt = fmt
        self.rows: list[Row] = []

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.rows = list(rows)
        lines = [f"{label}: {self.fmt(sum(values))}" for label, values in self.rows]
        self.setAccessibleDescription("; ".join(lines))
        self.setToolTip("\n".join(lines))
        self.setFixedHeight(self._height())
        self.update()

    def _row_h(self) -> int:
        return self.fontMetrics().height() + 8

    def _height(self) -> int:
        legend = self._row_h() if len(self.segments) > 1 else 0
        return self.fontMetrics().height() + 14 + legend + max(1, len(self.rows)) * self._row_h() + 6

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(420, self._height())

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        top = self._title(painter)
        metrics = self.fontMetrics()
        rtl = self.rtl()
        w = self.width()
        row_h = self._row_h()
        if len(self.segments) > 1:  # a small key for the segments
            x = 6.0
            for words, colour in self.segments:
                tw = metrics.horizontalAdvance(words)
                sx = w - x - 12 if rtl else x
                painter.fillRect(QRectF(sx, top + row_h / 2 - 5, 10, 10), colour)
                painter.setPen(MUTED)
                tx = sx - 6 - tw if rtl else sx + 16
                painter.drawText(QRectF(tx, top, tw + 2, row_h), Qt.AlignmentFlag.AlignVCenter, words)
                x += tw + 36
            top += row_h
        if not self.rows:
            painter.setPen(MUTED)
            painter.drawText(QRectF(0, top, w, row_h), Qt.AlignmentFlag.AlignCenter, "—")
            painter.end()
            return
        label_w = min(w * 0.42, max(metrics.horizontalAdvance(label) for label, _v in self.rows) + 12)
        biggest = max((sum(v) for _l, v in self.rows), default=0) or 1
        number_w = max(metrics.horizontalAdvance(self.fmt(sum(v))) for _l, v in self.rows) + 10
        bar_space = max(10.0, w - label_w - number_w - 12)
        for i, (label, values) in enumerate(self.rows):
            y = top + i * row_h
            label_rect = QRectF(w - label_w - 4, y, label_w, row_h) if rtl else QRectF(4, y, label_w - 8, row_h)
            painter.setPen(TEXT)
            align = (Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft) | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(label_rect, align, metrics.elidedText(label, Qt.TextElideMode.ElideRight, int(label_rect.width())))
            offset = 0.0
            for (_words, colour), value in zip(self.segments, values):
                length = bar_space * max(0.0, value) / biggest
                x = (w - label_w - 8 - offset - length) if rtl else (label_w + offset)
                painter.fillRect(QRectF(x, y + 4, length, row_h - 8), colour)
                offset += length
            painter.setPen(MUTED)
            total = self.fmt(sum(values))
            nx = (w - label_w - 12 - offset - number_w) if rtl else (label_w + offset + 6)
            painter.drawText(QRectF(nx, y, number_w, row_h),
                             (Qt.AlignmentFlag.AlignRight if rtl else Qt.AlignmentFlag.AlignLeft) | Qt.AlignmentFlag.AlignAbsolute | Qt.AlignmentFlag.AlignVCenter,
                             total)
        painter.end()


class ColumnChart(_Chart):
    """Columns over time (oldest first in reading order), the value above each and the
    period below; long series keep every label readable by skipping some."""

    HEIGHT = 190

    def __init__(self, title: str, fmt: Callable[[float], str] = number_text, parent: QWidget | None = None):
        super().__init__(title, parent)
        self.fmt = fmt
        self.points: list[tuple[str, float]] = []
        self.setFixedHeight(self.HEIGHT)

    def set_points(self, points: Sequence[Sequence]) -> None:
        self.points = [(str(p), float(v)) for p, v in points]
        lines = [f"{p}: {self.fmt(v)}" for p, v in self.points]
        self.setAccessibleDescription("; ".join(lines))
        self.setToolTip("\n".join(lines[-24:]))
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt API
        return QSize(420, self.HEIGHT)

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt API
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        top = self._title(painter)
        metrics = self.fontMetrics()
        w, h = self.width(), self.height()
        base = h - metrics.height() - 6
        area_top = top + metrics.height() + 2
        painter.setPen(QPen(GRID, 1))
        painter.drawLine(4, int(base), w - 4, int(base))
        if not self.points:
            painter.setPen(MUTED)
            painter.drawText(QRectF(0, top, w, base - top), Qt.AlignmentFlag.AlignCenter, "—")
            painter.end()
            return
        n = len(self.points)
        slot = (w - 8) / n
        biggest = max((abs(v) for _p, v in self.points), default=0) or 1
        label_w = max(metrics.horizontalAdvance(p) for p, _v in self.points) + 6
        every = max(1, int(label_w // max(1.0, slot)) + 1)
        value_w = max(metrics.horizontalAdvance(self.fmt(v)) for _p, v in self.points) + 4
        show_values = value_w <= slot * 1.1
        for i, (period, value) in enumerate(self.points):
            index = n - 1 - i if self.rtl() else i
            x = 4 + index * slot
            height = (base - area_top) * abs(value) / biggest
            bar_w = min(slot * 0.7, 56.0)  # one or two periods stay columns, not walls
            painter.fillRect(QRectF(x + (slot - bar_w) / 2, base - height, bar_w, height), BAR if value >= 0 else QColor("#c62828"))
            if show_values or i == n - 1:
                painter.setPen(TEXT)
                painter.drawText(QRectF(x + slot / 2 - value_w / 2, base - height - metrics.height() - 2, value_w, metrics.height()),
                                 Qt.AlignmentFlag.AlignCenter, self.fmt(value))
            if i % every == 0 or i == n - 1:
                painter.setPen(MUTED)
                painter.drawText(QRectF(x + slot / 2 - label_w / 2, base + 2, label_w, metrics.height() + 2),
                                 Qt.AlignmentFlag.AlignCenter, period)
        painter.end()


class KpiTile(QFrame):
    """One headline number with what it counts underneath."""

    def __init__(self, caption: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("kpiTile")
        self.setStyleSheet("#kpiTile { background: palette(base); border: 1px solid palette(mid); border-radius: 6px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        self.value = QLabel("—")
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.value.setFont(font)
        self.caption = QLabel(caption)
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.value)
        layout.addWidget(self.caption)
        self.setMinimumWidth(150)
        self.setMaximumWidth(240)

    def set_value(self, text: str) -> None:
        self.value.setText(text)
        self.setAccessibleName(f"{self.caption.text()}: {text}")
