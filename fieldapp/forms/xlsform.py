"""XLSForm import: facilitators design forms in a spreadsheet, as ODK and KoboToolbox users do.

`import_xlsform(path)` reads the survey, choices and settings sheets with openpyxl and
returns the form as a JSON definition (`fieldapp.forms.definition`), or raises
`FormImportError` listing every problem with its sheet, row and column (e.g. "survey,
row 12, column 'constraint': unknown function 'foo()'"). Nothing is half-imported: a
form with one problem gives no definition at all.

Columns read (case and spaces do not matter, `::Language (code)` suffixes give
translations, e.g. `label::French (fr)` or `label::fr`):

- survey: type, name, label, hint, required, required_message, relevant, constraint,
  constraint_message, calculation, choice_filter, default, appearance, read_only;
  types text, integer, decimal, date, select_one LIST, select_multiple LIST, geopoint,
  image, file, note, calculate, start, end, today, begin/end group, begin/end repeat
  (and the usual aliases: int, string, gps, photo, begin_group...).
- choices: list_name, name, label, and any other column (read by choice filters).
- settings: form_id, form_title, version (a whole number), default_language.

`check_command(path, out)` serves `fieldapp form check FILE.xlsx` and the server's
`publish-form`: it prints the form's outline (or its problems) and returns the exit code.
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
import zipfile
from pathlib import Path
from typing import Any, TextIO

from fieldapp.forms.checks import check_definition
from fieldapp.forms.definition import (
    CALCULATE, METADATA_TYPES, NOTE, SELECT_MULTIPLE, SELECT_TYPES, TYPES, Choice, FormDefinition,
    Group, Question, Repeat, Text, text_in, valid_name,
)
from fieldapp.forms.errors import FormImportError
from fieldapp.i18n import N_, _

SURVEY, CHOICES, SETTINGS = "survey", "choices", "settings"
MAX_ROWS = 50_000  # per sheet: far above real forms (a country list is 250 rows)
MAX_COLUMNS = 200
MAX_UNPACKED_BYTES = 100 * 2 ** 20

SURVEY_COLUMNS = (
    "type", "name", "label", "hint", "required", "required_message", "relevant", "constraint",
    "constraint_message", "calculation", "choice_filter", "default", "appearance", "read_only",
)
TRANSLATED = {"label", "hint", "required_message", "constraint_message", "form_title", "guidance_hint"}
# Columns other tools write that change nothing here, read silently.
IGNORED_COLUMNS = {"guidance_hint", "parameters", "trigger", "note", "comments", "comment", "instance_name"}
UNSUPPORTED_COLUMNS = {
    "repeat_count": N_("fixed repeat counts ('repeat_count') are not supported: people add entries themselves"),
}
ALIASES = {
    "list name": "list_name", "value": "name", "constraint message": "constraint_message",
    "required message": "required_message", "choice filter": "choice_filter", "read only": "read_only",
    "readonly": "read_only", "calculate": "calculation", "jr:constraintmsg": "constraint_message",
    "jr:requiredmsg": "required_message", "bind::relevant": "relevant", "bind::required": "required",
    "bind::constraint": "constraint", "bind::calculate": "calculation", "bind::jr:constraintmsg": "constraint_message",
    "id_string": "form_id", "title": "form_title", "repeat count": "repeat_count",
}
TYPE_ALIASES = {
    "int": "integer", "string": "text", "gps": "geopoint", "location": "geopoint", "photo": "image",
    "begin_group": "begin group", "end_group": "end group", "begin_repeat": "begin repeat",
    "end_repeat": "end repeat", "begin group": "begin group", "end group": "end group",
    "begin repeat": "begin repeat", "end repeat": "end repeat", "select one": "select_one",
    "select multiple": "select_multiple",
}
UNSUPPORTED_TYPES = {
    "time", "datetime", "audio", "video", "barcode", "range", "rank", "geotrace", "geoshape", "acknowledge",
    "hidden", "deviceid", "username", "phonenumber", "simserial", "subscriberid", "audit", "background-audio",
    "xml-external", "csv-external", "trigger", "email", "select_one_from_file", "select_multiple_from_file",
    "begin_loop", "begin loop", "end loop", "end_loop", "phonenumber", "start-geopoint",
}
LANGUAGE_NAMES = {
    "english": "en", "french": "fr", "français": "fr", "francais": "fr", "spanish": "es", "español": "es",
    "espanol": "es", "arabic": "ar", "chinese": "zh", "russian": "ru", "portuguese": "pt", "português": "pt",
    "german": "de", "swahili": "sw",
}
_LANG_CODE_RE = re.compile(r"\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)\)\s*$")
_PLAIN_CODE_RE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?")
_TRUE = {"yes", "true", "true()", "1", "y", "oui", "sí", "si"}
_FALSE = {"no", "false", "false()", "0", "n", "non", ""}


def language_code(text: str) -> str:
    """'French (fr)' -> 'fr', 'fr' -> 'fr', 'English' -> 'en'; anything else lowercased."""
    text = text.strip()
    m = _LANG_CODE_RE.search(text)
    if m:
        return m.group(1).lower().replace("_", "-")
    if text.lower() in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[text.lower()]
    if _PLAIN_CODE_RE.fullmatch(text):
        return text.lower().replace("_", "-")
    return text.lower()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


class _Sheet:
    """One sheet: its header (column base name + language -> header text) and its rows."""

    def __init__(self, title: str, rows: list[tuple[Any, ...]]):
        self.title = title
        self.headers: list[tuple[str, str | None, str]] = []  # (base, lang or None, header as written)
        self.rows: list[tuple[int, dict[str, Any]]] = []  # (row number, {header: value})
        if not rows:
            return
        for cell in rows[0]:
            written = _cell_text(cell)
            key = " ".join(written.lower().split())
            if "::" in key and not key.startswith(("bind::", "media::", "body::", "instance::")):
                base, _sep, lang = written.partition("::")
                base_key = " ".join(base.lower().split())
                base_key = ALIASES.get(base_key, base_key.replace(" ", "_"))
                self.headers.append((base_key, language_code(lang), written))
            else:
                base_key = ALIASES.get(key, key.replace(" ", "_"))
                self.headers.append((base_key, None, written))
        for number, raw in enumerate(rows[1:], start=2):
            values = {}
            for (base, lang, written), cell in zip(self.headers, raw):
                if written and cell is not None and _cell_text(cell) != "":
                    values[written] = cell
            if values:
                self.rows.append((number, values))

    def column(self, base: str, lang: str | None = None) -> str | None:
        """The header as written for a base name (first one found)."""
        for b, lg, written in self.headers:
            if b == base and (lang is None or lg == lang):
                return written
        return None

    def value(self, row: dict[str, Any], base: str) -> str:
        return _cell_text(self.raw(row, base))

    def raw(self, row: dict[str, Any], base: str) -> Any:
        for b, lg, written in self.headers:
            if b == base and lg is None:
                return row.get(written)
        return None

    def text(self, row: dict[str, Any], base: str, default_language: str) -> Text:
        out: Text = {}
        for b, lg, written in self.headers:
            if b == base:
                value = _cell_text(row.get(written))
                if value:
                    out.setdefault(lg or default_language, value)
        return out


class _Importer:
    def __init__(self, path: Path):
        self.path = path
        self.problems: list[tuple[int, int, str]] = []  # (sheet order, row, message)
        self.warnings: list[tuple[int, int, str]] = []
        self.where: dict[int, tuple[_Sheet, int]] = {}  # id(element or choice) -> (sheet, row)
        self.languages: list[str] = []

    # -- messages
    def problem(self, sheet: _Sheet | str, row: int | None, column: str | None, message: str,
                warning: bool = False) -> None:
        title = sheet.title if isinstance(sheet, _Sheet) else sheet
        order = {SURVEY: 1, CHOICES: 2, SETTINGS: 0}.get(title.lower(), 3)
        if row is None:
            text = _("{sheet}: {message}").format(sheet=title, message=message)
        elif column is None:
            text = _("{sheet}, row {row}: {message}").format(sheet=title, row=row, message=message)
        else:
            text = _("{sheet}, row {row}, column '{column}': {message}").format(
                sheet=title, row=row, column=column, message=message)
        (self.warnings if warning else self.problems).append((order, row if row is not None else 10 ** 9, text))

    def note_language(self, lang: str) -> None:
        if lang not in self.languages:
            self.languages.append(lang)

    # -- reading
    def run(self) -> dict[str, Any]:
        sheets = self.open()
        survey, choices_sheet, settings = sheets.get(SURVEY), sheets.get(CHOICES), sheets.get(SETTINGS)
        if survey is None:
            raise FormImportError([_("{file}: the workbook has no 'survey' sheet").format(file=self.path.name)])
        # Without a default_language setting: English, unless every label says its language.
        fallback = "en"
        if not any(b in ("label", "hint") and lg is None for b, lg, _w in survey.headers):
            fallback = next((lg for b, lg, _w in survey.headers if b == "label" and lg), "en")
        form_id, title, version, default_language = self.read_settings(settings, fallback)
        for sheet in (survey, choices_sheet, settings):
            if sheet is not None:
                self.check_columns(sheet)
                for base, lang, _written in sheet.headers:
                    if lang and base in TRANSLATED | {"label"}:
                        self.note_language(lang)
        if any(b in ("label", "hint") and lg is None for b, lg, _w in survey.headers):
            self.note_language(default_language)
        languages = [default_language] + [lg for lg in self.languages if lg != default_language]
        choices = self.read_choices(choices_sheet, default_language)
        children = self.read_survey(survey, default_language)
        if not title:
            title = {default_language: form_id}
        defn = FormDefinition(form_id, title, default_language, languages, children, choices, version)
        for issue in check_definition(defn):
            self.report_issue(issue, survey)
        if self.problems:
            raise FormImportError([m for _o, _r, m in sorted(self.problems, key=lambda p: (p[0], p[1]))])
        return {
            "form_id": form_id,
            "title": defn.title_in(default_language),
            "version": version,
            "default_language": default_language,
            "definition": defn.to_json(),
            "warnings": [m for _o, _r, m in sorted(self.warnings, key=lambda p: (p[0], p[1]))],
        }

    def open(self) -> dict[str, _Sheet]:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        if not self.path.exists():
            raise FormImportError([_("{file}: no such file").format(file=str(self.path))])
        try:  # a workbook is a zip: refuse one that would unpack to something huge (zip bomb)
            with zipfile.ZipFile(self.path) as archive:
                unpacked = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, OSError):
            unpacked = 0  # openpyxl below gives the message
        if unpacked > MAX_UNPACKED_BYTES:
            raise FormImportError([_("{file}: the workbook is too large ({mb} MB unpacked, at most {max} MB)").format(
                file=self.path.name, mb=unpacked // 2 ** 20, max=MAX_UNPACKED_BYTES // 2 ** 20)])
        try:
            wb = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
            hint = _(" (save it as an Excel .xlsx workbook)") if self.path.suffix.lower() in (".xls", ".ods") else ""
            raise FormImportError([_("{file}: not a readable .xlsx workbook{hint}: {reason}").format(
                file=self.path.name, hint=hint, reason=type(e).__name__)]) from None
        try:
            sheets: dict[str, _Sheet] = {}
            for ws in wb.worksheets:
                key = ws.title.strip().lower()
                if key in (SURVEY, CHOICES, SETTINGS) and key not in sheets:
                    rows = []
                    for r in ws.iter_rows(values_only=True):
                        rows.append(tuple(r[:MAX_COLUMNS]))
                        if len(rows) > MAX_ROWS:
                            raise FormImportError([_("{sheet}: more than {n} rows").format(
                                sheet=ws.title.strip(), n=MAX_ROWS)])
                    sheets[key] = _Sheet(ws.title.strip(), rows)
            return sheets
        finally:
            wb.close()

    def check_columns(self, sheet: _Sheet) -> None:
        kind = sheet.title.lower()
        known = {SURVEY: set(SURVEY_COLUMNS) | {"repeat_count"},
                 CHOICES: {"list_name", "name", "label"},
                 SETTINGS: {"form_id", "form_title", "version", "default_language"}}[kind]
        seen: dict[tuple[str, str | None], str] = {}
        for base, lang, written in sheet.headers:
            if not written:
                continue
            if lang is not None and base not in TRANSLATED | {"label"}:
                self.problem(sheet, 1, written, _("column '{column}' cannot be translated").format(column=base))
                continue
            if (base, lang) in seen:
                self.problem(sheet, 1, written, _("the same column as '{other}'").format(other=seen[(base, lang)]))
                continue
            seen[(base, lang)] = written
            if kind == CHOICES and base not in known:
                # Other choices columns are data for choice filters; a near miss is worth a word.
                close = difflib.get_close_matches(base, sorted(known), n=1, cutoff=0.8)
                if close:
                    self.problem(sheet, 1, written, _(
                        "column '{column}' is read as data for choice filters (did you mean '{close}'?)").format(
                        column=written, close=close[0]), warning=True)
                continue
            if base in known or base in IGNORED_COLUMNS:
                continue
            if base.startswith(("media::", "bind::", "body::", "instance::")) or kind == SETTINGS:
                self.problem(sheet, 1, written, _("column '{column}' is not used by Field App and is ignored").format(
                    column=written), warning=True)
                continue
            close = difflib.get_close_matches(base, sorted(known), n=1, cutoff=0.8)
            if close:
                self.problem(sheet, 1, written, _("unknown column '{column}' (did you mean '{close}'?)").format(
                    column=written, close=close[0]))
            else:
                self.problem(sheet, 1, written, _("column '{column}' is not used by Field App and is ignored").format(
                    column=written), warning=True)

    def read_settings(self, sheet: _Sheet | None, fallback: str) -> tuple[str, Text, int | None, str]:
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", self.path.stem)
        form_id = stem if valid_name(stem) else "form_" + stem[:58]
        if sheet is None or not sheet.rows:
            return form_id, {}, None, fallback
        number, row = sheet.rows[0]
        raw_lang = sheet.value(row, "default_language")
        default_language = language_code(raw_lang) if raw_lang else fallback
        given = sheet.value(row, "form_id")
        if given:
            if valid_name(given):
                form_id = given
            else:
                self.problem(sheet, number, sheet.column("form_id"), _(
                    "'{value}' is not a valid form identifier: letters, digits, '_', '-', '.', starting with a letter, "
                    "at most 64 characters").format(value=given))
        title = sheet.text(row, "form_title", default_language)
        for lang in title:
            self.note_language(lang)
        version = None
        raw = sheet.raw(row, "version")
        if raw is not None and _cell_text(raw) != "":
            text = _cell_text(raw)
            if re.fullmatch(r"\d{1,15}", text) and int(text) >= 1:
                version = int(text)
            else:
                self.problem(sheet, number, sheet.column("version"), _(
                    "the version must be a whole number of 1 or more (e.g. 3 or 2025010101), not '{value}'").format(
                    value=text))
        return form_id, title, version, default_language

    def read_choices(self, sheet: _Sheet | None, lang: str) -> dict[str, list[Choice]]:
        choices: dict[str, list[Choice]] = {}
        if sheet is None:
            return choices
        for required in ("list_name", "name"):
            if sheet.rows and sheet.column(required) is None:
                self.problem(sheet, 1, None, _("the choices sheet needs a '{column}' column").format(column=required))
                return choices
        extra = [(b, w) for b, lg, w in sheet.headers if lg is None and b not in ("list_name", "name", "label") and w
                 and not b.startswith("media::")]
        for number, row in sheet.rows:
            list_name = sheet.value(row, "list_name")
            name = sheet.value(row, "name")
            if not list_name:
                self.problem(sheet, number, sheet.column("list_name"), _("the list name is missing"))
                continue
            if not name:
                self.problem(sheet, number, sheet.column("name"), _("the choice name is missing"))
                continue
            if not valid_name(list_name):
                self.problem(sheet, number, sheet.column("list_name"), _("'{value}' is not a valid list name").format(
                    value=list_name))
            columns = {b: _cell_text(row.get(w)) for b, w in extra if _cell_text(row.get(w))}
            choice = Choice(name, sheet.text(row, "label", lang), columns)
            self.where[id(choice)] = (sheet, number)
            choices.setdefault(list_name, []).append(choice)
        return choices

    def read_survey(self, sheet: _Sheet, lang: str) -> list:
        root: list = []
        stack: list[tuple[Group, int, list]] = []  # (group, row opened, its parent's children list)
        for column in ("type", "name"):
            if sheet.column(column) is None:
                self.problem(sheet, 1, None, _("the survey sheet needs a '{column}' column").format(column=column))
                return root
        for number, row in sheet.rows:
            raw_type = " ".join(sheet.value(row, "type").split())
            current = stack[-1][0].children if stack else root
            if not raw_type:
                self.problem(sheet, number, sheet.column("type"), _("the type is missing"))
                continue
            words = raw_type.split(" ")
            head = raw_type.lower()
            if head in TYPE_ALIASES:
                head = TYPE_ALIASES[head]
            if head in ("end group", "end repeat"):
                kind = head.split()[1]
                if not stack:
                    self.problem(sheet, number, sheet.column("type"), _("'{type}' without a matching 'begin {kind}'").format(
                        type=raw_type, kind=kind))
                    continue
                group, opened, _parent = stack[-1]
                if group.kind != kind:
                    self.problem(sheet, number, sheet.column("type"), _(
                        "'{type}' closes the {other} '{name}' opened at row {row}").format(
                        type=raw_type, other=group.kind, name=group.name, row=opened))
                stack.pop()
                continue
            name = sheet.value(row, "name")
            if not name:  # an invalid name is reported by check_definition
                self.problem(sheet, number, sheet.column("name"), _("the name is missing"))
            name = name or f"_row{number}"
            label = sheet.text(row, "label", lang)
            hint = sheet.text(row, "hint", lang)
            relevant = sheet.value(row, "relevant") or None
            appearance = sheet.value(row, "appearance") or None
            if sheet.value(row, "repeat_count"):
                self.problem(sheet, number, sheet.column("repeat_count"), _(UNSUPPORTED_COLUMNS["repeat_count"]))
            if head in ("begin group", "begin repeat"):
                cls = Repeat if head == "begin repeat" else Group
                group = cls(name, label, hint, relevant, appearance, [])
                self.where[id(group)] = (sheet, number)
                for attr in ("constraint", "calculation", "choice_filter", "default"):
                    if sheet.value(row, attr):
                        self.problem(sheet, number, sheet.column(attr), _("a {kind} cannot have a {column}").format(
                            kind=group.kind, column=attr))
                current.append(group)
                stack.append((group, number, current))
                continue
            qtype, list_name = self.parse_type(sheet, number, raw_type, words, head)
            placeholder = qtype is None  # reported; kept as text so references to it stay known
            q = Question(
                name=name, type=qtype or "text", label=label, hint=hint,
                required=self.flag(sheet, number, row, "required"),
                required_message=sheet.text(row, "required_message", lang),
                constraint=sheet.value(row, "constraint") or None,
                constraint_message=sheet.text(row, "constraint_message", lang),
                relevant=relevant,
                calculation=sheet.value(row, "calculation") or None,
                default=self.default(sheet, row, qtype),
                read_only=self.flag(sheet, number, row, "read_only"),
                appearance=appearance, choices=list_name,
                choice_filter=None if placeholder else (sheet.value(row, "choice_filter") or None),
            )
            self.where[id(q)] = (sheet, number)
            current.append(q)
        for group, opened, _parent in stack:
            self.problem(sheet, opened, sheet.column("type"), _(
                "the {kind} '{name}' is never closed: add an 'end {kind}' row").format(kind=group.kind, name=group.name))
        return root

    def parse_type(self, sheet: _Sheet, number: int, raw_type: str, words: list[str],
                   head: str) -> tuple[str | None, str | None]:
        col = sheet.column("type")
        first = words[0].lower()
        first = TYPE_ALIASES.get(first, first)
        if len(words) >= 2 and " ".join(w.lower() for w in words[:2]) in ("select one", "select multiple"):
            first = TYPE_ALIASES[" ".join(w.lower() for w in words[:2])]
            words = [first] + words[2:]
        if first in SELECT_TYPES:
            rest = words[1:]
            if rest and rest[-1].lower() == "or_other":
                self.problem(sheet, number, col, _(
                    "'or_other' is not supported: add an 'other' choice to the list and a text question "
                    "shown when 'other' is selected"))
                return None, None
            if len(rest) != 1:
                self.problem(sheet, number, col, _("write '{type} LIST_NAME' with the name of a choice list").format(
                    type=first))
                return None, None
            return first, rest[0]
        if len(words) > 1 and first not in UNSUPPORTED_TYPES:
            self.problem(sheet, number, col, _("unknown type '{type}'").format(type=raw_type))
            return None, None
        if first in TYPES:
            return first, None
        supported = ", ".join(t for t in TYPES) + ", begin group, end group, begin repeat, end repeat"
        if first in UNSUPPORTED_TYPES:
            self.problem(sheet, number, col, _("type '{type}' is not supported by Field App (supported: {types})").format(
                type=raw_type, types=supported))
        else:
            self.problem(sheet, number, col, _("unknown type '{type}' (supported: {types})").format(
                type=raw_type, types=supported))
        return None, None

    def flag(self, sheet: _Sheet, number: int, row: dict[str, Any], column: str) -> bool | str:
        raw = sheet.raw(row, column)
        if isinstance(raw, bool):
            return raw
        text = _cell_text(raw)
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        return text  # an expression, checked with the others

    @staticmethod
    def default(sheet: _Sheet, row: dict[str, Any], qtype: str) -> Any:
        raw = sheet.raw(row, "default")
        if raw is None or _cell_text(raw) == "":
            return None
        text = _cell_text(raw)
        if "${" in text or "(" in text:
            return {"expression": text}
        if qtype == SELECT_MULTIPLE:
            return text.split()
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) and qtype in ("integer", "decimal"):
            return raw
        return text

    def report_issue(self, issue, survey: _Sheet) -> None:
        """Place a check_definition issue at the row and column it came from."""
        located = self.where.get(id(issue.element)) if issue.element is not None else None
        if located is None:
            self.problem(survey, None, None, issue.message, issue.warning)
            return
        sheet, number = located
        if issue.attribute == "children":
            column = None
        elif issue.attribute == "choices":
            column = sheet.column("type")
        else:
            column = sheet.column(issue.attribute) or issue.attribute
        self.problem(sheet, number, column, issue.message, issue.warning)


def import_xlsform(path: Path | str) -> dict[str, Any]:
    """Read an XLSForm workbook into {"form_id", "title", "version", "default_language",
    "definition", "warnings"}; raise FormImportError with every problem found."""
    return _Importer(Path(path)).run()


def outline(defn: FormDefinition, lang: str | None = None) -> list[str]:
    """The form as indented lines: groups, repeats, questions with their types, '*' for
    required, '?' for questions shown only under a condition."""
    lang = lang or defn.default_language
    lines: list[str] = []
    for el, parents in defn.walk():
        pad = "  " * (len(parents) + 1)
        label = text_in(el.label, lang, defn.default_language)
        if isinstance(el, Group):
            mark = "?" if el.relevant else ""
            lines.append(f"{pad}[{el.kind}] {el.name}{mark}" + (f": {label}" if label else ""))
            continue
        q: Question = el
        kind = f"{q.type} {q.choices}" if q.type in SELECT_TYPES and q.choices else q.type
        mark = ("*" if q.required is True else ("(*)" if isinstance(q.required, str) else "")) + (
            "?" if q.relevant else "")
        if q.type == CALCULATE:
            calc = q.calculation or ""
            lines.append(f"{pad}{kind} {q.name} = {calc if len(calc) <= 90 else calc[:87] + '...'}")
        elif q.type in METADATA_TYPES:
            lines.append(f"{pad}{kind} {q.name}")
        else:
            lines.append(f"{pad}{kind} {q.name}{mark}: {label}")
    return lines


def check_command(path: Path, out: TextIO) -> int:
    """`fieldapp form check FILE.xlsx`: print the outline (0) or every problem (1)."""
    path = Path(path)
    try:
        result = import_xlsform(path)
    except FormImportError as e:
        out.write(_("{file}: {n} problem(s), nothing imported").format(file=path.name, n=len(e.problems)) + "\n")
        for message in e.problems:
            out.write(f"  - {message}\n")
        return 1
    defn = FormDefinition.from_json(result["definition"], check=False)
    version = result["version"] if result["version"] is not None else _("not set")
    out.write(_("Form '{form_id}', version {version}: {title}").format(
        form_id=result["form_id"], version=version, title=result["title"]) + "\n")
    out.write(_("Languages: {languages} (default {default})").format(
        languages=", ".join(defn.languages), default=defn.default_language) + "\n")
    out.write(_("(* required, (*) required under a condition, ? shown under a condition)") + "\n")
    for line in outline(defn):
        out.write(line + "\n")
    questions = [q for q in defn.questions() if q.type not in (CALCULATE, NOTE, *METADATA_TYPES)]
    groups = sum(1 for el, _p in defn.walk() if type(el) is Group)
    repeats = sum(1 for el, _p in defn.walk() if isinstance(el, Repeat))
    required = sum(1 for q in questions if q.required)
    out.write(_("Questions: {q} ({r} required); groups: {g}; repeats: {rp}; choice lists: {c}").format(
        q=len(questions), r=required, g=groups, rp=repeats, c=len(defn.choices)) + "\n")
    for warning in result["warnings"]:
        out.write(_("warning: {message}").format(message=warning) + "\n")
    return 0


__all__ = ["import_xlsform", "check_command", "outline", "language_code", "FormImportError"]
