"""A columnar page spliced from cached pieces of JSON is the page `to_blocks` and
`json.dumps` would give, byte for byte, so a client cannot tell how it was made."""
from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from sync.server.columnar_json import Blocks, piece
from sync.server.reply_json import dumps, encode_reply, value_json
from sync.wire import ALL_FIELDS, from_blocks, to_blocks

values = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False),
                   st.text(max_size=8), st.lists(st.text(max_size=3), max_size=3))
shapes = st.sampled_from([("practice", "upsert", ("title", "farmers", "notes")), ("practice", "upsert", ("title",)),
                          ("contact", "upsert", ("name", "email")), ("practice", "removed", ()),
                          ("organisation", "upsert", ())])


@st.composite
def changes(draw):
    out = []
    for i in range(draw(st.integers(0, 30))):
        entity, op, names = draw(shapes)
        change = {"op": op, "entity": entity, "id": f"r{i}", "pos": i}
        if op == "upsert":
            change["fields"] = {n: draw(values) for n in names}
            if draw(st.booleans()):
                change |= {"versions": {ALL_FIELDS: i, "_row": i}, "clocks": {ALL_FIELDS: f"{i:013d}:00000:d"},
                           "authors": {ALL_FIELDS: "amina"}, "deleted": draw(st.booleans()),
                           "created_at": "2026-12-01T10:00:00Z", "updated_at": None}
        out.append(change)
    return out


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a slow CI machine is no failure
@given(changes())
def test_blocks_from_pieces_are_the_blocks_encoded_at_once(page):
    blocks = Blocks(piece(c) for c in page)
    assert blocks.json() == dumps(to_blocks(page))
    assert json.loads(blocks.json()) == json.loads(dumps(to_blocks(page)))
    assert list(from_blocks(json.loads(blocks.json()))) == [c | {"fields": c.get("fields", {})} for c in page]


def test_a_reply_splices_the_blocks_where_they_stand():
    page = [{"op": "upsert", "entity": "practice", "id": "a", "pos": 1, "fields": {"title": "Zaï", "farmers": 3}}]
    reply = {"results": [], "changes": [], "blocks": Blocks(map(piece, page)), "cursor": "1", "more": False}
    assert encode_reply(reply) == dumps(reply | {"blocks": to_blocks(page)})
    assert list(json.loads(encode_reply(reply))) == ["results", "changes", "blocks", "cursor", "more"]


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(),
                    st.lists(st.text(max_size=3), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=3))


@given(scalars)
def test_a_value_is_encoded_as_dumps_encodes_it(value):
    if isinstance(value, float) and not math.isfinite(value):
        with pytest.raises(ValueError):
            dumps(value)
        with pytest.raises(ValueError):  # strict JSON: no bare NaN on the wire, either way
            value_json(value)
        return
    assert value_json(value) == dumps(value)


def test_values_dumps_would_stringify_or_escape_come_out_the_same():
    import datetime as dt
    import decimal

    for value in ("Zaï \"quoted\" \\ \n\u2028 🌱 \x00", dt.date(2026, 12, 2), decimal.Decimal("1.50"), -0.0, 1e300,
                  True, False, 2**70, ["a", None], {"k": 1.5}):
        assert value_json(value) == dumps(value)
