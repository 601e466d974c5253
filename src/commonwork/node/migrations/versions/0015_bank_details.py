"""bank details: where a person asks a commons to pay them, kept on this node only

Free text (an IBAN, the account's name), by the person's did and the commons; never in a journal
(the books name a payment's reference, never where it went). The table starts empty: nobody could
keep bank details before this revision.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_details",
        sa.Column("did", sa.String(length=100), nullable=False),
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("did", "commons_id", name=op.f("pk_bank_details")),
    )


def downgrade() -> None:
    op.drop_table("bank_details")
