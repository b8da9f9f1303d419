"""`fieldapp --self-test` run in-process from the source tree: every check passes here,
a missing piece is reported by name with exit 1, and an existing data folder of the first
schema revision comes out upgraded with its records, its unsynced edit and a backup."""
from __future__ import annotations

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from fieldapp import selftest
from fieldapp.core import migrate
from fieldapp.core.store import DB_NAME

from .conftest import FIXTURE_R0001, ROOT


def test_self_test_passes_from_source(qapp, capsys):
    assert selftest.main(["--self-test"]) == 0
    out = capsys.readouterr().out
    for name in ("data folder", "resources", "database", "encryption", "languages", "locale data", "sync support",
                 "window"):
        assert f"ok   {name}: " in out
    assert "FAIL" not in out and out.rstrip().endswith("Self-test passed: 8 checks.")
    assert "ok   encryption: SQLCipher 4." in out
    assert "Pratiques" in out and "Prácticas" in out  # French and Spanish catalogs really translate


def test_missing_catalogs_fail_with_their_names(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FIELDAPP_TRANSLATIONS", str(tmp_path / "nothing-here"))
    assert selftest.main(["--no-window"]) == 1
    out = capsys.readouterr().out
    assert "FAIL languages: no catalog for fr, es in " in out
    assert "ok   database: " in out  # the other checks still ran
    assert "Self-test failed: 1 of 7 checks: languages" in out


def test_missing_icon_fails(tmp_path, monkeypatch, capsys):
    resources = tmp_path / "resources"
    shutil.copytree(ROOT / "resources", resources)
    (resources / "icons" / "fieldapp.svg").unlink()
    monkeypatch.setenv("FIELDAPP_RESOURCES", str(resources))
    assert selftest.main(["--no-window"]) == 1
    assert "FAIL resources: icon missing: " in capsys.readouterr().out


def test_revision_0001_data_folder_is_upgraded_and_kept(tmp_path, capsys):
    data = tmp_path / "FieldApp"
    data.mkdir()
    shutil.copy(FIXTURE_R0001, data / DB_NAME)
    assert selftest.main(["--no-window", "--data-dir", str(data)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("ok   existing data: "))
    assert f"revision 0001 -> {migrate.head()}" in line and "1 unsynced change(s) kept" in line
    con = sqlite3.connect(data / DB_NAME)
    try:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == migrate.head()
        assert con.execute("SELECT title FROM practice").fetchall() == [("Régénération naturelle assistée (RNA)",)]
        assert con.execute("SELECT op_id FROM outbox").fetchall() == [("fixturedev:1",)]
    finally:
        con.close()
    [backup] = (data / "backups").glob("*.sqlite")
    old = sqlite3.connect(backup)
    try:
        assert old.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    finally:
        old.close()


def test_a_folder_without_database_is_reported(tmp_path, capsys):
    assert selftest.main(["--no-window", "--data-dir", str(tmp_path / "empty")]) == 1
    assert "FAIL existing data: no database in " in capsys.readouterr().out


def test_default_data_folder_is_not_beside_the_program(monkeypatch, tmp_path):
    from fieldapp.paths import default_data_dir

    monkeypatch.delenv("FIELDAPP_DATA_DIR", raising=False)
    data = default_data_dir().resolve()
    for program in (ROOT, Path(sys.executable).resolve().parent):
        assert program != data and program not in data.parents
    # as a frozen build: the program folder is where the executable is
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "FieldApp" / "fieldapp"))
    assert selftest.check_data_folder_location() == str(data)
    monkeypatch.setenv("FIELDAPP_DATA_DIR", str(tmp_path / "FieldApp" / "data"))
    with pytest.raises(selftest.CheckFailed, match="inside the program folder"):
        selftest.check_data_folder_location()


def test_self_test_runs_without_qt(tmp_path):
    """Everything but the window check is Qt-free: with PySide6 blocked the self-test
    still passes from source and says the window check was skipped."""
    import subprocess

    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'PySide6' or name.startswith(('PySide6.', 'shiboken')):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from fieldapp import selftest\n"
        "sys.exit(selftest.main(['--self-test']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok   window: skipped: PySide6 is not installed" in done.stdout
    assert "ok   database: " in done.stdout
