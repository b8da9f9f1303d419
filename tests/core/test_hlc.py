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


from hypothesis import given, settings, strategies as st

from fieldapp.core.hlc import MAX_COUNTER


def test_the_100000th_stamp_of_a_millisecond_still_sorts_after_the_others():
    c = HybridClock("a", last=str(Stamp(1000, MAX_COUNTER - 2, "a")), wall=lambda: 1000)
    before, last, after = c.now(), c.now(), c.now()
    assert before < last < after
    assert Stamp.parse(last) == Stamp(1000, MAX_COUNTER, "a") and Stamp.parse(after) == Stamp(1001, 0, "a")
    c.observe(str(Stamp(1001, MAX_COUNTER, "b")))  # a remote at the top of its counter: moved past it
    assert c.now() > str(Stamp(1001, MAX_COUNTER, "b")) and len(c.last.split(":")[1]) == 5


# One step: the wall moves by `dt` (0 = the same millisecond, negative = stepped back),
# then either a local stamp or an observed remote one near the top of its counter.
steps = st.lists(st.tuples(st.integers(-3, 2), st.booleans(), st.integers(MAX_COUNTER - 3, MAX_COUNTER),
                           st.integers(-1, 1)), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(start_counter=st.integers(MAX_COUNTER - 5, MAX_COUNTER), steps=steps)
def test_stamps_keep_string_order_past_the_counters_five_digits(start_counter, steps):
    t = [1000]
    c = HybridClock("a", last=str(Stamp(1000, start_counter, "a")), wall=lambda: t[0])
    seen = [c.last]
    for dt, local, remote_counter, remote_dt in steps:
        t[0] += dt
        if local:
            seen.append(c.now())
        else:
            remote = str(Stamp(max(0, t[0] + remote_dt), remote_counter, "b"))
            c.observe(remote)
            stamp = c.now()
            assert stamp > remote and Stamp.parse(stamp) > Stamp.parse(remote)
            seen.append(stamp)
    assert seen == sorted(seen) and len(set(seen)) == len(seen)  # strictly increasing as text
    assert [Stamp.parse(s) for s in seen] == sorted(Stamp.parse(s) for s in seen)
    assert all(len(s.split(":")[1]) == 5 for s in seen)
