"""the last explicit full re-verification of each journal, kept by head (node-local)

The table starts empty: the journal explorer shows "not re-verified since …" until someone asks
for a full re-verification (POST /api/v1/commons/{id}/verify, the page's button, or the CLI).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verifications",
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("head_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("head_id", sa.String(length=64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("checked_at", sa.String(length=24), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("commons_id", "head_seq", name=op.f("pk_verifications")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("verifications")
