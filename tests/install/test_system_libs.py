"""On Linux the window needs X11/XCB libraries that PySide6's wheels do not carry: when
one is missing, the app names the package to install instead of Qt's generic abort."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from fieldapp import system_libs

needs_gcc = pytest.mark.skipif(not shutil.which("gcc") or not shutil.which("ldd"), reason="needs gcc and ldd")


def _plugin_linked_to_a_missing_library(tmp: Path) -> Path:
    """A shared object linking a library from a folder the loader never searches: ldd
    reports it "not found", as on a machine without libxcb-cursor0. (The soname is one no
    machine has, so the test does not depend on what this one has installed.)"""
    stub_dir = tmp / "elsewhere"
    stub_dir.mkdir()
    (tmp / "stub.c").write_text("int xcb_cursor_stub(void) { return 1; }\n")
    (tmp / "plugin.c").write_text("int xcb_cursor_stub(void);\nint plugin(void) { return xcb_cursor_stub(); }\n")
    subprocess.run(["gcc", "-shared", "-fPIC", "-Wl,-soname,libfieldapp-absent.so.0", "-o", str(stub_dir / "libfieldapp-absent.so.0"),
                    str(tmp / "stub.c")], check=True)
    plugin = tmp / "libqxcb.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(plugin), str(tmp / "plugin.c"), str(stub_dir / "libfieldapp-absent.so.0")],
                   check=True)
    shutil.rmtree(stub_dir)
    return plugin


@needs_gcc
def test_a_missing_library_is_named_with_its_package(tmp_path, monkeypatch):
    plugin = _plugin_linked_to_a_missing_library(tmp_path)
    monkeypatch.setitem(system_libs.PACKAGES, "libfieldapp-absent.so.0", system_libs.PACKAGES["libxcb-cursor.so.0"])
    assert system_libs.missing_sonames(plugin) == ["libfieldapp-absent.so.0"]
    message = system_libs.check_window_libraries({"DISPLAY": ":0"}, plugin)
    assert "sudo apt-get install libxcb-cursor0" in message
    assert "sudo dnf install xcb-util-cursor" in message


def test_every_library_the_installed_qt_plugin_lacks_here_is_mapped_to_a_package():
    plugin = system_libs.xcb_plugin()
    if plugin is None:
        pytest.skip("PySide6 has no xcb plugin on this platform")
    assert [s for s in system_libs.missing_sonames(plugin) if s not in system_libs.PACKAGES] == []


def test_only_the_x11_plugin_is_checked():
    assert system_libs.uses_xcb({"QT_QPA_PLATFORM": "offscreen"}) is False
    assert system_libs.uses_xcb({"WAYLAND_DISPLAY": "wayland-0"}) is False
    assert system_libs.uses_xcb({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"}) is True
    assert system_libs.uses_xcb({"DISPLAY": ":0"}) is True


def test_the_app_prints_the_packages_and_exits_instead_of_aborting(tmp_path, monkeypatch, capsys):
    from fieldapp.ui import app

    monkeypatch.setattr(app, "check_window_libraries", lambda: system_libs.advice(["libxcb-icccm.so.4"]))
    assert app.run(tmp_path / "data", argv=["fieldapp"]) == 3
    assert "sudo apt-get install libxcb-icccm4" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()  # nothing was started


def test_the_readme_lists_the_packages():
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for package in ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"):
        assert package in readme
