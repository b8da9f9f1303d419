"""The data files that come with a form (ODK's "form media"), read as lists of items.

`select_one_from_file villages.csv`, `select_one_external`, `instance('villages')/root/
item[...]` lookups and `pulldata('villages', ...)` all read rows of a CSV, XML or GeoJSON
file sent with the form. Field App reads such a file when the form is imported (beside
the workbook, or in its `<form>-media/` folder as ODK Collect lays them out) and keeps
its rows in the definition as a choice list named after the file, so the data travels
with the template through sync and every device reads the same rows.

Each row becomes a `Choice`: `name` from the `name` column (GeoJSON: the feature's `id`
or its `id` property), `label` from `label` (or `label::Language`, GeoJSON: `title`), every
other column kept for choice filters and lookups (GeoJSON: `geometry` as ODK writes it,
"lat lon 0 0;lat lon 0 0").
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any, Callable

from fieldapp.forms.definition import Choice
from fieldapp.i18n import _

MAX_MEDIA_BYTES = 20 * 2 ** 20
MAX_MEDIA_ROWS = 50_000
MEDIA_SUFFIXES = (".csv", ".xml", ".geojson")


class MediaError(ValueError):
    """A form data file that cannot be read; the message names the file and the cause."""


def find_media(workbook: Path, file_name: str) -> Path | None:
    """The data file `file_name` sent with the workbook, if it is there."""
    name = Path(file_name).name
    for folder in (workbook.parent, workbook.parent / f"{workbook.stem}-media", workbook.parent / "media"):
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def read_media(path: Path, language: str, language_code: Callable[[str], str],
               value: str = "name", label: str = "label") -> list[Choice]:
    """The rows of a CSV, XML or GeoJSON data file as choices (see the module docstring)."""
    if path.stat().st_size > MAX_MEDIA_BYTES:
        raise MediaError(_("{file}: the data file is larger than {mb} MB").format(
            file=path.name, mb=MAX_MEDIA_BYTES // 2 ** 20))
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            rows = _csv_rows(text)
        elif suffix == ".xml":
            rows = _xml_rows(text)
        elif suffix == ".geojson":
            rows = _geojson_rows(text)
        else:
            raise MediaError(_("{file}: a data file is .csv, .xml or .geojson").format(file=path.name))
    except (ValueError, KeyError, TypeError, csv.Error) as e:
        raise MediaError(_("{file}: the data file cannot be read: {reason}").format(
            file=path.name, reason=str(e)[:120])) from None
    if len(rows) > MAX_MEDIA_ROWS:
        raise MediaError(_("{file}: more than {n} rows").format(file=path.name, n=MAX_MEDIA_ROWS))
    out: list[Choice] = []
    for row in rows:
        name = str(row.get(value) or "").strip()
        if not name:
            continue
        labels: dict[str, str] = {}
        for key, text_ in row.items():
            base, _sep, lang = key.partition("::")
            if base == label and text_:
                labels.setdefault(language_code(lang) if lang else language, str(text_))
        columns = {k: str(v) for k, v in row.items() if k not in (value,) and not k.startswith(label + "::")
                   and k != label and v not in (None, "")}
        out.append(Choice(name, labels, columns))
    return out


def _csv_rows(text: str) -> list[dict[str, str]]:
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


def _xml_rows(text: str) -> list[dict[str, str]]:
    from defusedxml import ElementTree

    root = ElementTree.fromstring(text)
    return [{child.tag: (child.text or "").strip() for child in item} for item in root.iter("item")]


def _geojson_rows(text: str) -> list[dict[str, str]]:
    doc = json.loads(text)
    rows = []
    for feature in doc.get("features", []):
        props = {k: v for k, v in (feature.get("properties") or {}).items() if not isinstance(v, (dict, list))}
        row = {k: str(v) for k, v in props.items() if v is not None}
        row.setdefault("name", str(feature.get("id") or props.get("id") or ""))
        if "title" in row:
            row.setdefault("label", row["title"])
        row["geometry"] = _odk_geometry(feature.get("geometry") or {})
        rows.append(row)
    return rows


def _odk_geometry(geometry: dict) -> str:
    """GeoJSON coordinates (lon, lat) as ODK's geo text ("lat lon 0 0;...")."""
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    points: Any
    if kind == "Point":
        points = [coords]
    elif kind == "LineString":
        points = coords
    elif kind == "Polygon":
        points = coords[0] if coords else []
    else:
        return ""
    return ";".join(f"{p[1]} {p[0]} 0 0" for p in points if isinstance(p, list) and len(p) >= 2)
