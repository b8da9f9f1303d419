"""Fixture for the forms tests: XLSForm workbooks written into tmp_path."""
from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp.forms.xlsform_writer import write_xlsform


@pytest.fixture
def xlsform(tmp_path):
    """xlsform(survey_rows, choices_rows=None, settings=None, name="form.xlsx") -> Path."""
    counter = {"n": 0}

    def make(survey, choices=None, settings=None, name: str | None = None) -> Path:
        counter["n"] += 1
        return write_xlsform(tmp_path / (name or f"form{counter['n']}.xlsx"), survey, choices, settings)

    return make
