"""SQL tables generated from the one schema. The client's tables live here; the server
builds its own from the same `entity_columns` so both sides agree on types.

Only the client's bookkeeping tables (outbox, meta, conflicts, blobs) are written out by
hand: they are not synced entities.
"""
from __future__ import annotations

from sqlalchemy import (
    JSON, Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text,
    false,
)
from sqlalchemy.types import TypeEngine

from fieldapp.core import fieldspec as fs
from fieldapp.core.fieldspec import Entity, Field
from fieldapp.core.schema import ENTITIES

INDEXED_KINDS = {fs.CHOICE, fs.REF, fs.DATE, fs.INT, fs.SCORE}


def sql_type(f: Field) -> TypeEngine:
    """The storage type of a field; dates are ISO text so that they sort as text."""
    if f.kind in (fs.INT, fs.SCORE):
        return Integer()
    if f.kind == fs.DECIMAL:
        return Float()
    if f.kind == fs.BOOL:
        return Boolean()
    if f.kind in (fs.JSON, fs.MULTI, fs.URLS):
        return JSON()
    if f.kind in (fs.TEXT, fs.EMAIL, fs.URL, fs.CHOICE):
        return String(f.limit)
    if f.kind == fs.REF:
        return String(36)
    return Text()


def meta_columns() -> list[Column]:
    """The sync bookkeeping every synced row carries (fieldspec.META_COLUMNS)."""
    return [
        Column("id", String(36), primary_key=True),
        Column("created_at", String(40), nullable=False),
        Column("updated_at", String(40), nullable=False),
        Column("author", String(120)),
        Column("deleted", Boolean, nullable=False, server_default=false()),
        Column("field_versions", JSON, nullable=False, default=dict),
        Column("field_clocks", JSON, nullable=False, default=dict),
    ]


def entity_columns(e: Entity, *, foreign_keys: bool = True) -> list[Column]:
    cols = meta_columns()
    for f in e.fields:
        args = []
        if f.kind == fs.REF and foreign_keys:
            # Deferred: a page of changes may bring a child before its parent.
            args.append(ForeignKey(f"{f.ref}.id", deferrable=True, initially="DEFERRED"))
        cols.append(Column(f.name, sql_type(f), *args, nullable=True))
    return cols


def order_fields(e: Entity) -> list[str]:
    """Fields a list is sorted by by default (its order and its title)."""
    return [n for n in dict.fromkeys((e.order_by, e.title))
            if n and e.field(n).kind not in (fs.LONGTEXT, fs.JSON)]


def entity_indexes(e: Entity, table: Table) -> list[Index]:
    """Indexes for the filters lists use and for parent lookups, plus covering indexes
    (field, id, deleted) for the default sort orders, so the ordered id list of 100 000
    rows is read from the index alone."""
    ordered = order_fields(e)
    names = [f.name for f in e.fields if f.kind in INDEXED_KINDS and f.kind != fs.INT and f.name not in ordered]
    return ([Index(f"ix_{e.name}_{n}", table.c[n]) for n in names]
            + [Index(f"ix_{e.name}_{n}_order", table.c[n], table.c.id, table.c.deleted) for n in ordered]
            + [Index(f"ix_{e.name}_updated", table.c.updated_at)])


# Covering indexes for the whole-table reads of the dashboard (core/dashboard.py) and
# the map (core/geo_points.py), client side only: with `deleted` first and the grouped or
# filtered fields next, 100 000 practices are counted and placed from a few MB of index,
# never from the wide rows (dashboard 2.1 s -> well under 0.3 s, bench/map.py).
FIGURES_INDEXES: dict[str, dict[str, tuple[str, ...]]] = {
    "practice": {
        "figures": ("deleted", "family", "climate_zone", "review_status", "country", "region", "created_at", "farmers",
                    "area_ha", "soc_change", "soc_impact", "soil_health_impact", "yield_impact", "adaptation_impact"),
        "map": ("deleted", "family", "climate_zone", "review_status", "region", "latitude", "longitude"),
        "recorded": ("deleted", "created_at", "region", "area_ha", "soc_change"),
    },
    "organisation": {
        "figures": ("deleted", "college", "region", "membership", "org_type", "joined_on", "latitude", "longitude"),
    },
    "meeting_participant": {"figures": ("deleted", "meeting_id", "gender", "age_group")},
}


def build_client_metadata() -> MetaData:
    md = MetaData()
    for e in ENTITIES:
        t = Table(e.name, md, *entity_columns(e))
        entity_indexes(e, t)
        for purpose, columns in FIGURES_INDEXES.get(e.name, {}).items():
            Index(f"ix_{e.name}_{purpose}", *(t.c[n] for n in columns))
    Table(
        "outbox", md,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("op_id", String(80), nullable=False, unique=True),
        Column("entity", String(40), nullable=False),
        Column("row_id", String(36), nullable=False, index=True),
        Column("kind", String(10), nullable=False),  # upsert | delete | restore | resolve
        Column("fields", JSON, nullable=False, default=dict),  # {field: new value}
        Column("base", JSON, nullable=False, default=dict),  # {field: server version edited}
        Column("hlc", String(40), nullable=False),
        Column("created_at", String(40), nullable=False),
        Column("sent_at", String(40)),  # set when a push carried it; resent until acknowledged
        Column("state", String(10), nullable=False, server_default="pending"),  # pending | rejected
        Column("error", Text),  # the server's reason, shown to the person, when rejected
    )
    Table("meta", md, Column("key", String(64), primary_key=True), Column("value", Text))
    Table(
        "conflict", md,
        Column("id", String(36), primary_key=True),
        Column("entity", String(40), nullable=False),
        Column("row_id", String(36), nullable=False, index=True),
        Column("field", String(64), nullable=False),
        Column("sides", JSON, nullable=False),  # [{value, author, hlc, version}, ...]
        Column("provisional", JSON),
        Column("opened_at", String(40), nullable=False),
        Column("resolved_at", String(40)),
        Column("status", String(10), nullable=False, server_default="open"),  # open | resolved
        Column("resolved_by", String(120)),
        Column("resolution", JSON),
    )
    Table(
        "blob", md,
        Column("sha256", String(64), primary_key=True),
        Column("size", Integer, nullable=False),
        Column("mime_type", String(127)),
        Column("stored", Boolean, nullable=False, default=False),  # bytes present locally
        Column("uploaded", Boolean, nullable=False, default=False),  # server has them
    )
    return md


METADATA = build_client_metadata()
TABLES = METADATA.tables
