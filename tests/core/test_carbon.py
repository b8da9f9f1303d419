"""Carbon arithmetic on DOMAIN.md's worked example."""
import pytest

from fieldapp.core.carbon import c_to_co2, co2_to_c, four_per_1000_target, soc_stock


def test_worked_example():
    stock = soc_stock(1.5, 1.3, 30)
    assert stock == pytest.approx(58.5)
    assert four_per_1000_target(stock) == pytest.approx(0.234)


def test_g_per_kg_and_coarse_fragments():
    assert soc_stock(15, 1.3, 30, unit="g/kg") == pytest.approx(58.5)
    assert soc_stock(1.5, 1.3, 30, coarse_fraction=0.2) == pytest.approx(46.8)


def test_co2_conversion():
    assert c_to_co2(12) == pytest.approx(44)
    assert co2_to_c(c_to_co2(0.234)) == pytest.approx(0.234)


@pytest.mark.parametrize("kwargs, word", [
    (dict(soc=-1, bulk_density=1.3, depth_cm=30), "soc"),
    (dict(soc=1, bulk_density=0, depth_cm=30), "bulk_density"),
    (dict(soc=1, bulk_density=1.3, depth_cm=0), "depth_cm"),
    (dict(soc=1, bulk_density=1.3, depth_cm=30, coarse_fraction=1), "coarse_fraction"),
    (dict(soc=1, bulk_density=1.3, depth_cm=30, unit="kg"), "unit"),
])
def test_out_of_range_inputs_name_the_argument(kwargs, word):
    with pytest.raises(ValueError, match=word):
        soc_stock(**kwargs)
