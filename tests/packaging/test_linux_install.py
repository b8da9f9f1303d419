"""The Linux tarball's install.sh / uninstall.sh, run against a stand-in program folder:
the menu entry points at the installed program, a newer version replaces the program
folder whole, and neither installing nor removing touches the user's data folder."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the tarball scripts are for Linux")


def _unpacked(tmp_path, version: str):
    """A folder laid out like the tarball, with a shell script as the program."""
    top = tmp_path / f"FieldApp-{version}"
    (top / "fieldapp" / "_internal").mkdir(parents=True)
    program = top / "fieldapp" / "fieldapp"
    program.write_text(f"#!/bin/sh\necho fieldapp {version}\n")
    program.chmod(0o755)
    (top / "fieldapp" / "_internal" / f"only-in-{version}.txt").write_text(version)
    for name in ("fieldapp.desktop", "install.sh", "uninstall.sh"):
        shutil.copy(ROOT / "packaging" / "linux" / name, top / name)
    shutil.copytree(ROOT / "resources" / "icons", top / "icons")
    return top


def _run(script, home, prefix=None):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}
    if prefix:
        env["PREFIX"] = str(prefix)
    return subprocess.run(["sh", str(script)], env=env, capture_output=True, text=True, timeout=60, check=True)


def test_install_upgrade_and_remove_keep_the_data(tmp_path):
    home = tmp_path / "home"
    data = home / ".local" / "share" / "FieldApp"
    data.mkdir(parents=True)
    (data / "fieldapp.sqlite").write_bytes(b"user data")

    _run(_unpacked(tmp_path, "0.1.0") / "install.sh", home)
    lib = home / ".local" / "lib" / "fieldapp"
    entry = (home / ".local" / "share" / "applications" / "fieldapp.desktop").read_text()
    assert f"Exec={lib}/fieldapp\n" in entry and "Icon=fieldapp\n" in entry
    assert (home / ".local" / "share" / "icons" / "hicolor" / "256x256" / "apps" / "fieldapp.png").exists()
    assert (home / ".local" / "share" / "icons" / "hicolor" / "scalable" / "apps" / "fieldapp.svg").exists()
    launcher = home / ".local" / "bin" / "fieldapp"
    assert subprocess.run([str(launcher)], capture_output=True, text=True, check=True).stdout == "fieldapp 0.1.0\n"

    _run(_unpacked(tmp_path / "newer", "0.2.0") / "install.sh", home)
    assert subprocess.run([str(launcher)], capture_output=True, text=True, check=True).stdout == "fieldapp 0.2.0\n"
    assert sorted(p.name for p in (lib / "_internal").iterdir()) == ["only-in-0.2.0.txt"]  # old files gone
    assert (data / "fieldapp.sqlite").read_bytes() == b"user data"

    _run(tmp_path / "newer" / "FieldApp-0.2.0" / "uninstall.sh", home)
    assert not lib.exists() and not launcher.exists()
    assert not (home / ".local" / "share" / "applications" / "fieldapp.desktop").exists()
    assert (data / "fieldapp.sqlite").read_bytes() == b"user data"


def test_system_wide_prefix(tmp_path):
    prefix = tmp_path / "usr-local"
    _run(_unpacked(tmp_path, "0.1.0") / "install.sh", tmp_path / "home", prefix)
    assert (prefix / "lib" / "fieldapp" / "fieldapp").exists()
    assert f"Exec={prefix}/lib/fieldapp/fieldapp" in (prefix / "share" / "applications" / "fieldapp.desktop").read_text()
