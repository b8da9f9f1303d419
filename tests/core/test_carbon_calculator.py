"""The calculator's figures on DOMAIN.md's worked example, and inputs out of range named."""
import pytest

from fieldapp.core.carbon_calculator import CalculatorError, Layer, estimate


def test_worked_example_stock_target_and_co2():
    result = estimate(Layer(1.5, 1.3, 30))
    assert result.stock_c == pytest.approx(58.5)
    assert result.target_c_per_year == pytest.approx(0.234)
    assert result.stock_co2 == pytest.approx(58.5 * 44 / 12)
    assert result.target_co2_per_year == pytest.approx(0.234 * 44 / 12)
    assert result.change_c_per_year is None


def test_g_per_kg_coarse_fragments_and_a_measured_change():
    result = estimate(Layer(15, 1.3, 30, coarse_percent=20, unit="g/kg"), later_soc=16, years=5)
    assert result.stock_c == pytest.approx(46.8)
    assert result.change_c_per_year == pytest.approx((49.92 - 46.8) / 5)
    assert result.share_of_target == pytest.approx(0.624 / (0.004 * 46.8))


@pytest.mark.parametrize("layer, later, years, field", [
    (Layer(150, 1.3, 30), None, None, "soc"),
    (Layer(1.5, 0, 30), None, None, "bulk_density"),
    (Layer(1.5, 1.3, 0), None, None, "depth_cm"),
    (Layer(1.5, 1.3, 30, coarse_percent=100), None, None, "coarse_fraction"),
    (Layer(1.5, 1.3, 30), 1.6, 0, "years"),
])
def test_inputs_out_of_range_are_named(layer, later, years, field):
    with pytest.raises(CalculatorError) as info:
        estimate(layer, later, years)
    assert info.value.field == field and str(info.value)
