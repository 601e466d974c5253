"""Storage on every backend: the migrations build exactly the declared schema, and concurrent
writers to one commons keep one gap-free, verifiable chain."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from commonwork.journal.keys import Keypair
from commonwork.node import journal_store
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.services.journals import verify_commons
from commonwork.tables import metadata
from tests.conftest import DatabaseFactory, open_node
from tests.support.builders import found, join, signed


def test_migrations_build_the_declared_schema(any_node: Node) -> None:
    with any_node.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_opening_twice_keeps_data(tmp_path: Path, database_url_factory: DatabaseFactory) -> None:
    url = database_url_factory("reopen")
    first = open_node(tmp_path / "n", url)
    commons_id = found(first, Keypair.generate())
    host = first.host_key.did
    first.close()
    again = open_node(tmp_path / "n", url)
    with again.reading() as conn:
        head = journal_store.read_head(conn, commons_id)
    assert head is not None
    assert again.host_key.did == host
    again.close()


def test_concurrent_writers_keep_one_chain(any_node: Node) -> None:
    founder = Keypair.generate()
    commons_id = found(any_node, founder)
    writers = [Keypair.generate() for _ in range(4)]
    for index, writer in enumerate(writers):
        join(any_node, commons_id, writer, f"Writer {index}")
    errors: list[BaseException] = []

    def write(person: Keypair) -> None:
        try:
            for number in range(15):
                body = {"kind": "work", "quantity": "1", "description": f"task {number}"}
                action = signed(person, "production.contribution.record", body, commons_id)
                append_actions(any_node, commons_id, [action])
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(person,)) for person in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = verify_commons(any_node, commons_id)
    assert report.ok, report.first_bad
    assert report.entries == 1 + 4 + 4 * 15
    assert report.extra["projections_match"] is True
