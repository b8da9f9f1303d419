"""Sync bookkeeping: outbox state and error (a rejected operation is kept and shown, never
resent blindly nor dropped), conflict status, resolver and resolution.

Revision ID: 0003
"""
from alembic import op

from fieldapp.core.reconcile import reconcile
from fieldapp.core.tables import METADATA

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    reconcile(op.get_bind(), METADATA)


def downgrade() -> None:
    raise RuntimeError("the local store is never downgraded; restore the backup instead")
