"""charter versions: each version of a commons' charter by the entry that set it, and the
version waiting for its day in the settlement checkpoint

Every commons so far has one version, its genesis (seq 0), in force since its founding day: the
rows are filled from the commons table. The kept digest parts are dropped, and recomputed from
the rows when the node opens.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "charter_versions",
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("charter", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.String(length=24), nullable=False),
        sa.Column("effective_on", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("commons_id", "seq", name=op.f("pk_charter_versions")),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO charter_versions (commons_id, seq, charter, recorded_at, effective_on) "
        "SELECT commons_id, 0, charter, founded_at, substr(founded_at, 1, 10) FROM commons"
    )
    with op.batch_alter_table("settlements") as batch_op:
        batch_op.add_column(sa.Column("pending_charter", sa.BigInteger(), nullable=True))
    op.execute("DELETE FROM digest_parts")


def downgrade() -> None:
    with op.batch_alter_table("settlements") as batch_op:
        batch_op.drop_column("pending_charter")
    op.drop_table("charter_versions")
    op.execute("DELETE FROM digest_parts")
