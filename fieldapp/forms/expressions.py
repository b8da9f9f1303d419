"""A safe evaluator for XLSForm expressions (relevance, constraints, calculations).

Forms are data written by people, so their expressions are parsed by a tokenizer and a
recursive-descent parser of our own and evaluated by walking the resulting tree. Python's
`eval`, `exec`, `compile` and `ast` are never used on form text: there is simply no path
from an expression to Python code, attribute access or the file system.

Grammar (the subset of XPath 1.0 that XLSForm writers use)::

    expr       := or
    or         := and ("or" and)*
    and        := equality ("and" equality)*
    equality   := relational (("=" | "!=") relational)*
    relational := additive (("<" | "<=" | ">" | ">=") additive)*
    additive   := multiplicative (("+" | "-") multiplicative)*
    multiplicative := unary (("*" | "div" | "mod") unary)*
    unary      := "-" unary | primary
    primary    := NUMBER | STRING | "${" name "}" | "." | function "(" [expr ("," expr)*] ")"
                | "(" expr ")" | column            (column: choice filters only)
                | "instance('" list "')/root/item[" expr "]" ["/" column]   (a lookup in a list)
                | "${last-saved#" name "}"   (the last saved submission's answer)

Values follow XPath: an empty answer is the empty string, numbers are doubles (an empty
or non-numeric text is NaN in arithmetic), a select_multiple answer is its codes joined
by spaces, a question inside a repeat seen from outside it is a node-set (for sum(),
count(), max(), min(), and its first value elsewhere). Dates compare as dates and count
as days since 1970-01-01 in arithmetic, as in ODK.

Limits make hostile or runaway input harmless and are checked before anything runs:
MAX_LENGTH characters, MAX_DEPTH levels of nesting, MAX_NODES tree nodes, number literals
of at most MAX_NUMBER_DIGITS digits, pow() exponents of at most MAX_POW_EXPONENT when
written literally, regex() patterns that are literal, short and free of the constructs
that backtrack exponentially. Evaluation spends at most MAX_STEPS steps.
"""
from __future__ import annotations

import datetime as dt
import math
import random
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Callable, Iterable, Protocol

from fieldapp.forms.errors import EvaluationError, ExpressionError
from fieldapp.i18n import N_, _

MAX_LENGTH = 4000
MAX_DEPTH = 32
MAX_NODES = 600
MAX_STEPS = 100_000
MAX_NUMBER_DIGITS = 30
MAX_POW_EXPONENT = 1000
MAX_REGEX_LENGTH = 300
MAX_REGEX_INPUT = 1000
MAX_UNBOUNDED_QUANTIFIERS = 4

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]*")
_NUMBER_RE = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_NUMERIC_TEXT_RE = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*")
_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
EPOCH = dt.date(1970, 1, 1)
_TRANSLATED_COLUMN_RE = re.compile(r"label::[A-Za-z][A-Za-z0-9_-]*")  # a choice's label in one language
_PARENT_POSITION_RE = re.compile(r"position\s*\(\s*\.\.\s*\)")
EARTH_RADIUS_M = 6_378_100.0  # what ODK's area() and distance() use

KEYWORD_OPERATORS = {"and", "or", "div", "mod"}


# ----------------------------------------------------------------------------- values
class NodeSet(tuple):
    """The values of one question across the repeat instances it lives in."""


Value = Any  # str | float | int | bool | dt.date | dt.datetime | NodeSet


def _first(v: Value) -> Value:
    if isinstance(v, NodeSet):
        return v[0] if v else ""
    return v


def to_number(v: Value) -> float:
    v = _first(v)
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, dt.datetime):
        base = dt.datetime(1970, 1, 1, tzinfo=v.tzinfo)
        return (v - base).total_seconds() / 86400.0
    if isinstance(v, dt.date):
        return float((v - EPOCH).days)
    if isinstance(v, str):
        if _NUMERIC_TEXT_RE.fullmatch(v):
            return float(v)
        if _ISO_DATE_RE.fullmatch(v.strip()):
            d = _to_date(v)  # None for a date that does not exist (2025-02-30)
            return float((d - EPOCH).days) if d is not None else math.nan
        return math.nan
    return math.nan


def format_number(x: float) -> str:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return format(x, ".15g") if "e" not in format(x, ".15g") else repr(x)


def to_string(v: Value) -> str:
    v = _first(v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return format_number(float(v))
    if isinstance(v, dt.datetime):
        return v.isoformat(timespec="seconds")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def to_bool(v: Value) -> bool:
    if isinstance(v, NodeSet):
        return len(v) > 0
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return not math.isnan(v) and v != 0
    if isinstance(v, (dt.date, dt.datetime)):
        return True
    return v is not None and str(v) != ""


def _to_date(v: Value) -> dt.date | None:
    v = _first(v)
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        if math.isnan(v) or math.isinf(v) or abs(v) > 3_000_000:
            return None
        return EPOCH + dt.timedelta(days=math.floor(v))
    if isinstance(v, str):
        s = v.strip()
        try:
            if _ISO_DATETIME_RE.match(s):
                return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).date()
            if _ISO_DATE_RE.fullmatch(s):
                return dt.date.fromisoformat(s)
        except ValueError:
            return None
    return None


def _is_datelike(v: Value) -> bool:
    v = _first(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return True
    return isinstance(v, str) and bool(_ISO_DATE_RE.fullmatch(v.strip()) or _ISO_DATETIME_RE.match(v.strip()))


def result_value(v: Value) -> Any:
    """What a calculation stores: JSON-friendly, NaN and infinities become empty (None),
    whole numbers become ints, dates ISO text."""
    v = _first(v)
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        x = float(v)
        if math.isnan(x) or math.isinf(x):
            return None
        return int(x) if x.is_integer() and abs(x) < 1e15 else x
    if isinstance(v, (dt.date, dt.datetime)):
        return to_string(v)
    s = str(v)
    return s if s != "" else None


# ----------------------------------------------------------------------------- tokens
class Token:
    __slots__ = ("kind", "text", "pos")

    def __init__(self, kind: str, text: str, pos: int):
        self.kind, self.text, self.pos = kind, text, pos

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Token({self.kind}, {self.text!r}, {self.pos})"


_TWO_CHAR_HINTS = {
    "==": N_("use '=' to compare, not '=='"),
    "&&": N_("use 'and', not '&&'"),
    "||": N_("use 'or', not '||'"),
    "**": N_("'**' is not an operator: use pow(x, y)"),
    "..": N_("'..' (relative paths) is not supported: refer to questions as ${name}"),
}
_ONE_CHAR_HINTS = {
    "/": N_("'/' is not an operator here: use 'div' to divide and ${name} to refer to a question"),
    "!": N_("use not(...) instead of '!'"),
    "|": N_("'|' (node-set union) is not supported"),
    "[": N_("'[...]' (predicates) is not supported"),
    "@": N_("'@' (attributes) is not supported"),
    "$": N_("'$' must start a reference written ${name}"),
}


_INSTANCE_RE = re.compile(r"instance\s*\(\s*(['\"])([^'\"]+)\1\s*\)\s*/\s*root\s*/\s*item\s*\[")
_INSTANCE_END_RE = re.compile(r"\]\s*(?:/\s*([A-Za-z_][A-Za-z0-9_.:-]*))?")


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens, refusing any character outside the grammar."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    open_lookups = 0
    while i < n:
        c = text[i]
        if c == "i" and (m := _INSTANCE_RE.match(text, i)):
            # instance('list')/root/item[predicate]/column: a row of a choice list or data file
            tokens.append(Token("instance", m.group(2), i))
            open_lookups += 1
            i = m.end()
            continue
        if c == "]" and open_lookups:
            m = _INSTANCE_END_RE.match(text, i)
            assert m is not None
            tokens.append(Token("]", m.group(1) or "", i))
            open_lookups -= 1
            i = m.end()
            continue
        if c in " \t\r\n\u00a0":
            i += 1
            continue
        two = text[i:i + 2]
        parent_position = _PARENT_POSITION_RE.match(text, i) if c == "p" else None
        if parent_position:  # position(..): the instance number of the repeat being filled
            tokens += [Token("word", "position", i), Token("(", "(", i + 8), Token(")", ")", parent_position.end() - 1)]
            i = parent_position.end()
            continue
        if two == "${":
            end = text.find("}", i + 2)
            if end < 0:
                raise ExpressionError(_("'${' is never closed by '}'"), i)
            name = text[i + 2:end].strip()
            if name.startswith("last-saved#") and NAME_RE.fullmatch(name[11:]):
                tokens.append(Token("last_saved", name[11:], i))  # the last saved submission's value
                i = end + 1
                continue
            if not NAME_RE.fullmatch(name) or name.startswith("__"):
                raise ExpressionError(_("'${{{name}}}' is not a valid question name").format(name=name), i)
            tokens.append(Token("ref", name, i))
            i = end + 1
            continue
        if two in _TWO_CHAR_HINTS:
            raise ExpressionError(_(_TWO_CHAR_HINTS[two]), i)
        if two in ("!=", "<=", ">="):
            tokens.append(Token("op", two, i))
            i += 2
            continue
        if c in "=<>+-*":
            tokens.append(Token("op", c, i))
            i += 1
            continue
        if c in "(),":
            tokens.append(Token(c, c, i))
            i += 1
            continue
        if c.isdigit() or (c == "." and i + 1 < n and text[i + 1].isdigit()):
            m = _NUMBER_RE.match(text, i)
            assert m is not None
            digits = m.group(0)
            if len(digits) > MAX_NUMBER_DIGITS:
                raise ExpressionError(_("the number {number}... is too long").format(number=digits[:12]), i)
            if m.end() < n and (text[m.end()].isalpha() or text[m.end()] == "_"):
                raise ExpressionError(_("'{text}' is not a number").format(text=text[i:m.end() + 1]), i)
            tokens.append(Token("number", digits, i))
            i = m.end()
            continue
        if c == ".":
            tokens.append(Token("dot", c, i))
            i += 1
            continue
        if c in "'\"":
            end = text.find(c, i + 1)
            if end < 0:
                raise ExpressionError(_("a text in quotes is never closed"), i)
            tokens.append(Token("string", text[i + 1:end], i))
            i = end + 1
            continue
        if c.isalpha() or c == "_":
            m = _IDENT_RE.match(text, i)
            assert m is not None
            word = m.group(0)
            # A trailing '-' belongs to a following minus, not to the word ("a -1").
            while word.endswith(("-", ".", ":")):
                word = word[:-1]
            if word in KEYWORD_OPERATORS:
                tokens.append(Token("op", word, i))
            else:
                tokens.append(Token("word", word, i))
            i += len(word)
            continue
        if c in _ONE_CHAR_HINTS:
            raise ExpressionError(_(_ONE_CHAR_HINTS[c]), i)
        raise ExpressionError(_("unexpected character '{char}'").format(char=c), i)
    return tokens


# ----------------------------------------------------------------------------- tree
class Node:
    __slots__ = ()


class Literal(Node):
    __slots__ = ("value",)

    def __init__(self, value: Value):
        self.value = value


class Ref(Node):
    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class Current(Node):
    __slots__ = ()


class Column(Node):
    """A bare name inside a choice filter: a column of the choices sheet."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class Negate(Node):
    __slots__ = ("operand",)

    def __init__(self, operand: Node):
        self.operand = operand


class Binary(Node):
    __slots__ = ("op", "left", "right")

    def __init__(self, op: str, left: Node, right: Node):
        self.op, self.left, self.right = op, left, right


class LastSaved(Node):
    """${last-saved#name}: the answer to `name` in the last submission saved on this device."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


class Lookup(Node):
    """instance('list')/root/item[predicate]/column: the column of the rows of a choice
    list (or a data file sent with the form) for which the predicate holds; bare names in
    the predicate are the row's columns, as in a choice filter."""

    __slots__ = ("list_name", "predicate", "column")

    def __init__(self, list_name: str, predicate: Node, column: str):
        self.list_name, self.predicate, self.column = list_name, predicate, column


class Call(Node):
    __slots__ = ("name", "args", "regex")

    def __init__(self, name: str, args: list[Node], regex: re.Pattern[str] | None = None):
        self.name, self.args, self.regex = name, args, regex


# ----------------------------------------------------------------------------- functions
class Context(Protocol):
    """What an expression may read. The engine implements it; nothing else is reachable."""

    def lookup(self, name: str) -> Value: ...  # a question's value (NodeSet across repeats)

    def current(self) -> Value: ...  # '.', the value being checked

    def column(self, name: str) -> Value: ...  # choice filters: a choices-sheet column

    def today(self) -> dt.date: ...

    def now(self) -> dt.datetime: ...

    # Optional (looked up with getattr; a context without them reads them as empty):
    # all_values(name) -> NodeSet, every instance of a question in document order;
    # position() -> int, the number (from 1) of the repeat instance being evaluated;
    # choice_label(name, code) -> str, the label of a choice of the question `name`;
    # instance_rows(list) -> [{"name", "label", column: value}], rows of a choice list or
    # data file for instance('list')/root/item[...] lookups;
    # last_saved(name) -> Value, the answer in the last submission saved on this device.


# name -> (minimum arguments, maximum arguments or None for "any")
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "selected": (2, 2), "count-selected": (1, 1), "if": (3, 3), "today": (0, 0), "now": (0, 0),
    "string": (1, 1), "number": (1, 1), "int": (1, 1), "round": (1, 2), "concat": (1, None),
    "regex": (2, 2), "coalesce": (2, 2), "sum": (1, 1), "count": (1, 1),
    "contains": (2, 2), "starts-with": (2, 2), "ends-with": (2, 2), "not": (1, 1), "true": (0, 0),
    "false": (0, 0), "boolean": (1, 1), "floor": (1, 1), "ceiling": (1, 1), "abs": (1, 1),
    "pow": (2, 2), "min": (1, None), "max": (1, None), "date": (1, 1), "substr": (2, 3),
    "once": (1, 1), "selected-at": (2, 2),
    # the rest of ODK's XPath function library (ODK XForms specification, "XPath functions")
    "jr:choice-name": (2, 2), "format-date": (2, 2), "format-date-time": (2, 2), "indexed-repeat": (3, 3),
    "join": (2, None), "uuid": (0, 1), "substring-before": (2, 2), "substring-after": (2, 2),
    "substring": (2, 3), "translate": (3, 3), "normalize-space": (0, 1), "sqrt": (1, 1), "exp": (1, 1),
    "exp10": (1, 1), "log": (1, 1), "log10": (1, 1), "sin": (1, 1), "cos": (1, 1), "tan": (1, 1),
    "asin": (1, 1), "acos": (1, 1), "atan": (1, 1), "atan2": (2, 2), "pi": (0, 0), "date-time": (1, 1),
    "decimal-date-time": (1, 1), "decimal-time": (1, 1), "position": (0, 0), "count-non-empty": (1, 1),
    "boolean-from-string": (1, 1), "checklist": (3, None), "weighted-checklist": (4, None), "random": (0, 0),
    "digest": (2, 3), "base64-decode": (1, 1), "area": (1, 1), "distance": (1, None), "string-length": (0, 1),
    "pulldata": (4, 4),
}
# ODK's function library (getodk.github.io/xforms-spec, "XPath functions"), to report
# coverage; those not in FUNCTIONS need what a desktop form does not have (external
# instances, media files, a signature key) or node-set machinery the engine does not keep.
ODK_FUNCTIONS = (
    "concat", "join", "substr", "substring", "substring-before", "substring-after", "translate", "string-length",
    "normalize-space", "contains", "starts-with", "ends-with", "regex", "string", "number", "int", "boolean",
    "boolean-from-string", "not", "true", "false", "if", "coalesce", "selected", "selected-at", "count-selected",
    "jr:choice-name", "jr:itext", "indexed-repeat", "count", "count-non-empty", "sum", "max", "min", "round",
    "floor", "ceiling", "abs", "pow", "log", "log10", "exp", "exp10", "sqrt", "sin", "cos", "tan", "asin", "acos",
    "atan", "atan2", "pi", "random", "randomize", "position", "last", "current", "instance", "today", "now",
    "date", "date-time", "decimal-date-time", "decimal-time", "format-date", "format-date-time", "checklist",
    "weighted-checklist", "uuid", "digest", "base64-decode", "area", "distance", "once", "pulldata",
    "extract-signed", "geofence",
)
AGGREGATES = {"sum", "count", "min", "max"}


def _check_regex(pattern: str, pos: int) -> re.Pattern[str]:
    """Accept only patterns whose matching time stays linear-ish in the input: no nested
    quantifiers, no alternatives inside a repeated group (use a character class), no
    backreferences, a few unbounded quantifiers at most."""
    if len(pattern) > MAX_REGEX_LENGTH:
        raise ExpressionError(_("the regex() pattern is longer than {n} characters").format(n=MAX_REGEX_LENGTH), pos)
    try:
        compiled = re.compile(pattern)
        import re._parser as sre_parse  # type: ignore[import-not-found]  # the stdlib's own pattern parser, no code runs
        from re._constants import (  # type: ignore[import-not-found]
            BRANCH, GROUPREF, GROUPREF_EXISTS, MAX_REPEAT, MAXREPEAT, MIN_REPEAT, POSSESSIVE_REPEAT, SUBPATTERN,
        )
        tree = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as e:
        raise ExpressionError(_("the regex() pattern is not valid: {reason}").format(reason=str(e)), pos) from None
    repeats = (MAX_REPEAT, MIN_REPEAT, POSSESSIVE_REPEAT)
    unbounded = 0

    def walk(items: Iterable, inside_repeat: bool) -> None:
        nonlocal unbounded
        for op, av in items:
            if op in (GROUPREF, GROUPREF_EXISTS):
                raise ExpressionError(_("regex() patterns may not use backreferences"), pos)
            if op in repeats:
                low, high, sub = av
                if inside_repeat and low != high:
                    raise ExpressionError(
                        _("regex() patterns may not nest repetitions such as (a+)+: they can take forever"), pos)
                if high == MAXREPEAT:
                    unbounded += 1
                walk(sub, inside_repeat or high > 1)
            elif op == SUBPATTERN:
                walk(av[-1], inside_repeat)
            elif op == BRANCH:
                for branch in av[1]:
                    if inside_repeat and len(branch) != 1:
                        raise ExpressionError(
                            _("regex() patterns may not repeat a group of alternatives: use a character class [...]"),
                            pos)
                    walk(branch, inside_repeat)
    walk(tree, False)
    if unbounded > MAX_UNBOUNDED_QUANTIFIERS:
        raise ExpressionError(
            _("the regex() pattern has more than {n} unbounded repetitions").format(n=MAX_UNBOUNDED_QUANTIFIERS), pos)
    return compiled


# ----------------------------------------------------------------------------- parser
class _Parser:
    def __init__(self, text: str, tokens: list[Token], columns: bool):
        self.text = text
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.nodes = 0
        self.columns = columns
        self.refs: set[str] = set()
        self.aggregated: set[str] = set()
        self.column_names: set[str] = set()
        self.uses_current = False
        self.functions: set[str] = set()
        self.instances: set[str] = set()
        self.last_saved: set[str] = set()

    # helpers
    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def node(self, n: Node) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ExpressionError(_("the expression is too long (more than {n} parts)").format(n=MAX_NODES))
        return n

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(_("the expression is nested too deeply (more than {n} levels)").format(n=MAX_DEPTH),
                                  pos)

    def expect(self, kind: str) -> Token:
        tok = self.peek()
        if tok is None:
            raise ExpressionError(_("the expression ends too early: '{what}' expected").format(what=kind), len(self.text))
        if tok.kind != kind:
            raise ExpressionError(_("'{found}' found where '{what}' was expected").format(found=tok.text, what=kind),
                                  tok.pos)
        return self.take()

    # grammar
    def parse(self) -> Node:
        if not self.tokens:
            raise ExpressionError(_("the expression is empty"), 0)
        tree = self.binary(0)
        tok = self.peek()
        if tok is not None:
            raise ExpressionError(_("unexpected '{text}'").format(text=tok.text), tok.pos)
        return tree

    LEVELS = (("or",), ("and",), ("=", "!="), ("<", "<=", ">", ">="), ("+", "-"), ("*", "div", "mod"))

    def binary(self, level: int) -> Node:
        if level == len(self.LEVELS):
            return self.unary()
        ops = self.LEVELS[level]
        left = self.binary(level + 1)
        while (tok := self.peek()) is not None and tok.kind == "op" and tok.text in ops:
            self.take()
            self.enter(tok.pos)
            right = self.binary(level + 1)
            self.depth -= 1
            left = self.node(Binary(tok.text, left, right))
        return left

    def unary(self) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text == "-":
            self.take()
            self.enter(tok.pos)
            operand = self.unary()
            self.depth -= 1
            return self.node(Negate(operand))
        return self.primary()

    def primary(self) -> Node:
        tok = self.peek()
        if tok is None:
            raise ExpressionError(_("the expression ends too early"), len(self.text))
        self.take()
        if tok.kind == "number":
            return self.node(Literal(float(tok.text)))
        if tok.kind == "string":
            return self.node(Literal(tok.text))
        if tok.kind == "ref":
            self.refs.add(tok.text)
            return self.node(Ref(tok.text))
        if tok.kind == "dot":
            self.uses_current = True
            return self.node(Current())
        if tok.kind == "last_saved":
            self.last_saved.add(tok.text)
            return self.node(LastSaved(tok.text))
        if tok.kind == "instance":
            self.enter(tok.pos)
            saved = (self.columns, set(self.column_names))
            self.columns = True
            predicate = self.binary(0)
            self.columns, self.column_names = saved
            self.depth -= 1
            end = self.expect("]")
            self.instances.add(tok.text)
            return self.node(Lookup(tok.text, predicate, end.text or "name"))
        if tok.kind == "(":
            self.enter(tok.pos)
            inner = self.binary(0)
            self.depth -= 1
            self.expect(")")
            return inner
        if tok.kind == "word":
            nxt = self.peek()
            if nxt is not None and nxt.kind == "(":
                return self.call(tok)
            if self.columns and (NAME_RE.fullmatch(tok.text) or _TRANSLATED_COLUMN_RE.fullmatch(tok.text)) \
                    and not tok.text.startswith("__"):
                self.column_names.add(tok.text)
                return self.node(Column(tok.text))
            if tok.text in ("true", "false"):
                raise ExpressionError(_("write {word}() with parentheses").format(word=tok.text), tok.pos)
            raise ExpressionError(
                _("unknown word '{word}': refer to a question as ${{name}} and put text in quotes").format(word=tok.text),
                tok.pos)
        raise ExpressionError(_("unexpected '{text}'").format(text=tok.text), tok.pos)

    def call(self, name_tok: Token) -> Node:
        name = name_tok.text
        if name not in FUNCTIONS:
            raise ExpressionError(_("unknown function '{name}()'").format(name=name), name_tok.pos)
        self.functions.add(name)
        self.expect("(")
        self.enter(name_tok.pos)
        args: list[Node] = []
        if (tok := self.peek()) is not None and tok.kind == ")":
            self.take()
        else:
            while True:
                args.append(self.binary(0))
                tok = self.peek()
                if tok is not None and tok.kind == ",":
                    self.take()
                    continue
                self.expect(")")
                break
        self.depth -= 1
        low, high = FUNCTIONS[name]
        if len(args) < low or (high is not None and len(args) > high):
            if high is None:
                wanted = _("at least {n}").format(n=low)
            elif low == high:
                wanted = str(low)
            else:
                wanted = _("{low} to {high}").format(low=low, high=high)
            raise ExpressionError(
                _("{name}() takes {wanted} argument(s), not {given}").format(name=name, wanted=wanted, given=len(args)),
                name_tok.pos)
        regex = None
        if name == "regex":
            if not isinstance(args[1], Literal) or not isinstance(args[1].value, str):
                raise ExpressionError(_("the pattern of regex() must be written in quotes"), name_tok.pos)
            regex = _check_regex(args[1].value, name_tok.pos)
        if name == "pow" and isinstance(args[1], (Literal, Negate)):
            exponent = args[1].operand if isinstance(args[1], Negate) else args[1]
            if isinstance(exponent, Literal) and isinstance(exponent.value, float) \
                    and abs(exponent.value) > MAX_POW_EXPONENT:
                raise ExpressionError(_("pow() exponents above {n} are refused").format(n=MAX_POW_EXPONENT),
                                      name_tok.pos)
        if name in AGGREGATES:
            for a in args:
                if isinstance(a, Ref):
                    self.aggregated.add(a.name)
        return self.node(Call(name, args, regex))


class Expression:
    """A parsed expression: immutable, shareable, evaluated against a Context.

    `refs` are the ${names} it reads (its dependencies), `uses_current` whether it reads
    '.', `columns` the choices-sheet columns a choice filter reads, `aggregated` the names
    passed straight to sum()/count()/min()/max().
    """

    __slots__ = ("text", "tree", "refs", "uses_current", "columns", "functions", "aggregated", "instances",
                 "last_saved")

    def __init__(self, text: str, tree: Node, parser: _Parser):
        self.text = text
        self.tree = tree
        self.refs = frozenset(parser.refs)
        self.uses_current = parser.uses_current
        self.columns = frozenset(parser.column_names)
        self.functions = frozenset(parser.functions)
        self.aggregated = frozenset(parser.aggregated)
        self.instances = frozenset(parser.instances)  # lists read by instance(...) lookups
        self.last_saved = frozenset(parser.last_saved)  # names read as ${last-saved#name}

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def evaluate(self, ctx: Context, max_steps: int = MAX_STEPS) -> Value:
        return _Evaluator(ctx, max_steps).visit(self.tree)


@lru_cache(maxsize=4096)
def parse(text: str, *, choice_filter: bool = False) -> Expression:
    """Parse `text` or raise ExpressionError. Nothing is evaluated here.

    `choice_filter=True` lets bare names stand for columns of the choices sheet, as in
    XLSForm's `choice_filter` column (`country=${country}`).
    """
    if not isinstance(text, str):
        raise ExpressionError(_("an expression must be text"))
    if len(text) > MAX_LENGTH:
        raise ExpressionError(_("the expression is longer than {n} characters").format(n=MAX_LENGTH))
    tokens = tokenize(text)
    parser = _Parser(text, tokens, choice_filter)
    tree = parser.parse()
    return Expression(text, tree, parser)


_LABEL_REF_RE = re.compile(r"\$\{([^}]*)\}")


def label_references(text: str) -> list[str]:
    """The ${names} written in a label or hint, where they show the current answers
    (${last-saved#name} names `name`: it shows the last saved submission's answer)."""
    return [m.group(1).strip().removeprefix("last-saved#") for m in _LABEL_REF_RE.finditer(text or "")]


def render_label(text: str, lookup: Callable[[str], Value]) -> str:
    """Replace each ${name} of a label by the displayed value of that question."""
    return _LABEL_REF_RE.sub(lambda m: to_string(lookup(m.group(1).strip())), text or "")


# ----------------------------------------------------------------------------- evaluator
def _compare(op: str, a: Value, b: Value) -> bool:
    if isinstance(a, NodeSet) or isinstance(b, NodeSet):
        left = a if isinstance(a, NodeSet) else (a,)
        right = b if isinstance(b, NodeSet) else (b,)
        return any(_compare(op, x, y) for x in left for y in right)
    if op in ("=", "!="):
        if isinstance(a, bool) or isinstance(b, bool):
            equal = to_bool(a) == to_bool(b)
        elif isinstance(a, (int, float)) or isinstance(b, (int, float)):
            x, y = to_number(a), to_number(b)
            if (isinstance(a, (dt.date, dt.datetime)) or isinstance(b, (dt.date, dt.datetime))):
                x, y = math.floor(x), math.floor(y)
            equal = x == y
        elif isinstance(a, (dt.date, dt.datetime)) or isinstance(b, (dt.date, dt.datetime)):
            da, db = _to_date(a), _to_date(b)
            equal = da is not None and da == db
        else:
            equal = to_string(a) == to_string(b)
        return equal if op == "=" else not equal
    if _is_datelike(a) and (_is_datelike(b) or isinstance(b, (int, float))) or \
            _is_datelike(b) and isinstance(a, (int, float)):
        x, y = to_number(_to_date(a) if _is_datelike(a) else a), to_number(_to_date(b) if _is_datelike(b) else b)
    else:
        x, y = to_number(a), to_number(b)
    if math.isnan(x) or math.isnan(y):
        return False
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def _arith(op: str, a: Value, b: Value) -> float:
    x, y = to_number(a), to_number(b)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "div":
        if y == 0:
            return math.nan if (x == 0 or math.isnan(x)) else math.copysign(math.inf, x)
        return x / y
    if y == 0 or math.isinf(x) or math.isnan(x) or math.isnan(y):  # mod
        return math.nan
    return math.fmod(x, y)


def _round(x: float, digits: float = 0.0) -> float:
    if math.isnan(x) or math.isinf(x) or math.isnan(digits):
        return x
    d = max(-15, min(15, int(digits)))
    try:
        q = Decimal(1).scaleb(-d)
        return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError):
        return x


def _split(v: Value) -> list[str]:
    return to_string(v).split()


class _Evaluator:
    def __init__(self, ctx: Context, max_steps: int):
        self.ctx = ctx
        self.steps = 0
        self.max_steps = max_steps

    def spend(self, n: int = 1) -> None:
        self.steps += n
        if self.steps > self.max_steps:
            raise EvaluationError(_("the expression took too many steps to evaluate"))

    def visit(self, node: Node) -> Value:
        self.spend()
        t = type(node)
        if t is Literal:
            return node.value  # type: ignore[attr-defined]
        if t is Ref:
            v = self.ctx.lookup(node.name)  # type: ignore[attr-defined]
            if isinstance(v, NodeSet):
                self.spend(len(v))
            return v
        if t is Current:
            return self.ctx.current()
        if t is Column:
            return self.ctx.column(node.name)  # type: ignore[attr-defined]
        if t is Negate:
            return -to_number(self.visit(node.operand))  # type: ignore[attr-defined]
        if t is Binary:
            op = node.op  # type: ignore[attr-defined]
            if op == "or":
                return to_bool(self.visit(node.left)) or to_bool(self.visit(node.right))  # type: ignore[attr-defined]
            if op == "and":
                return to_bool(self.visit(node.left)) and to_bool(self.visit(node.right))  # type: ignore[attr-defined]
            a, b = self.visit(node.left), self.visit(node.right)  # type: ignore[attr-defined]
            if op in ("=", "!=", "<", "<=", ">", ">="):
                return _compare(op, a, b)
            return _arith(op, a, b)
        if t is Call:
            return self.call(node)  # type: ignore[arg-type]
        if t is Lookup:
            return self.lookup(node)  # type: ignore[arg-type]
        if t is LastSaved:
            last = getattr(self.ctx, "last_saved", None)
            return last(node.name) if last else ""  # type: ignore[attr-defined]
        raise EvaluationError("unknown node")  # pragma: no cover - the parser makes only the above

    def lookup(self, node: Lookup) -> Value:
        rows = getattr(self.ctx, "instance_rows", None)
        found = []
        outer = self.ctx
        for row in (rows(node.list_name) if rows else ()):
            self.spend()
            self.ctx = _RowContext(outer, row)
            try:
                if to_bool(self.visit(node.predicate)):
                    found.append(row.get(node.column, ""))
            finally:
                self.ctx = outer
        return NodeSet(found)

    def call(self, node: Call) -> Value:
        name, args = node.name, node.args
        if name == "if":
            return self.visit(args[1]) if to_bool(self.visit(args[0])) else self.visit(args[2])
        if name == "today":
            return self.ctx.today()
        if name == "now":
            return self.ctx.now()
        if name == "true":
            return True
        if name == "false":
            return False
        if name == "once":
            current = self.ctx.current()
            return current if to_string(current) != "" else self.visit(args[0])
        if name == "indexed-repeat":  # the n-th instance's value, wherever it is asked from
            every = getattr(self.ctx, "all_values", None)
            items = every(args[0].name) if isinstance(args[0], Ref) and every else self.visit(args[0])
            items = items if isinstance(items, NodeSet) else NodeSet((items,))
            n = to_number(self.visit(args[2]))
            return items[int(n) - 1] if not math.isnan(n) and 1 <= n <= len(items) else ""
        if name in ("string-length", "normalize-space") and not args:
            values = [self.ctx.current()]
        else:
            values = [self.visit(a) for a in args]
        if name in _ODK_EXTRA:
            return _ODK_EXTRA[name](self, values)
        if name == "selected":
            return to_string(values[1]).strip() in _split(values[0])
        if name == "count-selected":
            return float(len(_split(values[0])))
        if name == "selected-at":
            items, k = _split(values[0]), to_number(values[1])
            return items[int(k)] if not math.isnan(k) and 0 <= k < len(items) else ""
        if name == "string":
            return to_string(values[0])
        if name == "number":
            return to_number(values[0])
        if name == "int":
            x = to_number(values[0])
            return x if math.isnan(x) or math.isinf(x) else float(math.trunc(x))
        if name == "round":
            return _round(to_number(values[0]), to_number(values[1]) if len(values) > 1 else 0.0)
        if name == "concat":
            parts: list[str] = []
            for v in values:
                parts.extend(to_string(x) for x in v) if isinstance(v, NodeSet) else parts.append(to_string(v))
            self.spend(len(parts))
            return "".join(parts)
        if name == "string-length":
            return float(len(to_string(values[0])))
        if name == "regex":
            text = to_string(values[0])
            if len(text) > MAX_REGEX_INPUT:
                raise EvaluationError(_("the text is too long to be checked against a pattern"))
            assert node.regex is not None
            return node.regex.search(text) is not None
        if name == "coalesce":
            first = to_string(values[0])
            return values[0] if first != "" else values[1]
        if name == "sum":
            items = values[0] if isinstance(values[0], NodeSet) else (values[0],)
            total = 0.0
            for v in items:
                if to_string(v) != "":
                    total += to_number(v)
            return total
        if name == "count":
            v = values[0]
            if isinstance(v, NodeSet):
                return float(len(v))
            return 1.0 if to_string(v) != "" else 0.0
        if name in ("min", "max"):
            numbers: list[float] = []
            for v in values:
                for x in (v if isinstance(v, NodeSet) else (v,)):
                    if to_string(x) != "":
                        numbers.append(to_number(x))
            if not numbers or any(math.isnan(x) for x in numbers):
                return math.nan
            return min(numbers) if name == "min" else max(numbers)
        if name == "contains":
            return to_string(values[1]) in to_string(values[0])
        if name == "starts-with":
            return to_string(values[0]).startswith(to_string(values[1]))
        if name == "ends-with":
            return to_string(values[0]).endswith(to_string(values[1]))
        if name == "not":
            return not to_bool(values[0])
        if name == "boolean":
            return to_bool(values[0])
        if name == "floor":
            x = to_number(values[0])
            return x if math.isnan(x) or math.isinf(x) else float(math.floor(x))
        if name == "ceiling":
            x = to_number(values[0])
            return x if math.isnan(x) or math.isinf(x) else float(math.ceil(x))
        if name == "abs":
            return abs(to_number(values[0]))
        if name == "pow":
            x, y = to_number(values[0]), to_number(values[1])
            if abs(y) > MAX_POW_EXPONENT and not math.isnan(y):
                raise EvaluationError(_("pow() exponents above {n} are refused").format(n=MAX_POW_EXPONENT))
            try:
                return math.pow(x, y)
            except (OverflowError, ValueError):
                return math.nan
        if name == "date":
            d = _to_date(values[0])
            return d if d is not None else ""
        if name == "substr":
            s = to_string(values[0])
            start = to_number(values[1])
            end = to_number(values[2]) if len(values) > 2 else float(len(s))
            if math.isnan(start) or math.isnan(end):
                return ""
            return s[max(0, int(start)):max(0, int(min(end, len(s))))]
        raise EvaluationError(f"function {name}")  # pragma: no cover - FUNCTIONS lists only the above


class _RowContext:
    """The context of an instance() predicate: bare names are the row's columns, the rest
    is the expression's own context."""

    def __init__(self, outer: Any, row: dict[str, str]):
        self.outer, self.row = outer, row

    def column(self, name: str) -> Value:
        return self.row.get(name, "")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.outer, name)


# ----------------------------------------------------------------------------- ODK's library
def _number_fn(fn: Callable[..., float]) -> Callable[["_Evaluator", list], float]:
    def call(_ev: "_Evaluator", values: list) -> float:
        try:
            return float(fn(*(to_number(v) for v in values)))
        except (ValueError, OverflowError, ZeroDivisionError):
            return math.nan
    return call


def _xpath_substring(s: str, start: float, length: float | None) -> str:
    """XPath 1.0 substring(): 1-based positions, rounded, NaN gives ''."""
    if math.isnan(start) or (length is not None and math.isnan(length)):
        return ""
    first = _round(start)
    last = math.inf if length is None else first + _round(length)
    return "".join(ch for i, ch in enumerate(s, start=1) if first <= i < last)


def _datetime_of(v: Value) -> dt.datetime | None:
    v = _first(v)
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if math.isnan(v) or abs(v) > 3e6:
            return None
        return dt.datetime(1970, 1, 1) + dt.timedelta(days=float(v))
    text = to_string(v).strip()
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    m = re.fullmatch(r"(\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?", text)  # a time alone: that time today
    if m:
        return dt.datetime.combine(EPOCH, dt.time(int(m.group(1)) % 24, int(m.group(2)), int(m.group(3) or 0)))
    return None


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def format_date(v: Value, pattern: str) -> str:
    """ODK's format-date(): %Y %y %m %n %b %d %e %a %H %h %M %S %3, anything else as is."""
    when = _datetime_of(v)
    if when is None:
        return ""
    codes = {
        "Y": f"{when.year:04d}", "y": f"{when.year % 100:02d}", "m": f"{when.month:02d}", "n": str(when.month),
        "b": _MONTHS[when.month - 1], "d": f"{when.day:02d}", "e": str(when.day), "a": _DAYS[when.weekday()],
        "H": f"{when.hour:02d}", "h": str(when.hour), "M": f"{when.minute:02d}", "S": f"{when.second:02d}",
        "3": f"{when.microsecond // 1000:03d}",
    }
    return re.sub(r"%(.)", lambda m: codes.get(m.group(1), m.group(0)), pattern)


def _points(v: Value) -> list[tuple[float, float]]:
    """Points of a geopoint/geotrace/geoshape answer ("lat lon alt acc;lat lon ...")."""
    out = []
    for item in (v if isinstance(v, NodeSet) else (v,)):
        for part in to_string(item).split(";"):
            nums = part.split()
            if len(nums) >= 2:
                lat, lon = to_number(nums[0]), to_number(nums[1])
                if not (math.isnan(lat) or math.isnan(lon)):
                    out.append((math.radians(lat), math.radians(lon)))
    return out


def _distance(values: list) -> float:
    pts = [p for v in values for p in _points(v)]
    total = 0.0
    for (la1, lo1), (la2, lo2) in zip(pts, pts[1:]):
        h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
        total += 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
    return total if len(pts) >= 2 else math.nan


def _area(value: Value) -> float:
    """Area in m² of a closed shape on a sphere (the spherical excess formula ODK uses)."""
    pts = _points(value)
    if len(pts) < 3:
        return 0.0
    if pts[0] != pts[-1]:
        pts.append(pts[0])
    total = 0.0
    for (la1, lo1), (la2, lo2) in zip(pts, pts[1:]):
        total += (lo2 - lo1) * (2 + math.sin(la1) + math.sin(la2))
    return abs(total * EARTH_RADIUS_M ** 2 / 2)


def _checklist(values: list, weighted: bool) -> bool:
    low, high = to_number(values[0]), to_number(values[1])
    flags = values[2:]
    if weighted:
        score = sum(to_number(w) for v, w in zip(flags[0::2], flags[1::2]) if to_bool(v))
    else:
        score = sum(1 for v in flags for x in (v if isinstance(v, NodeSet) else (v,)) if to_bool(x))
    return (math.isnan(low) or low < 0 or score >= low) and (math.isnan(high) or high < 0 or score <= high)


def _digest(values: list) -> str:
    import base64
    import hashlib

    algorithm = to_string(values[1]).upper().replace("-", "")
    names = {"MD5": "md5", "SHA1": "sha1", "SHA256": "sha256", "SHA384": "sha384", "SHA512": "sha512"}
    if algorithm not in names:
        raise EvaluationError(_("digest() does not know the algorithm '{name}'").format(name=to_string(values[1])))
    raw = hashlib.new(names[algorithm], to_string(values[0]).encode("utf-8")).digest()
    encoding = to_string(values[2]).lower() if len(values) > 2 else "base64"
    return raw.hex() if encoding == "hex" else base64.b64encode(raw).decode("ascii")


def _base64_decode(values: list) -> str:
    import base64
    import binascii

    try:
        return base64.b64decode(to_string(values[0]), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""


def _uuid(values: list) -> str:
    import secrets
    import uuid

    if values:
        n = to_number(values[0])
        if math.isnan(n) or not 1 <= n <= 1000:
            return ""
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        return "".join(secrets.choice(alphabet) for _ in range(int(n)))
    return str(uuid.uuid4())


def _choice_name(ev: "_Evaluator", values: list) -> str:
    """jr:choice-name(value, '${question}'): the label of that choice, in the reader's language."""
    where = to_string(values[1])
    m = re.search(r"\$\{([^}]+)\}", where)
    name = m.group(1).strip() if m else where.strip().rstrip("/").rsplit("/", 1)[-1]
    label = getattr(ev.ctx, "choice_label", None)
    code = to_string(values[0]).strip()
    return (label(name, code) if label and code else "") or ""


def _join(values: list) -> str:
    parts: list[str] = []
    for v in values[1:]:
        parts.extend(to_string(x) for x in v) if isinstance(v, NodeSet) else parts.append(to_string(v))
    return to_string(values[0]).join(parts)


def _decimal_time(values: list) -> float:
    when = _datetime_of(values[0])
    if when is None:
        return math.nan
    return (when.hour * 3600 + when.minute * 60 + when.second + when.microsecond / 1e6) / 86400


def _decimal_date_time(values: list) -> float:
    when = _datetime_of(values[0])
    if when is None:
        return math.nan
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return (when - dt.datetime(1970, 1, 1)).total_seconds() / 86400


def _date_time(values: list) -> Value:
    when = _datetime_of(values[0])
    return when if when is not None else ""


def _pulldata(ev: "_Evaluator", values: list) -> Value:
    """pulldata('file', 'column', 'key column', key): from the rows of a data file sent
    with the form, the column of the first row whose key column equals the key."""
    rows = getattr(ev.ctx, "instance_rows", None)
    column, key_column, key = (to_string(v) for v in values[1:])
    for row in (rows(to_string(values[0])) if rows else ()):
        ev.spend()
        if row.get(key_column, "") == key:
            return row.get(column, "")
    return ""


def _position(ev: "_Evaluator", _values: list) -> float:
    position = getattr(ev.ctx, "position", None)
    return float(position()) if position else math.nan


_ODK_EXTRA: dict[str, Callable[["_Evaluator", list], Value]] = {
    "jr:choice-name": _choice_name,
    "format-date": lambda _e, v: format_date(v[0], to_string(v[1])),
    "format-date-time": lambda _e, v: format_date(v[0], to_string(v[1])),
    "join": lambda _e, v: _join(v),
    "uuid": lambda _e, v: _uuid(v),
    "substring-before": lambda _e, v: to_string(v[0]).partition(to_string(v[1]))[0]
    if to_string(v[1]) in to_string(v[0]) else "",
    "substring-after": lambda _e, v: to_string(v[0]).partition(to_string(v[1]))[2]
    if to_string(v[1]) in to_string(v[0]) else "",
    "substring": lambda _e, v: _xpath_substring(to_string(v[0]), to_number(v[1]),
                                                to_number(v[2]) if len(v) > 2 else None),
    "translate": lambda _e, v: "".join(
        (to_string(v[2])[to_string(v[1]).index(ch)] if to_string(v[1]).index(ch) < len(to_string(v[2])) else "")
        if ch in to_string(v[1]) else ch for ch in to_string(v[0])),
    "normalize-space": lambda _e, v: " ".join(to_string(v[0]).split()),
    "string-length": lambda _e, v: float(len(to_string(v[0]))),
    "sqrt": _number_fn(math.sqrt), "exp": _number_fn(math.exp), "exp10": _number_fn(lambda x: 10 ** x),
    "log": _number_fn(math.log), "log10": _number_fn(math.log10), "sin": _number_fn(math.sin),
    "cos": _number_fn(math.cos), "tan": _number_fn(math.tan), "asin": _number_fn(math.asin),
    "acos": _number_fn(math.acos), "atan": _number_fn(math.atan), "atan2": _number_fn(math.atan2),
    "pi": lambda _e, v: math.pi,
    "date-time": lambda _e, v: _date_time(v),
    "decimal-date-time": lambda _e, v: _decimal_date_time(v),
    "decimal-time": lambda _e, v: _decimal_time(v),
    "position": _position,
    "pulldata": _pulldata,
    "count-non-empty": lambda _e, v: float(sum(1 for x in (v[0] if isinstance(v[0], NodeSet) else (v[0],))
                                               if to_string(x) != "")),
    "boolean-from-string": lambda _e, v: to_string(v[0]).strip().lower() in ("true", "1"),
    "checklist": lambda _e, v: _checklist(v, weighted=False),
    "weighted-checklist": lambda _e, v: _checklist(v, weighted=True),
    "random": lambda _e, v: random.random(),
    "digest": lambda _e, v: _digest(v),
    "base64-decode": lambda _e, v: _base64_decode(v),
    "area": lambda _e, v: _area(v[0]),
    "distance": lambda _e, v: _distance(v),
}


def evaluate(text: str, ctx: Context) -> Value:
    """Parse then evaluate; for tests and one-off uses (the engine keeps parsed trees)."""
    return parse(text).evaluate(ctx)


class SimpleContext:
    """A Context over a plain dict of values, for tests and previews."""

    def __init__(self, values: dict[str, Value] | None = None, current: Value = "",
                 columns: dict[str, Value] | None = None, today: dt.date | None = None,
                 now: dt.datetime | None = None, instances: dict[str, list[dict[str, str]]] | None = None):
        self.values = values or {}
        self.instances = instances or {}
        self._current = current
        self.columns = columns or {}
        self._now = now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        self._today = today or self._now.date()

    def lookup(self, name: str) -> Value:
        v = self.values.get(name, "")
        if isinstance(v, list):
            return NodeSet(v)
        return "" if v is None else v

    def instance_rows(self, list_name: str) -> list[dict[str, str]]:
        return self.instances.get(list_name, [])

    def current(self) -> Value:
        return self._current

    def column(self, name: str) -> Value:
        return self.columns.get(name, "")

    def today(self) -> dt.date:
        return self._today

    def now(self) -> dt.datetime:
        return self._now
