"""narrow settlement rows: a contribution's status in contribution_status, a member's credits of
a day in their standing_history row, the agenda by seq

Version 2 of the production and standing areas' projections (their ``projection_version``), so
every node rebuilds its projections from the journal once (commonwork.node.projections). This
migration gives the tables their new shape — a fresh node's migrations must build the declared
schema — and moves the rows' values with their columns, so that what reads serve until that
rebuild ends (labelled stale) is what was committed before:

* the columns validation and settlement change after a contribution is recorded (status,
  tallies, weights, the lazy day, what settlement decided) move from ``contributions`` to the new
  ``contribution_status``, keyed by the record's ``seq``, with a copy of what deciding the
  contribution reads of its record;
* ``standing_credits`` (a row per accepted contribution per author) becomes the ``credits``
  column of the author's ``standing_history`` row of the day: ``[[seq, points, standing], …]``;
* ``settle_agenda`` is keyed by the contribution's ``seq`` instead of its id.

The kept digest parts are dropped: the node recomputes them from the rows when it opens, and the
rebuild makes them again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

DAY = sa.String(length=10)
DID = sa.String(length=100)
ID = sa.String(length=64)

#: The columns that move from contributions to contribution_status, as 0001-0010 made them.
MOVED = (
    ("status", sa.String(length=10), False, None),
    ("approvals", sa.Integer(), False, None),
    ("disputes", sa.Integer(), False, None),
    ("weight_milli", sa.BigInteger(), False, "0"),
    ("lazy_on", DAY, True, None),
    ("accepted_on", DAY, True, None),
    ("accepted_quantity", sa.String(length=40), True, None),
    ("points_milli", sa.BigInteger(), True, None),
    ("dispute_weight_milli", sa.BigInteger(), False, "0"),
    ("adjust_weight_milli", sa.BigInteger(), False, "0"),
)
#: What contribution_status copies from a contribution's record.
COPIED = (
    "contribution_id",
    "contributor",
    "kind",
    "skill",
    "task",
    "quantity",
    "co_authors",
    "corrections",
)


def _contribution_status() -> None:
    op.create_table(
        "contribution_status",
        sa.Column("commons_id", ID, nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("contribution_id", ID, nullable=False),
        sa.Column("contributor", DID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("skill", sa.String(length=50), nullable=True),
        sa.Column("task", ID, nullable=True),
        sa.Column("quantity", sa.String(length=40), nullable=False),
        sa.Column("co_authors", sa.Text(), nullable=True),
        sa.Column("corrections", sa.Integer(), nullable=False),
        *(sa.Column(name, kind, nullable=nullable) for name, kind, nullable, _ in MOVED),
        sa.PrimaryKeyConstraint("commons_id", "seq", name=op.f("pk_contribution_status")),
        sqlite_with_rowid=False,
    )


def _agenda(name: str, key: str, kind: Any) -> None:
    op.create_table(
        name,
        sa.Column("commons_id", ID, nullable=False),
        sa.Column("day", DAY, nullable=False),
        sa.Column(key, kind, autoincrement=False, nullable=False),
        sa.Column("why", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("commons_id", "day", key, name=op.f(f"pk_{name}")),
        sqlite_with_rowid=False,
    )


def _rekey_agenda(key: str, kind: Any, join_on: str, select: str) -> None:
    """settle_agenda made afresh keyed by ``key``, its rows carried over through the
    contribution's record (``join_on``: the old key's column there; ``select``: the new one's)."""
    _agenda("settle_agenda_next", key, kind)
    # Only this module's own column names are formatted in; there are no values.
    op.execute(
        f"INSERT INTO settle_agenda_next (commons_id, day, {key}, why) "  # noqa: S608 - names only
        f"SELECT a.commons_id, a.day, c.{select}, a.why FROM settle_agenda a "
        f"JOIN contributions c ON c.commons_id = a.commons_id AND c.{join_on} = a.{join_on}"
    )
    op.drop_table("settle_agenda")
    op.rename_table("settle_agenda_next", "settle_agenda")
    if op.get_bind().dialect.name == "postgresql":  # constraint names are the schema's there
        op.execute(
            "ALTER TABLE settle_agenda RENAME CONSTRAINT pk_settle_agenda_next TO pk_settle_agenda"
        )


def _credit_days(conn: sa.Connection) -> Iterator[dict[str, Any]]:
    """Per (commons, member, day) that standing_credits holds: its credits as the history row
    lists them, in journal order."""
    rows = conn.execute(
        sa.text(
            "SELECT s.commons_id, s.member, s.day, c.seq, s.points_milli, s.standing_milli "
            "FROM standing_credits s JOIN contributions c ON c.commons_id = s.commons_id "
            "AND c.contribution_id = s.contribution_id "
            "ORDER BY s.commons_id, s.member, s.day, c.seq"
        ).execution_options(yield_per=10_000)
    )
    for (commons_id, member, day), credits in groupby(rows, key=lambda row: tuple(row[:3])):
        listed = [[int(seq), int(points), int(standing)] for *_, seq, points, standing in credits]
        yield {"k0": commons_id, "k1": member, "k2": day, "credits": orjson.dumps(listed).decode()}


def _history_credits() -> None:
    with op.batch_alter_table("standing_history") as batch:
        batch.add_column(sa.Column("credits", sa.Text(), nullable=True))
    conn = op.get_bind()
    update = sa.text(
        "UPDATE standing_history SET credits = :credits "
        "WHERE commons_id = :k0 AND member = :k1 AND day = :k2"
    )
    batch_rows: list[dict[str, Any]] = []
    for row in _credit_days(conn):
        batch_rows.append(row)
        if len(batch_rows) == 10_000:
            conn.execute(update, batch_rows)
            batch_rows = []
    if batch_rows:
        conn.execute(update, batch_rows)
    op.drop_table("standing_credits")


def upgrade() -> None:
    _contribution_status()
    status = ", ".join((*COPIED, *(name for name, *_ in MOVED)))
    op.execute(
        f"INSERT INTO contribution_status (commons_id, seq, {status}) "  # noqa: S608 - names only
        f"SELECT commons_id, seq, {status} FROM contributions"
    )
    _rekey_agenda("seq", sa.BigInteger(), "contribution_id", "seq")
    _history_credits()
    with op.batch_alter_table("contributions") as batch:
        for name, *_ in MOVED:
            batch.drop_column(name)
    op.execute("DELETE FROM digest_parts")  # recomputed from the rows when the node opens


def _standing_credits() -> None:
    op.create_table(
        "standing_credits",
        sa.Column("commons_id", ID, nullable=False),
        sa.Column("member", DID, nullable=False),
        sa.Column("contribution_id", ID, nullable=False),
        sa.Column("day", DAY, nullable=False),
        sa.Column("points_milli", sa.BigInteger(), nullable=False),
        sa.Column("standing_milli", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "commons_id", "member", "contribution_id", name=op.f("pk_standing_credits")
        ),
        sqlite_with_rowid=False,
    )
    conn = op.get_bind()
    ids = sa.text(
        "SELECT seq, contribution_id FROM contribution_status WHERE commons_id = :commons_id"
    )
    days = conn.execute(
        sa.text(
            "SELECT commons_id, member, day, credits FROM standing_history "
            "WHERE credits IS NOT NULL ORDER BY commons_id"
        ).execution_options(yield_per=10_000)
    )
    insert = sa.text(
        "INSERT INTO standing_credits VALUES (:commons_id, :member, :contribution_id, :day, "
        ":points_milli, :standing_milli)"
    )
    for commons_id, rows in groupby(days, key=lambda row: row[0]):
        named = {int(seq): str(cid) for seq, cid in conn.execute(ids, {"commons_id": commons_id})}
        credits = [
            {
                "commons_id": commons_id,
                "member": member,
                "contribution_id": named[seq],
                "day": day,
                "points_milli": points,
                "standing_milli": standing,
            }
            for _, member, day, text in rows
            for seq, points, standing in orjson.loads(text)
        ]
        if credits:
            conn.execute(insert, credits)
    with op.batch_alter_table("standing_history") as batch:
        batch.drop_column("credits")


def downgrade() -> None:
    with op.batch_alter_table("contributions") as batch:
        for name, kind, nullable, default in MOVED:
            # A default fills the rows there are; the status columns' is dropped again below.
            batch.add_column(
                sa.Column(name, kind, nullable=nullable, server_default=default or "0")
                if not nullable
                else sa.Column(name, kind, nullable=True)
            )
    for name, *_ in MOVED:
        op.execute(
            f"UPDATE contributions SET {name} = (SELECT s.{name} FROM contribution_status s "  # noqa: S608 - names only
            "WHERE s.commons_id = contributions.commons_id AND s.seq = contributions.seq)"
        )
    with op.batch_alter_table("contributions") as batch:
        for name in ("status", "approvals", "disputes"):  # as 0001 made them: no default
            batch.alter_column(name, server_default=None)
    _standing_credits()
    _rekey_agenda("contribution_id", ID, "seq", "contribution_id")
    op.drop_table("contribution_status")
    op.execute("DELETE FROM digest_parts")
