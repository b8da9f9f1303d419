"""Erasures of a person: who and when, and the ids of the rows scrubbed (never values);
ops record the row they wrote; the regions each device was last served with and when it
last synced; the marks of op-log compaction (retention).

Revision ID: s0006
"""
from alembic import op

from fieldapp.core.reconcile import reconcile
from sync.server.tables import METADATA

revision = "s0006"
down_revision = "s0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    reconcile(op.get_bind(), METADATA)


def downgrade() -> None:
    raise RuntimeError("the server database is never downgraded; restore a backup instead")
