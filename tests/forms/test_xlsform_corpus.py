"""Real XLSForms against pyxform, the converter ODK Central and KoboToolbox run.

Every committed form pyxform converts must import, or be refused only for a feature
Field App's engine genuinely cannot run (listed below, each with why). No form, valid
or not, may crash the importer.
"""
from __future__ import annotations

import functools
import io
import re
import warnings
from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from fieldapp.forms.errors import FormImportError
from fieldapp.forms.xlsform import check_command, import_xlsform

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "xlsforms"
FORMS = sorted(p for p in CORPUS.rglob("*") if p.suffix.lower() in (".xls", ".xlsx"))

# Refusals that are the engine's honest limits, not rules stricter than XLSForm.
GENUINELY_UNSUPPORTED = {
    r"OpenStreetMap questions": "osm questions need ODK Collect's OpenMapKit",
    r"regex\(\) patterns may not nest repetitions": "a pattern that can backtrack forever (safety limit)",
    r"a text in quotes is never closed": "a broken expression: pyxform does not parse expressions, ODK Validate "
                                         "refuses it",
    r"unknown function 'concatx\(\)'": "a misspelt function (xlsform-offline's validate-error test), ODK Validate "
                                         "refuses it",
}


@functools.cache
def pyxform_converts(path: Path) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            convert(xlsform=str(path), warnings=[])
        return True
    except Exception:  # noqa: BLE001 - pyxform's verdict, whatever it raises
        return False


def refusal_is_documented(message: str) -> bool:
    return any(re.search(pattern, message) for pattern in GENUINELY_UNSUPPORTED)


def test_the_corpus_is_there():
    assert len(FORMS) >= 50
    assert any(p.suffix == ".xls" for p in FORMS) and any(p.suffix == ".xlsx" for p in FORMS)


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_form_is_imported_or_refused_for_a_documented_reason(path):
    valid = pyxform_converts(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = import_xlsform(path)
    except FormImportError as e:
        if valid:
            undocumented = [m for m in e.problems if not refusal_is_documented(m)]
            assert not undocumented, f"pyxform converts {path.name}, Field App refuses it: {undocumented}"
        return
    assert result["definition"]["children"]


@pytest.mark.parametrize("path", [p for p in FORMS if p.suffix == ".xlsx"][:12], ids=lambda p: p.name)
def test_form_check_command_says_the_same(path):
    """`fieldapp form check` prints the outline (exit 0) of what imports, the problems
    (exit 1) of what does not."""
    out = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = check_command(path, out)
        try:
            import_xlsform(path)
            expected = 0
        except FormImportError:
            expected = 1
    assert code == expected
    assert ("Questions:" in out.getvalue()) == (code == 0)


def test_share_of_pyxform_valid_forms_imported():
    valid = [p for p in FORMS if pyxform_converts(p)]
    imported = []
    for p in valid:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import_xlsform(p)
            imported.append(p)
        except FormImportError:
            pass
    # 44 of the 48 pyxform-valid forms today (the rest: GENUINELY_UNSUPPORTED); it may only go up
    assert len(valid) >= 45 and len(imported) >= 44, (len(imported), len(valid))
    assert len(imported) / len(valid) >= 0.9


def test_corpus_benchmark_measures_a_folder_and_skips_without_one(tmp_path, capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("xlsform_corpus", CORPUS.parent.parent.parent / "bench" /
                                                  "xlsform_corpus.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main([str(tmp_path / "absent"), "--out", str(tmp_path / "r.json")]) == 0
    assert "no XLSForm corpus" in capsys.readouterr().out and not (tmp_path / "r.json").exists()
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("example_xls__text_and_integer.xls", "example_xls__case_insensitivity.xlsx"):
        (folder / name).write_bytes((CORPUS / "pyxform" / name).read_bytes())
    assert bench.main([str(folder), "--out", str(tmp_path / "r.json")]) == 0
    import json

    result = json.loads((tmp_path / "r.json").read_text())
    assert (result["forms"], result["pyxform_valid"], result["imported_of_pyxform_valid"]) == (2, 2, 1)
    assert list(result["refusals_by_cause"]) == ["OpenStreetMap questions ('…') are not supported by Field App"]
    assert result["crashes"] == [] and result["import_ms"]["worst"] > 0
