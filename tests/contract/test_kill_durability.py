"""Durability under ``kill -9`` (issue 9, item 9): every entry the node acknowledged (201) is in
the journal after the node process is killed mid-write and opened again, and the journal verifies,
on SQLite (``synchronous=FULL``) and PostgreSQL.

The node runs as ``commonwork serve`` in its own process; writers post client-signed actions one
at a time over HTTP and note each acknowledgement; the process is killed with SIGKILL while they
write, three times over.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from commonwork.journal.entries import parse_entry
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.settings import Settings
from commonwork.services import journals
from tests.conftest import DatabaseFactory
from tests.functional.server import free_port
from tests.functional.test_api import signed_json
from tests.support import builders

RECORD = "production.contribution.record"
ROUNDS = 3
WRITERS = 2
WRITE_SECONDS = 1.5


def environment(data_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {"COMMONWORK_DATA_DIR": str(data_dir)}
    if database_url is not None:
        env["COMMONWORK_DATABASE_URL"] = database_url
    return env


def serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [str(Path(sys.executable).parent / "commonwork"), "serve", "--port", str(port)]
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        try:
            if httpx.get(f"{base}/api/v1/commons", timeout=1).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.1)


def write_until_killed(
    base: str, commons_id: str, author: Keypair, acked: list[str], stop: threading.Event
) -> None:
    with httpx.Client(base_url=base, timeout=10) as client:
        while not stop.is_set():
            body = {"kind": "work", "quantity": "1", "description": f"shelf {time.time_ns()}"}
            action = signed_json(author, RECORD, body, commons_id)
            try:
                answer = client.post(f"/api/v1/commons/{commons_id}/actions", json=action)
            except httpx.TransportError:
                return  # the node is gone: what it acknowledged before is what counts
            if answer.status_code == 201:
                acked.append(answer.json()["items"][0]["id"])


def test_every_acknowledged_entry_survives_kill_9(
    tmp_path: Path, database_url_factory: DatabaseFactory
) -> None:
    env = environment(tmp_path / "node", database_url_factory("kill"))
    node = Node.open(Settings.from_env(env))
    founder = Keypair.generate()
    commons_id = builders.found(node, founder)
    node.close()
    acked: list[str] = []
    for _ in range(ROUNDS):
        process, base = serve(env, tmp_path / "serve.log")
        stop = threading.Event()
        writers = [
            threading.Thread(
                target=write_until_killed, args=(base, commons_id, founder, acked, stop)
            )
            for _ in range(WRITERS)
        ]
        for writer in writers:
            writer.start()
        time.sleep(WRITE_SECONDS)
        process.send_signal(signal.SIGKILL)  # mid-write: no shutdown, no flush
        process.wait()
        stop.set()
        for writer in writers:
            writer.join()
    assert len(acked) > ROUNDS * 10  # the writers did write between the kills

    node = Node.open(Settings.from_env(env))
    try:
        lines = b"".join(journals.export_journal(node, commons_id)).splitlines()
        present = {parse_entry(line).id for line in lines}
        lost = [entry for entry in acked if entry not in present]
        assert lost == [], f"{len(lost)} of {len(acked)} acknowledged entries lost"
        report = journals.verify_commons(node, commons_id)
        assert report.ok, report.as_json()
        assert report.extra["projections_match"] is True
    finally:
        node.close()


@pytest.mark.parametrize("mode", ["FULL", "NORMAL"])
def test_sqlite_commits_synchronously_as_set(tmp_path: Path, mode: str) -> None:
    env = environment(tmp_path / mode, None)
    if mode == "NORMAL":
        env["COMMONWORK_SQLITE_SYNCHRONOUS"] = "NORMAL"
    node = Node.open(Settings.from_env(env))
    try:
        with node.writing() as conn:
            level = conn.exec_driver_sql("PRAGMA synchronous").scalar()
        assert level == {"FULL": 2, "NORMAL": 1}[mode]  # FULL unless the setting says otherwise
    finally:
        node.close()
