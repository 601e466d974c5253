"""Answers to anonymous reads kept until the database changes (commonwork.web.read_cache), over
real HTTP: the same bytes as the read made afresh, never after a commit by this process or
another, never to or from a private request, never past the clock's day or during a rebuild."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
import sqlalchemy as sa

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.projections import Due
from commonwork.web.app import create_app
from tests.contract.test_standing import charter
from tests.functional.server import serve_app
from tests.support import builders

SAME = ("content-type", "content-length", "content-security-policy", "x-commonwork-head")


def cached(response: httpx.Response) -> str | None:
    return response.headers.get("commonwork-cache")


@pytest.fixture
def commons(node: Node) -> tuple[str, Keypair]:
    founder = Keypair.generate()
    return builders.found(node, founder, charter(founder)), founder  # with standing policies


def test_a_read_is_answered_from_the_cache_with_the_same_bytes_until_an_entry_is_written(
    node: Node, api: httpx.Client, commons: tuple[str, Keypair]
) -> None:
    commons_id, founder = commons
    url = f"/api/v1/commons/{commons_id}"

    first, second = api.get(url), api.get(url)
    builders.contribute(node, commons_id, founder)  # appended by this process, on its own pool
    third = api.get(url)

    assert (cached(first), cached(second), cached(third)) == ("miss", "hit", "miss")
    assert second.content == first.content
    assert all(second.headers.get(name) == first.headers.get(name) for name in SAME)
    assert third.json()["head_seq"] == first.json()["head_seq"] + 1
    assert api.get(url).content == third.content


def test_every_marked_read_is_kept_and_the_journal_page_too(
    api: httpx.Client, commons: tuple[str, Keypair]
) -> None:
    commons_id, founder = commons
    base = f"/api/v1/commons/{commons_id}"
    member = founder.did
    for path in (
        "/api/v1/node",
        "/api/v1/commons",
        base,
        f"{base}/members",
        f"{base}/contributions",
        f"{base}/tasks",
        f"{base}/journal",
        f"{base}/entries/0",
        f"{base}/standing",
        f"{base}/members/{member}/standing",
    ):
        first, second = api.get(path), api.get(path)
        assert first.status_code == 200, (path, first.text)
        assert (cached(first), cached(second)) == ("miss", "hit"), path
        assert second.content == first.content, path


def test_a_commit_by_another_process_is_seen_by_the_next_read(
    node: Node, api: httpx.Client, commons: tuple[str, Keypair]
) -> None:
    commons_id, _ = commons
    url = f"/api/v1/commons/{commons_id}"
    api.get(url)
    assert cached(api.get(url)) == "hit"
    database = sa.make_url(str(node.engine.url)).database
    renaming = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1])\n"
        "db.execute('UPDATE commons SET name = ? WHERE commons_id = ?', ('Renamed', sys.argv[2]))\n"
        "db.commit()\n"
    )
    subprocess.run([sys.executable, "-c", renaming, str(database), commons_id], check=True)

    after = api.get(url)

    assert cached(after) == "miss"
    assert after.json()["name"] == "Renamed"


def test_private_requests_are_never_answered_from_the_cache_nor_kept(
    api: httpx.Client, commons: tuple[str, Keypair]
) -> None:
    commons_id, _ = commons
    url = f"/api/v1/commons/{commons_id}"
    api.get(url)
    for private in ({"authorization": "Bearer x"}, {"cookie": "a=b"}, {"x-commonwork-sign": "1"}):
        answers = [httpx.get(str(api.base_url.join(url)), headers=private) for _ in range(2)]
        assert [cached(answer) for answer in answers] == [None, None], private
    assert cached(api.get(url)) == "hit"


def test_errors_heavy_reads_and_unmarked_routes_are_not_kept(
    api: httpx.Client, commons: tuple[str, Keypair]
) -> None:
    commons_id, _ = commons
    base = f"/api/v1/commons/{commons_id}"
    for path, status in (
        ("/api/v1/commons/nosuchcommons", 404),
        (f"{base}/standing?as_of=2026-01-01T00:00:00.000Z", None),
        (f"{base}/verify", 200),
        (f"{base}/contributions?limit=0", 422),
    ):
        answers = [api.get(path) for _ in range(2)]
        if status is not None:
            assert answers[1].status_code == status, (path, answers[1].text)
        assert [cached(answer) for answer in answers] == [None, None], path


def test_a_new_day_of_the_clock_makes_the_reads_again(
    node: Node, api: httpx.Client, commons: tuple[str, Keypair]
) -> None:
    commons_id, _ = commons
    url = f"/api/v1/commons/{commons_id}/standing"
    api.get(url)
    assert cached(api.get(url)) == "hit"
    builders.advance(node, 1)
    assert cached(api.get(url)) == "miss"


def test_nothing_is_kept_while_the_projections_wait_for_a_rebuild(
    node: Node, api: httpx.Client, commons: tuple[str, Keypair]
) -> None:
    commons_id, _ = commons
    url = f"/api/v1/commons/{commons_id}"
    node.due = (Due("production", 1, 2),)
    answers = [api.get(url) for _ in range(2)]
    node.due = ()

    assert [cached(answer) for answer in answers] == [None, None]
    assert all(answer.headers["commonwork-stale"] for answer in answers)
    assert cached(api.get(url)) == "miss"  # the stale answers were not kept either


@pytest.fixture
def small_site(node: Node) -> Iterator[httpx.Client]:
    """The node with a cache of 16,000 bytes: one answer may take 2,000 of them (a page of one
    contribution takes ~1,750 with its headers and key: nine fit)."""
    node.settings = replace(node.settings, read_cache_bytes=16_000)
    with serve_app(create_app(node)) as base_url, httpx.Client(base_url=base_url) as client:
        yield client


def test_the_cache_keeps_to_its_budget_least_recently_used_first(
    node: Node, small_site: httpx.Client, commons: tuple[str, Keypair]
) -> None:
    commons_id, founder = commons
    for _ in range(12):
        builders.contribute(node, commons_id, founder)
    base = f"/api/v1/commons/{commons_id}"
    pages = [f"{base}/contributions?limit=1&offset={offset}" for offset in range(12)]
    for page in pages:
        small_site.get(page)
    big = small_site.get(f"{base}/journal")  # over one answer's share

    assert len(big.content) > 2_000
    assert cached(small_site.get(f"{base}/journal")) == "miss"
    assert cached(small_site.get(pages[-1])) == "hit"
    assert cached(small_site.get(pages[0])) == "miss"  # the oldest went first


def test_the_cache_can_be_turned_off(node: Node, commons: tuple[str, Keypair]) -> None:
    commons_id, _ = commons
    node.settings = replace(node.settings, read_cache_bytes=0)
    with serve_app(create_app(node)) as base_url, httpx.Client(base_url=base_url) as client:
        answers = [client.get(f"/api/v1/commons/{commons_id}") for _ in range(2)]
    assert [cached(answer) for answer in answers] == [None, None]
    assert answers[0].content == answers[1].content


def test_a_request_for_a_fresh_answer_is_made_afresh(
    api: httpx.Client, commons: tuple[str, Keypair]
) -> None:
    commons_id, _ = commons
    url = f"/api/v1/commons/{commons_id}"
    api.get(url)
    fresh = api.get(url, headers={"cache-control": "no-cache"})
    unkept = api.get(f"{url}/members", headers={"cache-control": "no-store"})

    assert (cached(fresh), cached(api.get(url))) == ("miss", "hit")  # made afresh, and kept
    assert cached(unkept) is None
    assert cached(api.get(f"{url}/members")) == "miss"  # no-store: it was not kept
