"""A dummy area for tests of areas as plug-ins: one table of its own that no journal uses."""

from __future__ import annotations

import sqlalchemy as sa

from commonwork.journal.area import Area


def dummy_area(projection_version: int = 1) -> Area:
    """An area ``dummy`` building on ``commons``, with one table ``dummy_ledger`` (on metadata
    of its own, so that the node's schema is left as it is)."""
    ledger = sa.Table(
        "dummy_ledger",
        sa.MetaData(),
        sa.Column("commons_id", sa.String(64), primary_key=True),
        sa.Column("entry", sa.String(64), primary_key=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
    )
    return Area(
        "dummy",
        "an area no journal uses",
        builds_on=("commons",),
        tables=(ledger,),
        fork={"dummy_ledger": "reset"},
        projection_version=projection_version,
    )
