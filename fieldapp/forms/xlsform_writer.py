"""Write XLSForm workbooks from rows, for the shipped templates, the tests and the benchmark.

`write_definition` goes the other way round: any imported form back to a workbook that
`import_xlsform` reads as the same form and pyxform converts (ODK, KoboToolbox).

Rows are dicts of column header -> value, exactly as a person would type them in the
spreadsheet (`"label::French (fr)"`, `"begin group"`); the header of each sheet is the
union of the keys, in the order first met, so the workbook looks hand-made.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

Row = Mapping[str, Any]


def _headers(rows: Iterable[Row]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)


def write_xlsform(path: Path | str, survey: Sequence[Row], choices: Sequence[Row] | None = None,
                  settings: Sequence[Row] | Row | None = None) -> Path:
    """Write the survey, choices (if given) and settings (if given) sheets to `path`."""
    import openpyxl
    from openpyxl.styles import Font

    path = Path(path)
    wb = openpyxl.Workbook()
    sheets: list[tuple[str, Sequence[Row]]] = [("survey", survey)]
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


# ----------------------------------------------------------------------------- definition -> XLSForm
def language_header(code: str) -> str:
    """'fr' -> 'French (fr)', the way ODK's and KoboToolbox's tools name a language."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code.replace("-", "_")).english_name
    except (UnknownLocaleError, ValueError, TypeError):
        name = None
    return f"{name} ({code})" if name else code


def _texts(column: str, text: Mapping[str, str], headers: Mapping[str, str]) -> dict[str, str]:
    return {f"{column}::{headers.get(lang, lang)}": value for lang, value in text.items() if value}


def definition_rows(definition: Any) -> tuple[list[dict], list[dict], dict]:
    """(survey, choices, settings) rows of an XLSForm equivalent to a definition (a
    FormDefinition or its JSON): what `import_xlsform` reads back as the same form and
    what pyxform converts to an XForm for ODK Collect and KoboToolbox."""
    from fieldapp.forms.definition import FormDefinition, Group, Repeat

    defn = definition if isinstance(definition, FormDefinition) else FormDefinition.parse(definition)
    headers = {lang: language_header(lang) for lang in defn.languages}
    survey: list[dict] = []

    def flag(value: Any) -> Any:
        return "yes" if value is True else (value or None)

    def visit(items: list) -> None:
        for el in items:
            row: dict[str, Any] = {}
            if isinstance(el, Group):
                kind = "repeat" if isinstance(el, Repeat) else "group"
                row.update({"type": f"begin {kind}", "name": el.name, **_texts("label", el.label, headers),
                            **_texts("hint", el.hint, headers), "relevant": el.relevant,
                            "appearance": el.appearance, "repeat_count": getattr(el, "count", None)})
                survey.append({k: v for k, v in row.items() if v not in (None, "")})
                visit(el.children)
                survey.append({"type": f"end {kind}"})
                continue
            q = el
            qtype = f"{q.type} {q.choices}" if q.choices and q.type in ("select_one", "select_multiple") else q.type
            default = q.default
            if isinstance(default, dict):
                default = default.get("expression")
            elif isinstance(default, list):
                default = " ".join(default)
            row.update({
                "type": qtype, "name": q.name, **_texts("label", q.label, headers), **_texts("hint", q.hint, headers),
                "required": flag(q.required), **_texts("required_message", q.required_message, headers),
                "relevant": q.relevant, "constraint": q.constraint,
                **_texts("constraint_message", q.constraint_message, headers), "calculation": q.calculation,
                "choice_filter": q.choice_filter, "default": default, "read_only": flag(q.read_only),
                "appearance": q.appearance,
            })
            survey.append({k: v for k, v in row.items() if v not in (None, "")})

    visit(defn.children)
    choices: list[dict] = []
    for list_name, items in defn.choices.items():
        for c in items:
            choices.append({"list_name": list_name, "name": c.name, **_texts("label", c.label, headers),
                            **c.columns})
    default = defn.default_language
    settings: dict[str, Any] = {"form_id": defn.form_id, "form_title": defn.title_in(default),
                                "default_language": headers.get(default, default)}
    settings.update({f"translated_title::{headers.get(lang, lang)}": text for lang, text in defn.title.items()
                     if lang != default and text})
    if defn.version is not None:
        settings["version"] = defn.version
    if any(len({c.name for c in items}) < len(items) for items in defn.choices.values()):
        settings["allow_choice_duplicates"] = "yes"  # a cascading list with a name twice
    return survey, choices, settings


def write_definition(path: Path | str, definition: Any) -> Path:
    """The definition as an XLSForm workbook (see `definition_rows`)."""
    survey, choices, settings = definition_rows(definition)
    return write_xlsform(path, survey, choices or None, settings)
