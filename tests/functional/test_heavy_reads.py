"""Heavy reads run as jobs outside the request, one at a time, limited per client; an exhausted
connection pool answers 503 with Retry-After; writes keep their own connections (issue 9, item 1).

Before: ``POST …/verify`` re-verified in the request, holding a connection for the whole run (30 s
at 100,000 entries), unlimited; with the pool (5 + 10) used up, other reads waited 30 s and a
signed write got 500 after 30 s.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.settings import Settings
from commonwork.services import journals
from commonwork.web.app import create_app
from tests.contract.test_kill_durability import serve
from tests.contract.test_standing import charter
from tests.functional.server import journal_head, serve_app
from tests.functional.test_api import signed_json
from tests.support import builders

HTML = {"accept": "text/html"}


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Full verifications (the real ones) wait at their first entry until the gate opens."""
    opened = threading.Event()
    real = journals.verify_lines

    def gated(lines: Iterable[bytes], **options: Any) -> Any:
        def held() -> Iterable[bytes]:
            opened.wait(30)
            yield from lines

        return real(held(), **options)

    monkeypatch.setattr(journals, "verify_lines", gated)
    yield opened
    opened.set()


def open_node(tmp_path: Path, **env: str) -> Node:
    settings = {"COMMONWORK_DATA_DIR": str(tmp_path / "node")}
    settings.update({f"COMMONWORK_{name.upper()}": value for name, value in env.items()})
    return Node.open(Settings.from_env(settings))


def test_a_full_verification_runs_as_one_job_and_shows_its_progress(
    node: Node, site: str, gate: threading.Event
) -> None:
    commons_id = builders.found(node, Keypair.generate())
    url = f"/api/v1/commons/{commons_id}/verify"
    with httpx.Client(base_url=site, timeout=30) as api:
        started = api.post(url)
        assert started.status_code == 202, started.text
        assert int(started.headers["retry-after"]) > 0
        body = started.json()
        assert body["status"] == "computing"
        assert body["job"]["label"] == "re-verifying the journal up to seq 0"
        assert body["job"]["total"] == 1
        again = api.post(url)  # the same head: the same job, not a second one
        assert again.status_code == 202
        state = api.get(url).json()
        assert state["running"]["state"] == "running"
        assert state["ok"] is None
        page = api.get(f"/commons/{commons_id}/journal", headers=HTML)
        assert 'data-testid="reverify-progress"' in page.text
        assert "Under way: re-verifying the journal up to seq 0" in page.text
        other = api.get(f"/api/v1/commons/{commons_id}")  # other reads go on meanwhile
        assert other.status_code == 200
        gate.set()
        deadline = time.monotonic() + 30
        while (state := api.get(url).json())["ok"] is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert (state["ok"], state["current"], state["running"]) == (True, True, None)
        kept = api.post(url)
        assert (kept.status_code, kept.json()["cached"]) == (200, True)


def test_expensive_reads_are_limited_per_client_and_cheap_ones_are_not(tmp_path: Path) -> None:
    node = open_node(tmp_path, rate_limits="expensive=3/minute")
    try:
        founder = Keypair.generate()
        commons_id = builders.found(node, founder, charter=charter(founder))
        when = node.clock()
        with serve_app(create_app(node)) as site, httpx.Client(base_url=site) as api:
            url = f"/api/v1/commons/{commons_id}/verify"
            standing = f"/api/v1/commons/{commons_id}/standing"
            answers = [
                api.post(url).status_code,
                api.get(standing, params={"as_of": when}).status_code,
                api.get(f"/commons/{commons_id}/standing?as_of={when[:10]}", headers=HTML),
            ]
            assert answers[:2] == [200, 200]
            assert answers[2].status_code == 200
            refused = api.post(url)
            assert refused.status_code == 429, refused.text
            assert refused.json()["limit"] == "expensive"
            assert int(refused.headers["retry-after"]) > 0
            assert api.get(url).status_code == 200  # the kept state: cheap, not counted
            assert api.get(standing).status_code == 200  # standing now: cheap, not counted
    finally:
        node.close()


def test_an_exhausted_pool_answers_503_at_once_and_writes_keep_their_own(tmp_path: Path) -> None:
    node = open_node(tmp_path, db_wait_seconds="1")
    founder = Keypair.generate()
    commons_id = builders.found(node, founder)
    held = [node.engine.connect() for _ in range(15)]  # every read connection (5 + 10)
    for conn in held:
        conn.execute(sa.text("SELECT 1"))
    try:
        with serve_app(create_app(node)) as site, httpx.Client(base_url=site, timeout=30) as api:
            began = time.monotonic()
            busy = api.get(f"/api/v1/commons/{commons_id}")
            assert busy.status_code == 503, busy.text
            assert busy.json()["code"] == "storage_unavailable"
            assert int(busy.headers["retry-after"]) > 0
            assert time.monotonic() - began < 10  # before: 30 s, then 500
            record = {"kind": "work", "quantity": "1", "description": "sorted seed"}
            action = signed_json(founder, "production.contribution.record", record, commons_id)
            written = api.post(f"/api/v1/commons/{commons_id}/actions", json=action)
            assert written.status_code == 201, written.text
    finally:
        for conn in held:
            conn.close()
    with serve_app(create_app(node)) as site, httpx.Client(base_url=site) as api:
        assert journal_head(api, commons_id)[0] == 1  # the write is there
    node.close()


def test_a_long_re_verification_is_not_started_again_at_once_for_a_moved_head(
    node: Node, site: str, gate: threading.Event
) -> None:
    founder = Keypair.generate()
    commons_id = builders.found(node, founder)
    url = f"/api/v1/commons/{commons_id}/verify"
    with httpx.Client(base_url=site, timeout=30) as api:
        assert api.post(url).status_code == 202
        time.sleep(1.2)  # a re-verification that takes more than a second
        gate.set()
        deadline = time.monotonic() + 30
        while api.get(url).json()["ok"] is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        builders.contribute(node, commons_id, founder)  # the head moves on
        paced = api.post(url)
        assert paced.status_code == 429, paced.text
        assert paced.json()["limit"] == "verify"
        assert 10 <= int(paced.headers["retry-after"]) <= 60  # ten times its ~2 s
        assert "GET …/verify shows the last report" in paced.json()["detail"]
        assert api.get(url).json()["last"]["head_seq"] == 0  # the last report, still shown


def test_under_commonwork_serve_the_heavy_reads_run_in_a_worker_process(tmp_path: Path) -> None:
    env = {"COMMONWORK_DATA_DIR": str(tmp_path / "node")}
    node = Node.open(Settings.from_env(env))
    founder = Keypair.generate()
    commons_id = builders.found(node, founder, charter=charter(founder))
    builders.contribute(node, commons_id, founder)
    node.close()
    process, base = serve(env, tmp_path / "serve.log")  # COMMONWORK_JOB_PROCESSES: 1 by default
    try:
        with httpx.Client(base_url=base, timeout=60) as api:
            url = f"/api/v1/commons/{commons_id}/verify"
            answer = api.post(url)
            deadline = time.monotonic() + 60  # the first job starts the worker process
            while answer.status_code == 202 or answer.json().get("ok", False) is None:
                assert time.monotonic() < deadline, answer.text
                time.sleep(0.2)
                answer = api.get(url)
            assert (answer.json()["ok"], answer.json()["projections_match"]) == (True, True)
            preview = f"/api/v1/commons/{commons_id}/value-policy/preview"
            policy = api.get(f"/api/v1/commons/{commons_id}").json()["charter"]["value_policy"]
            shown = api.post(preview, json={"value_policy": policy})
            while shown.status_code == 202:
                assert time.monotonic() < deadline, shown.text
                time.sleep(0.2)
                shown = api.post(preview, json={"value_policy": policy})
            assert shown.status_code == 200, shown.text
            assert shown.json()["members"]
        workers = subprocess.run(
            ["pgrep", "-P", str(process.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        assert workers, "no worker process under the node"
    finally:
        process.terminate()
        process.wait(timeout=30)
