"""The server's tables: every synced entity generated from the one schema, plus the
service's own bookkeeping (accounts, tokens, operation log, change feed, conflicts, blobs).

Entity tables reuse `fieldapp.core.tables.entity_columns` (same types as the client) and
add the metadata only the server keeps:
- `field_versions` {field: feed position where it last changed}, plus "_row" (last change
  of any kind) and "_deleted" (last change of the deleted flag);
- `field_clocks` {field: HLC}, `field_authors` {field: user}, `field_devices` {field: device};
- `row_version` (= field_versions["_row"], indexed) and `scope_region`, the region the row
  belongs to for partial replication: its own region, its parent's for child entities
  (schema.scope_path), "*" for global entities, "" when unknown (administrators only);
  `scope_since`, the position where it entered that region: a reader whose cursor is
  older gets the whole row, not just the fields changed since.
No foreign keys: the storage checks references itself, so a page may arrive in any order.
"""
from __future__ import annotations

from sqlalchemy import (
    JSON, BigInteger, Boolean, Column, Index, Integer, MetaData, String, Table, false,
)

from fieldapp.core.schema import ENTITIES
from fieldapp.core.tables import entity_columns, entity_indexes

GLOBAL_SCOPE = "*"
NO_SCOPE = ""


def build_server_metadata() -> MetaData:
    md = MetaData()
    for e in ENTITIES:
        t = Table(
            e.name, md, *entity_columns(e, foreign_keys=False),
            Column("field_authors", JSON, nullable=False, default=dict),
            Column("field_devices", JSON, nullable=False, default=dict),
            Column("row_version", BigInteger, nullable=False, default=0),
            Column("scope_region", String(64), nullable=False, default=NO_SCOPE),
            Column("scope_since", BigInteger, nullable=False, default=0),  # entered its scope at
        )
        entity_indexes(e, t)
        Index(f"ix_{e.name}_scope", t.c.scope_region)
        Index(f"ix_{e.name}_row_version", t.c.row_version)
        if e.parent:
            Index(f"ix_{e.name}_parent", t.c[e.parent])
        if e.has("sha256"):
            Index(f"ix_{e.name}_sha256", t.c.sha256)

    # One row: the last feed position handed out. Writers lock it from the moment they
    # take positions until they commit, so positions are assigned in commit order
    # (see storage.py: on PostgreSQL only for the last step of a write).
    Table("feed_counter", md, Column("id", Integer, primary_key=True), Column("pos", BigInteger, nullable=False))
    # The service's epochs: one begins at each process start (and when a process finds
    # the database went back under it), at the feed position of that moment. A cursor
    # names the epoch it was handed out in, so one from a history a restore threw away
    # (a file or a dump copied back, without `fieldapp-server restore`) is recognised even
    # once the restored feed has grown past it (storage.cursor_is_ahead).
    Table(
        "feed_epochs", md,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("id", String(32), nullable=False, unique=True),
        Column("start_pos", BigInteger, nullable=False),
        Column("started_at", String(40), nullable=False),
    )
    # Each restore from a backup: positions (after_pos, until_pos] were handed out by the
    # history the restore threw away and are never handed out again (the counter jumps
    # past them), so a client holding a cursor in that range is told it is ahead.
    Table(
        "feed_restores", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("after_pos", BigInteger, nullable=False),
        Column("until_pos", BigInteger, nullable=False),
        Column("restored_at", String(40), nullable=False),
    )
    feed = Table(
        "feed", md,
        Column("pos", BigInteger, primary_key=True, autoincrement=False),
        Column("entity", String(40), nullable=False),
        Column("row_id", String(36), nullable=False),
        Column("kind", String(8), nullable=False),  # change | removed
        Column("scope", String(64), nullable=False),  # region, "*" global, "" unassigned
    )
    Index("ix_feed_row", feed.c.entity, feed.c.row_id, feed.c.kind)
    Index("ix_feed_scope_pos", feed.c.scope, feed.c.pos)

    Table(
        "users", md,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("name", String(120), nullable=False, unique=True),
        Column("password_hash", String(255), nullable=False),
        Column("role", String(20), nullable=False),
        Column("regions", JSON, nullable=False, default=list),  # ["EAF", ...] or ["*"]
        Column("disabled", Boolean, nullable=False, server_default=false()),
        Column("created_at", String(40), nullable=False),
    )
    Table(
        "tokens", md,
        Column("token_hash", String(64), primary_key=True),  # SHA-256 of the token; never the token
        Column("user_id", Integer, nullable=False, index=True),
        Column("created_at", String(40), nullable=False),
        Column("expires_at", String(40), nullable=False),
    )
    login_failures = Table(
        "login_failures", md,
        Column("key", String(200), primary_key=True),  # "pair:<name>@<ip>", "user:<name>" or "addr:<ip>"
        Column("failures", Integer, nullable=False),
        Column("window_start", BigInteger, nullable=False),  # epoch seconds
        Column("locked_until", BigInteger, nullable=False, default=0),
    )
    Index("ix_login_failures_window", login_failures.c.window_start)
    # The operation log deduplicates per (user, device, op id): another user's op ids
    # are another key space, so sending someone else's id reveals and blocks nothing.
    # `digest` fingerprints the op's content: an id re-sent with other content is refused.
    Table(
        "ops", md,
        Column("user_id", Integer, primary_key=True, autoincrement=False),
        Column("device", String(64), primary_key=True),
        Column("op_id", String(140), primary_key=True),
        Column("digest", String(64)),  # NULL for ops logged before revision s0003
        Column("received_at", String(40), nullable=False),
        Column("result", JSON, nullable=False),
        # The row the op wrote (NULL for ops logged before revision s0006): an erasure
        # scrubs a person's ops by row (sync/server/erasure.py).
        Column("entity", String(40)),
        Column("row_id", String(36), index=True),
    )
    conflicts = Table(
        "conflicts", md,
        Column("id", String(36), primary_key=True),
        Column("entity", String(40), nullable=False),
        Column("row_id", String(36), nullable=False),
        Column("field", String(64), nullable=False),
        Column("sides", JSON, nullable=False),
        Column("provisional", JSON),
        Column("status", String(10), nullable=False),  # open | resolved
        Column("scope", String(64), nullable=False),
        Column("pos", BigInteger, nullable=False),
        Column("opened_at", String(40), nullable=False),
        Column("resolved_at", String(40)),
        Column("resolved_by", String(120)),
        Column("resolution", JSON),
    )
    Index("ix_conflicts_row", conflicts.c.entity, conflicts.c.row_id, conflicts.c.field, conflicts.c.status)
    Index("ix_conflicts_pos", conflicts.c.pos)
    Table(
        "blobs", md,
        Column("sha256", String(64), primary_key=True),
        Column("size", BigInteger, nullable=False),
        Column("uploaded_by", Integer, nullable=False, index=True),
        Column("completed_at", String(40), nullable=False),
    )
    # Who proved they hold a blob's bytes (uploaded them whole, hash checked). Naming a
    # SHA-256 in a record grants nothing: bytes are served through a record only when
    # the author of its sha256 field is a holder (see blobs.py).
    Table(
        "blob_holders", md,
        Column("sha256", String(64), primary_key=True),
        Column("user_id", Integer, primary_key=True, autoincrement=False),
        Column("since", String(40), nullable=False),
    )
    Table(
        "blob_uploads", md,
        Column("sha256", String(64), primary_key=True),
        Column("user_id", Integer, primary_key=True),
        Column("size", BigInteger, nullable=False),
        Column("offset", BigInteger, nullable=False),
        Column("started_at", String(40), nullable=False),
    )
    # Erasures of a person (sync/server/erasure.py): who and when, and the ids of the rows
    # scrubbed (so every replica scrubs its own copies), never the values.
    Table(
        "erasures", md,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("erased_at", String(40), nullable=False),
        Column("erased_by", String(120), nullable=False),
        Column("rows", JSON, nullable=False),  # [{"entity", "id", "scope"}]
    )
    Table(
        "erased_rows", md,
        Column("entity", String(40), primary_key=True),
        Column("row_id", String(36), primary_key=True),
        Column("seq", BigInteger, nullable=False),
    )
    # The regions each device was last served with (sync/server/scope_changes.py): when
    # an administrator changes a user's regions, each of their devices gets the rows it
    # lost as removals and the rows it gained whole, without a full re-sync.
    Table(
        "device_scopes", md,
        Column("user_id", Integer, primary_key=True, autoincrement=False),
        Column("device", String(64), primary_key=True),
        Column("regions", JSON, nullable=False),
        Column("last_seen_at", String(40)),  # its last sync, to the hour: retention.py's "active"
    )
    # History with a retention (sync/server/retention.py): each compaction marks the feed
    # position it reached and when; removals at or before `purged_through` are gone, so
    # a client whose cursor is older re-syncs from scratch.
    Table(
        "feed_marks", md,
        Column("pos", BigInteger, primary_key=True, autoincrement=False),
        Column("at", String(40), nullable=False),
        Column("purged_through", BigInteger, nullable=False, default=0),
    )
    return md


METADATA = build_server_metadata()
TABLES = METADATA.tables
