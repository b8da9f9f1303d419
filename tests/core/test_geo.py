"""The map's Qt-free parts: projection, shipped borders, clustering, MBTiles, points."""
from __future__ import annotations

import json
import random
import sqlite3

import pytest

from fieldapp.core import geo
from fieldapp.core.geo_cluster import SINGLES, PointIndex, level_for
from fieldapp.core.geo_mbtiles import MBTiles, MBTilesError
from fieldapp.core.geo_points import load_layer, records_by_rowid, unplaced_records


def test_projection_round_trip_and_edges():
    for lon, lat in ((0, 0), (2.35, 48.86), (-77.03, -12.04), (179.9, -85), (-180, 60)):
        x, y = geo.project(lon, lat)
        assert 0 <= x <= 1 and 0 <= y <= 1
        back_lon, back_lat = geo.unproject(x, y)
        assert back_lon == pytest.approx(lon, abs=1e-9) and back_lat == pytest.approx(lat, abs=1e-9)
    assert geo.project(0, 0) == pytest.approx((0.5, 0.5))
    assert geo.project(10, 90)[1] == geo.project(10, 89.9999)[1] == pytest.approx(0.0, abs=1e-6)
    assert geo.project(10, 30)[1] < geo.project(10, -30)[1]  # north is up (y grows southward)


def test_valid_position():
    assert geo.valid_position(12.3, -1.5)
    assert not geo.valid_position(None, 3)
    assert not geo.valid_position(95, 3)
    assert not geo.valid_position(3, float("nan"))


def test_shipped_borders_hold_the_world_and_place_countries_right():
    countries = geo.shipped_borders()
    assert 200 < len(countries) < 260
    by_code = {c.alpha_2: c for c in countries if c.alpha_2}
    for code, (lon, lat) in {"FR": (2.35, 46.5), "BF": (-1.5, 12.3), "IN": (78.0, 22.0), "BR": (-50, -10)}.items():
        x0, y0, x1, y1 = by_code[code].bounds
        x, y = geo.project(lon, lat)
        assert x0 <= x <= x1 and y0 <= y <= y1, code
    points = sum(len(r) for c in countries for p in c.polygons for r in p)
    assert 20_000 < points < 80_000  # simplified, still recognisable


def test_damaged_borders_file_says_which(tmp_path):
    bad = tmp_path / "countries.json"
    bad.write_text('{"precision": 100, "countries": [{"polygons": [[[1, 2, 3]]]}', encoding="utf-8")
    with pytest.raises(ValueError, match="countries.json"):
        geo.load_borders(bad)
    bad.write_text(json.dumps({"countries": []}), encoding="utf-8")
    with pytest.raises(ValueError, match="precision"):
        geo.load_borders(bad)


def _index(points, cats=None):
    xs = [geo.project(lon, lat)[0] for lon, lat in points]
    ys = [geo.project(lon, lat)[1] for lon, lat in points]
    return PointIndex(xs, ys, cats or ["a"] * len(points))


def test_clusters_merge_near_points_when_far_out_and_split_them_when_close():
    # three practices in one Senegalese village and one in Peru
    village = [(-16.95 + i * 0.001, 14.70) for i in range(3)]
    index = _index(village + [(-77.0, -12.0)], ["cover_crops", "cover_crops", "agroecology", "agroecology"])
    far = index.level(2).clusters
    assert sorted(c.count for c in far) == [1, 3]
    big = next(c for c in far if c.count == 3)
    assert big.category == "cover_crops" and big.index == -1
    close = index.level(18).clusters  # 0.001° is about 190 px apart at zoom 18
    assert sorted(c.count for c in close) == [1, 1, 1, 1]
    assert {c.index for c in close} == {0, 1, 2, 3}


def test_every_level_accounts_for_every_point():
    rng = random.Random(7)
    pts = [(rng.uniform(-20, 50), rng.uniform(-35, 40)) for _ in range(3000)]
    index = _index(pts, [rng.choice("abc") for _ in pts])
    previous = 0
    for level in range(0, 19, 3):
        clusters = index.level(level).clusters
        assert sum(c.count for c in clusters) == 3000
        assert len(clusters) >= previous  # deeper levels never hold fewer groups
        previous = len(clusters)
    assert len(index.level(SINGLES).clusters) == 3000
    assert level_for(3.7) == 3 and level_for(-1) == 0


def test_in_box_returns_only_what_is_inside():
    index = _index([(-10, 10), (0, 0), (10, -10), (100, 50)])
    x0, y0 = geo.project(-15, 15)
    x1, y1 = geo.project(15, -15)
    inside = index.clusters_in(12, (x0, y0, x1, y1))
    assert sorted(c.index for c in inside) == [0, 1, 2]
    assert sorted(c.index for c in index.clusters_in(12, (x0, y0, x1, y1), grouped=False)) == [0, 1, 2]
    assert index.cached(12) is not None and index.nearest_cached(11) is index.cached(12)


def make_mbtiles(path, tiles: dict[tuple[int, int, int], bytes], meta: dict | None = None):
    """A tiny MBTiles file: tiles keyed by XYZ (stored as TMS rows, as the spec says)."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    for k, v in (meta or {"name": "test", "format": "png"}).items():
        conn.execute("INSERT INTO metadata VALUES (?, ?)", (k, v))
    for (z, x, y), data in tiles.items():
        conn.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, data))
    conn.commit()
    conn.close()
    return path


def test_mbtiles_reads_xyz_tiles_from_tms_rows(tmp_path):
    path = make_mbtiles(tmp_path / "t.mbtiles", {(0, 0, 0): b"world", (1, 0, 0): b"north-west", (1, 1, 1): b"south-east"},
                        {"name": "Kaya", "format": "png", "attribution": "© survey"})
    tiles = MBTiles(path)
    assert tiles.info.name == "Kaya" and (tiles.info.min_zoom, tiles.info.max_zoom) == (0, 1)
    assert tiles.info.attribution == "© survey"
    assert tiles.tile(0, 0, 0) == b"world"
    assert tiles.tile(1, 0, 0) == b"north-west"
    assert tiles.tile(1, 1, 1) == b"south-east"
    assert tiles.tile(1, 1, 0) is None and tiles.tile(1, 5, 0) is None
    tiles.close()


def test_mbtiles_refuses_what_cannot_serve_tiles(tmp_path):
    with pytest.raises(MBTilesError, match="no such file"):
        MBTiles(tmp_path / "missing.mbtiles")
    text = tmp_path / "notes.mbtiles"
    text.write_text("hello, not a database" * 100)
    with pytest.raises(MBTilesError, match="not an MBTiles file"):
        MBTiles(text)
    other = tmp_path / "other.mbtiles"
    sqlite3.connect(other).execute("CREATE TABLE x (a)").connection.commit()
    with pytest.raises(MBTilesError, match="no tiles table"):
        MBTiles(other)
    vector = make_mbtiles(tmp_path / "v.mbtiles", {(0, 0, 0): b"pbf"}, {"format": "pbf"})
    with pytest.raises(MBTilesError, match="vector tiles"):
        MBTiles(vector)
    empty = make_mbtiles(tmp_path / "e.mbtiles", {})
    with pytest.raises(MBTilesError, match="no tiles"):
        MBTiles(empty)


def test_layers_follow_the_lists_filters_and_count_the_unplaced(store):
    store.insert("practice", {"title": "Mulch", "family": "cover_crops", "country": "SN", "latitude": 14.7, "longitude": -17.4})
    store.insert("practice", {"title": "Zaï", "family": "agroecology", "country": "BF", "latitude": 12.3, "longitude": -1.5})
    store.insert("practice", {"title": "Somewhere", "family": "agroecology", "country": "BF"})
    gone = store.insert("practice", {"title": "Deleted", "family": "agroecology", "country": "BF", "latitude": 1, "longitude": 1})
    store.delete("practice", gone)
    layer = load_layer(store, "practice")

    def titles(layer):
        return sorted(t for _i, t in records_by_rowid(store, "practice", layer.rowids).values())

    assert titles(layer) == ["Mulch", "Zaï"] and layer.unplaced == 1
    placed = sorted(geo.unproject(x, y) for x, y in zip(layer.index.xs, layer.index.ys))
    assert placed == [pytest.approx((-17.4, 14.7)), pytest.approx((-1.5, 12.3))]
    only = load_layer(store, "practice", {"family": "agroecology", "college": "C1"})  # college is not a practice's
    assert titles(only) == ["Zaï"] and only.unplaced == 1
    (rowid,) = only.rowids
    assert records_by_rowid(store, "practice", [rowid])[rowid][0] == store.ids("practice", {"title": "Zaï"})[0]
    assert [t for _i, t in unplaced_records(store, "practice")] == ["Somewhere"]
    assert unplaced_records(store, "practice", {"family": "cover_crops"}) == []
    assert layer.index.cached(0) is not None and layer.index.cached(5) is None  # only the first view's level is built
    assert sum(c.count for c in layer.index.level(0).clusters) == 2


def test_the_map_names_a_point_in_the_readers_language(store):
    """Issue 20: the map, like the lists, reads a record in the interface language when a
    translation exists, else as written."""
    from fieldapp.core.fieldspec import translation_name

    store.insert("practice", {"title": "Paillage des cultures", "language": "fr", "family": "cover_crops",
                              "country": "SN", "latitude": 14.7, "longitude": -17.4,
                              translation_name("title", "es"): "Acolchado de cultivos"})
    (rowid,) = load_layer(store, "practice").rowids
    assert records_by_rowid(store, "practice", [rowid], "es")[rowid][1] == "Acolchado de cultivos"
    assert records_by_rowid(store, "practice", [rowid], "en")[rowid][1] == "Paillage des cultures"


def test_a_first_view_has_the_clusters_the_whole_layer_builds(store):
    """The map's first paint groups points in SQLite (first_view): the same cells, counts,
    centroids and colours as the points read and clustered in Python, the filters and
    deleted rows alike, and a cluster of one names its record."""
    import random

    from fieldapp.core.geo_points import first_view

    rng = random.Random(7)
    families = ["cover_crops", "agroecology", "agroforestry"]
    rows = [{"title": f"P{i}", "family": rng.choice(families), "country": "BF",
             "latitude": rng.uniform(-89.9, 89.9), "longitude": rng.uniform(-180, 180)} for i in range(400)]
    rows += [{"title": "Far north", "family": "agroecology", "country": "BF", "latitude": 89.99, "longitude": 180.0},
             {"title": "No position", "family": "agroecology", "country": "BF"}]
    store.bulk_insert("practice", rows)
    store.delete("practice", store.ids("practice", {"title": "P3"})[0])
    for filters in ({}, {"family": "agroecology"}):
        whole = load_layer(store, "practice", filters)
        for level in (0, 1, 2, 3):
            first = first_view(store, "practice", filters, level)
            assert first is not None and len(first) == len(whole) and first.unplaced == whole.unplaced == 1
            mine = sorted((round(c.x, 12), round(c.y, 12), c.count, c.category) for c in first.index.level(level).clusters)
            theirs = sorted((round(c.x, 12), round(c.y, 12), c.count, c.category) for c in whole.index.level(level).clusters)
            assert mine == theirs, (filters, level)
            alone = {(round(c.x, 12), round(c.y, 12)): first.rowids[c.index]
                     for c in first.index.level(level).clusters if c.count == 1}
            assert alone == {(round(c.x, 12), round(c.y, 12)): whole.rowids[c.index]
                             for c in whole.index.level(level).clusters if c.count == 1}
            assert set(first.index.categories) == set(whole.index.categories)
    assert first_view(store, "practice", {}, 12) is None  # too many cells for one pass: the whole layer is read
