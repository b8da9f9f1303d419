"""The service and the wire protocol never import Qt (DESIGN.md, rules of the house)."""
from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6'):
            raise ImportError('Qt is blocked: ' + name)
sys.meta_path.insert(0, Block())
import sync.protocol, sync.merge, sync.server.app, sync.server.cli
print('ok')
"""


def test_sync_imports_with_qt_blocked():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
