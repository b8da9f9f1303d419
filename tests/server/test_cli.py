"""The `fieldapp-server` commands, run in-process against each backend."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from sync.server import db
from sync.server.cli import main
from sync.server.tables import TABLES


def _count(backend, table: str, **where) -> int:
    t = TABLES[table]
    q = select(func.count()).select_from(t)
    for k, v in where.items():
        q = q.where(t.c[k] == v)
    with backend.engine.connect() as conn:
        return int(conn.execute(q).scalar())


def test_migrate_on_an_empty_sqlite_file(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'new' / 'server.sqlite'}"
    assert main(["migrate", "--db", url]) == 0
    assert "database at s0003" in capsys.readouterr().out
    engine = db.make_engine(url)
    assert db.is_current(engine)
    assert main(["migrate", "--db", url]) == 0  # a second run changes nothing
    assert "0 reference entries added" in capsys.readouterr().out


def test_user_commands(backend, capsys):
    backend.reset()
    base = ["--db", backend.url]
    assert main(["create-user", "amina", "--role", "correspondent", "--region", "AFR", "MENA",
                 "--password", "a long secret", *base]) == 0
    assert main(["create-user", "amina", "--role", "viewer", "--region", "AFR", "--password", "a long secret", *base]) == 2
    assert "already a user" in capsys.readouterr().err
    assert main(["create-user", "bob", "--role", "viewer", "--password", "short", "--region", "AFR", *base]) == 2
    assert "at least 8 characters" in capsys.readouterr().err
    assert main(["list-users", *base]) == 0
    out = capsys.readouterr().out
    assert re.search(r"amina\s+correspondent\s+active\s+AFR,MENA", out)
    assert main(["set-password", "amina", "--password", "another long secret", *base]) == 0
    assert main(["disable-user", "amina", *base]) == 0
    assert main(["list-users", *base]) == 0
    assert re.search(r"amina\s+correspondent\s+disabled", capsys.readouterr().out)
    assert main(["disable-user", "nobody", *base]) == 2


def test_demo_seeds_records_and_one_user_per_role(backend, capsys):
    backend.reset()
    assert main(["demo", "--scale", "20", "--seed", "3", "--db", backend.url]) == 0
    out = capsys.readouterr().out
    for role in ("administrator", "reviewer", "correspondent", "facilitator", "viewer"):
        assert re.search(rf"role {role}\s+regions \S+\s+password \S{{8,}}", out), role
    assert _count(backend, "practice") >= 10 and _count(backend, "meeting") >= 1
    assert _count(backend, "users") == 5
    # every demo row sits in the feed, with its region for partial replication
    assert _count(backend, "feed") == sum(_count(backend, e) for e in ("reference", "organisation", "contact", "practice",
                                                                       "project", "meeting", "meeting_participant",
                                                                       "agenda_item", "decision", "action_item",
                                                                       "meeting_practice", "practice_media",
                                                                       "meeting_media", "form_definition",
                                                                       "form_submission"))
    assert _count(backend, "practice", scope_region="") == 0


def test_publish_form_adds_versions_and_reports_problems(backend, tmp_path, capsys):
    from fieldapp.forms.xlsform_writer import write_xlsform

    backend.reset()
    good = write_xlsform(tmp_path / "visit.xlsx", [{"type": "text", "name": "farmer", "label": "Farmer's name"}],
                         settings={"form_id": "field_visit", "form_title": "Field visit"})
    assert main(["publish-form", str(good), "--db", backend.url]) == 0
    assert main(["publish-form", str(good), "--db", backend.url]) == 0
    out = capsys.readouterr().out
    assert "published field_visit version 1" in out and "published field_visit version 2" in out
    assert _count(backend, "form_definition", form_id="field_visit") == 2
    bad = write_xlsform(tmp_path / "bad.xlsx", [{"type": "no_such_type", "name": "x", "label": "X"}],
                        settings={"form_id": "broken", "form_title": "Broken"})
    assert main(["publish-form", str(bad), "--db", backend.url]) == 2
    assert "cannot be published" in capsys.readouterr().err
    assert _count(backend, "form_definition", form_id="broken") == 0


def test_serve_refuses_a_database_behind_the_code(tmp_path):
    import pytest

    from sync.server.cli import _ready_engine
    from sync.server.settings import Settings

    settings = Settings(db_url=f"sqlite:///{tmp_path / 'old.sqlite'}", blob_dir=tmp_path / "b")
    with pytest.raises(SystemExit, match="run `fieldapp-server migrate"):
        _ready_engine(settings, migrate_sqlite=False)
    engine = _ready_engine(settings)  # SQLite, one command: migrated on the spot
    assert db.is_current(engine)


def test_a_database_at_the_first_revision_upgrades_keeping_its_rows(tmp_path, capsys):
    from alembic import command
    from sqlalchemy import inspect

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = db.make_engine(url)
    cfg = db._config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "s0001")
        # the first release indexed list orders on one column
        conn.exec_driver_sql('DROP INDEX IF EXISTS "ix_practice_title_order"')
        conn.exec_driver_sql('CREATE INDEX "ix_practice_title" ON practice (title)')
        conn.exec_driver_sql("INSERT INTO users (name, password_hash, role, regions, disabled, created_at) "
                             "VALUES ('amina', 'x', 'correspondent', '[\"AFR\"]', 0, '2026-01-01T00:00:00Z')")
    assert db.current(engine) == "s0001"
    assert main(["migrate", "--db", url]) == 0
    assert db.is_current(engine)
    names = {i["name"] for i in inspect(engine).get_indexes("practice")}
    assert "ix_practice_title_order" in names and "ix_practice_title" not in names
    capsys.readouterr()
    assert main(["list-users", "--db", url]) == 0 and "amina" in capsys.readouterr().out
    engine.dispose()
