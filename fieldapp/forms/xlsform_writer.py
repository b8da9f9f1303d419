"""Write XLSForm workbooks from rows, for the shipped templates, the tests and the benchmark.

Rows are dicts of column header -> value, exactly as a person would type them in the
spreadsheet (`"label::French (fr)"`, `"begin group"`); the header of each sheet is the
union of the keys, in the order first met, so the workbook looks hand-made.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping

Row = Mapping[str, Any]


def _headers(rows: Iterable[Row]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)


def write_xlsform(path: Path | str, survey: list[Row], choices: list[Row] | None = None,
                  settings: list[Row] | Row | None = None) -> Path:
    """Write the survey, choices (if given) and settings (if given) sheets to `path`."""
    import openpyxl
    from openpyxl.styles import Font

    path = Path(path)
    wb = openpyxl.Workbook()
    sheets: list[tuple[str, list[Row]]] = [("survey", survey)]
    if choices is not None:
        sheets.append(("choices", choices))
    if settings is not None:
        sheets.append(("settings", [settings] if isinstance(settings, Mapping) else list(settings)))
    first = True
    for title, rows in sheets:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title
        headers = _headers(rows)
        ws.append(headers)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([row.get(h) for h in headers])
        for i, h in enumerate(headers, start=1):
            width = max([len(str(h))] + [len(str(r.get(h) or "")) for r in rows[:200]])
            ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = min(60, max(8, width + 2))
        ws.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
