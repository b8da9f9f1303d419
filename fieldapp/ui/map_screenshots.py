"""The map's and the dashboard's screens for `make screenshots` (fieldapp.ui.screenshots
calls `shoot`): the world, a zoomed region with a hover, the location picker, and the
dashboard's top and its figures over time."""
from __future__ import annotations

from PySide6.QtCore import QPoint

from fieldapp.core import geo


def shoot(shots, window) -> None:
    area = window.map_area
    window.go(window.area_keys.index("map"))
    shots.settle(600)
    while area.last_load_ms is None:
        shots.settle(100)
    area.canvas.reset_view()
    shots.save("17-map")
    area.canvas.center_on(12.5, 2.0, 4.6)  # West Africa: clusters and single points
    shots.settle(500)
    shots.save("18-map-west-africa")

    page = window.page_for("organisation")
    shots.select_first("organisation")
    picker = next((p for p in window.location_pickers if p is not None and p.editor is page.editor), None)
    if picker is not None:
        picker.open_picker()
        dialog = picker.dialog
        if dialog is not None:
            shots.settle(300)
            canvas = dialog.canvas
            canvas.center_on(14.7, -17.4, 6)
            canvas.click_at(canvas.to_screen(*geo.project(-17.44, 14.69)))
            shots.save("19-map-location-picker", widget=dialog)
            dialog.reject()

    window.go(window.area_keys.index("dashboard"))
    shots.settle(600)
    while window.dashboard.figures is None:
        shots.settle(100)
    window.dashboard.scroll.verticalScrollBar().setValue(0)
    shots.save("20-dashboard")
    time_chart = window.dashboard.series["organisations_joined"]
    window.dashboard.scroll.ensureWidgetVisible(time_chart, 0, 0)
    window.dashboard.scroll.verticalScrollBar().setValue(time_chart.mapTo(window.dashboard.content, QPoint(0, 0)).y() - 40)
    shots.save("21-dashboard-over-time")
