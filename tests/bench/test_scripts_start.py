"""Every benchmark starts the way `make bench` runs it (`python bench/x.py`): the script's
folder then leads sys.path, and bench/sync.py once shadowed the service package `sync`
there, so bench/store.py and bench/encryption.py died on import without any test noticing."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(p.name for p in (ROOT / "bench").glob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_benchmark_starts_as_make_bench_runs_it(script):
    done = subprocess.run([sys.executable, f"bench/{script}", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=os.environ | {"QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-2000:]
