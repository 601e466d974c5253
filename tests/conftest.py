"""Fixtures shared by every suite.

``node`` is a fresh node on an embedded SQLite database. ``any_node`` is the same for every storage
backend: the contract suite uses it, so each of its tests runs on SQLite and on a real PostgreSQL
server that this test setup starts (see tests/support/postgres.py).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from commonwork.node.node import Node
from commonwork.node.settings import Settings
from tests.support.postgres import PostgresServer, start_postgres

_databases = itertools.count()
DatabaseFactory = Callable[[str], str | None]


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresServer]:
    server = start_postgres(tmp_path_factory.mktemp("postgres"))
    yield server
    server.stop()


def open_node(data_dir: Path, database_url: str | None = None) -> Node:
    env = {"COMMONWORK_DATA_DIR": str(data_dir)}
    if database_url is not None:
        env["COMMONWORK_DATABASE_URL"] = database_url
    return Node.open(Settings.from_env(env))


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Node]:
    opened = open_node(tmp_path / "node")
    yield opened
    opened.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url_factory(backend: str, request: pytest.FixtureRequest) -> Iterator[DatabaseFactory]:
    """Makes fresh, empty databases of the current backend: factory(name) -> URL or None."""
    created: list[str] = []

    def make(name: str) -> str | None:
        if backend == "sqlite":
            return None  # the node's default: a SQLite file in its data directory
        server: PostgresServer = request.getfixturevalue("postgres_server")
        database = f"cw_{os.getpid()}_{next(_databases)}_{name}"
        created.append(database)
        return server.create_database(database)

    yield make
    if created:
        server = request.getfixturevalue("postgres_server")
        for database in created:
            server.drop_database(database)


@pytest.fixture
def any_node(tmp_path: Path, database_url_factory: DatabaseFactory) -> Iterator[Node]:
    """A fresh node on the current backend (SQLite, then PostgreSQL)."""
    opened = open_node(tmp_path / "any", database_url_factory("a"))
    yield opened
    opened.close()
