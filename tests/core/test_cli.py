"""The `fieldapp` command: headless commands in-process (fast) and once as a real
program, as a correspondent would run it."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import types
from pathlib import Path

import pytest

from fieldapp import __version__
from fieldapp.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "transfer"
FIELDAPP = Path(sys.executable).parent / "fieldapp"


@pytest.fixture
def demo_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli") / "data"
    assert main(["demo", "--data-dir", str(folder), "--scale", "120", "--seed", "4"]) == 0
    return folder


def test_installed_program_runs_headless(tmp_path):
    version = subprocess.run([str(FIELDAPP), "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.splitlines()[0] == f"Field App {__version__}"
    assert "PySide6-Essentials" in version.stdout and "SQLAlchemy" in version.stdout  # what a bug report needs
    stats = subprocess.run([str(FIELDAPP), "stats", "--data-dir", str(tmp_path / "d")], capture_output=True, text=True, timeout=120)
    assert stats.returncode == 0, stats.stderr
    lines = dict(line.rsplit(None, 1) for line in stats.stdout.splitlines())
    assert lines["Practices"] == "0" and int(lines["Reference entries"].replace(",", "")) > 300
    # headless commands never load Qt
    probe = subprocess.run([sys.executable, "-c", "import sys; from fieldapp.cli import main; "
                            f"main(['stats', '--data-dir', {str(tmp_path / 'd')!r}]); print('PySide6' in sys.modules)"],
                           capture_output=True, text=True, timeout=120)
    assert probe.stdout.strip().splitlines()[-1] == "False", probe.stderr


def test_demo_then_stats_is_an_aligned_table(demo_dir, capsys):
    capsys.readouterr()
    assert main(["stats", "--data-dir", str(demo_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    counts = dict(line.rsplit(None, 1) for line in lines)
    assert counts["Practices"] == "120" and counts["Organisations"] == "24" and counts["Meetings"] == "2"
    assert counts["Changes waiting to sync"] == "0"
    assert len({len(line) for line in lines}) == 1  # numbers right-aligned in one column


def test_demo_refuses_a_folder_with_records(demo_dir, capsys):
    assert main(["demo", "--data-dir", str(demo_dir), "--scale", "10"]) == 1
    assert "already holds records" in capsys.readouterr().err


def test_search_prints_ranked_hits(demo_dir, capsys):
    capsys.readouterr()
    assert main(["--data-dir", str(demo_dir), "search", "icrisat"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("1. [Organisation] International Crops Research Institute")
    assert main(["search", "carbono organico", "--data-dir", str(demo_dir), "--entity", "practice", "--limit", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    hits = [line for line in out if line[:1].isdigit()]
    assert [h.split(".")[0] for h in hits] == ["1", "2", "3"]
    assert all("[Practice]" in h for h in hits)
    assert any("[orgánico]" in line for line in out)  # accents folded, snippet marks the match
    assert main(["search", "zzzxxq", "--data-dir", str(demo_dir)]) == 0
    assert "No match" in capsys.readouterr().out


def test_import_errors_exit_1_with_line_and_field_and_change_nothing(tmp_path, capsys):
    folder = str(tmp_path / "d")
    assert main(["import", "organisation", str(FIXTURES / "organisations_bad_excel.csv"), "--data-dir", folder]) == 1
    out = capsys.readouterr().out
    assert "line 3, field joined_on:" in out and "line 4, field org_type:" in out and "line 5, field email:" in out
    main(["stats", "--data-dir", folder])
    assert dict(line.rsplit(None, 1) for line in capsys.readouterr().out.splitlines())["Organisations"] == "0"
    assert main(["import", "organisation", str(FIXTURES / "organisations_bad_excel.csv"), "--data-dir", folder, "--skip-invalid"]) == 0
    assert "1 added" in capsys.readouterr().out


def test_export_to_file_then_import_elsewhere(demo_dir, tmp_path, capsys):
    path = tmp_path / "practices.json"
    assert main(["export", "practice", "--format", "json", "--output", str(path), "--data-dir", str(demo_dir)]) == 0
    other = str(tmp_path / "other")
    for name in ("organisation",):
        csv_path = tmp_path / f"{name}.csv"
        assert main(["export", name, "--output", str(csv_path), "--data-dir", str(demo_dir)]) == 0
        assert main(["import", name, str(csv_path), "--data-dir", other]) == 0
    capsys.readouterr()
    assert main(["import", "practice", str(path), "--data-dir", other]) == 0
    assert "120 added" in capsys.readouterr().out
    assert main(["export", "nonsense", "--data-dir", other]) == 2


def test_check_exit_codes(demo_dir, capsys):
    assert main(["check", "--data-dir", str(demo_dir)]) == 0
    assert "No problems" in capsys.readouterr().out
    with sqlite3.connect(demo_dir / "fieldapp.sqlite") as conn:  # lose one search document behind the store's back
        conn.execute("DELETE FROM search_doc WHERE docid = (SELECT min(docid) FROM search_doc)")
    assert main(["check", "--data-dir", str(demo_dir)]) == 1
    assert "search index" in capsys.readouterr().out


def test_form_check_reports_a_missing_module_clearly(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "fieldapp.forms.xlsform", None)  # import fails as if not installed
    assert main(["form", "check", str(tmp_path / "call.xlsx")]) == 2
    assert "Form checks are not available" in capsys.readouterr().err


def test_form_check_passes_the_exit_code_through(tmp_path, monkeypatch, capsys):
    seen = {}

    def check_command(path, out):
        seen["path"] = path
        out.write("checked\n")
        return 3

    monkeypatch.setitem(sys.modules, "fieldapp.forms.xlsform", types.SimpleNamespace(check_command=check_command))
    assert main(["form", "check", str(tmp_path / "call.xlsx")]) == 3
    assert seen["path"] == tmp_path / "call.xlsx" and "checked" in capsys.readouterr().out


def test_no_command_opens_the_window_with_demo_and_server_flags(tmp_path, monkeypatch):
    calls = []

    def run(data_dir, *, demo_scale=None, argv=None):
        calls.append((data_dir, demo_scale, argv))
        return 0

    monkeypatch.setitem(sys.modules, "fieldapp.ui.app", types.SimpleNamespace(run=run))
    assert main(["--data-dir", str(tmp_path), "--demo-if-empty", "--no-server"]) == 0
    assert main(["--data-dir", str(tmp_path)]) == 0
    (d1, scale1, argv1), (_d2, scale2, argv2) = calls
    assert d1 == tmp_path and scale1 == 2000 and "--no-server" in argv1
    assert scale2 is None and "--no-server" not in argv2
