"""Initial local store: every synced entity's table, the outbox, meta, conflicts, blobs.

Revision ID: 0001
"""
from alembic import op

from fieldapp.core.reconcile import reconcile
from fieldapp.core.tables import METADATA

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    reconcile(op.get_bind(), METADATA)


def downgrade() -> None:
    raise RuntimeError("the local store is never downgraded; restore the backup instead")
