"""Desktop window benchmark on a 100 000-practice database (demo data).

Measures, each in fresh processes (offscreen Qt):
- start-up: process start to main window shown and populated (first screen of the
  practice list painted), median of several runs (target <= 1.5 s);
- opening each list for the first time: from navigating to it until its first screen is
  painted (target <= 150 ms; the practice list, open since start-up, is timed as a fresh
  query), plus re-sorting the practice list by a header click and
  the time until a list's complete id list is in (both for information);
- search as you type: from a keystroke to its hits on screen, per keystroke, over words
  typed one letter at a time (target <= 50 ms), and how long the UI thread itself is
  busy per keystroke;
- peak RSS of the window process after all of that (target <= 300 MB).

Writes bench/results/ui.json. Usage: python bench/ui.py [--scale 100000] [--runs 5]
[--data-dir DIR] (the database is generated once and kept in bench/data/, git-ignored).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from children import check_exit  # bench/children.py (this folder is on the path)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # first: bench/sync.py must not shadow the service package `sync`
RESULTS = ROOT / "bench" / "results" / "ui.json"
TARGETS = {"startup_median_s": 1.5, "list_open_ms": 150.0, "search_keystroke_ms": 50.0, "peak_rss_mb": 300.0}
LISTS = ("practice", "organisation", "contact", "project", "form_submission", "form_definition", "meeting")
WORDS = ("agroforestry", "semis direct", "Kaolack", "cobertura", "compost")


def ensure_database(data_dir: Path, scale: int) -> dict:
    from fieldapp.core import demo
    from fieldapp.core.store import Store

    store = Store(data_dir, author="bench")
    try:
        if store.count("practice") != scale:
            if store.count("practice"):
                raise SystemExit(f"{data_dir} holds another scale; remove it or pass --data-dir")
            started = time.perf_counter()
            demo.generate(store, scale=scale, seed=1)
            print(f"generated demo data at scale {scale} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        return store.stats()
    finally:
        store.close()


def _env(config_dir: str) -> dict:
    env = dict(os.environ)
    env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=config_dir, FIELDAPP_REPORT_READY="1",
               PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
    return env


def startup_once(data_dir: Path, config_dir: str) -> float:
    code = "import sys; from pathlib import Path; from fieldapp.ui.app import run; sys.exit(run(Path(sys.argv[1]), argv=['fieldapp']))"
    started = time.time()
    proc = subprocess.Popen([sys.executable, "-c", code, str(data_dir)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=_env(config_dir))
    ready = None
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("ready "):
            ready = float(line.split()[1])
    check_exit("the window's start-up", proc.wait(timeout=120))
    if ready is None:
        raise RuntimeError("the window did not report ready")
    return ready - started


# --------------------------------------------------------------------------- child
def child(data_dir: Path) -> None:
    """Runs inside a fresh process: opens every list, sorts, searches; prints JSON."""
    from PySide6.QtCore import QEventLoop, QSettings, Qt
    from PySide6.QtWidgets import QApplication

    from fieldapp.core.store import Store
    from fieldapp.ui.app import make_app
    from fieldapp.ui.main_window import MainWindow
    from fieldapp.ui.settings import Settings

    app = make_app(["fieldapp"])
    store = Store(data_dir)
    settings = Settings(QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat))
    window = MainWindow(store, settings)
    window.resize(1366, 860)
    window.show()

    def spin_until(cond, timeout: float = 60.0) -> None:
        deadline = time.perf_counter() + timeout
        while not cond():
            if time.perf_counter() > deadline:
                raise TimeoutError("benchmark step did not finish")
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 2)
            time.sleep(0.0003)

    spin_until(lambda: window._ready_sent)
    out: dict = {"list_open_ms": {}, "list_complete_ms": {}, "rows": {}}
    for name in LISTS:
        page = window.pages[name]
        started = time.perf_counter()
        window.page_for(name)
        if name == "practice":  # already open since start-up: time a fresh query instead
            started = time.perf_counter()
            page.model.refresh()
        spin_until(lambda: page.model.active and page.model.shown_generation == page.model._generation)
        page.view.viewport().repaint()  # the first screen painted (rows fetched lazily)
        out["list_open_ms"][name] = (time.perf_counter() - started) * 1000
        spin_until(lambda: page.model.is_loaded)
        out["list_complete_ms"][name] = (time.perf_counter() - started) * 1000
        out["rows"][name] = page.model.rowCount()
    page = window.page_for("practice")
    sorts = []
    col = page.model.column_of("title")
    for order in (Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder) * 2:
        started = time.perf_counter()
        page.view.sortByColumn(col, order)
        spin_until(lambda: page.model.shown_generation == page.model._generation)
        page.view.viewport().repaint()
        sorts.append((time.perf_counter() - started) * 1000)
        spin_until(lambda: page.model.is_loaded)
    out["sort_ms"] = sorts
    box = window.search
    box.setFocus()
    latencies, ui_busy = [], []
    for word in WORDS:
        for i in range(1, len(word) + 1):
            prefix = word[:i]
            shown = []
            conn = box.results_shown.connect(lambda n: shown.append(n))
            started = time.perf_counter()
            box.setText(prefix)
            box.textEdited.emit(prefix)  # what a keystroke does
            ui_busy.append((time.perf_counter() - started) * 1000)
            if prefix.strip():
                spin_until(lambda: shown)
                latencies.append((time.perf_counter() - started) * 1000)
            box.results_shown.disconnect(conn)
        box.clear()
    out["search_keystroke_ms"] = latencies
    out["search_ui_thread_ms"] = ui_busy
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out), flush=True)
    window.close()
    store.close()


def run_child(data_dir: Path, config_dir: str) -> dict:
    env = _env(config_dir)
    env.pop("FIELDAPP_REPORT_READY")
    proc = subprocess.run([sys.executable, __file__, "--child", str(data_dir)], capture_output=True, text=True,
                          env=env, timeout=600)
    check_exit("the window benchmark's child", proc.returncode, proc.stderr)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(proc.stderr[-2000:])


def _median(values) -> float:
    return round(statistics.median(values), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description="Desktop window benchmark")
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "data" / "ui-100k")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    stats = ensure_database(args.data_dir, args.scale)
    config_dir = tempfile.mkdtemp(prefix="fieldapp-bench-conf-")
    startup_once(args.data_dir, config_dir)  # warm the OS file cache, as a second start would be
    startups = [startup_once(args.data_dir, config_dir) for _ in range(args.runs)]
    children = [run_child(args.data_dir, config_dir) for _ in range(max(3, args.runs // 2))]
    opens = {name: _median([c["list_open_ms"][name] for c in children]) for name in LISTS}
    complete = {name: _median([c["list_complete_ms"][name] for c in children]) for name in LISTS}
    keystrokes = [v for c in children for v in c["search_keystroke_ms"]]
    ui_thread = [v for c in children for v in c["search_ui_thread_ms"]]
    rss = max(c["peak_rss_mb"] for c in children)
    sorted_keys = sorted(keystrokes)
    results = {
        "benchmark": "ui",
        "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"platform": platform.platform(), "python": sys.version.split()[0], "sqlite": sqlite3.sqlite_version,
                    "cpus": os.cpu_count()},
        "database": {"scale": args.scale, "rows": stats},
        "targets": TARGETS,
        "startup_s": {"runs": [round(s, 3) for s in startups], "median": round(statistics.median(startups), 3)},
        "list_open_ms": {"median_per_list": opens, "worst": max(opens.values())},
        "list_complete_ms": {"median_per_list": complete,
                             "note": "until the whole ordered id list is in (the first screen is already usable)"},
        "practice_sort_ms": {"median": _median([v for c in children for v in c["sort_ms"]])},
        "search_keystroke_ms": {"median": _median(keystrokes), "p90": round(sorted_keys[int(0.9 * (len(sorted_keys) - 1))], 1),
                                "max": round(max(keystrokes), 1), "keystrokes": len(keystrokes)},
        "search_ui_thread_ms": {"median": round(statistics.median(ui_thread), 2), "max": round(max(ui_thread), 2)},
        "peak_rss_mb": round(rss, 1),
    }
    results["pass"] = {
        "startup": results["startup_s"]["median"] <= TARGETS["startup_median_s"],
        "list_open": results["list_open_ms"]["worst"] <= TARGETS["list_open_ms"],
        "search_keystroke": results["search_keystroke_ms"]["median"] <= TARGETS["search_keystroke_ms"],
        "peak_rss": rss <= TARGETS["peak_rss_mb"],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
