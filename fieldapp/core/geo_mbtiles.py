"""Optional detailed raster tiles from an MBTiles file the user opens (MBTiles 1.3: an
SQLite database with a `tiles` table and a `metadata` table). Qt-free; the map draws the
image bytes. Read-only: the file is never changed, and a file that is not MBTiles is
refused with a message naming what is missing."""
from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from fieldapp.i18n import _


class MBTilesError(ValueError):
    """The file cannot serve tiles; the message says why, for a person."""


@dataclass(frozen=True)
class TilesetInfo:
    name: str
    format: str  # png, jpg, webp
    min_zoom: int
    max_zoom: int
    attribution: str


class MBTiles:
    """An open tileset. `tile(z, x, y)` takes XYZ numbering (y down, as the map's); the
    file stores TMS rows (y up), flipped here. Safe to read from several threads."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        if not self.path.is_file():
            raise MBTilesError(_("{file}: no such file").format(file=self.path))
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []  # one per reading thread, all closed by close()
        try:
            conn = self._conn()
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
        except sqlite3.DatabaseError as exc:
            raise MBTilesError(_("{file} is not an MBTiles file (not an SQLite database: {reason})").format(
                file=self.path.name, reason=exc)) from exc
        if "tiles" not in names:
            raise MBTilesError(_("{file} is not an MBTiles file (it has no tiles table)").format(file=self.path.name))
        meta: dict[str, str] = {}
        if "metadata" in names:
            meta = {str(k): str(v) for k, v in conn.execute("SELECT name, value FROM metadata")}
        zooms = conn.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
        if zooms[0] is None:
            raise MBTilesError(_("{file} holds no tiles").format(file=self.path.name))
        fmt = meta.get("format", "png").lower()
        if fmt == "pbf":
            raise MBTilesError(_("{file} holds vector tiles; only raster tiles (PNG, JPEG) can be shown").format(
                file=self.path.name))
        self.info = TilesetInfo(
            name=meta.get("name") or self.path.stem, format=fmt,
            min_zoom=int(meta.get("minzoom", zooms[0])), max_zoom=int(meta.get("maxzoom", zooms[1])),
            attribution=meta.get("attribution", ""),
        )

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The image bytes of tile z/x/y (XYZ), or None when the file lacks it."""
        if z < 0 or not (0 <= x < (1 << z) and 0 <= y < (1 << z)):
            return None
        row = (1 << z) - 1 - y
        found = self._conn().execute(
            "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?", (z, x, row)
        ).fetchone()
        return bytes(found[0]) if found else None

    def close(self) -> None:
        """Close every thread's connection (call once no thread reads any more)."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
