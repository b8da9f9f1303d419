"""The wire vocabulary (sync/wire.py) is the one source of the client's and the
service's limits and reserved keys, and it stays importable by either side alone."""
from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from pydantic import ValidationError

from sync import protocol, wire


def test_client_and_service_take_their_limits_from_the_wire_module():
    from fieldapp.sync_client import engine
    from sync.server.settings import Settings

    assert engine.MAX_OPS is wire.MAX_OPS and engine.DEFAULT_PAGE is wire.DEFAULT_PAGE
    assert protocol.MAX_OPS is wire.MAX_OPS and protocol.ROW_KEY is wire.ROW_KEY
    schema = protocol.SyncRequest.model_json_schema()["properties"]
    assert schema["ops"]["maxItems"] == wire.MAX_OPS
    assert Settings.model_fields["page_size"].default == wire.DEFAULT_PAGE


def _op(i: int) -> dict:
    return {"op_id": f"dev:{i}", "entity": "practice", "row_id": "0" * 8 + "-0000-0000-0000-" + "0" * 12,
            "kind": "upsert", "fields": {"title": "t"}, "base": {}, "hlc": "0000000000001:00000:dev"}


def test_the_service_takes_a_full_client_batch_and_refuses_one_more():
    assert len(protocol.SyncRequest(ops=[_op(i) for i in range(wire.MAX_OPS)]).ops) == wire.MAX_OPS
    with pytest.raises(ValidationError):
        protocol.SyncRequest(ops=[_op(i) for i in range(wire.MAX_OPS + 1)])


def test_the_wire_module_needs_nothing_outside_the_standard_library():
    probe = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('fieldapp', 'pydantic', 'sqlalchemy', 'fastapi', 'requests'):
            raise ImportError('blocked: ' + name)
sys.meta_path.insert(0, Block())
import sync.wire
print(sorted(m.split('.')[0] for m in sys.modules if m.split('.')[0] in ('fieldapp', 'pydantic')))
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


names = st.text("abcdefgh_", min_size=1, max_size=6).filter(lambda n: n != wire.ALL_FIELDS)


@given(fields=st.dictionaries(names, st.integers(), min_size=0, max_size=6),
       shared=st.booleans(), version=st.integers(0, 9), extra=st.integers(0, 9))
def test_compact_then_expand_gives_back_the_change(fields, shared, version, extra):
    versions = {n: (version if shared else version + i) for i, n in enumerate(fields)} | {wire.ROW_KEY: extra}
    change = {"op": "upsert", "entity": "practice", "id": "x", "pos": 1, "fields": fields,
              "versions": versions, "clocks": {n: "c" for n in fields}, "authors": {n: "amina" for n in fields}}
    compact = wire.compact_change(change)
    assert wire.expand_change(compact) == wire.expand_change(change) == change | {
        k: change[k] for k in ("versions", "clocks", "authors")}
    if len(fields) >= 2 and shared:
        assert compact["versions"] == {wire.ALL_FIELDS: version, wire.ROW_KEY: extra}


_shapes = st.sampled_from([("practice", "upsert", ("title", "farmers")), ("practice", "upsert", ("title",)),
                           ("contact", "upsert", ("name", "email", "phone")), ("practice", "removed", ())])


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a slow CI machine is no failure
@given(st.lists(st.tuples(_shapes, st.integers(0, 99), st.booleans()), max_size=40))
def test_columnar_blocks_give_back_every_change_in_order(rows):
    """Runs of one shape become one block each; any mix of shapes, ops and present keys
    comes back from `from_blocks` as it was sent, in the same order."""
    changes = []
    for i, ((entity, op, fields), value, with_meta) in enumerate(rows):
        change = {"op": op, "entity": entity, "id": f"r{i}", "pos": i}
        if op == "upsert":
            change["fields"] = {n: (value if n == "farmers" else f"{n}{value}") for n in fields}
            if with_meta:
                change |= {"versions": {wire.ALL_FIELDS: i}, "clocks": {wire.ALL_FIELDS: f"c{i}"}, "deleted": False}
        changes.append(change)
    blocks = wire.to_blocks(changes)
    runs = sum(1 for i, c in enumerate(changes) if i == 0 or (c["entity"], c["op"], tuple(c.get("fields", {})), tuple(
        k for k in wire.ROW_KEYS if k in c)) != (changes[i - 1]["entity"], changes[i - 1]["op"],
                                                tuple(changes[i - 1].get("fields", {})),
                                                tuple(k for k in wire.ROW_KEYS if k in changes[i - 1])))
    assert len(blocks) == runs
    assert list(wire.from_blocks(blocks)) == [c | {"fields": c.get("fields", {})} for c in changes]
    assert all(len(col) == len(block["cols"]["id"]) for block in blocks for col in block["fields"])
