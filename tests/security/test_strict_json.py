"""Items 4 and 14: strict JSON and strict types on the wire and in the outbox; one bad op
never blocks a device."""
from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import insert

from fieldapp.core.fieldspec import ValidationError
from fieldapp.core.tables import TABLES as CLIENT_TABLES
from tests.server.conftest import practice


def strict_loads(body: bytes):
    """RFC 8259 JSON: NaN, Infinity and -Infinity are refused."""
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")
    return json.loads(body, parse_constant=refuse)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused_per_op_and_the_batch_goes_on(world, constant):
    server = world.server
    dev = world.dev("correspondent", "AFR")
    bad, good = str(uuid.uuid4()), str(uuid.uuid4())
    ops = [dev.op("practice", bad, fields=practice(translations={"fr": {"score": 0.0}})),
           dev.op("practice", good, fields=practice(title="Goes through"))]
    body = json.dumps({"device": dev.id, "cursor": dev.cursor, "ops": ops}).replace("0.0", constant)
    r = server.client.post("/v1/sync", content=body.encode(), headers=dev.headers | {"content-type": "application/json"})
    assert r.status_code == 200, r.text  # never a 500 for the batch, on PostgreSQL either
    results = strict_loads(r.content)["results"]
    assert [x["status"] for x in results] == ["rejected", "applied"]
    assert results[0]["reason"].startswith("not_json:") and results[0]["field"] == "translations"
    assert server.row("practice", bad) is None and server.row("practice", good)["title"] == "Goes through"
    # the same value as a decimal field, and as a top-level number
    for fields in (practice(latitude=0.5), ):
        text = json.dumps({"ops": [dev.op("practice", fields=fields)]}).replace("0.5", constant)
        r = server.client.post("/v1/sync", content=text.encode(), headers=dev.headers | {"content-type": "application/json"})
        assert r.status_code == 200 and strict_loads(r.content)["results"][0]["status"] == "rejected"


@pytest.mark.parametrize("fields, field", [
    (practice(farmers="5"), "farmers"),
    (practice(farmers=True), "farmers"),
    (practice(farmers=5.0), "farmers"),
    (practice(title=float("nan")), "title"),
    (practice(title=12), "title"),
    (practice(latitude="12.5"), "latitude"),
    (practice(translations="{}"), "translations"),
])
def test_values_of_the_wrong_json_type_are_refused_not_coerced(world, fields, field):
    server = world.server
    dev = world.dev("correspondent", "AFR")
    rid = str(uuid.uuid4())
    body = json.dumps({"device": dev.id, "ops": [dev.op("practice", rid, fields=fields)]})  # NaN as Python writes it
    r = server.client.post("/v1/sync", content=body.encode(), headers=dev.headers | {"content-type": "application/json"})
    assert r.status_code == 200
    result = strict_loads(r.content)["results"][0]
    assert result["status"] == "rejected" and result["field"] == field, result
    assert server.row("practice", rid) is None  # not stored as "nan", 5, 12.5 ...


def test_dates_are_written_one_way_on_the_wire(world):
    dev = world.dev("correspondent", "AFR")
    org = {"name": "Dated", "org_type": "ngo", "country": "BF"}
    day_first, iso = dev.sync(dev.op("organisation", fields=org | {"joined_on": "01/02/2023"}),
                              dev.op("organisation", fields=org | {"joined_on": "2023-02-01"}))["results"]
    assert day_first["status"] == "rejected" and day_first["field"] == "joined_on"
    assert iso["status"] == "applied"


@pytest.mark.parametrize("envelope, field", [({"limit": "10"}, "limit"), ({"limit": 10.0}, "limit"),
                                             ({"compact": "yes"}, "compact"), ({"compact": 1}, "compact")])
def test_the_envelope_is_strict_too(world, envelope, field):
    dev = world.dev("viewer", "AFR")
    r = dev.post({"device": dev.id, **envelope})
    assert r.status_code == 422 and r.json()["field"] == field, r.text


def test_an_integer_the_database_cannot_hold_is_refused_not_a_500(world):
    """INTEGER columns hold 32 bits on PostgreSQL; a bigger number used to fail the batch."""
    server = world.server
    dev = world.dev("correspondent", "AFR")
    big, good = str(uuid.uuid4()), str(uuid.uuid4())
    results = dev.sync(dev.op("practice", big, fields=practice(farmers=2**40)),
                       dev.op("practice", good, fields=practice(farmers=120)))["results"]
    assert [r["status"] for r in results] == ["rejected", "applied"] and results[0]["reason"].startswith("range")
    assert server.row("practice", good)["farmers"] == 120


def test_the_desktop_refuses_nan_before_the_outbox(make_store):
    store = make_store("nan")
    before = store.pending_count()
    for bad in ({"latitude": float("nan")}, {"longitude": float("inf")}):
        with pytest.raises(ValidationError) as err:
            store.insert("practice", practice(**bad))
        assert {e.field for e in err.value.errors} == set(bad)
    assert store.pending_count() == before
    pid = store.insert("practice", practice())
    with pytest.raises(ValidationError):
        store.update("practice", pid, {"latitude": float("-inf")})
    assert store.get("practice", pid)["latitude"] is None
    # JSON fields (reference labels, form answers) refuse them at any depth
    from fieldapp.core.fieldspec import validate
    from fieldapp.core.schema import BY_NAME

    for labels in ({"fr": {"x": float("nan")}}, [float("inf")]):
        _clean, errors = validate(BY_NAME["reference"], {"list_name": "region", "code": "X", "label": "X", "labels": labels})
        assert [e.field for e in errors] == ["labels"], labels


def test_an_op_the_server_refuses_is_set_aside_and_the_outbox_keeps_syncing(desktop, live):
    """An older client queued a NaN (it accepted the value locally): that op is answered
    `rejected` and set aside, every later op syncs, and so does every later sync."""
    store, engine = desktop("amina")
    pid = store.insert("practice", practice(title="Will get a bad latitude"))
    with store.transaction() as tx:  # what an older version of the app wrote into its outbox
        tx.conn.execute(insert(CLIENT_TABLES["outbox"]).values(
            op_id=store.next_op_id(tx.conn), entity="practice", row_id=pid, kind="upsert",
            fields={"latitude": float("nan")}, base={"latitude": 0},
            hlc=store.clock.now(), created_at="2026-01-01T00:00:00Z"))
    later = store.insert("practice", practice(title="Typed after"))
    result = engine.sync()
    assert result.ok and result.rejected == 1, result
    assert store.pending_count() == 0 and len(store.rejected()) == 1
    assert live.row("practice", pid)["latitude"] is None
    assert live.row("practice", later)["title"] == "Typed after"
    store.update("practice", later, {"summary": "and the next sync works too"})
    assert engine.sync().ok and live.row("practice", later)["summary"] == "and the next sync works too"


def test_a_write_the_database_refuses_is_one_rejected_op_never_a_500(world):
    """Whatever a check did not foresee (here a rule the operator added to the database),
    the op the database refuses is answered `rejected` alone and the batch goes on."""
    from sync.server.db import write_conn

    server = world.server
    engine = server.backend.engine
    dev = world.dev("correspondent", "AFR")
    if engine.dialect.name == "sqlite":
        add = ("CREATE TRIGGER refuse_forbidden BEFORE INSERT ON practice WHEN NEW.title = 'Forbidden' "
               "BEGIN SELECT RAISE(ABORT, 'refused by the operator'); END")
        drop = "DROP TRIGGER refuse_forbidden"
    else:
        add = "ALTER TABLE practice ADD CONSTRAINT refuse_forbidden CHECK (title <> 'Forbidden') NOT VALID"
        drop = "ALTER TABLE practice DROP CONSTRAINT refuse_forbidden"
    with write_conn(engine) as conn, conn.begin():
        conn.exec_driver_sql(add)
    try:
        before, bad, after = (str(uuid.uuid4()) for _ in range(3))
        results = dev.sync(dev.op("practice", before, fields=practice(title="Before")),
                           dev.op("practice", bad, fields=practice(title="Forbidden")),
                           dev.op("practice", after, fields=practice(title="After")))["results"]
    finally:
        with write_conn(engine) as conn, conn.begin():
            conn.exec_driver_sql(drop)
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"], results
    assert results[1]["reason"].startswith("not_stored:")
    assert server.row("practice", bad) is None
    assert server.row("practice", before)["title"] == "Before" and server.row("practice", after)["title"] == "After"
