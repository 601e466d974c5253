"""the state digest's parts, kept per commons and projected table in the append transaction

The table starts empty; on opening, the node computes the parts of every commons it holds from
its rows, once (commonwork.node.digests.initialise_missing).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_parts",
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.Column("hash_sum", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("commons_id", "table_name", name=op.f("pk_digest_parts")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("digest_parts")
