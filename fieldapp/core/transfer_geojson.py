"""GeoJSON (RFC 7946) for the records that have a place: organisations and practices.

What the RFC asks and this writes: a FeatureCollection of Features, each with a Point
geometry whose position is [longitude, latitude] in WGS 84 decimal degrees (section 3.1.1,
4), no `crs` member (removed by the RFC), and a `bbox` [west, south, east, north] of the
collection (section 5). A record without coordinates is a Feature with a null geometry
(section 3.2 allows it), so an export holds every record and a round trip loses nothing.
The row id is the Feature's `id`; every other field is a property with its JSON type.
"""
from __future__ import annotations

import json
from typing import IO, Any, Iterable

from fieldapp.core.fieldspec import Entity
from fieldapp.core.transfer_problems import ImportFileError, ImportProblem
from fieldapp.i18n import _


def has_places(e: Entity) -> bool:
    """GeoJSON is offered for entities with a latitude and a longitude."""
    return e.has("latitude") and e.has("longitude")


def feature(e: Entity, row: dict) -> dict:
    lat, lon = row.get("latitude"), row.get("longitude")
    geometry = {"type": "Point", "coordinates": [float(lon), float(lat)]} if lat is not None and lon is not None else None
    props = {f.name: row.get(f.name) for f in e.fields if f.name not in ("latitude", "longitude")}
    return {"type": "Feature", "id": row["id"], "geometry": geometry, "properties": props}


def write_geojson(e: Entity, rows: Iterable[dict], out: IO[str]) -> int:
    """Write the rows as a FeatureCollection; returns the number of features."""
    if not has_places(e):
        raise ValueError(_("{entity} records have no coordinates: GeoJSON is for organisations and practices").format(entity=e.name))
    features = [feature(e, row) for row in rows]
    points = [f["geometry"]["coordinates"] for f in features if f["geometry"]]
    collection: dict[str, Any] = {"type": "FeatureCollection"}
    if points:
        collection["bbox"] = [min(p[0] for p in points), min(p[1] for p in points),
                              max(p[0] for p in points), max(p[1] for p in points)]
    collection["features"] = features
    out.write("{" + ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in collection.items() if k != "features"))
    out.write(', "features": [')
    for i, feat in enumerate(features):
        out.write(("\n" if i == 0 else ",\n") + json.dumps(feat, ensure_ascii=False))
    out.write("\n]}\n" if features else "]}\n")
    return len(features)


def looks_like_geojson(text: str) -> bool:
    head = text.lstrip()[:400]
    return head.startswith("{") and ('"FeatureCollection"' in head or '"Feature"' in head)


def read_geojson(text: str) -> tuple[list[tuple[int, dict]], list[ImportProblem]]:
    """Records (feature position from 1, properties + id + latitude/longitude) and the
    problems of features that are not what an import can take (not a Point, a position
    that is not two or three numbers)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(_("not a GeoJSON file: {reason}").format(reason=exc)) from None
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(data.get("features"), list):
        raise ImportFileError(_("a GeoJSON import must be a FeatureCollection"))
    records: list[tuple[int, dict]] = []
    problems: list[ImportProblem] = []
    for line, feat in enumerate(data["features"], start=1):
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            problems.append(ImportProblem(line, "", _("each member of features must be a Feature")))
            continue
        props = feat.get("properties") or {}
        if not isinstance(props, dict):
            problems.append(ImportProblem(line, "", _("properties must be an object")))
            continue
        record = dict(props)
        if feat.get("id") is not None:
            record["id"] = str(feat["id"])
        geometry = feat.get("geometry")
        if geometry is not None:
            position = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if not isinstance(geometry, dict) or geometry.get("type") != "Point":
                kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
                problems.append(ImportProblem(line, "geometry", _("only Point geometries can be imported, not {kind}").format(kind=kind)))
                continue
            if (not isinstance(position, list) or len(position) not in (2, 3)
                    or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in position)):
                problems.append(ImportProblem(line, "geometry", _("a position must be [longitude, latitude]")))
                continue
            record["longitude"], record["latitude"] = position[0], position[1]
        records.append((line, record))
    return records, problems
