"""Form window benchmark: import a 300-question XLSForm and open it in the filler.

The window half of bench/forms.py (which measures the Qt-free engine): the same
generated 300-question XLSForm (three languages, groups of 15, a repeat, a 250-choice
filtered list, relevance, constraints and calculations chained across the form) is,
each run from scratch (parse and compile caches cleared, a new filler widget):

- imported (`import_xlsform`: openpyxl read, checks, JSON definition);
- published into a local store with a new draft on it (writer thread; reported apart,
  it happens once per form version, not each time a form is opened);
- opened in a `FormFiller` offscreen, from `open_submission(id)` to the first page
  drawn: the submission and its definition read from SQLite and the FormState built
  in a worker thread, the page's widgets built on the UI thread, then a full paint
  (`grab()`) so nothing is left for later;
- then one answer typed into the filler on a question many others depend on.

The target is on import + open (median <= 300 ms). Writes bench/results/forms_window.json.
Usage: python bench/forms_window.py [--questions 300] [--repeat 9]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))  # first: bench/sync.py must not shadow the service package `sync`

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from forms import clear_caches, generate  # noqa: E402  (bench/forms.py: the same form)

from fieldapp.core.store import Store  # noqa: E402
from fieldapp.forms.versions import new_submission, publish_to_store  # noqa: E402
from fieldapp.forms.xlsform import import_xlsform  # noqa: E402
from fieldapp.ui.bridge import StoreBridge  # noqa: E402
from fieldapp.ui.form_filler import FormFiller  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "forms_window.json"
TARGET_MS = 300.0


def wait_for(signal, timeout_ms: int = 30000) -> list:
    """Run the event loop until `signal` fires; returns its arguments."""
    loop = QEventLoop()
    got: list = []

    def fired(*args) -> None:
        got.extend(args)
        loop.quit()

    signal.connect(fired)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    signal.disconnect(fired)
    if not got:
        raise TimeoutError(f"{signal} did not fire within {timeout_ms} ms")
    return got


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--note", default="", help="free text stored with the results (e.g. machine load)")
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication([])
    import_ms, store_ms, open_ms, total_ms, answer_ms = [], [], [], [], []
    widgets_on_first_page = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = generate(Path(tmp) / "bench_form.xlsx", args.questions)
        store = Store(Path(tmp) / "data", author="bench")
        bridge = StoreBridge(store)
        try:
            for _ in range(args.repeat):
                clear_caches()
                t0 = time.perf_counter()
                imported = import_xlsform(path)
                t1 = time.perf_counter()

                def publish(imported=dict(imported, version=None)) -> str:  # each run: the next version
                    def_id = publish_to_store(store, imported)
                    row = store.get("form_definition", def_id)
                    return store.insert("form_submission", new_submission(def_id, row, "Benchmark"))

                sid = store.submit(publish).result()
                clear_caches()  # opening must not profit from the publication's parse
                filler = FormFiller(bridge)
                filler.resize(1100, 800)
                filler.show()
                app.processEvents()
                t2 = time.perf_counter()
                filler.open_submission(sid)
                wait_for(filler.opened)
                filler.grab()  # layout and paint the first page now
                t3 = time.perf_counter()
                import_ms.append((t1 - t0) * 1000)
                store_ms.append((t2 - t1) * 1000)
                open_ms.append((t3 - t2) * 1000)
                total_ms.append((t1 - t0 + t3 - t2) * 1000)
                widgets_on_first_page = len(filler.rows)
                assert filler.row_for("q1") is not None, "the first page shows the first question"
                for value in ("5", "7", "11"):
                    t4 = time.perf_counter()
                    filler.set_answer("q1", value)
                    answer_ms.append((time.perf_counter() - t4) * 1000)
                filler.flush()
                filler.close()
                filler.deleteLater()
                while not bridge.idle():
                    app.processEvents()
                app.processEvents()
        finally:
            store.close()

    def summary(values: list[float]) -> dict[str, float]:
        return {"median_ms": round(statistics.median(values), 1), "min_ms": round(min(values), 1),
                "max_ms": round(max(values), 1)}

    result = {
        "benchmark": "forms window: import an XLSForm and open it in the form filler to its first page",
        "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "questions": args.questions, "runs": args.repeat, "rows_on_first_page": widgets_on_first_page,
        "import": summary(import_ms),
        "publish_and_new_draft": summary(store_ms),
        "open_in_filler_first_page_drawn": summary(open_ms),
        "import_and_open": summary(total_ms),
        "answer_typed_with_dependents": summary(answer_ms),
        "target_ms": {"import_and_open_median": TARGET_MS},
        "met": statistics.median(total_ms) <= TARGET_MS,
        "scope": "import_xlsform + FormFiller.open_submission until the first page is drawn (offscreen Qt); "
                 "publishing the version is reported apart",
        "machine": {"platform": platform.platform(), "python": sys.version.split()[0],
                    "processor": platform.processor() or platform.machine()},
        "note": args.note,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("questions", "import", "publish_and_new_draft",
                                             "open_in_filler_first_page_drawn", "import_and_open",
                                             "answer_typed_with_dependents", "met")}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
