"""Covering indexes (field, id, deleted) for the default list orders, as on the client
(fieldapp.core.tables.entity_indexes), replacing the single-column ones.

Revision ID: s0002
"""
from alembic import op

from fieldapp.core.reconcile import replace_order_indexes
from sync.server.tables import METADATA

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    replace_order_indexes(op.get_bind(), METADATA)


def downgrade() -> None:
    raise RuntimeError("the server database is never downgraded; restore a backup instead")
