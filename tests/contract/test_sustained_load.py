"""A short sustained load on both backends (issue 9, item 9): for a few seconds, writers post
client-signed actions and validations while readers read the commons, its contributions, its
journal and standing, all over real HTTP; not one answer is an error, and every acknowledged
entry is in the journal, which verifies. (Speed is measured in benchmarks/, never here.)"""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from commonwork.journal.entries import parse_entry
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.settings import Settings
from commonwork.services import journals
from commonwork.web.app import create_app
from tests.conftest import DatabaseFactory
from tests.contract.test_standing import charter
from tests.functional.server import serve_app
from tests.functional.test_api import post_action, signed_json
from tests.support import builders

SECONDS = 6.0
WRITERS = 3
READERS = 3
RECORD, VALIDATE, JOIN = (
    "production.contribution.record",
    "production.contribution.validate",
    "commons.member.join",
)


def test_a_sustained_load_answers_everyone_and_loses_nothing(
    tmp_path: Path, database_url_factory: DatabaseFactory
) -> None:
    env = {"COMMONWORK_DATA_DIR": str(tmp_path / "node"), "COMMONWORK_RATE_LIMITS": "off"}
    url = database_url_factory("load")
    if url is not None:
        env["COMMONWORK_DATABASE_URL"] = url
    node = Node.open(Settings.from_env(env))
    founder = Keypair.generate()
    commons_id = builders.found(node, founder, charter=charter(founder))
    writers = [Keypair.generate() for _ in range(WRITERS)]
    acked: list[str] = []
    failures: list[str] = []
    answers: Counter[str] = Counter()
    stop = threading.Event()
    lock = threading.Lock()

    def note(kind: str, answer: httpx.Response, ok: tuple[int, ...] = (200, 201)) -> None:
        with lock:
            answers[kind] += 1
            if answer.status_code not in ok:
                failures.append(
                    f"{kind} {answer.request.url.path}: {answer.status_code} {answer.text}"
                )

    def write(site: str, author: Keypair, index: int) -> None:
        with httpx.Client(base_url=site, timeout=30) as api:
            joined = post_action(
                api, commons_id, signed_json(author, JOIN, {"name": f"W{index}"}, commons_id)
            )
            note("write", joined)
            count = 0
            while not stop.is_set():
                count += 1
                body = {"kind": "work", "quantity": "1", "description": f"shift {index}.{count}"}
                made = post_action(api, commons_id, signed_json(author, RECORD, body, commons_id))
                note("write", made)
                if made.status_code == 201:
                    entry = made.json()["items"][0]["id"]
                    with lock:
                        acked.append(entry)
                    verdict = {"contribution": entry, "verdict": "approve"}
                    approved = post_action(
                        api, commons_id, signed_json(founder, VALIDATE, verdict, commons_id)
                    )
                    note("write", approved)
                    if approved.status_code == 201:
                        with lock:
                            acked.append(approved.json()["items"][0]["id"])

    def read(site: str) -> None:
        paths = [
            f"/api/v1/commons/{commons_id}",
            f"/api/v1/commons/{commons_id}/contributions",
            f"/api/v1/commons/{commons_id}/journal?limit=200",
            f"/api/v1/commons/{commons_id}/standing",
            f"/commons/{commons_id}",
        ]
        with httpx.Client(base_url=site, timeout=30) as api:
            turn = 0
            while not stop.is_set():
                answer = api.get(paths[turn % len(paths)])
                turn += 1
                note("read", answer)

    try:
        with serve_app(create_app(node)) as site:
            threads = [
                threading.Thread(target=write, args=(site, author, index))
                for index, author in enumerate(writers)
            ] + [threading.Thread(target=read, args=(site,)) for _ in range(READERS)]
            for thread in threads:
                thread.start()
            time.sleep(SECONDS)
            stop.set()
            for thread in threads:
                thread.join(60)
        assert failures == [], failures[:5]
        assert answers["read"] > 20
        assert answers["write"] > 20
        lines = b"".join(journals.export_journal(node, commons_id)).splitlines()
        present = {parse_entry(line).id for line in lines}
        assert [entry for entry in acked if entry not in present] == []
        report = journals.verify_commons(node, commons_id)
        assert report.ok, report.as_json()
        assert report.extra["projections_match"] is True
    finally:
        node.close()
