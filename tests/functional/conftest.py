"""Fixtures of the functional tests: the node served over real HTTP, an API client, people with
their own browsers' cookies, and the command line on a data directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from commonwork.node.node import Node
from commonwork.web.app import create_app
from tests.functional.server import HTML, People, serve_app
from tests.support.cli import Cli, make_cli


@pytest.fixture
def site(node: Node) -> Iterator[str]:
    """The node's pages and API on a free local port; yields the base URL."""
    with serve_app(create_app(node)) as base_url:
        yield base_url


@pytest.fixture
def api(site: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site, timeout=30) as client:
        yield client


@pytest.fixture
def people(site: str) -> Iterator[People]:
    """Makes people: each an HTTP client with its own cookies, closed at the end."""
    clients: list[httpx.Client] = []

    def make() -> httpx.Client:
        client = httpx.Client(base_url=site, headers=HTML, timeout=10)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def run(tmp_path: Path) -> Cli:
    return make_cli(tmp_path / "node")
