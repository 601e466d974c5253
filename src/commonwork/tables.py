"""The one SQLAlchemy MetaData every table of commonwork is declared on.

Areas declare their read-model tables here; the node adds the journal and node-local tables; the
Alembic migrations create them. Every projected table has ``commons_id`` as the first column of its
primary key, so a node hosting many commons can be sharded by commons.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
