"""Peer governance in the fold (issue 10), on SQLite and PostgreSQL: proposals open and close at
the times written in them, in journal time; stances are checked at exact boundaries; a passed
charter amendment governs from the next day and never the past; replay, rebuild and import on
another node give the same digest."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from commonwork.errors import CommonworkError
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.services import journals, queries
from commonwork.services.journals import rebuild_projections
from tests.conftest import open_node
from tests.contract.test_standing import VALIDATION, approve, charter, status, work
from tests.contract.test_submit_pipeline import head_of
from tests.support.builders import found, join, signed

START = "2030-01-01T00:00:00.000Z"


def at(node: Node, moment: str) -> None:
    node.clock = lambda: moment


def act(node: Node, commons_id: str, person: Keypair, type_: str, body: dict[str, Any]) -> Any:
    [appended] = append_actions(node, commons_id, [signed(person, type_, body, commons_id)])
    return appended


def refused(node: Node, commons_id: str, person: Keypair, type_: str, body: dict[str, Any]) -> Any:
    with pytest.raises(CommonworkError) as caught:
        act(node, commons_id, person, type_, body)
    return caught.value


def proposal(node: Node, commons_id: str, proposal_id: str) -> dict[str, Any]:
    with node.reading() as conn:
        from commonwork.governance.tables import proposals

        row = (
            conn.execute(
                proposals.select().where(
                    (proposals.c.commons_id == commons_id)
                    & (proposals.c.proposal_id == proposal_id)
                )
            )
            .mappings()
            .one()
        )
    return dict(row)


@pytest.fixture
def people() -> dict[str, Keypair]:
    return {name: Keypair.generate() for name in ("ada", "ben", "cy", "dee")}


@pytest.fixture
def commons_id(any_node: Node, people: dict[str, Keypair]) -> str:
    """Ada founded it (with policies and the default governance); Ben and Cy joined."""
    at(any_node, START)
    commons_id = found(any_node, people["ada"], charter(people["ada"]))
    for name in ("ben", "cy"):
        join(any_node, commons_id, people[name], name.title())
    return commons_id


def propose(node: Node, commons_id: str, person: Keypair, **body: Any) -> str:
    made = {"title": "Plant a hedge", "text": "Along the north fence.", "method": "majority"}
    made.update(body)
    return str(act(node, commons_id, person, "governance.proposal.make", made).entry.id)


def stance(
    node: Node,
    commons_id: str,
    person: Keypair,
    pid: str,
    ballot: Any,
    version: int = 1,
    **extra: Any,
) -> Any:
    body = {"proposal": pid, "version": version, "ballot": ballot, **extra}
    return act(node, commons_id, person, "governance.stance.take", body)


def test_a_majority_vote_opens_after_discussion_and_closes_at_its_deadline_exclusive(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    pid = propose(any_node, commons_id, ada)  # 24 h of discussion, 72 h of voting
    made = proposal(any_node, commons_id, pid)
    assert (made["status"], made["opens_at"], made["closes_at"]) == (
        "discussion",
        "2030-01-02T00:00:00.000Z",
        "2030-01-05T00:00:00.000Z",
    )
    assert orjson.loads(made["params"]) == {"quorum": "0/1", "threshold": "1/2", "strict": True}

    at(any_node, "2030-01-01T23:59:59.999Z")
    early = refused(
        any_node,
        commons_id,
        ben,
        "governance.stance.take",
        {"proposal": pid, "version": 1, "ballot": "for"},
    )
    assert early.extra["reason"] == "not_open_yet"

    at(any_node, "2030-01-02T00:00:00.000Z")  # opens at its time, inclusive
    stance(any_node, commons_id, ben, pid, "for")
    assert proposal(any_node, commons_id, pid)["electorate"] == 3
    at(any_node, "2030-01-04T23:59:59.999Z")  # the deadline minus one millisecond: counted
    stance(any_node, commons_id, cy, pid, "against")
    stance(any_node, commons_id, ada, pid, "for")
    at(any_node, "2030-01-05T00:00:00.000Z")  # at the deadline: refused, it closed before it
    late = refused(
        any_node,
        commons_id,
        cy,
        "governance.stance.take",
        {"proposal": pid, "version": 1, "ballot": "for"},
    )
    assert late.extra["reason"] == "closed"
    assert proposal(any_node, commons_id, pid)["status"] == "voting"  # the refusal wrote nothing
    act(any_node, commons_id, cy, "governance.proposal.close", {"proposal": pid})  # anyone may

    closed = proposal(any_node, commons_id, pid)
    outcome = orjson.loads(closed["outcome"])
    assert closed["status"] == "passed"
    assert closed["closed_at"] == "2030-01-05T00:00:00.000Z"
    assert (outcome["electorate"], outcome["stances"], outcome["status"]) == (3, 3, "passed")


def test_the_latest_stance_counts_and_the_same_signed_stance_twice_is_one_entry(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    pid = propose(any_node, commons_id, ada, discussion_hours=24)
    at(any_node, "2030-01-02T01:00:00.000Z")
    stance(any_node, commons_id, ben, pid, "against")
    body = {"proposal": pid, "version": 1, "ballot": "for"}
    again = signed(ben, "governance.stance.take", body, commons_id)
    [first] = append_actions(any_node, commons_id, [again])
    [second] = append_actions(any_node, commons_id, [again])
    assert (first.created, second.created, second.entry.id) == (True, False, first.entry.id)

    at(any_node, "2030-01-06T00:00:00.000Z")
    act(any_node, commons_id, ada, "governance.proposal.close", {"proposal": pid})
    outcome = orjson.loads(proposal(any_node, commons_id, pid)["outcome"])
    assert outcome["stances"] == 1
    assert outcome["status"] == "passed"  # Ben's later "for", not his "against"


def test_edits_after_voting_opens_latecomers_and_wrong_versions_are_refused(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, ben, dee = people["ada"], people["ben"], people["dee"]
    pid = propose(any_node, commons_id, ada)
    act(
        any_node,
        commons_id,
        ada,
        "governance.proposal.amend",
        {"proposal": pid, "text": "Along the south fence."},
    )
    assert proposal(any_node, commons_id, pid)["version"] == 2

    at(any_node, "2030-01-02T00:00:00.000Z")
    join(any_node, commons_id, dee, "Dee")  # joined as voting opened: not in the electorate
    edit = refused(
        any_node,
        commons_id,
        ada,
        "governance.proposal.amend",
        {"proposal": pid, "text": "Nowhere."},
    )
    assert edit.extra["reason"] == "voting_opened"
    latecomer = refused(
        any_node,
        commons_id,
        dee,
        "governance.stance.take",
        {"proposal": pid, "version": 2, "ballot": "for"},
    )
    assert latecomer.extra["reason"] == "not_in_electorate"
    old = refused(
        any_node,
        commons_id,
        ben,
        "governance.stance.take",
        {"proposal": pid, "version": 1, "ballot": "for"},
    )
    assert old.extra["reason"] == "wrong_version"
    assert proposal(any_node, commons_id, pid)["electorate"] == 3  # fixed before Dee joined


def test_consent_an_objection_needs_a_reason_blocks_and_is_answered_by_an_amendment(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    pid = propose(any_node, commons_id, ada, method="consent", discussion_hours=24, voting_hours=72)
    at(any_node, "2030-01-02T00:00:00.000Z")
    bare = refused(
        any_node,
        commons_id,
        ben,
        "governance.stance.take",
        {"proposal": pid, "version": 1, "ballot": {"position": "object"}},
    )
    assert bare.extra["reason"] == "reason_required"
    stance(
        any_node, commons_id, ben, pid, {"position": "object"}, reason="The hedge shades the beds."
    )
    stance(any_node, commons_id, cy, pid, {"position": "concern"}, reason="Who waters it?")
    at(any_node, "2030-01-05T00:00:00.000Z")
    act(any_node, commons_id, ada, "governance.proposal.close", {"proposal": pid})
    blocked = proposal(any_node, commons_id, pid)
    assert blocked["status"] == "blocked"
    assert orjson.loads(blocked["outcome"])["objections"] == [
        {"member": people["ben"].did, "reason": "The hedge shades the beds."}
    ]

    act(
        any_node,
        commons_id,
        ada,
        "governance.proposal.amend",
        {"proposal": pid, "text": "Along the north fence, low."},
    )
    reopened = proposal(any_node, commons_id, pid)
    assert (reopened["status"], reopened["version"], reopened["round"]) == ("voting", 2, 2)
    assert reopened["closes_at"] == "2030-01-08T00:00:00.000Z"
    stance(any_node, commons_id, ben, pid, {"position": "consent"}, version=2)
    at(any_node, "2030-01-08T00:00:00.000Z")
    act(any_node, commons_id, ada, "governance.proposal.close", {"proposal": pid})
    assert proposal(any_node, commons_id, pid)["status"] == "passed"


def test_a_charter_amendment_follows_the_meta_rule_and_governs_from_the_next_day(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada = people["ada"]
    new = {"purpose": "Grow food and hedges together"}
    amend = {"kind": "amend_charter", "changes": new}
    wrong = refused(
        any_node,
        commons_id,
        ada,
        "governance.proposal.make",
        {"title": "Purpose", "text": "Hedges too.", "method": "majority", "effect": amend},
    )
    assert wrong.extra["reason"] == "meta_rule"
    assert wrong.extra["method"] == "consent"

    pid = propose(
        any_node,
        commons_id,
        ada,
        title="Purpose",
        text="Hedges too.",
        method="consent",
        effect=amend,
    )
    made = proposal(any_node, commons_id, pid)
    assert made["closes_at"] == "2030-01-09T00:00:00.000Z"  # 24 h + the meta-rule's 168 h
    at(any_node, "2030-01-09T10:00:00.000Z")
    act(any_node, commons_id, ada, "governance.proposal.close", {"proposal": pid})
    passed = proposal(any_node, commons_id, pid)
    assert (passed["status"], passed["effective_on"]) == ("passed", "2030-01-10")
    assert queries.commons_detail(any_node, commons_id).purpose != new["purpose"]  # not yet

    at(any_node, "2030-01-10T00:00:01.000Z")
    join(any_node, commons_id, people["dee"], "Dee")  # the first entry of the next day
    assert queries.commons_detail(any_node, commons_id).purpose == new["purpose"]


def test_replay_rebuild_and_import_elsewhere_give_the_same_digest(
    any_node: Node, commons_id: str, people: dict[str, Keypair], tmp_path: Any
) -> None:
    ada, ben = people["ada"], people["ben"]
    pid = propose(any_node, commons_id, ada, method="consent")
    other = propose(any_node, commons_id, ben, method="supermajority")
    at(any_node, "2030-01-02T12:00:00.000Z")
    stance(any_node, commons_id, ben, pid, {"position": "object"}, reason="Too soon.")
    stance(any_node, commons_id, ada, other, "for")
    at(any_node, "2030-01-06T00:00:00.000Z")
    join(any_node, commons_id, people["dee"], "Dee")
    before = head_of(any_node, commons_id)
    digest = queries.commons_detail(any_node, commons_id).digest

    rebuild_projections(any_node)
    assert queries.commons_detail(any_node, commons_id).digest == digest
    mirror = open_node(tmp_path / "mirror")
    try:
        journals.import_journal(mirror, list(journals.export_journal(any_node, commons_id)))
        assert queries.commons_detail(mirror, commons_id).digest == digest
        report = journals.reverify(mirror, commons_id)[0].last
        assert report is not None
        assert report.ok
    finally:
        mirror.close()
    assert head_of(any_node, commons_id) == before


def test_a_ranked_choice_is_tallied_by_schulze_and_bad_ballots_are_refused_with_their_code(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    options = [
        {"id": "status_quo", "label": "Keep Tuesdays"},
        {"id": "thu", "label": "Thursdays"},
        {"id": "sat", "label": "Saturdays"},
    ]
    pid = propose(
        any_node,
        commons_id,
        ada,
        title="Work day",
        text="Which day?",
        method="schulze",
        options=options,
        discussion_hours=24,
    )
    at(any_node, "2030-01-02T01:00:00.000Z")
    for code, ballot in (("duplicate_rank", ["thu", "thu"]), ("unknown_option", ["sun"])):
        body = {"proposal": pid, "version": 1, "ballot": ballot}
        assert (
            refused(any_node, commons_id, ben, "governance.stance.take", body).extra["reason"]
            == code
        )
    stance(any_node, commons_id, ada, pid, ["sat", "thu", "status_quo"])
    stance(any_node, commons_id, ben, pid, ["thu", "sat"])
    stance(any_node, commons_id, cy, pid, ["thu"])
    at(any_node, "2030-01-05T00:00:00.000Z")
    act(any_node, commons_id, ada, "governance.proposal.close", {"proposal": pid})
    outcome = orjson.loads(proposal(any_node, commons_id, pid)["outcome"])
    assert (outcome["winner"], outcome["ranking"][0], outcome["status"]) == ("thu", "thu", "passed")
    assert outcome["tally"]["pairwise"]["thu"]["sat"] == 2


def two_founders(node: Node, people: dict[str, Keypair]) -> str:
    """Ada and Cy founders (100 each, each approval weighing the cap of 10); Ben joined."""
    ada, cy = people["ada"], people["cy"]
    at(node, START)
    seeds = [{"member": ada.did, "standing": 100}, {"member": cy.did, "standing": 100}]
    standing = {"half_life_days": 180, "founders": seeds}
    commons_id = found(node, ada, charter(ada, standing_policy=standing))
    join(node, commons_id, people["ben"], "Ben")
    join(node, commons_id, cy, "Cy")
    return commons_id


def test_a_passed_amendment_of_the_validation_policy_governs_the_next_days_settlement_only(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    """Ada's approval (weight 10) meets the threshold of 10. A consent proposal raising it to
    20 closes on day 8 (2030-01-09) with no objection: work approved on day 8 is settled under
    10 (accepted), work of day 9 under 20 (pending); work of day 0 stays accepted. A second
    amendment, objected to, changes nothing."""
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    commons_id = two_founders(any_node, people)
    stricter = {"validation_policy": {**VALIDATION, "threshold": "20"}}
    raising = propose(
        any_node,
        commons_id,
        ada,
        title="Two approvals",
        text="Raise the threshold.",
        method="consent",
        effect={"kind": "amend_charter", "changes": stricter},
    )
    lowering = propose(
        any_node,
        commons_id,
        ben,
        title="Lower it",
        text="Lower the threshold.",
        method="consent",
        effect={
            "kind": "amend_charter",
            "changes": {"validation_policy": {**VALIDATION, "threshold": "5"}},
        },
    )
    early = work(any_node, commons_id, ben)
    approve(any_node, commons_id, ada, early)
    at(any_node, "2030-01-02T09:00:00.000Z")
    stance(any_node, commons_id, cy, lowering, {"position": "object"}, reason="Too few eyes.")

    at(any_node, "2030-01-09T10:00:00.000Z")  # after both closed (at 00:00)
    before = work(any_node, commons_id, ben)  # this entry's fold closes them first
    approve(any_node, commons_id, ada, before)
    assert proposal(any_node, commons_id, raising)["status"] == "passed"
    assert proposal(any_node, commons_id, raising)["effective_on"] == "2030-01-10"
    assert proposal(any_node, commons_id, lowering)["status"] == "blocked"
    at(any_node, "2030-01-10T10:00:00.000Z")
    after = work(any_node, commons_id, ben)
    approve(any_node, commons_id, ada, after)
    at(any_node, "2030-01-11T10:00:00.000Z")
    join(any_node, commons_id, people["dee"], "Dee")  # settles day 9

    assert status(any_node, commons_id, early) == "accepted"
    assert status(any_node, commons_id, before) == "accepted"  # its day, under the old rule
    assert status(any_node, commons_id, after) == "pending"  # 10 of the new 20
    threshold = queries.commons_detail(any_node, commons_id).charter
    assert threshold is not None
    assert threshold["validation_policy"]["threshold"] == "20"


def test_decisions_closed_in_a_quiet_spell_take_effect_in_time_order(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    """Two amendments of different fields close on days 8 and 10 with no entry between: the
    next entry (day 12) closes the first, settles days 8 and 9 (the first governs day 9), then
    closes the second over the charter the first left: both hold."""
    ada, ben = people["ada"], people["ben"]
    commons_id = two_founders(any_node, people)
    stricter = {"validation_policy": {**VALIDATION, "threshold": "20"}}
    propose(
        any_node,
        commons_id,
        ada,
        title="Two approvals",
        text="Raise the threshold.",
        method="consent",
        effect={"kind": "amend_charter", "changes": stricter},
    )
    at(any_node, "2030-01-03T00:00:00.000Z")
    renamed = {"purpose": "Seeds and hedges"}
    propose(
        any_node,
        commons_id,
        ben,
        title="Purpose",
        text="Say hedges.",
        method="consent",
        effect={"kind": "amend_charter", "changes": renamed},
    )
    at(any_node, "2030-01-13T10:00:00.000Z")
    join(any_node, commons_id, people["dee"], "Dee")

    detail = queries.commons_detail(any_node, commons_id)
    assert detail.purpose == "Seeds and hedges"
    assert detail.charter is not None
    assert detail.charter["validation_policy"]["threshold"] == "20"


def roles_held(node: Node, commons_id: str) -> set[tuple[str, str]]:
    from commonwork.governance.tables import roles

    with node.reading() as conn:
        rows = conn.execute(roles.select().where(roles.c.commons_id == commons_id)).mappings()
        return {(row["member"], row["role"]) for row in rows if row["recalled_at"] is None}


def member_role(node: Node, commons_id: str, did: str) -> str:
    found = queries.membership(node, commons_id, did)
    assert found is not None
    return str(found.role)


def test_leadership_by_consent_roles_are_granted_by_vote_and_a_seconded_recall_removes_a_founder(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    grant = {"kind": "grant_role", "member": ben.did, "role": "steward"}
    wrong = refused(
        any_node,
        commons_id,
        cy,
        "governance.proposal.make",
        {"title": "Ben", "text": "Steward.", "method": "consent", "effect": grant},
    )
    assert (wrong.extra["reason"], wrong.extra["method"]) == ("meta_rule", "majority")
    steward = propose(
        any_node,
        commons_id,
        cy,
        title="Ben",
        text="Steward.",
        effect=grant,
        params={"quorum": "1/3", "threshold": "1/2"},
    )
    recall = {"kind": "recall_role", "member": ada.did, "role": "founder"}
    lonely = propose(
        any_node,
        commons_id,
        ben,
        title="Ada",
        text="No confidence.",
        effect=recall,
        params={"quorum": "1/3", "threshold": "1/2"},
    )
    at(any_node, "2030-01-01T12:00:00.000Z")
    seconded = propose(
        any_node,
        commons_id,
        cy,
        title="Ada",
        text="No confidence, seconded.",
        effect=recall,
        params={"quorum": "1/3", "threshold": "1/2"},
    )
    own = refused(any_node, commons_id, cy, "governance.proposal.second", {"proposal": seconded})
    assert own.extra["reason"] == "own_motion"
    act(any_node, commons_id, ben, "governance.proposal.second", {"proposal": seconded})

    at(any_node, "2030-01-02T13:00:00.000Z")  # voting opened on both recalls
    for pid in (steward, seconded):
        stance(any_node, commons_id, ben, pid, "for")
        stance(any_node, commons_id, cy, pid, "for")
    stance(any_node, commons_id, ada, seconded, "against")  # no role blocks its own recall
    failed = orjson.loads(proposal(any_node, commons_id, lonely)["outcome"])
    assert failed["error"] == "not_seconded"  # nobody seconded it before voting would open
    at(any_node, "2030-01-05T13:00:00.000Z")
    join(any_node, commons_id, people["dee"], "Dee")

    assert proposal(any_node, commons_id, steward)["status"] == "passed"
    assert roles_held(any_node, commons_id) == {(ben.did, "steward")}
    assert proposal(any_node, commons_id, seconded)["status"] == "passed"
    assert member_role(any_node, commons_id, ada.did) == "member"


def test_a_proposer_hears_of_objections_and_seconds_in_their_inbox(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    from commonwork.services.inbox import inbox_of

    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    pid = propose(any_node, commons_id, ada, method="consent")
    at(any_node, "2030-01-02T01:00:00.000Z")
    stance(any_node, commons_id, ben, pid, {"position": "object"}, reason="Not now.")
    stance(any_node, commons_id, cy, pid, {"position": "consent"})  # tells nobody
    stance(any_node, commons_id, ada, pid, {"position": "concern"}, reason="Mine.")  # own: no

    told = inbox_of(any_node, ada.did).items
    assert [(item.kind, item.link) for item in told] == [
        ("governance.stance.object", f"/commons/{commons_id}/proposals/{pid}")
    ]


def test_a_double_stance_under_concurrency_counts_once(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    """The same signed stance sent by eight threads at once is one entry; two different stances
    of one member sent at once are both kept in the journal, in order, and only the later
    counts."""
    from concurrent.futures import ThreadPoolExecutor

    ada, ben = people["ada"], people["ben"]
    pid = propose(any_node, commons_id, ada)
    at(any_node, "2030-01-02T01:00:00.000Z")
    same = signed(
        ben, "governance.stance.take", {"proposal": pid, "version": 1, "ballot": "for"}, commons_id
    )
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda _: append_actions(any_node, commons_id, [same])[0], range(8))
        )
    assert sum(answer.created for answer in answers) == 1
    assert {answer.entry.id for answer in answers} == {answers[0].entry.id}

    two = [
        signed(
            ada,
            "governance.stance.take",
            {"proposal": pid, "version": 1, "ballot": ballot},
            commons_id,
        )
        for ballot in ("against", "abstain")
    ]
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda action: append_actions(any_node, commons_id, [action])[0], two))
    later = max(done, key=lambda answer: answer.entry.seq)
    at(any_node, "2030-01-06T00:00:00.000Z")
    act(any_node, commons_id, ben, "governance.proposal.close", {"proposal": pid})
    outcome = orjson.loads(proposal(any_node, commons_id, pid)["outcome"])
    assert outcome["stances"] == 2  # Ben once, Ada once
    kept = "against" if later.entry.id == done[0].entry.id else "abstain"
    assert outcome["tally"]["threshold"]["for"] == 1
    assert (kept == "against") == (outcome["status"] == "failed")


def test_an_option_id_outside_canonical_keys_is_refused_when_proposed(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    """A tally records options as JSON keys: a hyphenated id was once let in, and its close
    (at the first entry after the deadline) refused every later entry of the commons."""
    options = [{"id": "sat-day", "label": "Saturdays"}, {"id": "sun", "label": "Sundays"}]
    body = {"title": "Day", "text": "Which?", "method": "approval", "options": options}
    error = refused(any_node, commons_id, people["ada"], "governance.proposal.make", body)
    assert error.code == "invalid_action"
    assert "options.0.id" in error.detail


def test_a_vote_narrowed_to_a_privilege_counts_only_who_held_it_when_voting_opened(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    pid = propose(
        any_node, commons_id, ada, title="Buy a seed dryer", text="From the bounty fund.",
        voting_hours=72, electorate={"privilege": "bounty_tasks"},
    )  # fmt: skip
    made = proposal(any_node, commons_id, pid)
    at(any_node, "2030-01-02T00:00:00.000Z")  # voting opens after the day of discussion
    join(any_node, commons_id, people["dee"], "Dee")  # an entry: voting opened before it
    made = proposal(any_node, commons_id, pid)
    assert made["electorate"] == 1  # Ada's 100 standing reaches bounty_tasks' 80; Ben, Cy: 0
    refused_ben = refused(
        any_node, commons_id, ben, "governance.stance.take",
        {"proposal": pid, "version": 1, "ballot": "for"},
    )  # fmt: skip
    assert refused_ben.extra["reason"] == "not_in_electorate"
    assert "bounty_tasks" in refused_ben.detail
    stance(any_node, commons_id, ada, pid, "for")
    at(any_node, "2030-01-05T00:00:00.000Z")
    act(any_node, commons_id, ben, "governance.proposal.close", {"proposal": pid})
    assert proposal(any_node, commons_id, pid)["status"] == "passed"
    wrong = refused(
        any_node, commons_id, ada, "governance.proposal.make",
        {"title": "x", "text": "y", "method": "majority", "electorate": {"classes": ["funders"]}},
    )  # fmt: skip
    assert "no stakeholder class funders" in wrong.detail


def test_stakeholder_classes_each_pass_or_the_vote_fails(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    """Two of three members vote for: the whole electorate passes it, but the class of all
    members with a 2/3 threshold (strictly more, as majority counts) does not: no class is
    overruled."""
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    at(any_node, START)
    classes = {
        "founders": {"role": "founder"},
        "members": {"standing": 0, "threshold": "2/3"},
    }
    commons_id = found(any_node, ada, charter(ada, governance={"classes": classes}))
    for name in ("ben", "cy"):
        join(any_node, commons_id, people[name], name.title())
    pid = propose(
        any_node, commons_id, ada, title="Share the greenhouse", text="Half each.",
        voting_hours=72, electorate={"classes": ["founders", "members"]},
    )  # fmt: skip
    at(any_node, "2030-01-02T00:00:00.000Z")
    join(any_node, commons_id, people["dee"], "Dee")  # joins as voting opens: not in it
    assert proposal(any_node, commons_id, pid)["electorate"] == 3
    stance(any_node, commons_id, ada, pid, "for")
    stance(any_node, commons_id, ben, pid, "for")
    stance(any_node, commons_id, cy, pid, "against")
    at(any_node, "2030-01-05T00:00:00.000Z")
    act(any_node, commons_id, cy, "governance.proposal.close", {"proposal": pid})
    closed = proposal(any_node, commons_id, pid)
    outcome = orjson.loads(closed["outcome"])
    assert outcome["classes"]["founders"]["passed"] is True
    assert outcome["classes"]["members"]["passed"] is False
    assert outcome["classes"]["members"]["electorate"] == 3
    assert closed["status"] == "failed"


def test_an_objection_found_invalid_by_a_challenge_stops_blocking_and_a_review_date_is_set(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    pid = propose(any_node, commons_id, ada, method="consent", review_days=180,
                  title="Lend the press", text="To the school.")  # fmt: skip
    at(any_node, "2030-01-02T00:00:00.000Z")
    stance(any_node, commons_id, cy, pid, {"position": "object"}, reason="I dislike schools.")
    at(any_node, "2030-01-09T00:00:00.000Z")  # 7 days of consent: blocked by Cy's objection
    join(any_node, commons_id, people["dee"], "Dee")
    assert proposal(any_node, commons_id, pid)["status"] == "blocked"
    challenge = {"kind": "strike_objection", "proposal": pid, "member": cy.did, "version": 1}
    missing = refused(
        any_node, commons_id, ben, "governance.proposal.make",
        {"title": "x", "text": "y", "effect": {**challenge, "member": ben.did}},
    )  # fmt: skip
    assert missing.extra["reason"] == "no_objection"
    why = "It does not say what would harm the commons."
    strike = propose(
        any_node, commons_id, ben, title="Not about the press", text=why, effect=challenge
    )
    assert proposal(any_node, commons_id, strike)["method"] == "majority"  # the roles rule
    at(any_node, "2030-01-10T00:00:00.000Z")
    for person in (ada, ben, people["dee"]):
        stance(any_node, commons_id, person, strike, "for")
    at(any_node, "2030-01-13T00:00:00.000Z")
    act(any_node, commons_id, cy, "governance.proposal.close", {"proposal": strike})
    passed = proposal(any_node, commons_id, pid)
    assert passed["status"] == "passed"  # the struck objection alone blocked it
    assert passed["closed_at"] == "2030-01-13T00:00:00.000Z"
    assert passed["review_on"] == "2030-07-12"
    outcome = orjson.loads(passed["outcome"])
    assert outcome["positions"] == {"consent": 0, "concern": 1, "object": 0}
    assert outcome["concerns"] == [{"member": cy.did, "reason": "I dislike schools."}]


def test_a_blocked_consent_proposal_escalates_after_its_rounds_or_its_days(
    any_node: Node, commons_id: str, people: dict[str, Keypair]
) -> None:
    ada, cy = people["ada"], people["cy"]
    by_rounds = propose(any_node, commons_id, ada, method="consent", title="A", text="a")
    by_days = propose(any_node, commons_id, ada, method="consent", title="B", text="b",
                      params={"days": 5})  # fmt: skip
    at(any_node, "2030-01-02T00:00:00.000Z")
    for pid in (by_rounds, by_days):
        stance(any_node, commons_id, cy, pid, {"position": "object"}, reason="Not yet.")
    at(any_node, "2030-01-09T00:00:00.000Z")  # both blocked at their close
    join(any_node, commons_id, people["dee"], "Dee")
    early = refused(any_node, commons_id, ada, "governance.proposal.escalate",
                    {"proposal": by_rounds})  # fmt: skip
    assert early.extra["reason"] == "too_early"
    act(any_node, commons_id, ada, "governance.proposal.escalate", {"proposal": by_days})
    escalated = proposal(any_node, commons_id, by_days)
    assert (escalated["method"], escalated["status"], escalated["round"]) == (
        "supermajority",
        "voting",
        2,
    )
    act(any_node, commons_id, ada, "governance.proposal.amend",
        {"proposal": by_rounds, "text": "a, answered"})  # fmt: skip
    assert proposal(any_node, commons_id, by_rounds)["round"] == 2
    stance(any_node, commons_id, cy, by_rounds, {"position": "object"}, version=2,
           reason="Still not.")  # fmt: skip
    at(any_node, "2030-01-16T00:00:00.000Z")  # round 2 closes: blocked again
    join(any_node, commons_id, Keypair.generate(), "Eve")
    assert proposal(any_node, commons_id, by_rounds)["status"] == "blocked"
    act(any_node, commons_id, ada, "governance.proposal.escalate", {"proposal": by_rounds})
    assert proposal(any_node, commons_id, by_rounds)["method"] == "supermajority"
