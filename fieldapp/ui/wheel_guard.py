"""The mouse wheel scrolls the page, never a value the pointer happens to pass over.

Qt lets an unfocused combo box, spin box or slider take a wheel turn: scrolling a long
editor with the pointer crossing "Written in" changed it to empty, and the change was
saved and synced. Guarded widgets take the wheel only once they have the keyboard
focus (clicked or tabbed into); otherwise the turn goes on to their parent, so the
scroll area around them scrolls as the person meant. Wheel turns no longer give them
focus either.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea, QAbstractSlider, QAbstractSpinBox, QApplication, QComboBox, QWidget,
)

GUARDED = (QComboBox, QAbstractSpinBox, QAbstractSlider)


class WheelGuard(QObject):
    """Event filter on guarded widgets (see the module docstring)."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() != QEvent.Type.Wheel or not isinstance(obj, QWidget) or _has_focus(obj):
            return False
        area = _scroll_area_around(obj)
        if area is not None:
            QApplication.sendEvent(area.viewport(), event)  # the page scrolls, as meant
        else:
            event.ignore()  # nothing to scroll here: Qt offers the turn to the parents
        return True


def _has_focus(widget: QWidget) -> bool:
    focused = QApplication.focusWidget()
    return focused is not None and (focused is widget or widget.isAncestorOf(focused))


def _scroll_area_around(widget: QWidget) -> QAbstractScrollArea | None:
    """The nearest scroll area whose page holds `widget` (its viewport is an ancestor)."""
    parent = widget.parentWidget()
    while parent is not None and not widget.isWindow():
        if isinstance(parent, QAbstractScrollArea) and parent.viewport().isAncestorOf(widget):
            return parent
        if parent.isWindow():
            return None
        parent = parent.parentWidget()
    return None


_guard: WheelGuard | None = None


def guard(*widgets: QWidget) -> None:
    """Make these widgets take the wheel only when focused."""
    global _guard
    if _guard is None:
        _guard = WheelGuard(QApplication.instance())
    for widget in widgets:
        if widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        widget.installEventFilter(_guard)
