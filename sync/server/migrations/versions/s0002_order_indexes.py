"""Covering indexes (field, id, deleted) for the default list orders, as on the client
(fieldapp.core.tables.entity_indexes), replacing the single-column ones.

Revision ID: s0002
"""
from alembic import op

from fieldapp.core.reconcile import reconcile
from fieldapp.core.schema import ENTITIES
from fieldapp.core.tables import order_fields
from sync.server.tables import METADATA

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    for e in ENTITIES:
        for name in order_fields(e):
            conn.exec_driver_sql(f'DROP INDEX IF EXISTS "ix_{e.name}_{name}"')
    reconcile(conn, METADATA)


def downgrade() -> None:
    raise RuntimeError("the server database is never downgraded; restore a backup instead")
