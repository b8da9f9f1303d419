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
from abc import ABC, abstractmethod
from typing import Any, Iterable, Mapping


def dumps(value: Any) -> bytes:
    """Strict JSON as every sync reply is sent: UTF-8, no spaces, never a bare NaN."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str, allow_nan=False).encode()


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
