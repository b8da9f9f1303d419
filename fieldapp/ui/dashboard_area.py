"""The "4 per 1000" dashboard area: the figures of fieldapp.core.dashboard (computed in a
worker, never here) as KPI tiles, bar and column charts with their numbers, and a table
per country; filters by region, date range and period; export as PNG, PDF and CSV."""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QMenu, QMessageBox, QScrollArea,
    QTableWidget, QTableWidgetItem, QToolButton, QVBoxLayout, QWidget,
)

from fieldapp.core import dashboard as figures_core
from fieldapp.core.dashboard import NOT_STATED, DashboardFilter
from fieldapp.core.formatting import format_decimal, format_percent
from fieldapp.ui.theme import heading
from fieldapp.i18n import _, language
from fieldapp.ui.dashboard_charts import BAR, SECOND, BarChart, ColumnChart, KpiTile
from fieldapp.ui.dashboard_export import export_pdf, export_png
from fieldapp.ui.display import choice_label, number_text
from fieldapp.ui.pickers import CodeCombo, FlowLayout, OptionalDateEdit

REF_LISTS = {"college": "college", "region": "region", "org_type": "org_type", "family": "practice_family",
             "climate_zone": "climate_zone", "country": "country"}
WATCHED = {"organisation", "practice", "meeting", "meeting_participant", "decision", "action_item", "project"}


def tonnes(value: float) -> str:
    return format_decimal(value, language(), decimals=0 if abs(value) >= 100 else 1)


class _NumberItem(QTableWidgetItem):
    """A table cell that sorts by its number, shown formatted for the locale."""

    def __init__(self, value: float, text: str):
        super().__init__(text)
        self.value = value
        self.setTextAlignment(Qt.AlignmentFlag.AlignTrailing | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other) -> bool:
        return self.value < getattr(other, "value", 0)


class DashboardArea(QWidget):
    loaded = Signal()

    def __init__(self, bridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.store = bridge.store
        self.figures: dict | None = None
        self.last_compute_ms: float | None = None
        self._generation = 0
        self._active = False
        self._build()
        self._refresh_timer = QTimer(self, singleShot=True, interval=800)
        self._refresh_timer.timeout.connect(self.reload)
        bridge.changed.connect(self._on_store_changed)

    # ------------------------------------------------------------------ words
    def label(self, kind: str, code: str) -> str:
        """Words for a code of a grouped figure (the CSV's label column too)."""
        if code == NOT_STATED:
            return _("Not stated")
        if kind in REF_LISTS:
            return self.store.catalog.label(REF_LISTS[kind], code, language())
        return choice_label(code)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        head = QHBoxLayout()
        title = heading(_("4 per 1000 dashboard"), 1.3)
        self.status = QLabel()
        self.status.setStyleSheet("color: palette(placeholder-text);")
        head.addWidget(title)
        head.addWidget(self.status, 1)
        self.export_button = QToolButton()
        self.export_button.setText(_("Export…"))
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.export_button)
        menu.addAction(_("As a PNG image…"), lambda: self._export("png"))
        menu.addAction(_("As a PDF document…"), lambda: self._export("pdf"))
        menu.addAction(_("As a CSV table…"), lambda: self._export("csv"))
        self.export_button.setMenu(menu)
        head.addWidget(self.export_button)
        outer.addLayout(head)

        bar = QWidget()
        flow = FlowLayout(bar, spacing=6)
        lang = language()
        regions = [(c, self.store.catalog.label("region", c, lang)) for c in self.store.catalog.codes("region")]
        self.region = CodeCombo(regions, editable=False, empty_text=_("All regions"))
        self.region.setAccessibleName(_("Filter by region"))
        self.region.picked.connect(self.reload)
        flow.addWidget(self.region)
        self.date_edits: dict[str, OptionalDateEdit] = {}
        for key, words in (("date_from", _("From")), ("date_until", _("Until"))):
            box = QWidget()
            row = QHBoxLayout(box)
            row.setContentsMargins(0, 0, 0, 0)
            label = QLabel(words)
            edit = OptionalDateEdit()
            edit.edit.setAccessibleName(words)
            label.setBuddy(edit.edit)
            edit.picked.connect(self.reload)
            row.addWidget(label)
            row.addWidget(edit)
            self.date_edits[key] = edit
            flow.addWidget(box)
        self.period = QComboBox()
        for code, words in (("month", _("By month")), ("quarter", _("By quarter")), ("year", _("By year"))):
            self.period.addItem(words, code)
        self.period.setCurrentIndex(2)
        self.period.setAccessibleName(_("Period"))
        self.period.activated.connect(lambda _i: self.reload())
        flow.addWidget(self.period)
        outer.addWidget(bar)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.content = QWidget()
        self.content.setObjectName("dashboardContent")
        self.content.setAutoFillBackground(True)
        body = QVBoxLayout(self.content)
        tiles = QWidget()
        tiles_flow = FlowLayout(tiles, spacing=8)
        self.tiles: dict[str, KpiTile] = {}
        for key, caption in (
            ("partners", _("Partners")), ("members", _("Members")), ("practices", _("Practices")),
            ("impacts_share", _("Practices stating their impacts")), ("meetings_held", _("Meetings held")),
            ("people_reached", _("People reached")), ("women_share", _("Women among them")),
            ("youth_share", _("Youth among them")), ("open_actions_past_due", _("Open actions past due")),
            ("carbon_c", _("t C a year the practices may store")), ("carbon_co2", _("t CO₂ a year")),
        ):
            self.tiles[key] = KpiTile(caption)
            tiles_flow.addWidget(self.tiles[key])
        body.addWidget(tiles)

        grid = QGridLayout()
        grid.setHorizontalSpacing(16)
        grid.setVerticalSpacing(14)
        both = ((_("Partners"), BAR), (_("Members"), SECOND))
        self.charts: dict[str, BarChart] = {
            "by_college": BarChart(_("Partners and members by college"), both),
            "by_region": BarChart(_("Partners and members by region"), both),
            "by_type": BarChart(_("Organisations by type")),
            "by_family": BarChart(_("Practices by family")),
            "by_climate_zone": BarChart(_("Practices by climate zone")),
            "by_review_status": BarChart(_("Practices by review status")),
            "decisions": BarChart(_("Decisions by outcome")),
            "projects": BarChart(_("Projects by status")),
        }
        for i, chart in enumerate(self.charts.values()):
            grid.addWidget(chart, i // 2, i % 2, Qt.AlignmentFlag.AlignTop)
        body.addLayout(grid)

        self.time_heading = QLabel()
        font = self.time_heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.time_heading.setFont(font)
        body.addWidget(self.time_heading)
        time_grid = QGridLayout()
        time_grid.setHorizontalSpacing(16)
        self.series: dict[str, ColumnChart] = {
            "organisations_joined": ColumnChart(_("Organisations that joined")),
            "practices_recorded": ColumnChart(_("Practices recorded")),
            "meetings_held": ColumnChart(_("Meetings held")),
            "people_reached": ColumnChart(_("People reached")),
            "projects_started": ColumnChart(_("Projects started")),
            "carbon_t_c_per_year": ColumnChart(_("t C a year, by when the practice was recorded"), fmt=tonnes),
        }
        for i, chart in enumerate(self.series.values()):
            time_grid.addWidget(chart, i // 2, i % 2)
        body.addLayout(time_grid)

        country_heading = QLabel(_("Per country: farmers, area and carbon"))
        country_heading.setFont(font)
        body.addWidget(country_heading)
        note = QLabel(_("Carbon a year = area × measured SOC change, for practices that state both; t CO₂ = t C × 44/12."))
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(placeholder-text);")
        body.addWidget(note)
        self.countries = QTableWidget(0, 6)
        self.countries.setHorizontalHeaderLabels([
            _("Country"), _("Practices"), _("Farmers applying them"), _("Area (ha)"), _("t C a year"), _("t CO₂ a year")])
        self.countries.verticalHeader().hide()
        self.countries.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.countries.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.countries.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.countries.setSortingEnabled(True)
        self.countries.setAccessibleName(_("Per country: farmers, area and carbon"))
        body.addWidget(self.countries)
        body.addStretch(1)
        self.scroll.setWidget(self.content)
        outer.addWidget(self.scroll, 1)

    # ------------------------------------------------------------------ loading
    def current_filter(self) -> DashboardFilter:
        return DashboardFilter(region=self.region.raw(), date_from=self.date_edits["date_from"].raw(),
                               date_until=self.date_edits["date_until"].raw(), period=self.period.currentData())

    def showEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().showEvent(event)
        if not self._active:
            self._active = True
            self.reload()

    def reload(self) -> None:
        self._active = True
        try:
            flt = self.current_filter()
        except ValueError:
            self.status.setText(_("The start date is after the end date: no figures for that range."))
            return
        self._generation += 1
        gen = self._generation
        store = self.store
        started = time.perf_counter()
        self.status.setText(_("Counting…"))
        self.bridge.read(lambda: figures_core.compute(store, flt), lambda f: self._show(gen, started, f),
                         lambda exc: self.status.setText(_("Could not count: {reason}").format(reason=exc)))

    def _on_store_changed(self, entity_name: str, _row_id: str) -> None:
        if self._active and entity_name in WATCHED:
            self._refresh_timer.start()

    def _show(self, gen: int, started: float, figures: dict) -> None:
        if gen != self._generation:
            return
        self.figures = figures
        self.last_compute_ms = (time.perf_counter() - started) * 1000
        org, pr, me = figures["organisations"], figures["practices"], figures["meetings"]
        lang = language()
        values = {
            "partners": number_text(org["partners"]), "members": number_text(org["members"]),
            "practices": number_text(pr["total"]), "impacts_share": format_percent(pr["impacts_share"], lang),
            "meetings_held": number_text(me["held"]), "people_reached": number_text(me["people_reached"]),
            "women_share": format_percent(me["women_share"], lang), "youth_share": format_percent(me["youth_share"], lang),
            "open_actions_past_due": number_text(figures["outcomes"]["open_actions_past_due"]),
            "carbon_c": tonnes(sum(c["carbon_t_c_per_year"] for c in figures["countries"])),
            "carbon_co2": tonnes(sum(c["carbon_t_co2_per_year"] for c in figures["countries"])),
        }
        for key, text in values.items():
            self.tiles[key].set_value(text)
        self._bars("by_college", "college", {k: [v["partner"], v["member"]] for k, v in org["by_college"].items()})
        self._bars("by_region", "region", {k: [v["partner"], v["member"]] for k, v in org["by_region"].items()})
        self._bars("by_type", "org_type", {k: [v] for k, v in org["by_type"].items()})
        for group in ("family", "climate_zone", "review_status"):
            self._bars(f"by_{group}", group, {k: [v] for k, v in pr[f"by_{group}"].items()})
        self._bars("decisions", "outcome", {k: [v] for k, v in figures["outcomes"]["decisions_by_outcome"].items()})
        self._bars("projects", "status", {k: [v] for k, v in figures["projects"]["by_status"].items()})
        period_words = {"month": _("Over time, by month"), "quarter": _("Over time, by quarter"),
                        "year": _("Over time, by year")}
        self.time_heading.setText(period_words[figures["over_time"]["period"]])
        for name, chart in self.series.items():
            chart.set_points(figures["over_time"]["series"].get(name, []))
        self._countries(figures["countries"])
        self.status.setText(_("Counted in {ms} ms").format(ms=number_text(round(self.last_compute_ms))))
        self.loaded.emit()

    def _bars(self, chart: str, kind: str, groups: dict[str, list]) -> None:
        rows = sorted(((self.label(kind, code), values) for code, values in groups.items()),
                      key=lambda r: (-sum(r[1]), r[0]))
        self.charts[chart].set_rows(rows)

    def _countries(self, rows: list[dict]) -> None:
        table = self.countries
        table.setSortingEnabled(False)
        table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            table.setItem(i, 0, QTableWidgetItem(self.label("country", r["country"])))
            table.setItem(i, 1, _NumberItem(r["practices"], number_text(r["practices"])))
            table.setItem(i, 2, _NumberItem(r["farmers"], number_text(r["farmers"])))
            table.setItem(i, 3, _NumberItem(r["area_ha"], tonnes(r["area_ha"])))
            table.setItem(i, 4, _NumberItem(r["carbon_t_c_per_year"], tonnes(r["carbon_t_c_per_year"])))
            table.setItem(i, 5, _NumberItem(r["carbon_t_co2_per_year"], tonnes(r["carbon_t_co2_per_year"])))
        table.setSortingEnabled(True)
        table.sortByColumn(4, Qt.SortOrder.DescendingOrder)  # the most carbon first, as computed
        # Every country shows (the page scrolls, not the table), so exports hold them all.
        height = table.horizontalHeader().height() + sum(table.rowHeight(i) for i in range(len(rows))) + 6
        table.setFixedHeight(max(80, height))

    # ------------------------------------------------------------------ export
    def csv_text(self) -> str:
        return figures_core.to_csv(self.figures or {}, self.label) if self.figures else ""

    def _export(self, kind: str) -> None:
        if self.figures is None:
            return
        suffix = {"png": _("PNG image (*.png)"), "pdf": _("PDF document (*.pdf)"), "csv": _("CSV table (*.csv)")}[kind]
        path, _f = QFileDialog.getSaveFileName(self, _("Export the dashboard"), f"dashboard.{kind}", suffix)
        if path:
            self.export(Path(path), kind)

    def export(self, path: Path, kind: str) -> Path | None:
        if path.suffix.lower() != f".{kind}":
            path = path.with_suffix(f".{kind}")
        try:
            if kind == "csv":
                path.write_text(self.csv_text(), encoding="utf-8-sig")  # Excel reads the BOM as UTF-8
            elif kind == "png":
                export_png(self.content, path)
            else:
                export_pdf(self.content, path, title=_("4 per 1000 dashboard"))
        except OSError as exc:
            QMessageBox.warning(self, _("Export the dashboard"), _("Could not write {file}: {reason}").format(
                file=path, reason=exc.strerror or exc))
            return None
        return path
