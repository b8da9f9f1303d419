"""The wire protocol of `POST /v1/sync`, shared by the server and the client's sync engine.

These pydantic models are the one source of truth for the shapes on the wire: the server
validates requests with them and FastAPI publishes them in the OpenAPI document.
Values inside `fields` are checked against the one schema (`fieldapp.core.schema`) by
`check_op_shape` here (what a correct client can never send: unknown table or field, a
value of the wrong type or length) and by the server's storage (what depends on the
server's state: reference codes, references, scope, permissions).

Request (JSON, optionally gzip with `Content-Encoding: gzip`)::

    {"device": "<device id>",           # the prefix of its op ids; defaults to the first op's
     "cursor": "1234.5f2a9c01" | null,  # the cursor of the last reply applied; null: from the start
     "limit": 2000,                     # optional page size (1..10000)
     "compact": true, "columnar": true, # optional encodings of the reply (see SyncRequest)
     "ops": [                           # the outbox, oldest first (at most MAX_OPS)
       {"op_id": "<device id>:<counter>",   # unique per operation and device, forever; the server
                                            #   deduplicates per (user, device, op_id)
        "entity": "practice",               # a table of the one schema
        "row_id": "<uuid>",                 # made by the client when the row was created
        "kind": "upsert" | "delete" | "restore" | "resolve",
        "fields": {"title": "Mulch", ...},  # upsert: changed fields only; resolve: the
                                            #   chosen value per conflicting field, or
                                            #   {"_deleted": true|false} for delete-vs-edit
        "base": {"title": 17, ...},         # upsert: the server version each field's edit was
                                            #   based on (0: never synced);
                                            #   delete/restore: {"_row": version of the row};
                                            #   resolve: each field's version the person decided on
        "hlc": "0001700000000000:00000:<device id>"}]}   # hybrid logical clock stamp; its node is
                                                         #   the sending device, or the op is refused

Response (JSON; compressed as the client's `Accept-Encoding` allows: zstd, else xz, for
answers over 32 KB, gzip otherwise)::

    {"results": [                        # one per op, same order
       {"op_id": ..., "status": "applied" | "duplicate" | "conflict" | "rejected",
        "reason": null | "<code>: <message>",   # why rejected, or which conflict
        "field": null | "title",                # the field a rejection or conflict is about
        "versions": {"title": 42, "_row": 42},  # the server version of each field the op
                                                #   touched, now: store them as field_versions
        "values": {"title": "Mulching", "region": "AFR"}}],  # the server's value of each
                                                #   field the op touched, right after it (a lost
                                                #   conflict, a derived region, "_deleted" of a
                                                #   delete/restore/revival): apply results in
                                                #   order and adopt these values
     "changes": [                        # in feed order; apply in one transaction with cursor
       {"op": "upsert", "entity": "practice", "id": "<uuid>",
        "fields": {"title": "...", ...},        # fields changed since the cursor by others
        "versions": {"title": 40, "_row": 41, "_deleted": 3},  # of the fields sent, and the
                                                #   row's "_row" and "_deleted" versions
        "clocks": {"title": "<hlc>"}, "authors": {"title": "amina"},   # of the fields sent
        "deleted": false, "updated_at": "...", "pos": 41},
       {"op": "removed", "entity": "practice", "id": "<uuid>", "pos": 43}],  # left your scope
     "conflicts": [ Conflict, ... ],     # conflicts in your scope opened/changed/resolved
                                         #   since the cursor (status open or resolved)
     "blocks": [Block, ...],             # only when the request says "columnar": true, and
                                         #   "changes" is then empty: the same changes column
                                         #   by column (see Block and SyncRequest.columnar)
     "cursor": "1300.5f2a9c01",          # store with the applied page
     "more": true,                       # true: call again at once (initial sync pages)
     "head": "5800"}                     # the feed's last position: progress of a paged sync

Versions are positions in the server's change feed; "_row" is the row's latest change
of any kind and "_deleted" the last change of its deleted flag. A change never echoes
the client's own writes: fields last written by the requesting device are left out
(their new versions come back in `results`). When a row enters the reader's scope after
the cursor (new to the reader: created by someone else, moved into one of its regions),
`fields` holds the whole row.

Statuses. `applied`: done (also when nothing needed doing: same value, already deleted).
`conflict`: both values are kept in a Conflict (listed in `conflicts`); the row holds the
provisional value (latest clock wins; for `_deleted` the row stays alive), given in
`values`. `duplicate`: this user and device sent this op_id, with this content, before;
`versions`/`values` are the ones answered then (emptied if the row has since left what
the sender may read). `rejected`: nothing changed, `reason` is "<code>: <message>" and
`field` the field concerned. Codes of what depends on the server's state: forbidden,
out_of_scope (one answer for a foreign region, a row of another region and an id taken
there), not_found (also for a row the sender may not read), missing_ref (also for a
reference to a row the sender may not read), required, choice, clock_ahead,
op_id_reused (this op_id was used before for other content: send the change again under
a new op_id), no_conflict / base_required / stale (a resolution needs an open conflict
and the field's current version as its base; `values`/`versions` then hold the server's),
not_stored (the database refused it). Codes of an op no correct client of this schema
sends, judged per op too so one bad op never blocks the rest of an outbox (`field` is
the field, or "entity", "hlc", "base.<name>"): unknown_entity, unknown_field, type
(values must have their field's JSON type: no "5" for a number, no number for a text),
not_json (NaN, Infinity), too_long, range, one_line, email, url, bad_text, bad_sha256,
bad_clock (unreadable, or its node is not the sending device). A rejected op is not
remembered, so a resend is judged again. Drop every answered op from the outbox (set the
rejected ones aside for the person, with their reason).

What makes the whole request a 4xx instead (nothing applied, nothing read): a body that is
not JSON (400 malformed_json), shapes not matching these models (422 invalid, `field` is
the JSON path, e.g. "ops[3].row_id"; numbers and flags of the envelope are strict: no
"10" for `limit`), ops from another device than `device` (422 mixed_devices), a cursor
ahead of the server's feed or from an epoch a restore threw away (409 cursor_ahead: the
service was restored from a backup; sync again from a null cursor and send again the
changes this device made; a cursor is "<position>.<epoch>", opaque to clients but for
its position, which progress may show), a body over
the size limits (413 too_large, also for a gzip body inflating past the limit), other
encodings than gzip (415), no or a bad token (401). Every error body is
{"error": code, "message": text for people, "field": ...}; answers are strict JSON.

Client rules. Send at most MAX_OPS ops per request, oldest first; the same op_id on a
resend. Apply the reply in one local transaction: first `results` in order (store
`versions` as the row's field_versions, adopt `values`), then `changes` in order (set the
fields, merge `versions`, set `deleted`; delete the local row for `removed`), store
`conflicts` by id (replacing older copies), then store `cursor`. While `more` is true,
call again at once with the new cursor (no ops needed). Resolve a conflict with a
`resolve` op carrying the chosen value per field; it closes the conflict for everyone.
Delete and restore carry base {"_row": <the row's "_row" version>}; an edit's base is the
field's version as last received (0 for a row created locally).

Every reply, errors included, carries the service's clock in `X-Server-Time` (ms since
the epoch): clients stamp their edits with it (see fieldapp/core/hlc.py).

Other endpoints: POST /v1/login {username, password} -> {token, expires_at, user};
then `Authorization: Bearer <token>` everywhere. POST /v1/logout, GET /v1/me,
GET /v1/health. Attachments: POST /v1/blobs/missing {sha256: [...]} -> {missing: [...]}
(the ones *you* have not sent whole: sending the bytes is the proof of possession that
lets readers of your records fetch them); GET /v1/blobs/{sha256}/upload -> {offset,
size, complete} (of your own upload); PUT /v1/blobs/{sha256} with
`Content-Range: bytes START-END/TOTAL` (409 + `Upload-Offset` header when START is not
the server's offset; 422 hash_mismatch restarts at 0; an empty file is one PUT with no
bytes and `Content-Range: bytes */0`); GET /v1/blobs/{sha256} with optional
`Range: bytes=START-END` (206; an empty file comes whole, 200).
"""
from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, field_validator

from fieldapp.core import fieldspec as fs
from fieldapp.core.fieldspec import json_problem, validate
from fieldapp.core.hlc import Stamp
from fieldapp.core.schema import BY_NAME
from sync.wire import (  # noqa: F401 (the vocabulary both sides share, re-exported)
    ALL_FIELDS, DEFAULT_PAGE, DELETED_KEY, MAX_OPS, MAX_PAGE, OP_KINDS, PROTOCOL_VERSION, ROW_KEY, STATUSES,
    compact_change, expand_change, from_blocks, to_blocks,
)

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
OP_ID_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}:[A-Za-z0-9_.\-]{1,64}$"
CURSOR_PATTERN = r"^[0-9]{1,18}(\.[0-9a-f]{1,32})?$"  # "<position>.<epoch>", or a bare position (older servers)


def parse_cursor(cursor: str | None) -> tuple[int, str | None]:
    """A cursor's feed position and the service epoch it was handed out in (None for a
    cursor of a server that named none): "1300.5f2a9c01be47" -> (1300, "5f2a9c01be47")."""
    if not cursor:
        return 0, None
    pos, _, epoch = cursor.partition(".")
    return int(pos), epoch or None

Version = Annotated[StrictInt, Field(ge=0, le=2**62)]


class Op(BaseModel):
    """One field-level operation from a client's outbox."""

    model_config = ConfigDict(extra="forbid")

    op_id: str = Field(pattern=OP_ID_PATTERN, description="device id + ':' + counter; unique forever")
    entity: str = Field(min_length=1, max_length=40, description="a table of the one schema")
    row_id: str = Field(pattern=UUID_PATTERN, description="the row's UUID (lower case)")
    kind: Literal["upsert", "delete", "restore", "resolve"]
    fields: dict[str, Any] = Field(default_factory=dict, max_length=200)
    base: dict[str, Version] = Field(default_factory=dict, max_length=200)
    hlc: str = Field(min_length=5, max_length=100, description="hybrid logical clock stamp millis:counter:node")

    @property
    def device(self) -> str:
        return self.op_id.split(":", 1)[0]


class SyncRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.\-]{1,64}$",
                               description="the device id (op_id prefix); fields it wrote are not echoed")
    cursor: str | None = Field(default=None, pattern=CURSOR_PATTERN)
    limit: StrictInt | None = Field(default=None, ge=1, le=MAX_PAGE)
    ops: list[Op] = Field(default_factory=list, max_length=MAX_OPS)
    compact: StrictBool = Field(default=False, description=(
        "send a change's field versions, clocks and authors once, under the key '*', when every field sent "
        "shares them (a whole row written at once): about half the bytes of an initial sync"))
    columnar: StrictBool = Field(default=False, description=(
        "send the changes as columnar `blocks` (one array per field for a run of rows of one table) instead of "
        "`changes`; a row new to the reader then carries its null fields too, and '*' covers its fields with a "
        "value: what a compressor folds best (bench/results/sync.json)"))


class OpResult(BaseModel):
    op_id: str
    status: Literal["applied", "duplicate", "conflict", "rejected"]
    reason: str | None = None
    field: str | None = None
    versions: dict[str, int] = Field(default_factory=dict)
    values: dict[str, Any] = Field(default_factory=dict)


class Change(BaseModel):
    """A row's fields changed since the cursor (`op` upsert) or its leaving your scope (`removed`)."""

    op: Literal["upsert", "removed"]
    entity: str
    id: str
    pos: int
    fields: dict[str, Any] = Field(default_factory=dict)
    versions: dict[str, int] = Field(default_factory=dict)
    clocks: dict[str, str] = Field(default_factory=dict)
    authors: dict[str, str] = Field(default_factory=dict)
    deleted: bool = False
    created_at: str | None = None
    updated_at: str | None = None


class ConflictSide(BaseModel):
    value: Any = None
    author: str | None = None
    hlc: str | None = None
    device: str | None = None
    version: int | None = None


class Conflict(BaseModel):
    """Both (or more) values typed for one field, kept until a person resolves it.
    `field` "_deleted" is a delete against an edit: sides hold true (delete) and false (edit)."""

    id: str
    entity: str
    row_id: str
    field: str
    sides: list[ConflictSide]
    provisional: Any = None
    status: Literal["open", "resolved"]
    opened_at: str
    resolved_at: str | None = None
    resolved_by: str | None = None
    resolution: Any = None
    pos: int


class Block(BaseModel):
    """A run of changes of one table, one op and one set of fields, column by column
    (protocol.to_blocks): `cols` holds id, pos, versions, clocks, authors, deleted,
    created_at, updated_at (those the changes have), `fields` one array per name."""

    entity: str
    op: Literal["upsert", "removed"]
    names: list[str]
    cols: dict[str, list[Any]]
    fields: list[list[Any]]


class SyncResponse(BaseModel):
    results: list[OpResult]
    changes: list[Change]
    blocks: list[Block] | None = None  # instead of `changes` when the request asked `columnar`
    conflicts: list[Conflict]
    cursor: str
    more: bool
    head: str | None = None  # the feed's last position now: how far a paged sync has to go
    scope_changed: bool | None = None  # the user's regions changed: fetch the difference (POST /v1/scope)
    erasure_seq: int | None = None  # the service's latest erasure: a client behind it asks GET /v1/erasures


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer: a stable code, a message for people, the field concerned."""

    error: str
    message: str
    field: str | None = None


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=120)
    password: str = Field(min_length=1, max_length=1024)

    @field_validator("username", "password")
    @classmethod
    def _storable(cls, v: str) -> str:
        problem = text_problem(v)
        if problem:
            raise ValueError(problem)
        return v


class UserInfo(BaseModel):
    name: str
    role: str
    regions: list[str]


class LoginResponse(BaseModel):
    token: str
    expires_at: str
    user: UserInfo


class MissingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sha256: list[Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]] = Field(max_length=10_000)


class MissingResponse(BaseModel):
    missing: list[str]


class UploadStatus(BaseModel):
    sha256: str
    offset: int
    size: int | None = None
    complete: bool


class Health(BaseModel):
    status: str
    protocol: int
    database: str


class ShapeError(ValueError):
    """An op no correct client could send (unknown table or field, wrong type, too long)."""

    def __init__(self, field: str, code: str, message: str):
        self.field, self.code, self.message = field, code, message
        super().__init__(message)


def text_problem(value: Any, depth: int = 0) -> str | None:
    """Why a value cannot be stored as text (NUL characters, lone surrogates), or None.
    PostgreSQL refuses both; refusing them here keeps every backend alike."""
    if depth > 64:
        return "nested too deeply"
    if isinstance(value, str):
        if "\x00" in value:
            return "text may not contain NUL characters"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "text is not valid Unicode"
        return None
    if isinstance(value, dict):
        for k, v in value.items():
            problem = text_problem(k, depth + 1) or text_problem(v, depth + 1)
            if problem:
                return problem
    elif isinstance(value, list):
        for v in value:
            problem = text_problem(v, depth + 1)
            if problem:
                return problem
    return None


SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
TEXT_KINDS = (fs.TEXT, fs.LONGTEXT, fs.EMAIL, fs.URL, fs.CHOICE, fs.REF, fs.DATE, fs.DATETIME)


def wire_type_problem(f: fs.Field, value: Any) -> str | None:
    """Why `value` does not have the JSON type field `f` is stored as, or None.
    The wire is strict: a form or a spreadsheet may say "5" for a number, a client never
    does (its store sends the stored value), so "5" for an integer, a number for a title
    or "yes" for a flag are refused instead of being guessed at."""
    if value is None:
        return None
    k = f.kind
    if k in TEXT_KINDS:
        if not isinstance(value, str):
            return "must be text (a JSON string)"
        if k == fs.DATE and not DATE_RE.match(value):
            return "must be a date written YYYY-MM-DD"
        return None
    if k in (fs.INT, fs.SCORE):
        return None if isinstance(value, int) and not isinstance(value, bool) else "must be a whole number (a JSON integer)"
    if k == fs.DECIMAL:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return "must be a number (a JSON number)"
        return None
    if k == fs.BOOL:
        return None if isinstance(value, bool) else "must be true or false"
    if k in fs.LIST_KINDS:
        return None if isinstance(value, list) and all(isinstance(v, str) for v in value) else "must be a list of text"
    if k == fs.JSON:
        return None if isinstance(value, (dict, list)) else "must be a JSON object or array"
    return None


def check_op_shape(op: Op, index: int = 0) -> None:
    """Raise ShapeError for an op no correct client could send (unknown table or field,
    a value of the wrong JSON type, NaN or Infinity, a clock stamp not of the sending
    device). The storage answers it as this op's `rejected` result, so one bad op never
    blocks the rest of a device's outbox. `field` is the op's field concerned ("title")
    or the part of the op ("hlc", "entity", "base.title"). Value rules that depend on the
    server (reference codes, required fields of a new row) are judged by the storage."""
    e = BY_NAME.get(op.entity)
    if e is None:
        raise ShapeError("entity", "unknown_entity", f"there is no table {op.entity!r}")
    if text_problem(op.hlc):
        raise ShapeError("hlc", "bad_clock", "the clock stamp holds characters that are not allowed")
    try:
        stamp = Stamp.parse(op.hlc)
    except ValueError:
        raise ShapeError("hlc", "bad_clock", f"{op.hlc!r} is not a clock stamp (millis:counter:node)") from None
    if stamp.node != op.device:
        raise ShapeError("hlc", "bad_clock", "the clock stamp names another device than the one sending it")
    if op.kind in ("delete", "restore") and op.fields:
        raise ShapeError("fields", "unexpected_fields", f"a {op.kind} carries no fields")
    for key in op.base:
        if key not in (ROW_KEY, DELETED_KEY) and not e.has(key):
            raise ShapeError(f"base.{key}", "unknown_field", f"{e.name} has no field {key}")
    fields = dict(op.fields)
    for name, value in fields.items():
        problem = text_problem(value)
        if problem:
            raise ShapeError(name, "bad_text", problem)
        problem = json_problem(value)
        if problem:
            raise ShapeError(name, "not_json", problem.replace("{label}", name))
        if name != DELETED_KEY and e.has(name):
            problem = wire_type_problem(e.field(name), value)
            if problem:
                raise ShapeError(name, "type", f"{name} {problem}")
    if "sha256" in fields and e.has("sha256") and not SHA256_RE.match(str(fields["sha256"] or "")):
        raise ShapeError("sha256", "bad_sha256", "sha256 must be 64 lower-case hex digits")
    if op.kind == "resolve":
        if not fields:
            raise ShapeError("fields", "empty_resolution", "a resolution names at least one field")
        if DELETED_KEY in fields and not isinstance(fields.pop(DELETED_KEY), bool):
            raise ShapeError(DELETED_KEY, "type", "_deleted must be true or false")
    if op.kind == "upsert" and not fields:
        raise ShapeError("fields", "empty_upsert", "an upsert carries at least one field")
    _clean, errors = validate(e, fields, partial=True)
    # Without a reference catalog, `validate` only reports what the op alone gets wrong
    # (codes of reference lists are checked by the storage, against the server's lists).
    for err in errors:
        raise ShapeError(err.field, err.code, err.message)
