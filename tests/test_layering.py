"""House rule: core/, forms/, syncing/ and sync/ never import Qt (DESIGN.md)."""
import subprocess
import sys
import pkgutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QT_FREE = ["fieldapp.core", "fieldapp.forms", "fieldapp.syncing", "sync", "fieldapp.cli", "fieldapp.i18n",
           "fieldapp.selftest"]

BLOCKER = """
import sys, importlib, pkgutil
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == 'PySide6' or name.startswith('PySide6.') or name.startswith('shiboken'):
            raise ImportError('Qt imported below fieldapp/ui: ' + name)
sys.meta_path.insert(0, Block())
for top in {tops!r}:
    mod = importlib.import_module(top)
    if hasattr(mod, '__path__'):
        for info in pkgutil.walk_packages(mod.__path__, top + '.'):
            if '.migrations.versions' in info.name or info.name.endswith('migrations.env'):
                continue
            importlib.import_module(info.name)
print('ok')
"""


def test_qt_free_layers_import_without_pyside():
    code = BLOCKER.format(tops=[m for m in QT_FREE if _exists(m)])
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")


def test_the_blocker_really_blocks():
    code = BLOCKER.format(tops=["fieldapp.ui"]) if _exists("fieldapp.ui.app") else "import PySide6"
    code = BLOCKER.split("for top")[0] + "import PySide6.QtCore\n"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "Qt imported below" in out.stderr


def _exists(name: str) -> bool:
    try:
        return pkgutil.find_loader(name) is not None
    except ImportError:
        return False
