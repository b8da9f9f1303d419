"""The vocabulary the one schema is written in: fields, entities, and how a value is checked.

Everything that needs a field list (local tables, server tables, wire validation, editors,
imports, exports) reads it from `fieldapp.core.schema`, which is written with these types.
Validation lives here, next to the types, so that the client, the importer and the server
give the same message for the same mistake.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field as dc_field, replace
from typing import Any, Callable, Mapping

from fieldapp.i18n import LANGUAGES, N_, _

# Field kinds. Each maps to one SQL storage type and one validator below.
TEXT = "text"  # one line
LONGTEXT = "longtext"  # paragraphs
INT = "int"
DECIMAL = "decimal"
BOOL = "bool"
DATE = "date"  # ISO 8601 YYYY-MM-DD
DATETIME = "datetime"  # ISO 8601 UTC, seconds or better
CHOICE = "choice"  # one code, from `choices` or from a reference list
MULTI = "multi"  # a list of codes (stored as a JSON array)
REF = "ref"  # the UUID of a row of another entity
JSON = "json"  # a JSON document (form answers, definitions, translations)
EMAIL = "email"
URL = "url"
SCORE = "score"  # WOCAT impact score, an integer from -3 to +3
URLS = "urls"  # a list of links (stored as a JSON array)

KINDS = {TEXT, LONGTEXT, INT, DECIMAL, BOOL, DATE, DATETIME, CHOICE, MULTI, REF, JSON, EMAIL, URL, SCORE, URLS}
LIST_KINDS = {MULTI, URLS}

MAX_TEXT = 500
MAX_LONGTEXT = 100_000
MAX_JSON = 2_000_000
MIN_INT, MAX_INT = -(2**31), 2**31 - 1  # the SQL INTEGER both databases store

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class Field:
    """One field of a synced entity; `label` and `help` are English msgids for gettext."""

    name: str
    kind: str
    label: str
    required: bool = False
    choices: tuple[str, ...] | None = None  # allowed codes, when they are fixed in code
    ref_list: str | None = None  # or: the reference list whose codes are allowed
    ref: str | None = None  # for REF: the entity pointed at
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    search: str | None = None  # "title" or "body": which part of the search index it feeds
    default: Any = None
    help: str = ""
    unit: str = ""
    wocat: str = ""  # the WOCAT/QCAT question this aligns with, for reviewers and exports
    translatable: bool = False  # a reader may want it in their language: the entity grows a copy per language
    translation_of: str | None = None  # on such a copy: the field it translates ...
    language: str | None = None  # ... and the language it is written in

    def __post_init__(self) -> None:
        assert self.kind in KINDS, self.kind
        assert self.search in (None, "title", "body"), self.search
        if self.kind in (CHOICE, MULTI):
            assert (self.choices is None) != (self.ref_list is None), f"{self.name}: choices xor ref_list"
        if self.kind == REF:
            assert self.ref, f"{self.name}: REF needs ref="
        if self.translatable:
            assert self.kind in (TEXT, LONGTEXT), f"{self.name}: only text is translatable"

    @property
    def is_list(self) -> bool:
        return self.kind in LIST_KINDS

    @property
    def limit(self) -> int:
        if self.max_length:
            return self.max_length
        return MAX_TEXT if self.kind in (TEXT, EMAIL, URL) else MAX_LONGTEXT


@dataclass(frozen=True)
class Entity:
    """A synced table. `scope` names the field holding the region a row belongs to
    (None: global, readable by everyone, written by administrators only).
    `parent` names the REF field whose row owns this one (meeting parts, contacts, media):
    a child takes its parent's region when it has none of its own."""

    name: str
    label: str
    plural: str
    fields: tuple[Field, ...]
    scope: str | None = "region"
    parent: str | None = None
    title: str = "title"  # the field a list shows first and search names a hit by
    order_by: str | None = None  # default list order
    admin_only: bool = False  # writes by administrators only (reference data, form templates)
    reviewed: tuple[str, ...] = ()  # fields only reviewers may set (review status, comment)
    language_field: str = "language"  # the language the record is written in (with translatable fields)
    _by_name: dict[str, Field] = dc_field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Each translatable field gets one ordinary field per language (`title_es`...):
        # a translation then syncs, merges and conflicts field by field like any other
        # value, so two people translating into two languages never collide.
        copies = tuple(translation_copy(f, lang) for f in self.fields if f.translatable for lang in TRANSLATION_LANGUAGES)
        if copies:
            assert any(f.name == self.language_field for f in self.fields), f"{self.name}: translatable without {self.language_field}"
            object.__setattr__(self, "fields", self.fields + copies)
        names = [f.name for f in self.fields]
        assert len(names) == len(set(names)), f"{self.name}: duplicate field"
        assert not set(names) & set(META_COLUMNS), f"{self.name}: field shadows a meta column"
        self._by_name.update({f.name: f for f in self.fields})
        assert self.title in self._by_name, f"{self.name}: title field {self.title!r}"
        for key in (self.scope, self.parent):
            assert key is None or key in self._by_name, f"{self.name}: {key}"

    def field(self, name: str) -> Field:
        return self._by_name[name]

    def has(self, name: str) -> bool:
        return name in self._by_name

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def search_fields(self, part: str) -> list[Field]:
        return [f for f in self.fields if f.search == part]

    @property
    def searchable(self) -> bool:
        return any(f.search for f in self.fields)

    @property
    def own_fields(self) -> list[Field]:
        """The fields as declared, without the per-language copies (what a form shows)."""
        return [f for f in self.fields if f.translation_of is None]

    @property
    def translatable_fields(self) -> list[Field]:
        return [f for f in self.fields if f.translatable]

    @property
    def translated(self) -> bool:
        return any(f.translatable for f in self.fields)

    def translation(self, name: str, lang: str) -> Field:
        """The copy of field `name` in language `lang` (KeyError when there is none)."""
        return self._by_name[translation_name(name, lang)]


# The languages a record can be translated into: the six UN languages the interface
# speaks (fieldapp.i18n), so every reader finds the record in their own.
TRANSLATION_LANGUAGES: tuple[str, ...] = LANGUAGES


def translation_name(name: str, lang: str) -> str:
    return f"{name}_{lang}"


def translation_copy(f: Field, lang: str) -> Field:
    """The field holding `f` in language `lang`: same kind, limits and search part,
    never required (a record need not exist in every language)."""
    return replace(f, name=translation_name(f.name, lang), required=False, default=None, wocat="", help="",
                   translatable=False, translation_of=f.name, language=lang)


# Columns every synced row carries besides its own fields, on the client and the server.
# field_versions: {field: server version the local value is based on}
# field_clocks: {field: hybrid logical clock of the last write}
META_COLUMNS = ("id", "created_at", "updated_at", "author", "deleted", "field_versions", "field_clocks")


@dataclass(frozen=True)
class FieldError:
    """A problem with one value: `code` is stable for machines, `message` speaks to people."""

    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"error": self.code, "field": self.field, "message": self.message}


class ValidationError(ValueError):
    """Raised by the store and the importer; carries every problem, not just the first."""

    def __init__(self, entity: str, errors: list[FieldError]):
        self.entity = entity
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))


# A reference lookup tells whether a code belongs to a reference list.
CodeCheck = Callable[[str, str], bool]


def _err(f: Field, code: str, message: str, **kw: Any) -> FieldError:
    return FieldError(f.name, code, _(message).format(label=_(f.label), **kw))


def coerce(f: Field, value: Any) -> Any:
    """Turn what a form, a CSV cell or a JSON body holds into the stored value, or raise
    ValueError with a person-readable reason. Empty strings become None."""
    if isinstance(value, str) and f.kind not in (LONGTEXT, JSON):
        value = value.strip()
    if value is None or value == "" or (f.is_list and value == []):
        return [] if f.is_list and value == [] else None
    k = f.kind
    if k in (TEXT, LONGTEXT, EMAIL, URL, CHOICE):
        if not isinstance(value, str):
            if isinstance(value, (int, float)) and not isinstance(value, bool) and k in (TEXT, LONGTEXT):
                return str(value)
            raise ValueError(N_("{label} must be text"))
        return value
    if k in (INT, SCORE):
        if isinstance(value, bool):
            raise ValueError(N_("{label} must be a whole number"))
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.replace("\u00a0", "").replace(" ", "")):
            return int(value.replace("\u00a0", "").replace(" ", ""))
        raise ValueError(N_("{label} must be a whole number"))
    if k == DECIMAL:
        if isinstance(value, bool):
            raise ValueError(N_("{label} must be a number"))
        if isinstance(value, (int, float)):
            number = float(value)
        elif isinstance(value, str):
            number = parse_decimal(value)
        else:
            raise ValueError(N_("{label} must be a number"))
        if math.isnan(number) or math.isinf(number):
            raise ValueError(N_("{label} must be a number"))
        return number
    if k == BOOL:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.lower() in _TRUTHY | _FALSY:
            return value.lower() in _TRUTHY
        raise ValueError(N_("{label} must be yes or no"))
    if k == DATE:
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, str):
            return parse_date(value).isoformat()
        raise ValueError(N_("{label} must be a date (YYYY-MM-DD)"))
    if k == DATETIME:
        if isinstance(value, dt.datetime):
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(N_("{label} must be a date and time (ISO 8601)")) from None
        else:
            raise ValueError(N_("{label} must be a date and time (ISO 8601)"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        return parsed.astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    if k in LIST_KINDS:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    value = json.loads(text)
                except json.JSONDecodeError:
                    raise ValueError(N_("{label} must be a list")) from None
            else:
                value = [p.strip() for p in re.split(r"[|\n]" if k == URLS else r"[|,;\s]+", text) if p.strip()]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueError(N_("{label} must be a list"))
        return list(dict.fromkeys(v.strip() for v in value if v.strip()))
    if k == REF:
        if not isinstance(value, str) or not _UUID_RE.match(value.lower()):
            raise ValueError(N_("{label} must be the identifier of a record"))
        return value.lower()
    if k == JSON:
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                raise ValueError(N_("{label} must be a JSON document")) from None
        if isinstance(value, (dict, list)):
            return value
        raise ValueError(N_("{label} must be a JSON document"))
    raise AssertionError(k)


_TRUTHY = {"1", "true", "yes", "y", "oui", "o", "si", "sí", "x", "vrai", "verdadero"}
_FALSY = {"0", "false", "no", "n", "non", "faux", "falso"}


def parse_decimal(text: str) -> float:
    """Accept what spreadsheets write: '1 234,5', '1,234.5', '1.234,5', '12,5'."""
    s = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("'", "")
    if "," in s and "." in s:
        # The later separator is the decimal one.
        if s.rfind(",") > s.rfind("."):
            s = s.replace(".", "").replace(",", ".")
        else:
            s = s.replace(",", "")
    elif "," in s:
        s = s.replace(",", ".") if s.count(",") == 1 else s.replace(",", "")
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", s):
        raise ValueError(N_("{label} must be a number"))
    return float(s)


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y")


def parse_date(text: str) -> dt.date:
    """ISO dates first; then the day-first forms French and Spanish spreadsheets write.
    Month-first US dates are refused rather than guessed."""
    s = text.strip()
    if "T" in s or (" " in s and ":" in s):
        s = re.split(r"[T ]", s, maxsplit=1)[0]
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    raise ValueError(N_("{label} must be a date (YYYY-MM-DD)"))


def check_value(f: Field, value: Any, has_code: CodeCheck | None = None) -> FieldError | None:
    """Check an already coerced value against the field's rules."""
    if value is None or (f.is_list and value == []):
        if f.required:
            return _err(f, "required", N_("{label} is required"))
        return None
    k = f.kind
    if k in (TEXT, LONGTEXT, EMAIL, URL, CHOICE) and len(value) > f.limit:
        return _err(f, "too_long", N_("{label} is too long (at most {n} characters)"), n=f.limit)
    if k == TEXT and ("\n" in value or "\r" in value):
        return _err(f, "one_line", N_("{label} must fit on one line"))
    if k == EMAIL and not _EMAIL_RE.match(value):
        return _err(f, "email", N_("{label} is not an email address"))
    if k == URL and not _URL_RE.match(value):
        return _err(f, "url", N_("{label} must be a web address starting with http:// or https://"))
    if k == URLS:
        bad = [v for v in value if not _URL_RE.match(v)]
        if bad:
            return _err(f, "url", N_("{label}: {value} is not a web address"), value=bad[0])
    if k == SCORE and not -3 <= value <= 3:
        return _err(f, "range", N_("{label} must be between -3 and +3"))
    if k in (INT, DECIMAL):
        if f.minimum is not None and value < f.minimum:
            return _err(f, "range", N_("{label} must be at least {min}"), min=_num(f.minimum))
        if f.maximum is not None and value > f.maximum:
            return _err(f, "range", N_("{label} must be at most {max}"), max=_num(f.maximum))
        if k == INT and not MIN_INT <= value <= MAX_INT:
            return _err(f, "range", N_("{label} is too large"))
    if k == JSON:
        problem = json_problem(value)
        if problem:
            return _err(f, "not_json", problem)
        if len(json.dumps(value, allow_nan=False)) > MAX_JSON:
            return _err(f, "too_long", N_("{label} is too large"))
    if k in (CHOICE, MULTI):
        codes = [value] if k == CHOICE else value
        for code in codes:
            if f.choices is not None:
                ok = code in f.choices
            elif has_code is not None:
                ok = has_code(f.ref_list or "", code)
            else:
                ok = True
            if not ok:
                return _err(f, "choice", N_("{label}: {value!r} is not one of the allowed values"), value=code)
    return None


def json_problem(value: Any, depth: int = 0) -> str | None:
    """Why `value` is not strict JSON (RFC 8259), or None. NaN and Infinity are not JSON:
    PostgreSQL refuses them and strict parsers refuse a document holding them, so a value
    that carries one must never enter the outbox or the server's tables."""
    if depth > 64:
        return N_("{label} is nested too deeply")
    if isinstance(value, float) and not math.isfinite(value):
        return N_("{label} holds a number that is not finite (NaN or Infinity)")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                return N_("{label} has a key that is not text")
            problem = json_problem(v, depth + 1)
            if problem:
                return problem
    elif isinstance(value, (list, tuple)):
        for v in value:
            problem = json_problem(v, depth + 1)
            if problem:
                return problem
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        return N_("{label} must be a JSON document")
    return None


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def validate(
    entity: Entity,
    values: Mapping[str, Any],
    *,
    partial: bool = False,
    has_code: CodeCheck | None = None,
) -> tuple[dict[str, Any], list[FieldError]]:
    """Coerce and check `values`. With `partial`, only the given fields are checked
    (an edit); otherwise missing required fields are reported too (a new record).
    Returns the clean values and every problem found."""
    clean: dict[str, Any] = {}
    errors: list[FieldError] = []
    for name, raw in values.items():
        if not entity.has(name):
            errors.append(FieldError(name, "unknown_field", _("{entity} has no field {field}").format(entity=entity.name, field=name)))
            continue
        f = entity.field(name)
        try:
            value = coerce(f, raw)
        except ValueError as exc:
            errors.append(_err(f, "type", str(exc.args[0])))
            continue
        problem = check_value(f, value, has_code)
        if problem:
            errors.append(problem)
        else:
            clean[name] = value
    if not partial:
        for f in entity.fields:
            if f.name not in values:
                if f.default is not None:
                    clean[f.name] = f.default
                elif f.required:
                    errors.append(_err(f, "required", N_("{label} is required")))
    return clean, errors
