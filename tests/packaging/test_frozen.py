"""The real frozen build (minutes, so only with FIELDAPP_TEST_PACKAGE=1; `make package`
plus `bash packaging/smoke.sh` do the same by hand): the bundle builds, stays within its
size target, leaves out what it should, and the unpacked tarball's program passes its
self-test and upgrades a revision-0001 data folder keeping the data."""
from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile

import pytest

from fieldapp.core import migrate

from .conftest import FIXTURE_R0001, ROOT

pytestmark = pytest.mark.skipif(os.environ.get("FIELDAPP_TEST_PACKAGE") != "1",
                                reason="builds the frozen app (minutes): set FIELDAPP_TEST_PACKAGE=1")
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


@pytest.fixture(scope="module")
def report():
    subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py")], cwd=ROOT, check=True, timeout=1800)
    return json.loads((ROOT / "dist" / "package-report.json").read_text())


def test_bundle_size_and_contents(report):
    assert report["unpacked_mb"] <= report["target_mb"] == 160
    internal = ROOT / report["bundle"] / "_internal" if sys.platform != "darwin" else ROOT / report["bundle"] / "Contents" / "Frameworks"
    assert (internal / "fieldapp" / "core" / "migrations" / "versions" / "r0001_initial.py").exists()
    for lang in ("fr", "es"):
        assert (internal / "translations" / lang / "LC_MESSAGES" / "fieldapp.mo").exists()
    assert (internal / "resources" / "icons" / "fieldapp.svg").exists()
    names = {p.name for p in internal.rglob("*")}
    assert not {n for n in names if n.startswith(("libQt6Qml", "libQt6Quick", "libQt6WebEngine", "Qt6Qml", "Qt6Quick"))}
    assert "psycopg" not in names and "pytest" not in names
    left_out = {name for name in ("fastapi", "uvicorn", "sync") if name in report["excluded"]}
    assert left_out.isdisjoint(names)  # server packages the desktop code does not import


def test_smoke_script_passes(report):
    done = subprocess.run(["bash", str(ROOT / "packaging" / "smoke.sh")], env=ENV, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^Self-test passed: \d+ checks\.$", done.stdout, re.MULTILINE), done.stdout
    assert "ok   window: shown" in done.stdout and "FAIL" not in done.stdout
    assert re.search(r"^ready \d+", done.stdout, re.MULTILINE)  # the real start: `fieldapp` with no command
    assert done.stdout.rstrip().endswith("smoke: passed")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the tarball is the Linux download")
def test_unpacked_tarball_upgrades_old_data_and_keeps_it(report, tmp_path):
    [archive] = [ROOT / "dist" / name for name in report["artefacts"] if name.endswith(".tar.gz")]
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "unpacked", filter="tar")
    [program] = (tmp_path / "unpacked").glob("FieldApp-*/fieldapp/fieldapp")
    data = tmp_path / "home" / "FieldApp"
    data.mkdir(parents=True)
    shutil.copy(FIXTURE_R0001, data / "fieldapp.sqlite")
    done = subprocess.run([str(program), "--self-test", "--no-window", "--data-dir", str(data)], env=ENV,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    con = sqlite3.connect(data / "fieldapp.sqlite")
    try:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == migrate.head()
        assert con.execute("SELECT title FROM practice").fetchone()[0] == "Régénération naturelle assistée (RNA)"
        assert con.execute("SELECT op_id FROM outbox").fetchall() == [("fixturedev:1",)]
    finally:
        con.close()
    assert list((data / "backups").glob("*.sqlite"))
    # the headless commands work from the bundle too
    stats = subprocess.run([str(program), "stats", "--data-dir", str(data)], env=ENV, capture_output=True, text=True, timeout=300)
    assert stats.returncode == 0 and "1" in stats.stdout, stats.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="AppImages are for Linux")
def test_appdir_runs_through_its_apprun(report):
    """The AppDir is what appimagetool packs (in CI); its AppRun must start the program."""
    apprun = ROOT / "build" / "FieldApp.AppDir" / "AppRun"
    done = subprocess.run([str(apprun), "--self-test", "--no-window"], env=ENV, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "(frozen build, " in done.stdout
