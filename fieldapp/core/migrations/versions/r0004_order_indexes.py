"""Covering indexes (field, id, deleted) for the default list orders, replacing the
single-column ones: the ordered ids of 100 000 practices come from the index alone
(0.85 s -> 0.15 s measured).

Revision ID: 0004
"""
from alembic import op

from fieldapp.core.reconcile import replace_order_indexes
from fieldapp.core.tables import METADATA

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    replace_order_indexes(op.get_bind(), METADATA)


def downgrade() -> None:
    raise RuntimeError("the local store is never downgraded; restore the backup instead")
