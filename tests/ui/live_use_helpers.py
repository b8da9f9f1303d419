"""Helpers that act on the window the way a person's mouse does.

A wheel turn from the mouse is a "spontaneous" event: Qt hands it to the widget under
the pointer and, while nobody accepts it, to each parent in turn (QApplication::notify).
Events a test sends are not spontaneous and Qt would stop at the first widget, so
`wheel_over` walks the parents itself, exactly as Qt does for the real thing.
"""
from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QWidget


def wheel_over(widget: QWidget, steps: int = -1) -> QWidget:
    """Turn the mouse wheel `steps` notches (negative: towards the person, i.e. scroll
    down) with the pointer over the middle of `widget`; returns the widget hit."""
    window = widget.window()
    at = widget.mapTo(window, widget.rect().center())
    target = window.childAt(at) or window
    for _ in range(abs(steps)):
        receiver = target
        while receiver is not None:
            local = receiver.mapFrom(window, at)
            event = QWheelEvent(QPointF(local), QPointF(receiver.mapToGlobal(local)), QPoint(),
                                QPoint(0, 120 if steps > 0 else -120), Qt.MouseButton.NoButton,
                                Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
            event.setAccepted(True)
            QApplication.sendEvent(receiver, event)
            if event.isAccepted() or receiver.isWindow():
                break
            receiver = receiver.parentWidget()
    return target


def click(widget: QWidget, button: Qt.MouseButton = Qt.MouseButton.LeftButton) -> None:
    """Click the middle of `widget` through its window, as the window system delivers a
    click: an open popup (completion list, menu) gets it first, as on a real screen.
    (qtbot.mouseClick hands the click to the widget itself, past any popup.)"""
    from PySide6.QtTest import QTest

    window = widget.window()
    QTest.mouseClick(window.windowHandle(), button, Qt.KeyboardModifier.NoModifier,
                     widget.mapTo(window, widget.rect().center()))
