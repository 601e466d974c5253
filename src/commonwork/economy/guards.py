"""The database's own guard over the books: a raw insert cannot unbalance them.

The rules refuse an unbalanced transaction before it is written; these triggers refuse it again
in the database, on both backends, so that a hand-written ``INSERT`` (a script, a careless
migration) cannot make the books say what the journal does not:

* postings are written before their transaction row (the node's flush writes ``book_postings``
  first: ``info["flush_first"]``);
* inserting the transaction row checks that its postings sum to zero in every currency and that
  there are at least two — immediately on SQLite (which has no deferred triggers), at commit on
  PostgreSQL (a deferred constraint trigger);
* a posting cannot be added to a transaction whose row exists (it is sealed), nor changed;
* a posting without its transaction row is refused at commit (a deferred foreign key).

Deleting whole tables or a commons' rows (a rebuild, a fork that starts the books empty) is
allowed: it removes transactions together with their postings.
"""

from __future__ import annotations

import sqlalchemy as sa

from commonwork.economy.tables import book_postings

_SQLITE = [
    """
    CREATE TRIGGER book_txns_balanced AFTER INSERT ON book_txns
    WHEN EXISTS (
        SELECT 1 FROM book_postings
        WHERE commons_id = NEW.commons_id AND txn_id = NEW.txn_id
        GROUP BY currency HAVING sum(amount_minor) != 0
    ) OR (
        SELECT count(*) FROM book_postings
        WHERE commons_id = NEW.commons_id AND txn_id = NEW.txn_id
    ) < 2
    BEGIN
        SELECT RAISE(ABORT, 'unbalanced: postings must sum to 0 per currency');
    END
    """,
    """
    CREATE TRIGGER book_postings_sealed BEFORE INSERT ON book_postings
    WHEN EXISTS (
        SELECT 1 FROM book_txns WHERE commons_id = NEW.commons_id AND txn_id = NEW.txn_id
    )
    BEGIN
        SELECT RAISE(ABORT, 'sealed: postings precede their transaction, unchanged');
    END
    """,
    """
    CREATE TRIGGER book_postings_unchanged BEFORE UPDATE ON book_postings
    BEGIN
        SELECT RAISE(ABORT, 'sealed: postings precede their transaction, unchanged');
    END
    """,
]

_POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION book_txns_balanced() RETURNS trigger AS $$
    BEGIN
        IF NOT EXISTS (
            SELECT 1 FROM book_txns WHERE commons_id = NEW.commons_id AND txn_id = NEW.txn_id
        ) THEN
            RETURN NULL;  -- deleted in the same transaction (a fork's reset)
        END IF;
        IF EXISTS (
            SELECT 1 FROM book_postings
            WHERE commons_id = NEW.commons_id AND txn_id = NEW.txn_id
            GROUP BY currency HAVING sum(amount_minor) <> 0
        ) OR (
            SELECT count(*) FROM book_postings
            WHERE commons_id = NEW.commons_id AND txn_id = NEW.txn_id
        ) < 2 THEN
            RAISE EXCEPTION 'unbalanced: postings must sum to 0 per currency'
                USING ERRCODE = '23514', DETAIL = NEW.txn_id;
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE CONSTRAINT TRIGGER book_txns_balanced AFTER INSERT ON book_txns
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION book_txns_balanced()
    """,
    """
    CREATE OR REPLACE FUNCTION book_postings_sealed() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'UPDATE' OR EXISTS (
            SELECT 1 FROM book_txns WHERE commons_id = NEW.commons_id AND txn_id = NEW.txn_id
        ) THEN
            RAISE EXCEPTION 'sealed: postings precede their transaction, unchanged'
                USING ERRCODE = '23514', DETAIL = NEW.txn_id;
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER book_postings_sealed BEFORE INSERT OR UPDATE ON book_postings
    FOR EACH ROW EXECUTE FUNCTION book_postings_sealed()
    """,
]


def _create(target: sa.Table, connection: sa.Connection, **_: object) -> None:
    """Create the triggers with the tables (``create`` fires ``after_create``), so that
    ``ensure_tables`` and a rebuild's remade tables carry them."""
    statements = _POSTGRES if connection.dialect.name == "postgresql" else _SQLITE
    for statement in statements:
        connection.exec_driver_sql(statement)


sa.event.listen(book_postings, "after_create", _create)
