"""The journal read path over real HTTP: the journal in pages of at most 1,000 entries, and
verification that readers see without re-checking anything — a full re-verification is an explicit
POST, run once per head."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.node.tables import entries
from commonwork.services import journals
from tests.functional.server import HTML, People
from tests.support import builders

Counter = list[int]


@pytest.fixture
def rechecked(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Entries re-checked by each full verification the node runs (one item per run)."""
    runs: Counter = []
    real = journals.verify_lines

    def counting(lines: Iterable[bytes], **options: Any) -> Any:
        def counted() -> Iterable[bytes]:
            for line in lines:
                runs[-1] += 1
                yield line

        runs.append(0)
        return real(counted(), **options)

    monkeypatch.setattr(journals, "verify_lines", counting)
    return runs


def grow(node: Node, commons_id: str, person: Keypair, count: int) -> None:
    for start in range(0, count, 500):
        batch = [
            builders.signed(
                person,
                "production.contribution.record",
                {"kind": "work", "quantity": "1", "description": f"sorted packet {number}"},
                commons_id,
            )
            for number in range(start, min(count, start + 500))
        ]
        append_actions(node, commons_id, batch)


def seqs(response: httpx.Response) -> list[int]:
    return [orjson.loads(line)["seq"] for line in response.content.splitlines()]


def tamper(node: Node, commons_id: str, seq: int) -> None:
    where = (entries.c.commons_id == commons_id) & (entries.c.seq == seq)
    with node.writing() as conn:
        line = conn.execute(sa.select(entries.c.line).where(where)).scalar_one()
        forged = line.replace("weeded the seed beds", "weeded the whole garden")
        conn.execute(sa.update(entries).where(where).values(line=forged))


def test_the_journal_comes_in_pages_of_at_most_1000(node: Node, api: httpx.Client) -> None:
    founder = Keypair.generate()
    commons_id = builders.found(node, founder)
    grow(node, commons_id, founder, 1_200)  # seq 0 to 1,200
    url = f"/api/v1/commons/{commons_id}/journal"

    first = api.get(url)
    second = api.get(url, params={"after": 999})
    small = api.get(url, params={"after": 10, "limit": 5})
    too_many = api.get(url, params={"limit": 1_001})

    assert first.status_code == second.status_code == 200
    assert seqs(first) == list(range(1_000))
    assert seqs(second) == list(range(1_000, 1_201))
    assert first.headers["x-commonwork-head-seq"] == second.headers["x-commonwork-head-seq"]
    assert first.headers["x-commonwork-head-seq"] == "1200"
    assert len(first.headers["x-commonwork-head"]) == 64
    assert seqs(small) == [11, 12, 13, 14, 15]
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "invalid_request"
    assert api.get(url, params={"after": 1_200}).content == b""
    openapi = api.get("/openapi.json").json()
    described = openapi["paths"]["/api/v1/commons/{commons_id}/journal"]["get"]["description"]
    assert "1,000" in described
    assert "`after`" in described


def test_reading_the_verification_state_never_re_verifies(
    node: Node, api: httpx.Client, rechecked: Counter
) -> None:
    founder = Keypair.generate()
    commons_id = builders.found(node, founder)
    builders.contribute(node, commons_id, founder)
    url = f"/api/v1/commons/{commons_id}/verify"

    before = api.get(url).json()
    ran = api.post(url).json()
    kept = api.get(url).json()
    again = api.post(url).json()

    assert (before["ok"], before["current"], before["last"]) == (None, False, None)
    assert before["checked_on_append_up_to"] == 1
    assert "never re-verified in full" in before["detail"]
    assert f"POST /api/v1/commons/{commons_id}/verify" in before["detail"]
    assert (ran["ok"], ran["cached"], ran["entries"], ran["projections_match"]) == (
        True,
        False,
        2,
        True,
    )
    assert (kept["ok"], kept["current"], kept["checked_at"]) == (True, True, ran["checked_at"])
    assert (again["cached"], again["checked_at"]) == (True, ran["checked_at"])
    assert rechecked == [2]  # one full verification: the POST; the GETs and the 2nd POST none

    builders.contribute(node, commons_id, founder)
    stale = api.get(url).json()
    assert (stale["ok"], stale["current"], stale["head_seq"]) == (None, False, 2)
    assert stale["last"]["head_seq"] == 1
    assert "not re-verified since seq 1" in stale["detail"]
    assert api.post(url).json()["cached"] is False
    assert rechecked == [2, 3]


def test_the_explorer_shows_the_kept_state_and_re_verifies_on_request(
    node: Node, people: People, rechecked: Counter
) -> None:
    founder = Keypair.generate()
    commons_id = builders.found(node, founder)
    builders.contribute(node, commons_id, founder)
    client = people()
    client.post(
        "/signup",
        data={"display_name": "Vera", "email": "vera@example.org", "password": "correct horse"},
    )
    explorer = f"/commons/{commons_id}/journal"
    assert api_post(client, f"/api/v1/commons/{commons_id}/verify")["ok"] is True
    tamper(node, commons_id, 1)

    shown = client.get(explorer)
    assert shown.status_code == 200
    assert 'data-ok="true" data-current="true"' in shown.text  # the kept result, not re-checked
    assert "Re-verified: 2 entries up to seq 1" in shown.text
    assert "reverify-button" not in shown.text
    assert rechecked == [2]

    builders.contribute(node, commons_id, founder)
    stale = client.get(explorer)
    assert 'data-ok="true" data-current="false"' in stale.text
    assert "Not re-verified since seq 1: 1 entry appended after it." in stale.text
    csrf = stale.text.split('name="csrf" value="', 1)[1][:64]
    pressed = client.post(f"{explorer}/verify", data={"csrf": csrf})
    assert pressed.status_code == 303
    bad = client.get(explorer)
    assert 'data-ok="false" data-current="true"' in bad.text
    assert "failed after 1 good entry" in bad.text
    assert rechecked == [2, 2]  # one more full run, for the button; none for the three views


def test_the_explorer_button_needs_a_signed_in_person_and_their_token(
    node: Node, site: str, people: People, rechecked: Counter
) -> None:
    commons_id = builders.found(node, Keypair.generate())
    explorer = f"/commons/{commons_id}/journal"
    with httpx.Client(base_url=site, headers=HTML) as anonymous:
        page = anonymous.get(explorer)
        posted = anonymous.post(f"{explorer}/verify")
    assert "Sign in</a> to re-verify" in page.text
    assert posted.status_code == 303
    assert posted.headers["location"].startswith("/signin?next=")
    client = people()
    client.post(
        "/signup",
        data={"display_name": "Vera", "email": "vera@example.org", "password": "correct horse"},
    )
    forged = client.post(f"{explorer}/verify", data={"csrf": "0" * 64})
    assert forged.status_code == 403
    assert rechecked == []


def test_the_explorer_reads_one_page_and_counts_from_the_head(node: Node, site: str) -> None:
    founder = Keypair.generate()
    commons_id = builders.found(node, founder)
    grow(node, commons_id, founder, 120)
    with httpx.Client(base_url=site, headers=HTML) as client:
        page = client.get(f"/commons/{commons_id}/journal", params={"after": 99})
    assert page.status_code == 200
    assert page.text.count('data-testid="journal-entry"') == 21
    assert "Entries 100\N{EN DASH}120 of 121" in page.text
    assert "Every entry up to seq 120 was checked" in page.text


def api_post(client: httpx.Client, path: str) -> dict[str, Any]:
    response = client.post(path)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
