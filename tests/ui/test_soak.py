"""A long day in the window (tests/ui/soak_driver.py, in a child process): thousands of
user-like actions, then the process must have lived, None's reference count must not have
fallen (a binding that drops references aborts the window) and memory must have stayed
bounded. FIELDAPP_SOAK_ACTIONS sets the length (`make soak` runs 20 000)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = int(os.environ.get("FIELDAPP_SOAK_ACTIONS", "5000"))
RSS_GROWTH_MB = 60  # after warm-up: caches fill, nothing should grow with the day


def test_the_window_survives_a_long_day(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "tests.ui.soak_driver", str(tmp_path / "data"), str(ACTIONS)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=1800)
    assert proc.returncode == 0, f"the window died (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    report = json.loads(next(line[5:] for line in proc.stdout.splitlines() if line.startswith("SOAK ")))
    samples = report["samples"]
    assert report["actions"] >= 5000 or ACTIONS < 5000
    warm = samples[len(samples) // 5]
    lowest = min(s["none_refs"] for s in samples[len(samples) // 5:])
    # a binding that drops a reference per void call loses thousands here
    assert lowest >= warm["none_refs"] - 500, samples
    # PySide6 6.11.3 adds two references to None per child widget deleted (harmless, the
    # count only grows); a few per action is that, far more would be a runaway leak
    assert (samples[-1]["none_refs"] - warm["none_refs"]) / max(1, samples[-1]["action"] - warm["action"]) < 40, samples
    assert samples[-1]["rss_mb"] - warm["rss_mb"] <= RSS_GROWTH_MB, samples
    (tmp_path / "soak.json").write_text(json.dumps(report))
    print(f"soak: {report['actions']} actions in {report['seconds']} s; None drift after warm-up "
          f"{samples[-1]['none_refs'] - warm['none_refs']:+d}; RSS {warm['rss_mb']} -> {samples[-1]['rss_mb']} MB, "
          f"peak {max(s['rss_mb'] for s in samples)} MB")
