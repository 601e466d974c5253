"""day settlement inside the fold: settled columns on contributions and validations, the
settlement agenda, and the standing area's tables

Existing rows get what the new projection gives a commons without a settlement engine (weights 0
or null, nothing settled). A commons whose charter sets policies is settled by replaying its
journal: run ``commonwork rebuild`` once after upgrading (docs/standing.md).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DAY = sa.String(length=10)
DID = sa.String(length=100)
ID = sa.String(length=64)


def _contribution_columns() -> None:
    with op.batch_alter_table("contributions") as batch_op:
        batch_op.add_column(
            sa.Column("weight_milli", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("lazy_on", DAY, nullable=True))
        batch_op.add_column(sa.Column("accepted_on", DAY, nullable=True))
        batch_op.add_column(sa.Column("accepted_quantity", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("points_milli", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("validations") as batch_op:
        batch_op.add_column(sa.Column("weight_milli", sa.BigInteger(), nullable=True))


def _table(name: str, keys: list[tuple[str, sa.String]], *others: sa.Column[object]) -> None:
    columns = [sa.Column(key, kind, nullable=False) for key, kind in keys]
    pk = sa.PrimaryKeyConstraint(*(key for key, _ in keys), name=op.f(f"pk_{name}"))
    op.create_table(name, *columns, *others, pk, sqlite_with_rowid=False)


def upgrade() -> None:
    _contribution_columns()
    _table(
        "settle_agenda",
        [("commons_id", ID), ("day", DAY), ("contribution_id", ID)],
        sa.Column("why", sa.String(length=10), nullable=False),
    )
    _table(
        "settlements",
        [("commons_id", ID)],
        sa.Column("next_day", DAY, nullable=False),
        sa.Column("engine", sa.Integer(), nullable=False),
    )
    _table(
        "member_standing",
        [("commons_id", ID), ("member", DID)],
        sa.Column("seed_milli", sa.BigInteger(), nullable=False),
        sa.Column("amount_milli", sa.BigInteger(), nullable=False),
        sa.Column("day", DAY, nullable=False),
        sa.Column("value_points_milli", sa.BigInteger(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("month_points_milli", sa.BigInteger(), nullable=False),
    )
    _table(
        "standing_history",
        [("commons_id", ID), ("member", DID), ("day", DAY)],
        sa.Column("amount_milli", sa.BigInteger(), nullable=False),
        sa.Column("value_points_milli", sa.BigInteger(), nullable=False),
    )
    _table(
        "standing_credits",
        [("commons_id", ID), ("member", DID), ("contribution_id", ID)],
        sa.Column("day", DAY, nullable=False),
        sa.Column("points_milli", sa.BigInteger(), nullable=False),
        sa.Column("standing_milli", sa.BigInteger(), nullable=False),
    )
    _table(
        "approval_pairs",
        [("commons_id", ID), ("approver", DID), ("author", DID)],
        sa.Column("day", DAY, nullable=False),
    )


def downgrade() -> None:
    for name in (
        "approval_pairs",
        "standing_credits",
        "standing_history",
        "member_standing",
        "settlements",
        "settle_agenda",
    ):
        op.drop_table(name)
    with op.batch_alter_table("validations") as batch_op:
        batch_op.drop_column("weight_milli")
    with op.batch_alter_table("contributions") as batch_op:
        for name in ("points_milli", "accepted_quantity", "accepted_on", "lazy_on", "weight_milli"):
            batch_op.drop_column(name)
