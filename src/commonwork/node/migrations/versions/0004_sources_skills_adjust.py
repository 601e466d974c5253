"""contribution skills and sources (imported once each), and adjust verdicts with a quantity

Existing rows get what a rebuild by the new code gives them: no skill, no source, no adjusted
quantity, and no source rows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contributions") as batch_op:
        batch_op.add_column(sa.Column("skill", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=200), nullable=True))
    with op.batch_alter_table("validations") as batch_op:
        batch_op.add_column(sa.Column("quantity", sa.String(length=40), nullable=True))
    op.create_table(
        "contribution_sources",
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("contribution_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("commons_id", "source", name=op.f("pk_contribution_sources")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("contribution_sources")
    with op.batch_alter_table("validations") as batch_op:
        batch_op.drop_column("quantity")
    with op.batch_alter_table("contributions") as batch_op:
        batch_op.drop_column("source")
        batch_op.drop_column("skill")
