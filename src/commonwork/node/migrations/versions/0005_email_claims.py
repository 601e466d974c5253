"""e-mail addresses claimed by members whose key this node holds (node-local, for import-git)

The table starts empty: nobody has claimed an address before this revision.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email_claims",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("did", sa.String(length=100), nullable=False),
        sa.Column("claimed_at", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_email_claims")),
    )
    op.create_index(op.f("ix_email_claims_did"), "email_claims", ["did"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_email_claims_did"), table_name="email_claims")
    op.drop_table("email_claims")
