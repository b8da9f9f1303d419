"""Rebuild resources/geo/countries.json from Natural Earth's 1:50m country borders.

Input: `countries-50m.json` of the npm package world-atlas 2.0.2 (Natural Earth 1:50m
admin-0 countries as TopoJSON; `npm pack world-atlas@2.0.2` fetches it). Output: every
country's polygons simplified with Douglas-Peucker (per shared arc, so neighbours keep one
common border) and rounded to 0.01°, delta-encoded, about 300 KB:

    {"source": ..., "precision": 100,
     "countries": [{"id": "250", "a2": "FR", "name": "France",
                    "polygons": [[ring, hole...], ...]}]}

where a ring is a flat list [lon0*100, lat0*100, dlon1, dlat1, ...] of integers.

    python resources/geo/build_borders.py path/to/countries-50m.json [--tolerance 0.04]
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent
PRECISION = 100  # 0.01 degree: about 1 km, finer than any zoom the borders serve


def decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    """TopoJSON quantized, delta-encoded arcs to absolute (lon, lat) lists."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas-Peucker, iterative (long coastlines would overflow recursion); the ends stay."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        best, index = -1.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            d = abs(dy * (px - x1) - dx * (py - y1)) / norm if norm else math.hypot(px - x1, py - y1)
            if d > best:
                best, index = d, i
        if best > tolerance and index > 0:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep) if k]


def ring_points(ring: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        out.extend(arc if not out else arc[1:])
    return out


def encode(points: list[tuple[float, float]]) -> list[int]:
    flat: list[int] = []
    px = py = 0
    last = None
    for lon, lat in points:
        x, y = round(lon * PRECISION), round(lat * PRECISION)
        if (x, y) == last:
            continue
        flat += [x - px, y - py]
        px, py, last = x, y, (x, y)
    return flat


def alpha2(numeric: str | None) -> str | None:
    try:
        import pycountry
    except ImportError:
        return None
    if not numeric:
        return None
    c = pycountry.countries.get(numeric=numeric)
    return c.alpha_2 if c else None


def build(source: Path, tolerance: float) -> dict:
    topo = json.loads(source.read_text(encoding="utf-8"))
    arcs = [simplify(a, tolerance) for a in decode_arcs(topo)]
    countries = []
    for g in topo["objects"]["countries"]["geometries"]:
        if g["type"] == "Polygon":
            polys = [g["arcs"]]
        elif g["type"] == "MultiPolygon":
            polys = g["arcs"]
        else:
            continue
        polygons = []
        for poly in polys:
            rings = [encode(ring_points(r, arcs)) for r in poly]
            rings = [r for r in rings if len(r) >= 6]  # three points or more
            if rings:
                polygons.append(rings)
        if polygons:
            countries.append({"id": g.get("id"), "a2": alpha2(g.get("id")),
                              "name": g.get("properties", {}).get("name", ""), "polygons": polygons})
    return {
        "source": "Natural Earth 1:50m admin-0 countries (public domain), via world-atlas 2.0.2",
        "precision": PRECISION, "tolerance_degrees": tolerance, "countries": countries,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="world-atlas countries-50m.json")
    parser.add_argument("--tolerance", type=float, default=0.04, help="simplification, in degrees")
    parser.add_argument("-o", "--output", type=Path, default=HERE / "countries.json")
    args = parser.parse_args(argv)
    data = build(args.source, args.tolerance)
    args.output.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    points = sum(len(r) // 2 for c in data["countries"] for p in c["polygons"] for r in p)
    print(f"{args.output}: {len(data['countries'])} countries, {points} points, {args.output.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
