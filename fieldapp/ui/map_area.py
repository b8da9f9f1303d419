"""The partner map area: the canvas, the layer and filter bar (the lists' own filters),
the records that have no position, optional MBTiles tiles, and PNG/PDF export.

Points are read and clustered in a worker (core.geo_points): the window never waits for
100 000 practices. A change to an organisation or practice reloads the map, debounced.
"""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox, QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMenu, QMessageBox,
    QSplitter, QToolButton, QVBoxLayout, QWidget,
)

from fieldapp.core.geo_cluster import SINGLES, level_for
from fieldapp.core.geo_mbtiles import MBTiles, MBTilesError
from fieldapp.core.geo_points import (
    COLOUR_FIELD, FILTER_FIELDS, first_view, load_layer, records_by_rowid, unplaced_records,
)
from fieldapp.core.schema import entity
from fieldapp.ui.theme import heading
from fieldapp.i18n import _, language, ngettext
from fieldapp.ui.display import choice_label, number_text
from fieldapp.ui.map_canvas import MapCanvas, MapLegend, category_colours
from fieldapp.ui.map_export import export_pdf, export_png
from fieldapp.ui.pickers import CodeCombo, FlowLayout

LAYER_ORDER = ("organisation", "practice")
MAP_FILTERS = ("college", "org_type", "region", "family", "climate_zone", "review_status")
ID_ROLE = Qt.ItemDataRole.UserRole + 1


class MapArea(QWidget):
    """See the module docstring; `open_record(entity, id)` asks the window to show a record."""

    open_record = Signal(str, str)
    first_shown = Signal()  # the current filters' clusters are on the map (every point may still be coming)
    loaded = Signal()  # the layers of the current filters are on the map, every point of them

    def __init__(self, bridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.store = bridge.store
        self._generation = 0
        self._building: set[tuple[str, int]] = set()
        self._active = False
        self.last_load_ms: float | None = None
        self.unplaced: dict[str, list[tuple[str, str]]] = {}
        self.unplaced_counts: dict[str, int] = {}
        self._build()
        self._reload_timer = QTimer(self, singleShot=True, interval=600)
        self._reload_timer.timeout.connect(self.reload)
        bridge.changed.connect(self._on_store_changed)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        head = QHBoxLayout()
        title = heading(_("Partner map"), 1.3)
        self.count_label = QLabel()
        head.addWidget(title)
        head.addWidget(self.count_label, 1)
        self.tiles_button = QToolButton()
        self.tiles_button.setText(_("Detailed tiles…"))
        self.tiles_button.setToolTip(_("Show raster tiles from an MBTiles file on this computer"))
        self.tiles_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        tiles_menu = QMenu(self.tiles_button)
        tiles_menu.addAction(_("Open an MBTiles file…"), self.choose_tiles)
        self.clear_tiles_action = tiles_menu.addAction(_("Borders only"), lambda: self.set_tiles(None))
        self.clear_tiles_action.setEnabled(False)
        self.tiles_button.setMenu(tiles_menu)
        self.export_button = QToolButton()
        self.export_button.setText(_("Export view…"))
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        export_menu = QMenu(self.export_button)
        export_menu.addAction(_("As a PNG image…"), lambda: self._export("png"))
        export_menu.addAction(_("As a PDF document…"), lambda: self._export("pdf"))
        self.export_button.setMenu(export_menu)
        head.addWidget(self.tiles_button)
        head.addWidget(self.export_button)
        outer.addLayout(head)

        bar = QWidget()
        flow = FlowLayout(bar, spacing=6)
        self.layer_boxes: dict[str, QCheckBox] = {}
        for name, words in (("organisation", _("Partners and members")), ("practice", _("Practices"))):
            box = QCheckBox(words)
            box.setChecked(True)
            box.toggled.connect(self.reload)
            self.layer_boxes[name] = box
            flow.addWidget(box)
        self.filter_widgets: dict[str, CodeCombo] = {}
        for name in MAP_FILTERS:
            owner = "organisation" if name in FILTER_FIELDS["organisation"] and name != "region" else "practice"
            combo = self._filter_combo(entity(owner).field(name))
            combo.picked.connect(self.reload)
            self.filter_widgets[name] = combo
            flow.addWidget(combo)
        self.group_box = QCheckBox(_("Group nearby points"))
        self.group_box.setChecked(True)
        self.group_box.setToolTip(_("Dense places show one circle with a count; click it to zoom in"))
        self.group_box.toggled.connect(lambda on: self.canvas.set_grouped(on))
        flow.addWidget(self.group_box)
        outer.addWidget(bar)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.canvas = MapCanvas()
        self.canvas.record_clicked.connect(self.open_record.emit)
        self.canvas.level_builder = self._build_level
        self.canvas.record_lookup = self._lookup
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(4, 0, 0, 0)
        self.legend = MapLegend()
        side_layout.addWidget(self.legend)
        self.unplaced_label = QLabel()
        self.unplaced_label.setWordWrap(True)
        self.unplaced_list = QListWidget()
        self.unplaced_list.setAccessibleName(_("Records without coordinates"))
        self.unplaced_list.itemActivated.connect(self._open_unplaced)
        self.unplaced_list.itemClicked.connect(self._open_unplaced)
        side_layout.addWidget(self.unplaced_label)
        side_layout.addWidget(self.unplaced_list, 1)
        self.splitter.addWidget(self.canvas)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([900, 240])
        outer.addWidget(self.splitter, 1)
        hint = QLabel(_("Drag or two-finger scroll to move, wheel or pinch to zoom; keys: + − arrows 0"))
        hint.setStyleSheet("color: palette(placeholder-text);")
        outer.addWidget(hint)

    def _filter_combo(self, f) -> CodeCombo:
        lang = language()
        if f.ref_list:
            options = [(c, self.store.catalog.label(f.ref_list, c, lang)) for c in self.store.catalog.codes(f.ref_list)]
        else:
            options = [(c, choice_label(c)) for c in f.choices or ()]
        combo = CodeCombo(options, editable=False, empty_text=_("{label}: all").format(label=_(f.label)))
        combo.setSizeAdjustPolicy(combo.SizeAdjustPolicy.AdjustToContents)
        combo.setAccessibleName(_("Filter by {label}").format(label=_(f.label)))
        combo.setToolTip(_("Filter by {label}").format(label=_(f.label)))
        return combo

    # ------------------------------------------------------------------ filters
    def current_filters(self) -> dict[str, str]:
        return {k: w.raw() for k, w in self.filter_widgets.items() if w.raw() is not None}

    def set_filter(self, key: str, code: str | None) -> None:
        """Set one filter as a person would (tests, links from other areas)."""
        self.filter_widgets[key].set_code(code)
        self.reload()

    def shown_layers(self) -> list[str]:
        return [n for n in LAYER_ORDER if self.layer_boxes[n].isChecked()]

    # ------------------------------------------------------------------ loading
    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not self._active:
            self._active = True
            self.canvas.reset_view()
            self.reload()

    def reload(self) -> None:
        """Read the layers under the current filters in a worker, then show them: first
        the clusters of the view, grouped by SQLite (core.geo_points.first_view), then
        every point (for deeper zooms, ungrouped points) and the records without a
        position, read after that first paint."""
        self._active = True
        self._generation += 1
        gen = self._generation
        filters = self.current_filters()
        names = self.shown_layers()
        store = self.store
        started = time.perf_counter()

        level = (level_for(self.canvas.zoom) if self.group_box.isChecked() else SINGLES,)

        def first():
            MapCanvas.land_path()  # the borders, read and shaped here the first time, not on the UI thread
            views = {n: first_view(store, n, filters, level[0]) for n in names} if level[0] != SINGLES else {}
            return views if views and None not in views.values() else None

        def read():
            layers = {n: load_layer(store, n, filters, levels=level) for n in names}
            missing = {n: unplaced_records(store, n, filters, limit=500) for n in names}
            return layers, missing

        def then_all(views: dict | None) -> None:
            if gen != self._generation:
                return
            if views is not None:
                self._show_layers(views)
                self.first_shown.emit()
            self.bridge.read(read, lambda result: self._show(gen, started, *result, announced=views is not None))

        self.count_label.setText(_("Reading…"))
        self.bridge.read(first, then_all)

    def _show_layers(self, layers: dict) -> None:
        """Put these layers (first views or whole ones) on the map, with their counts and legend."""
        for name in LAYER_ORDER:
            if name in layers:
                codes = self.store.catalog.codes(entity(name).field(COLOUR_FIELD[name]).ref_list or "")
                self.canvas.set_layer(layers[name], category_colours(codes))
            else:
                self.canvas.remove_layer(name)
        self._building.clear()
        self.unplaced_counts = {n: layers[n].unplaced for n in layers}
        self._show_counts(layers)
        self._update_legend()

    def _show(self, gen: int, started: float, layers: dict, missing: dict, *, announced: bool = False) -> None:
        if gen != self._generation:
            return  # filters changed meanwhile: a newer read is on its way
        self._show_layers(layers)
        self.unplaced = missing
        self._show_unplaced()
        self.last_load_ms = (time.perf_counter() - started) * 1000
        if not announced:
            self.first_shown.emit()
        self.loaded.emit()

    def _show_counts(self, layers: dict) -> None:
        parts = []
        if "organisation" in layers:
            n = len(layers["organisation"])
            parts.append(ngettext("{n} organisation", "{n} organisations", n).format(n=number_text(n)))
        if "practice" in layers:
            n = len(layers["practice"])
            parts.append(ngettext("{n} practice", "{n} practices", n).format(n=number_text(n)))
        self.count_label.setText(" · ".join(parts))

    def _show_unplaced(self) -> None:
        self.unplaced_list.clear()
        total = sum(self.unplaced_counts.values())
        self.unplaced_label.setText(
            ngettext("{n} record without coordinates", "{n} records without coordinates", total).format(
                n=number_text(total)) + (":" if total else ""))
        for name in LAYER_ORDER:
            for rid, title in self.unplaced.get(name, []):
                item = QListWidgetItem(f"{title or _('(untitled)')} · {_(entity(name).label)}")
                item.setData(ID_ROLE, (name, rid))
                item.setToolTip(_("Open it to add a latitude and longitude"))
                self.unplaced_list.addItem(item)
        shown = self.unplaced_list.count()
        if shown < total:
            more = QListWidgetItem(ngettext("… and {n} more", "… and {n} more", total - shown).format(
                n=number_text(total - shown)))
            more.setFlags(Qt.ItemFlag.NoItemFlags)
            self.unplaced_list.addItem(more)

    def _open_unplaced(self, item: QListWidgetItem) -> None:
        data = item.data(ID_ROLE)
        if data:
            self.open_record.emit(*data)

    def _update_legend(self) -> None:
        legend = []
        lang = language()
        for name, layer in self.canvas.layers.items():
            list_name = entity(name).field(COLOUR_FIELD[name]).ref_list or ""
            present = {c for c in layer.index.categories}
            colours = self.canvas.colours[name]
            if present:
                heading = _("Partners and members, by college") if name == "organisation" else _("Practices, by family")
                legend.append((name, None, heading))
            for code in self.store.catalog.codes(list_name):
                if code in present:
                    legend.append((name, colours[code], self.store.catalog.label(list_name, code, lang)))
            if None in present:
                legend.append((name, colours[None], _("Not stated")))
        self.legend.set_entries(legend)

    def _build_level(self, entity_name: str, level: int) -> None:
        """A zoom level nobody built yet: cluster it in a worker, then redraw."""
        key = (entity_name, level)
        layer = self.canvas.layers.get(entity_name)
        if layer is None or key in self._building:
            return
        self._building.add(key)
        index = layer.index
        self.bridge.read(lambda: index.level(level), lambda _level: self.canvas.update())

    def _lookup(self, entity_name: str, rowids: list[int], deliver) -> None:
        store = self.store
        self.bridge.read(lambda: records_by_rowid(store, entity_name, rowids), deliver)

    def _on_store_changed(self, entity_name: str, _row_id: str) -> None:
        if self._active and entity_name in LAYER_ORDER:
            self._reload_timer.start()

    # ------------------------------------------------------------------ tiles and export
    def choose_tiles(self) -> None:
        path, _f = QFileDialog.getOpenFileName(self, _("Open an MBTiles file"), "", _("MBTiles (*.mbtiles);;All files (*)"))
        if path:
            self.open_tiles(Path(path))

    def open_tiles(self, path: Path) -> bool:
        """Show the tiles of `path`; a file that cannot serve tiles is explained, and the
        map keeps its borders."""
        try:
            tiles = MBTiles(path)
        except MBTilesError as exc:
            QMessageBox.warning(self, _("Detailed tiles"), str(exc))
            return False
        self.set_tiles(tiles)
        return True

    def set_tiles(self, tiles: MBTiles | None) -> None:
        self.canvas.set_tiles(tiles)
        self.clear_tiles_action.setEnabled(tiles is not None)

    def _export(self, kind: str) -> None:
        suffix = {"png": _("PNG image (*.png)"), "pdf": _("PDF document (*.pdf)")}[kind]
        path, _f = QFileDialog.getSaveFileName(self, _("Export the map view"), f"map.{kind}", suffix)
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != f".{kind}":
            target = target.with_suffix(f".{kind}")
        try:
            (export_png if kind == "png" else export_pdf)(self.canvas, target, title=self.export_title(),
                                                          legend=self.legend.entries)
        except OSError as exc:
            QMessageBox.warning(self, _("Export the map view"), _("Could not write {file}: {reason}").format(
                file=target, reason=exc.strerror or exc))

    def export_title(self) -> str:
        """What the exported view shows, in words (the filters in force)."""
        parts = [self.count_label.text()]
        for key, widget in self.filter_widgets.items():
            if widget.raw() is not None:
                parts.append(widget.currentText())
        return " · ".join(p for p in parts if p)
