"""Columnar pages (sync.wire.to_blocks) encoded from pieces of JSON made once per change.

Why: a push's reply carries what the others wrote since the sender's cursor, so in a
busy hour every device of a region receives the same new rows, each with some fifty
fields. Building the blocks value by value and encoding them again for every reply was
a third of the service's CPU for such a reply (bench/server.py, with the desktop's
request: compact, columnar, zstd). Here a change is encoded once, as the JSON of each
of its row keys and field values (`Piece`); a change new to every reader (a whole row)
keeps its piece in the feed reader's cache, and a page's blocks are spliced from the
pieces: one transposition and a join per column.

The text is byte for byte `dumps(to_blocks(changes))` (tests/server/test_columnar_json.py),
so a client cannot tell how a page was made.
"""
from __future__ import annotations

from itertools import groupby
from typing import Any, Iterable, NamedTuple

from sync.server.reply_json import Spliced, dumps, value_json
from sync.wire import block_shape


class Piece(NamedTuple):
    """One change as its block's shape and the JSON of each of its columns."""

    shape: tuple  # sync.wire.block_shape: changes of one shape share a block
    heads: tuple[bytes, ...]  # the JSON of each row key present, in wire.ROW_KEYS order
    values: tuple[bytes, ...]  # the JSON of each field value, in the change's field order


def piece(change: dict[str, Any]) -> Piece:
    shape = block_shape(change)
    return Piece(shape, tuple(value_json(change[k]) for k in shape[3]),
                 tuple(map(value_json, (change.get("fields") or {}).values())))


class Blocks(Spliced):
    """A columnar page's blocks as the reply sends them (reply_json.encode_reply splices
    `json()`)."""

    def __init__(self, pieces: Iterable[Piece]):
        self.pieces = list(pieces)

    def json(self) -> bytes:
        out = []
        for shape, same in groupby(self.pieces, key=lambda p: p.shape):
            run = list(same)
            entity, op, names, present = shape
            cols = b",".join(dumps(k) + b":[" + b",".join(col) + b"]" for k, col in zip(present, zip(*(p.heads for p in run))))
            fields = b",".join(b"[" + b",".join(col) + b"]" for col in zip(*(p.values for p in run)))
            out.append(b'{"entity":' + dumps(entity) + b',"op":' + dumps(op) + b',"names":' + dumps(list(names))
                       + b',"cols":{' + cols + b'},"fields":[' + fields + b"]}")
        return b"[" + b",".join(out) + b"]"
