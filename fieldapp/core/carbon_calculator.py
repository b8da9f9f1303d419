"""What the carbon calculator window computes, from fieldapp.core.carbon's arithmetic
(DOMAIN.md "Reference arithmetic"; nothing is re-derived here).

Given a soil layer (SOC in % or g/kg, bulk density, depth, coarse fragments) it gives the
SOC stock, the yearly 4 per 1000 target and both in CO2; given a second SOC measurement
of the same layer and the years between, the measured yearly change a practice records
(`practice.soc_change`, t C/ha/yr) and how much of the target it meets.
"""
from __future__ import annotations

from dataclasses import dataclass

from fieldapp.core import carbon
from fieldapp.i18n import N_, _

# carbon.py names the argument that is out of range; people read the input's name.
_INPUT_OF_ARGUMENT = {
    "soc": N_("SOC must be between 0 and 100 % (0 and 1000 g/kg)"),
    "bulk_density": N_("Bulk density must be above 0 and at most 3 g/cm³"),
    "depth_cm": N_("Depth must be above 0 and at most 1000 cm"),
    "coarse_fraction": N_("Coarse fragments must be at least 0 and below 100 %"),
    "unit": N_("SOC unit must be % or g/kg"),
}


class CalculatorError(ValueError):
    """An input out of range; `field` names the input ('soc', 'bulk_density', ...)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Layer:
    soc: float
    bulk_density: float  # g/cm3
    depth_cm: float
    coarse_percent: float = 0.0
    unit: str = "percent"


@dataclass(frozen=True)
class Estimate:
    stock_c: float  # t C/ha
    target_c_per_year: float  # t C/ha/yr
    stock_co2: float  # t CO2/ha
    target_co2_per_year: float  # t CO2/ha/yr
    change_c_per_year: float | None = None  # measured, t C/ha/yr
    change_co2_per_year: float | None = None
    share_of_target: float | None = None  # measured change / target (1.0 = target met)


def _stock(layer: Layer, soc: float) -> float:
    try:
        return carbon.soc_stock(soc, layer.bulk_density, layer.depth_cm, layer.coarse_percent / 100.0, unit=layer.unit)
    except ValueError as exc:
        field = next((name for name in _INPUT_OF_ARGUMENT if str(exc).startswith(name)), "soc")
        raise CalculatorError(field, _(_INPUT_OF_ARGUMENT[field])) from None


def estimate(layer: Layer, later_soc: float | None = None, years: float | None = None) -> Estimate:
    """Stock and target of `layer`; with `later_soc` (same unit) measured `years` later,
    the yearly change too. Raises CalculatorError naming the input out of range."""
    stock = _stock(layer, layer.soc)
    target = carbon.four_per_1000_target(stock)
    change = change_co2 = share = None
    if later_soc is not None:
        if years is None or years <= 0:
            raise CalculatorError("years", _("Years between the measurements must be above 0"))
        change = (_stock(layer, later_soc) - stock) / years
        change_co2 = carbon.c_to_co2(change)
        share = change / target if target else None
    return Estimate(stock, target, carbon.c_to_co2(stock), carbon.c_to_co2(target), change, change_co2, share)
