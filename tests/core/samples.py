"""Valid sample values for any entity, built from the schema (no field list by hand)."""
from __future__ import annotations

import itertools
from typing import Any

from fieldapp.core import fieldspec as fs
from fieldapp.core.schema import entity
from fieldapp.core.store import Store

_counter = itertools.count(1)


def sample_value(store: Store, f: fs.Field, *, parents: dict[str, str]) -> Any:
    n = next(_counter)
    if f.kind == fs.REF:
        return parents.get(f.ref) or make(store, f.ref or "", parents=parents)
    if f.kind in (fs.CHOICE, fs.MULTI):
        codes = list(f.choices) if f.choices else store.catalog.codes(f.ref_list or "")
        pick = codes[n % len(codes)]
        return pick if f.kind == fs.CHOICE else [pick, codes[(n + 1) % len(codes)]]
    if f.kind == fs.TEXT and f.max_length and f.max_length < 30:
        return f"E{n}"[: f.max_length]
    return {
        fs.TEXT: f"Échantillon {f.name} {n}",
        fs.LONGTEXT: f"Texte long {f.name}\nsur deux lignes {n}",
        fs.INT: int(max(f.minimum or 0, min(f.maximum or 10_000, 2020 + n % 5))),
        fs.DECIMAL: float(max(f.minimum if f.minimum is not None else 0, min(f.maximum if f.maximum is not None else 1e9, 1.25))),
        fs.BOOL: True,
        fs.DATE: "2026-03-14",
        fs.DATETIME: "2026-03-14T09:30:00Z",
        fs.JSON: {"fr": "valeur", "n": n},
        fs.EMAIL: f"person{n}@example.org",
        fs.URL: f"https://example.org/{n}",
        fs.SCORE: (n % 7) - 3,
        fs.URLS: [f"https://example.org/a{n}", f"https://example.org/b{n}"],
    }[f.kind]


def sample_values(store: Store, name: str, parents: dict[str, str] | None = None) -> dict[str, Any]:
    parents = dict(parents or {})
    e = entity(name)
    values = {f.name: sample_value(store, f, parents=parents) for f in e.fields}
    if e.name == "reference":
        values["code"] = f"X{next(_counter)}"
    return values


def make(store: Store, name: str, parents: dict[str, str] | None = None) -> str:
    return store.insert(name, sample_values(store, name, parents))
