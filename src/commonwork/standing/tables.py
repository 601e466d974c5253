"""The standing area's read model: what day settlement (settle.py) projects.

All of it is a deterministic function of the journal prefix and ``recorded_at``, covered by the
state digest; integers only. Storage grows with the changes, never with members * days: a
member's standing is kept as an amount as of the day it last changed, and decay to any later day
is applied exactly on read (decay.py).
"""

from __future__ import annotations

import sqlalchemy as sa

from commonwork.tables import metadata

#: Per commons under a settlement engine: the first day not settled yet.
settlements = sa.Table(
    "settlements",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("next_day", sa.String(10), nullable=False),  # ISO date
    sa.Column("engine", sa.Integer, nullable=False),
    # A charter version set on a day not settled yet (commons.charter_versions.seq): it takes
    # effect when settlement reaches its day.
    sa.Column("pending_charter", sa.BigInteger, nullable=True),
    sqlite_with_rowid=False,
)

#: Per member: standing in milli-points as of ``day`` (decays from there), value points.
member_standing = sa.Table(
    "member_standing",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("member", sa.String(100), primary_key=True),
    sa.Column("seed_milli", sa.BigInteger, nullable=False),
    sa.Column("amount_milli", sa.BigInteger, nullable=False),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("value_points_milli", sa.BigInteger, nullable=False),
    sa.Column("month", sa.String(7), nullable=False),  # the calendar month of month_points
    sa.Column("month_points_milli", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

#: A member's standing and lifetime value points after each day they changed: past as-of reads
#: and the standing-over-time chart; with what each contribution accepted that day credited
#: them ("why this number"). A day's credits of a member live in this one row rather than a row
#: per credit: the busy day's settlement writes a row per member credited, not per credit.
standing_history = sa.Table(
    "standing_history",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("member", sa.String(100), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),
    sa.Column("amount_milli", sa.BigInteger, nullable=False),
    sa.Column("value_points_milli", sa.BigInteger, nullable=False),
    # JSON [[seq, points_milli, standing_milli], …]: per contribution accepted that day (by its
    # record entry's seq, in journal order), the value points credited and the standing added
    # (before decay); null on a day without credits (a founder's seed).
    sa.Column("credits", sa.Text, nullable=True),
    sqlite_with_rowid=False,
)

#: The last day on which ``approver`` approved pending work recorded by ``author``, and the last
#: one before it: reciprocity, read as of the start of a day, looks at the last day before it.
approval_pairs = sa.Table(
    "approval_pairs",
    metadata,
    sa.Column("commons_id", sa.String(64), primary_key=True),
    sa.Column("approver", sa.String(100), primary_key=True),
    sa.Column("author", sa.String(100), primary_key=True),
    sa.Column("day", sa.String(10), nullable=False),
    sa.Column("before", sa.String(10), nullable=True),
    sqlite_with_rowid=False,
)

TABLES = (settlements, member_standing, standing_history, approval_pairs)
