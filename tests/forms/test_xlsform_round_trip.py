"""Round trip: the bundled templates, and any form Field App imports, go back to an XLSForm
workbook that pyxform converts to an XForm (so ODK Collect and KoboToolbox can open it)
and that Field App reads back as the same form."""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from pyxform.xls2xform import convert

from fieldapp.forms.errors import FormImportError
from fieldapp.forms.xlsform import import_xlsform
from fieldapp.forms.xlsform_writer import language_header, write_definition
from fieldapp.paths import resources_dir

TEMPLATES = sorted((resources_dir() / "forms").glob("*.xlsx"))
CORPUS = sorted(p for p in (Path(__file__).resolve().parent.parent / "fixtures" / "xlsforms").rglob("*")
                if p.suffix.lower() in (".xls", ".xlsx"))


def xform(path: Path) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return convert(xlsform=str(path), warnings=[]).xform


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_bundled_templates_convert_with_pyxform(path):
    text = xform(path)
    assert "<h:title>" in text and 'lang="French (fr)"' in text
    assert set(import_xlsform(path)["definition"]["title"]) == {"en", "fr", "es", "ar", "zh", "ru"}  # titles stay translated


@pytest.mark.parametrize("path", TEMPLATES + CORPUS, ids=lambda p: p.name)
def test_imported_forms_export_to_a_workbook_pyxform_converts(path, tmp_path):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            first = import_xlsform(path)
    except FormImportError:
        return  # refused: tests/forms/test_xlsform_corpus.py says why
    exported = write_definition(tmp_path / f"{path.stem}.xlsx", first["definition"])
    assert "<h:html" in xform(exported)
    again = import_xlsform(exported)
    assert again["definition"] == first["definition"]


def test_language_headers():
    assert [language_header(c) for c in ("en", "fr", "es", "pt-br", "zz")] == [
        "English (en)", "French (fr)", "Spanish (es)", "Portuguese (Brazil) (pt-br)", "zz"]
