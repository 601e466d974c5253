"""The database's own guard over bookings: no two active rows of one resource overlap, even
when something bypasses the rules.

The fold refuses an overlapping booking before it is written (commonwork.resources.bookings);
the database refuses it again, so that a race that slipped past the rules, a script's raw
``INSERT`` or a careless migration cannot double-book a machine:

* on PostgreSQL an exclusion constraint over ``int8range(lo, hi)`` for the rows with
  ``active = 1``, equal on commons and resource (``btree_gist`` gives ``=`` on text to GiST;
  Debian's ``postgresql`` package ships it);
* on SQLite, which has no exclusion constraints, triggers before an insert or an update that
  raise when an active row of the same resource overlaps. Active rows never overlap each other,
  so the row with the greatest ``lo`` below the new ``hi`` is the only one that can: one step
  down a partial index, whatever the resource's history.

They are created with the table (``after_create``), so rebuilds and remade tables keep them.
"""

from __future__ import annotations

import sqlalchemy as sa

from commonwork.resources.tables import bookings

#: The constraint's (or trigger's) name, which the error the database raises names.
NAME = "bookings_no_overlap"

_OVERLAP = """
    (SELECT hi FROM bookings
     WHERE commons_id = NEW.commons_id AND resource = NEW.resource AND active = 1
       AND lo < NEW.hi AND booking_id != NEW.booking_id
     ORDER BY lo DESC LIMIT 1) > NEW.lo
"""

_SQLITE = [
    f"""
    CREATE TRIGGER {NAME} BEFORE INSERT ON bookings
    WHEN NEW.active = 1 AND {_OVERLAP}
    BEGIN
        SELECT RAISE(ABORT, '{NAME}: an active booking of this resource overlaps this one');
    END
    """,
    f"""
    CREATE TRIGGER {NAME}_update BEFORE UPDATE OF active, lo, hi, resource ON bookings
    WHEN NEW.active = 1 AND {_OVERLAP}
    BEGIN
        SELECT RAISE(ABORT, '{NAME}: an active booking of this resource overlaps this one');
    END
    """,
]

_POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""
    ALTER TABLE bookings ADD CONSTRAINT {NAME} EXCLUDE USING gist (
        commons_id WITH =, resource WITH =, int8range(lo, hi) WITH &&
    ) WHERE (active = 1)
    """,
]


def _create(target: sa.Table, connection: sa.Connection, **_: object) -> None:
    """Create the guard with the table (``create`` fires ``after_create``)."""
    statements = _POSTGRES if connection.dialect.name == "postgresql" else _SQLITE
    for statement in statements:
        connection.exec_driver_sql(statement)


sa.event.listen(bookings, "after_create", _create)
