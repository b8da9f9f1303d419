"""Grouping map points that fall close together on screen, Qt-free and fast enough for
100 000 practices (bench/map.py measures it).

Points are bucketed in a square grid whose cells are about CELL_PX screen pixels wide at
the zoom asked for (the cells of zoom z+1 nest exactly in those of zoom z), and each level
is computed once and cached, so panning never re-clusters. A cluster is a plain tuple
(x, y, count, category, index): its centroid in world units, how many points, the most
common category (which colours it) and, when it holds one point, that point's index.
Visible clusters are found by bisecting the clusters sorted by x, so a deep zoom into a
dense region never walks every point.
"""
from __future__ import annotations

import bisect
import threading
from typing import NamedTuple, Sequence

from fieldapp.core.geo import TILE

CELL_PX = 44  # a cluster's grid cell on screen, about
MAX_LEVEL = 20  # deeper than any useful zoom
SINGLES = -1  # the "level" holding every point alone (grouping turned off)


class Cluster(NamedTuple):
    x: float
    y: float
    count: int  # type: ignore[assignment]  # shadows tuple.count, never called on a Cluster
    category: str | None
    index: int  # type: ignore[assignment]  # the point's index when count == 1, else -1 (shadows tuple.index)


class Level:
    """The clusters of one zoom level, sorted by x for range queries."""

    __slots__ = ("clusters", "xs")

    def __init__(self, clusters: list[Cluster]):
        clusters.sort(key=lambda c: c.x)
        self.clusters = clusters
        self.xs = [c.x for c in clusters]

    def in_box(self, x0: float, y0: float, x1: float, y1: float) -> list[Cluster]:
        lo = bisect.bisect_left(self.xs, x0)
        hi = bisect.bisect_right(self.xs, x1)
        return [c for c in self.clusters[lo:hi] if y0 <= c.y <= y1]


def cells_at(level: int) -> int:
    """Cells per world side at a level: square, about CELL_PX pixels at that zoom, a
    power of two so that each splits in four at the next level."""
    return 1 << max(0, (TILE * (1 << level) // CELL_PX).bit_length() - 1)


def level_for(zoom: float) -> int:
    """The cluster level a view at `zoom` uses (levels are whole zooms)."""
    return max(0, min(MAX_LEVEL, int(zoom + 1e-9)))


class PointIndex:
    """Points in world units with a category each, clustered per zoom level on demand.
    Levels may be built from a worker thread while the UI reads the cached ones."""

    def __init__(self, xs: Sequence[float], ys: Sequence[float], categories: Sequence[str | None]):
        if not len(xs) == len(ys) == len(categories):
            raise ValueError("xs, ys and categories must have the same length")
        self.xs = list(xs)
        self.ys = list(ys)
        self.categories = list(categories)
        if self.xs and not (0.0 <= min(self.xs) and max(self.xs) <= 1.0 and 0.0 <= min(self.ys) and max(self.ys) <= 1.0):
            raise ValueError("points must be in world units, 0 to 1 (geo.project gives them)")
        self._levels: dict[int, Level] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.xs)

    def level(self, level: int) -> Level:
        """Clusters at a whole zoom level, or every point alone for SINGLES (computed
        once, then cached)."""
        if level != SINGLES:
            level = max(0, min(MAX_LEVEL, level))
        cached = self._levels.get(level)
        if cached is None:
            built = self._singles() if level == SINGLES else self._build(level)
            with self._lock:
                cached = self._levels.setdefault(level, built)
        return cached

    def cached(self, level: int) -> Level | None:
        """The level if it is already built, else None (the UI then asks a worker)."""
        return self._levels.get(level)

    def nearest_cached(self, level: int) -> Level | None:
        """The built level closest to `level` (shown while the right one is computed)."""
        built = [k for k in list(self._levels) if k != SINGLES]
        if not built:
            return None
        return self._levels[min(built, key=lambda k: (abs(k - level), k))]

    def clusters_in(self, zoom: float, box: tuple[float, float, float, float], *, grouped: bool = True) -> list[Cluster]:
        """Clusters (or, with grouped=False, single points) inside `box` (world units
        x0, y0, x1, y1) for a view at `zoom`."""
        return self.level(level_for(zoom) if grouped else SINGLES).in_box(*box)

    def _singles(self) -> Level:
        cats = self.categories
        return Level([Cluster(x, y, 1, cats[i], i) for i, (x, y) in enumerate(zip(self.xs, self.ys))])

    def _build(self, level: int) -> Level:
        cells = cells_at(level)
        top = cells - 1
        cells_of: dict[int, list] = {}
        xs, ys, cats = self.xs, self.ys, self.categories
        get = cells_of.get
        for i in range(len(xs)):
            x, y = xs[i], ys[i]
            cx, cy = int(x * cells), int(y * cells)
            key = ((cx if cx < top else top) << 32) | (cy if cy < top else top)
            cell = get(key)
            if cell is None:
                cells_of[key] = [x, y, 1, i, None]
                continue
            cell[0] += x
            cell[1] += y
            cell[2] += 1
            counts = cell[4]
            if counts is None:
                counts = cell[4] = {cats[cell[3]]: 1}
            c = cats[i]
            counts[c] = counts.get(c, 0) + 1
        out = []
        for sx, sy, n, first, counts in cells_of.values():
            if n == 1:
                out.append(Cluster(sx, sy, 1, cats[first], first))
            else:
                out.append(Cluster(sx / n, sy / n, n, max(counts, key=counts.__getitem__), -1))
        return Level(out)
