"""The database's change token (commonwork.node.changes) on both backends: it stays while nothing
is committed and moves with every commit — this node's at once, another node's on the same
database by the time it is visible (PostgreSQL: when its notification arrives) — and on
PostgreSQL it says "unknown" while its listening connection is lost, then comes back."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from commonwork.journal.keys import Keypair
from commonwork.node.changes import ChangeWatch
from commonwork.node.node import Node
from tests.conftest import open_node
from tests.support import builders
from tests.support.postgres import PostgresServer

Token = tuple[int, int] | None


def watch_of(node: Node) -> ChangeWatch:
    assert node.changes is not None
    return node.changes


def settled_token(watch: ChangeWatch) -> Token:
    """The token once the listener (PostgreSQL) is listening."""
    deadline = time.monotonic() + 10
    while (token := watch.token()) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert token is not None
    return token


def until(condition: Callable[[], bool], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def other(any_node: Node, tmp_path: Path) -> Iterator[Node]:
    """A second node on the same database (another data directory), as a command run beside the
    web node would be."""
    url = any_node.engine.url.render_as_string(hide_password=False)
    opened = open_node(tmp_path / "other", url)
    yield opened
    opened.close()


def test_the_token_stays_while_nothing_is_committed_and_moves_with_this_nodes_commits(
    any_node: Node,
) -> None:
    watch = watch_of(any_node)
    before = settled_token(watch)
    with any_node.reading() as conn:
        conn.execute(sa.text("SELECT 1"))
    time.sleep(0.3)  # room for a stray notification to arrive, had a read sent one
    assert watch.token() == before

    builders.found(any_node, Keypair.generate())

    assert watch.token() not in (before, None)  # at once: counted in process after the commit


def test_a_commit_by_another_node_on_the_same_database_moves_the_token(
    any_node: Node, other: Node
) -> None:
    watch = watch_of(any_node)
    before = settled_token(watch)

    builders.found(other, Keypair.generate())

    assert until(lambda: watch.token() not in (before, None))


def test_a_rolled_back_write_leaves_the_token_alone(any_node: Node, other: Node) -> None:
    watch = watch_of(any_node)
    before = settled_token(watch)

    def refused_half_way() -> None:
        with other.writing() as conn:
            conn.execute(sa.text("SELECT 1"))
            raise RuntimeError("refused half-way")

    with pytest.raises(RuntimeError):
        refused_half_way()
    time.sleep(0.3)
    assert watch.token() == before


@pytest.fixture
def postgres_nodes(tmp_path: Path, postgres_server: PostgresServer) -> Iterator[tuple[Node, Node]]:
    """Two nodes on one fresh PostgreSQL database."""
    name = f"cw_{os.getpid()}_changes"
    url = postgres_server.create_database(name)
    first, second = open_node(tmp_path / "first", url), open_node(tmp_path / "second", url)
    yield first, second
    first.close()
    second.close()
    postgres_server.drop_database(name)


@pytest.mark.postgres
def test_postgres_a_lost_listener_says_unknown_then_listens_again(
    postgres_nodes: tuple[Node, Node],
) -> None:
    any_node, other = postgres_nodes
    watch = watch_of(any_node)
    before = settled_token(watch)
    with other.writing() as conn:  # end the listener's session, as a server restart would
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN%' AND datname = current_database()"
            )
        )

    assert until(lambda: watch.token() is None, 5)
    assert until(lambda: watch.token() not in (before, None))
    again = watch.token()
    builders.found(other, Keypair.generate())
    assert until(lambda: watch.token() not in (again, None))
