"""Server revision s0004 moves the old practice `translations` documents into the
per-language fields with the old field's version, clock, author and device, as the
clients' revision 0005 does, so replicas agree without a sync (SQLite, and PostgreSQL
when FIELDAPP_TEST_PG_URL is set, in a database of its own)."""
from __future__ import annotations

import json
import os
import secrets

import pytest
from alembic import command
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from sync.server import db
from sync.server.tables import TABLES

PID = "33333333-3333-4333-8333-333333333333"
DOC = {"es": {"title": "Regeneración natural asistida", "summary": "Proteger los rebrotes"}, "fr": {"title": "x"}}
STAMP = "1767607300000:00000:dev-a"


@pytest.fixture(params=["sqlite", "postgresql"])
def old_server(request, tmp_path):
    """A server database at s0002 whose practice still has the old `translations` column."""
    if request.param == "sqlite":
        engine = db.make_engine(f"sqlite:///{tmp_path / 'server.sqlite'}")
        yield engine
        engine.dispose()
        return
    url = os.environ.get("FIELDAPP_TEST_PG_URL")
    if not url:
        pytest.skip("PostgreSQL half skipped: set FIELDAPP_TEST_PG_URL to run it")
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"fieldapp_tr_{secrets.token_hex(5)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = db.make_engine(make_url(url).set(database=name).render_as_string(hide_password=False))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _at_s0002_with_old_column(engine) -> None:
    cfg = db._config()
    with db.write_conn(engine) as conn, conn.begin():
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "s0002")
    with db.write_conn(engine) as conn, conn.begin():
        conn.exec_driver_sql("ALTER TABLE practice ADD COLUMN translations JSON")
        conn.execute(insert(TABLES["practice"]).values(
            id=PID, title="Régénération naturelle assistée", family="agroforestry", country="SN", region="AFR",
            language="fr", created_at="2026-01-05T10:00:00Z", updated_at="2026-01-05T10:00:00Z", author="amina",
            deleted=False, field_versions={"title": 4, "translations": 9, "_row": 9},
            field_clocks={"title": STAMP, "translations": STAMP}, field_authors={"translations": "bruno"},
            field_devices={"translations": "dev-b"}, row_version=9, scope_region="AFR", scope_since=4))
        conn.execute(text("UPDATE practice SET translations = :d WHERE id = :i"), {"d": json.dumps(DOC), "i": PID})


def test_old_documents_move_with_their_versions_clocks_and_authors(old_server):
    _at_s0002_with_old_column(old_server)
    assert not db.is_current(old_server)
    db.migrate(old_server)
    assert db.current(old_server) == db.head()
    with old_server.connect() as conn:
        row = conn.execute(select(TABLES["practice"]).where(TABLES["practice"].c.id == PID)).mappings().one()
    assert (row["title_es"], row["summary_es"], row["title_fr"]) == ("Regeneración natural asistida",
                                                                      "Proteger los rebrotes", None)
    assert row["title"] == "Régénération naturelle assistée"
    assert row["field_versions"]["title_es"] == row["field_versions"]["summary_es"] == 9
    assert row["field_versions"]["title"] == 4
    assert row["field_clocks"]["title_es"] == STAMP
    assert row["field_authors"]["title_es"] == "bruno" and row["field_devices"]["summary_es"] == "dev-b"
