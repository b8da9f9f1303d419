"""The carbon calculator tool window: SOC stock and the 4 per 1000 target of a soil layer,
and the measured yearly change between two samplings, which it can write into a
practice's "Measured SOC change" (through the bridge, so the Store writes it).
The figures come from fieldapp.core.carbon_calculator (on fieldapp.core.carbon)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton,
    QVBoxLayout, QWidget,
)

from fieldapp.core.carbon_calculator import CalculatorError, Estimate, Layer, estimate
from fieldapp.core.schema import PRACTICE
from fieldapp.i18n import _
from fieldapp.ui.display import number_text


def _spin(low: float, high: float, value: float, decimals: int, suffix: str, name: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(low, high)
    box.setDecimals(decimals)
    box.setValue(value)
    box.setSuffix(f" {suffix}" if suffix else "")
    box.setAccessibleName(name)
    box.setAlignment(Qt.AlignmentFlag.AlignRight)
    return box


class CarbonCalculator(QDialog):
    """Non-modal: it stays open beside the practice being edited."""

    filled = Signal(str, float)  # practice id, t C/ha/yr written

    def __init__(self, bridge, parent: QWidget | None = None):
        super().__init__(parent)
        self.bridge = bridge
        self.practice_id: str | None = None
        self.result: Estimate | None = None
        self.setWindowTitle(_("Carbon calculator"))
        self.setModal(False)
        layout = QVBoxLayout(self)

        soil = QGroupBox(_("Soil layer"))
        form = QFormLayout(soil)
        soc_row = QHBoxLayout()
        self.soc = _spin(0, 1000, 1.5, 2, "", _("Soil organic carbon"))
        self.unit = QComboBox()
        self.unit.setAccessibleName(_("SOC unit"))
        self.unit.addItem("%", "percent")
        self.unit.addItem("g/kg", "g/kg")
        soc_row.addWidget(self.soc, 1)
        soc_row.addWidget(self.unit)
        form.addRow(_("Soil organic carbon (SOC)"), soc_row)
        self.bulk_density = _spin(0, 3, 1.3, 2, "g/cm³", _("Bulk density"))
        form.addRow(_("Bulk density"), self.bulk_density)
        self.depth = _spin(0, 1000, 30, 1, "cm", _("Layer depth"))
        form.addRow(_("Layer depth"), self.depth)
        self.coarse = _spin(0, 99.9, 0, 1, "%", _("Coarse fragments"))
        form.addRow(_("Coarse fragments (stones, gravel)"), self.coarse)
        layout.addWidget(soil)

        later = QGroupBox(_("Second measurement (for the measured change)"))
        form2 = QFormLayout(later)
        self.use_later = QCheckBox(_("The same layer was sampled again"))
        form2.addRow(self.use_later)
        self.later_soc = _spin(0, 1000, 1.6, 2, "", _("SOC at the second measurement"))
        form2.addRow(_("SOC at the second measurement"), self.later_soc)
        self.years = _spin(0, 200, 5, 1, _("years"), _("Years between the measurements"))
        form2.addRow(_("Years between the measurements"), self.years)
        layout.addWidget(later)

        results = QGroupBox(_("Results"))
        self.results_form = QFormLayout(results)
        self.stock_label = QLabel()
        self.target_label = QLabel()
        self.co2_label = QLabel()
        self.change_label = QLabel()
        for label in (self.stock_label, self.target_label, self.co2_label, self.change_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.results_form.addRow(_("SOC stock"), self.stock_label)
        self.results_form.addRow(_("4 per 1000 target"), self.target_label)
        self.results_form.addRow(_("In CO₂"), self.co2_label)
        self.results_form.addRow(_("Measured change"), self.change_label)
        layout.addWidget(results)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        layout.addWidget(self.error_label)

        buttons = QHBoxLayout()
        self.fill_button = QPushButton(_("Fill the practice's measured SOC change"))
        self.fill_button.clicked.connect(self.fill_practice)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.close)
        buttons.addWidget(self.fill_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)

        for box in (self.soc, self.bulk_density, self.depth, self.coarse, self.later_soc, self.years):
            box.valueChanged.connect(lambda _v: self.recompute())
        self.unit.currentIndexChanged.connect(lambda _i: self.recompute())
        self.use_later.toggled.connect(self._toggle_later)
        self._toggle_later(False)

    def _toggle_later(self, on: bool) -> None:
        self.later_soc.setEnabled(on)
        self.years.setEnabled(on)
        self.recompute()

    def set_practice(self, practice_id: str | None, title: str = "") -> None:
        """The practice whose measured change the button fills (the one being edited)."""
        self.practice_id = practice_id
        self.fill_button.setToolTip(title)
        self.recompute()

    def recompute(self) -> None:
        layer = Layer(self.soc.value(), self.bulk_density.value(), self.depth.value(), self.coarse.value(), self.unit.currentData())
        try:
            if self.use_later.isChecked():
                self.result = estimate(layer, self.later_soc.value(), self.years.value())
            else:
                self.result = estimate(layer)
        except CalculatorError as exc:
            self.result = None
            self.error_label.setText(str(exc))
            for label in (self.stock_label, self.target_label, self.co2_label, self.change_label):
                label.setText("—")
            self.fill_button.setEnabled(False)
            return
        r = self.result
        self.error_label.setText("")
        self.stock_label.setText(_("{value} t C/ha").format(value=number_text(round(r.stock_c, 2))))
        self.target_label.setText(_("{value} t C/ha per year").format(value=number_text(round(r.target_c_per_year, 3))))
        self.co2_label.setText(_("{stock} t CO₂/ha; target {target} t CO₂/ha per year").format(
            stock=number_text(round(r.stock_co2, 1)), target=number_text(round(r.target_co2_per_year, 3))))
        if r.change_c_per_year is None:
            self.change_label.setText(_("(needs a second measurement)"))
        else:
            share = "" if r.share_of_target is None else " " + _("({share} % of the target)").format(
                share=number_text(round(r.share_of_target * 100)))
            self.change_label.setText(_("{value} t C/ha per year").format(value=number_text(round(r.change_c_per_year, 3))) + share)
        change_field = PRACTICE.field("soc_change")
        ok = (r.change_c_per_year is not None and self.practice_id is not None
              and change_field.minimum <= r.change_c_per_year <= change_field.maximum)
        self.fill_button.setEnabled(ok)

    def fill_practice(self) -> None:
        if self.result is None or self.result.change_c_per_year is None or self.practice_id is None:
            return
        value = round(self.result.change_c_per_year, 3)
        pid = self.practice_id
        self.bridge.write(self.bridge.store.update, "practice", pid, {"soc_change": value},
                          on_done=lambda _row: self.filled.emit(pid, value),
                          on_error=lambda exc: self.error_label.setText(str(exc)))
