"""Full-text search index (FTS5), filled from the rows already stored.

Revision ID: 0002
"""
from alembic import op

from fieldapp.core import search
from fieldapp.core.reconcile import reconcile
from fieldapp.core.tables import METADATA

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    reconcile(conn, METADATA)  # fields added to the schema since 0001
    search.create(conn)
    search.rebuild(conn)


def downgrade() -> None:
    raise RuntimeError("the local store is never downgraded; restore the backup instead")
