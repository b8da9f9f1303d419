"""Property: three replicas edit, delete and resolve conflicts offline and sync in random
orders; once all have synced, they hold the server's state, and every value anyone typed
is the current value, or kept in a recorded conflict (open or resolved), or was
overwritten by someone who had it in hand."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.conftest import practice
from tests.server.replica import Replica

FIELDS = (("title", True), ("summary", True), ("location", True), ("farmers", False))
ROWS = 2

step = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 2), st.integers(0, ROWS - 1), st.integers(0, len(FIELDS) - 1)),
    st.tuples(st.just("delete"), st.integers(0, 2), st.integers(0, ROWS - 1), st.just(0)),
    st.tuples(st.just("sync"), st.integers(0, 2), st.just(0), st.just(0)),
    st.tuples(st.just("resolve"), st.integers(0, 2), st.just(0), st.just(0)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=30), delete_weight=st.integers(0, 3))
def test_three_replicas_converge_and_lose_nothing_typed(server, steps, delete_weight):
    server.backend.reset()
    server.users.clear()
    replicas = [Replica(server.device(name=f"user{i}")) for i in range(3)]
    ids = [replicas[0].create("practice", practice(title=f"Row {n}")) for n in range(ROWS)]
    for r in replicas:
        r.sync()
    for r in replicas:  # everyone retitles the first row offline: conflicts in every example
        r.edit("practice", ids[0], "title")
    for kind, who, row, f in steps:
        rep = replicas[who]
        if kind == "edit":
            name, is_text = FIELDS[f]
            rep.edit("practice", ids[row], name, is_text)
        elif kind == "delete":
            if row < delete_weight:  # keep deletes rarer than edits in most examples
                rep.delete("practice", ids[row])
        elif kind == "resolve":
            rep.resolve()
        else:
            rep.sync()
    for _ in range(2):
        for r in replicas:
            r.sync()

    server_rows = {rid: server.row("practice", rid) for rid in ids}
    for r in replicas:
        for rid in ids:
            mine, theirs = r.rows[("practice", rid)], server_rows[rid]
            assert mine.deleted == theirs["deleted"], (r.dev.id, rid)
            for name, _ in FIELDS:
                assert mine.fields.get(name) == theirs[name], (r.dev.id, rid, name)

    kept = {(c["entity"], c["row_id"], c["field"], s["value"]) for c in server.storage.all_conflicts() for s in c["sides"]}
    overwritten = set().union(*(r.overwritten for r in replicas))
    for r in replicas:
        for entity, rid, name, value in r.typed:
            current = server_rows[rid][name]
            assert value == current or (entity, rid, name, value) in kept or (entity, rid, name, value) in overwritten, \
                (r.dev.id, rid, name, value, current)
