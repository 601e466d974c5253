"""Contributions of every kind on every backend: kinds, co-authors' shares, happened_at,
validation by co-authors, corrections, and journals recorded before any of these existed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from commonwork.errors import (
    AlreadyDone,
    InvalidAction,
    NotAllowed,
    NotAMember,
    NotFound,
    RuleViolation,
)
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.services import queries
from commonwork.services.journals import (
    export_journal,
    import_journal,
    rebuild_projections,
    verify_commons,
)
from tests.conftest import DatabaseFactory, open_node
from tests.contract.test_submit_pipeline import head_of
from tests.support.builders import found, join, signed

RECORD = "production.contribution.record"
CORRECT = "production.contribution.correct"
VALIDATE = "production.contribution.validate"
NOW = "2030-01-01T00:00:00.000Z"
WORK = {"kind": "work", "quantity": "2", "description": "threshed the beans"}
SHA = "ab" * 32


def artifact(**changes: Any) -> dict[str, Any]:
    return {"sha256": SHA, "url": "https://x.org", "size": 1, **changes}


OLD_JOURNAL = Path(__file__).parent.parent / "support/data/journal_before_contribution_kinds.ndjson"


@pytest.fixture
def people() -> dict[str, Keypair]:
    return {name: Keypair.generate() for name in ("ada", "ben", "cy", "dee")}


@pytest.fixture
def commons_id(any_node: Node, people: dict[str, Keypair]) -> str:
    """Ada's commons with Ben and Cy as members (Dee is not one); the host's clock is NOW."""
    any_node.clock = lambda: NOW
    commons_id = found(any_node, people["ada"])
    join(any_node, commons_id, people["ben"], "Ben")
    join(any_node, commons_id, people["cy"], "Cy")
    return commons_id


@pytest.fixture
def empty_node(tmp_path: Path, database_url_factory: DatabaseFactory) -> Iterator[Node]:
    opened = open_node(tmp_path / "b", database_url_factory("b"))
    yield opened
    opened.close()


def act(node: Node, commons_id: str, person: Keypair, type_: str, body: dict[str, Any]) -> str:
    [appended] = append_actions(node, commons_id, [signed(person, type_, body, commons_id)])
    return appended.entry.id


def shares(node: Node, commons_id: str, contribution: str) -> dict[str, str]:
    detail = queries.contribution_detail(node, commons_id, contribution)
    return {item.name: item.share for item in detail.shares}


def all_is_well(node: Node, commons_id: str) -> None:
    assert rebuild_projections(node, commons_id).unchanged
    assert verify_commons(node, commons_id).extra["projections_match"] is True


def test_every_kind(any_node: Node, commons_id: str, people: dict[str, Keypair]) -> None:
    artifact = {"sha256": SHA, "url": "https://seeds.example/catalogue.pdf", "size": 48213}
    bodies = [
        WORK,
        {**WORK, "kind": "review", "quantity": "0.75"},
        {**WORK, "kind": "care", "quantity": "3"},
        {**WORK, "kind": "resource_use", "quantity": "1.5", "resource": "the seed press"},
        {**WORK, "kind": "artifact", "quantity": "1", "artifact": artifact},
        {**WORK, "kind": "artifact", "quantity": "1"},  # as before: no artifact object
        {**WORK, "kind": "money", "quantity": "2500", "currency": "EUR"},
    ]
    ids = [act(any_node, commons_id, people["ben"], RECORD, body) for body in bodies]
    rows = {row.id: row for row in queries.list_contributions(any_node, commons_id)}
    assert [(rows[i].kind, rows[i].unit) for i in ids] == [
        ("work", "hours"),
        ("review", "hours"),
        ("care", "hours"),
        ("resource_use", "hours"),
        ("artifact", "items"),
        ("artifact", "items"),
        ("money", "EUR"),
    ]
    assert rows[ids[3]].resource == "the seed press"
    assert rows[ids[4]].artifact == artifact
    assert rows[ids[5]].artifact is None
    only_ben = [{"member": people["ben"].did, "name": "Ben", "share": "1"}]
    assert all([asdict(share) for share in rows[i].shares] == only_ben for i in ids)
    all_is_well(any_node, commons_id)


ARTIFACT = {**WORK, "kind": "artifact", "quantity": "1"}
KIND_REFUSALS: dict[str, dict[str, Any]] = {
    "resource_use without a resource": {**WORK, "kind": "resource_use"},
    "a resource on work": {**WORK, "resource": "the press"},
    "an artifact on work": {**WORK, "artifact": artifact()},
    "short sha256": {**ARTIFACT, "artifact": artifact(sha256="ab")},
    "upper-case sha256": {**ARTIFACT, "artifact": artifact(sha256=SHA.upper())},
    "ftp url": {**ARTIFACT, "artifact": artifact(url="ftp://x.org/f")},
    "long url": {**ARTIFACT, "artifact": artifact(url="https://x.org/" + "a" * 2000)},
    "negative size": {**ARTIFACT, "artifact": artifact(size=-1)},
    "size as text": {**ARTIFACT, "artifact": artifact(size="1")},
    "negative quantity": {**WORK, "quantity": "-2"},
    "zero quantity": {**WORK, "quantity": "0"},
    "unknown kind": {**WORK, "kind": "gift"},
    "bad happened_at": {**WORK, "happened_at": "yesterday"},
}


@pytest.mark.parametrize("case", sorted(KIND_REFUSALS))
def test_bodies_that_do_not_fit_their_kind(
    any_node: Node, commons_id: str, people: dict[str, Keypair], case: str
) -> None:
    before = head_of(any_node, commons_id)
    with pytest.raises(InvalidAction):
        act(any_node, commons_id, people["ben"], RECORD, KIND_REFUSALS[case])
    assert head_of(any_node, commons_id) == before


SHARES: dict[str, tuple[list[tuple[str, Any]], type[Exception] | dict[str, str]]] = {
    "half and half": ([("cy", "0.5")], {"Ben": "0.5", "Cy": "0.5"}),
    "three ways": (
        [("cy", "0.25"), ("ada", "0.2500")],
        {"Ben": "0.5", "Cy": "0.25", "Founder": "0.25"},
    ),
    "over one": ([("cy", "0.5"), ("ada", "0.6")], InvalidAction),
    "nothing left for the author": ([("cy", "0.5"), ("ada", "0.5")], InvalidAction),
    "a share of one": ([("cy", "1")], InvalidAction),
    "a share of zero": ([("cy", "0")], InvalidAction),
    "five decimals": ([("cy", "0.12345")], InvalidAction),
    "a number": ([("cy", 1)], InvalidAction),
    "the author listed": ([("ben", "0.5")], NotAllowed),
    "named twice": ([("cy", "0.25"), ("cy", "0.25")], InvalidAction),
    "not a member": ([("dee", "0.5")], NotAMember),
}


@pytest.mark.parametrize("case", sorted(SHARES))
def test_co_authors_shares_sum_to_one(
    any_node: Node, commons_id: str, people: dict[str, Keypair], case: str
) -> None:
    listed, expected = SHARES[case]
    co_authors = [{"member": people[name].did, "share": share} for name, share in listed]
    body = {**WORK, "co_authors": co_authors}
    before = head_of(any_node, commons_id)
    if isinstance(expected, dict):
        contribution = act(any_node, commons_id, people["ben"], RECORD, body)
        assert shares(any_node, commons_id, contribution) == expected
        all_is_well(any_node, commons_id)
        return
    with pytest.raises(expected) as refused:
        act(any_node, commons_id, people["ben"], RECORD, body)
    if expected is NotAMember:
        assert people["dee"].did in str(refused.value)
    assert head_of(any_node, commons_id) == before


def test_at_most_fifty_co_authors(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    many = [{"member": f"did:key:z{n}", "share": "0.001"} for n in range(51)]
    before = head_of(any_node, commons_id)
    with pytest.raises(InvalidAction, match="50"):
        act(any_node, commons_id, people["ben"], RECORD, {**WORK, "co_authors": many})
    assert head_of(any_node, commons_id) == before


@pytest.mark.parametrize(
    ("happened_at", "error"),
    [
        ("2019-06-30T08:00:00.000Z", None),  # long ago is fine
        ("2030-01-01T00:05:00.000Z", None),  # 5 minutes ahead of the host: clocks differ
        ("2030-01-01T00:05:00.001Z", RuleViolation),
        ("2030-02-01T00:00:00.000Z", RuleViolation),
    ],
)
def test_happened_at_is_the_authors_claim(
    any_node: Node,
    commons_id: str,
    people: dict[str, Keypair],
    happened_at: str,
    error: type[Exception] | None,
) -> None:
    body = {**WORK, "happened_at": happened_at}
    before = head_of(any_node, commons_id)
    if error is None:
        contribution = act(any_node, commons_id, people["ben"], RECORD, body)
        detail = queries.contribution_detail(any_node, commons_id, contribution)
        assert (detail.happened_at, detail.recorded_at) == (happened_at, NOW)
        return
    with pytest.raises(error, match="happened_at"):
        act(any_node, commons_id, people["ben"], RECORD, body)
    assert head_of(any_node, commons_id) == before


def test_co_authors_do_not_validate(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    body = {**WORK, "co_authors": [{"member": people["cy"].did, "share": "0.4"}]}
    contribution = act(any_node, commons_id, people["ben"], RECORD, body)
    approve = {"contribution": contribution, "verdict": "approve"}
    before = head_of(any_node, commons_id)
    with pytest.raises(NotAllowed, match="co-authored"):
        act(any_node, commons_id, people["cy"], VALIDATE, approve)
    with pytest.raises(NotAllowed, match="their own"):
        act(any_node, commons_id, people["ben"], VALIDATE, approve)
    assert head_of(any_node, commons_id) == before
    act(any_node, commons_id, people["ada"], VALIDATE, approve)
    assert queries.contribution_detail(any_node, commons_id, contribution).status == "accepted"


def test_a_correction_restarts_validation(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    body = {**WORK, "co_authors": [{"member": cy.did, "share": "0.25"}]}
    contribution = act(any_node, commons_id, ben, RECORD, body)
    dispute = {"contribution": contribution, "verdict": "dispute", "reason": "it was 3 hours"}
    act(any_node, commons_id, ada, VALIDATE, dispute)
    correction = {
        "contribution": contribution,
        "reason": "Ada is right",
        "quantity": "3",
        "co_authors": [],
        "happened_at": "2029-12-31T09:00:00.000Z",
    }
    approve = {"contribution": contribution, "verdict": "approve"}
    # One batch: the correction, then Ada validates the new version (rows pending in the batch).
    batch = [
        signed(ben, CORRECT, correction, commons_id),
        signed(ada, VALIDATE, approve, commons_id),
    ]
    append_actions(any_node, commons_id, batch)
    detail = queries.contribution_detail(any_node, commons_id, contribution)
    assert (detail.status, detail.quantity, detail.corrections) == ("accepted", "3", 1)
    assert (detail.approvals, detail.disputes, detail.corrected_at) == (1, 0, NOW)
    assert detail.happened_at == "2029-12-31T09:00:00.000Z"
    assert [(v.verdict, v.superseded) for v in detail.validations] == [
        ("dispute", True),
        ("approve", False),
    ]
    assert shares(any_node, commons_id, contribution) == {"Ben": "1"}  # Cy removed
    [history] = detail.correction_history
    assert history.reason == "Ada is right"
    assert history.changes["quantity"] == {"from": "2", "to": "3"}
    assert history.changes["co_authors"] == {
        "from": [{"member": cy.did, "share": "0.25"}],
        "to": None,
    }
    act(any_node, commons_id, cy, VALIDATE, approve)  # no longer a co-author
    before = head_of(any_node, commons_id)
    with pytest.raises(AlreadyDone):
        act(any_node, commons_id, ada, VALIDATE, approve)
    with pytest.raises(NotAllowed, match="accepted work is final"):
        act(any_node, commons_id, ben, CORRECT, {**correction, "quantity": "4"})
    assert head_of(any_node, commons_id) == before
    all_is_well(any_node, commons_id)


def test_several_corrections_and_revalidation(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    contribution = act(any_node, commons_id, ben, RECORD, WORK)
    dispute = {"contribution": contribution, "verdict": "dispute", "reason": "which beans?"}
    act(any_node, commons_id, ada, VALIDATE, dispute)
    fix = {
        "contribution": contribution,
        "reason": "say which",
        "description": "threshed the runner beans",
    }
    act(any_node, commons_id, ben, CORRECT, fix)
    act(any_node, commons_id, ada, VALIDATE, dispute)  # Ada may dispute the new version too
    co_author = [{"member": cy.did, "share": "0.5"}]
    act(any_node, commons_id, ben, CORRECT, {**fix, "reason": "Cy helped", "co_authors": co_author})
    detail = queries.contribution_detail(any_node, commons_id, contribution)
    assert (detail.status, detail.corrections) == ("pending", 2)
    assert [v.superseded for v in detail.validations] == [True, True]
    assert [c.reason for c in detail.correction_history] == ["say which", "Cy helped"]
    assert shares(any_node, commons_id, contribution) == {"Ben": "0.5", "Cy": "0.5"}
    with pytest.raises(NotAllowed, match="co-authored"):
        act(
            any_node, commons_id, cy, VALIDATE, {"contribution": contribution, "verdict": "approve"}
        )
    all_is_well(any_node, commons_id)


CORRECTION_REFUSALS: dict[str, tuple[str, dict[str, Any], type[Exception]]] = {
    "someone else's": ("cy", {"quantity": "3"}, NotAllowed),
    "a non-member's": ("dee", {"quantity": "3"}, NotAMember),
    "nothing to correct": ("ben", {}, InvalidAction),
    "no reason": ("ben", {"quantity": "3", "reason": " "}, InvalidAction),
    "a negative quantity": ("ben", {"quantity": "-3"}, InvalidAction),
    "an artifact on work": ("ben", {"artifact": artifact()}, InvalidAction),
    "a resource on work": ("ben", {"resource": "the press"}, InvalidAction),
    "shares over one": (
        "ben",
        {"co_authors": [{"member": "<cy>", "share": "0.5"}, {"member": "<ada>", "share": "0.6"}]},
        InvalidAction,
    ),
    "the author as co-author": (
        "ben",
        {"co_authors": [{"member": "<ben>", "share": "0.5"}]},
        NotAllowed,
    ),
    "a future happened_at": ("ben", {"happened_at": "2030-01-02T00:00:00.000Z"}, RuleViolation),
    "an unknown contribution": ("ben", {"contribution": "0" * 64, "quantity": "3"}, NotFound),
}


@pytest.mark.parametrize("case", sorted(CORRECTION_REFUSALS))
def test_correction_refusals_leave_the_head_unchanged(
    any_node: Node, commons_id: str, people: dict[str, Keypair], case: str
) -> None:
    contribution = act(any_node, commons_id, people["ben"], RECORD, WORK)
    name, changes, error = CORRECTION_REFUSALS[case]
    dids = {f"<{person}>": key.did for person, key in people.items()}
    if "co_authors" in changes:
        listed = [{**item, "member": dids[item["member"]]} for item in changes["co_authors"]]
        changes = {**changes, "co_authors": listed}
    body = {"contribution": contribution, "reason": "a fix", **changes}
    before = head_of(any_node, commons_id)
    with pytest.raises(error):
        act(any_node, commons_id, people[name], CORRECT, body)
    assert head_of(any_node, commons_id) == before


def test_money_corrections_stay_whole(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    money = {**WORK, "kind": "money", "quantity": "2500", "currency": "EUR"}
    contribution = act(any_node, commons_id, people["ben"], RECORD, money)
    before = head_of(any_node, commons_id)
    fix = {"contribution": contribution, "reason": "typo"}
    with pytest.raises(InvalidAction, match="minor units"):
        act(any_node, commons_id, people["ben"], CORRECT, {**fix, "quantity": "25.00"})
    assert head_of(any_node, commons_id) == before
    act(any_node, commons_id, people["ben"], CORRECT, {**fix, "quantity": "2550"})
    assert queries.contribution_detail(any_node, commons_id, contribution).quantity == "2550"


def test_a_journal_recorded_before_these_fields_verifies_and_imports(any_node: Node) -> None:
    """Exported by the code before contribution kinds: records without any new field, an
    artifact without its object, money, approvals and a dispute."""
    lines = OLD_JOURNAL.read_bytes().splitlines(keepends=True)
    imported = import_journal(any_node, lines)
    commons_id = imported.commons_id
    report = verify_commons(any_node, commons_id)
    assert report.ok
    assert report.extra["projections_match"] is True
    digest = queries.commons_detail(any_node, commons_id).digest
    assert rebuild_projections(any_node, commons_id).unchanged
    assert queries.commons_detail(any_node, commons_id).digest == digest
    rows = queries.list_contributions(any_node, commons_id)
    assert {row.status for row in rows} == {"accepted", "disputed", "pending"}
    for row in rows:
        assert (row.corrections, row.co_authors, row.happened_at) == (0, None, None)
        assert [share.share for share in row.shares] == ["1"]
        assert all(not v.superseded for v in row.validations)
    assert b"".join(export_journal(any_node, commons_id)) == b"".join(lines)


def test_old_shapes_and_new_ones_move_to_another_node(
    any_node: Node, empty_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ben, cy = people["ben"], people["cy"]
    old = act(any_node, commons_id, ben, RECORD, WORK)
    act(any_node, commons_id, cy, VALIDATE, {"contribution": old, "verdict": "approve"})
    care = {**WORK, "kind": "care", "co_authors": [{"member": cy.did, "share": "0.5"}]}
    new = act(any_node, commons_id, ben, RECORD, care)
    act(any_node, commons_id, ben, CORRECT, {"contribution": new, "reason": "r", "quantity": "1"})
    digest = queries.commons_detail(any_node, commons_id).digest
    all_is_well(any_node, commons_id)
    import_journal(empty_node, list(export_journal(any_node, commons_id)))
    assert queries.commons_detail(empty_node, commons_id).digest == digest
    assert verify_commons(empty_node, commons_id).extra["projections_match"] is True
