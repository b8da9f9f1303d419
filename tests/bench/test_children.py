"""A benchmark whose child crashes fails, whatever the child printed before dying."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("bench_children", Path(__file__).parents[2] / "bench" / "children.py")
children = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(children)

ABORTS_AFTER_RESULT = "import os, sys; print('RESULT {}', flush=True); os.abort()"


def test_a_child_that_aborts_after_printing_its_result_is_a_crash():
    proc = subprocess.run([sys.executable, "-c", ABORTS_AFTER_RESULT], capture_output=True, text=True)
    assert "RESULT" in proc.stdout
    with pytest.raises(children.ChildCrashed, match="SIGABRT"):
        children.check_exit("child", proc.returncode, proc.stderr)


def test_a_clean_exit_passes():
    children.check_exit("child", subprocess.run([sys.executable, "-c", "pass"]).returncode)


def test_a_server_that_died_during_the_run_is_a_crash():
    proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"])
    proc.wait()
    with pytest.raises(children.ChildCrashed, match="exit code 3"):
        children.stop("server", proc)


def test_a_live_server_is_stopped_quietly():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    children.stop("server", proc)
    assert proc.poll() is not None


def test_every_benchmark_that_starts_children_checks_them():
    bench = Path(__file__).parents[2] / "bench"
    for script in bench.glob("*.py"):
        text = script.read_text(encoding="utf-8")
        if "subprocess." in text and script.name != "children.py":
            assert "from children import" in text, f"{script.name} starts children without bench/children.py's checks"
