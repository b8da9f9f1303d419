"""Operation ids deduplicated per (user, device, op id) instead of globally, with a digest
of each op's content; blob holders (proof of possession of attachment bytes).

Existing log entries keep their user and result; their device is the op id's prefix
(what the protocol makes it) and their digest is unknown (NULL: a resend of such an op
is answered `duplicate` as before). Whoever uploaded a blob holds it.

Revision ID: s0003
"""
from alembic import op
from sqlalchemy import inspect, insert, select

from fieldapp.core.reconcile import reconcile
from sync.server.tables import METADATA, TABLES

revision = "s0003"
down_revision = "s0002"
branch_labels = None
depends_on = None


def _convert_ops(conn) -> None:
    insp = inspect(conn)
    if "device" in {c["name"] for c in insp.get_columns("ops")}:
        return  # created by s0001 from the current tables: already the new shape
    conn.exec_driver_sql('ALTER TABLE ops RENAME TO ops_s0002')
    if conn.dialect.name == "postgresql":
        pk = insp.get_pk_constraint("ops_s0002").get("name")
        if pk:  # PostgreSQL keeps the old primary key's name, which the new table needs
            conn.exec_driver_sql(f'ALTER TABLE ops_s0002 RENAME CONSTRAINT "{pk}" TO ops_s0002_pkey')
        prefix = "split_part(op_id, ':', 1)"
    else:
        prefix = "substr(op_id, 1, instr(op_id, ':') - 1)"
    TABLES["ops"].create(conn)
    conn.exec_driver_sql(
        f"INSERT INTO ops (user_id, device, op_id, digest, received_at, result) "
        f"SELECT user_id, {prefix}, op_id, NULL, received_at, result FROM ops_s0002")
    conn.exec_driver_sql("DROP TABLE ops_s0002")


def upgrade() -> None:
    conn = op.get_bind()
    _convert_ops(conn)
    reconcile(conn, METADATA)
    blobs, holders = TABLES["blobs"], TABLES["blob_holders"]
    have = {(r.sha256, r.user_id) for r in conn.execute(select(holders.c.sha256, holders.c.user_id))}
    rows = [{"sha256": r.sha256, "user_id": r.uploaded_by, "since": r.completed_at}
            for r in conn.execute(select(blobs.c.sha256, blobs.c.uploaded_by, blobs.c.completed_at))
            if (r.sha256, r.uploaded_by) not in have]
    if rows:
        conn.execute(insert(holders), rows)


def downgrade() -> None:
    raise RuntimeError("the server database is never downgraded; restore a backup instead")
