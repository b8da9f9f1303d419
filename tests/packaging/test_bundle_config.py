"""What the bundle keeps and leaves out (packaging/bundle_config.py, icu_subset.py,
build.py helpers): checked against the source tree, so a module the app starts using
cannot stay excluded unnoticed."""
from __future__ import annotations

import configparser
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT


def _qt_modules_imported_by_the_app() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "fieldapp").rglob("*.py"):
        if path.name == "screenshots.py":  # developer tool, left out of the bundle
            continue
        found |= set(re.findall(r"PySide6\.(Qt\w+)", path.read_text(encoding="utf-8")))
    return found


def test_no_qt_module_the_app_imports_is_excluded(bundle_config):
    used = _qt_modules_imported_by_the_app()
    assert {"QtCore", "QtGui", "QtWidgets"} <= used
    assert used.isdisjoint(bundle_config.QT_EXCLUDED), used & set(bundle_config.QT_EXCLUDED)
    assert {"QtWebEngineCore", "QtQml", "QtQuick", "Qt3DCore", "QtMultimedia", "QtCharts", "QtPdf", "QtTest",
            "QtDesigner", "QtBluetooth", "QtSensors", "QtSerialPort", "QtDataVisualization"} <= set(bundle_config.QT_EXCLUDED)


def test_no_library_the_app_imports_is_excluded(bundle_config):
    used = bundle_config.desktop_top_level_imports()
    excluded = {name.split(".")[0] for name in bundle_config.excludes() if not name.startswith(("PySide6.", "fieldapp."))}
    assert used.isdisjoint(excluded), used & excluded
    assert {"psycopg", "pytest", "tkinter"} <= excluded


def test_server_packages_stay_when_the_desktop_imports_them(bundle_config, tmp_path):
    for folder in ("fieldapp/ui", "packaging"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "packaging" / "entry.py").write_text("import sys\n")
    (tmp_path / "fieldapp" / "ui" / "demo.py").write_text("def start():\n    import uvicorn\n    from sync.server import app\n")
    left_out = bundle_config.server_only_excludes(tmp_path)
    assert "uvicorn" not in left_out and "sync" not in left_out
    assert "fastapi" in left_out and "psycopg" not in left_out  # psycopg is never bundled (PYTHON_EXCLUDED)


def test_app_data_holds_resources_catalogs_and_migration_scripts(bundle_config):
    datas = {Path(src).relative_to(ROOT).as_posix(): dest for src, dest in bundle_config.app_datas()}
    assert datas["resources/icons/fieldapp.svg"] == "resources/icons"
    assert datas["resources/reference/lists.json"] == "resources/reference"
    assert any(k.startswith("resources/forms/") and k.endswith(".xlsx") for k in datas)
    assert "resources/forms/build_templates.py" not in datas
    versions = sorted(k for k in datas if k.startswith("fieldapp/core/migrations/versions/r"))
    assert len(versions) == len(list((ROOT / "fieldapp/core/migrations/versions").glob("r*.py"))) >= 3
    assert datas["fieldapp/core/migrations/env.py"] == "fieldapp/core/migrations"
    assert not any(k.endswith(".po") for k in datas)  # only compiled catalogs ship


@pytest.mark.parametrize(("dest", "kept"), [
    ("pycountry/locales/fr/LC_MESSAGES/iso3166-1.mo", True),
    ("pycountry/locales/zh_CN/LC_MESSAGES/iso3166-1.mo", True),
    ("pycountry/locales/fr/LC_MESSAGES/iso639-3.mo", False),
    ("pycountry/locales/de/LC_MESSAGES/iso3166-1.mo", False),
    ("pycountry/databases/iso3166-1.json", True),
    ("babel/locale-data/root.dat", True),
    ("babel/locale-data/fr_SN.dat", True),
    ("babel/locale-data/es_419.dat", True),
    ("babel/locale-data/de_CH.dat", False),
    ("babel/global.dat", True),
    ("PySide6/Qt/translations/qtbase_fr.qm", True),
    ("PySide6/Qt/translations/qt_zh_CN.qm", True),
    ("PySide6/Qt/translations/qtbase_de.qm", False),
    ("PySide6/Qt/translations/qt_help_fr.qm", False),
    ("resources/icons/fieldapp.svg", True),
])
def test_library_data_is_cut_to_the_shipped_languages(bundle_config, dest, kept):
    assert bundle_config.keep_data(dest, ["fr", "es", "zh"]) is kept


def test_unused_qt_plugins_and_what_only_they_needed_are_dropped(bundle_config):
    links = {
        "plat/libqgtk3.so": {"libgtk-3.so.0", "libcairo.so.2", "libQt6Gui.so.6"},
        "plat/libqxcb.so": {"libQt6XcbQpa.so.6", "libQt6Gui.so.6", "libxcb.so.1"},
        "lib/libcairo.so.2": {"libpixman-1.so.0"},
        "lib/libpixman-1.so.0": set(),
        "lib/libxcb.so.1": set(),
        "lib/libQt6Gui.so.6": {"libxcb.so.1"},
        "lib/libQt6XcbQpa.so.6": set(),
        "lib/libssl.so.3": set(),  # linked by nothing dropped: kept even though nothing here links it
    }
    binaries = [
        ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "plat/libqgtk3.so", "BINARY"),
        ("PySide6/Qt/plugins/platforms/libqxcb.so", "plat/libqxcb.so", "BINARY"),
        ("libcairo.so.2", "lib/libcairo.so.2", "BINARY"),
        ("libpixman-1.so.0", "lib/libpixman-1.so.0", "BINARY"),
        ("libxcb.so.1", "lib/libxcb.so.1", "BINARY"),
        ("PySide6/Qt/lib/libQt6Gui.so.6", "lib/libQt6Gui.so.6", "BINARY"),
        ("PySide6/Qt/lib/libQt6XcbQpa.so.6", "lib/libQt6XcbQpa.so.6", "BINARY"),
        ("libssl.so.3", "lib/libssl.so.3", "BINARY"),
        ("PySide6/Qt/lib/libQt6Qml.so.6", "lib/libQt6Qml.so.6", "BINARY"),
    ]
    kept, removed = bundle_config.prune_binaries(binaries, lambda src: links.get(src, set()))
    assert [b[0].rsplit("/", 1)[-1] for b in kept] == [
        "libqxcb.so", "libxcb.so.1", "libQt6Gui.so.6", "libQt6XcbQpa.so.6", "libssl.so.3"]
    assert removed == ["libQt6Qml.so.6", "libcairo.so.2", "libpixman-1.so.0", "libqgtk3.so"]


def test_drop_binary_keeps_what_the_window_needs(bundle_config):
    keep = ["PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/Qt/plugins/platforms/libqwayland.so",
            "PySide6/Qt/plugins/platforms/libqoffscreen.so", "PySide6/Qt/plugins/imageformats/libqjpeg.so",
            "PySide6/Qt/plugins/iconengines/libqsvgicon.so", "PySide6/Qt/plugins/wayland-shell-integration/libxdg-shell.so",
            "PySide6/Qt/plugins/platforminputcontexts/libibusplatforminputcontextplugin.so",
            "PySide6/plugins/platforms/qwindows.dll", "PySide6/Qt/lib/libQt6Widgets.so.6"]
    drop = ["PySide6/Qt/plugins/platforms/libqvnc.so", "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
            "PySide6/Qt/plugins/generic/libqevdevmouseplugin.so", "PySide6/Qt/plugins/imageformats/libqicns.so"]
    assert not [d for d in keep if bundle_config.drop_binary(d, "linux")]
    assert [d for d in drop if bundle_config.drop_binary(d, "linux")] == drop
    assert not bundle_config.drop_binary("PySide6/Qt/plugins/imageformats/libqicns.dylib", "darwin")


@pytest.mark.parametrize(("item", "kept"), [
    ("coll/fr.res", True), ("coll/zh_Hant.res", True), ("coll/de.res", False), ("coll/ucadata.icu", True),
    ("zone/es_MX.res", True), ("zone/ja.res", False), ("fr_CA.res", True), ("ko.res", False), ("root.res", True),
    ("res_index.res", True), ("pool.res", True), ("zone/pool.res", True), ("zoneinfo64.res", True),
    ("metaZones.res", True), ("brkitr/fr.res", False), ("brkitr/cjdict.dict", False), ("lang/fr.res", False),
    ("curr/en.res", False), ("translit/root.res", False), ("ibm-5348_P100-1997.cnv", False), ("cnvalias.icu", True),
    ("uprops.icu", True),
])
def test_icu_subset_keeps_what_qt_reads_for_the_shipped_languages(icu_subset, item, kept):
    assert icu_subset.keep_item(item, ["fr", "es", "zh"]) is kept


def test_windows_icon_holds_every_png(build_script, tmp_path, qapp):
    from PySide6.QtGui import QImageReader

    pngs = sorted((ROOT / "resources" / "icons").glob("fieldapp-*.png"))
    assert pngs, "resources/icons/fieldapp-<size>.png missing"
    target = tmp_path / "fieldapp.ico"
    build_script.write_ico(pngs, target)
    data = target.read_bytes()
    assert struct.unpack("<HHH", data[:6]) == (0, 1, len(pngs))
    reader = QImageReader(str(target))
    sizes = set()
    while True:
        image = reader.read()
        assert not image.isNull(), reader.errorString()
        sizes.add(image.width())
        if not reader.jumpToNextImage():
            break
    assert sizes == {int(p.stem.split("-")[1]) for p in pngs}


def test_desktop_entry_is_complete():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(ROOT / "packaging" / "linux" / "fieldapp.desktop", encoding="utf-8")
    d = entry["Desktop Entry"]
    assert d["Type"] == "Application" and d["Exec"] == "fieldapp" and d["Terminal"] == "false"
    assert d["Categories"].endswith(";") and d["Name"] == "Field App"
    assert d["Comment[fr]"] and d["Comment[es]"]
    assert (ROOT / "resources" / "icons" / f"{d['Icon']}.svg").exists()
    assert (ROOT / "resources" / "icons" / f"{d['Icon']}-256.png").exists()
    validator = shutil.which("desktop-file-validate")  # desktop-file-utils, when installed
    if validator:
        done = subprocess.run([validator, str(ROOT / "packaging" / "linux" / "fieldapp.desktop")], capture_output=True, text=True)
        assert done.returncode == 0 and not done.stdout.strip(), done.stdout + done.stderr


def test_windows_installer_script(build_script):
    iss = (ROOT / "packaging" / "windows" / "fieldapp.iss").read_text(encoding="utf-8")
    assert "{autoprograms}" in iss  # Start-menu entry
    assert re.search(r"^Uninstallable=yes", iss, re.MULTILINE)
    assert "#define AppVersion" in iss and "{#SourceDir}\\*" in iss
    assert "{localappdata}" not in iss.split("[UninstallDelete]")[-1]  # the uninstaller never deletes the user's data
    assert re.search(r'OutputBaseFilename=FieldApp-\{#AppVersion\}-windows-x64-setup', iss)


def test_ci_workflow_builds_smoke_tests_and_uploads_three_systems():
    import yaml

    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "package.yml").read_text(encoding="utf-8"))
    job = flow["jobs"]["package"]
    oses = job["strategy"]["matrix"]["os"]
    assert {o.split("-")[0] for o in oses} == {"ubuntu", "windows", "macos"}
    runs = " ".join(step.get("run", "") for step in job["steps"])
    assert "python packaging/build.py" in runs and "packaging/smoke.sh" in runs
    assert any(step.get("uses", "").startswith("actions/upload-artifact") for step in job["steps"])


def test_frozen_entry_turns_the_demo_service_off():
    from .conftest import load

    entry = load("entry")
    assert entry.frozen_argv([]) == ["--no-server"]
    assert entry.frozen_argv(["stats", "--data-dir", "d"]) == ["--no-server", "stats", "--data-dir", "d"]
    assert entry.frozen_argv(["--no-server"]) == ["--no-server"]
    from fieldapp.cli import build_parser

    args = build_parser().parse_args(entry.frozen_argv(["stats"]))  # the CLI accepts it before a command
    assert args.command == "stats" and args.no_server is True


def test_linux_tarball_layout(build_script, tmp_path, monkeypatch):
    import tarfile

    bundle = tmp_path / "dist" / "fieldapp"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "fieldapp").write_text("#!/bin/sh\n")
    (bundle / "fieldapp").chmod(0o755)
    monkeypatch.setattr(build_script, "DIST", tmp_path / "dist")
    archive = build_script.linux_tarball(bundle, "9.9.9", "x86_64")
    assert archive.name == "FieldApp-9.9.9-linux-x86_64.tar.gz"
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
    top = "FieldApp-9.9.9"
    for name in ("fieldapp/fieldapp", "fieldapp.desktop", "install.sh", "uninstall.sh", "README.txt", "icons/fieldapp.svg",
                 "icons/fieldapp-256.png"):
        assert f"{top}/{name}" in members, name
    for program in ("fieldapp/fieldapp", "install.sh", "uninstall.sh"):
        assert members[f"{top}/{program}"].mode & 0o111, program  # still executable once unpacked
    assert {m.uname for m in members.values()} == {"root"}
