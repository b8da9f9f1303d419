"""Initial server database: entity tables generated from the one schema, feed, accounts,
operation log, conflicts, blobs.

Revision ID: s0001
"""
from alembic import op
from sqlalchemy import insert, select

from fieldapp.core.reconcile import reconcile
from sync.server.tables import METADATA, TABLES

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    reconcile(conn, METADATA)
    counter = TABLES["feed_counter"]
    if conn.execute(select(counter.c.id)).first() is None:
        conn.execute(insert(counter).values(id=1, pos=0))


def downgrade() -> None:
    raise RuntimeError("the server database is never downgraded; restore a backup instead")
