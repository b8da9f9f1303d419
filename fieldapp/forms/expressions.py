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


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens, refusing any character outside the grammar."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n\u00a0":
            i += 1
            continue
        two = text[i:i + 2]
        if two == "${":
            end = text.find("}", i + 2)
            if end < 0:
                raise ExpressionError(_("'${' is never closed by '}'"), i)
            name = text[i + 2:end].strip()
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


# name -> (minimum arguments, maximum arguments or None for "any")
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "selected": (2, 2), "count-selected": (1, 1), "if": (3, 3), "today": (0, 0), "now": (0, 0),
    "string": (1, 1), "number": (1, 1), "int": (1, 1), "round": (1, 2), "concat": (1, None),
    "string-length": (1, 1), "regex": (2, 2), "coalesce": (2, 2), "sum": (1, 1), "count": (1, 1),
    "contains": (2, 2), "starts-with": (2, 2), "ends-with": (2, 2), "not": (1, 1), "true": (0, 0),
    "false": (0, 0), "boolean": (1, 1), "floor": (1, 1), "ceiling": (1, 1), "abs": (1, 1),
    "pow": (2, 2), "min": (1, None), "max": (1, None), "date": (1, 1), "substr": (2, 3),
    "once": (1, 1), "selected-at": (2, 2),
}
AGGREGATES = {"sum", "count", "min", "max"}


def _check_regex(pattern: str, pos: int) -> re.Pattern[str]:
    """Accept only patterns whose matching time stays linear-ish in the input: no nested
    quantifiers, no alternatives inside a repeated group (use a character class), no
    backreferences, a few unbounded quantifiers at most."""
    if len(pattern) > MAX_REGEX_LENGTH:
        raise ExpressionError(_("the regex() pattern is longer than {n} characters").format(n=MAX_REGEX_LENGTH), pos)
    try:
        compiled = re.compile(pattern)
        import re._parser as sre_parse  # the stdlib's own pattern parser, no code runs
        from re._constants import (
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
            if self.columns and NAME_RE.fullmatch(tok.text) and not tok.text.startswith("__"):
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

    __slots__ = ("text", "tree", "refs", "uses_current", "columns", "functions", "aggregated")

    def __init__(self, text: str, tree: Node, parser: _Parser):
        self.text = text
        self.tree = tree
        self.refs = frozenset(parser.refs)
        self.uses_current = parser.uses_current
        self.columns = frozenset(parser.column_names)
        self.functions = frozenset(parser.functions)
        self.aggregated = frozenset(parser.aggregated)

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"

    def evaluate(self, ctx: Context, max_steps: int = MAX_STEPS) -> Value:
        return _Evaluator(ctx, max_steps).visit(self.tree)

    def truth(self, ctx: Context) -> bool:
        return to_bool(self.evaluate(ctx))


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


def references(text: str) -> frozenset[str]:
    """The ${names} an expression reads (used for labels with ${name} too)."""
    return parse(text).refs


_LABEL_REF_RE = re.compile(r"\$\{([^}]*)\}")


def label_references(text: str) -> list[str]:
    """The ${names} written in a label or hint, where they show the current answers."""
    return [m.group(1).strip() for m in _LABEL_REF_RE.finditer(text or "")]


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
        raise EvaluationError("unknown node")  # pragma: no cover - the parser makes only the above

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
        values = [self.visit(a) for a in args]
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


def evaluate(text: str, ctx: Context) -> Value:
    """Parse then evaluate; for tests and one-off uses (the engine keeps parsed trees)."""
    return parse(text).evaluate(ctx)


class SimpleContext:
    """A Context over a plain dict of values, for tests and previews."""

    def __init__(self, values: dict[str, Value] | None = None, current: Value = "",
                 columns: dict[str, Value] | None = None, today: dt.date | None = None,
                 now: dt.datetime | None = None):
        self.values = values or {}
        self._current = current
        self.columns = columns or {}
        self._now = now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        self._today = today or self._now.date()

    def lookup(self, name: str) -> Value:
        v = self.values.get(name, "")
        if isinstance(v, list):
            return NodeSet(v)
        return "" if v is None else v

    def current(self) -> Value:
        return self._current

    def column(self, name: str) -> Value:
        return self.columns.get(name, "")

    def today(self) -> dt.date:
        return self._today

    def now(self) -> dt.datetime:
        return self._now
