"""The meaning checks of a form definition, shared by the JSON reader and the XLSForm importer.

Each problem names the element and the attribute it concerns (`Issue`); the importer maps
them to sheet, row and column, the JSON reader prints them as they are. Warnings point
at something odd that still works (an appearance we do not draw) and never block.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from fieldapp.forms import expressions
from fieldapp.forms.definition import (
    APPEARANCES, CALCULATE, DATE, DECIMAL, INTEGER, NOTE, SELECT_MULTIPLE, SELECT_TYPES, FormDefinition,
    Group, Question, Repeat, valid_name,
)
from fieldapp.forms.dependencies import build
from fieldapp.forms.errors import DefinitionError, ExpressionError
from fieldapp.forms.media import MEDIA_SUFFIXES
from fieldapp.i18n import _


@dataclass(frozen=True)
class Issue:
    """`name`: element name, or "choices:<list>" / "choices:<list>:<choice>"; `attribute`:
    the definition key ("constraint", "label", "name", ...)."""

    name: str
    attribute: str
    message: str
    warning: bool = False
    element: Any = field(default=None, compare=False, repr=False)  # the Element/Choice concerned

    def __str__(self) -> str:
        return f"{self.name}, {self.attribute}: {self.message}"


def literal_default(q: Question, value: Any) -> Any:
    """Coerce a literal default to the question's type, or raise ValueError(message)."""
    if value is None or value == "":
        return None
    if q.type == INTEGER:
        if isinstance(value, bool):
            raise ValueError(_("the default must be a whole number"))
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            raise ValueError(_("the default must be a whole number")) from None
    if q.type == DECIMAL:
        try:
            x = float(str(value).strip().replace(",", "."))
        except ValueError:
            raise ValueError(_("the default must be a number")) from None
        if math.isnan(x) or math.isinf(x):
            raise ValueError(_("the default must be a number"))
        return x
    if q.type == DATE:
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise ValueError(_("the default must be a date written YYYY-MM-DD")) from None
    if q.type == SELECT_MULTIPLE:
        return value if isinstance(value, list) else str(value).split()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_definition(data: Any) -> FormDefinition:
    """A definition read from JSON (text or parsed) and checked for shape and meaning,
    refusing it with every problem listed (DefinitionError). A definition arriving by
    sync is data from elsewhere and gets the same checks; warnings never block."""
    defn = FormDefinition.parse(data)
    issues = [i for i in check_definition(defn) if not i.warning]
    if issues:
        raise DefinitionError([str(i) for i in issues])
    return defn


def check_definition(defn: FormDefinition) -> list[Issue]:
    """Every problem of meaning in `defn` (warnings included; filter on `.warning`)."""
    issues: list[Issue] = []
    add = issues.append
    seen: dict[str, str] = {}
    all_names = set()
    for el, _parents in defn.walk():
        all_names.add(el.name)

    if not defn.questions():
        add(Issue(defn.form_id, "children", _("the form has no questions")))

    # Choice lists
    used_lists = {q.choices for q in defn.questions() if q.choices}
    multiple_lists = {q.choices for q in defn.questions() if q.choices and q.type == SELECT_MULTIPLE}
    # A cascading list (every select on it filtered) may hold a name twice ("king" county
    # in two states): the filter shows one of them at a time. Elsewhere a name twice is
    # odd but harmless (both store the same code): a warning, as XLSForm's
    # allow_choice_duplicates setting makes it.
    unfiltered = {q.choices for q in defn.questions() if q.choices and not q.choice_filter}
    for list_name, items in defn.choices.items():
        if not items and list_name in used_lists and not list_name.lower().endswith(MEDIA_SUFFIXES):
            # (a data file's list waits for its file: the importer says so)
            issues.append(Issue(f"choices:{list_name}", "name", _("the choice list '{list}' has no choices").format(list=list_name)))
        names_in_list: set[str] = set()
        for c in items:
            where = f"choices:{list_name}:{c.name}"
            add = _adder(issues, c)
            if not c.name.strip():
                add(Issue(where, "name", _("a choice needs a name")))
            elif list_name in multiple_lists and any(ch.isspace() for ch in c.name):
                # a select_multiple answer is its codes joined by spaces: a space would split one
                add(Issue(where, "name", _("'{name}' has a space: choices of a select_multiple cannot").format(
                    name=c.name)))
            elif c.name in names_in_list:
                if list_name in unfiltered:
                    add(Issue(where, "name", _("duplicate choice '{name}' in list '{list}': both are offered and "
                                               "store the same code").format(name=c.name, list=list_name),
                              warning=True))
            names_in_list.add(c.name)
            if not any(c.label.values()) and not list_name.lower().endswith(MEDIA_SUFFIXES):  # shown by its name
                add(Issue(where, "label", _("the choice '{name}' has no label").format(name=c.name), warning=True))

    for el, parents in defn.walk():
        name = el.name
        add = _adder(issues, el)
        if not valid_name(name):
            add(Issue(name, "name", _("'{name}' is not a valid name: start with a letter or '_', then letters, "
                                      "digits, '_', '-' or '.'").format(name=name)))
        if name in seen:
            add(Issue(name, "name", _("duplicate name '{name}'").format(name=name)))
        seen[name] = el.kind
        # As in pyxform: a question a person sees needs a label or a hint (a calculated one
        # without either is not shown); a repeat without a label only deserves a word.
        shown = isinstance(el, Question) and (el.is_input or el.type == NOTE) and not el.calculation
        if shown and not any(el.label.values()) and not any(el.hint.values()):
            add(Issue(name, "label", _("'{name}' has no label or hint").format(name=name)))
        elif isinstance(el, Repeat) and not any(el.label.values()):
            add(Issue(name, "label", _("'{name}' has no label").format(name=name), warning=True))
        if isinstance(el, Group) and not el.children:
            add(Issue(name, "children", _("the {kind} '{name}' is empty").format(kind=el.kind, name=name),
                      warning=True))
        _check_texts(el, all_names, add)
        _check_expression(el, "relevant", el.relevant, all_names, add, defn=defn)
        if el.appearance:
            key = "group" if isinstance(el, Group) else el.type
            known = APPEARANCES.get(key, ())
            unknown = [a for a in el.appearance.split() if a not in known]
            if unknown:
                add(Issue(name, "appearance", _("appearance '{value}' is not used by Field App and is "
                                                "ignored").format(value=" ".join(unknown)), warning=True))
        if isinstance(el, Repeat) and el.count:
            _check_expression(el, "count", el.count, all_names, add, defn=defn)
        if not isinstance(el, Question):
            continue
        q = el
        if q.type == CALCULATE and not q.calculation and q.default is None:
            add(Issue(name, "calculation", _("a calculate question needs a calculation")))
        _check_expression(q, "calculation", q.calculation, all_names, add, defn=defn)
        _check_expression(q, "constraint", q.constraint, all_names, add, defn=defn)
        for attr in ("required", "read_only"):
            flag = getattr(q, attr)
            if isinstance(flag, str):
                _check_expression(q, attr, flag, all_names, add, defn=defn)
        if q.default_expression:
            _check_expression(q, "default", q.default_expression, all_names, add, defn=defn)
        elif q.default is not None:
            try:
                value = literal_default(q, q.default)
            except ValueError as e:
                add(Issue(name, "default", str(e)))
            else:
                if q.type in SELECT_TYPES and q.choices in defn.choices:
                    codes = {c.name for c in defn.choices[q.choices]}
                    for code in (value if isinstance(value, list) else [value]):
                        if code not in codes:
                            add(Issue(name, "default", _("the default '{code}' is not a choice of list "
                                                         "'{list}'").format(code=code, list=q.choices)))
        if q.type in SELECT_TYPES:
            if not q.choices:
                add(Issue(name, "choices", _("{type} needs the name of a choice list").format(type=q.type)))
            elif q.choices not in defn.choices:
                add(Issue(name, "choices", _("the choice list '{list}' is not on the choices sheet").format(
                    list=q.choices)))
        if q.choice_filter:
            if q.type not in SELECT_TYPES:
                add(Issue(name, "choice_filter", _("a choice filter only applies to select questions: it is "
                                                   "ignored"), warning=True))
            else:
                parsed = _check_expression(q, "choice_filter", q.choice_filter, all_names, add, choice_filter=True)
                if parsed is not None and q.choices in defn.choices:
                    columns = {"name", "label"} | {c for c in parsed.columns if c.startswith("label::")}
                    for c in defn.choices[q.choices]:
                        columns.update(c.columns)
                    for col in sorted(parsed.columns - columns):  # read as empty, as ODK reads it
                        add(Issue(name, "choice_filter", _(
                            "the choice list '{list}' has no column '{column}': it reads as empty").format(
                            list=q.choices, column=col), warning=True))

    graph = build(defn)
    elements = defn.elements()
    for cycle in graph.cycles:
        first = elements[cycle[0]]
        attr = "calculation" if isinstance(first, Question) and first.calculation else "relevant"
        path = " -> ".join("${" + n + "}" for n in cycle + [cycle[0]])
        add = _adder(issues, first)
        add(Issue(cycle[0], attr, _("circular reference: {path}").format(path=path)))
    return issues


def _adder(issues: list[Issue], element: Any):
    """An `add` that stamps each issue with the element it concerns."""
    def add(issue: Issue) -> None:
        issues.append(Issue(issue.name, issue.attribute, issue.message, issue.warning, element))
    return add


def _check_texts(el, names: set[str], add) -> None:
    texts = [("label", el.label), ("hint", el.hint)]
    if isinstance(el, Question):
        texts += [("constraint_message", el.constraint_message), ("required_message", el.required_message)]
    for attr, text in texts:
        for value in text.values():
            for ref in expressions.label_references(value):
                if ref not in names:
                    add(Issue(el.name, attr, _("refers to ${{{ref}}}, which is not a question of this form").format(
                        ref=ref)))


def _check_expression(el, attr: str, text: str | None, names: set[str], add, *, choice_filter: bool = False,
                      defn: FormDefinition | None = None):
    if not text:
        return None
    try:
        parsed = expressions.parse(text, choice_filter=choice_filter)
    except ExpressionError as e:
        add(Issue(el.name, attr, e.message))
        return None
    for ref in sorted(parsed.refs - names):
        add(Issue(el.name, attr, _("refers to ${{{ref}}}, which is not a question of this form").format(ref=ref)))
    for ref in sorted(parsed.last_saved - names):
        add(Issue(el.name, attr, _("refers to ${{last-saved#{ref}}}, which is not a question of this form").format(
            ref=ref)))
    if defn is not None:
        for list_name in sorted(parsed.instances):
            if defn.list_for(list_name) is None:
                add(Issue(el.name, attr, _("instance('{list}') is neither a choice list nor a data file of this "
                                           "form").format(list=list_name)))
    return parsed
