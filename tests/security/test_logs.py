"""Item 12: a server failure is logged as an error id, the exception's type and where it
happened; never the record (a database error's message quotes the SQL parameters)."""
from __future__ import annotations

import logging
import sys
import uuid

from sync.server.db import write_conn
from sync.server.logs import JsonFormatter
from tests.server.conftest import practice

SECRET_EMAIL = "amina.private@example.org"


def test_a_500_logs_an_error_id_and_the_type_never_values(world, caplog):
    server = world.server
    dev = world.dev("correspondent", "AFR")
    caplog.set_level(logging.DEBUG)
    engine = server.backend.engine
    with write_conn(engine) as conn, conn.begin():  # the operator broke the database under the service
        conn.exec_driver_sql("ALTER TABLE ops RENAME TO ops_moved_away")
    try:
        r = dev.post({"device": dev.id, "ops": [
            dev.op("contact", str(uuid.uuid4()), fields={"full_name": "Amina Private", "email": SECRET_EMAIL,
                                                         "country": "BF"}),
            dev.op("practice", fields=practice(title="Title of a record"))]})
    finally:
        with write_conn(engine) as conn, conn.begin():
            conn.exec_driver_sql("ALTER TABLE ops_moved_away RENAME TO ops")
    assert r.status_code == 500
    body = r.json()
    assert body["error"] == "internal" and set(body) == {"error", "message", "field"}
    error_id = body["message"].rsplit(" ", 1)[-1]
    assert len(error_id) == 12 and SECRET_EMAIL not in r.text
    lines = [JsonFormatter().format(rec) for rec in caplog.records]
    text = "\n".join(lines) + "\n".join(rec.getMessage() for rec in caplog.records)
    assert any(error_id in line and "unhandled error" in line for line in lines), lines
    for secret in (SECRET_EMAIL, "Amina Private", "Title of a record"):
        assert secret not in text
    # and the service goes on
    assert dev.sync(dev.op("practice", fields=practice()))["results"][0]["status"] == "applied"


def test_the_log_format_keeps_no_exception_text():
    try:
        raise ValueError(f"INSERT ... [parameters: ('{SECRET_EMAIL}',)]")
    except ValueError:
        record = logging.LogRecord("fieldapp.server", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    line = JsonFormatter().format(record)
    assert SECRET_EMAIL not in line and '"exception": "ValueError"' in line and "test_logs.py" in line
