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


PROBE = """
import runpy, sys
sys.path.insert(0, {bench!r})  # as `python bench/x.py` has it: the script's folder first
runpy.run_path({script!r}, run_name="bench_probe")  # its top level, not its main()
import sync.wire, fieldapp.core.store  # what a benchmark's later, lazy imports need
assert sync.__file__.endswith("__init__.py"), sync.__file__
"""


@pytest.mark.parametrize("script", [s for s in SCRIPTS if "fieldapp" in (ROOT / "bench" / s).read_text(encoding="utf-8")])
def test_a_benchmarks_later_imports_find_the_project_not_its_neighbours(script):
    """The lazy imports too (bench/ui.py's window child imports the store late)."""
    code = PROBE.format(bench=str(ROOT / "bench"), script=str(ROOT / "bench" / script))
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT / "bench", capture_output=True, text=True,
                          timeout=120, env=os.environ | {"QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-2000:]
