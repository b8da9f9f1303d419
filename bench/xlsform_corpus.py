"""XLSForm corpus benchmark: how many real forms that pyxform converts does Field App import?

pyxform (the converter ODK Central and KoboToolbox run) is the oracle. For every .xls /
.xlsx / .csv workbook of the corpus folder it records whether pyxform converts it to an
XForm, whether `import_xlsform` imports it, the time our import took, and for each form
we refuse, the cause (the first problem, its sheet/row/column stripped so that causes
group). The corpus is not committed (only a small sample is, in tests/fixtures/xlsforms);
gather one into bench/data/xlsforms/ (git-ignored) or point FIELDAPP_XLSFORM_CORPUS at
a folder. Without a corpus the script says so and exits 0.

Writes bench/results/xlsform.json. Usage: python bench/xlsform_corpus.py [FOLDER] [-v] [--out FILE]
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import statistics
import sys
import time
import traceback
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fieldapp.forms.errors import FormImportError  # noqa: E402
from fieldapp.forms.xlsform import import_xlsform  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "xlsform.json"
DEFAULT_CORPUS = Path(__file__).resolve().parent / "data" / "xlsforms"
TARGET_SHARE = 0.90
SUFFIXES = (".xls", ".xlsx", ".csv")


def pyxform_converts(path: Path) -> tuple[bool, str]:
    """(converted, first line of pyxform's error)."""
    from pyxform.xls2xform import convert

    try:
        with warnings.catch_warnings():  # openpyxl's notes about Excel features, not about the form
            warnings.simplefilter("ignore")
            convert(xlsform=str(path), warnings=[])
        return True, ""
    except Exception as e:  # noqa: BLE001 - the oracle's verdict, whatever it raises
        return False, (str(e).strip().splitlines() or [type(e).__name__])[0][:200]


def cause(message: str) -> str:
    """A refusal message without its place and its names, so that causes group."""
    text = re.sub(r"^[^:]*?(, row \d+)?(, column '[^']*')?: ", "", message)
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r"\$\{[^}]*\}", "${…}", text)
    return re.sub(r"\(supported: .*\)", "(supported: …)", text)[:160]


def measure(folder: Path, verbose: bool = False) -> dict:
    forms = sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    rows = []
    for path in forms:
        ok_pyx, pyx_error = pyxform_converts(path)
        started = time.perf_counter()
        crash = None
        problems: list[str] = []
        try:
            import_xlsform(path)
            ours = True
        except FormImportError as e:
            ours, problems = False, e.problems
        except Exception:  # noqa: BLE001 - a crash is what this benchmark exists to find
            ours, crash = False, traceback.format_exc(limit=3)
        ms = (time.perf_counter() - started) * 1000
        rows.append({"form": str(path.relative_to(folder)), "pyxform": ok_pyx, "pyxform_error": pyx_error,
                     "imported": ours, "ms": round(ms, 1), "problems": problems[:5], "crash": crash})
        if verbose:
            print(f"{'P' if ok_pyx else '-'}{'F' if ours else '-'} {ms:7.1f} ms {path.name}"
                  + (f"  <- {problems[0]}" if problems and ok_pyx else "") + (f"  CRASH {crash}" if crash else ""))
    valid = [r for r in rows if r["pyxform"]]
    accepted = [r for r in valid if r["imported"]]
    by_cause: collections.Counter[str] = collections.Counter()
    for r in valid:
        if not r["imported"]:
            for c in {cause(p) for p in r["problems"]} or {"crash"}:
                by_cause[c] += 1
    times = [r["ms"] for r in valid] or [0.0]
    return {
        "forms": len(rows),
        "pyxform_valid": len(valid),
        "imported_of_pyxform_valid": len(accepted),
        "share": round(len(accepted) / len(valid), 3) if valid else None,
        "target_share": TARGET_SHARE,
        "imported_but_pyxform_refuses": [r["form"] for r in rows if r["imported"] and not r["pyxform"]],
        "crashes": [r["form"] for r in rows if r["crash"]],
        "refusals_by_cause": dict(by_cause.most_common()),
        "import_ms": {"median": statistics.median(times), "worst": max(times)},
        "per_form": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default=os.environ.get("FIELDAPP_XLSFORM_CORPUS", str(DEFAULT_CORPUS)))
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--out", default=str(RESULTS), help="where the JSON results go")
    args = parser.parse_args(argv)
    folder = Path(args.folder)
    if not folder.is_dir() or not any(p.suffix.lower() in SUFFIXES for p in folder.rglob("*")):
        print(f"no XLSForm corpus in {folder}: nothing measured (see the docstring to gather one)")
        return 0
    result = measure(folder, args.verbose)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{result['imported_of_pyxform_valid']} of {result['pyxform_valid']} pyxform-valid forms imported "
          f"({result['share']:.0%}; target {TARGET_SHARE:.0%}), {len(result['crashes'])} crash(es); "
          f"{result['forms']} forms in all")
    for c, n in list(result["refusals_by_cause"].items())[:25]:
        print(f"  {n:4d}  {c}")
    print(f"import time: median {result['import_ms']['median']:.1f} ms, worst {result['import_ms']['worst']:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
