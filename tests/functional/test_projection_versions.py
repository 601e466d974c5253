"""An area's projection changed shape: the node rebuilds every projection from the journal, and
writes wait (503 with Retry-After over HTTP, a message naming `commonwork rebuild` elsewhere)
while reads go on, labelled stale (issue 8, "the digest and schema are versioned per area")."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from commonwork import production
from commonwork.errors import Rebuilding
from commonwork.journal.keys import Keypair
from commonwork.node.digests import stored_digest
from commonwork.node.node import Node
from commonwork.node.registry import AREAS
from commonwork.node.tables import projection_versions
from commonwork.services.journals import rebuild_projections
from commonwork.web.app import create_app
from tests.conftest import open_node
from tests.functional.server import serve_app
from tests.functional.test_api import signed_json
from tests.support.builders import contribute, found, join
from tests.support.cli import make_cli

STALE = "commonwork-stale"
PRODUCTION = production.AREA.projection_version


def a_node_built_by_another_version(data: Path) -> tuple[Node, str, Keypair, str]:
    """A node holding a commons whose production tables say they were built by a later version
    of the area's projection than this release's: (node, commons, founder, digest before)."""
    node = open_node(data)
    founder, member = Keypair.generate(), Keypair.generate()
    commons_id = found(node, founder)
    join(node, commons_id, member, "Ben")
    contribute(node, commons_id, member, "3.5")
    with node.writing() as conn:
        digest = stored_digest(conn, commons_id)
        versions = projection_versions.c
        conn.execute(
            sa.update(projection_versions)
            .where(versions.area == "production")
            .values(version=PRODUCTION + 1)
        )
    node.close()
    return open_node(data), commons_id, founder, digest


def test_a_node_opened_over_another_projection_version_refuses_writes_until_rebuilt(
    tmp_path: Path,
) -> None:
    node, commons_id, founder, digest = a_node_built_by_another_version(tmp_path / "node")
    try:
        assert [str(due) for due in node.due] == [f"production {PRODUCTION + 1} → {PRODUCTION}"]
        with pytest.raises(Rebuilding, match="commonwork rebuild"):
            contribute(node, commons_id, founder)
        with pytest.raises(Exception, match="without --commons"):
            rebuild_projections(node, commons_id)
        rebuilt = rebuild_projections(node)
        assert rebuilt.remade == ["production"]
        assert node.due == ()
        with node.reading() as conn:
            assert stored_digest(conn, commons_id) == digest  # the same rows, made afresh
            stored = dict(
                conn.execute(
                    sa.select(projection_versions.c.area, projection_versions.c.version)
                ).all()
            )
        assert stored == {area.name: area.projection_version for area in AREAS}
        contribute(node, commons_id, founder)  # writes again
    finally:
        node.close()
    reopened = open_node(tmp_path / "node")
    assert reopened.due == ()
    reopened.close()


def test_the_web_node_rebuilds_in_the_background_while_reads_go_on_labelled_stale(
    tmp_path: Path,
) -> None:
    node, commons_id, founder, digest = a_node_built_by_another_version(tmp_path / "node")
    blocker = node.engine.connect()  # holds the write lock: the rebuild waits for it
    blocker.execution_options(commonwork_write=True)
    holding = blocker.begin()
    try:
        with serve_app(create_app(node)) as site, httpx.Client(base_url=site) as web:
            wait_for(lambda: node.rebuild is not None)
            record = {"kind": "work", "quantity": "1", "description": "sorted seed"}
            action = signed_json(founder, "production.contribution.record", record, commons_id)
            refused = web.post(f"/api/v1/commons/{commons_id}/actions", json=action)
            assert refused.status_code == 503, refused.text
            assert refused.json()["code"] == "rebuilding"
            assert int(refused.headers["retry-after"]) > 0
            read = web.get(f"/api/v1/commons/{commons_id}")
            assert read.status_code == 200
            assert read.headers[STALE].startswith("rebuilding")
            page = web.get(f"/commons/{commons_id}", headers={"accept": "text/html"})
            assert "rebuilding its projections" in page.text
            holding.rollback()
            blocker.close()
            wait_for(lambda: node.rebuild is not None and node.rebuild.finished)
            with node.reading() as conn:
                assert stored_digest(conn, commons_id) == digest
            accepted = web.post(f"/api/v1/commons/{commons_id}/actions", json=action)
            assert accepted.status_code == 201, accepted.text
            assert STALE not in web.get(f"/api/v1/commons/{commons_id}").headers
    finally:
        if not blocker.closed:
            holding.rollback()
            blocker.close()
        node.close()
    assert node.rebuild is not None
    assert node.rebuild.done == node.rebuild.total == 3  # the genesis, a join, a record


def test_the_command_line_says_to_rebuild_and_rebuild_does_it(tmp_path: Path) -> None:
    node, commons_id, _, _ = a_node_built_by_another_version(tmp_path / "node")
    node.close()
    run = make_cli(tmp_path / "node")
    refused = run("commons", "show", commons_id)
    assert "commonwork rebuild" in refused.stderr
    done = run("rebuild")
    assert done.exit_code == 0, done.stderr
    assert "production" in done.stdout
    assert "commonwork rebuild" not in run("commons", "show", commons_id).stderr


def wait_for(condition: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not callable(condition) or not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.02)
