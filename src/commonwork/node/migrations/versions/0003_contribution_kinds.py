"""contributions of every kind: co-authors' shares, corrections, happened_at, artifacts, resources

Existing rows get exactly what a rebuild by the new code gives them: the new contribution columns
are null (``corrections`` 0), every contribution has one share row (its contributor's, 1) and every
validation is of version 0. The validations' key gains ``version``, so that a member may validate
each corrected version once.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

VALIDATION_KEY = ["commons_id", "contribution_id", "validator"]


def upgrade() -> None:
    with op.batch_alter_table("contributions") as batch_op:
        batch_op.add_column(sa.Column("happened_at", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("artifact", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("resource", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("co_authors", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("corrections", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("corrected_at", sa.String(length=24), nullable=True))
    with op.batch_alter_table(
        "validations", recreate="always", table_kwargs={"sqlite_with_rowid": False}
    ) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_constraint("pk_validations", type_="primary")
        batch_op.create_primary_key("pk_validations", [*VALIDATION_KEY, "version"])
    op.create_table(
        "contribution_shares",
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("contribution_id", sa.String(length=64), nullable=False),
        sa.Column("member", sa.String(length=100), nullable=False),
        sa.Column("share", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint(
            "commons_id", "contribution_id", "member", name=op.f("pk_contribution_shares")
        ),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO contribution_shares (commons_id, contribution_id, member, share) "
        "SELECT commons_id, contribution_id, contributor, '1' FROM contributions"
    )
    op.create_table(
        "contribution_corrections",
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("contribution_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changes_json", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint(
            "commons_id", "contribution_id", "seq", name=op.f("pk_contribution_corrections")
        ),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("contribution_corrections")
    op.drop_table("contribution_shares")
    op.execute("DELETE FROM validations WHERE version > 0")
    with op.batch_alter_table(
        "validations", recreate="always", table_kwargs={"sqlite_with_rowid": False}
    ) as batch_op:
        batch_op.drop_constraint("pk_validations", type_="primary")
        batch_op.create_primary_key("pk_validations", VALIDATION_KEY)
        batch_op.drop_column("version")
    with op.batch_alter_table("contributions") as batch_op:
        for name in ("corrected_at", "corrections", "co_authors", "resource", "artifact"):
            batch_op.drop_column(name)
        batch_op.drop_column("happened_at")
