"""attribution names: the name each person chooses for attribution in a commons, node-local

By the person's did and the commons; never in a journal (a person's own choice, which they
change or take back at any time). The table starts empty: nobody could choose a name before
this revision, and attribution shows the name a person joined a commons with until they do.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attribution_names",
        sa.Column("did", sa.String(length=100), nullable=False),
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("did", "commons_id", name=op.f("pk_attribution_names")),
    )


def downgrade() -> None:
    op.drop_table("attribution_names")
