"""broadcast tasks: the tasks and task_claims projections, and contributions.task

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contributions") as batch_op:
        batch_op.add_column(sa.Column("task", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_contributions_task", ["commons_id", "task"], unique=False)
    op.create_table(
        "tasks",
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("poster", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("skills", sa.Text(), nullable=False),
        sa.Column("estimate", sa.String(length=40), nullable=True),
        sa.Column("posted_at", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.String(length=24), nullable=True),
        sa.Column("claims", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("commons_id", "task_id", name=op.f("pk_tasks")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "task_claims",
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("member", sa.String(length=100), nullable=False),
        sa.Column("claimed_at", sa.String(length=24), nullable=False),
        sa.Column("last_activity_at", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("commons_id", "task_id", "member", name=op.f("pk_task_claims")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("task_claims")
    op.drop_table("tasks")
    with op.batch_alter_table("contributions") as batch_op:
        batch_op.drop_index("ix_contributions_task")
        batch_op.drop_column("task")
