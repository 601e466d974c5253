"""Day settlement inside the fold, on every backend: settled figures are final whatever comes
after, the journal's own rules see them (so verify and import on another node refuse what the
host refuses), and rebuild, export → import and verify agree on the state digest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from commonwork.errors import NotAllowed
from commonwork.journal.entries import seal_entry
from commonwork.journal.keys import Keypair
from commonwork.node import journal_store
from commonwork.node.node import Node
from commonwork.production.tables import contribution_status
from commonwork.services import acting, journals, queries, tasks_read
from commonwork.services.standing_read import member_standing, standing_table
from tests.conftest import DatabaseFactory, open_node
from tests.contract.test_tasks import day
from tests.support.builders import (
    BEFORE_SETTLEMENT_JOURNAL,
    CHARTER,
    FIRST_RELEASE_JOURNAL,
    found,
    import_fixture,
    join,
    signed,
)

VALIDATION = {
    "threshold": "10",
    "validator_cap": "10",
    "validator_minimum": "20",
    "challenge_days": 7,
    "lazy_minimum": "30",
    "reciprocity_days": 30,
    "reciprocity_discount": "0.5",
}
VALUE = {"version": 1, "kinds": {"work": "1", "review": "1"}, "cap_per_contribution": "15"}


def charter(*founders: Keypair) -> dict[str, Any]:
    standing = {
        "half_life_days": 180,
        "founders": [{"member": person.did, "standing": 60} for person in founders],
    }
    policies = {"validation_policy": VALIDATION, "value_policy": VALUE, "standing_policy": standing}
    return {**CHARTER, **policies, "engine": 1}


def work(node: Node, commons_id: str, person: Keypair, hours: str = "3", **extra: Any) -> str:
    appended = acting.record_contribution(
        node,
        actor=person,
        commons_id=commons_id,
        kind="work",
        quantity=hours,
        description="sorted seed",
        **extra,
    )
    return appended.entry.id


def approve(node: Node, commons_id: str, person: Keypair, contribution: str) -> None:
    acting.validate_contribution(
        node, actor=person, commons_id=commons_id, contribution_id=contribution, verdict="approve"
    )


def status(node: Node, commons_id: str, contribution: str) -> str:
    return str(queries.contribution_detail(node, commons_id, contribution).status)


def post(node: Node, commons_id: str, person: Keypair, title: str = "Sort the beans") -> str:
    return acting.post_task(
        node, actor=person, commons_id=commons_id, title=title, description="by variety"
    ).entry.id


def founders_a_and_c_with_b(node: Node) -> tuple[str, Keypair, Keypair, Keypair]:
    """On day 0: a commons whose policies seed founders A and C (A founds it), and member B."""
    a, c, b = Keypair.generate(), Keypair.generate(), Keypair.generate()
    node.clock = lambda: day(0)
    commons_id = found(node, a, charter(a, c))
    join(node, commons_id, c, "C")
    join(node, commons_id, b, "B")
    return commons_id, a, c, b


def test_approvals_in_the_other_direction_never_rewrite_a_settled_acceptance(
    any_node: Node,
) -> None:
    """The reproduction from the issue: founders A and C approve B's linked work; then C records
    work and B approves it. B's work stays accepted and the task stays closed."""
    commons_id, a, c, b = founders_a_and_c_with_b(any_node)
    task = post(any_node, commons_id, a)
    b_work = work(any_node, commons_id, b, task=task)
    approve(any_node, commons_id, a, b_work)
    approve(any_node, commons_id, c, b_work)
    assert status(any_node, commons_id, b_work) == "accepted"
    any_node.clock = lambda: day(1)
    c_work = work(any_node, commons_id, c)  # the first entry of day 1 settles day 0
    approve(any_node, commons_id, b, c_work)
    for later in (2, 3, 10, 29):
        any_node.clock = lambda later=later: day(later)
        post(any_node, commons_id, a, f"day {later}")
        detail = queries.contribution_detail(any_node, commons_id, b_work)
        assert (detail.status, detail.provisional, detail.accepted_on) == (
            "accepted",
            False,
            "2030-01-01",
        )
        assert tasks_read.task_detail(any_node, commons_id, task).status == "closed"
    b_figures = member_standing(any_node, commons_id, b.did, as_of=day(1))
    assert b_figures.value_points == "3"


def test_a_lone_founder_accepts_a_newcomers_work_with_one_approval_provisionally_then_settled(
    any_node: Node,
) -> None:
    founder, newcomer, stranger = Keypair.generate(), Keypair.generate(), Keypair.generate()
    any_node.clock = lambda: day(0.3)
    commons_id = acting.found_commons(
        any_node, actor=founder, charter=CHARTER, founder_name="Founder"
    ).commons_id  # the default preset, filled in before signing
    join(any_node, commons_id, newcomer, "Newcomer")
    join(any_node, commons_id, stranger, "Stranger")
    hours = work(any_node, commons_id, newcomer, "3.5")
    approve(any_node, commons_id, founder, hours)
    acting.validate_contribution(
        any_node,
        actor=stranger,
        commons_id=commons_id,
        contribution_id=hours,
        verdict="dispute",
        reason="I was not there",
    )
    today = queries.contribution_detail(any_node, commons_id, hours)
    assert (today.status, today.provisional, today.settled_status) == (
        "accepted",
        True,
        "pending",
    )
    concern = next(v for v in today.validations if v.verdict == "dispute")
    assert concern.weight == "0"  # a brand-new account's dispute is a concern, not a block
    any_node.clock = lambda: day(1.2)
    post(any_node, commons_id, founder)  # the first entry of the next day settles the first
    settled = queries.contribution_detail(any_node, commons_id, hours)
    assert (settled.status, settled.provisional, settled.accepted_on) == (
        "accepted",
        False,
        "2030-01-01",
    )
    figures = member_standing(any_node, commons_id, newcomer.did, as_of=day(0.9))
    assert (figures.value_points, figures.standing_milli) == ("3.5", 3500)
    a_day_later = member_standing(any_node, commons_id, newcomer.did).standing_milli
    assert a_day_later == 3500 * 2 ** (-1 / 180) // 1  # decayed one day of a 180-day half-life
    assert [term.kind for term in figures.why] == ["contribution"]


def _last_line_sealed(node: Node, commons_id: str, person: Keypair, type_: str, body: Any) -> bytes:
    """An entry the host signs directly, skipping its own rules: what a faulty host might do."""
    with node.reading() as conn:
        head = journal_store.read_head(conn, commons_id)
    assert head is not None
    entry = seal_entry(
        node.host_key,
        seq=head.seq + 1,
        prev=head.id,
        recorded_at=node.clock(),
        signed=signed(person, type_, body, commons_id),
    )
    return entry.line


def _journal(node: Node, commons_id: str) -> list[bytes]:
    return [line.rstrip(b"\n") for line in journals.export_journal(node, commons_id)]


def _refused_everywhere(
    lines: list[bytes], reason: str, tmp_path: Path, database_url_factory: DatabaseFactory
) -> None:
    report = journals.verify_lines_offline(lines)
    assert report.first_bad is not None
    assert report.first_bad.line == len(lines)
    assert reason in report.first_bad.reason
    other = open_node(tmp_path / "other", database_url_factory("other"))
    try:
        with pytest.raises(NotAllowed) as refused:
            journals.import_journal(other, lines)
        assert refused.value.detail.startswith(f"line {len(lines)} of the journal: ")
        assert reason in refused.value.detail
        assert queries.count_commons(other) == 0  # all or nothing
    finally:
        other.close()


@pytest.fixture
def settled_work(any_node: Node) -> dict[str, Any]:
    """Day 0: Ben's work linked to a task, approved by the founder; day 1 has begun and settled
    day 0 (the work is accepted, the task closed)."""
    ada, ben = Keypair.generate(), Keypair.generate()
    any_node.clock = lambda: day(0)
    commons_id = found(any_node, ada, charter(ada))
    join(any_node, commons_id, ben, "Ben")
    task = post(any_node, commons_id, ada)
    linked = work(any_node, commons_id, ben, task=task)
    approve(any_node, commons_id, ada, linked)
    any_node.clock = lambda: day(1)
    post(any_node, commons_id, ada, "tomorrow's task")
    return {"commons": commons_id, "ada": ada, "ben": ben, "task": task, "work": linked}


def test_a_claim_a_host_appended_on_a_closed_task_is_refused_by_verify_and_import(
    any_node: Node,
    settled_work: dict[str, Any],
    tmp_path: Path,
    database_url_factory: DatabaseFactory,
) -> None:
    commons_id, ben = settled_work["commons"], settled_work["ben"]
    with pytest.raises(NotAllowed, match="the task is closed"):
        acting.claim_task(any_node, actor=ben, commons_id=commons_id, task_id=settled_work["task"])
    forged = _last_line_sealed(
        any_node, commons_id, ben, "production.task.claim", {"task": settled_work["task"]}
    )
    lines = [*_journal(any_node, commons_id), forged]
    _refused_everywhere(lines, "the task is closed", tmp_path, database_url_factory)


def test_a_correction_a_host_appended_to_accepted_work_is_refused_by_verify_and_import(
    any_node: Node,
    settled_work: dict[str, Any],
    tmp_path: Path,
    database_url_factory: DatabaseFactory,
) -> None:
    commons_id, ben = settled_work["commons"], settled_work["ben"]
    body = {"contribution": settled_work["work"], "reason": "more", "quantity": "9"}
    forged = _last_line_sealed(any_node, commons_id, ben, "production.contribution.correct", body)
    lines = [*_journal(any_node, commons_id), forged]
    _refused_everywhere(lines, "accepted work is final", tmp_path, database_url_factory)


def test_settled_figures_that_count_an_approval_below_validator_minimum_are_caught(
    any_node: Node, tmp_path: Path, database_url_factory: DatabaseFactory
) -> None:
    """A host whose projection counted a newcomer's approval (weight 0) towards acceptance: its
    state digest disagrees with what verify replays and with what any other node rebuilds."""
    ada, ben, cy = Keypair.generate(), Keypair.generate(), Keypair.generate()
    any_node.clock = lambda: day(0)
    commons_id = found(any_node, ada, charter(ada))
    join(any_node, commons_id, ben, "Ben")
    join(any_node, commons_id, cy, "Cy")
    cy_work = work(any_node, commons_id, cy)
    approve(any_node, commons_id, ben, cy_work)  # Ben has no standing: weighs nothing
    any_node.clock = lambda: day(1)
    post(any_node, commons_id, ada)
    assert status(any_node, commons_id, cy_work) == "pending"
    honest = journals.verify_commons(any_node, commons_id).as_json()
    assert honest["projections_match"]
    with any_node.writing() as conn:  # the forgery: the settled row says accepted
        conn.execute(
            sa.update(contribution_status)
            .where(contribution_status.c.contribution_id == cy_work)
            .values(status="accepted", accepted_on="2030-01-01", weight_milli=10_000)
        )
    any_node.digest_cache.clear()
    any_node.clock = lambda: day(1.5)
    post(any_node, commons_id, ada, "a new head, so verify runs again")
    report = journals.verify_commons(any_node, commons_id).as_json()
    assert report["ok"]  # every entry is signed and follows the rules …
    assert not report["projections_match"]  # … but the host's settled state is not the fold's
    other = open_node(tmp_path / "other", database_url_factory("other"))
    try:
        journals.import_journal(other, _journal(any_node, commons_id))
        assert queries.contribution_detail(other, commons_id, cy_work).status == "pending"
        mirrored = queries.commons_detail(other, commons_id).digest
        assert mirrored == report["digest"] != report["live_digest"]
    finally:
        other.close()


def test_rebuild_export_import_and_verify_agree_on_the_settled_state(
    any_node: Node, tmp_path: Path, database_url_factory: DatabaseFactory
) -> None:
    ada, ben, cy = Keypair.generate(), Keypair.generate(), Keypair.generate()
    any_node.clock = lambda: day(0)
    commons_id = found(any_node, ada, charter(ada))
    join(any_node, commons_id, ben, "Ben")
    join(any_node, commons_id, cy, "Cy")
    first = work(any_node, commons_id, ben, "12")
    approve(any_node, commons_id, ada, first)
    lazy = work(any_node, commons_id, ada, "2")
    for later in (1, 2, 9):  # Ben earns validating standing; Ada's work is accepted lazily
        any_node.clock = lambda later=later: day(later)
        approve(any_node, commons_id, ben, work(any_node, commons_id, cy, "1"))
    assert status(any_node, commons_id, lazy) == "accepted"
    table = standing_table(any_node, commons_id)
    before = queries.commons_detail(any_node, commons_id).digest
    journals.rebuild_projections(any_node, commons_id)
    assert queries.commons_detail(any_node, commons_id).digest == before
    assert standing_table(any_node, commons_id).digest == table.digest
    report = journals.verify_commons(any_node, commons_id).as_json()
    assert (report["ok"], report["digest"]) == (True, before)
    other = open_node(tmp_path / "other", database_url_factory("other"))
    try:
        journals.import_journal(other, _journal(any_node, commons_id))
        assert queries.commons_detail(other, commons_id).digest == before
    finally:
        other.close()


@pytest.mark.parametrize("path", [FIRST_RELEASE_JOURNAL, BEFORE_SETTLEMENT_JOURNAL])
def test_journals_made_by_earlier_releases_import_and_verify(any_node: Node, path: Path) -> None:
    commons_id = import_fixture(any_node, path)
    report = journals.verify_commons(any_node, commons_id).as_json()
    assert (report["ok"], report["projections_match"]) == (True, True)
    exported = _journal(any_node, commons_id)
    assert exported == [line for line in path.read_bytes().splitlines() if line.strip()]


def _full_overlay(node: Node, commons_id: str, day_text: str) -> dict[str, dict[Any, Any]]:
    """The provisional view computed the simple way: settle the open day whole."""
    from commonwork.node.state import DbState
    from commonwork.standing.settle import add_days, settle_until

    with node.reading() as conn:
        overlay = DbState(conn)
        settle_until(overlay, commons_id, add_days(day_text, 1))
        return {name: dict(rows) for name, rows in overlay.pending.items()}


SHOWN = (
    "contribution_status",
    "validations",
    "tasks",
    "member_standing",
    "standing_history",
)


def test_the_incremental_view_of_today_equals_settling_the_day_whole(any_node: Node) -> None:
    """A read on the head's own day decides again only what new entries touched; it must show
    exactly what settling the whole day would."""
    from commonwork.services import settled

    ada, ben, cy = Keypair.generate(), Keypair.generate(), Keypair.generate()
    any_node.clock = lambda: day(0)
    commons_id = found(any_node, ada, charter(ada, cy))
    join(any_node, commons_id, ben, "Ben")
    join(any_node, commons_id, cy, "Cy")
    task = post(any_node, commons_id, ada)
    any_node.clock = lambda: day(1.2)
    works = [work(any_node, commons_id, ben, str(hours), task=task if hours == 2 else None)
             for hours in (1, 2, 3, 4)]  # fmt: skip
    approve(any_node, commons_id, ada, works[0])
    for step, (who, target) in enumerate([(cy, 1), (ada, 2), (cy, 3), (ada, 3)]):
        view = settled.current(any_node, commons_id)
        assert view is not None
        full = _full_overlay(any_node, commons_id, view.as_of_day)
        for name in SHOWN:
            assert view.overlay.get(name, {}) == full.get(name, {}), (step, name)
        approve(any_node, commons_id, who, works[target])
    final = settled.current(any_node, commons_id)
    assert final is not None
    accepted = {
        row["contribution_id"]
        for row in final.overlay["contribution_status"].values()
        if row["status"] == "accepted"
    }
    assert accepted == set(works)
    assert final.overlay["tasks"][(commons_id, task)]["status"] == "closed"


def _weights(node: Node, commons_id: str, contribution: str) -> list[str | None]:
    detail = queries.contribution_detail(node, commons_id, contribution)
    return [v.weight for v in detail.validations]


def test_a_validation_weighs_as_it_is_recorded_and_reciprocity_counts_from_the_next_day(
    any_node: Node,
) -> None:
    """The weight is fixed with the entry (standing as of the start of its day, known because
    the days before are settled), shown at once and never changed by the day's settlement; an
    approval in the other direction discounts approvals from the next day on, not the same day."""
    commons_id, a, c, b = founders_a_and_c_with_b(any_node)
    a_work = work(any_node, commons_id, a)
    c_work = work(any_node, commons_id, c)
    approve(any_node, commons_id, c, a_work)  # C approves A's work on day 0 …
    approve(any_node, commons_id, a, c_work)  # … and A approves C's the same day: no discount
    assert _weights(any_node, commons_id, a_work) == ["10"]
    assert _weights(any_node, commons_id, c_work) == ["10"]
    b_work = work(any_node, commons_id, b)
    approve(any_node, commons_id, b, a_work)  # B has no standing yet: weighs nothing
    assert _weights(any_node, commons_id, a_work) == ["10", "0"]
    with any_node.reading() as conn:
        weight = conn.execute(
            sa.select(contribution_status.c.weight_milli).where(
                contribution_status.c.contribution_id == b_work
            )
        ).scalar_one()
    assert weight == 0
    any_node.clock = lambda: day(1)
    a_more = work(any_node, commons_id, a)  # settles day 0
    assert _weights(any_node, commons_id, a_work) == ["10", "0"]  # settlement kept them
    assert status(any_node, commons_id, a_work) == "accepted"
    approve(any_node, commons_id, b, c_work)  # settled, accepted work: the approval is history
    assert _weights(any_node, commons_id, c_work) == ["10", None]
    approve(any_node, commons_id, c, a_more)  # A approved C's work on day 0: half from day 1
    assert _weights(any_node, commons_id, a_more) == ["5"]
    acting.validate_contribution(
        any_node,
        actor=a,
        commons_id=commons_id,
        contribution_id=b_work,
        verdict="dispute",
        reason="not what we agreed",
    )
    approve(any_node, commons_id, c, b_work)
    assert _weights(any_node, commons_id, b_work) == ["10", "10"]
    any_node.clock = lambda: day(2)
    post(any_node, commons_id, a)  # settles day 1: A's weighted dispute holds B's work
    assert status(any_node, commons_id, b_work) == "disputed"
    assert status(any_node, commons_id, a_more) == "pending"  # 5 of 10


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_incremental_view_of_today_equals_settling_the_day_whole_for_random_days(
    any_node: Node, seed: int
) -> None:
    """Random days of records (some co-authored), approvals, adjustments, disputes, corrections
    and withdrawals under a monthly cap (so the order of the day's credits matters): after every
    entry, the view a new head builds from the last one equals settling the day whole."""
    import random

    from commonwork.errors import CommonworkError
    from commonwork.services import settled, standing_read

    pick = random.Random(seed)
    people = [Keypair.generate() for _ in range(5)]
    founders = people[:3]
    capped = charter(*founders)
    capped["value_policy"] = {**VALUE, "caps": {"per_member_per_month": 8}}
    any_node.clock = lambda: day(0)
    commons_id = found(any_node, people[0], capped)
    for number, person in enumerate(people[1:], start=1):
        join(any_node, commons_id, person, f"P{number}")
    any_node.clock = lambda: day(1.1)
    works: list[tuple[str, Keypair]] = []
    for step in range(40):
        who = pick.choice(people)
        move = pick.random()
        try:
            if move < 0.3 or not works:
                partner = pick.choice([p for p in people if p is not who])
                extra = {"co_authors": {partner.did: "0.4"}} if pick.random() < 0.3 else {}
                works.append(
                    (work(any_node, commons_id, who, str(pick.randint(1, 6)), **extra), who)
                )
            elif move < 0.85:
                target, _ = pick.choice(works)
                verdict = pick.choice(["approve"] * 6 + ["adjust", "dispute"])
                acting.validate_contribution(
                    any_node,
                    actor=who,
                    commons_id=commons_id,
                    contribution_id=target,
                    verdict=verdict,
                    reason="" if verdict == "approve" else "because",
                    quantity="1" if verdict == "adjust" else None,
                )
            else:
                target, author = pick.choice(works)
                if pick.random() < 0.5:
                    acting.correct_contribution(
                        any_node,
                        actor=author,
                        commons_id=commons_id,
                        contribution_id=target,
                        reason="more",
                        changes={"quantity": str(pick.randint(1, 6))},
                    )
                else:
                    acting.withdraw_contribution(
                        any_node, actor=author, commons_id=commons_id, contribution_id=target
                    )
        except CommonworkError:
            continue  # refused (own work, twice, withdrawn…): nothing appended
        view = settled.current(any_node, commons_id)
        assert view is not None
        full = _full_overlay(any_node, commons_id, view.as_of_day)
        for name in SHOWN:
            assert view.overlay.get(name, {}) == full.get(name, {}), (seed, step, name)
        # The standing table a new head patches from the last one equals one made afresh.
        patched = standing_read.standing_table(any_node, commons_id)
        afresh = standing_read._standing_table(any_node, view).table  # the oracle: made afresh
        assert patched == afresh, (seed, step)


def test_a_charter_version_governs_from_the_next_day_boundary_and_forward_only(
    any_node: Node,
) -> None:
    """A version of the charter set by an entry on day 1 (what a passed amendment will do, with
    governance) leaves day 1 and before as they were and governs day 2 on: here it raises the
    threshold, so the founder's one approval accepts work on day 1 but no longer on day 2."""
    from commonwork.commons.charter import Charter
    from commonwork.commons.tables import charter_versions, commons
    from commonwork.journal.canonical import canon
    from commonwork.journal.entries import parse_entry
    from commonwork.node.state import MemoryState
    from commonwork.standing.settle import schedule_charter

    a, b, c = Keypair.generate(), Keypair.generate(), Keypair.generate()
    any_node.clock = lambda: day(0)
    founding = charter(a, c)  # two founders: together they reach the stricter threshold too
    commons_id = found(any_node, a, founding)
    join(any_node, commons_id, b, "B")
    join(any_node, commons_id, c, "C")
    any_node.clock = lambda: day(1)
    first = work(any_node, commons_id, b)
    approve(any_node, commons_id, a, first)
    any_node.clock = lambda: day(2)
    second = work(any_node, commons_id, b)
    approve(any_node, commons_id, a, second)
    any_node.clock = lambda: day(3)
    post(any_node, commons_id, a)  # settles day 2
    assert status(any_node, commons_id, second) == "accepted"  # unamended: one approval does
    stricter = {**founding, "validation_policy": {**VALIDATION, "threshold": "20"}}
    text = canon(Charter.model_validate(stricter).as_json()).decode()
    state = MemoryState()
    amended_at = None
    for line in _journal(any_node, commons_id):
        entry = parse_entry(line)
        state.replay(commons_id, entry)
        if entry.id == first:  # an amendment recorded on day 1, right after the work
            amended_at = schedule_charter(state, commons_id, entry.seq, entry.recorded_at, text)
            assert state.get(commons, (commons_id,))["charter"] != text  # not in force yet
    assert amended_at == "2030-01-03"  # set on day 1 (2030-01-02), governs from day 2
    rows = {row["contribution_id"]: row for row in state.rows["contribution_status"].values()}
    assert rows[first]["status"] == "accepted"  # day 1: the version in force then
    assert rows[second]["status"] == "pending"  # day 2: 10 of the new 20
    assert state.get(commons, (commons_id,))["charter"] == text
    versions = sorted(state.rows[charter_versions.name].values(), key=lambda row: row["seq"])
    assert [(row["seq"], row["effective_on"]) for row in versions] == [
        (0, "2030-01-01"),
        (versions[1]["seq"], "2030-01-03"),
    ]


def test_why_this_number_names_only_the_approvals_of_the_accepted_version(
    any_node: Node,
) -> None:
    """An approval of a version corrected later the same day kept the weight it was recorded
    with, but did not count: "why this number" lists only the approvals that did."""
    commons_id, a, c, b = founders_a_and_c_with_b(any_node)
    b_work = work(any_node, commons_id, b)
    approve(any_node, commons_id, a, b_work)
    acting.correct_contribution(
        any_node,
        actor=b,
        commons_id=commons_id,
        contribution_id=b_work,
        reason="it was four hours",
        changes={"quantity": "4"},
    )
    approve(any_node, commons_id, c, b_work)
    any_node.clock = lambda: day(1)
    post(any_node, commons_id, a)  # settles day 0
    assert status(any_node, commons_id, b_work) == "accepted"
    [term] = [t for t in member_standing(any_node, commons_id, b.did).why if t.kind != "seed"]
    assert [approval.validator for approval in term.approvals] == [c.did]
