"""bench/forms_window.py keeps working (a tiny run; the figures themselves live in
bench/results/forms_window.json, never asserted here)."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "forms_window.py"


def test_window_benchmark_runs_and_writes_its_results(qapp, tmp_path):
    spec = importlib.util.spec_from_file_location("bench_forms_window", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    out = tmp_path / "forms_window.json"
    assert module.main(["--questions", "40", "--repeat", "1", "--output", str(out)]) == 0
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["questions"] == 40 and result["runs"] == 1 and result["rows_on_first_page"] > 0
    for key in ("import", "open_in_filler_first_page_drawn", "import_and_open", "answer_typed_with_dependents"):
        assert result[key]["median_ms"] > 0
