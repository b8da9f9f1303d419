"""The state of one filled-in form: answers, what is visible, what is wrong.

`FormState` is what the form filler drives (and what tests drive without a window):

- `set_answer(path, value)`, `add_repeat(path)`, `remove_repeat(path)` change answers and
  return a `Change` naming the elements whose display may have moved, found from the
  dependency graph (`fieldapp.forms.dependencies`), so a window repaints only those;
- `pages()`, `page_items(i)`, `visible_questions()` say what to show, in the chosen
  language, with ${name} in labels replaced by the current answers;
- `check(path)` is the live validation of one question, `validate_all()` the check run
  before a submission is finalised: each `Problem` names the question by path and label;
- `to_answers()` is the JSON kept in `form_submission.answers`; `FormState(definition,
  answers)` reopens a draft.

Paths are text: a question outside repeats is its name ("budget"); inside repeats each
enclosing repeat is named with its instance number, counted from 1 as people count
("partners[2]/partner_name", "sites[1]/visits[3]/visit_date"). A repeat itself is
"partners" (all its instances) and "partners[2]" (one instance).

As in ODK, a question that becomes hidden (its relevance, or its group's, turns false)
loses its answer, and a calculation is recomputed whenever something it reads changes.
A value that does not fit its type (letters in a number) is kept as typed under
"__invalid__" so nothing typed is lost, and reported until corrected.
"""
from __future__ import annotations

import copy
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, cast

from fieldapp.core.formatting import format_decimal
from fieldapp.forms import expressions
from fieldapp.forms.answers import coerce_answer, expression_value
from fieldapp.forms.checks import literal_default, read_definition
from fieldapp.forms.definition import (
    AUDIT, CALCULATE, DEVICEID, EMAIL, END, HIDDEN, NOTE, SELECT_TYPES, START, TODAY, UNSHOWN_TYPES, USERNAME, Element,
    FormDefinition, Group, Question, Repeat, text_in,
)
from fieldapp.forms.dependencies import build
from fieldapp.forms.errors import EvaluationError, ExpressionError, FormStateError
from fieldapp.forms.expressions import NodeSet, Value
from fieldapp.i18n import _

INVALID_KEY = "__invalid__"
MAX_REPEAT_INSTANCES = 1000
MAX_AUDIT_LINES = 2000  # an audit log keeps its first lines: enough for any real session
# Metadata the caller may give (`FormState(..., metadata={...})`); the others stay empty.
DEVICE_METADATA = (DEVICEID, USERNAME, EMAIL)
_SEGMENT_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*)(?:\[(\d+)\])?")

Indices = tuple[int, ...]
Key = tuple[str, Indices]


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Problem:
    """Something to fix before finalising: `code` is one of required, type, choice,
    constraint, evaluation; `message` is in the chosen language."""

    path: str
    name: str
    label: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path} ({self.label}): {self.message}" if self.label else f"{self.path}: {self.message}"


@dataclass
class Change:
    """What a change touched: `names` of elements whose value, visibility, checks or label
    may have changed (every instance of them), `paths` of values that actually changed."""

    names: set[str] = field(default_factory=set)
    paths: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.names or self.paths)


@dataclass
class Item:
    """One thing the filler draws: a group or repeat heading, a repeat instance, a question."""

    kind: str  # "group" | "repeat" | "instance" | "question"
    name: str
    path: str
    depth: int
    element: Element
    label: str
    hint: str = ""
    value: Any = None
    raw: str | None = None  # text that did not fit the type, kept as typed
    required: bool = False
    read_only: bool = False
    appearance: str | None = None
    type: str | None = None  # question type
    count: int = 0  # repeat: number of instances


@dataclass
class Page:
    index: int
    name: str | None  # the top-level group, or None for loose top-level questions
    label: str
    visible: bool
    names: list[str]  # top-level elements on this page


# ----------------------------------------------------------------------------- compiled form
@dataclass
class _Meta:
    element: Element
    parents: tuple[Group, ...]
    chain: tuple[str, ...]  # enclosing repeats, outermost first (not the element itself)
    exprs: dict[str, expressions.Expression]
    position: int


class CompiledForm:
    """A definition with its expressions parsed and its dependency graph built, shared by
    every FormState of that definition (build once per definition, reuse)."""

    def __init__(self, defn: FormDefinition):
        self.defn = defn
        self.graph = build(defn)
        self.meta: dict[str, _Meta] = {}
        for pos, (el, parents) in enumerate(defn.walk()):
            chain = tuple(p.name for p in parents if isinstance(p, Repeat))
            exprs: dict[str, expressions.Expression] = {}
            for attr in ("relevant", "constraint", "calculation", "choice_filter", "required", "read_only", "count"):
                text = getattr(el, attr, None)
                if isinstance(text, str) and text:
                    try:
                        exprs[attr] = expressions.parse(text, choice_filter=attr == "choice_filter")
                    except ExpressionError as e:
                        raise FormStateError(_("{name}: {attr}: {message}").format(
                            name=el.name, attr=attr, message=e.message)) from None
            if isinstance(el, Question) and el.default_expression:
                exprs["default"] = expressions.parse(el.default_expression)
            self.meta[el.name] = _Meta(el, parents, chain, exprs, pos)
        self.choice_index = {name: {c.name: c for c in items} for name, items in defn.choices.items()}
        self.end_questions = [q.name for q in defn.questions() if q.type == END and not self.meta[q.name].chain]
        self.audit_questions = [q.name for q in defn.questions() if q.type == AUDIT and not self.meta[q.name].chain]
        self._rows: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.counted = [el.name for el, _p in defn.walk() if isinstance(el, Repeat) and el.count]

    def rows_of(self, list_name: str, lang: str) -> list[dict[str, str]]:
        """A choice list as rows {"name", "label" (in `lang`), other columns}, built once."""
        key = (list_name, lang)
        if key not in self._rows:
            found = self.defn.list_for(list_name)
            self._rows[key] = [{**c.columns, "name": c.name,
                                "label": text_in(c.label, lang, self.defn.default_language)}
                               for c in self.defn.choices.get(found, [])] if found else []
        return self._rows[key]


_COMPILED: dict[int, tuple[FormDefinition, CompiledForm]] = {}


def compile_form(defn: FormDefinition) -> CompiledForm:
    hit = _COMPILED.get(id(defn))
    if hit is not None and hit[0] is defn:
        return hit[1]
    compiled = CompiledForm(defn)
    if len(_COMPILED) > 64:
        _COMPILED.clear()
    _COMPILED[id(defn)] = (defn, compiled)
    return compiled


# ----------------------------------------------------------------------------- paths
def format_path(chain: tuple[str, ...], indices: Indices, name: str | None) -> str:
    parts = [f"{r}[{i + 1}]" for r, i in zip(chain, indices)]
    if name is not None:
        parts.append(name)
    return "/".join(parts)


# ----------------------------------------------------------------------------- context
class _Context:
    __slots__ = ("state", "chain", "indices", "value", "choice")

    def __init__(self, state: "FormState", chain: tuple[str, ...], indices: Indices, value: Value = "",
                 choice=None):
        self.state, self.chain, self.indices, self.value, self.choice = state, chain, indices, value, choice

    def lookup(self, name: str) -> Value:
        return self.state._lookup(name, self.chain, self.indices)

    def current(self) -> Value:
        return self.value

    def column(self, name: str) -> Value:
        c = self.choice
        if c is None:
            return ""
        if name == "name":
            return c.name
        if name == "label":
            return text_in(c.label, self.state.language, self.state.definition.default_language)
        if name.startswith("label::"):  # label::English in a choice filter: that language's label
            from fieldapp.forms.xlsform import language_code

            return c.label.get(language_code(name[7:]), "")
        return c.columns.get(name, "")

    def all_values(self, name: str) -> Value:
        """Every instance of `name` in document order (indexed-repeat)."""
        v = self.state._lookup(name, (), ())
        return v if isinstance(v, NodeSet) else NodeSet((v,))

    def position(self) -> int:
        """The instance number (from 1) of the innermost repeat being evaluated."""
        return self.indices[-1] + 1 if self.indices else 0

    def choice_label(self, name: str, code: str) -> str:
        """jr:choice-name: the label of choice `code` of question `name`, or '' if none."""
        meta = self.state.form.meta.get(name)
        q = meta.element if meta else None
        if not isinstance(q, Question) or not q.choices:
            return ""
        choice = self.state.form.choice_index.get(q.choices, {}).get(code)
        return text_in(choice.label, self.state.language, self.state.definition.default_language) if choice else ""

    def last_saved(self, name: str) -> Value:
        meta = self.state.form.meta.get(name)
        q = meta.element if meta and isinstance(meta.element, Question) and not meta.chain else None
        return expression_value(q, self.state._last_saved.get(name)) if q else ""

    def instance_rows(self, list_name: str) -> list[dict[str, str]]:
        """Rows of a choice list or data file, for instance(...) lookups and pulldata()."""
        return self.state.form.rows_of(list_name, self.state.language)

    def today(self) -> dt.date:
        return self.state._now().astimezone().date()

    def now(self) -> dt.datetime:
        return self.state._now()


# ----------------------------------------------------------------------------- state
class FormState:
    """One submission being filled in. See the module docstring."""

    def __init__(self, definition: FormDefinition | dict | str, answers: dict | None = None, *,
                 language: str | None = None, now: Callable[[], dt.datetime] | None = None,
                 metadata: Mapping[str, str] | None = None, last_saved: Mapping[str, Any] | None = None):
        """`metadata`: what this device knows of itself for the metadata questions of a new
        submission: {"deviceid": installation id, "username": signed-in user, "email": ...};
        `last_saved`: the answers of the last submission of this form saved on this device,
        read by ${last-saved#name} (none: read as empty, as ODK does for a first one)."""
        self._last_saved = dict(last_saved or {})
        if not isinstance(definition, FormDefinition):
            definition = read_definition(definition)
        self.definition = definition
        self.form = compile_form(definition)
        self.language = language or definition.default_language
        self._clock = now
        self.errors: dict[str, str] = {}  # path -> evaluation error, for the curious
        self._hidden: set[Key] = set()
        self.invalid: dict[str, str] = {}
        fresh = answers is None
        self.data: dict[str, Any] = {}
        if not fresh:
            self._load(answers or {})
        if fresh:
            self._apply_defaults((), ())
            now_iso = self._now().isoformat(timespec="seconds")
            for q in definition.questions():
                if q.type == START or q.type == END:
                    self._store(q.name, (), now_iso)
                elif q.type == TODAY:
                    self._store(q.name, (), self._now().astimezone().date().isoformat())
                elif q.type in DEVICE_METADATA and metadata and metadata.get(q.type):
                    self._store(q.name, (), str(metadata[q.type]))
                elif q.type == AUDIT:
                    self._store(q.name, (), f"event,node,time\nform start,,{now_iso}")
        self._recompute(self.form.graph.order)
        if self.form.counted and self._sync_counts():
            self._recompute(self.form.graph.order)

    # -- time
    def _now(self) -> dt.datetime:
        return self._clock() if self._clock else dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    # -- storage helpers
    def _meta(self, name: str) -> _Meta:
        try:
            return self.form.meta[name]
        except KeyError:
            raise FormStateError(_("'{name}' is not a question of this form").format(name=name)) from None

    def _container(self, chain: tuple[str, ...], indices: Indices) -> dict | None:
        d = self.data
        for r, i in zip(chain, indices):
            items = d.get(r)
            if not isinstance(items, list) or i >= len(items):
                return None
            d = items[i]
        return d

    def _get(self, name: str, indices: Indices) -> Any:
        d = self._container(self._meta(name).chain, indices)
        return None if d is None else d.get(name)

    def _store(self, name: str, indices: Indices, value: Any) -> bool:
        d = self._container(self._meta(name).chain, indices)
        if d is None:
            return False
        old = d.get(name)
        if value is None:
            d.pop(name, None)
        else:
            d[name] = value
        return old != value

    def _instances(self, chain: tuple[str, ...], prefix: Indices = ()) -> list[Indices]:
        """Every combination of instance numbers for elements living under `chain`."""
        out: list[Indices] = [()]
        for depth, r in enumerate(chain):
            nxt: list[Indices] = []
            for idx in out:
                d = self._container(chain[:depth], idx)
                items = d.get(r) if d is not None else None
                count = len(items) if isinstance(items, list) else 0
                if depth < len(prefix):
                    if prefix[depth] < count:
                        nxt.append(idx + (prefix[depth],))
                else:
                    nxt.extend(idx + (i,) for i in range(count))
            out = nxt
        return out

    def _lookup(self, name: str, chain: tuple[str, ...], indices: Indices) -> Value:
        meta = self.form.meta.get(name)
        if meta is None:
            return ""
        k = 0
        while k < len(meta.chain) and k < len(chain) and meta.chain[k] == chain[k]:
            k += 1
        if isinstance(meta.element, Repeat):  # its instances, as count() wants them
            total = 0
            for idx in self._instances(meta.chain, indices[:k]):
                d = self._container(meta.chain, idx)
                items = d.get(name) if d is not None else None
                total += len(items) if isinstance(items, list) else 0
            return NodeSet([""] * total)
        q = meta.element if isinstance(meta.element, Question) else None
        if k == len(meta.chain):
            return expression_value(q, self._get(name, indices[:k]))
        return NodeSet(expression_value(q, self._get(name, idx)) for idx in self._instances(meta.chain, indices[:k]))

    # -- loading and saving
    def _load(self, answers: dict) -> None:
        if not isinstance(answers, dict):
            raise FormStateError(_("the answers must be a JSON object"))
        invalid = answers.get(INVALID_KEY)
        if isinstance(invalid, dict):
            self.invalid = {k: v for k, v in invalid.items() if isinstance(k, str) and isinstance(v, str)}
        self.data = self._load_level(answers, (), ())

    def _load_level(self, source: dict, chain: tuple[str, ...], indices: Indices) -> dict:
        out: dict[str, Any] = {}
        for key, value in source.items():
            if key == INVALID_KEY:
                continue
            meta = self.form.meta.get(key)
            if meta is None or meta.chain != chain:
                out[key] = copy.deepcopy(value)  # not of this definition: kept untouched
                continue
            el = meta.element
            if isinstance(el, Repeat):
                items = value if isinstance(value, list) else []
                out[key] = [self._load_level(v if isinstance(v, dict) else {}, chain + (key,), indices + (i,))
                            for i, v in enumerate(items[:MAX_REPEAT_INSTANCES])]
            elif isinstance(el, Question) and not el.is_input:
                if isinstance(value, (str, int, float, bool)):  # calculated: recomputed after loading
                    out[key] = value
            elif isinstance(el, Question):
                try:
                    clean = self._coerce(el, value)
                except ValueError:
                    clean = None
                    self.invalid[format_path(chain, indices, key)] = expressions.to_string(value) \
                        if not isinstance(value, (dict, list)) else str(value)
                if clean is not None:
                    out[key] = clean
        return out

    def to_answers(self) -> dict[str, Any]:
        """The JSON stored in form_submission.answers (a deep copy)."""
        out = copy.deepcopy(self.data)
        if self.invalid:
            out[INVALID_KEY] = dict(self.invalid)
        return out

    # -- paths
    def resolve(self, path: str) -> tuple[str, Indices]:
        """(element name, instance indices) of a path; FormStateError if it names nothing."""
        if not isinstance(path, str) or not path:
            raise FormStateError(_("'{path}' is not a path of this form").format(path=path))
        segments = path.split("/")
        chain: list[str] = []
        indices: list[int] = []
        for seg in segments[:-1]:
            m = _SEGMENT_RE.fullmatch(seg)
            if not m or m.group(2) is None:
                raise FormStateError(_("'{path}' is not a path of this form").format(path=path))
            chain.append(m.group(1))
            indices.append(int(m.group(2)) - 1)
        m = _SEGMENT_RE.fullmatch(segments[-1])
        if not m:
            raise FormStateError(_("'{path}' is not a path of this form").format(path=path))
        name = m.group(1)
        if m.group(2) is not None:  # a repeat instance: "partners[2]"
            chain.append(name)
            indices.append(int(m.group(2)) - 1)
        meta = self._meta(name)
        expected = meta.chain + ((name,) if m.group(2) is not None else ())
        if tuple(chain) != expected or any(i < 0 for i in indices):
            raise FormStateError(_("'{path}' is not a path of this form").format(path=path))
        if m.group(2) is not None and not isinstance(meta.element, Repeat):
            raise FormStateError(_("'{path}' is not a path of this form").format(path=path))
        idx = tuple(indices)
        container = self._container(tuple(chain), idx)
        if container is None:
            raise FormStateError(_("'{path}' names a repeat instance that does not exist").format(path=path))
        return name, idx

    def path_of(self, name: str, indices: Indices = ()) -> str:
        return format_path(self._meta(name).chain, indices, name)

    # -- reading
    def value(self, path: str) -> Any:
        name, idx = self.resolve(path)
        return copy.deepcopy(self._get(name, idx))

    def raw(self, path: str) -> str | None:
        return self.invalid.get(path)

    def is_relevant(self, path: str) -> bool:
        name, idx = self.resolve(path)
        meta = self._meta(name)
        return self._relevant(name, idx[:len(meta.chain)])

    def _relevant(self, name: str, idx: Indices) -> bool:
        return (name, idx) not in self._hidden

    def is_read_only(self, path: str) -> bool:
        name, idx = self.resolve(path)
        return self._read_only(name, idx)

    def _read_only(self, name: str, idx: Indices) -> bool:
        meta = self._meta(name)
        el = meta.element
        if not isinstance(el, Question):
            return False
        if el.calculation or el.type in (NOTE, *UNSHOWN_TYPES):
            return True
        if el.read_only is True:
            return True
        if "read_only" in meta.exprs:
            return self._truth(meta, "read_only", idx, default=False)
        return False

    def is_required(self, path: str) -> bool:
        name, idx = self.resolve(path)
        return self._required(name, idx)

    def _required(self, name: str, idx: Indices) -> bool:
        meta = self._meta(name)
        el = meta.element
        if not isinstance(el, Question) or not el.is_input:
            return False
        if el.required is True:
            return True
        if "required" in meta.exprs:
            return self._truth(meta, "required", idx, default=False)
        return False

    def _truth(self, meta: _Meta, attr: str, idx: Indices, default: bool, value: Value = "") -> bool:
        try:
            return expressions.to_bool(meta.exprs[attr].evaluate(_Context(self, meta.chain, idx, value)))
        except EvaluationError as e:
            self.errors[format_path(meta.chain, idx, meta.element.name)] = str(e)
            return default

    def repeat_count(self, path: str) -> int:
        """Number of instances of the repeat named by `path` ("partners", "sites[1]/visits")."""
        name, idx = self.resolve(path)
        meta = self._meta(name)
        if not isinstance(meta.element, Repeat):
            raise FormStateError(_("'{path}' is not a repeat").format(path=path))
        d = self._container(meta.chain, idx[:len(meta.chain)])
        items = d.get(name) if d else None
        return len(items) if isinstance(items, list) else 0

    def choices(self, path: str, lang: str | None = None) -> list[tuple[str, str]]:
        """(code, label) of the choices offered to a select question, after its choice filter."""
        name, idx = self.resolve(path)
        meta = self._meta(name)
        q = meta.element
        if not isinstance(q, Question) or q.type not in SELECT_TYPES:
            raise FormStateError(_("'{path}' is not a select question").format(path=path))
        return [(c.name, text_in(c.label, lang or self.language, self.definition.default_language))
                for c in self._offered(meta, idx)]

    def _offered(self, meta: _Meta, idx: Indices) -> list:
        q = cast(Question, meta.element)  # a select question (select_choices checked it)
        items = self.definition.choices.get(q.choices or "", [])
        expr = meta.exprs.get("choice_filter")
        if expr is None:
            return list(items)
        out = []
        for c in items:
            try:
                if expressions.to_bool(expr.evaluate(_Context(self, meta.chain, idx, "", choice=c))):
                    out.append(c)
            except EvaluationError as e:
                self.errors[format_path(meta.chain, idx, q.name)] = str(e)
                return list(items)
        return out

    def label(self, path: str, lang: str | None = None) -> str:
        name, idx = self.resolve(path)
        return self._text(self._meta(name), "label", idx, lang)

    def _text(self, meta: _Meta, attr: str, idx: Indices, lang: str | None, text: dict | None = None) -> str:
        raw = text_in(text if text is not None else getattr(meta.element, attr),
                      lang or self.language, self.definition.default_language)
        if "${" not in raw:
            return raw
        return expressions.render_label(raw, lambda n: self._display(n, meta.chain, idx, lang))

    def _display(self, name: str, chain: tuple[str, ...], idx: Indices, lang: str | None = None) -> Value:
        """An answer as a label shows it: numbers in the reader's locale (Babel), a choice
        by its label, several choices joined by commas."""
        if name.startswith("last-saved#"):
            return expressions.to_string(_Context(self, (), ()).last_saved(name[11:]))
        v = self._lookup(name, chain, idx)
        v = v[0] if isinstance(v, NodeSet) and v else ("" if isinstance(v, NodeSet) else v)
        lang = lang or self.language
        meta = self.form.meta.get(name)
        el = meta.element if meta else None
        if isinstance(el, Question) and el.type in SELECT_TYPES and isinstance(v, str) and v:
            index = self.form.choice_index.get(el.choices or "", {})
            return ", ".join(text_in(index[c].label, lang, self.definition.default_language) if c in index else c
                             for c in v.split())
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            try:
                return format_decimal(v, lang)
            except Exception:  # a language Babel does not know: plain XPath formatting
                pass
        return expressions.to_string(v)

    # -- writing
    def _coerce(self, q: Question, value: Any) -> Any:
        codes = None
        if q.type in SELECT_TYPES:
            codes = set(self.form.choice_index.get(q.choices or "", {}))
        return coerce_answer(q, value, codes)

    def set_answer(self, path: str, value: Any) -> Change:
        """Record an answer (None or "" clears it) and recompute what depends on it.

        A value of the wrong type is kept as typed (see `raw`) and reported by `check`;
        writing a calculated, read-only, hidden or unknown question raises FormStateError.
        """
        name, idx = self.resolve(path)
        meta = self._meta(name)
        q = meta.element
        if not isinstance(q, Question):
            raise FormStateError(_("'{path}' is not a question").format(path=path))
        if not q.is_input or self._read_only(name, idx):
            raise FormStateError(_("'{path}' is read-only").format(path=path))
        if not self._relevant(name, idx):
            raise FormStateError(_("'{path}' is hidden and cannot be answered now").format(path=path))
        try:
            clean = self._coerce(q, value)
        except ValueError:
            clean = None
            raw = value if isinstance(value, str) else expressions.to_string(value) \
                if not isinstance(value, (dict, list)) else str(value)
            invalid_changed = self.invalid.get(path) != raw
            self.invalid[path] = raw
        else:
            invalid_changed = self.invalid.pop(path, None) is not None
        changed = self._store(name, idx, clean)
        result = Change()
        if invalid_changed:
            result.names.add(name)
            result.paths.add(path)
        if changed:
            self._touch_end(path)
            result.paths.add(path)
            redo, refresh = self.form.graph.affected({name})
            result.paths |= self._recompute(redo)
            result.names |= refresh
            if self.form.counted and self._sync_counts():
                result.paths |= self._recompute(self.form.graph.order)
                result.names |= set(self.form.counted)
        return result

    def _touch_end(self, path: str | None = None) -> None:
        now_iso = self._now().isoformat(timespec="seconds")
        for name in self.form.end_questions:
            self._store(name, (), now_iso)
        for name in self.form.audit_questions:  # ODK's audit log: one line per answer changed
            log = self._get(name, ()) or "event,node,time"
            if path is not None and log.count("\n") < MAX_AUDIT_LINES:
                self._store(name, (), f"{log}\nquestion,{path},{now_iso}")

    def _sync_counts(self) -> bool:
        """Give each repeat with a count (XLSForm's repeat_count) that many entries: new
        ones get their defaults, the last ones go when the count falls. True if any moved."""
        moved = False
        for name in self.form.counted:
            meta = self.form.meta[name]
            expr = meta.exprs["count"]
            for idx in self._instances(meta.chain):
                if not self._relevant(name, idx):
                    continue
                try:
                    n = expressions.to_number(expr.evaluate(_Context(self, meta.chain, idx)))
                except EvaluationError:
                    n = 0.0
                wanted = 0 if math.isnan(n) else max(0, min(MAX_REPEAT_INSTANCES, int(n)))
                d = self._container(meta.chain, idx)
                if d is None:
                    continue
                items = d.setdefault(name, [])
                while len(items) < wanted:
                    items.append({})
                    self._apply_defaults(meta.chain + (name,), idx + (len(items) - 1,))
                    moved = True
                while len(items) > wanted:
                    items.pop()
                    moved = True
        return moved

    def add_repeat(self, path: str) -> str:
        """Add an instance at the end of a repeat and return its path ("partners[3]")."""
        name, idx = self.resolve(path)
        meta = self._meta(name)
        if not isinstance(meta.element, Repeat):
            raise FormStateError(_("'{path}' is not a repeat").format(path=path))
        if meta.element.count:
            raise FormStateError(_("the form sets how many entries '{path}' has").format(path=path))
        idx = idx[:len(meta.chain)]
        if not self._relevant(name, idx):
            raise FormStateError(_("'{path}' is hidden and cannot be answered now").format(path=path))
        d = self._container(meta.chain, idx)
        assert d is not None
        items = d.setdefault(name, [])
        if len(items) >= MAX_REPEAT_INSTANCES:
            raise FormStateError(_("'{path}' cannot have more than {n} entries").format(path=path,
                                                                                       n=MAX_REPEAT_INSTANCES))
        items.append({})
        new = idx + (len(items) - 1,)
        self._apply_defaults(meta.chain + (name,), new)
        self._recompute(self.form.graph.order)
        self._touch_end()
        return format_path(meta.chain + (name,), new, None)

    def remove_repeat(self, path: str) -> None:
        """Remove one instance ("partners[2]"); later instances move up by one."""
        name, idx = self.resolve(path)
        meta = self._meta(name)
        if not isinstance(meta.element, Repeat) or len(idx) != len(meta.chain) + 1:
            raise FormStateError(_("'{path}' is not a repeat instance").format(path=path))
        if meta.element.count:
            raise FormStateError(_("the form sets how many entries '{path}' has").format(path=path))
        d = self._container(meta.chain, idx[:-1])
        assert d is not None
        d[name].pop(idx[-1])
        # Paths of invalid raw text inside later instances shift with them.
        prefix = format_path(meta.chain, idx[:-1], None)
        prefix = (prefix + "/" if prefix else "") + name + "["
        moved: dict[str, str] = {}
        for p, raw in self.invalid.items():
            if p.startswith(prefix):
                n_text, rest = p[len(prefix):].split("]", 1)
                n = int(n_text) - 1
                if n == idx[-1]:
                    continue
                moved[f"{prefix}{n if n > idx[-1] else n + 1}]{rest}"] = raw
            else:
                moved[p] = raw
        self.invalid = moved
        self._recompute(self.form.graph.order)
        self._touch_end()

    def _apply_defaults(self, chain: tuple[str, ...], idx: Indices) -> None:
        """Defaults of the questions living directly under `chain` (one instance)."""
        for name, meta in self.form.meta.items():
            el = meta.element
            if meta.chain != chain or not isinstance(el, Question) or el.default is None:
                continue
            self._apply_default(meta, idx)

    def _apply_default(self, meta: _Meta, idx: Indices) -> bool:
        q = cast(Question, meta.element)  # only questions have defaults
        if "default" in meta.exprs:
            try:
                value = expressions.result_value(meta.exprs["default"].evaluate(_Context(self, meta.chain, idx)))
            except EvaluationError:
                return False
            try:
                value = self._coerce(q, value)
            except ValueError:
                return False
        else:
            try:
                value = literal_default(q, q.default)
            except ValueError:
                return False
        return self._store(q.name, idx, value)

    # -- recomputation
    def _recompute(self, names: list[str]) -> set[str]:
        """Relevance and calculations of `names` (in evaluation order), every instance.
        Returns the paths whose value changed."""
        changed: set[str] = set()
        for name in names:
            meta = self.form.meta[name]
            el = meta.element
            rel_expr = meta.exprs.get("relevant")
            calc_expr = meta.exprs.get("calculation")
            parent = meta.parents[-1] if meta.parents else None
            for idx in self._instances(meta.chain):
                key = (name, idx)
                was_visible = key not in self._hidden
                visible = True
                if parent is not None:
                    pchain = self.form.meta[parent.name].chain
                    visible = (parent.name, idx[:len(pchain)]) not in self._hidden
                if visible and rel_expr is not None:
                    try:
                        visible = expressions.to_bool(rel_expr.evaluate(_Context(self, meta.chain, idx)))
                    except EvaluationError as e:
                        self.errors[format_path(meta.chain, idx, name)] = str(e)
                        visible = True
                if visible:
                    self._hidden.discard(key)
                else:
                    self._hidden.add(key)
                if not isinstance(el, Question):
                    continue
                path = format_path(meta.chain, idx, name)
                if not visible:
                    if self._store(name, idx, None):
                        changed.add(path)
                    self.invalid.pop(path, None)
                    continue
                if calc_expr is not None:
                    try:
                        value = expressions.result_value(calc_expr.evaluate(
                            _Context(self, meta.chain, idx, expression_value(el, self._get(name, idx)))))
                        self.errors.pop(path, None)
                    except EvaluationError as e:
                        self.errors[path] = str(e)
                        value = None
                    if value is not None and el.type not in (CALCULATE, HIDDEN):
                        try:
                            value = self._coerce(el, value)
                        except ValueError:
                            value = None
                    if self._store(name, idx, value):
                        changed.add(path)
                elif not was_visible and el.default is not None and self._get(name, idx) is None:
                    if self._apply_default(meta, idx):
                        changed.add(path)
        return changed

    # -- validation
    def check(self, path: str, lang: str | None = None) -> list[Problem]:
        """Live validation of one question: its problems now (none when it is hidden)."""
        name, idx = self.resolve(path)
        return self._check(self._meta(name), idx, lang or self.language)

    def _check(self, meta: _Meta, idx: Indices, lang: str) -> list[Problem]:
        q = meta.element
        if not isinstance(q, Question) or not q.is_input:
            return []
        if not self._visible_chain(meta, idx):
            return []
        path = format_path(meta.chain, idx, q.name)
        label = self._text(meta, "label", idx, lang)
        problem = lambda code, message: Problem(path, q.name, label, code, message)  # noqa: E731
        if path in self.invalid:
            try:
                self._coerce(q, self.invalid[path])
            except ValueError as e:
                return [problem("type", str(e))]
            return [problem("type", _("The answer does not fit the question"))]
        value = self._get(q.name, idx)
        if value is None:
            if self._required(q.name, idx):
                message = self._text(meta, "required_message", idx, lang) or _("An answer is required")
                return [problem("required", message)]
            return []
        out: list[Problem] = []
        if q.type in SELECT_TYPES and "choice_filter" in meta.exprs:
            offered = {c.name for c in self._offered(meta, idx)}
            for code in (value if isinstance(value, list) else [value]):
                if code not in offered:
                    out.append(problem("choice", _("'{code}' is not offered for this answer any more").format(
                        code=code)))
                    break
        if "constraint" in meta.exprs:
            try:
                ok = expressions.to_bool(meta.exprs["constraint"].evaluate(
                    _Context(self, meta.chain, idx, expression_value(q, value))))
            except EvaluationError as e:
                out.append(problem("evaluation", _("The answer could not be checked: {reason}").format(reason=str(e))))
            else:
                if not ok:
                    message = self._text(meta, "constraint_message", idx, lang) or \
                        _("The answer does not meet the rule {rule}").format(rule=q.constraint)
                    out.append(problem("constraint", message))
        return out

    def _visible_chain(self, meta: _Meta, idx: Indices) -> bool:
        return (meta.element.name, idx[:len(meta.chain)]) not in self._hidden

    def validate_all(self, lang: str | None = None) -> list[Problem]:
        """Every problem of the visible questions, in document order: what finalising
        must refuse. Empty means the submission can be finalised."""
        lang = lang or self.language
        out: list[Problem] = []

        def walk(elements: list[Element], idx: Indices) -> None:
            for el in elements:
                meta = self.form.meta[el.name]
                if isinstance(el, Repeat):
                    for i in range(len((self._container(meta.chain, idx) or {}).get(el.name) or [])):
                        walk(el.children, idx + (i,))
                elif isinstance(el, Group):
                    walk(el.children, idx)
                elif el.is_input:
                    out.extend(self._check(meta, idx, lang))

        walk(self.definition.children, ())
        return out

    # -- what to show
    def pages(self, lang: str | None = None) -> list[Page]:
        """A page per top-level group; questions outside any group gather on pages of
        their own between them."""
        lang = lang or self.language
        pages: list[Page] = []
        loose: list[str] = []

        def flush() -> None:
            if loose and not any(self._shown(self.form.meta[n]) for n in loose):
                loose.clear()  # only calculations and metadata: nothing to show, no page
            if loose:
                visible = any((n, ()) not in self._hidden and self._shown(self.form.meta[n]) for n in loose)
                pages.append(Page(len(pages), None, self.definition.title_in(lang), visible, list(loose)))
                loose.clear()

        for el in self.definition.children:
            if isinstance(el, Group):
                flush()
                meta = self.form.meta[el.name]
                pages.append(Page(len(pages), el.name, self._text(meta, "label", (), lang) or el.name,
                                  (el.name, ()) not in self._hidden, [el.name]))
            else:
                loose.append(el.name)
        flush()
        return pages

    def page_of(self, path: str) -> int:
        """Index of the page showing `path` (a question, group or repeat instance): where
        the filler jumps to when finalising points at a problem."""
        name, _idx = self.resolve(path)
        meta = self._meta(name)
        top = meta.parents[0].name if meta.parents else name
        for page in self.pages():
            if top in page.names:
                return page.index
        raise FormStateError(_("'{path}' is not shown on any page").format(path=path))

    def first_page(self, lang: str | None = None) -> int:
        """Index of the first visible page (where the filler opens)."""
        return next((p.index for p in self.pages(lang) if p.visible), 0)

    @staticmethod
    def _shown(meta: _Meta) -> bool:
        el = meta.element
        return not (isinstance(el, Question) and el.type in UNSHOWN_TYPES)

    def page_items(self, index: int, lang: str | None = None) -> list[Item]:
        pages = self.pages(lang)
        if not 0 <= index < len(pages):
            raise FormStateError(_("there is no page {n}").format(n=index + 1))
        items: list[Item] = []
        elements = self.form.meta
        for name in pages[index].names:
            self._items(elements[name].element, (), 0, lang or self.language, items)
        return items

    def items(self, lang: str | None = None) -> list[Item]:
        """Everything visible, in document order (all pages)."""
        out: list[Item] = []
        for el in self.definition.children:
            self._items(el, (), 0, lang or self.language, out)
        return out

    def visible_questions(self, lang: str | None = None) -> list[Item]:
        return [i for i in self.items(lang) if i.kind == "question"]

    def _items(self, el: Element, idx: Indices, depth: int, lang: str, out: list[Item]) -> None:
        meta = self.form.meta[el.name]
        if (el.name, idx) in self._hidden or not self._shown(meta):
            return
        label = self._text(meta, "label", idx, lang)
        hint = self._text(meta, "hint", idx, lang)
        if isinstance(el, Repeat):
            d = self._container(meta.chain, idx)
            instances = d.get(el.name, []) if d else []
            path = format_path(meta.chain, idx, el.name)
            out.append(Item("repeat", el.name, path, depth, el, label, hint, appearance=el.appearance,
                            count=len(instances)))
            for i in range(len(instances)):
                inner = idx + (i,)
                out.append(Item("instance", el.name, format_path(meta.chain + (el.name,), inner, None), depth + 1, el,
                                f"{label} {i + 1}" if label else str(i + 1), appearance=el.appearance))
                for child in el.children:
                    self._items(child, inner, depth + 2, lang, out)
            return
        if isinstance(el, Group):
            out.append(Item("group", el.name, format_path(meta.chain, idx, el.name), depth, el, label, hint,
                            appearance=el.appearance))
            for child in el.children:
                self._items(child, idx, depth + 1, lang, out)
            return
        path = format_path(meta.chain, idx, el.name)
        out.append(Item("question", el.name, path, depth, el, label, hint, copy.deepcopy(self._get(el.name, idx)),
                        self.invalid.get(path), self._required(el.name, idx), self._read_only(el.name, idx),
                        el.appearance, el.type))

    def iter_answers(self) -> Iterator[tuple[str, Any]]:
        """(path, value) of every answered question, in document order (exports, summaries)."""
        for name, meta in self.form.meta.items():
            if isinstance(meta.element, Question):
                for idx in self._instances(meta.chain):
                    v = self._get(name, idx)
                    if v is not None:
                        yield format_path(meta.chain, idx, name), copy.deepcopy(v)

