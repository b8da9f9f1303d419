"""Is this row erased? The storage asks before applying an op to a person's row, so a
laptop that was offline during an erasure cannot write the person back (erasure.py)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from fieldapp.core.personal_fields import PERSONAL
from sync.server.tables import TABLES

if TYPE_CHECKING:
    from sync.server.write_batch import WriteBatch

CODE = "erased"


def is_erased(conn: "Connection | WriteBatch", entity_name: str, row_id: str) -> bool:
    if entity_name not in PERSONAL:
        return False
    t = TABLES["erased_rows"]
    return conn.execute(select(t.c.seq).where(t.c.entity == entity_name, t.c.row_id == row_id)).first() is not None
