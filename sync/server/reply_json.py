"""The sync reply's JSON, with the changes of a page encoded once for every reader.

A push's reply carries the changes the others wrote since the sender's cursor, so in a
busy hour the same new row goes out to every device of its region. Encoding it again
for each was a fifth of the service's CPU on such a reply (bench/server.py); a change
that does not depend on its reader (a row new to it: every field) keeps its text
(`Changes.texts`), and the reply is spliced from those texts. The text is the one
`json.dumps` gives with the reply's options, so a spliced reply is byte for byte the
reply encoded at once.
"""
from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from typing import Any, Iterable, Mapping


def dumps(value: Any) -> bytes:
    """Strict JSON as every sync reply is sent: UTF-8, no spaces, never a bare NaN."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str, allow_nan=False).encode()


_encode_str = json.encoder.encode_basestring  # what dumps uses for a str with ensure_ascii=False (C)


def value_json(value: Any) -> bytes:
    """`dumps(value)`, byte for byte, with the scalars a row holds encoded without the
    encoder's set-up: a columnar page encodes each field value of each row apart
    (columnar_json.piece), some fifty per practice, and the set-up was most of that cost
    (a 100 000-practice first sync spent a fifth of the service's time there)."""
    kind = type(value)
    if value is None:
        return b"null"
    if kind is str:
        return _encode_str(value).encode()
    if kind is int:
        return int.__repr__(value).encode()
    if kind is bool:
        return b"true" if value else b"false"
    if kind is float and math.isfinite(value):
        return float.__repr__(value).encode()
    return dumps(value)  # containers, other types (default=str), and NaN refused as dumps refuses it


class Changes(list):
    """A page's changes (a list of dicts, as ever) with, beside each, its JSON text when
    known (None: encoded when the reply is). The dicts may be shared by several replies:
    read them, never change them."""

    def __init__(self, items: Iterable[dict] = (), texts: Iterable[bytes | None] = ()):
        super().__init__(items)
        self.texts: list[bytes | None] = list(texts)


class Spliced(ABC):
    """A value that carries its own JSON text (columnar_json.Blocks), spliced as it is."""

    @abstractmethod
    def json(self) -> bytes:
        """The value's JSON, as `dumps` would give it."""


def encode_reply(payload: Mapping[str, Any]) -> bytes:
    """`payload` as `dumps` encodes it, a `Changes` value from its texts, a `Spliced`
    value (columnar_json.Blocks) from its own text."""
    parts = []
    for key, value in payload.items():
        if isinstance(value, Spliced):
            text = value.json()
        elif isinstance(value, Changes) and len(value.texts) == len(value):
            text = b"[" + b",".join(t if t is not None else dumps(c) for c, t in zip(value, value.texts)) + b"]"
        else:
            text = dumps(value)
        parts.append(dumps(key) + b":" + text)
    return b"{" + b",".join(parts) + b"}"
