"""Form benchmark: import a 300-question XLSForm and open it to its first page.

Generates, in a temporary folder, an XLSForm of 300 questions in English, French and
Spanish laid out as the real templates are (groups of 15 questions, a repeat, select
lists with a choice filter, relevance, constraints and calculations chained across the
form), then measures, each run from scratch (no cache kept between runs):

- `import_xlsform` (openpyxl read + checks + JSON definition);
- `FormDefinition.parse` + `FormState(...)` (expressions parsed, dependency graph,
  defaults, relevance and calculations) + `page_items(0)`: what the filler needs to draw
  its first page;
- the total of both, the figure with a target (<= 300 ms);
- and, once open, `set_answer` on a question many others depend on (live re-evaluation).

The window part (building Qt widgets) is added by the form filler's benchmark later.
Writes bench/results/forms.json. Usage: python bench/forms.py [--questions 300] [--repeat 15]
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fieldapp.forms import expressions, form_state  # noqa: E402
from fieldapp.forms.definition import FormDefinition  # noqa: E402
from fieldapp.forms.form_state import FormState  # noqa: E402
from fieldapp.forms.xlsform import import_xlsform  # noqa: E402
from fieldapp.forms.xlsform_writer import write_xlsform  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "forms.json"
TARGET_MS = 300.0
GROUP_SIZE = 15


def tr(column: str, text: str) -> dict[str, str]:
    return {f"{column}::English (en)": text, f"{column}::French (fr)": f"{text} (fr)",
            f"{column}::Spanish (es)": f"{text} (es)"}


def generate(path: Path, questions: int) -> Path:
    """An XLSForm with `questions` questions (notes and calculates count as questions)."""
    survey: list[dict] = [{"type": "start", "name": "started"}]
    made = 0
    group = 0
    previous_number = None
    kinds = ("integer", "decimal", "text", "select_one yn", "select_multiple crops", "date", "calculate", "note",
             "select_one country", "geopoint")
    while made < questions:
        group += 1
        in_repeat = group == 3
        survey.append({"type": "begin repeat" if in_repeat else "begin group", "name": f"g{group}",
                       **tr("label", f"Section {group}"),
                       **({"relevant": "${q1} >= 0"} if group % 4 == 0 else {})})
        for _ in range(GROUP_SIZE):
            if made >= questions:
                break
            made += 1
            name = f"q{made}"
            kind = kinds[made % len(kinds)]
            row: dict = {"type": kind, "name": name, **tr("label", f"Question {made}"),
                         **tr("hint", f"Hint for question {made}")}
            if kind in ("integer", "decimal"):
                row.update(constraint=". >= 0 and . <= 100000", **tr("constraint_message", "Between 0 and 100000"))
                row["required"] = "yes" if made % 3 == 0 else ""
                if previous_number and made % 2 == 0:
                    row["relevant"] = f"${{{previous_number}}} != '' or ${{{previous_number}}} = ''"
                previous_number = name
            elif kind == "calculate":
                row = {"type": "calculate", "name": name,
                       "calculation": f"coalesce(${{{previous_number}}}, 0) * 2" if previous_number else "1"}
            elif kind == "note":
                row = {"type": "note", "name": name, **tr("label", f"Note {made}: ${{{previous_number}}}")} \
                    if previous_number else {"type": "note", "name": name, **tr("label", f"Note {made}")}
            elif kind == "select_one country":
                row["choice_filter"] = "region = 'AFR' or region = 'EUR'"
            elif kind == "text":
                row["appearance"] = "multiline" if made % 2 else ""
            elif kind == "date":
                row["constraint"] = ". <= today()"
            survey.append(row)
        survey.append({"type": "end repeat" if in_repeat else "end group"})
    survey.append({"type": "calculate", "name": "grand_total",
                   "calculation": " + ".join(f"coalesce(${{q{i}}}, 0)" for i in range(1, questions + 1)
                                             if kinds[i % len(kinds)] in ("integer", "decimal")
                                             and not (30 < i <= 45))})  # q31..q45 live in the repeat
    choices = [{"list_name": "yn", "name": "yes", **tr("label", "Yes")},
               {"list_name": "yn", "name": "no", **tr("label", "No")}]
    choices += [{"list_name": "crops", "name": f"crop{i}", **tr("label", f"Crop {i}")} for i in range(20)]
    choices += [{"list_name": "country", "name": f"C{i:03d}", **tr("label", f"Country {i}"),
                 "region": ("AFR", "EUR", "ASI", "LAC")[i % 4]} for i in range(250)]
    return write_xlsform(path, survey, choices, {"form_id": "bench_form", "form_title": "Benchmark form",
                                                  "version": 1, "default_language": "English (en)"})


def clear_caches() -> None:
    expressions.parse.cache_clear()
    form_state._COMPILED.clear()
    gc.collect()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--note", default="", help="free text stored with the results (e.g. machine load)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = generate(Path(tmp) / "bench_form.xlsx", args.questions)
        size_kb = path.stat().st_size / 1024
        import_ms, open_ms, total_ms, answer_ms = [], [], [], []
        count = 0
        for _ in range(args.repeat):
            clear_caches()
            t0 = time.perf_counter()
            result = import_xlsform(path)
            t1 = time.perf_counter()
            defn = FormDefinition.parse(result["definition"])
            state = FormState(defn)
            items = state.page_items(state.first_page())
            t2 = time.perf_counter()
            import_ms.append((t1 - t0) * 1000)
            open_ms.append((t2 - t1) * 1000)
            total_ms.append((t2 - t0) * 1000)
            count = sum(1 for _el in defn.walk())
            assert items, "the first page has something to show"
            for value in (5, 7, 11):
                t3 = time.perf_counter()
                state.set_answer("q1", value)
                answer_ms.append((time.perf_counter() - t3) * 1000)
            assert state.value("grand_total") is not None

    def summary(values: list[float]) -> dict[str, float]:
        return {"median_ms": round(statistics.median(values), 1), "min_ms": round(min(values), 1),
                "max_ms": round(max(values), 1)}

    result = {
        "benchmark": "forms: import an XLSForm and open it to its first page",
        "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "questions": args.questions, "elements": count, "workbook_kb": round(size_kb, 1), "languages": 3, "runs": args.repeat,
        "import": summary(import_ms),
        "open_first_page": summary(open_ms),
        "import_and_open": summary(total_ms),
        "set_answer_with_dependents": summary(answer_ms),
        "target_ms": {"import_and_open_median": TARGET_MS},
        "met": statistics.median(total_ms) <= TARGET_MS,
        "scope": "Qt-free part (fieldapp.forms); the form filler window adds its widget build time later",
        "machine": {"platform": platform.platform(), "python": sys.version.split()[0],
                    "processor": platform.processor() or platform.machine()},
        "note": args.note,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("questions", "import", "open_first_page", "import_and_open",
                                             "set_answer_with_dependents", "met")}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
