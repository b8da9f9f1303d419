"""Form definitions as data: the JSON format stored in `form_definition.definition`.

Forms change every year, so they are documents, not code. The same JSON travels through
sync, is produced by the XLSForm importer and drives the form filler. Format 1::

    {
      "format": 1,
      "form_id": "project_proposal",            # [A-Za-z_][A-Za-z0-9_.-]*, at most 64
      "title": {"en": "Project proposal", "fr": "Proposition de projet"},
      "version": 3,                              # or null before publication
      "default_language": "en",
      "languages": ["en", "fr", "es"],           # default first
      "children": [ <element>, ... ],            # document order
      "choices": {"yes_no": [ <choice>, ... ], ...}
    }

A text a person reads (label, hint, message, title) is a dict language -> text; a reader
falls back to the default language, then to any language present (`text_in`).

Elements have a "kind":

- "group": {"kind": "group", "name", "label", "hint", "relevant", "appearance",
  "children": [...]} - a page of the filler when at the top level; "field-list"
  appearance keeps it on one page when nested.
- "repeat": the same keys as a group, and "count" (an expression: XLSForm's repeat_count,
  the number of entries is then the form's to set); its children are answered once per
  instance (partners, sites). Answers of a repeat are a list of dicts, one per instance.
- "question": {"kind": "question", "name", "type", "label", "hint",
  "required": false | true | "<expression>", "required_message": {lang: text},
  "constraint": "<expression>" | null, "constraint_message": {lang: text},
  "relevant": "<expression>" | null, "calculation": "<expression>" | null,
  "default": <literal of the question's type> | {"expression": "<expression>"} | null,
  "read_only": false | true | "<expression>", "appearance": "multiline" | ... | null,
  "choices": "<list name>" (select_one/select_multiple), "choice_filter": "<expression>"}

Question types (`TYPES`): text, integer, decimal, date, time, datetime, barcode (typed),
select_one, select_multiple, geopoint, geotrace, geoshape, image, audio, video, file,
note, calculate, hidden (kept, never shown); and the metadata types (`METADATA_TYPES`: start, end, today, deviceid,
username, email, phonenumber, simserial, subscriberid, start-geopoint, audit) which the
engine fills by itself. Expressions are XLSForm/XPath text read by
`fieldapp.forms.expressions`; `.` in a constraint is the value being checked.

A choice is {"name": "<code>", "label": {lang: text}, "columns": {"country": "FR"}} where
"columns" holds the other columns of the choices sheet, read by choice filters.

Names are unique across the whole form (as `${name}` needs), so the answers are a flat
dict keyed by name, with a repeat's answers nested as a list of such dicts
(`fieldapp.forms.form_state`).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator, TypeGuard, Union

from fieldapp.forms.errors import DefinitionError
from fieldapp.i18n import _

FORMAT = 1
Text = dict[str, str]

TEXT, INTEGER, DECIMAL, DATE = "text", "integer", "decimal", "date"
TIME, DATETIME, BARCODE = "time", "datetime", "barcode"
SELECT_ONE, SELECT_MULTIPLE = "select_one", "select_multiple"
GEOPOINT, GEOTRACE, GEOSHAPE = "geopoint", "geotrace", "geoshape"
IMAGE, AUDIO, VIDEO, FILE, NOTE, CALCULATE = "image", "audio", "video", "file", "note", "calculate"
HIDDEN = "hidden"  # a value kept with the answers but never shown: its default, or its calculation
START, END, TODAY = "start", "end", "today"
# What ODK's devices fill in by themselves. On a desktop: the installation's id, the
# signed-in user (and their e-mail when known), the clock; a phone's SIM and number do
# not exist there and stay empty, as start-geopoint does without a location sensor.
DEVICEID, USERNAME, EMAIL, PHONENUMBER = "deviceid", "username", "email", "phonenumber"
SIMSERIAL, SUBSCRIBERID, START_GEOPOINT, AUDIT = "simserial", "subscriberid", "start-geopoint", "audit"
METADATA_TYPES = (START, END, TODAY, DEVICEID, USERNAME, EMAIL, PHONENUMBER, SIMSERIAL, SUBSCRIBERID,
                  START_GEOPOINT, AUDIT)
SELECT_TYPES = (SELECT_ONE, SELECT_MULTIPLE)
# Answers that are files: they travel as attachments of the submission (blob sync).
ATTACHMENT_TYPES = (IMAGE, AUDIO, VIDEO, FILE)
# Types a person answers; notes are read, calculates and metadata are computed.
INPUT_TYPES = (TEXT, INTEGER, DECIMAL, DATE, TIME, DATETIME, BARCODE, SELECT_ONE, SELECT_MULTIPLE, GEOPOINT,
               GEOTRACE, GEOSHAPE, *ATTACHMENT_TYPES)
TYPES = (*INPUT_TYPES, NOTE, CALCULATE, HIDDEN, *METADATA_TYPES)
# Types the filler never shows: computed, kept or filled by the device.
UNSHOWN_TYPES = (CALCULATE, HIDDEN, *METADATA_TYPES)

# Appearances that change what the filler shows; others are kept but ignored.
APPEARANCES = {
    TEXT: ("multiline", "numbers"),
    SELECT_ONE: ("minimal", "horizontal", "likert", "compact", "quick"),
    SELECT_MULTIPLE: ("minimal", "horizontal", "compact"),
    "group": ("field-list", "table-list"),
    DATE: ("month-year", "year"),
    GEOPOINT: ("placement-map", "maps"),
    INTEGER: ("thousands-sep",), DECIMAL: ("thousands-sep",),
}

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
MAX_NAME = 64


RESERVED_NAMES = {"__invalid__"}  # the engine's own key among the answers


def valid_name(name: Any) -> TypeGuard[str]:
    """XML-style names as XLSForm allows (ODK forms carry '__version__'), minus the
    engine's own keys."""
    return (isinstance(name, str) and len(name) <= MAX_NAME and bool(NAME_RE.fullmatch(name))
            and name not in RESERVED_NAMES and not name.lower().startswith("xml"))


def text_in(text: Text | None, lang: str | None, default_language: str | None = None) -> str:
    """The text in `lang`, else in the default language, else in any language given."""
    if not text:
        return ""
    for key in (lang, default_language):
        if key and text.get(key):
            return text[key]
    return next((t for t in text.values() if t), "")


@dataclass
class Choice:
    name: str
    label: Text = field(default_factory=dict)
    columns: dict[str, str] = field(default_factory=dict)


@dataclass
class Question:
    name: str
    type: str
    label: Text = field(default_factory=dict)
    hint: Text = field(default_factory=dict)
    required: Union[bool, str] = False
    required_message: Text = field(default_factory=dict)
    constraint: str | None = None
    constraint_message: Text = field(default_factory=dict)
    relevant: str | None = None
    calculation: str | None = None
    default: Any = None
    read_only: Union[bool, str] = False
    appearance: str | None = None
    choices: str | None = None
    choice_filter: str | None = None

    kind = "question"

    @property
    def is_input(self) -> bool:
        return self.type in INPUT_TYPES

    @property
    def default_expression(self) -> str | None:
        return self.default["expression"] if isinstance(self.default, dict) else None


@dataclass
class Group:
    name: str
    label: Text = field(default_factory=dict)
    hint: Text = field(default_factory=dict)
    relevant: str | None = None
    appearance: str | None = None
    children: list["Element"] = field(default_factory=list)

    kind = "group"


@dataclass
class Repeat(Group):
    count: str | None = None  # repeat_count: an expression fixing the number of entries

    kind = "repeat"


Element = Union[Question, Group, Repeat]

# Expression-bearing attributes of each element, with the parser mode they need.
EXPRESSION_ATTRIBUTES = ("relevant", "constraint", "calculation", "choice_filter", "required", "read_only", "default")


@dataclass
class FormDefinition:
    form_id: str
    title: Text
    default_language: str = "en"
    languages: list[str] = field(default_factory=lambda: ["en"])
    children: list[Element] = field(default_factory=list)
    choices: dict[str, list[Choice]] = field(default_factory=dict)
    version: int | None = None

    # -- navigation
    def walk(self) -> Iterator[tuple[Element, tuple[Group, ...]]]:
        """Every element in document order with its enclosing groups/repeats (outermost first)."""
        def rec(items: list[Element], parents: tuple[Group, ...]) -> Iterator[tuple[Element, tuple[Group, ...]]]:
            for el in items:
                yield el, parents
                if isinstance(el, Group):
                    yield from rec(el.children, parents + (el,))
        yield from rec(self.children, ())

    def elements(self) -> dict[str, Element]:
        return {el.name: el for el, _parents in self.walk()}

    def questions(self) -> list[Question]:
        return [el for el, _p in self.walk() if isinstance(el, Question)]

    def list_for(self, name: str) -> str | None:
        """The choice list instance('name') or pulldata('name', ...) reads: a list of that
        name, or a data file's list of that stem ('villages' -> 'villages.csv')."""
        if name in self.choices:
            return name
        return next((key for key in self.choices if "." in key and key.rsplit(".", 1)[0] == name), None)

    def title_in(self, lang: str | None = None) -> str:
        return text_in(self.title, lang, self.default_language) or self.form_id

    # -- JSON
    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "form_id": self.form_id,
            "title": dict(self.title),
            "version": self.version,
            "default_language": self.default_language,
            "languages": list(self.languages),
            "children": [_element_to_json(el) for el in self.children],
            "choices": {name: [_choice_to_json(c) for c in items] for name, items in self.choices.items()},
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, sort_keys=False)

    @classmethod
    def parse(cls, data: Any) -> "FormDefinition":
        """Read a definition's shape, refusing any malformed part (DefinitionError lists
        them all). The meaning (names unique, expressions parse, references and choice
        lists exist, no cycle among calculations) is `fieldapp.forms.checks.read_definition`'s
        to check: parsing stays below checking, so neither module imports the other's caller.
        """
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except json.JSONDecodeError as e:
                raise DefinitionError([_("the definition is not JSON: {reason}").format(reason=str(e))]) from None
        reader = _Reader()
        defn = reader.form(data)
        if reader.problems:
            raise DefinitionError(reader.problems)
        return defn


# ----------------------------------------------------------------------------- writing
def _text_json(t: Text) -> Text:
    return {k: v for k, v in t.items() if v}


def _element_to_json(el: Element) -> dict[str, Any]:
    if isinstance(el, Group):
        out: dict[str, Any] = {"kind": el.kind, "name": el.name, "label": _text_json(el.label)}
        if el.hint:
            out["hint"] = _text_json(el.hint)
        if el.relevant:
            out["relevant"] = el.relevant
        if el.appearance:
            out["appearance"] = el.appearance
        if isinstance(el, Repeat) and el.count:
            out["count"] = el.count
        out["children"] = [_element_to_json(c) for c in el.children]
        return out
    q = el
    out = {"kind": "question", "name": q.name, "type": q.type, "label": _text_json(q.label)}
    optional: dict[str, Any] = {
        "hint": _text_json(q.hint), "required": q.required, "required_message": _text_json(q.required_message),
        "constraint": q.constraint, "constraint_message": _text_json(q.constraint_message), "relevant": q.relevant,
        "calculation": q.calculation, "default": q.default, "read_only": q.read_only, "appearance": q.appearance,
        "choices": q.choices, "choice_filter": q.choice_filter,
    }
    out.update({k: v for k, v in optional.items() if not (v is None or v is False or v == {} or v == "")})
    return out


def _choice_to_json(c: Choice) -> dict[str, Any]:
    out: dict[str, Any] = {"name": c.name, "label": _text_json(c.label)}
    if c.columns:
        out["columns"] = dict(c.columns)
    return out


# ----------------------------------------------------------------------------- reading
class _Reader:
    """Turns untrusted JSON into dataclasses, collecting every shape problem."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def bad(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def text(self, value: Any, where: str) -> Text:
        if value in (None, ""):
            return {}
        if isinstance(value, str):
            return {"": value}
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            self.bad(where, _("must be a dict of language -> text"))
            return {}
        return dict(value)

    def expr(self, value: Any, where: str) -> str | None:
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            self.bad(where, _("must be an expression (text)"))
            return None
        return value

    def flag(self, value: Any, where: str) -> bool | str:
        if value in (None, False, ""):
            return False
        if value is True or isinstance(value, str):
            return value
        self.bad(where, _("must be true, false or an expression"))
        return False

    def form(self, data: Any) -> FormDefinition:
        if not isinstance(data, dict):
            self.bad("definition", _("must be a JSON object"))
            return FormDefinition("invalid", {})
        if data.get("format", FORMAT) != FORMAT:
            self.bad("format", _("format {found} is not supported (this version reads format {ours})").format(
                found=data.get("format"), ours=FORMAT))
        form_id = data.get("form_id")
        if not valid_name(form_id):
            self.bad("form_id", _("'{value}' is not a valid form identifier").format(value=form_id))
            form_id = "invalid"
        version = data.get("version")
        if version is not None and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
            self.bad("version", _("must be a whole number of 1 or more"))
            version = None
        default_language = data.get("default_language") or "en"
        if not isinstance(default_language, str):
            self.bad("default_language", _("must be a language code"))
            default_language = "en"
        languages = data.get("languages") or [default_language]
        if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
            self.bad("languages", _("must be a list of language codes"))
            languages = [default_language]
        title = self.text(data.get("title"), "title")
        if "" in title:
            title[default_language] = title.pop("")
        children = self.children(data.get("children", []), "children", default_language)
        choices: dict[str, list[Choice]] = {}
        raw_choices = data.get("choices", {}) or {}
        if not isinstance(raw_choices, dict):
            self.bad("choices", _("must be an object of list name -> choices"))
            raw_choices = {}
        for list_name, items in raw_choices.items():
            where = f"choices.{list_name}"
            if not isinstance(items, list):
                self.bad(where, _("must be a list of choices"))
                continue
            out = []
            for i, item in enumerate(items):
                w = f"{where}[{i}]"
                if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                    self.bad(w, _("a choice needs a name"))
                    continue
                cols = item.get("columns") or {}
                if not isinstance(cols, dict) or not all(isinstance(v, str) for v in cols.values()):
                    self.bad(w, _("columns must map column names to text"))
                    cols = {}
                label = self._lang(self.text(item.get("label"), w + ".label"), default_language)
                out.append(Choice(item["name"], label, dict(cols)))
            choices[list_name] = out
        return FormDefinition(form_id, title, default_language, list(languages), children, choices, version)

    @staticmethod
    def _lang(t: Text, default_language: str) -> Text:
        if "" in t:
            t[default_language] = t.pop("")
        return t

    def children(self, items: Any, where: str, lang: str) -> list[Element]:
        if not isinstance(items, list):
            self.bad(where, _("must be a list of elements"))
            return []
        out: list[Element] = []
        for i, item in enumerate(items):
            el = self.element(item, f"{where}[{i}]", lang)
            if el is not None:
                out.append(el)
        return out

    def element(self, item: Any, where: str, lang: str) -> Element | None:
        if not isinstance(item, dict):
            self.bad(where, _("must be an object"))
            return None
        name = item.get("name")
        if isinstance(name, str):
            where = name
        if not valid_name(name):
            self.bad(where, _("'{value}' is not a valid name").format(value=name))
            return None
        kind = item.get("kind", "question")
        label = self._lang(self.text(item.get("label"), f"{where}.label"), lang)
        hint = self._lang(self.text(item.get("hint"), f"{where}.hint"), lang)
        if kind in ("group", "repeat"):
            cls = Repeat if kind == "repeat" else Group
            group = cls(name, label, hint, self.expr(item.get("relevant"), f"{where}.relevant"),
                        item.get("appearance") if isinstance(item.get("appearance"), str) else None,
                        self.children(item.get("children", []), f"{where}.children", lang))
            if isinstance(group, Repeat):
                group.count = self.expr(item.get("count"), f"{where}.count")
            return group
        if kind != "question":
            self.bad(where, _("unknown kind '{kind}'").format(kind=kind))
            return None
        qtype = item.get("type")
        if qtype not in TYPES:
            self.bad(where, _("unknown question type '{type}'").format(type=qtype))
            return None
        default = item.get("default")
        if isinstance(default, dict) and not isinstance(default.get("expression"), str):
            self.bad(f"{where}.default", _("a computed default is written {\"expression\": \"...\"}"))
            default = None
        if isinstance(default, list) and not all(isinstance(x, str) for x in default):
            self.bad(f"{where}.default", _("must be a list of choice names"))
            default = None
        choices = item.get("choices")
        if choices is not None and not isinstance(choices, str):
            self.bad(f"{where}.choices", _("must be the name of a choice list"))
            choices = None
        return Question(
            name=name, type=qtype, label=label, hint=hint,
            required=self.flag(item.get("required"), f"{where}.required"),
            required_message=self._lang(self.text(item.get("required_message"), f"{where}.required_message"), lang),
            constraint=self.expr(item.get("constraint"), f"{where}.constraint"),
            constraint_message=self._lang(self.text(item.get("constraint_message"), f"{where}.constraint_message"),
                                          lang),
            relevant=self.expr(item.get("relevant"), f"{where}.relevant"),
            calculation=self.expr(item.get("calculation"), f"{where}.calculation"),
            default=default,
            read_only=self.flag(item.get("read_only"), f"{where}.read_only"),
            appearance=item.get("appearance") if isinstance(item.get("appearance"), str) else None,
            choices=choices,
            choice_filter=self.expr(item.get("choice_filter"), f"{where}.choice_filter"),
        )
