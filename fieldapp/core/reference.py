"""Reference lists: shipped in resources/reference, loaded into the `reference` table on
first start, kept in memory for validation and display.

Rows get ids derived from (list, code), so every client and the server agree on them
without a sync, and reloading the shipped files never duplicates an entry.
"""
from __future__ import annotations

import gettext
import json
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Mapping

import pycountry

from fieldapp.paths import resources_dir

NAMESPACE = uuid.UUID("5b0e4a1c-4d0e-4f00-9a00-000000004000")
LABEL_LANGS = ("en", "fr", "es", "ar", "zh", "ru")


def reference_id(list_name: str, code: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{list_name}:{code}"))


def _country_translations(lang: str) -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang])
    except OSError:
        return gettext.NullTranslations()


@lru_cache(maxsize=1)
def shipped_rows() -> tuple[dict, ...]:
    """Every reference entry shipped with the app, as `reference` entity values plus id."""
    base = resources_dir() / "reference"
    lists = json.loads((base / "lists.json").read_text(encoding="utf-8"))
    more_file = base / "labels_more.json"  # Arabic, Chinese, Russian labels: {list: {code: {lang: label}}}
    more = json.loads(more_file.read_text(encoding="utf-8")) if more_file.exists() else {}
    rows: list[dict] = []
    for list_name, entries in lists.items():
        if list_name.startswith("_"):
            continue
        for pos, (code, en, fr, es, parent) in enumerate(entries):
            labels = {"en": en, "fr": fr, "es": es} | more.get(list_name, {}).get(code, {})
            rows.append(_row(list_name, code, en, labels, parent, pos))
    regions = json.loads((base / "country_regions.json").read_text(encoding="utf-8"))
    region_of = {c: r for r, codes in regions.items() for c in codes.split()}
    catalogs = {lang: _country_translations(lang) for lang in LABEL_LANGS if lang != "en"}
    countries = sorted(pycountry.countries, key=lambda c: getattr(c, "common_name", c.name))
    for pos, c in enumerate(countries):
        en = getattr(c, "common_name", None) or c.name
        labels = {"en": en} | {lang: t.gettext(c.name) for lang, t in catalogs.items()}
        rows.append(_row("country", c.alpha_2, en, labels, region_of[c.alpha_2], pos))
    return tuple(rows)


def _row(list_name: str, code: str, label: str, labels: dict, parent: str | None, pos: int) -> dict:
    return {
        "id": reference_id(list_name, code), "list_name": list_name, "code": code, "label": label,
        "labels": labels, "parent": parent, "description": None, "position": pos,
    }


@dataclass
class Catalog:
    """In-memory view of the reference table: codes per list, labels, parents."""

    entries: dict[str, dict[str, dict]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[Any, Any]]) -> "Catalog":
        cat = cls()
        for r in rows:
            if not r.get("deleted"):
                cat.entries.setdefault(r["list_name"], {})[r["code"]] = dict(r)
        for codes in cat.entries.values():
            ordered = sorted(codes.items(), key=lambda kv: (kv[1].get("position") or 0, kv[0]))
            codes.clear()
            codes.update(ordered)
        return cat

    def has(self, list_name: str, code: str) -> bool:
        return code in self.entries.get(list_name, {})

    def codes(self, list_name: str) -> list[str]:
        return list(self.entries.get(list_name, {}))

    def label(self, list_name: str, code: str | None, lang: str = "en") -> str:
        """The label in `lang`, else English, else the code itself."""
        if code is None:
            return ""
        entry = self.entries.get(list_name, {}).get(code)
        if entry is None:
            return code
        labels = entry.get("labels") or {}
        return labels.get(lang) or labels.get("en") or entry["label"]

    def parent(self, list_name: str, code: str | None) -> str | None:
        entry = self.entries.get(list_name, {}).get(code or "")
        return entry.get("parent") if entry else None

    def region_of_country(self, country: str | None) -> str | None:
        return self.parent("country", country)
