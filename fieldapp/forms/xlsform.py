"""XLSForm import: facilitators design forms in a spreadsheet, as ODK and KoboToolbox users do.

`import_xlsform(path)` reads the survey, choices and settings sheets (.xlsx with openpyxl,
.xls with xlrd: `fieldapp.forms.workbook`) and returns the form as a JSON definition (`fieldapp.forms.definition`), or raises
`FormImportError` listing every problem with its sheet, row and column (e.g. "survey,
row 12, column 'constraint': unknown function 'foo()'"). Nothing is half-imported: a
form with one problem gives no definition at all.

Columns read (case and spaces do not matter, `::Language (code)` suffixes give
translations, e.g. `label::French (fr)` or `label::fr`):

- survey: type, name, label, hint, required, required_message, relevant, constraint,
  constraint_message, calculation, choice_filter, default, appearance, read_only, parameters;
  every type of `fieldapp.forms.definition.TYPES` (with XLSForm's aliases: int, string, gps,
  photo, imei, begin_group...), begin/end group, begin/end repeat, and types read as others:
  `select_one LIST or_other` (an 'other' choice and a NAME_other text question), acknowledge
  (a one-choice select, "OK"), range (a number within its parameters' bounds), `begin loop
  over LIST` (one group per choice). What the engine cannot run (UNSUPPORTED_TYPES,
  UNSUPPORTED_EXPRESSIONS) is refused, each feature named once.
  Names need only be unique among siblings, as in XLSForm: a name used again elsewhere is
  renamed NAME_2 (a warning), a reference to it is ambiguous (refused, as pyxform does).
- choices: list_name, name, label, and any other column (read by choice filters).
- settings: form_id, form_title (translated_title::LANGUAGE for the other languages, which
  pyxform leaves alone), version (a whole number; any other text is a label), default_language,
  allow_choice_duplicates.

Header spellings, type names and their old forms are those pyxform reads (.xls or .xlsx,
"label:English", "bind::relevant", "select one from LIST", "add integer prompt"...).

`check_command(path, out)` serves `fieldapp form check FILE.xlsx` and the server's
`publish-form`: it prints the form's outline (or its problems) and returns the exit code.
"""
from __future__ import annotations

import copy
import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any, TextIO

from fieldapp.forms import expressions
from fieldapp.forms.checks import check_definition
from fieldapp.forms.definition import (
    CALCULATE, EXPRESSION_ATTRIBUTES, NOTE, SELECT_MULTIPLE, SELECT_TYPES, TYPES, UNSHOWN_TYPES,
    Choice, FormDefinition, Group, Question, Repeat, Text, text_in,
)
from fieldapp.forms.errors import FormImportError
from fieldapp.forms.media import MediaError, find_media, read_media
from fieldapp.forms.workbook import Rows, read_sheets
from fieldapp.i18n import N_, _

SURVEY, CHOICES, SETTINGS = "survey", "choices", "settings"

SURVEY_COLUMNS = (
    "type", "name", "label", "hint", "required", "required_message", "relevant", "constraint",
    "constraint_message", "calculation", "choice_filter", "default", "appearance", "read_only", "parameters",
)
EXPRESSION_COLUMNS = ("relevant", "constraint", "calculation", "choice_filter", "required", "read_only", "default",
                      "repeat_count")
MEDIA_COLUMNS = {"image", "big-image", "audio", "video"}
TRANSLATED = {"label", "hint", "required_message", "constraint_message", "form_title", "translated_title",
              "guidance_hint"} | MEDIA_COLUMNS
# Columns other tools write that change nothing here, read silently.
IGNORED_COLUMNS = {"guidance_hint", "trigger", "note", "comments", "comment", "instance_name", "autoplay", "rows",
                   "no_app_error_string", "save_to", "label_hint", "notes"} | MEDIA_COLUMNS
# Header spellings XLSForm accepts (as pyxform reads them), after lowercasing and
# joining words with '_'; namespaced forms ("bind::relevant") after their namespace.
ALIASES = {
    "list name": "list_name", "value": "name", "tag": "name", "caption": "label", "command": "type",
    "constraint message": "constraint_message", "constraining_message": "constraint_message",
    "required message": "required_message", "requiredmsg": "required_message", "choice filter": "choice_filter",
    "read only": "read_only", "readonly": "read_only", "calculate": "calculation", "relevance": "relevant",
    "jr:constraintmsg": "constraint_message", "jr:requiredmsg": "required_message", "jr:count": "repeat_count",
    "count": "repeat_count", "repeat count": "repeat_count", "noapperrorstring": "no_app_error_string",
    "bind::relevant": "relevant", "bind::required": "required", "bind::constraint": "constraint",
    "bind::calculate": "calculation", "bind::readonly": "read_only", "bind::jr:constraintmsg": "constraint_message",
    "bind::jr:requiredmsg": "required_message", "bind::jr:noapperrorstring": "no_app_error_string",
    "bind::entities:saveto": "save_to", "control::appearance": "appearance", "body::appearance": "appearance",
    "control::jr:count": "repeat_count", "control::rows": "rows", "control::autoplay": "autoplay",
    "body::rows": "rows", "media::image": "image", "media::big-image": "big-image", "media::audio": "audio",
    "media::video": "video", "id_string": "form_id", "set_form_id": "form_id", "title": "form_title",
    "set_form_title": "form_title",
}
NAMESPACES = ("bind", "control", "body", "instance", "media")
_TYPE_NAMES = {  # XLSForm's type names and their old spellings (pyxform's), lowercased
    "text": ("text", "string", "q string", "add text prompt", "phone number"),
    "integer": ("integer", "int", "q int", "add integer prompt", "percentage", "number of days in last month",
                "number of days in last six months", "number of days in last year"),
    "decimal": ("decimal", "q decimal", "add decimal prompt"),
    "date": ("date", "q date", "add date prompt"),
    "time": ("time",),
    "datetime": ("datetime", "date time", "q date time", "q datetime", "add date time prompt",
                 "add datetime prompt"),
    "barcode": ("barcode", "q barcode", "add barcode prompt"),
    "geopoint": ("geopoint", "gps", "location", "q geopoint", "q location", "add location prompt"),
    "geotrace": ("geotrace", "q geotrace"),
    "geoshape": ("geoshape", "q geoshape"),
    "image": ("image", "photo", "q picture", "q image", "add image prompt", "add photo prompt"),
    "audio": ("audio", "q audio", "add audio prompt"),
    "video": ("video", "q video", "add video prompt"),
    "file": ("file", "add file prompt"),
    "note": ("note", "q note", "add note prompt"),
    "calculate": ("calculate", "q calculate", "add calculate prompt"),
    "start": ("start", "start time", "get start time"),
    "end": ("end", "end time", "get end time"),
    "today": ("today", "get today"),
    "deviceid": ("deviceid", "device id", "get device id", "imei", "uri:deviceid"),
    "username": ("username", "uri:username"),
    "email": ("email", "uri:email"),
    "phonenumber": ("phonenumber", "get phone number", "uri:phonenumber"),
    "simserial": ("simserial", "sim id", "get sim id", "uri:simserial"),
    "subscriberid": ("subscriberid", "subscriber id", "get subscriber id", "uri:subscriberid"),
    "start-geopoint": ("start-geopoint",),
    "audit": ("audit",),
    # mapped onto other types by the importer (see `_Importer.mapped_type`)
    "acknowledge": ("acknowledge", "q acknowledge", "add acknowledge prompt", "trigger"),
    "hidden": ("hidden",),
    "range": ("range",),
}
TYPE_ALIASES = {alias: canonical for canonical, aliases in _TYPE_NAMES.items() for alias in aliases}
TYPE_ALIASES.update({
    "begin_group": "begin group", "end_group": "end group", "begin_repeat": "begin repeat",
    "end_repeat": "end repeat", "begin group": "begin group", "end group": "end group",
    "begin repeat": "begin repeat", "end repeat": "end repeat", "begin lgroup": "begin repeat",
    "end lgroup": "end repeat", "begin looped group": "begin repeat", "end looped group": "end repeat",
    "begin_loop": "begin loop", "end_loop": "end loop", "begin loop": "begin loop", "end loop": "end loop",
})
# "select_one LIST", and the spellings of older XLSForms ("select one from LIST").
SELECT_COMMANDS = sorted({
    "select_one": "select_one", "select one": "select_one", "select1": "select_one", "q select1": "select_one",
    "select one from": "select_one", "select one using": "select_one", "add select one prompt using": "select_one",
    "select_multiple": "select_multiple", "select multiple": "select_multiple", "q select": "select_multiple",
    "select all that apply": "select_multiple", "select all that apply from": "select_multiple",
    "select multiple from": "select_multiple", "select multiple using": "select_multiple",
    "add select multiple prompt using": "select_multiple",
}.items(), key=lambda kv: -len(kv[0]))
OR_OTHER = ("or_other", "or specify other", "or other")
# Choices from a data file sent with the form (fieldapp.forms.media), or from the
# workbook's external_choices sheet.
FILE_SELECTS = {"select_one_from_file": "select_one", "select one from file": "select_one",
                "select_multiple_from_file": "select_multiple", "select multiple from file": "select_multiple"}
EXTERNAL_SELECTS = {"select_one_external": "select_one", "select one external": "select_one"}
DATA_DECLARATIONS = {"csv-external": ".csv", "xml-external": ".xml"}
EXTERNAL_CHOICES = "external_choices"
UNSUPPORTED_EXPRESSIONS = (
    (r"\binstance\s*\([^)]*\)\s*/(?!\s*root\s*/\s*item\s*\[)", N_("paths into data files other than "
                                                                  "instance('...')/root/item[...]")),
)
_PULLDATA_RE = re.compile(r"\bpulldata\s*\(\s*['\"]([^'\"]+)['\"]")
# What the engine cannot run, each named once per form with where it is first used.
UNSUPPORTED_TYPES = {
    "rank": N_("ranking questions ('rank')"),
    "osm": N_("OpenStreetMap questions ('osm')"),
    "background-audio": N_("background audio recording ('background-audio')"),
    "background-geopoint": N_("background location ('background-geopoint')"),
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
SMART_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


ACKNOWLEDGE_LIST = "_acknowledge"
MAX_FORM_ID = 64


def form_identifier(text: str) -> str:
    """A form id as Field App stores it: 'My survey 2024' -> 'My_survey_2024'."""
    ident = re.sub(r"[^A-Za-z0-9_.-]+", "_", text.strip()).strip("_") or "form"
    if not re.match(r"[A-Za-z_]", ident) or ident.lower().startswith("xml") or ident.startswith("__"):
        ident = "form_" + ident.lstrip("_")
    return ident[:MAX_FORM_ID]


def straight_quotes(text: str) -> str:
    """Typographic quotes as plain ones: spreadsheets "correct" ' into ’ as people type
    expressions, and XLSForm converters read them as the quotes that were meant."""
    return text.translate(SMART_QUOTES)


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


def _normal(text: str) -> str:
    """A header's key: lowercased, words joined by '_', then de-aliased."""
    key = " ".join(text.lower().split())
    if key in ALIASES:
        return ALIASES[key]
    key = key.replace(" ", "_")
    return ALIASES.get(key, ALIASES.get(key.replace("_", " "), key))


def parse_header(written: str, double_colon: bool) -> tuple[str, str | None]:
    """A column header as (base name, language or None): "label::French (fr)" ->
    ("label", "fr"), "bind::relevant" -> ("relevant", None). Older forms separate with a
    single colon ("label:English", "bind:constraint"); as pyxform does, a single colon
    separates only on sheets where no header uses "::", and "jr:" stays one word."""
    text = " ".join(written.split())
    key = _normal(text)
    if ":" not in text or key in SURVEY_COLUMNS or key in ALIASES.values():
        return key, None
    if "::" in text or double_colon:
        tokens = [t.strip() for t in text.split("::")]
    else:
        tokens = [t.strip() for t in text.split(":")]
        while "jr" in (t.lower() for t in tokens[:-1]):
            i = [t.lower() for t in tokens].index("jr")
            tokens[i:i + 2] = [f"jr:{tokens[i + 1]}"]
    if len(tokens) > 1 and tokens[0].lower() in NAMESPACES:
        tokens[:2] = [f"{tokens[0].lower()}::{tokens[1]}"]
    base = _normal(tokens[0])
    if len(tokens) == 1:
        return base, None
    return base, language_code(":".join(tokens[1:]))


class _Sheet:
    """One sheet: its header (column base name + language -> header text) and its rows."""

    def __init__(self, title: str, rows: Rows, kind: str | None = None):
        self.title = title
        self.kind = kind or title.lower()  # survey, choices, settings, external_choices
        self.headers: list[tuple[str, str | None, str]] = []  # (base, lang or None, header as written)
        self.rows: list[tuple[int, dict[str, Any]]] = []  # (row number, {header: value})
        if not rows:
            return
        header_cells = [_cell_text(cell) for cell in rows[0][1]]
        double_colon = any("::" in h for h in header_cells)
        for written in header_cells:
            if not written:
                self.headers.append(("", None, ""))
                continue
            base, lang = parse_header(written, double_colon)
            self.headers.append((base, lang, written))
        for number, raw in rows[1:]:
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
        order = {SURVEY: 1, CHOICES: 2, SETTINGS: 0}.get(sheet.kind if isinstance(sheet, _Sheet) else title.lower(), 3)
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
        if survey is not None and survey.title.lower() != SURVEY and survey.column("type") is None:
            survey = None  # a lone sheet is the survey only if it looks like one
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
                    if lang and base in ("label", "hint", "form_title"):
                        self.note_language(lang)
        if any(b in ("label", "hint") and lg is None for b, lg, _w in survey.headers):
            self.note_language(default_language)
        languages = [default_language] + [lg for lg in self.languages if lg != default_language]
        self.default_language = default_language
        choices = self.read_choices(choices_sheet, default_language)
        self.choices = choices
        self.external = self.read_choices(sheets.get(EXTERNAL_CHOICES), default_language) \
            if EXTERNAL_CHOICES in sheets else {}
        self.media_lists: dict[str, tuple[_Sheet, int, str, str]] = {}  # list -> (sheet, row, value, label)
        children = self.read_survey(survey, default_language)
        self.load_media()
        self.unique_names(children)
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
        return {key: _Sheet(title, rows, key) for key, (title, rows) in read_sheets(
            self.path, (SURVEY, CHOICES, SETTINGS, EXTERNAL_CHOICES), first_as=SURVEY).items()}

    def check_columns(self, sheet: _Sheet) -> None:
        kind = sheet.kind
        known = {SURVEY: set(SURVEY_COLUMNS) | {"repeat_count"},
                 CHOICES: {"list_name", "name", "label"},
                 SETTINGS: {"form_id", "form_title", "translated_title", "version", "default_language",
                            "allow_choice_duplicates"}}[kind]
        seen: dict[tuple[str, str | None], str] = {}
        media_noted = False
        for base, lang, written in sheet.headers:
            if not written:
                continue
            if base in MEDIA_COLUMNS:
                if not media_noted:  # pictures or sounds beside a label: the text is shown without them
                    self.problem(sheet, 1, written, _("media in labels ('{column}') are not shown by Field App; "
                                                      "the labels are").format(column=base), warning=True)
                    media_noted = True
                continue
            if lang is not None and base not in TRANSLATED:
                if kind == CHOICES:  # a column of data for choice filters that happens to hold ':'
                    continue
                self.problem(sheet, 1, written, _("column '{column}' cannot be translated; it is ignored").format(
                    column=base), warning=True)
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
            close = difflib.get_close_matches(base, sorted(known), n=1, cutoff=0.8) if kind == SURVEY else []
            if close:
                self.problem(sheet, 1, written, _("column '{column}' is not used by Field App and is ignored "
                                                  "(did you mean '{close}'?)").format(column=written, close=close[0]),
                             warning=True)
            else:
                self.problem(sheet, 1, written, _("column '{column}' is not used by Field App and is ignored").format(
                    column=written), warning=True)

    def read_settings(self, sheet: _Sheet | None, fallback: str) -> tuple[str, Text, int | None, str]:
        form_id = form_identifier(self.path.stem)
        if sheet is None or not sheet.rows:
            return form_id, {}, None, fallback
        number, row = sheet.rows[0]
        raw_lang = sheet.value(row, "default_language")
        default_language = language_code(raw_lang) if raw_lang else fallback
        given = sheet.value(row, "form_id")
        if given:
            form_id = form_identifier(given)
            if form_id != given:
                self.problem(sheet, number, sheet.column("form_id"), _(
                    "'{value}' is not a valid form identifier: it is read as '{form_id}'").format(
                    value=given, form_id=form_id), warning=True)
        # pyxform cannot read a translated form_title; Field App writes the other languages'
        # titles as translated_title::LANGUAGE, a column pyxform leaves alone.
        title = sheet.text(row, "form_title", default_language)
        for lang, text in sheet.text(row, "translated_title", default_language).items():
            title.setdefault(lang, text)
        for lang in title:
            self.note_language(lang)
        version = None
        raw = sheet.raw(row, "version")
        if raw is not None and _cell_text(raw) != "":
            text = _cell_text(raw)
            if re.fullmatch(r"\d{1,15}", text) and int(text) >= 1:
                version = int(text)
            else:  # KoboToolbox writes e.g. 'vTEmiygu2uLZpPHBYX8jKj': a label, not a number to order by
                self.problem(sheet, number, sheet.column("version"), _(
                    "the version '{value}' is not a whole number: Field App numbers this form's versions itself "
                    "(it is published as the next version)").format(value=text), warning=True)
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
                 and b not in MEDIA_COLUMNS]
        for number, row in sheet.rows:
            list_name = sheet.value(row, "list_name")
            name = sheet.value(row, "name")
            if not list_name and not name:
                continue  # a row of notes beside the lists: pyxform skips it too
            if not list_name:
                self.problem(sheet, number, sheet.column("list_name"), _("the list name is missing"))
                continue
            if not name:
                self.problem(sheet, number, sheet.column("name"), _("the choice name is missing"))
                continue
            columns = {b: _cell_text(row.get(w)) for b, w in extra if _cell_text(row.get(w))}
            choice = Choice(name, sheet.text(row, "label", lang), columns)
            self.where[id(choice)] = (sheet, number)
            choices.setdefault(list_name, []).append(choice)
        return choices

    def expression(self, sheet: _Sheet, row: dict[str, Any], column: str) -> str | None:
        """An expression cell, its typographic quotes straightened (as pyxform does)."""
        return straight_quotes(sheet.value(row, column)) or None

    def read_survey(self, sheet: _Sheet, lang: str) -> list:
        root: list = []
        stack: list[tuple[Group, int, list]] = []  # (group, row opened, its parent's children list)
        for column in ("type",):  # without a 'name' column, each row that needs one says so
            if sheet.column(column) is None:
                self.problem(sheet, 1, None, _("the survey sheet needs a '{column}' column").format(column=column))
                return root
        self.unsupported_seen: set[str] = set()
        self.loops: dict[int, str] = {}  # id(group) of an open 'begin loop' -> its choice list
        for number, row in sheet.rows:
            raw_type = " ".join(sheet.value(row, "type").split())
            current = stack[-1][0].children if stack else root
            if not raw_type:
                if sheet.value(row, "name") or sheet.text(row, "label", lang):
                    self.problem(sheet, number, sheet.column("type"), _("the type is missing"))
                continue  # a row of comments only: pyxform skips it too
            words = raw_type.split(" ")
            head = raw_type.lower()
            if head in TYPE_ALIASES:
                head = TYPE_ALIASES[head]
            if head in ("end group", "end repeat", "end loop"):
                kind = head.split()[1]
                if not stack:
                    self.problem(sheet, number, sheet.column("type"), _("'{type}' without a matching 'begin {kind}'").format(
                        type=raw_type, kind=kind))
                    continue
                group, opened, _parent = stack[-1]
                opened_kind = "loop" if id(group) in self.loops else group.kind
                if opened_kind != kind:
                    self.problem(sheet, number, sheet.column("type"), _(
                        "'{type}' closes the {other} '{name}' opened at row {row}").format(
                        type=raw_type, other=opened_kind, name=group.name, row=opened))
                stack.pop()
                if id(group) in self.loops:
                    self.expand_loop(group, self.loops.pop(id(group)), sheet, opened)
                continue
            name = sheet.value(row, "name")
            if not name and head in ("note",):
                name = f"generated_note_name_{number}"  # pyxform names unnamed notes the same way
            if not name:  # an invalid name is reported by check_definition
                self.problem(sheet, number, sheet.column("name"), _("the name is missing"))
            name = name or f"_row{number}"
            label = sheet.text(row, "label", lang)
            hint = sheet.text(row, "hint", lang)
            relevant = self.expression(sheet, row, "relevant")
            appearance = sheet.value(row, "appearance") or None
            loop_list = None
            if head.startswith(("begin loop", "begin_loop")):
                loop_words = words[2:]
                if loop_words and loop_words[0].lower() == "over":
                    loop_words = loop_words[1:]
                if len(loop_words) != 1:
                    self.problem(sheet, number, sheet.column("type"), _(
                        "write 'begin loop over LIST_NAME' with the name of a choice list"))
                loop_list = loop_words[0] if loop_words else ""
                head = "begin group"
            if head in ("begin group", "begin repeat"):
                cls = Repeat if head == "begin repeat" else Group
                group = cls(name, label, hint, relevant, appearance, [])
                self.where[id(group)] = (sheet, number)
                for attr in ("constraint", "calculation", "choice_filter", "default"):
                    if sheet.value(row, attr):  # pyxform ignores them too
                        self.problem(sheet, number, sheet.column(attr), _(
                            "a {kind} has no {column}: it is ignored").format(kind=group.kind, column=attr),
                            warning=True)
                if loop_list is not None:
                    self.loops[id(group)] = loop_list
                count = self.expression(sheet, row, "repeat_count")
                if count and isinstance(group, Repeat):
                    group.count = count
                elif count:
                    self.problem(sheet, number, sheet.column("repeat_count"), _(
                        "only a repeat has a repeat_count: it is ignored"), warning=True)
                current.append(group)
                stack.append((group, number, current))
                continue
            self.current_row = row
            qtype, list_name, other = self.parse_type(sheet, number, raw_type, words, head)
            for attr in EXPRESSION_COLUMNS:  # pulldata('villages', ...) reads villages.csv, sent with the form
                for data_file in _PULLDATA_RE.findall(sheet.value(row, attr)):
                    self.media_lists.setdefault(data_file + ".csv", (sheet, number, "name", "label"))
            if qtype == "data":  # csv-external NAME: NAME.csv comes with the form, for lookups
                self.media_lists.setdefault(name + DATA_DECLARATIONS[words[0].lower()], (sheet, number, "name", "label"))
                continue
            placeholder = qtype is None  # reported; kept as text so references to it stay known
            q = Question(
                name=name, type=qtype or "text", label=label, hint=hint,
                required=self.flag(sheet, number, row, "required"),
                required_message=sheet.text(row, "required_message", lang),
                constraint=self.expression(sheet, row, "constraint"),
                constraint_message=sheet.text(row, "constraint_message", lang),
                relevant=relevant,
                calculation=self.expression(sheet, row, "calculation"),
                default=self.default(sheet, row, qtype),
                read_only=self.flag(sheet, number, row, "read_only"),
                appearance=appearance, choices=list_name,
                choice_filter=None if placeholder else self.expression(sheet, row, "choice_filter"),
            )
            if not q.label and not q.hint and (placeholder or any(
                    sheet.value(row, m) or sheet.text(row, m, lang) for m in MEDIA_COLUMNS)):
                # refused for its type already (no second "has no label"), or labelled by a
                # picture or a sound this app does not show: its name stands for the label
                q.label = {lang: name}
            self.map_type(sheet, number, row, head, q)
            self.where[id(q)] = (sheet, number)
            current.append(q)
            if other:
                current.append(self.specify_other(q, sheet, number))
        for group, opened, _parent in stack:
            self.problem(sheet, opened, sheet.column("type"), _(
                "the {kind} '{name}' is never closed: add an 'end {kind}' row").format(kind=group.kind, name=group.name))
        return root

    def expand_loop(self, group: Group, list_name: str, sheet: _Sheet, opened: int) -> None:
        """`begin loop over LIST`, as pyxform builds it: the group holds one group per
        choice (named and labelled as the choice; 'none' skipped), each a copy of the
        loop's rows with %(name)s and %(label)s replaced by the choice's. The engine keys
        answers by name, so the copies' names get the choice's name as a suffix."""
        if list_name not in self.choices:
            if list_name:
                self.problem(sheet, opened, sheet.column("type"), _(
                    "the choice list '{list}' is not on the choices sheet").format(list=list_name))
            return
        template = group.children
        group.children = []
        for choice in self.choices[list_name]:
            if choice.name == "none":
                continue
            labels = {lang: text_in(choice.label, lang, self.default_language) or choice.name
                      for lang in (self.languages or [self.default_language])}

            def fill(text: str, lang: str | None) -> str:
                label = labels.get(lang or self.default_language) or text_in(choice.label, lang, self.default_language)
                return text.replace("%(name)s", choice.name).replace("%(label)s", label or choice.name)

            def copy_of(el):
                twin = copy.copy(el)
                self.where[id(twin)] = self.where.get(id(el), (sheet, opened))
                twin.name = f"{el.name}_{choice.name}"
                twin.label = {lang: fill(t, lang) for lang, t in el.label.items()}
                twin.hint = {lang: fill(t, lang) for lang, t in el.hint.items()}
                for attr in ("relevant", "constraint", "calculation"):
                    if isinstance(getattr(twin, attr, None), str):
                        setattr(twin, attr, fill(getattr(twin, attr), None))
                if isinstance(el, Group):
                    twin.children = [copy_of(c) for c in el.children]
                return twin

            member = Group(f"{group.name}_{choice.name}" if choice.name == group.name else choice.name,
                           dict(choice.label), {}, None, None, [copy_of(el) for el in template])
            self.where[id(member)] = (sheet, opened)
            group.children.append(member)
        self.problem(sheet, opened, sheet.column("type"), _(
            "the loop '{name}' is read as one group per choice of '{list}'; its questions are named "
            "QUESTION_CHOICE").format(name=group.name, list=list_name), warning=True)

    def load_media(self) -> None:
        """Read the data files the form names (select_one_from_file, csv-external) from
        beside the workbook into choice lists of the definition; a file that is not there
        leaves its list empty, with a warning saying which file to bring."""
        for list_name, (sheet, number, value, label) in self.media_lists.items():
            found = find_media(self.path, list_name)
            if found is None:
                self.choices.setdefault(list_name, [])
                self.problem(sheet, number, sheet.column("type"), _(
                    "the data file '{file}' is not beside the workbook: its choices and lookups stay empty until "
                    "the form is imported with it").format(file=list_name), warning=True)
                continue
            try:
                self.choices[list_name] = read_media(found, self.default_language, language_code, value, label)
            except MediaError as e:
                self.problem(sheet, number, sheet.column("type"), str(e))

    def unsupported(self, sheet: _Sheet, number: int, feature: str) -> None:
        """A feature the engine cannot run, named once per form, where it is first used."""
        if feature in self.unsupported_seen:
            return
        self.unsupported_seen.add(feature)
        self.problem(sheet, number, sheet.column("type"), _("{feature} are not supported by Field App").format(
            feature=_(UNSUPPORTED_TYPES[feature])))

    def specify_other(self, q: Question, sheet: _Sheet, number: int) -> Question:
        """`select_one LIST or_other`, as pyxform reads it: the list gains an 'other'
        choice and a text question `NAME_other` asks for it when 'other' is chosen."""
        lang = self.default_language
        derived = f"{q.choices}_or_other"
        if q.choices in self.choices and derived not in self.choices:
            items = list(self.choices[q.choices])
            if not any(c.name == "other" for c in items):
                items.append(Choice("other", {lang: "Other"}))
            self.choices[derived] = items
        if q.choices in self.choices:
            q.choices = derived
        other = Question(name=f"{q.name}_other", type="text", label={lang: "Specify other."},
                         relevant=f"selected(${{{q.name}}}, 'other')")
        self.where[id(other)] = (sheet, number)
        return other

    def parse_type(self, sheet: _Sheet, number: int, raw_type: str, words: list[str],
                   head: str) -> tuple[str | None, str | None, bool]:
        """(our type, choice list, or_other) for a survey row's type; None when refused."""
        col = sheet.column("type")
        low = " ".join(w.lower() for w in words)
        for spelling in UNSUPPORTED_TYPES:
            if low == spelling or low.startswith(spelling + " "):
                self.unsupported(sheet, number, spelling)
                return None, None, False
        for spelling, select in (*FILE_SELECTS.items(), *EXTERNAL_SELECTS.items()):
            if low.startswith(spelling + " "):
                rest = words[len(spelling.split()):]
                if len(rest) != 1:
                    self.problem(sheet, number, col, _("write '{type} LIST_NAME' with the name of a choice list").format(
                        type=spelling))
                    return None, None, False
                list_name = rest[0]
                if spelling in FILE_SELECTS:
                    params = dict(re.findall(r"(\w+)\s*=\s*([^\s,;]+)", sheet.value(self.current_row, "parameters")))
                    self.media_lists.setdefault(list_name, (sheet, number, params.get("value", "name"),
                                                            params.get("label", "label")))
                elif list_name in self.external:
                    self.choices.setdefault(list_name, self.external[list_name])
                return select, list_name, False
        for command, select in SELECT_COMMANDS:
            if low.startswith(command + " "):
                rest = words[len(command.split()):]
                other = False
                tail = " ".join(rest[1:]).lower()
                if tail in OR_OTHER:
                    other, rest = True, rest[:1]
                if len(rest) != 1:
                    self.problem(sheet, number, col, _("write '{type} LIST_NAME' with the name of a choice list").format(
                        type=select))
                    return None, None, False
                return select, rest[0], other
        if words[0].lower() in DATA_DECLARATIONS and len(words) == 1:
            return "data", None, False
        if low in ("select_one", "select_multiple", "select one", "select multiple"):
            self.problem(sheet, number, col, _("write '{type} LIST_NAME' with the name of a choice list").format(
                type=low.replace(" ", "_")))
            return None, None, False
        if head in TYPES:
            return head, None, False
        if head in ("acknowledge", "range"):
            return head, None, False  # mapped by map_type
        supported = ", ".join(t for t in TYPES) + ", begin group, end group, begin repeat, end repeat"
        self.problem(sheet, number, col, _("unknown type '{type}' (supported: {types})").format(
            type=raw_type, types=supported))
        return None, None, False

    def map_type(self, sheet: _Sheet, number: int, row: dict[str, Any], head: str, q: Question) -> None:
        """Types XLSForm has that are another type here: an acknowledge is a one-choice
        select ("OK", as ODK stores it); a range is a number kept within its bounds."""
        if q.type == "acknowledge":
            q.type, q.choices = "select_one", ACKNOWLEDGE_LIST
            self.choices.setdefault(ACKNOWLEDGE_LIST, [Choice("OK", {self.default_language: "OK"})])
        elif q.type == "range":
            params = dict(re.findall(r"(\w+)\s*=\s*([^\s,;]+)", sheet.value(row, "parameters")))
            bounds = []
            for key in ("start", "end", "step"):
                try:
                    bounds.append(float(params.get(key, {"start": 1, "end": 10, "step": 1}[key])))
                except ValueError:
                    self.problem(sheet, number, sheet.column("parameters"), _(
                        "the range's {key} must be a number").format(key=key))
                    return
            start, end, step = bounds
            q.type = "integer" if all(b.is_integer() for b in bounds) else "decimal"
            low, high = sorted((start, end))
            fmt = expressions.format_number
            bound = f". >= {fmt(low)} and . <= {fmt(high)}"
            q.constraint = f"({q.constraint}) and {bound}" if q.constraint else bound
            if q.default is not None and not isinstance(q.default, dict):
                q.default = _cell_text(q.default)
            del step

    def unique_names(self, children: list) -> None:
        """XLSForm wants names unique among siblings; the engine keys answers by name, so a
        name used again in another group is renamed (and says so). References to such a
        name are ambiguous and refused, as pyxform refuses them."""
        seen: dict[str, int] = {}
        duplicated: set[str] = set()

        def visit(items: list, siblings_seen: dict[str, int]) -> None:
            for el in items:
                sheet, number = self.where.get(id(el), (None, None))
                if el.name in siblings_seen or sheet is None:
                    pass  # twice among siblings: XLSForm refuses it, check_definition says so
                elif el.name in seen:
                    duplicated.add(el.name)
                    new = el.name
                    n = 2
                    while new in seen:
                        new = f"{el.name}_{n}"
                        n += 1
                    self.problem(sheet, number, sheet.column("name"), _(
                        "the name '{name}' is also used at row {row}: Field App keeps this one as '{new}'").format(
                        name=el.name, row=seen[el.name], new=new), warning=True)
                    el.name = new
                siblings_seen[el.name] = number or 0
                seen.setdefault(el.name, number or 0)
                if isinstance(el, Group):
                    visit(el.children, {})

        visit(children, {})
        if not duplicated:
            return

        def check(items: list) -> None:
            for el in items:
                sheet, number = self.where.get(id(el), (None, None))
                for attr in EXPRESSION_ATTRIBUTES:
                    text = getattr(el, attr, None)
                    if isinstance(text, dict):
                        text = text.get("expression")
                    if not isinstance(text, str) or sheet is None:
                        continue
                    for ref in sorted(set(re.findall(r"\$\{([^}]*)\}", text)) & duplicated):
                        self.problem(sheet, number, sheet.column(attr) or attr, _(
                            "${{{ref}}} is ambiguous: the name '{ref}' is used more than once").format(ref=ref))
                if isinstance(el, Group):
                    check(el.children)

        check(children)

    def flag(self, sheet: _Sheet, number: int, row: dict[str, Any], column: str) -> bool | str:
        raw = sheet.raw(row, column)
        if isinstance(raw, bool):
            return raw
        text = _cell_text(raw)
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        return straight_quotes(text)  # an expression, checked with the others

    @staticmethod
    def default(sheet: _Sheet, row: dict[str, Any], qtype: str | None) -> Any:
        raw = sheet.raw(row, "default")
        if raw is None or _cell_text(raw) == "":
            return None
        text = _cell_text(raw)
        if "${" in text or "(" in text:
            return {"expression": straight_quotes(text)}
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
            attribute = {"count": "repeat_count"}.get(issue.attribute, issue.attribute)
            column = sheet.column(attribute) or attribute
        text = getattr(issue.element, issue.attribute, None)
        text = text.get("expression") if isinstance(text, dict) else text
        if isinstance(text, str) and not issue.warning:
            for pattern, feature in UNSUPPORTED_EXPRESSIONS:
                if re.search(pattern, text):  # one word for the feature, not a syntax error per use
                    if feature not in self.unsupported_seen:
                        self.unsupported_seen.add(feature)
                        self.problem(sheet, number, column, _("{feature} are not supported by Field App").format(
                            feature=_(feature)))
                    return
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
        elif q.type in UNSHOWN_TYPES:
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
    defn = FormDefinition.parse(result["definition"])
    version = result["version"] if result["version"] is not None else _("not set")
    out.write(_("Form '{form_id}', version {version}: {title}").format(
        form_id=result["form_id"], version=version, title=result["title"]) + "\n")
    out.write(_("Languages: {languages} (default {default})").format(
        languages=", ".join(defn.languages), default=defn.default_language) + "\n")
    out.write(_("(* required, (*) required under a condition, ? shown under a condition)") + "\n")
    for line in outline(defn):
        out.write(line + "\n")
    questions = [q for q in defn.questions() if q.type not in (NOTE, *UNSHOWN_TYPES)]
    groups = sum(1 for el, _p in defn.walk() if type(el) is Group)
    repeats = sum(1 for el, _p in defn.walk() if isinstance(el, Repeat))
    required = sum(1 for q in questions if q.required)
    out.write(_("Questions: {q} ({r} required); groups: {g}; repeats: {rp}; choice lists: {c}").format(
        q=len(questions), r=required, g=groups, rp=repeats, c=len(defn.choices)) + "\n")
    for warning in result["warnings"]:
        out.write(_("warning: {message}").format(message=warning) + "\n")
    return 0


__all__ = ["import_xlsform", "check_command", "outline", "language_code", "FormImportError"]
