"""Migrations: an empty database and a revision-0001 database reach the head, losing nothing."""
import shutil
from pathlib import Path

from fieldapp.core import migrate
from fieldapp.core.store import DB_NAME, Store

FIXTURE = Path(__file__).parents[1] / "fixtures" / "store_r0001.sqlite"


def test_empty_database_reaches_head_without_backup(tmp_path):
    with Store(tmp_path / "d") as s:
        assert migrate.current(s.engine) == migrate.head() and s.backup_taken is None
        assert s.stats()["reference"] > 300 and s.check() == []


def test_revision_0001_database_upgrades_with_backup_and_no_data_lost(tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    shutil.copy(FIXTURE, data / DB_NAME)
    with Store(data) as s:
        assert migrate.current(s.engine) == migrate.head()
        assert s.backup_taken is not None and s.backup_taken.exists()
        practice = s.get("practice", "22222222-2222-4222-8222-222222222222")
        assert practice["title"] == "Régénération naturelle assistée (RNA)" and practice["objectives"] == ["B2", "C2"]
        assert s.get("organisation", "11111111-1111-4111-8111-111111111111")["membership"] == "member"
        [op] = s.outbox()
        assert op["op_id"] == "fixturedev:1" and op["fields"] == {"soc_impact": 2}  # unsynced edit kept
        assert s.device_id == "fixturedev"
        # the new revision built the search index over the old rows
        assert s.search("regeneration naturelle")[0].row_id == practice["id"]
        assert s.check() == []
        from sqlalchemy import inspect
        names = {i["name"] for i in inspect(s.engine).get_indexes("practice")}
        assert "ix_practice_title_order" in names and "ix_practice_title" not in names  # revision 0004
    with Store(data) as again:  # at head already: no second backup
        assert again.backup_taken is None
    # the backup is the untouched revision-0001 database
    import sqlite3
    con = sqlite3.connect(s.backup_taken)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    assert con.execute("SELECT title FROM practice").fetchone()[0].startswith("Régénération")
    con.close()
