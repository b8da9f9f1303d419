"""Soil organic carbon arithmetic (DOMAIN.md "Reference arithmetic").

SOC stock (t C/ha) = SOC (%) x bulk density (g/cm3) x depth (cm) x (1 - coarse fraction).
The units work out: 1 % x 1 g/cm3 x 1 cm over a hectare is 1 t C.
"""
from __future__ import annotations

FOUR_PER_1000 = 0.004
CO2_PER_C = 44.0 / 12.0


def soc_stock(
    soc: float,
    bulk_density: float,
    depth_cm: float,
    coarse_fraction: float = 0.0,
    *,
    unit: str = "percent",
) -> float:
    """SOC stock in t C/ha of a soil layer.

    `soc` is a percentage (unit="percent") or g/kg (unit="g/kg", divided by 10 first);
    `coarse_fraction` is the share of the volume taken by stones and gravel (0 to <1).
    Raises ValueError naming the argument that is out of range.
    """
    if unit not in ("percent", "g/kg"):
        raise ValueError(f"unit must be 'percent' or 'g/kg', not {unit!r}")
    pct = soc / 10.0 if unit == "g/kg" else soc
    if not 0 <= pct <= 100:
        raise ValueError("soc must be between 0 and 100 % (0 and 1000 g/kg)")
    if not 0 < bulk_density <= 3:
        raise ValueError("bulk_density must be above 0 and at most 3 g/cm3")
    if not 0 < depth_cm <= 1000:
        raise ValueError("depth_cm must be above 0 and at most 1000 cm")
    if not 0 <= coarse_fraction < 1:
        raise ValueError("coarse_fraction must be at least 0 and below 1")
    return pct * bulk_density * depth_cm * (1.0 - coarse_fraction)


def four_per_1000_target(initial_stock: float) -> float:
    """Yearly increase (t C/ha/yr) that meets the 4 per 1000 aim for a site."""
    if initial_stock < 0:
        raise ValueError("initial_stock must not be negative")
    return FOUR_PER_1000 * initial_stock


def c_to_co2(tonnes_c: float) -> float:
    return tonnes_c * CO2_PER_C


def co2_to_c(tonnes_co2: float) -> float:
    return tonnes_co2 / CO2_PER_C
