"""Matching what people type to what the schema stores: column names and choice codes.

A correspondent's spreadsheet says "Agroforesterie" where the schema stores
`agroforestry`, and "Practice family" or "famille de pratiques" where the column is
`family`. Matching folds case, accents and spacing, and knows the labels of every
shipped language for reference lists and the interface language's labels for columns.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from fieldapp.core.fieldspec import Entity, Field
from fieldapp.i18n import _

LIST_SEPARATOR = "|"


def fold(text: str) -> str:
    """Case, accents and spacing do not matter when matching a label or a column name.
    Letters without an ASCII form (Arabic, Chinese, Cyrillic) are kept as they are."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return re.sub(r"[\s_\-]+", " ", plain).strip()


def column_map(e: Entity) -> dict[str, str]:
    """Accepted header spellings: `id`, the field name, its English label, or its label
    in the interface language; any case or accents."""
    m = {"id": "id"}
    for f in e.fields:
        m.setdefault(fold(f.name), f.name)
    for f in e.fields:
        m.setdefault(fold(f.label), f.name)
    for f in e.fields:
        m.setdefault(fold(_(f.label)), f.name)
    return m


class CodeMapper:
    """Turns what a person typed in a choice column (a code, any case, or a label in any
    shipped language) into the code the schema stores. Unknown text passes through, so
    validation names it."""

    def __init__(self, catalog: Any):
        self.catalog = catalog
        self._maps: dict[str, dict[str, str]] = {}

    def _map(self, f: Field) -> dict[str, str]:
        key = f.ref_list or f"{f.name}:fixed"
        if key not in self._maps:
            m: dict[str, str] = {}
            if f.choices is not None:
                for code in f.choices:
                    m.setdefault(fold(code), code)
            else:
                entries = self.catalog.entries.get(f.ref_list or "", {})
                for code in entries:  # codes win over labels
                    m.setdefault(fold(code), code)
                for code, entry in entries.items():
                    labels = [entry.get("label") or "", *((entry.get("labels") or {}).values())]
                    for label in labels:
                        if label:
                            m.setdefault(fold(label), code)
            self._maps[key] = m
        return self._maps[key]

    def code(self, f: Field, text: Any) -> Any:
        if not isinstance(text, str) or not text.strip():
            return text
        exact = text.strip()
        if f.choices is not None and exact in f.choices:
            return exact
        if f.ref_list and self.catalog.has(f.ref_list, exact):
            return exact
        return self._map(f).get(fold(exact), exact)

    def codes(self, f: Field, value: Any) -> Any:
        """A multi-choice cell: 'a|b', or one label with spaces, or 'a, b' / 'a; b'."""
        if isinstance(value, list):
            return [self.code(f, v) for v in value]
        if not isinstance(value, str) or not value.strip() or value.strip().startswith("["):
            return value
        text = value.strip()
        if LIST_SEPARATOR in text:
            parts = text.split(LIST_SEPARATOR)
        elif self.code(f, text) != text or self._known(f, text):
            parts = [text]
        else:
            parts = re.split(r"[;,]", text) if re.search(r"[;,]", text) else [text]
        mapped = [self.code(f, p.strip()) for p in parts if p.strip()]
        if len(mapped) == 1 and not self._known(f, mapped[0]) and " " in mapped[0]:
            return mapped[0]  # let the schema split on spaces and name what it does not know
        return mapped

    def _known(self, f: Field, code: str) -> bool:
        return code in f.choices if f.choices is not None else self.catalog.has(f.ref_list or "", code)
