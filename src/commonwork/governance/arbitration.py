"""Arbitration: disputed work settled a posteriori by peers with standing.

A **case** opens with the first dispute that weighs something on a contribution's current
version (the validation entry that made it is the case's entry; its hash seeds the draw). The
subject area declares the verdicts a case may reach — for a contribution: ``accept``, ``reject``,
or ``adjust`` (accept at another quantity).

A later area may declare another **subject kind** (``journal.area.CaseSubject``: the property
area's ``derivation``, a derivation the licence table cannot decide): its projection opens the
case (:func:`open_case`, the recording entry being the case's entry and its seq the subject's),
and the declaration says the verdicts it may reach, who may not sit, and how a verdict is
carried out. Governance never imports that area: it dispatches on ``subject_kind``.

The **panel** (the charter's ``governance.arbitration.panel``, default 3) is drawn from the
active members who may arbitrate — a standing of at least the standing policy's ``arbitrate``
privilege as of the start of the case's day (without one: its ``validator_minimum``), or the
``arbiter`` role granted by decision — leaving out the contribution's authors, everyone who
validated it (every version) and the dispute's author. The draw orders them by
``sha256(seed || round || did)``: the same panel on every replica, computed from the journal
prefix only. A member of the panel rules with a written reason (``governance.case.rule``; a later
ruling replaces theirs); when a majority of the panel agrees on one verdict (an adjustment: on the
same quantity) the case is decided at that entry. A panel that has not decided within the
charter's ``days`` of journal time is redrawn (the round's number enters the seed; members who
sat before are drawn last). With nobody eligible the case waits for the members (``no_panel``).

A **verdict** on a contribution is an event the day's settlement reads: the contribution is on
that day's agenda, and at the acceptance phase of settling the day it is accepted (at the
verdict's quantity) or rejected; the points phase credits accepted work as any other. A verdict
on another kind of subject is carried out at once, by the subject's area (see :func:`decide`).
One **appeal** to all the members, by a proposal with the effect ``arbitrate`` under the
charter's ``appeals`` rule, within ``appeal_days`` of the verdict (or at any time for a case no
panel can sit on), replaces the verdict from the day of its close.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from commonwork.commons.actions import active_member
from commonwork.commons.charter_governance import Arbitration
from commonwork.commons.tables import members
from commonwork.errors import AlreadyDone, InvalidAction, NotAllowed, NotFound
from commonwork.governance.clock import governance_now, later, reschedule
from commonwork.governance.tables import case_rulings, cases, roles, subject_cases, verdicts_due
from commonwork.journal.area import installed_case_subjects
from commonwork.journal.canonical import canon
from commonwork.journal.projection import ActionSpec, Context, Key, Row, State
from commonwork.production.actions import CORRECT, VALIDATE
from commonwork.production.decimals import positive_decimal
from commonwork.production.tables import (
    contribution_status,
    contributions,
    settle_agenda,
    tasks,
    validations,
)
from commonwork.standing.decay import decayed
from commonwork.standing.settle import (
    Day,
    authors,
    close_task,
    days_between,
    milli,
    milli_text,
    policies_in_force,
)
from commonwork.standing.tables import member_standing, standing_history

RULE = "governance.case.rule"

#: The verdicts a case may reach, by the kind of its subject (governance's own: contributions;
#: the kinds the installed areas declare are read by :func:`verdicts_of`).
VERDICTS: dict[str, tuple[str, ...]] = {"contribution": ("accept", "reject", "adjust")}
CONTRIBUTION = "contribution"

EntryId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class Verdict(BaseModel):
    """What a case decides about a contribution."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    verdict: Literal["accept", "reject", "adjust"]
    quantity: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Verdict:
        if self.verdict == "adjust":
            if self.quantity is None:
                raise ValueError("an adjust verdict gives the quantity found right, in 'quantity'")
            positive_decimal(self.quantity)
        elif self.quantity is not None:
            raise ValueError("only an adjust verdict carries a quantity")
        return self

    def text(self) -> str:
        return canon(self.model_dump(exclude_none=True)).decode()


class RuleBody(BaseModel):
    """A panel member's ruling, with the reason the verdict rests on."""

    model_config = ConfigDict(extra="forbid")
    case: EntryId
    verdict: Literal["accept", "reject", "adjust"]
    quantity: str | None = None
    reason: Reason

    @model_validator(mode="after")
    def _complete(self) -> RuleBody:
        Verdict(verdict=self.verdict, quantity=self.quantity)
        return self

    def as_verdict(self) -> Verdict:
        return Verdict(verdict=self.verdict, quantity=self.quantity)


def verdicts_of(kind: str) -> tuple[str, ...]:
    """The verdicts a case about a subject of this kind may reach (none for a kind no installed
    area declares)."""
    if kind in VERDICTS:
        return VERDICTS[kind]
    subject = installed_case_subjects().get(kind)
    return () if subject is None else subject.verdicts


def arbitration_of(state: State, commons_id: str) -> Arbitration:
    return governance_now(state, commons_id).arbitration


def case_row(state: State, commons_id: str, case_id: str) -> Row:
    row = state.get(cases, (commons_id, case_id))
    if row is None:
        raise NotFound(f"there is no arbitration case {case_id} in this commons")
    return row


# --- opening a case ---------------------------------------------------------------------------


def after_entry(state: State, ctx: Context) -> None:
    """A dispute that weighs something on pending work opens a case, if it is the first; a
    correction of held work answers its open case."""
    if ctx.entry.type == CORRECT:
        _answered(state, ctx)
        return
    if ctx.entry.type != VALIDATE or ctx.body.verdict != "dispute":
        return
    if policies_in_force(state, ctx.commons_id) is None:
        return  # without an engine nothing weighs: disputes are counted, not arbitrated
    record = state.get(contributions, (ctx.commons_id, ctx.body.contribution))
    if record is None:
        return
    status = state.get(contribution_status, (ctx.commons_id, record["seq"]))
    if status is None or status["status"] not in ("pending", "accepted"):
        return  # (accepted work: weighed only within the charter's dispute_days, see weigh)
    key = (ctx.commons_id, ctx.body.contribution, ctx.author, status["corrections"])
    validation = state.get(validations, key)
    weight = 0 if validation is None else int(validation["weight_milli"] or 0)
    if weight <= 0 or int(status["dispute_weight_milli"]) != weight:
        return  # weighs nothing, or an earlier dispute of this version opened the case
    open_case(state, ctx, CONTRIBUTION, status["contribution_id"], int(status["seq"]))


def _answered(state: State, ctx: Context) -> None:
    """The contributor corrected held work: a new version, validated afresh, answers the
    dispute — while the panel has not decided. Once it has, the verdict stands: the correction
    is refused (by every replica), until the verdict's day settles it."""
    record = state.get(contributions, (ctx.commons_id, ctx.body.contribution))
    if record is None:
        return
    link = state.get(subject_cases, (ctx.commons_id, record["seq"]))
    if link is None:
        return
    case = dict(case_row(state, ctx.commons_id, link["case_id"]))
    if case["status"] in ("open", "no_panel"):
        case.update(status="answered", decided_at=ctx.entry.recorded_at, decided_by="correction")
        case["due_at"] = None
        _schedule(state, ctx.commons_id, case["case_id"], [])
        state.put(cases, case)
        return
    pending = state.scan(verdicts_due, (ctx.commons_id, ctx.entry.recorded_at[:10]))
    if case["status"] in ("decided", "appealed") and any(
        item["subject_seq"] == record["seq"] for item in pending
    ):
        raise NotAllowed(
            f"arbitration decided on this contribution today ({case['decided_at']}): the "
            "verdict acts when the day settles, on what the panel judged; correct it after "
            "that, if it is still open to correction",
            reason="arbitrated",
        )


def open_case(state: State, ctx: Context, kind: str, subject: str, subject_seq: int) -> None:
    """Open a case about a subject of ``kind`` (``subject``: its id; ``subject_seq``: the seq of
    the entry that recorded it), by the entry being applied (its author opened it, its hash
    seeds the draw), and draw its first panel. Called by an area's projection; the kind is
    governance's ``contribution`` or one an installed area declares."""
    if kind != CONTRIBUTION and kind not in installed_case_subjects():
        raise ValueError(f"no installed area declares cases about a {kind}")
    at = ctx.entry.recorded_at
    row: Row = {
        "commons_id": ctx.commons_id,
        "case_id": ctx.entry.id,
        "seq": ctx.entry.seq,
        "subject_kind": kind,
        "subject": subject,
        "subject_seq": subject_seq,
        "opened_by": ctx.author,
        "opened_at": at,
        "round": 0,
        "panel": "[]",
        "due_at": None,
        "status": "open",
        "verdict": None,
        "reasons": None,
        "decided_at": None,
        "decided_by": None,
        "appeal": None,
    }
    _new_round(state, row, at)
    state.insert(cases, row)
    link = {"commons_id": ctx.commons_id, "subject_seq": subject_seq}
    state.put(subject_cases, {**link, "case_id": row["case_id"]})


def _new_round(state: State, row: Row, at: str) -> None:
    """Draw the next round's panel and set its deadline (``row`` is changed, not put). With
    nobody eligible, or after the charter's last round, the case goes to the members
    (``no_panel``): a proposal with the effect ``arbitrate`` decides it."""
    rules = arbitration_of(state, row["commons_id"])
    sat = set(orjson.loads(row["panel"]))
    row["round"] += 1
    panel = draw(state, row, at[:10], rules.panel, sat) if row["round"] <= rules.rounds else []
    row["panel"] = canon(panel).decode()
    if panel:
        row["status"], row["due_at"] = "open", later(at, rules.days * 24)
        _schedule(state, row["commons_id"], row["case_id"], [[row["due_at"], "redraw"]])
    else:
        row["status"], row["due_at"] = "no_panel", None
        _schedule(state, row["commons_id"], row["case_id"], [])


def _schedule(state: State, commons_id: str, case_id: str, items: list[list[str]]) -> None:
    reschedule(state, commons_id, case_id, items)


def excluded(state: State, row: Row) -> set[str]:
    """Who may not sit: whoever opened the case, and for a contribution its authors and
    everyone who validated it (every version); for another subject, whom its area names."""
    commons_id = row["commons_id"]
    if row["subject_kind"] != CONTRIBUTION:
        subject = installed_case_subjects()[row["subject_kind"]]
        return {row["opened_by"]} | subject.excluded(state, commons_id, row)
    status = state.get(contribution_status, (commons_id, row["subject_seq"]))
    out = {row["opened_by"]}
    if status is not None:
        out |= {member for member, _ in authors(status)}
    out |= {v["validator"] for v in state.scan(validations, (commons_id, row["subject"]))}
    return out


def standings_on(state: State, commons_id: str, day: str) -> dict[str, int]:
    """Every member's standing in milli-points as of the start of ``day`` (settled days), from
    one read of the commons' standing rows: for what happens rarely (a panel drawn, an
    electorate fixed), in the append that does it."""
    policies = policies_in_force(state, commons_id)
    if policies is None:
        return {}
    half_life = policies.standing.half_life_days
    return {
        row["member"]: decayed(int(row["amount_milli"]), days_between(row["day"], day), half_life)
        for row in state.scan_commons(member_standing, commons_id)
    }


def roles_held(state: State, commons_id: str) -> dict[str, set[str]]:
    """The roles each member holds now (granted by decision and not recalled; a founder's is
    the membership's), from one read of each table."""
    held: dict[str, set[str]] = {}
    for row in state.scan_commons(roles, commons_id):
        if row["recalled_at"] is None:
            held.setdefault(row["member"], set()).add(row["role"])
    for row in state.scan_commons(members, commons_id):
        if row["role"] == "founder" and row["status"] == "active":
            held.setdefault(row["member"], set()).add("founder")
    return held


def eligible(state: State, commons_id: str, day: str) -> set[str]:
    """The active members who may arbitrate as of the start of ``day``: those whose standing
    reaches the ``arbitrate`` privilege (read once per commons and day: settled standing does
    not change during a day), and the arbiters by decision."""
    policies = policies_in_force(state, commons_id)
    if policies is None:
        return set()
    key = ("arbitration.pool", commons_id, day)
    pool = state.memo.get(key)
    if pool is None:
        threshold = policies.standing.privileges.get("arbitrate")
        minimum = (
            milli(Decimal(threshold))
            if threshold is not None
            else milli(policies.validation.validator_minimum)
        )
        standing = standings_on(state, commons_id, day)
        pool = state.memo[key] = frozenset(
            member for member, amount in standing.items() if amount >= max(minimum, 1)
        )
    found = set(pool) | {
        row["member"]
        for row in state.scan_commons(roles, commons_id)
        if row["role"] == "arbiter" and row["recalled_at"] is None
    }
    active = set()
    for member in sorted(found):
        held = state.get(members, (commons_id, member))
        if held is not None and held["status"] == "active":
            active.add(member)
    return active


def draw_order(seed: str, round_: int, dids: set[str]) -> list[str]:
    """``dids`` in the order of the draw: by sha256 of the seed (the case entry's hash), the
    round and the did; the same on every replica."""
    prefix = bytes.fromhex(seed) + round_.to_bytes(4, "big")

    def key(did: str) -> tuple[bytes, str]:
        return hashlib.sha256(prefix + did.encode()).digest(), did

    return sorted(dids, key=key)


def draw(state: State, row: Row, day: str, size: int, sat: set[str]) -> list[str]:
    """The panel of the case's current round: those who sat before are drawn last."""
    pool = eligible(state, row["commons_id"], day) - excluded(state, row)
    order = draw_order(row["case_id"], int(row["round"]), pool)
    fresh = [did for did in order if did not in sat]
    return (fresh + [did for did in order if did in sat])[:size]


def redraw(state: State, commons_id: str, case_id: str, at: str) -> None:
    """The round ended without a majority: a new panel (before_entry, at the deadline)."""
    row = dict(case_row(state, commons_id, case_id))
    if row["status"] != "open":
        return
    _new_round(state, row, at)
    state.put(cases, row)


# --- ruling -----------------------------------------------------------------------------------


def check_rule(state: State, ctx: Context) -> None:
    body: RuleBody = ctx.body
    active_member(state, ctx.commons_id, ctx.author)
    row = case_row(state, ctx.commons_id, body.case)
    if row["status"] == "no_panel":
        raise NotAllowed(
            "no panel could be drawn for this case: the members decide it, by a proposal "
            "with the effect 'arbitrate'",
            reason="no_panel",
        )
    if row["status"] != "open":
        raise AlreadyDone(f"this case is {row['status']} already", reason="case_decided")
    if ctx.author not in orjson.loads(row["panel"]):
        raise NotAllowed(
            "only the members of this case's panel rule on it (the panel is drawn from those "
            "who may arbitrate, leaving out the parties: for work, its authors, validators and "
            "disputer)",
            reason="not_on_panel",
        )
    check_verdict(state, ctx.commons_id, row, body.as_verdict())


def check_verdict(state: State, commons_id: str, row: Row, verdict: Verdict) -> None:
    allowed = verdicts_of(row["subject_kind"])
    if verdict.verdict not in allowed:
        raise InvalidAction(
            f"a case about a {row['subject_kind']} reaches one of {', '.join(allowed)}, "
            f"not {verdict.verdict}",
            reason="verdict_not_allowed",
        )
    if verdict.quantity is not None:
        status = state.get(contribution_status, (commons_id, row["subject_seq"]))
        if status is not None and status["kind"] == "money" and "." in verdict.quantity:
            raise InvalidAction("money is counted in whole minor units: adjust to e.g. '2500'")


def apply_rule(state: State, ctx: Context) -> None:
    body: RuleBody = ctx.body
    row = dict(case_row(state, ctx.commons_id, body.case))
    verdict = body.as_verdict().text()
    state.put(
        case_rulings,
        {
            "commons_id": ctx.commons_id,
            "case_id": body.case,
            "member": ctx.author,
            "round": row["round"],
            "verdict": verdict,
            "reason": body.reason,
            "seq": ctx.entry.seq,
            "recorded_at": ctx.entry.recorded_at,
        },
    )
    panel = orjson.loads(row["panel"])
    agreeing = [
        ruling
        for ruling in state.scan(case_rulings, (ctx.commons_id, body.case))
        if ruling["round"] == row["round"]
        and ruling["verdict"] == verdict
        and ruling["member"] in panel
    ]
    if 2 * len(agreeing) > len(panel):
        reasons = [{"member": r["member"], "reason": r["reason"]} for r in agreeing]
        row["reasons"] = canon(sorted(reasons, key=lambda r: r["member"])).decode()
        decide(state, row, verdict, ctx.entry.recorded_at, "panel")
        state.put(cases, row)


def decide(state: State, row: Row, verdict: str, at: str, by: str) -> None:
    """Record the verdict (``row`` is changed, not put) and carry it out.

    About a contribution: put it on the settlement's agenda of its day, whose acceptance phase
    applies it (acceptance, points and standing are settled by day).

    About another subject (an area's ``CaseSubject``): its ``apply`` carries it out here, at
    the decision — the panel's majority ruling's projection, or the close of the members'
    proposal (run before the next entry's rule, in time order with every other deadline). That
    is a fixed point of the fold, so every replica applies it in the same order; and nothing a
    day's settlement computes reads such a subject (a derivation's status is read by rules,
    entry by entry, as its recording and the former review set it), so there is nothing to wait
    for — and a commons without a settlement engine, whose days are never settled, still gets
    the verdict carried out. An appeal's decision calls ``apply`` again, replacing it."""
    commons_id = row["commons_id"]
    row["status"] = "decided" if by == "panel" else "appealed"
    row["verdict"], row["decided_at"], row["decided_by"] = verdict, at, by
    row["due_at"] = None
    _schedule(state, commons_id, row["case_id"], [])
    if row["subject_kind"] != CONTRIBUTION:
        subject = installed_case_subjects()[row["subject_kind"]]
        subject.apply(state, commons_id, row, str(orjson.loads(verdict)["verdict"]), at)
        return
    day, seq = at[:10], row["subject_seq"]
    state.put(settle_agenda, {"commons_id": commons_id, "day": day, "seq": seq, "why": "verdict"})
    due = {"commons_id": commons_id, "day": day, "subject_seq": seq, "case_id": row["case_id"]}
    due["revoke_on"] = None
    state.put(verdicts_due, due)


# --- the settlement reads the verdicts of its day ---------------------------------------------


def settle_verdicts(state: State, commons_id: str, day: str) -> None:
    """The acceptance phase of settling ``day``: each verdict of the day, applied to its
    contribution — accepted at the verdict's quantity (the points phase credits it as any work
    accepted that day), or rejected (a linked task stays open). Work accepted on an earlier day
    keeps that day as it was settled: a rejection takes its credits back from this day on
    (``settle_offsets``), an adjustment takes them back and credits it anew at its quantity, a
    verdict that accepts it changes nothing."""
    due = state.scan(verdicts_due, (commons_id, day))
    if not due:
        return
    policies = policies_in_force(state, commons_id)
    if policies is None:
        return
    settling = Day(state, commons_id, policies, day)
    for item in due:
        case = state.get(cases, (commons_id, item["case_id"]))
        if case is None or case["subject_kind"] != CONTRIBUTION:
            continue  # (another subject's verdict is carried out at its decision)
        status = state.get(contribution_status, (commons_id, item["subject_seq"]))
        if status is None or status["status"] == "withdrawn":
            continue
        verdict = orjson.loads(case["verdict"])
        claimed = milli(status["quantity"])
        quantity = milli(verdict["quantity"]) if verdict["verdict"] == "adjust" else claimed
        if status["status"] == "accepted":
            settled = milli(status["accepted_quantity"] or status["quantity"])
            if verdict["verdict"] == "accept" or (
                verdict["verdict"] == "adjust" and quantity == settled
            ):
                continue  # the work stands as it was accepted
            if status["accepted_on"] != day:  # accepted today, its credits are not given yet
                state.put(verdicts_due, {**item, "revoke_on": status["accepted_on"]})
            _reopen_task(state, status)
        if verdict["verdict"] == "reject":
            state.put(contribution_status, {**status, "status": "rejected"})
            continue
        points = settling.points(status["kind"], status["skill"], quantity)
        accepted = {**status, "status": "accepted", "accepted_on": day, "points_milli": points}
        accepted["accepted_quantity"] = milli_text(quantity) if quantity != claimed else None
        state.put(contribution_status, accepted)
        if accepted["task"] is not None:
            close_task(state, accepted, day)


def _reopen_task(state: State, status: Row) -> None:
    """A task the work closed opens again when a verdict takes the acceptance back."""
    if status["task"] is None:
        return
    task = state.get(tasks, (status["commons_id"], status["task"]))
    if task is not None and task["closed_by"] == status["contribution_id"]:
        state.put(tasks, {**task, "status": "open", "closed_at": None, "closed_by": None})


def settle_offsets(state: State, commons_id: str, day: str) -> None:
    """The points phase of settling ``day``, after the standing area's: the credits of work a
    verdict of the day took back, offset from its authors' figures of this day — value points
    and the standing it added (decayed since, never more than they hold) — and listed in their
    history row of the day as negative credits. The day it was accepted stays as it was."""
    due = [
        item
        for item in state.scan(verdicts_due, (commons_id, day))
        if item["revoke_on"] and item["revoke_on"] != day
    ]
    if not due:
        return
    for item in due:
        seq, earlier = int(item["subject_seq"]), str(item["revoke_on"])
        status = state.get(contribution_status, (commons_id, seq))
        if status is None:
            continue
        for member, _ in authors(status):
            given = state.get(standing_history, (commons_id, member, earlier))
            credits = orjson.loads(given["credits"]) if given and given["credits"] else []
            for credited_seq, points, gained in credits:
                if credited_seq == seq and points >= 0:
                    _offset(state, commons_id, member, day, (seq, points, gained), earlier)
                    break


def _offset(
    state: State,
    commons_id: str,
    member: str,
    day: str,
    credit: tuple[int, int, int],
    earlier: str,
) -> None:
    seq, points, gained = credit
    policies = policies_in_force(state, commons_id)
    row = state.get(member_standing, (commons_id, member))
    if row is None or policies is None:
        return
    half_life = policies.standing.half_life_days
    current = dict(row)
    current["amount_milli"] = decayed(
        int(current["amount_milli"]), days_between(current["day"], day), half_life
    )
    current["day"] = day
    if current["month"] != day[:7]:
        current.update(month=day[:7], month_points_milli=0)
    removed = min(
        int(current["amount_milli"]), decayed(gained, days_between(earlier, day), half_life)
    )
    current["amount_milli"] -= removed
    current["value_points_milli"] = int(current["value_points_milli"]) - points
    if earlier[:7] == day[:7]:
        current["month_points_milli"] = max(0, int(current["month_points_milli"]) - points)
    state.put(member_standing, current)
    today = state.get(standing_history, (commons_id, member, day))
    listed = orjson.loads(today["credits"]) if today and today["credits"] else []
    listed.append([seq, -points, -removed])
    state.put(
        standing_history,
        {
            "commons_id": commons_id,
            "member": member,
            "day": day,
            "amount_milli": current["amount_milli"],
            "value_points_milli": current["value_points_milli"],
            "credits": orjson.dumps(listed).decode(),
        },
    )


def reads(commons_id: str, author: str, body: Any) -> list[tuple[Any, Key]]:
    return [
        (cases, (commons_id, body.case)),
        (members, (commons_id, author)),
        (case_rulings, (commons_id, body.case, author)),
    ]


def is_clock_item(state: State, commons_id: str, item_id: str) -> bool:
    """Whether an item on the governance clock is a case's (else a proposal's)."""
    return state.get(cases, (commons_id, item_id)) is not None


ACTIONS = (
    ActionSpec(
        type=RULE,
        summary="As a member of a case's panel, rule on it with your reasons (accept, reject, "
        "adjust)",
        body=RuleBody,
        check=check_rule,
        apply=apply_rule,
        reads=reads,
    ),
)
