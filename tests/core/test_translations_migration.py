"""Revision 0005 moves the old practice `translations` documents into the per-language
fields, unsent edits included, and makes them searchable; nothing else changes."""
import json
import shutil
import sqlite3
from pathlib import Path

from fieldapp.core import migrate, translations as tr
from fieldapp.core.schema import PRACTICE
from fieldapp.core.store import DB_NAME, Store

FIXTURE = Path(__file__).parents[1] / "fixtures" / "store_r0001.sqlite"
PID = "22222222-2222-4222-8222-222222222222"
OLD = {"en": {"title": "Farmer-managed natural regeneration", "summary": "Protect stumps' shoots."},
       "es": {"title": "Regeneración natural asistida"}, "de": {"title": "Naturverjüngung"}, "fr": {"title": "ignored"}}


def _old_database(folder: Path) -> Path:
    """The revision-0001 fixture with a translated practice and an unsent edit of it."""
    folder.mkdir()
    db = folder / DB_NAME
    shutil.copy(FIXTURE, db)
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE practice SET translations = ?, field_versions = ?, field_clocks = ? WHERE id = ?",
                    (json.dumps(OLD), json.dumps({"translations": 7, "title": 3}),
                     json.dumps({"translations": "1767607300000:00000:fixturedev"}), PID))
        con.execute("INSERT INTO outbox (op_id, entity, row_id, kind, fields, base, hlc, created_at) "
                    "VALUES ('fixturedev:2', 'practice', ?, 'upsert', ?, ?, '1767607300000:00000:fixturedev', "
                    "'2026-01-05T10:01:00.000Z')",
                    (PID, json.dumps({"translations": OLD}), json.dumps({"translations": 7})))
        con.execute("INSERT INTO outbox (op_id, entity, row_id, kind, fields, base, hlc, created_at) "
                    "VALUES ('fixturedev:3', 'practice', ?, 'upsert', ?, ?, '1767607400000:00000:fixturedev', "
                    "'2026-01-05T10:02:00.000Z')",
                    (PID, json.dumps({"translations": {"de": {"title": "x"}}}), json.dumps({"translations": 7})))
    con.close()
    return folder


def test_old_translation_documents_become_language_fields(tmp_path):
    with Store(_old_database(tmp_path / "d")) as s:
        assert migrate.current(s.engine) == migrate.head()
        row = s.get("practice", PID)
        assert row["title"] == "Régénération naturelle assistée (RNA)"  # the original untouched
        assert (row["title_en"], row["summary_en"], row["title_es"]) == (
            "Farmer-managed natural regeneration", "Protect stumps' shoots.", "Regeneración natural asistida")
        assert row["title_fr"] is None  # the record's own language is not a translation
        assert row["field_versions"]["title_es"] == 7 and row["field_versions"]["title"] == 3
        assert row["field_clocks"]["title_en"] == "1767607300000:00000:fixturedev"
        assert tr.state(PRACTICE, row, "en").complete and tr.state(PRACTICE, row, "es").exists
        ops = {op["op_id"]: op for op in s.outbox()}
        assert set(ops) == {"fixturedev:1", "fixturedev:2"}  # an edit with nothing left to send is gone
        assert ops["fixturedev:1"]["fields"] == {"soc_impact": 2}  # other unsynced edits as they were
        assert ops["fixturedev:2"]["fields"] == {"title_en": "Farmer-managed natural regeneration",
                                                 "summary_en": "Protect stumps' shoots.",
                                                 "title_es": "Regeneración natural asistida"}
        assert ops["fixturedev:2"]["base"] == {"title_en": 7, "summary_en": 7, "title_es": 7}
        assert s.search("regeneracion asistida", lang="es")[0].title == "Regeneración natural asistida"
        assert s.check() == []
    con = sqlite3.connect(tmp_path / "d" / DB_NAME)  # the old column is kept as it was
    assert json.loads(con.execute("SELECT translations FROM practice").fetchone()[0]) == OLD
    con.close()
