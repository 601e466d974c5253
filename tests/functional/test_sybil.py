"""The Sybil bound over real HTTP (docs/design/standing.md, "The Sybil bound").

Fifty honest members work for a week and approve each other's work; two hundred fake accounts
join, record work claiming large quantities and approve each other's contributions. Everything
goes through the API as client-signed actions, and every figure is read back through the API:

- none of the fakes' contributions is accepted, their total standing is 0 (so below 1% of the
  honest members' total), though their approvals of each other are all in the journal;
- after one honest member with standing approves one fake contribution once, that contribution
  is accepted and the fakes' total standing is at most 1 x ``cap_per_contribution``, read from the
  charter the commons was founded with, and still below 1% of the honest total;
- as further days pass, with more fake work, more mutual approvals and the challenge window gone
  by, nothing more of theirs is accepted and their total stays within that bound.

Time is the node's journal clock (``node.clock``), moved forward day by day from 2030-01-01;
standing weighs approvals as of the start of each UTC day.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from tests.functional.server import reverified
from tests.support.builders import CHARTER, signed

GENESIS = datetime(2030, 1, 1, tzinfo=UTC)
HONEST, FOUNDERS, FAKES = 50, 5, 200
HONEST_WORK_DAYS = 7  # days 0..6: every honest member records one contribution a day
FAKE_APPROVALS_EACH = 5  # each fake approves this many other fakes' contributions per round
FAKE_CLAIM = "100"  # hours a fake claims per contribution: far over the cap, so the cap binds
MAX_BATCH = 500  # actions per request at most
PAGE = 500  # the API's largest page

RECORD = "production.contribution.record"
VALIDATE = "production.contribution.validate"

VALIDATION: dict[str, Any] = {
    "threshold": "10",
    "validator_cap": "10",  # one approval by a member with standing can accept (as in the issue)
    "validator_minimum": "50",
    "challenge_days": 7,
    "lazy_minimum": "60",
    "reciprocity_days": 30,
    "reciprocity_discount": "0.5",
}
VALUE: dict[str, Any] = {
    "version": 1,
    "kinds": {"work": "2", "review": "1", "care": "1", "artifact": "2", "money": "0.01"},
    "cap_per_contribution": "40",
}


def at(day: float) -> str:
    """A journal time ``day`` days (may be fractional) after GENESIS."""
    moment = GENESIS + timedelta(hours=round(day * 24))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Commons:
    """One commons seen through the HTTP API, with the node's clock to let time pass."""

    def __init__(self, api: httpx.Client, node: Node) -> None:
        self.api, self.node = api, node
        self.id = ""
        # a request must fit the node's body limit; stay well inside it
        self.max_bytes = node.settings.max_body_bytes // 2

    def now(self, day: float) -> None:
        """Set the node's journal clock (it only ever moves forward here)."""
        moment = at(day)
        self.node.clock = lambda: moment

    def found(self, founder: Keypair, charter: dict[str, Any]) -> None:
        body = {"charter": charter, "founder_name": "member-00", "host": self.node.host_key.did}
        item = signed(founder, "commons.commons.found", body).as_json()
        response = self.api.post("/api/v1/commons", json=item)
        assert response.status_code == 201, response.text
        self.id = str(response.json()["items"][0]["commons"])

    def post(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Submit signed actions in batches that fit the limits; the write results, in order."""
        results: list[dict[str, Any]] = []
        batch: list[bytes] = []
        size = 2

        def send() -> None:
            body = b"[" + b",".join(batch) + b"]"
            response = self.api.post(
                f"/api/v1/commons/{self.id}/actions",
                content=body,
                headers={"content-type": "application/json"},
            )
            assert response.status_code == 201, response.text
            results.extend(response.json()["items"])

        for item in items:
            encoded = orjson.dumps(item)
            if batch and (len(batch) == MAX_BATCH or size + len(encoded) + 1 > self.max_bytes):
                send()
                batch, size = [], 2
            batch.append(encoded)
            size += len(encoded) + 1
        if batch:
            send()
        assert all(result["created"] for result in results)
        return results

    def act(self, person: Keypair, type_: str, body: dict[str, Any]) -> dict[str, Any]:
        return signed(person, type_, body, self.id).as_json()

    def get(self, path: str, **params: Any) -> Any:
        response = self.api.get(f"/api/v1/commons/{self.id}{path}", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def standing(self, as_of: str | None = None) -> dict[str, dict[str, Any]]:
        """Every member's row of the standing table, by did."""
        params: dict[str, Any] = (
            {"limit": 1000} if as_of is None else {"limit": 1000, "as_of": as_of}
        )
        table = self.get("/standing", **params)
        assert table["total_members"] == len(table["members"])  # one page holds them all
        return {row["member"]: row for row in table["members"]}

    def with_status(self, status: str) -> set[str]:
        """The ids of all contributions with this status now, page by page."""
        found: set[str] = set()
        offset = 0
        while True:
            page = self.get("/contributions", status=status, limit=PAGE, offset=offset)["items"]
            assert all(item["status"] == status for item in page)
            found.update(item["id"] for item in page)
            if len(page) < PAGE:
                return found
            offset += PAGE

    def journal(self) -> list[dict[str, Any]]:
        """The whole journal, page by page (at most 1,000 entries a request), as a mirror reads."""
        found: list[dict[str, Any]] = []
        while True:
            params = {"after": len(found) - 1}
            response = self.api.get(f"/api/v1/commons/{self.id}/journal", params=params)
            assert response.status_code == 200, response.text
            found += [orjson.loads(line) for line in response.content.splitlines()]
            if len(found) > int(response.headers["x-commonwork-head-seq"]):
                return found


class Honest:
    """The honest members: they record work every day and approve each other's, with weight."""

    def __init__(self, commons: Commons, people: list[Keypair], policy: dict[str, Any]) -> None:
        self.commons, self.people = commons, people
        self.by_did = {person.did: person for person in people}
        self.cap = Decimal(policy["validator_cap"])
        self.threshold = Decimal(policy["threshold"])
        self.discount = Decimal(policy["reciprocity_discount"])
        self.approved: set[tuple[str, str]] = set()  # (validator, contributor)
        self.load: dict[str, int] = {person.did: 0 for person in people}
        self.contributions: dict[str, str] = {}  # contribution id -> contributor
        self.weighers_seen: set[str] = set()

    def weighers(self, day: int) -> list[str]:
        """Honest members whose standing, as of the start of ``day``, lets them weigh."""
        table = self.commons.standing(as_of=at(day))
        found = [
            did
            for did, row in table.items()
            if did in self.by_did and row["privileges"]["validate_with_weight"]
        ]
        self.weighers_seen.update(found)
        return found

    def weight(self, validator: str, contributor: str) -> Decimal:
        """What the validator's approval is worth, counting a traded approval as discounted
        (conservatively: even one traded the same day)."""
        traded = (contributor, validator) in self.approved
        return self.cap * (self.discount if traded else 1)

    def approvals(self, ids: list[str], weighers: list[str]) -> list[dict[str, Any]]:
        """Enough approvals by weighers (the least busy first) to accept each contribution."""
        items: list[dict[str, Any]] = []
        for contribution in ids:
            contributor = self.contributions[contribution]
            total = Decimal(0)
            candidates = sorted(
                (did for did in weighers if did != contributor),
                key=lambda did: (self.weight(did, contributor) < self.cap, self.load[did], did),
            )
            for validator in candidates:
                if total >= self.threshold:
                    break
                total += self.weight(validator, contributor)
                self.approved.add((validator, contributor))
                self.load[validator] += 1
                body = {"contribution": contribution, "verdict": "approve", "reason": ""}
                items.append(self.commons.act(self.by_did[validator], VALIDATE, body))
        return items

    def work_day(self, day: int) -> list[str]:
        """Everyone records a contribution in the morning; weighers approve in the afternoon."""
        self.commons.now(day + 9 / 24)
        records = [
            self.commons.act(
                person,
                RECORD,
                {
                    "kind": "work",
                    "quantity": str(5 + (i + day) % 6),  # 5 to 10 hours
                    "description": f"day {day}: sorted, dried and catalogued seed lots",
                },
            )
            for i, person in enumerate(self.people)
        ]
        ids = [item["id"] for item in self.commons.post(records)]
        self.contributions.update(zip(ids, (p.did for p in self.people), strict=True))
        weighers = self.weighers(day)
        self.commons.now(day + 15 / 24)
        self.commons.post(self.approvals(ids, weighers))
        # Any still pending (an approval counted less than planned) gets one more approval.
        for _ in range(3):
            pending = [cid for cid in ids if cid in self.commons.with_status("pending")]
            if not pending:
                break
            self.commons.post(self.approvals(pending, weighers))
        return ids


class Fakes:
    """The attacker's accounts: they record work claiming a lot and approve each other's."""

    def __init__(self, commons: Commons, people: list[Keypair]) -> None:
        self.commons, self.people = commons, people
        self.dids = {person.did for person in people}
        self.contributions: dict[str, str] = {}  # contribution id -> contributor
        self.approvals_posted = 0
        self.validated: set[tuple[str, str]] = set()  # (validator, contribution): once each
        self.rng = random.Random(20300101)

    def join(self) -> None:
        self.commons.post(
            [
                self.commons.act(person, "commons.member.join", {"name": f"sock-{i:03d}"})
                for i, person in enumerate(self.people)
            ]
        )

    def record(self, per_person: list[int], day: int) -> list[str]:
        records = [
            self.commons.act(
                person,
                RECORD,
                {"kind": "work", "quantity": FAKE_CLAIM, "description": f"day {day}: big work"},
            )
            for person, count in zip(self.people, per_person, strict=True)
            for _ in range(count)
        ]
        authors = [
            person.did
            for person, count in zip(self.people, per_person, strict=True)
            for _ in range(count)
        ]
        ids = [item["id"] for item in self.commons.post(records)]
        self.contributions.update(zip(ids, authors, strict=True))
        return ids

    def approve_each_other(self, among: list[str]) -> None:
        """Each fake approves FAKE_APPROVALS_EACH contributions of other fakes in ``among``."""
        items = []
        for person in self.people:
            others = [
                cid
                for cid in among
                if self.contributions[cid] != person.did and (person.did, cid) not in self.validated
            ]
            for contribution in self.rng.sample(others, FAKE_APPROVALS_EACH):
                self.validated.add((person.did, contribution))
                body = {"contribution": contribution, "verdict": "approve", "reason": ""}
                items.append(self.commons.act(person, VALIDATE, body))
        self.commons.post(items)
        self.approvals_posted += len(items)

    def approvals_of(self, contribution: str) -> int:
        return sum(1 for _, cid in self.validated if cid == contribution)

    def total(self, table: dict[str, dict[str, Any]]) -> float:
        return float(sum(row["standing"] for did, row in table.items() if did in self.dids))


def charter(founders: list[Keypair]) -> dict[str, Any]:
    standing = {
        "half_life_days": 180,
        "founders": [{"member": person.did, "standing": 100} for person in founders],
        "privileges": {"arbitrate": 150, "bounty_tasks": 80},
    }
    return {
        **CHARTER,
        "engine": 1,
        "validation_policy": VALIDATION,
        "value_policy": VALUE,
        "standing_policy": standing,
    }


def test_fake_accounts_gain_nothing_and_one_honest_mistake_stays_within_the_bound(
    api: httpx.Client, node: Node
) -> None:
    commons = Commons(api, node)
    honest_people = [Keypair.generate() for _ in range(HONEST)]
    fake_people = [Keypair.generate() for _ in range(FAKES)]

    # Day 0: the commons is founded with five seeded founders; the honest members join.
    commons.now(8 / 24)
    commons.found(honest_people[0], charter(honest_people[:FOUNDERS]))
    commons.post(
        [
            commons.act(person, "commons.member.join", {"name": f"member-{i:02d}"})
            for i, person in enumerate(honest_people)
            if i > 0
        ]
    )
    # The bound's number comes from the charter as the node keeps it, not from this file.
    kept = commons.get("")["charter"]
    cap = float(Decimal(kept["value_policy"]["cap_per_contribution"]))
    validator_minimum = float(Decimal(kept["validation_policy"]["validator_minimum"]))
    lazy_minimum = float(Decimal(kept["validation_policy"]["lazy_minimum"]))
    # What the bound relies on: one accepted contribution cannot make anyone weigh or go lazy.
    assert cap < validator_minimum
    assert cap < lazy_minimum

    honest = Honest(commons, honest_people, kept["validation_policy"])
    fakes = Fakes(commons, fake_people)
    first_round: list[str] = []
    for day in range(HONEST_WORK_DAYS):
        honest.work_day(day)
        if day == 1:  # the attacker arrives: 200 accounts, 1 or 2 contributions each
            commons.now(day + 18 / 24)
            fakes.join()
            first_round += fakes.record([1 + i % 2 for i in range(FAKES)], day)
        if day in (2, 3):  # ... and they approve each other's, over two days
            commons.now(day + 20 / 24)
            fakes.approve_each_other(first_round)

    # Day 10: every fake contribution's challenge window has passed.
    commons.now(10 + 12 / 24)
    accepted, pending = commons.with_status("accepted"), commons.with_status("pending")
    fake_ids = set(fakes.contributions)
    assert len(fake_ids) == 300
    assert fake_ids <= pending
    assert not fake_ids & accepted
    assert set(honest.contributions) <= accepted
    table = commons.standing()
    honest_total = sum(row["standing"] for did, row in table.items() if did in honest.by_did)
    fake_before = fakes.total(table)
    assert fake_before == 0
    assert fake_before < 0.01 * honest_total
    assert all(table[did]["standing"] > 0 for did in honest.by_did)
    assert not any(table[did]["privileges"]["validate_with_weight"] for did in fakes.dids)
    # Honest members who earned their standing weighed in too, not only the founders.
    earned = honest.weighers_seen - {person.did for person in honest_people[:FOUNDERS]}
    assert len(earned) >= 10
    # The attacker's approvals were all written: the defence is in the weighting.
    journal = commons.journal()
    fake_validations = [
        entry
        for entry in journal
        if entry["action"]["type"] == VALIDATE and entry["action"]["author"] in fakes.dids
    ]
    assert len(fake_validations) == fakes.approvals_posted == 2 * FAKES * FAKE_APPROVALS_EACH

    # One honest member with earned standing approves one fake contribution, once (k = 1).
    k = 1
    weighers_today = honest.weighers(10)
    mistaken = next(did for did in weighers_today if did in earned)
    # ... of the fake contribution the fakes approved most, with all its fake approvals in view
    target = max(first_round, key=fakes.approvals_of)
    victim = fakes.contributions[target]
    shown = commons.get(f"/contributions/{target}")
    assert shown["status"] == "pending"
    assert {v["validator"] for v in shown["validations"]} <= fakes.dids
    assert len(shown["validations"]) == fakes.approvals_of(target) >= FAKE_APPROVALS_EACH
    commons.now(10 + 13 / 24)
    approve = {"contribution": target, "verdict": "approve", "reason": "looked fine"}
    commons.post([commons.act(honest.by_did[mistaken], VALIDATE, approve)])
    assert commons.get(f"/contributions/{target}")["status"] == "accepted"
    assert commons.with_status("accepted") & fake_ids == {target}
    table = commons.standing()
    honest_total_after = sum(row["standing"] for did, row in table.items() if did in honest.by_did)
    fake_after = fakes.total(table)
    assert 0 < fake_after <= k * cap
    assert fake_after == pytest.approx(cap)  # the claim of 100 hours was capped
    assert fake_after < 0.01 * honest_total_after
    assert not table[victim]["privileges"]["validate_with_weight"]
    why = commons.get(f"/members/{victim}/standing")["why"]
    [term] = why
    assert term["contribution"] == target
    assert [(a["validator"], a["weight"]) for a in term["approvals"]] == [
        (mistaken, kept["validation_policy"]["validator_cap"])
    ]

    # The fakes keep going: more work on day 11, approvals of each other on days 11 to 13 (the
    # accepted one's author among them); then the challenge window of all of it passes. Each
    # day, as of then: only the one contribution is theirs accepted, and their total is bounded.
    commons.now(11 + 18 / 24)
    second_round = fakes.record([1] * FAKES, 11)
    figures: list[tuple[int, float, float]] = []
    for day in range(11, 23):
        if day <= 13:
            commons.now(day + 20 / 24)
            fakes.approve_each_other(second_round + first_round)
        else:
            commons.now(day + 12 / 24)
        assert commons.with_status("accepted") & set(fakes.contributions) == {target}
        table = commons.standing()
        honest_then = sum(row["standing"] for did, row in table.items() if did in honest.by_did)
        fake_then = fakes.total(table)
        assert fake_then <= k * cap
        assert fake_then < 0.01 * honest_then
        assert not any(table[did]["privileges"]["validate_with_weight"] for did in fakes.dids)
        figures.append((day, fake_then, honest_then))
    assert set(fakes.contributions) - {target} <= commons.with_status("pending")
    assert len(fakes.contributions) == 500
    # It only decays: the fakes' own approvals never add to it.
    fake_totals = [fake for _, fake, _ in figures]
    assert fake_totals == sorted(fake_totals, reverse=True)
    journal = commons.journal()
    fake_validations = [
        entry
        for entry in journal
        if entry["action"]["type"] == VALIDATE and entry["action"]["author"] in fakes.dids
    ]
    assert len(fake_validations) == fakes.approvals_posted == 5 * FAKES * FAKE_APPROVALS_EACH
    verified = reverified(commons.api, commons.id)
    assert verified.json()["ok"] is True
