from fieldapp.core.hlc import HybridClock, Stamp
import pytest


def test_monotonic_when_wall_clock_steps_back():
    t = [1000]
    c = HybridClock("a", wall=lambda: t[0])
    s1 = c.now()
    t[0] = 500
    s2 = c.now()
    assert s2 > s1 and Stamp.parse(s2).millis == 1000


def test_observe_moves_past_remote():
    c = HybridClock("a", wall=lambda: 1000)
    c.observe(str(Stamp(5000, 3, "b")))
    assert c.now() > str(Stamp(5000, 3, "b"))


@pytest.mark.parametrize("bad", ["", "x", "1:2", "-1:0:a", "1:x:a", "1:0:"])
def test_parse_refuses_garbage(bad):
    with pytest.raises(ValueError):
        Stamp.parse(bad)
