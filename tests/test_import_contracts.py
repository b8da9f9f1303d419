"""The house rules on imports (DESIGN.md), checked by import-linter: the contracts are in
pyproject.toml ([tool.importlinter]); this test runs `lint-imports` so `make test` fails
on a break. Unlike importing the packages with Qt blocked, the contracts see an import
written inside a function, and an import of a higher layer that happens not to pull Qt."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command as m; sys.exit(m())"]


def lint(root: Path) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(root)}  # the tree under test, not an installed copy
    return subprocess.run([*LINT, "--no-cache", "--config", str(root / "pyproject.toml")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_tree_keeps_every_import_contract():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout and "Contracts: 5 kept" in done.stdout, done.stdout


def _copy(tmp_path: Path) -> Path:
    for top in ("fieldapp", "sync"):
        shutil.copytree(ROOT / top, tmp_path / top, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_a_qt_import_inside_a_function_below_ui_breaks_a_contract(tmp_path):
    root = _copy(tmp_path)
    (root / "fieldapp" / "core" / "late_qt.py").write_text(
        "def clipboard():\n    from PySide6.QtGui import QGuiApplication\n    return QGuiApplication.clipboard()\n")
    (root / "sync" / "server" / "late_qt.py").write_text("def f():\n    import shiboken6\n")
    done = lint(root)
    assert done.returncode != 0
    assert "fieldapp.core.late_qt -> PySide6" in done.stdout, done.stdout
    assert "sync.server.late_qt -> shiboken6" in done.stdout, done.stdout


def test_core_importing_ui_or_the_service_importing_the_client_breaks_a_contract(tmp_path):
    root = _copy(tmp_path)
    # A lazy import of a Qt-free ui module: no Qt is pulled in, so only the layers see it.
    (root / "fieldapp" / "ui" / "plain.py").write_text("VALUE = 1\n")
    (root / "fieldapp" / "core" / "upward.py").write_text("def f():\n    from fieldapp.ui import plain\n    return plain.VALUE\n")
    (root / "sync" / "server" / "client.py").write_text("from fieldapp.sync_client import engine\n")
    done = lint(root)
    assert done.returncode != 0
    assert "fieldapp.core is not allowed to import fieldapp.ui" in done.stdout, done.stdout
    assert "fieldapp.core.upward -> fieldapp.ui.plain" in done.stdout, done.stdout
    assert "sync.server.client -> fieldapp.sync_client.engine" in done.stdout, done.stdout


CYCLES = """
import grimp
graph = grimp.build_graph("fieldapp", "sync", exclude_type_checking_imports=True, cache_dir=None)
for importer in sorted(graph.modules):
    for imported in sorted(graph.find_modules_directly_imported_by(importer)):
        if graph.chain_exists(importer=imported, imported=importer):
            print(importer, "->", imported)
"""


def _cycles(root: Path) -> list[str]:
    done = subprocess.run([sys.executable, "-c", CYCLES], cwd=root, env=os.environ | {"PYTHONPATH": str(root)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_no_module_imports_one_that_imports_it_back():
    """An import cycle, even through an import inside a function, means two modules are
    one: the split is in the wrong place (issue 16: ui.app and window_setup,
    forms.definition and checks, editor and translations_editor were)."""
    assert _cycles(ROOT) == []


def test_a_cycle_through_a_lazy_import_is_found(tmp_path):
    root = _copy(tmp_path)
    (root / "fieldapp" / "core" / "hlc.py").write_text(
        (ROOT / "fieldapp" / "core" / "hlc.py").read_text() + "\n\ndef _late():\n    from fieldapp.core import store\n")
    assert "fieldapp.core.hlc -> fieldapp.core.store" in _cycles(root)
