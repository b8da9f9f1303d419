"""The service's epochs (`feed_epochs`): cursors name the epoch they were handed out in,
so a database copied back from a backup behind the service's back is recognised (see
storage.cursor_is_ahead). Empty at first: the first process to serve begins an epoch, and
cursors handed out before carry none (checked as before: the feed's top, the recorded
restores).

Revision ID: s0005
"""
from alembic import op

from fieldapp.core.reconcile import reconcile
from sync.server.tables import METADATA

revision = "s0005"
down_revision = "s0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    reconcile(op.get_bind(), METADATA)


def downgrade() -> None:
    raise RuntimeError("the server database is never downgraded; restore a backup instead")
