"""The authorisation matrix (issue 9, item 9), over real HTTP.

Every mutating route of the node, the API's and the pages' alike, is asked by each kind of
caller: ``anonymous``; ``outsider``, a signed-in person who is not a member; ``member``, who
recorded the stage's contribution, posted its tasks and holds its claim; ``other``, another
member, wherever a route acts on something somebody authored; and ``leaver``, member after
leaving the commons: a signed-in non-member who still holds what they made there. The routes
are enumerated from ``create_app(node).routes``: a mutating route that has no rows here fails
``test_every_mutating_route_is_in_the_matrix`` until someone writes down who may use it.

How a caller is known: API routes by ``Authorization: Bearer TOKEN`` (from a session), and also
by the session cookie, which is taken only from this node's own pages; so each route is replayed
with the cookie of the caller it allows, from this node (allowed) and cross-site: a foreign
``Origin``, ``Sec-Fetch-Site: cross-site``, no word from the browser at all, or
``Content-Type: text/plain`` (refused). Page forms carry the session cookie and the session's
CSRF token, read from a page; cross-site they come with no token, with another session's token,
or as a ``text/plain`` form (refused). Client-signed actions (``POST /api/v1/commons``,
``POST …/actions``) carry no session: their caller is the key that signs them.

Each case asserts the status and the journals. Refused: no journal on the node changes (the
stage's head as ``journal_head`` reads it over HTTP, and every head in the node's database).
Allowed: the stage's journal advances by exactly the expected entries, each read back with its
type and author; a founding makes exactly one new journal. Accounts, sessions, e-mail claims and
invitation codes are node-local and write to no journal at all.

Reads are public. The shared resources' reads (the inventory, a resource, its calendar, a
booking, a person's bookings, and the iCalendar feeds) are asked by each kind of reader —
anonymous, by token, and a member's browser cross-site — and answer each the same bytes, writing
nothing; ``test_every_read_of_the_resources_is_in_the_matrix`` fails for a read route of
web/api_resources.py with no row here.

Each case acts on a fresh stage, a commons founded and peopled directly through the node
(``append_actions``), so order never matters. One node and one server serve the module. The node
is opened with ``COMMONWORK_RATE_LIMITS=off`` (docs/settings.md, "Request limits"): the module
signs up, signs in, exports keys and re-verifies journals from one client address more often
than the default limits allow.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from icalendar import Calendar

from commonwork.commons.charter_policies import complete_charter
from commonwork.journal.actions import format_time, parse_time
from commonwork.journal.keys import Keypair, b64url
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from commonwork.node.settings import Settings
from commonwork.node.tables import heads
from commonwork.services import accounts, emails, invitations
from commonwork.services.catalog import (
    ACTION_SPECS,
    CLAIM,
    CORRECT,
    FOUND,
    INVITE,
    JOIN,
    LEAVE,
    POST,
    RECORD,
    UNCLAIM,
    VALIDATE,
    WITHDRAW,
)
from commonwork.web import api_resources
from commonwork.web.app import create_app
from commonwork.web.auth import SESSION_COOKIE
from tests.functional.server import HTML, journal_head, serve_app
from tests.support.builders import CHARTER, found, signed

PASSWORD = "a long passphrase"
EVIL = "http://evil.example"
CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')
TASK_WITHDRAW = "production.task.withdraw"
PROPOSE = "governance.proposal.make"
AMEND = "governance.proposal.amend"
PROPOSAL_WITHDRAW = "governance.proposal.withdraw"
ESCALATE = "governance.proposal.escalate"
CLOSE = "governance.proposal.close"
STANCE = "governance.stance.take"
SECOND = "governance.proposal.second"
MODERATE = "governance.text.moderate"
CASE_RULE = "governance.case.rule"
FORK = "commons.commons.fork"
HANDOVER = "governance.host.handover"
ORG_DECLARE = "economy.org.declare"
ORG_REPRESENT = "economy.org.represent"
USE_DECLARE = "economy.use.declare"
INCOME = "economy.income.record"
PAYMENT = "economy.payment.record"
TXN_ANSWER = "economy.txn.answer"
TXN_REVERSE = "economy.txn.reverse"
BOUNTY_OFFER = "economy.bounty.offer"
AGREEMENT_SIGN = "economy.agreement.sign"
AGREEMENT_REPORT = "economy.agreement.report"
AGREEMENT_END = "economy.agreement.end"
CREDIT = "economy.credit."
#: Nothing to act on (no organisation declared, no such agreement): not found, for everyone.
NOT_FOUND = {"outsider": 404, "member": 404, "other": 404, "leaver": 404}
#: Nobody but the founder (the treasurer by default) records money: every caller is refused.
NO_CALLER = {"outsider": 403, "member": 403, "other": 403, "leaver": 403}
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Unique e-mail addresses for the accounts and claims the cases make.
_serial = itertools.count()


def fresh_email(who: str) -> str:
    return f"{who}-{next(_serial)}@example.org"


# --- the node, its people and a stage per case -------------------------------------------------


@dataclass(frozen=True)
class Person:
    account: accounts.Account
    keypair: Keypair  # the account's custodial key: what the node signs with for it
    token: str  # a session of its own, opened for the module


@dataclass
class World:
    node: Node
    site: str
    http: httpx.Client
    founder: Keypair
    people: dict[str, Person]
    tokens_csrf: dict[str, str] = field(default_factory=dict)

    def did(self, role: str) -> str:
        return self.people[role].account.did

    def session(self, role: str) -> str:
        """A new session of ``role``'s account (for a case that signs out)."""
        return accounts.open_session(self.node, self.people[role].account)

    def csrf(self, token: str) -> str:
        """The form token of a session, as a page shows it to the session's browser."""
        if token not in self.tokens_csrf:
            page = self.http.get("/", headers={**HTML, "cookie": f"{SESSION_COOKIE}={token}"})
            self.http.cookies.clear()
            match = CSRF.search(page.text)
            assert match is not None, page.text[:300]
            self.tokens_csrf[token] = match.group(1)
        return self.tokens_csrf[token]

    def heads(self) -> dict[str, int]:
        """Every journal on the node: commons id -> head seq."""
        with self.node.reading() as conn:
            rows = conn.execute(sa.select(heads.c.commons_id, heads.c.seq))
            return {row.commons_id: row.seq for row in rows}

    def entry(self, commons: str, seq: int) -> dict[str, Any]:
        """The action of one journal entry, as the API serves it."""
        answer = self.http.get(f"/api/v1/commons/{commons}/entries/{seq}")
        assert answer.status_code == 200, answer.text
        action: dict[str, Any] = answer.json()["entry"]["action"]
        return action


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("authorization") / "node"
    env = {"COMMONWORK_DATA_DIR": str(data), "COMMONWORK_RATE_LIMITS": "off"}
    node = Node.open(Settings.from_env(env))
    try:
        people = {}
        for role, name in (("outsider", "Otto"), ("member", "Mia"), ("other", "Ole")):
            account = accounts.sign_up(
                node, email=f"{role}@example.org", password=PASSWORD, display_name=name
            )
            keypair = accounts.custodial_keypair(node, account)
            people[role] = Person(account, keypair, accounts.open_session(node, account))
        with (
            serve_app(create_app(node)) as site,
            httpx.Client(base_url=site, timeout=30) as http,
        ):
            yield World(node, site, http, Keypair.generate(), people)
    finally:
        node.close()


@dataclass(frozen=True)
class Stage:
    """A commons of its own for one case, and the things in it that routes act on."""

    commons: str
    contribution: str = ""  # recorded by member, pending
    task_open: str = ""  # posted by member, claimed by nobody
    task_claimed: str = ""  # posted by member, claimed by member
    code: str = ""  # an open invitation code made by member (invitation-only commons)
    proposal_discussing: str = ""  # member's, still in discussion
    proposal_voting: str = ""  # member's majority vote, open
    proposal_blocked: str = ""  # member's consent proposal that other's objection blocked
    proposal_due: str = ""  # member's majority vote that closed (failed: no votes)
    proposal_recall: str = ""  # member's motion to recall the founder's role, in discussion
    case: str = ""  # an arbitration case whose panel is founder, member and a third member
    host: str = ""  # the node's host key (a fork names it)
    member: str = ""  # member's did (an organisation's key, in the economy's rules)
    resource: str = ""  # member's drill (no fee, no deposit)
    booking: str = ""  # other's booking of the drill, starting in half an hour
    block: str = ""  # member's maintenance block of the drill, in three days
    wait: str = ""  # member waiting for the time of other's booking
    offer: str = ""  # a slot of the drill the waiting list offered to member
    out: str = ""  # other's booking of member's saw, checked out
    returned: str = ""  # other's booking of member's ladder, checked out and back in
    taken: tuple[str, str] = ("", "")  # the time other's booking of the drill holds
    free: tuple[str, str] = ("", "")  # a time nothing holds on the drill


def open_stage(world: World) -> Stage:
    """An open commons: founded (small-group preset), member and other joined, member's
    contribution, two tasks member posted, one of them claimed by member."""
    node, founder = world.node, world.founder
    commons = found(node, founder, complete_charter(CHARTER, founder.did))
    mia, ole = world.people["member"].keypair, world.people["other"].keypair
    record = {"kind": "work", "quantity": "2", "description": "sorted the seed bank"}
    made = append_actions(
        node,
        commons,
        [
            signed(mia, JOIN, {"name": "Mia"}, commons),
            signed(ole, JOIN, {"name": "Ole"}, commons),
            signed(mia, RECORD, record, commons),
            signed(mia, POST, {"title": "Mend the press", "description": "It slips"}, commons),
            signed(mia, POST, {"title": "Label the jars", "description": "All of them"}, commons),
        ],
    )
    claimed = made[4].entry.id
    append_actions(node, commons, [signed(mia, CLAIM, {"task": claimed}, commons)])
    host = node.host_key.did
    return Stage(commons, made[2].entry.id, made[3].entry.id, claimed, host=host, member=mia.did)


def invitation_stage(world: World) -> Stage:
    """An invitation-only commons with member and other invited and joined, and an open
    invitation code that member made."""
    node, founder = world.node, world.founder
    charter = complete_charter({**CHARTER, "join_policy": "invitation"}, founder.did)
    commons = found(node, founder, charter)
    batch = []
    for role, name in (("member", "Mia"), ("other", "Ole")):
        person = world.people[role].keypair
        batch += [
            signed(founder, INVITE, {"invitee": person.did}, commons),
            signed(person, JOIN, {"name": name}, commons),
        ]
    append_actions(node, commons, batch)
    mia = world.people["member"].keypair
    code = invitations.create_invitation(node, inviter=mia, commons_id=commons).code
    return Stage(commons, code=code)


def coauthored_stage(world: World) -> Stage:
    """The open stage, whose contribution member recorded with other as co-author."""
    stage = open_stage(world)
    mia, ole = world.people["member"].keypair, world.did("other")
    body = {**RECORD_BODY, "co_authors": [{"member": ole, "share": "0.5"}]}
    [made] = append_actions(world.node, stage.commons, [signed(mia, RECORD, body, stage.commons)])
    return replace(stage, contribution=made.entry.id)


def governance_stage(world: World) -> Stage:
    """A commons with four proposals by member: two made 20 days ago — a consent proposal
    (one round allowed) that other's objection blocked, and a majority vote nobody voted in,
    both closed by the fold at the first entry of today — and two made now, one still in
    discussion and one whose voting is open."""
    node, founder = world.node, world.founder
    mia, ole = world.people["member"].keypair, world.people["other"].keypair
    real = node.clock
    past = format_time(parse_time(real()) - timedelta(days=20))
    node.clock = lambda: past
    try:
        governance = {"open_proposals_per_member": 10, "discussion_hours": 0}
        charter = {**CHARTER, "governance": governance}
        body = {"charter": complete_charter(charter, founder.did), "founder_name": "Founder"}
        body["host"] = node.host_key.did
        [genesis] = append_actions(node, None, [signed(founder, FOUND, body, at=past)])
        commons = genesis.commons_id
        vote = {"title": "Buy a press", "text": "A second one.", "method": "majority"}
        mia_steward = {"kind": "grant_role", "member": mia.did, "role": "steward"}
        steward = {"title": "Mia", "text": "Steward.", "effect": mia_steward, "discussion_hours": 0}
        consent = {**vote, "method": "consent", "params": {"rounds": 1}}
        made = append_actions(
            node,
            commons,
            [
                signed(mia, JOIN, {"name": "Mia"}, commons, at=past),
                signed(ole, JOIN, {"name": "Ole"}, commons, at=past),
                signed(mia, PROPOSE, {**consent, "discussion_hours": 24}, commons, at=past),
                signed(mia, PROPOSE, {**vote, "discussion_hours": 24}, commons, at=past),
                signed(mia, PROPOSE, steward, commons, at=past),
            ],
        )
        for person in (mia, ole):  # member becomes a steward (closed at today's first entry)
            ballot = {"proposal": made[4].entry.id, "version": 1, "ballot": "for"}
            append_actions(node, commons, [signed(person, STANCE, ballot, commons, at=past)])
        blocked, due = made[2].entry.id, made[3].entry.id
        no_confidence = {"kind": "recall_role", "member": founder.did, "role": "founder"}
        recall = {
            **vote,
            "params": {"quorum": "1/3", "threshold": "1/2"},
            "effect": no_confidence,
        }
        objection = {"proposal": blocked, "version": 1, "ballot": {"position": "object"}}
        node.clock = lambda: format_time(parse_time(past) + timedelta(days=2))
        late = node.clock()
        objected = signed(ole, STANCE, {**objection, "reason": "Too dear."}, commons, at=late)
        append_actions(node, commons, [objected])
    finally:
        node.clock = real
    made = append_actions(
        node,
        commons,
        [
            signed(mia, PROPOSE, {**vote, "discussion_hours": 24}, commons),
            signed(mia, PROPOSE, {**vote, "discussion_hours": 0}, commons),
            signed(mia, PROPOSE, {**recall, "discussion_hours": 24}, commons),
        ],
    )
    return Stage(
        commons,
        proposal_discussing=made[0].entry.id,
        proposal_voting=made[1].entry.id,
        proposal_blocked=blocked,
        proposal_due=due,
        proposal_recall=made[2].entry.id,
    )


def case_stage(world: World, *, decided: bool = False) -> Stage:
    """A commons whose policies seed founder, member, other and Yan with standing (each may
    arbitrate); Nia, a newcomer, records work and other disputes it: a case opens whose panel
    is founder, member and Yan (everyone who may sit: not Nia, the author, nor other, who
    disputed it). ``decided``: founder and Yan rule to accept it, a majority."""
    node, founder = world.node, world.founder
    mia, ole = world.people["member"].keypair, world.people["other"].keypair
    yan, nia = Keypair.generate(), Keypair.generate()
    charter = complete_charter(CHARTER, founder.did)
    seeds = [{"member": who.did, "standing": 60} for who in (founder, mia, ole, yan)]
    charter["standing_policy"] = {**charter["standing_policy"], "founders": seeds}
    commons = found(node, founder, charter)
    work = {"kind": "work", "quantity": "3", "description": "mended the seed press"}
    made = append_actions(
        node,
        commons,
        [
            signed(mia, JOIN, {"name": "Mia"}, commons),
            signed(ole, JOIN, {"name": "Ole"}, commons),
            signed(yan, JOIN, {"name": "Yan"}, commons),
            signed(nia, JOIN, {"name": "Nia"}, commons),
            signed(nia, RECORD, work, commons),
        ],
    )
    dispute = {"contribution": made[4].entry.id, "verdict": "dispute", "reason": "not mended"}
    [opened] = append_actions(node, commons, [signed(ole, VALIDATE, dispute, commons)])
    case = opened.entry.id
    if decided:
        ruling = {"case": case, "verdict": "accept", "reason": "it works again"}
        rulings = [signed(who, CASE_RULE, ruling, commons) for who in (founder, yan)]
        append_actions(node, commons, rulings)
    return Stage(commons, contribution=made[4].entry.id, case=case)


def decided_case_stage(world: World) -> Stage:
    return case_stage(world, decided=True)


REGISTER = "resources.resource.register"
BOOK = "resources.booking.make"
RESOURCES = "resources."


def when(minutes: int) -> str:
    """Minutes since the epoch as a body's time: ``2026-12-05T09:30Z``."""
    return datetime.fromtimestamp(minutes * 60, UTC).strftime("%Y-%m-%dT%H:%MZ")


def resources_stage(world: World) -> Stage:
    """The open stage, where member lent a drill, a saw and a ladder (no fee, no deposit):
    other booked the drill from half an hour from now, and a day later (cancelled, so the
    waiting list offered that slot to member, who waited for it); member waits for the time of
    other's first booking and blocked the drill in three days; other has the saw out and
    brought the ladder back."""
    stage = open_stage(world)
    node, commons = world.node, stage.commons
    mia, ole = world.people["member"].keypair, world.people["other"].keypair
    now = int(parse_time(node.clock()).timestamp()) // 60 + 1
    soon, day = (when(now + 30), when(now + 180)), 1440

    def one(who: Keypair, type_: str, body: dict[str, Any]) -> str:
        [made] = append_actions(node, commons, [signed(who, type_, body, commons)])
        return str(made.entry.id)

    drill, saw, ladder = (
        one(mia, REGISTER, {"name": name, "kind": "tool"}) for name in ("Drill", "Saw", "Ladder")
    )
    booking = one(ole, BOOK, {"resource": drill, "start": soon[0], "end": soon[1]})
    later = {"resource": drill, "start": when(now + day), "end": when(now + day + 120)}
    cancelled = one(ole, BOOK, later)
    offer = one(mia, "resources.wait.join", later)
    one(ole, "resources.booking.cancel", {"booking": cancelled})
    wait = one(mia, "resources.wait.join", {"resource": drill, "start": soon[0], "end": soon[1]})
    block = one(
        mia,
        "resources.block.make",
        {
            "resource": drill,
            "start": when(now + 3 * day),
            "end": when(now + 3 * day + 60),
            "reason": "new brushes",
        },
    )
    out = one(ole, BOOK, {"resource": saw, "start": soon[0], "end": soon[1]})
    one(ole, "resources.custody.out", {"booking": out})
    returned = one(ole, BOOK, {"resource": ladder, "start": soon[0], "end": soon[1]})
    one(ole, "resources.custody.out", {"booking": returned})
    one(mia, "resources.custody.in", {"booking": returned, "condition": "fine"})
    free = (when(now + 5 * day), when(now + 5 * day + 120))
    return replace(
        stage,
        resource=drill,
        booking=booking,
        block=block,
        wait=wait,
        offer=offer,
        out=out,
        returned=returned,
        taken=soon,
        free=free,
    )


def after_leaving(build: Callable[[World], Stage]) -> Callable[[World], Stage]:
    """A stage, and then member leaves it (keeping the contribution, tasks, claim and
    invitation code they made)."""

    def stage(world: World) -> Stage:
        built = build(world)
        mia = world.people["member"].keypair
        append_actions(world.node, built.commons, [signed(mia, LEAVE, {}, built.commons)])
        return built

    return stage


STAGES: dict[str, Callable[[World], Stage]] = {
    "open": open_stage,
    "invitation": invitation_stage,
    "coauthored": coauthored_stage,
    "governance": governance_stage,
    "governance, member left": after_leaving(governance_stage),
    "open, member left": after_leaving(open_stage),
    "invitation, member left": after_leaving(invitation_stage),
    "case": case_stage,
    "case, member left": after_leaving(case_stage),
    "case decided": decided_case_stage,
    "case decided, member left": after_leaving(decided_case_stage),
    "resources": resources_stage,
    "resources, member left": after_leaving(resources_stage),
}
#: Whose account and key each caller is: the leaver is member, on a stage member has left.
ACCOUNT_OF = {"leaver": "member"}


def stage_for(caller: str, stage: str) -> str:
    return f"{stage}, member left" if caller == "leaver" else stage


# --- what each caller may do, by action type ----------------------------------------------------


@dataclass(frozen=True)
class Write:
    """A journal entry a request is expected to append."""

    type: str
    author: str  # the role whose key signs it
    new: bool = False  # the genesis of a commons the request founds (else: in the stage's)


#: What a caller's request comes to: refused with this status, or allowed, appending these
#: entries (``NOTHING`` for an allowed request that writes to no journal).
Outcome = int | tuple[Write, ...]
NOTHING: tuple[Write, ...] = ()


def wrote(type_: str, author: str) -> tuple[Write, ...]:
    return (Write(type_, author),)


def founded(author: str) -> tuple[Write, ...]:
    return (Write(FOUND, author, new=True),)


def forked(author: str) -> tuple[Write, ...]:
    """A new journal: the stage's entries up to its genesis, then the fork's entry."""
    return (Write(FORK, author, new=True),)


def fork_body(s: Stage) -> dict[str, Any]:
    """A fork of the stage's commons at its genesis (whose hash is the commons' id)."""
    return {
        "parent": s.commons,
        "at_seq": 0,
        "at_hash": s.commons,
        "reason": "our own rules",
        "host": s.host,
        "founder_name": "Forker",
    }


@dataclass(frozen=True)
class Rule:
    """One action type: the body a request sends on a stage, and what each signed-in caller's
    request comes to (the same on every door: the API's routes, the pages, signed actions)."""

    body: Callable[[Stage], dict[str, Any]]
    outcomes: dict[str, Outcome]
    stage: str = "open"


RECORD_BODY = {"kind": "work", "quantity": "1.5", "description": "cleaned the seed trays"}
#: Bank details a person keeps on the node (never in a journal).
IBAN = "IBAN DE89 3704 0044 0532 0130 00, Mia Example"
TASK_BODY = {"title": "Sort the beans", "description": "By variety"}

RULES: dict[str, Rule] = {
    FOUND: Rule(
        lambda s: {"charter": CHARTER, "founder_name": "Founder"},
        {"outsider": founded("outsider"), "member": founded("member")},
    ),
    FORK: Rule(  # anyone forks, without asking; a fork's entry makes a new journal
        fork_body,
        {
            "outsider": forked("outsider"),
            "member": forked("member"),
            "other": forked("other"),
            "leaver": forked("member"),
        },
    ),
    HANDOVER: Rule(  # only the new host a passed decision named, signing with its host key:
        # no account is a host, and this proposal moves nothing
        lambda s: {"proposal": s.proposal_due, "host": Keypair.generate().did},
        {"outsider": 403, "member": 403, "other": 403, "leaver": 403},
        stage="governance",
    ),
    JOIN: Rule(
        lambda s: {"name": "Newcomer"},
        {"outsider": wrote(JOIN, "outsider"), "member": 409, "leaver": wrote(JOIN, "member")},
    ),
    LEAVE: Rule(lambda s: {}, {"outsider": 403, "member": wrote(LEAVE, "member"), "leaver": 403}),
    INVITE: Rule(
        lambda s: {"invitee": Keypair.generate().did},
        {"outsider": 403, "member": wrote(INVITE, "member"), "leaver": 403},
        stage="invitation",
    ),
    RECORD: Rule(
        lambda s: RECORD_BODY, {"outsider": 403, "member": wrote(RECORD, "member"), "leaver": 403}
    ),
    CORRECT: Rule(
        lambda s: {"contribution": s.contribution, "reason": "miscounted", "quantity": "3"},
        {"outsider": 403, "member": wrote(CORRECT, "member"), "other": 403, "leaver": 403},
    ),
    WITHDRAW: Rule(
        lambda s: {"contribution": s.contribution, "reason": "recorded twice"},
        {"outsider": 403, "member": wrote(WITHDRAW, "member"), "other": 403, "leaver": 403},
    ),
    VALIDATE: Rule(  # nobody validates their own work
        lambda s: {"contribution": s.contribution, "verdict": "approve"},
        {"outsider": 403, "member": 403, "other": wrote(VALIDATE, "other"), "leaver": 403},
    ),
    POST: Rule(
        lambda s: TASK_BODY, {"outsider": 403, "member": wrote(POST, "member"), "leaver": 403}
    ),
    CLAIM: Rule(  # anyone in the commons claims a task for themselves, its poster too
        lambda s: {"task": s.task_open},
        {
            "outsider": 403,
            "member": wrote(CLAIM, "member"),
            "other": wrote(CLAIM, "other"),
            "leaver": 403,
        },
    ),
    UNCLAIM: Rule(  # only one's own claim (member holds it); a member who left may still
        # withdraw the claim they made (by design, docs/contributions.md: it frees the task for
        # others and gains them nothing; leaving does not release a claim by itself)
        lambda s: {"task": s.task_claimed},
        {
            "outsider": 404,
            "member": wrote(UNCLAIM, "member"),
            "other": 404,
            "leaver": wrote(UNCLAIM, "member"),
        },
    ),
    TASK_WITHDRAW: Rule(  # only the task's poster (member)
        lambda s: {"task": s.task_open, "reason": "not needed after all"},
        {"outsider": 403, "member": wrote(TASK_WITHDRAW, "member"), "other": 403, "leaver": 403},
    ),
    PROPOSE: Rule(
        lambda s: {"title": "Open on Sundays", "text": "From May.", "method": "majority"},
        {"outsider": 403, "member": wrote(PROPOSE, "member"), "leaver": 403},
        stage="governance",
    ),
    AMEND: Rule(  # only its proposer, a member, while it is discussed
        lambda s: {"proposal": s.proposal_discussing, "text": "A used one."},
        {"outsider": 403, "member": wrote(AMEND, "member"), "other": 403, "leaver": 403},
        stage="governance",
    ),
    PROPOSAL_WITHDRAW: Rule(  # only its proposer; one who left may still (docs/governance.md)
        lambda s: {"proposal": s.proposal_voting},
        {
            "outsider": 403,
            "member": wrote(PROPOSAL_WITHDRAW, "member"),
            "other": 403,
            "leaver": wrote(PROPOSAL_WITHDRAW, "member"),
        },
        stage="governance",
    ),
    ESCALATE: Rule(  # only its proposer, a member, once consent is blocked
        lambda s: {"proposal": s.proposal_blocked},
        {"outsider": 403, "member": wrote(ESCALATE, "member"), "other": 403, "leaver": 403},
        stage="governance",
    ),
    CLOSE: Rule(  # any member, once it is due
        lambda s: {"proposal": s.proposal_due},
        {
            "outsider": 403,
            "member": wrote(CLOSE, "member"),
            "other": wrote(CLOSE, "other"),
            "leaver": 403,
        },
        stage="governance",
    ),
    MODERATE: Rule(  # only a steward (member, by a decision of the stage)
        lambda s: {"effect": {"kind": "hide", "entry": s.proposal_due, "reason": "rude"}},
        {"outsider": 403, "member": wrote(MODERATE, "member"), "other": 403, "leaver": 403},
        stage="governance",
    ),
    SECOND: Rule(  # another member than the motion's proposer, before voting opens
        lambda s: {"proposal": s.proposal_recall},
        {"outsider": 403, "member": 403, "other": wrote(SECOND, "other"), "leaver": 403},
        stage="governance",
    ),
    CASE_RULE: Rule(  # only a member of the case's panel (member's; not other, who disputed)
        lambda s: {"case": s.case, "verdict": "accept", "reason": "it works again"},
        {"outsider": 403, "member": wrote(CASE_RULE, "member"), "other": 403, "leaver": 403},
        stage="case",
    ),
    ORG_DECLARE: Rule(  # an organisation declares itself with its own key (member's here);
        # it need not be a member of the commons (nor its key's holder still one)
        lambda s: {
            "org": s.member,
            "name": "Mia's Seeds Ltd",
            "form": "company",
            "representatives": [Keypair.generate().did],
        },
        {
            "outsider": 403,
            "member": wrote(ORG_DECLARE, "member"),
            "other": 403,
            "leaver": wrote(ORG_DECLARE, "member"),
        },
    ),
    "economy.org.contest": Rule(  # a member contests; no organisation declared itself here
        lambda s: {"org": s.member, "reason": "not worker-owned"},
        {"outsider": 403, "member": 404, "other": 404, "leaver": 403},
    ),
    # No organisation declared itself on the open stage: nobody acts for one there.
    ORG_REPRESENT: Rule(
        lambda s: {"org": s.member, "add": [Keypair.generate().did]},
        {"outsider": 404, "member": 404, "other": 404, "leaver": 404},
    ),
    USE_DECLARE: Rule(
        lambda s: {"org": s.member, "terms": ["CC-BY-SA-4.0"]},
        {"outsider": 404, "member": 404, "other": 404, "leaver": 404},
    ),
    # Property: any member creates an artifact; on the open stage there is none to act on, so
    # what names one is not found (after the membership a rule checks first).
    "property.artifact.create": Rule(
        lambda s: {
            "title": "Seed press",
            "kind": "design",
            "licence": "CC-BY-SA-4.0",
            "version": {"sha256": "ab" * 32},
        },
        {
            "outsider": 403,
            "member": wrote("property.artifact.create", "member"),
            "other": wrote("property.artifact.create", "other"),
            "leaver": 403,
        },
    ),
    "property.artifact.version": Rule(
        lambda s: {
            "artifact": s.contribution,
            "licence": "CC-BY-SA-4.0",
            "version": {"sha256": "cd" * 32},
        },
        NOT_FOUND,
    ),
    "property.artifact.link": Rule(
        lambda s: {"artifact": s.contribution, "contributions": [s.contribution]},
        {"outsider": 403, "member": 404, "other": 404, "leaver": 403},
    ),
    "property.licence.change": Rule(
        lambda s: {"artifact": s.contribution, "licence": "CC-BY-SA-4.0"}, NOT_FOUND
    ),
    "property.licence.answer": Rule(
        lambda s: {"change": s.contribution, "answer": "consent"}, NOT_FOUND
    ),
    "property.derivation.record": Rule(
        lambda s: {
            "derived": s.contribution,
            "kind": "use",
            "source": {"artifact": s.contribution},
        },
        {"outsider": 403, "member": 404, "other": 404, "leaver": 403},
    ),
    INCOME: Rule(
        lambda s: {
            "key": "gift-1",
            "source": "donation",
            "amount_minor": 500,
            "currency": "EUR",
            "reference": "bank-1",
        },
        NO_CALLER,
    ),
    PAYMENT: Rule(
        lambda s: {
            "key": "pay-1",
            "payee": s.member or Keypair.generate().did,
            "amount_minor": 500,
            "currency": "EUR",
            "reference": "bank-2",
        },
        NO_CALLER,
    ),
    TXN_ANSWER: Rule(  # no transaction on the open stage
        lambda s: {"txn": "0" * 64, "answer": "confirmed"},
        {"outsider": 404, "member": 404, "other": 404, "leaver": 404},
    ),
    TXN_REVERSE: Rule(
        lambda s: {"key": "rev-1", "txn": "0" * 64, "reason": "a mistake"}, NO_CALLER
    ),
    BOUNTY_OFFER: Rule(
        lambda s: {
            "key": "b-1",
            "task": s.task_open,
            "amount_minor": 100,
            "currency": "EUR",
            "expires_on": "2099-01-01",
        },
        NO_CALLER,
    ),
    AGREEMENT_SIGN: Rule(  # only for an organisation that declared itself: none did here
        lambda s: {
            "org": s.member,
            "basis": "fixed",
            "amount_minor": 100,
            "currency": "EUR",
            "period": "month",
            "starts": "2031-01",
        },
        NOT_FOUND,
    ),
    AGREEMENT_REPORT: Rule(lambda s: {"agreement": "0" * 64, "period": "2031-01"}, NOT_FOUND),
    AGREEMENT_END: Rule(lambda s: {"agreement": "0" * 64, "last": "2031-01"}, NOT_FOUND),
    # No circle on the open stage: HOURS has no credit policy, no bill exists.
    CREDIT + "join": Rule(
        lambda s: {"currency": "HOURS"},
        {"outsider": 403, "member": 404, "other": 404, "leaver": 403},
    ),
    CREDIT + "leave": Rule(lambda s: {"currency": "HOURS"}, {**NOT_FOUND, **NO_CALLER}),
    CREDIT + "pay": Rule(
        lambda s: {"key": "c-1", "to": s.member, "amount_minor": 5, "currency": "HOURS"},
        NOT_FOUND,
    ),
    CREDIT + "bill": Rule(
        lambda s: {"payer": s.member, "amount_minor": 5, "currency": "HOURS"}, NOT_FOUND
    ),
    CREDIT + "answer": Rule(lambda s: {"bill": "0" * 64, "answer": "accept"}, NOT_FOUND),
    CREDIT + "offset": Rule(
        lambda s: {"key": "o-1", "member": s.member, "currency": "HOURS", "reference": "dep"},
        NO_CALLER,
    ),
    # Shared resources, on a stage where member lent a drill, a saw and a ladder (member is
    # their owner and custodian: their keeper) and other booked them. A keeper who left the
    # commons keeps nothing of it (no updates, blocks, cancels, check-outs or check-ins); only
    # members register, book, wait and take an offer; nobody waits twice for one time (member
    # waits already) or for a time they hold (other's booking).
    REGISTER: Rule(
        lambda s: {"name": "Ladder", "kind": "tool"},
        {
            "outsider": 403,
            "member": wrote(REGISTER, "member"),
            "other": wrote(REGISTER, "other"),
            "leaver": 403,
        },
        stage="resources",
    ),
    RESOURCES + "resource.update": Rule(  # its keeper only
        lambda s: {"resource": s.resource, "condition": "oiled"},
        {
            "outsider": 403,
            "member": wrote(RESOURCES + "resource.update", "member"),
            "other": 403,
            "leaver": 403,
        },
        stage="resources",
    ),
    BOOK: Rule(  # any member, its owner too
        lambda s: {"resource": s.resource, "start": s.free[0], "end": s.free[1]},
        {
            "outsider": 403,
            "member": wrote(BOOK, "member"),
            "other": wrote(BOOK, "other"),
            "leaver": 403,
        },
        stage="resources",
    ),
    RESOURCES + "booking.cancel": Rule(  # whoever booked (other), or the keeper
        lambda s: {"booking": s.booking, "reason": "plans changed"},
        {
            "outsider": 403,
            "member": wrote(RESOURCES + "booking.cancel", "member"),
            "other": wrote(RESOURCES + "booking.cancel", "other"),
            "leaver": 403,
        },
        stage="resources",
    ),
    RESOURCES + "block.make": Rule(  # the keeper only
        lambda s: {
            "resource": s.resource,
            "start": s.free[0],
            "end": s.free[1],
            "reason": "oiling",
        },
        {
            "outsider": 403,
            "member": wrote(RESOURCES + "block.make", "member"),
            "other": 403,
            "leaver": 403,
        },
        stage="resources",
    ),
    RESOURCES + "block.lift": Rule(  # the keeper only
        lambda s: {"booking": s.block},
        {
            "outsider": 403,
            "member": wrote(RESOURCES + "block.lift", "member"),
            "other": 403,
            "leaver": 403,
        },
        stage="resources",
    ),
    RESOURCES + "wait.join": Rule(  # any member, for a time that is taken (other's booking)
        lambda s: {"resource": s.resource, "start": s.taken[0], "end": s.taken[1]},
        {
            "outsider": 403,
            "member": 409,
            "other": 422,
            "leaver": 403,
        },
        stage="resources",
    ),
    RESOURCES + "wait.leave": Rule(  # the person waiting only (member), who left or not
        lambda s: {"wait": s.wait},
        {
            "outsider": 403,
            "member": wrote(RESOURCES + "wait.leave", "member"),
            "other": 403,
            "leaver": wrote(RESOURCES + "wait.leave", "member"),
        },
        stage="resources",
    ),
    RESOURCES + "offer.accept": Rule(  # the member it was offered to, still a member
        lambda s: {"offer": s.offer},
        {
            "outsider": 403,
            "member": wrote(RESOURCES + "offer.accept", "member"),
            "other": 403,
            "leaver": 403,
        },
        stage="resources",
    ),
    RESOURCES + "offer.decline": Rule(  # the person it was offered to, who left or not
        lambda s: {"offer": s.offer},
        {
            "outsider": 403,
            "member": wrote(RESOURCES + "offer.decline", "member"),
            "other": 403,
            "leaver": wrote(RESOURCES + "offer.decline", "member"),
        },
        stage="resources",
    ),
    RESOURCES + "custody.out": Rule(  # the borrower (other) or the keeper
        lambda s: {"booking": s.booking, "condition": "as new"},
        {
            "outsider": 403,
            "member": wrote(RESOURCES + "custody.out", "member"),
            "other": wrote(RESOURCES + "custody.out", "other"),
            "leaver": 403,
        },
        stage="resources",
    ),
    RESOURCES + "custody.in": Rule(  # the keeper only: never the borrower (other)
        lambda s: {"booking": s.out, "condition": "fine"},
        {
            "outsider": 403,
            "member": wrote(RESOURCES + "custody.in", "member"),
            "other": 403,
            "leaver": 403,
        },
        stage="resources",
    ),
    RESOURCES + "custody.dispute": Rule(  # the borrower (other) only
        lambda s: {"booking": s.returned, "reason": "it was scratched before"},
        {
            "outsider": 403,
            "member": 403,
            "other": wrote(RESOURCES + "custody.dispute", "other"),
            "leaver": 403,
        },
        stage="resources",
    ),
    STANCE: Rule(  # any member of the electorate
        lambda s: {"proposal": s.proposal_voting, "version": 1, "ballot": "for"},
        {
            "outsider": 403,
            "member": wrote(STANCE, "member"),
            "other": wrote(STANCE, "other"),
            "leaver": 403,
        },
        stage="governance",
    ),
}


def allowed_caller(outcomes: dict[str, Outcome]) -> str:
    """The caller a route's cross-site variants replay: one whose request it allows (member,
    if it allows member's)."""
    allowed = [caller for caller, outcome in outcomes.items() if not isinstance(outcome, int)]
    return "member" if "member" in allowed or not allowed else allowed[0]


# --- cases ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request of a case, made on its stage."""

    path: str
    json: Any = None  # an API request's JSON body (None: no body)
    form: dict[str, str] | None = None  # a page's form fields, the CSRF token aside
    token: str | None = None  # a session of its own (signing out), instead of the caller's


Request = Callable[[World, Stage], Call]

#: How a request carries who asks. API: ``none`` (anonymous), ``bearer``, ``cookie`` (from this
#: node's pages: Origin is this node) and the cross-site cookie variants. Pages: ``form`` (the
#: session's cookie and its token; anonymous: no cookie, no token) and the cross-site forms.
#: Client-signed: ``signed`` (the signature is all there is).
API_CROSS_SITE = ("cookie+foreign-origin", "cookie+cross-site", "cookie+no-origin", "cookie+text")
PAGE_CROSS_SITE = ("form-no-token", "form-foreign-token", "form-text")


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # the route, as the app declares it
    caller: str  # anonymous, outsider, member, other, leaver
    via: str
    request: Request
    status: tuple[int, ...]
    writes: tuple[Write, ...] = NOTHING
    stage: str = "open"
    note: str = ""

    @property
    def id(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{self.method} {self.path} | {self.caller} | {self.via}{note}"


def expect(outcome: Outcome, ok: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[Write, ...]]:
    if isinstance(outcome, int):
        return (outcome,), NOTHING
    return ok, outcome


def api_cases(
    path: str,
    request: Request,
    outcomes: dict[str, Outcome],
    *,
    method: str = "POST",
    ok: tuple[int, ...] = (201,),
    stage: str = "open",
    cross_site: bool = True,
) -> list[Case]:
    """A session route of the API: anonymous (401 unless ``outcomes`` says otherwise), each
    signed-in caller of ``outcomes`` by bearer token; and, with ``cross_site``, the request of
    a caller it allows replayed with the session cookie: from this node's pages (allowed as by
    the token), and cross-site (refused; a text/plain body may be refused as unreadable, 422,
    before the session's check, 403)."""
    cases = []
    for caller, outcome in {"anonymous": 401, **outcomes}.items():
        via = "none" if caller == "anonymous" else "bearer"
        at = stage_for(caller, stage)
        cases.append(Case(method, path, caller, via, request, *expect(outcome, ok), at))
    if cross_site:
        caller = allowed_caller(outcomes)
        at = stage_for(caller, stage)
        cases.append(
            Case(method, path, caller, "cookie", request, *expect(outcomes[caller], ok), at)
        )
        for via in API_CROSS_SITE:
            status = (403, 422) if via == "cookie+text" else (403,)
            cases.append(Case(method, path, caller, via, request, status, NOTHING, at))
    return cases


def page_cases(
    path: str,
    request: Request,
    outcomes: dict[str, Outcome],
    *,
    ok: tuple[int, ...] = (303,),
    stage: str = "open",
    cross_site: Iterable[str] = PAGE_CROSS_SITE,
) -> list[Case]:
    """A page's form: anonymous (401 unless ``outcomes`` says otherwise), each signed-in caller
    of ``outcomes`` with its session's token; and the form of a caller it allows posted
    cross-site (refused, 403)."""
    cases = [
        Case("POST", path, caller, "form", request, *expect(outcome, ok), stage_for(caller, stage))
        for caller, outcome in {"anonymous": 401, **outcomes}.items()
    ]
    caller = allowed_caller(outcomes)
    at = stage_for(caller, stage)
    cases += [Case("POST", path, caller, via, request, (403,), NOTHING, at) for via in cross_site]
    return cases


def fill(template: str, stage: Stage, body: dict[str, Any] | None = None, **more: str) -> str:
    """A route's path on a stage: the contribution or task the action's ``body`` names."""
    body = body or {}
    names = {
        "commons_id": stage.commons,
        "contribution_id": body.get("contribution", stage.contribution),
        "task_id": body.get("task", ""),
        "proposal_id": body.get("proposal", ""),
        "case_id": body.get("case", stage.case),
        "artifact_id": body.get("artifact", body.get("derived", stage.contribution)),
        "code": stage.code,
        "resource_id": body.get("resource", stage.resource),
        "booking_id": body.get("booking", body.get("offer", "")),
        "wait_id": body.get("wait", ""),
        **more,
    }
    return template.format(**names)


# The API's friendly write routes: (path, action type, whether it takes a JSON body). The body
# is the action's, less what the path names.
COMMONS = "/api/v1/commons/{commons_id}"
CONTRIBUTION = COMMONS + "/contributions/{contribution_id}"
FRIENDLY_API = (
    ("/api/v1/me/commons", FOUND, True),
    (COMMONS + "/join", JOIN, True),
    (COMMONS + "/leave", LEAVE, False),
    (COMMONS + "/contributions", RECORD, True),
    (CONTRIBUTION + "/corrections", CORRECT, True),
    (CONTRIBUTION + "/withdrawal", WITHDRAW, True),
    (CONTRIBUTION + "/validations", VALIDATE, True),
    (COMMONS + "/tasks", POST, True),
    (COMMONS + "/tasks/{task_id}/claim", CLAIM, False),
    (COMMONS + "/tasks/{task_id}/unclaim", UNCLAIM, False),
)


def friendly_request(template: str, type_: str, takes_body: bool) -> Request:
    rule = RULES[type_]

    def request(world: World, stage: Stage) -> Call:
        body = rule.body(stage)
        rest = {name: value for name, value in body.items() if name not in ("contribution", "task")}
        return Call(fill(template, stage, body), rest if takes_body else None)

    return request


def act_path(type_: str) -> str:
    return f"/api/v1/act/{type_}" if type_ == FOUND else f"{COMMONS}/act/{type_}"


def act_request(type_: str) -> Request:
    rule = RULES[type_]

    def request(world: World, stage: Stage) -> Call:
        body = rule.body(stage)
        return Call(fill(act_path(type_), stage, body), body)

    return request


def action_api_cases() -> list[Case]:
    cases = []
    for template, type_, takes_body in FRIENDLY_API:
        rule = RULES[type_]
        request = friendly_request(template, type_, takes_body)
        cases += api_cases(template, request, rule.outcomes, stage=rule.stage)
    for type_, rule in RULES.items():
        cases += api_cases(act_path(type_), act_request(type_), rule.outcomes, stage=rule.stage)
    return cases


# The pages that sign an action: (path, action type, the form's fields from the action's body,
# the task the path names, if any).
PAGE = "/commons/{commons_id}"
PAGE_CONTRIBUTION = PAGE + "/contributions/{contribution_id}"
FOUND_FORM = {
    "name": "Tool Library",
    "purpose": "Lend tools",
    "aims": "Mend what breaks",
    "metrics": "loans: Tools lent",
    "licence": "CC-BY-SA-4.0",
    "join_policy": "open",
}


def _record_form(body: dict[str, Any]) -> dict[str, str]:
    return {name: body[name] for name in ("kind", "quantity", "description")}


def _artifact_form(body: dict[str, Any]) -> dict[str, str]:
    fields = {name: body[name] for name in ("title", "kind", "licence")}
    return {**fields, "sha256": body["version"]["sha256"]}


def _interval_form(body: dict[str, Any]) -> dict[str, str]:
    """A booking's time as the resource page's form takes it: local dates and times (UTC)."""
    start, end = body["start"], body["end"]
    return {
        "start_date": start[:10],
        "start_time": start[11:16],
        "end_date": end[:10],
        "end_time": end[11:16],
    }


PAGE_PROPOSAL = PAGE + "/proposals/{proposal_id}"
PAGE_ARTIFACT = PAGE + "/artifacts/{artifact_id}"
PAGE_RESOURCE = PAGE + "/resources/{resource_id}"
PAGE_BOOKING = PAGE + "/bookings/{booking_id}"
PAGE_ACTIONS: tuple[tuple[str, str, Callable[[dict[str, Any]], dict[str, str]], str], ...] = (
    ("/found", FOUND, lambda body: FOUND_FORM, ""),
    (
        PAGE + "/proposals",
        PROPOSE,
        lambda body: {k: body[k] for k in ("title", "text", "method")},
        "",
    ),
    (PAGE_PROPOSAL + "/amend", AMEND, lambda body: {"text": body["text"]}, ""),
    (PAGE_PROPOSAL + "/stance", STANCE, lambda body: {"version": "1", "vote": body["ballot"]}, ""),
    (PAGE_PROPOSAL + "/withdraw", PROPOSAL_WITHDRAW, lambda body: {}, ""),
    (PAGE_PROPOSAL + "/escalate", ESCALATE, lambda body: {}, ""),
    (PAGE_PROPOSAL + "/close", CLOSE, lambda body: {}, ""),
    (PAGE_PROPOSAL + "/second", SECOND, lambda body: {}, ""),
    (PAGE + "/join", JOIN, lambda body: {}, ""),
    (PAGE + "/fork", FORK, lambda body: {"reason": body["reason"], "at_seq": "0"}, ""),
    (PAGE + "/contributions", RECORD, _record_form, ""),
    (PAGE + "/validations", VALIDATE, lambda body: body, ""),
    (PAGE_CONTRIBUTION + "/withdrawal", WITHDRAW, lambda body: {"reason": body["reason"]}, ""),
    (
        PAGE_CONTRIBUTION + "/corrections",
        CORRECT,
        lambda body: {"reason": body["reason"], "quantity": body["quantity"]},
        "",
    ),
    (PAGE + "/tasks", POST, lambda body: body, ""),
    (PAGE + "/tasks/{task_id}/claim", CLAIM, lambda body: {"view": "task"}, ""),
    (PAGE + "/tasks/{task_id}/unclaim", UNCLAIM, lambda body: {"view": "task"}, ""),
    (PAGE + "/tasks/{task_id}/contributions", RECORD, _record_form, "open"),  # work on a task
    (PAGE + "/invitations/key", INVITE, lambda body: body, ""),  # invite a key directly
    (
        PAGE + "/cases/{case_id}/rule",
        CASE_RULE,
        lambda body: {"verdict": body["verdict"], "reason": body["reason"]},
        "",
    ),
    # The artifact pages' forms (the open stage holds no artifact: what names one is not found).
    (PAGE + "/artifacts", "property.artifact.create", _artifact_form, ""),
    (
        PAGE_ARTIFACT + "/versions",
        "property.artifact.version",
        lambda body: {"sha256": body["version"]["sha256"], "licence": body["licence"]},
        "",
    ),
    (
        PAGE_ARTIFACT + "/links",
        "property.artifact.link",
        lambda body: {"contributions": "\n".join(body["contributions"])},
        "",
    ),
    (
        PAGE_ARTIFACT + "/licence-changes",
        "property.licence.change",
        lambda body: {"licence": body["licence"]},
        "",
    ),
    (
        PAGE_ARTIFACT + "/licence-answers",
        "property.licence.answer",
        lambda body: {"change": body["change"], "answer": body["answer"]},
        "",
    ),
    (
        PAGE_ARTIFACT + "/derivations",
        "property.derivation.record",
        lambda body: {"source_artifact": body["source"]["artifact"], "kind": body["kind"]},
        "",
    ),
    # The resources pages' forms (times typed in the resource's zone: the stage's are UTC).
    (PAGE + "/resources", REGISTER, lambda body: {"name": body["name"], "kind": body["kind"]}, ""),
    (PAGE_RESOURCE + "/bookings", BOOK, _interval_form, ""),
    (PAGE_RESOURCE + "/waits", RESOURCES + "wait.join", _interval_form, ""),
    (PAGE + "/waits/{wait_id}/leave", RESOURCES + "wait.leave", lambda body: {}, ""),
    (PAGE_BOOKING + "/accept", RESOURCES + "offer.accept", lambda body: {}, ""),
    (PAGE_BOOKING + "/decline", RESOURCES + "offer.decline", lambda body: {}, ""),
    (
        PAGE_BOOKING + "/check-out",
        RESOURCES + "custody.out",
        lambda body: {"condition": body["condition"]},
        "",
    ),
    (
        PAGE_BOOKING + "/check-in",
        RESOURCES + "custody.in",
        lambda body: {"condition": body["condition"]},
        "",
    ),
    (
        PAGE_BOOKING + "/dispute",
        RESOURCES + "custody.dispute",
        lambda body: {"reason": body["reason"]},
        "",
    ),
    (
        PAGE_BOOKING + "/cancel",
        RESOURCES + "booking.cancel",
        lambda body: {"reason": body["reason"]},
        "",
    ),
    (
        PAGE_RESOURCE + "/changes",
        RESOURCES + "resource.update",
        lambda body: {"condition": body["condition"]},
        "",
    ),
    (
        PAGE_RESOURCE + "/blocks",
        RESOURCES + "block.make",
        lambda body: {**_interval_form(body), "reason": body["reason"]},
        "",
    ),
    (PAGE_BOOKING + "/lift", RESOURCES + "block.lift", lambda body: {}, ""),
)
PAGE_DOOR = PAGE + "/act/{action_type}"


def page_action_request(
    template: str, type_: str, form: Callable[[dict[str, Any]], dict[str, str]], task: str
) -> Request:
    rule = RULES[type_]

    def request(world: World, stage: Stage) -> Call:
        body = rule.body(stage)
        more = {"task_id": stage.task_open} if task == "open" else {}
        return Call(fill(template, stage, body, **more), form=form(body))

    return request


def door_request(type_: str) -> Request:
    """A button of the page door (``ActionSpec.door``): the thing it acts on and a reason."""
    rule, door = RULES[type_], ACTION_SPECS[type_].door
    assert door is not None

    def request(world: World, stage: Stage) -> Call:
        body = rule.body(stage)
        form = {"target": body[door.target], "reason": body.get("reason", "")}
        return Call(fill(PAGE_DOOR, stage, body, action_type=type_), form=form)

    return request


def action_page_cases() -> list[Case]:
    cases = []
    for template, type_, form, task in PAGE_ACTIONS:
        rule = RULES[type_]
        request = page_action_request(template, type_, form, task)
        cases += page_cases(template, request, rule.outcomes, stage=rule.stage)
    for type_, spec in ACTION_SPECS.items():
        if spec.door is not None and type_ in RULES:  # a door with no rule: see the coverage test
            rule = RULES[type_]
            cases += page_cases(PAGE_DOOR, door_request(type_), rule.outcomes, stage=rule.stage)

    def doorless(world: World, stage: Stage) -> Call:
        return Call(fill(PAGE_DOOR, stage, action_type=LEAVE), form={"target": ""})

    for caller in ("anonymous", "member"):  # a type with no button: no door, whoever asks
        cases.append(Case("POST", PAGE_DOOR, caller, "form", doorless, (404,), note=LEAVE))
    return cases


# --- client-signed actions: the key that signs is the caller ------------------------------------


def signed_json(
    world: World, role: str, type_: str, body: dict[str, Any], commons: str | None
) -> dict[str, Any]:
    keypair = world.people[ACCOUNT_OF.get(role, role)].keypair
    if type_ == FORK:
        commons = None  # a fork starts a new commons: its action names none (its body does)
    return signed(keypair, type_, body, commons).as_json()


def forged(
    world: World, signer: str, author: str, type_: str, body: dict[str, Any], commons: str | None
) -> dict[str, Any]:
    """An action naming ``author`` as its author, under a signature ``signer`` made."""
    genuine = signed_json(world, author, type_, body, commons)
    other = signed_json(world, signer, type_, body, commons)
    return {"action": genuine["action"], "author_sig": other["author_sig"]}


def founding_body(world: World, role: str, host: str | None = None) -> dict[str, Any]:
    charter = complete_charter(CHARTER, world.did(role))
    return {"charter": charter, "founder_name": "Otto", "host": host or world.node.host_key.did}


def signed_request(caller: str, type_: str) -> Request:
    """``POST …/actions`` with the action of ``type_`` signed by the caller's own key."""
    rule = RULES[type_]

    def request(world: World, stage: Stage) -> Call:
        body = signed_json(world, caller, type_, rule.body(stage), stage.commons)
        return Call(fill(COMMONS + "/actions", stage), body)

    return request


def signed_cases() -> list[Case]:
    found_path, actions_path = "/api/v1/commons", COMMONS + "/actions"

    def founding(role: str, host: str | None = None) -> Request:
        def request(world: World, stage: Stage) -> Call:
            body = founding_body(world, role, host)
            return Call(found_path, signed_json(world, role, FOUND, body, None))

        return request

    def unsigned_founding(world: World, stage: Stage) -> Call:
        action = signed_json(world, "outsider", FOUND, founding_body(world, "outsider"), None)
        return Call(found_path, {"action": action["action"]})

    def forged_founding(world: World, stage: Stage) -> Call:
        body = founding_body(world, "member")
        return Call(found_path, forged(world, "outsider", "member", FOUND, body, None))

    cases = [
        Case("POST", found_path, "anonymous", "signed", unsigned_founding, (422,), note="unsigned"),
        Case(
            "POST",
            found_path,
            "outsider",
            "signed",
            founding("outsider"),
            (201,),
            founded("outsider"),
        ),
        Case(
            "POST",
            found_path,
            "outsider",
            "signed",
            founding("outsider", host=Keypair.generate().did),
            (422,),
            note="addressed to another host",
        ),
        Case(
            "POST",
            found_path,
            "outsider",
            "signed",
            forged_founding,
            (422,),
            note="outsider's signature on a founding naming member as author",
        ),
    ]

    for type_, rule in RULES.items():
        if type_ == FOUND:
            continue  # founded through POST /api/v1/commons, above
        for role, outcome in rule.outcomes.items():
            status, writes = expect(outcome, (201,))
            request = signed_request(role, type_)
            at = stage_for(role, rule.stage)
            cases.append(
                Case("POST", actions_path, role, "signed", request, status, writes, at, type_)
            )

    def unsigned(world: World, stage: Stage) -> Call:
        item = signed_json(world, "other", VALIDATE, RULES[VALIDATE].body(stage), stage.commons)
        return Call(fill(actions_path, stage), {"action": item["action"]})

    def forged_validation(world: World, stage: Stage) -> Call:
        body = RULES[VALIDATE].body(stage)
        return Call(
            fill(actions_path, stage),
            forged(world, "member", "other", VALIDATE, body, stage.commons),
        )

    cases += [
        Case(
            "POST",
            actions_path,
            "anonymous",
            "signed",
            unsigned,
            (422,),
            note="unsigned validation",
        ),
        Case(
            "POST",
            actions_path,
            "member",
            "signed",
            forged_validation,
            (422,),
            note="member's signature on other's approval of member's work",
        ),
    ]
    return cases


def coauthor_cases() -> list[Case]:
    """Work member recorded with other as co-author: other may neither validate it (nobody
    validates work they co-authored) nor correct or withdraw it (only its recorder), by any
    door."""
    friendly = {type_: (path, takes_body) for path, type_, takes_body in FRIENDLY_API}
    pages = {type_: (path, form, task) for path, type_, form, task in PAGE_ACTIONS if not task}
    cases = []
    for type_ in (CORRECT, WITHDRAW, VALIDATE):
        api_path, takes_body = friendly[type_]
        page_path, form, task = pages[type_]
        doors = (
            (api_path, "bearer", friendly_request(api_path, type_, takes_body)),
            (act_path(type_), "bearer", act_request(type_)),
            (COMMONS + "/actions", "signed", signed_request("other", type_)),
            (page_path, "form", page_action_request(page_path, type_, form, task)),
        )
        cases += [
            Case("POST", path, "other", via, request, (403,), NOTHING, "coauthored", "co-author")
            for path, via, request in doors
        ]
    return cases


# --- routes that write to no journal: accounts, sessions, e-mail claims, heavy reads, codes ------


def account_api_cases() -> list[Case]:
    def sign_up(world: World, stage: Stage) -> Call:
        body = {"email": fresh_email("new"), "password": PASSWORD, "display_name": "New"}
        return Call("/api/v1/accounts", body)

    def sign_in(password: str) -> Request:
        def request(world: World, stage: Stage) -> Call:
            email = world.people["member"].account.email
            return Call("/api/v1/session", {"email": email, "password": password})

        return request

    def sign_out(world: World, stage: Stage) -> Call:
        return Call("/api/v1/session", token=world.session("member"))

    def key_export(world: World, stage: Stage) -> Call:
        return Call("/api/v1/me/key-export", {"password": PASSWORD})

    def hold_key(proof_by_own_key: bool) -> Request:
        """Move a fresh account's key into "the browser" (this test): irreversible, so never
        asked of the module's people. The proof is the statement of the route's description,
        signed by the account's key (or, refused, by another key)."""

        def request(world: World, stage: Stage) -> Call:
            email = fresh_email("holder")
            account = accounts.sign_up(
                world.node, email=email, password=PASSWORD, display_name="Hal"
            )
            key = accounts.custodial_keypair(world.node, account)
            signer = key if proof_by_own_key else Keypair.generate()
            statement = f"commonwork/account-key/v1\n{email}\n{account.did}".encode()
            token = accounts.open_session(world.node, account)
            return Call(
                "/api/v1/me/key/hold", {"proof": b64url(signer.sign(statement))}, token=token
            )

        return request

    def claim_email(world: World, stage: Stage) -> Call:
        return Call("/api/v1/me/emails", {"email": fresh_email("claim")})

    def release_email(world: World, stage: Stage) -> Call:
        """Release an address that member claimed."""
        email = fresh_email("release")
        emails.claim_email(world.node, did=world.did("member"), email=email)
        return Call(f"/api/v1/me/emails/{email}")

    def reverify(world: World, stage: Stage) -> Call:
        return Call(fill(COMMONS + "/verify", stage))

    def preview(world: World, stage: Stage) -> Call:
        policy = {
            "version": 2,
            "kinds": {"work": "1", "review": "1", "care": "2", "resource_use": "0.5"}
            | {"artifact": "2", "money": "0.01"},
            "cap_per_contribution": "15",
        }
        return Call(fill(COMMONS + "/value-policy/preview", stage), {"value_policy": policy})

    def make_code(world: World, stage: Stage) -> Call:
        return Call(fill(COMMONS + "/invitations", stage), {"days": 7})

    def redeem(world: World, stage: Stage) -> Call:
        return Call(fill("/api/v1/invitations/{code}/redeem", stage), {"name": "Otto"})

    def bank_details(world: World, stage: Stage) -> Call:
        return Call(f"/api/v1/me/bank-details?commons={stage.commons}", {"details": IBAN})

    def attribution_name(world: World, stage: Stage) -> Call:
        return Call(fill(COMMONS + "/me/attribution-name", stage), {"name": "Otto L."})

    invited = (Write(INVITE, "member"), Write(JOIN, "outsider"))
    return [
        *api_cases("/api/v1/accounts", sign_up, {"anonymous": NOTHING}, cross_site=False),
        *api_cases(  # node-local: anyone signed in keeps their own, and it writes no journal
            "/api/v1/me/bank-details",
            bank_details,
            dict.fromkeys(("outsider", "member", "other", "leaver"), NOTHING),
            method="PUT",
            ok=(200,),
        ),
        *api_cases(  # node-local too: the name attribution shows for its author
            COMMONS + "/me/attribution-name",
            attribution_name,
            dict.fromkeys(("outsider", "member", "other", "leaver"), NOTHING),
            method="PUT",
            ok=(200,),
        ),
        *api_cases(
            "/api/v1/session",
            sign_in(PASSWORD),
            {"anonymous": NOTHING},
            ok=(200,),
            cross_site=False,
        ),
        Case("POST", "/api/v1/session", "anonymous", "none", sign_in("wrong!" + PASSWORD), (401,)),
        *api_cases(
            "/api/v1/session",
            sign_out,
            {"anonymous": NOTHING, "member": NOTHING},
            method="DELETE",
            ok=(204,),
            cross_site=False,
        ),
        *api_cases("/api/v1/me/key-export", key_export, {"member": NOTHING}, ok=(200,)),
        *api_cases("/api/v1/me/key/hold", hold_key(True), {"member": NOTHING}, ok=(200,)),
        Case(
            "POST",
            "/api/v1/me/key/hold",
            "member",
            "bearer",
            hold_key(False),
            (400,),
            note="a proof signed by another key",
        ),
        *api_cases("/api/v1/me/emails", claim_email, {"member": NOTHING}),
        *api_cases(
            "/api/v1/me/emails/{email}",
            release_email,
            {"member": NOTHING, "other": 404},  # other holds no claim on member's address
            method="DELETE",
            ok=(204,),
        ),
        *api_cases(  # a heavy read anyone may ask for; it writes nothing
            COMMONS + "/verify",
            reverify,
            {"anonymous": NOTHING, "member": NOTHING},
            ok=(200, 202),
            cross_site=False,
        ),
        *api_cases(
            COMMONS + "/value-policy/preview",
            preview,
            {"anonymous": NOTHING},
            ok=(200, 202),
            cross_site=False,
        ),
        *api_cases(  # a code is node-local: no journal entry until it is redeemed
            COMMONS + "/invitations",
            make_code,
            {"outsider": 403, "member": NOTHING, "leaver": 403},
            stage="invitation",
        ),
        *api_cases(
            "/api/v1/invitations/{code}/redeem",
            redeem,
            {"outsider": invited, "member": 409},
            stage="invitation",
        ),
        Case(  # the invite would be signed with the key of someone who is no member any more
            "POST",
            "/api/v1/invitations/{code}/redeem",
            "outsider",
            "bearer",
            redeem,
            (403,),
            stage="invitation, member left",
            note="the code's inviter has left",
        ),
    ]


def appeal_page_cases() -> list[Case]:
    """A case's appeal form makes a proposal (``governance.proposal.make``) with the effect
    ``arbitrate``: any member may, once the panel decided (not one who left)."""

    def appeal(world: World, stage: Stage) -> Call:
        form = {"verdict": "reject", "title": "Reject it", "text": "It is not mended."}
        return Call(fill(PAGE + "/cases/{case_id}/appeal", stage), form=form)

    outcomes: dict[str, Outcome] = {
        "outsider": 403,
        "member": wrote(PROPOSE, "member"),
        "other": wrote(PROPOSE, "other"),
        "leaver": 403,
    }
    return page_cases(PAGE + "/cases/{case_id}/appeal", appeal, outcomes, stage="case decided")


def account_page_cases() -> list[Case]:
    def sign_up(world: World, stage: Stage) -> Call:
        form = {"email": fresh_email("page"), "password": PASSWORD, "display_name": "Pat"}
        return Call("/signup", form=form)

    def sign_in(password: str) -> Request:
        def request(world: World, stage: Stage) -> Call:
            email = world.people["member"].account.email
            return Call("/signin", form={"email": email, "password": password})

        return request

    def sign_out(world: World, stage: Stage) -> Call:
        return Call("/signout", form={}, token=world.session("member"))

    def key(world: World, stage: Stage) -> Call:
        return Call("/me/key", form={"password": PASSWORD})

    def claim_email(world: World, stage: Stage) -> Call:
        return Call("/me/emails", form={"email": fresh_email("page-claim")})

    def release_email(world: World, stage: Stage) -> Call:
        email = fresh_email("page-release")
        emails.claim_email(world.node, did=world.did("member"), email=email)
        return Call("/me/emails/release", form={"email": email})

    def reverify(world: World, stage: Stage) -> Call:
        return Call(fill(PAGE + "/journal/verify", stage), form={})

    def make_code(world: World, stage: Stage) -> Call:
        return Call(fill(PAGE + "/invitations", stage), form={"days": "7"})

    def redeem(world: World, stage: Stage) -> Call:
        return Call(fill("/invitations/{code}", stage), form={})

    def bank_details(world: World, stage: Stage) -> Call:
        return Call("/me/bank-details", form={"commons": stage.commons, "details": IBAN})

    def attribution_name(world: World, stage: Stage) -> Call:
        return Call(fill(PAGE + "/attribution-name", stage), form={"name": "Otto L."})

    invited = (Write(INVITE, "member"), Write(JOIN, "outsider"))
    before_a_session = ("form-no-token",)  # sign-up and sign-in check the form's Origin
    return [
        *page_cases(  # the wallet's form: node-local, each person's own
            "/me/bank-details",
            bank_details,
            dict.fromkeys(("outsider", "member", "other", "leaver"), NOTHING),
        ),
        *page_cases(  # the artifact page's form: node-local too, the name attribution shows
            PAGE + "/attribution-name",
            attribution_name,
            dict.fromkeys(("outsider", "member", "other", "leaver"), NOTHING),
        ),
        *page_cases("/signup", sign_up, {"anonymous": NOTHING}, cross_site=before_a_session),
        *page_cases(
            "/signin", sign_in(PASSWORD), {"anonymous": NOTHING}, cross_site=before_a_session
        ),
        Case("POST", "/signin", "anonymous", "form", sign_in("wrong!" + PASSWORD), (401,)),
        *page_cases("/signout", sign_out, {"anonymous": 303, "member": NOTHING}),
        *page_cases("/me/key", key, {"member": NOTHING}, ok=(200,)),
        *page_cases("/me/emails", claim_email, {"member": NOTHING}),
        *page_cases("/me/emails/release", release_email, {"member": NOTHING, "other": 404}),
        *page_cases(  # anonymous is sent to sign in first
            PAGE + "/journal/verify", reverify, {"anonymous": 303, "member": NOTHING}
        ),
        *page_cases(
            PAGE + "/invitations",
            make_code,
            {"outsider": 403, "member": NOTHING, "leaver": 403},
            ok=(200,),
            stage="invitation",
        ),
        *page_cases(  # anonymous is sent to sign in first
            "/invitations/{code}",
            redeem,
            {"anonymous": 303, "outsider": invited, "member": 409},
            stage="invitation",
        ),
        Case(
            "POST",
            "/invitations/{code}",
            "outsider",
            "form",
            redeem,
            (403,),
            stage="invitation, member left",
            note="the code's inviter has left",
        ),
    ]


CASES: list[Case] = [
    *action_api_cases(),
    *signed_cases(),
    *coauthor_cases(),
    *account_api_cases(),
    *action_page_cases(),
    *account_page_cases(),
    *appeal_page_cases(),
]


# --- asking, and checking the journals ----------------------------------------------------------


def stranger_of(caller: str) -> str:
    """Someone else with a session of their own: whose form token a cross-site page could
    know (its own)."""
    return "other" if caller == "outsider" else "outsider"


def send(world: World, case: Case, stage: Stage) -> httpx.Response:
    call = case.request(world, stage)
    person = world.people.get(ACCOUNT_OF.get(case.caller, case.caller))
    token = call.token or (person.token if person is not None else None)
    headers: dict[str, str] = {}
    content = b""
    if token is not None and case.via not in ("none", "bearer", "signed"):
        headers["cookie"] = f"{SESSION_COOKIE}={token}"
    if call.form is not None:  # a page's form
        headers.update(HTML)
        form = dict(call.form)
        if case.via == "form":
            headers["origin"] = world.site
            if token is not None:
                form["csrf"] = world.csrf(token)
        elif case.via == "form-no-token":
            headers["origin"] = EVIL
        elif case.via == "form-foreign-token":
            headers["sec-fetch-site"] = "cross-site"
            form["csrf"] = world.csrf(world.people[stranger_of(case.caller)].token)
        else:
            assert case.via == "form-text", case.via
            headers["origin"] = EVIL
            assert token is not None
            form["csrf"] = world.csrf(token)
        if case.via == "form-text":  # what <form enctype="text/plain"> sends
            headers["content-type"] = "text/plain"
            content = "\r\n".join(f"{name}={value}" for name, value in form.items()).encode()
        else:
            headers["content-type"] = "application/x-www-form-urlencoded"
            content = urlencode(form).encode()
    else:  # the API
        if call.json is not None:
            headers["content-type"] = "application/json"
            content = json.dumps(call.json).encode()
        if case.via == "bearer":
            assert token is not None
            headers["authorization"] = f"Bearer {token}"
        elif case.via in ("cookie", "cookie+text"):
            headers["origin"] = world.site
        elif case.via == "cookie+foreign-origin":
            headers["origin"] = EVIL
        elif case.via == "cookie+cross-site":
            headers["sec-fetch-site"] = "cross-site"
        if case.via == "cookie+text":
            headers["content-type"] = "text/plain"
    method = case.method if case.method in ("DELETE", "PUT") else "POST"
    try:
        return world.http.request(method, call.path, content=content, headers=headers)
    finally:
        world.http.cookies.clear()  # a session cookie a response set stays with its case


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_authorisation(world: World, case: Case) -> None:
    stage = STAGES[case.stage](world)
    before, journals_before = journal_head(world.http, stage.commons), world.heads()
    answer = send(world, case, stage)
    after, journals_after = journal_head(world.http, stage.commons), world.heads()
    appended = [world.entry(stage.commons, seq) for seq in range(before[0] + 1, after[0] + 1)]
    said = (
        f"{case.id}: answered {answer.status_code} {answer.text[:300]!r}; the stage's journal "
        f"went from seq {before[0]} to {after[0]}, appending "
        f"{[(action['type'], action['author']) for action in appended]}; journals on the node: "
        f"{len(journals_before)} -> {len(journals_after)}"
    )
    assert answer.status_code in case.status, said
    if case.via in API_CROSS_SITE and answer.status_code == 403:  # the session's check refused
        assert answer.json()["code"] == "not_allowed", said
    here = [write for write in case.writes if not write.new]
    new = [write for write in case.writes if write.new]
    # The stage's journal: unchanged, or advanced by exactly the entries expected, in order.
    if here:
        assert after[0] == before[0] + len(here), said
        for action, write in zip(appended, here, strict=True):
            assert (action["type"], action["author"]) == (write.type, world.did(write.author)), said
    else:
        assert after == before, said
    # Every other journal on the node: unchanged; and a founding makes exactly one new one.
    unchanged = {
        commons: seq for commons, seq in journals_after.items() if commons in journals_before
    }
    assert unchanged == {**journals_before, stage.commons: after[0]}, said
    made = sorted(set(journals_after) - set(journals_before))
    assert len(made) == len(new), said
    for commons, write in zip(made, new, strict=True):
        head = journals_after[commons]  # a genesis; a fork's entry follows the parent's
        assert head == (0 if write.type == FOUND else 1), said
        action = world.entry(commons, head)
        assert (action["type"], action["author"]) == (write.type, world.did(write.author)), said


# --- the resources' reads are public: anyone, signed in or not, reads the same and writes nothing -


RESOURCE_READS = {
    COMMONS + "/resources": "",
    COMMONS + "/resources/{resource_id}": "",
    COMMONS + "/resources/{resource_id}/calendar": "?from={start}",
    COMMONS + "/resources/{resource_id}/calendar.ics": "",
    COMMONS + "/bookings/{booking_id}": "",
    COMMONS + "/members/{did}/bookings": "?from={start}",
    COMMONS + "/members/{did}/bookings.ics": "",
}
#: Who reads: nobody in particular, someone signed in by token, and a member's browser sending
#: its session cookie from another site (a read needs no protection from that).
READERS: dict[str, Callable[[World], dict[str, str]]] = {
    "anonymous": lambda world: {},
    "outsider": lambda world: {"authorization": f"Bearer {world.people['outsider'].token}"},
    "member": lambda world: {"authorization": f"Bearer {world.people['member'].token}"},
    "other, cross-site": lambda world: {
        "cookie": f"{SESSION_COOKIE}={world.people['other'].token}",
        "origin": EVIL,
        "sec-fetch-site": "cross-site",
    },
}


@pytest.mark.parametrize("template", sorted(RESOURCE_READS))
def test_the_resources_reads_answer_everyone_alike_and_write_nothing(
    world: World, template: str
) -> None:
    stage = resources_stage(world)
    path = fill(
        template + RESOURCE_READS[template],
        stage,
        {"booking": stage.booking},
        did=world.did("other"),
        start=stage.taken[0][:10],
    )
    before = world.heads()
    answers = {}
    for reader, headers in READERS.items():
        answer = world.http.get(path, headers=headers(world))
        world.http.cookies.clear()
        assert answer.status_code == 200, f"{reader}: {answer.status_code} {answer.text[:300]}"
        answers[reader] = answer
    assert world.heads() == before
    bodies = {reader: answer.content for reader, answer in answers.items()}
    assert len(set(bodies.values())) == 1, bodies
    media = answers["anonymous"].headers["content-type"]
    if template.endswith(".ics"):
        assert media == "text/calendar; charset=utf-8"
        events = Calendar.from_ical(bodies["anonymous"]).walk("VEVENT")
        assert f"booking-{stage.booking}@127.0.0.1" in {str(event["uid"]) for event in events}
    else:
        assert media == "application/json"
        assert stage.resource in answers["anonymous"].text


def test_every_read_of_the_resources_is_in_the_matrix() -> None:
    served = {
        getattr(route, "path", "")
        for route in api_resources.router.routes
        if "GET" in (getattr(route, "methods", None) or set())
    }
    assert served == set(RESOURCE_READS)


# --- the matrix covers every mutating route the app has -----------------------------------------


def served_routes(app: FastAPI) -> Iterator[Any]:
    """The routes ``app`` serves. FastAPI keeps an included router as one lazy entry of
    ``app.routes``; its ``effective_route_contexts()`` are the routes it serves (with their
    paths and methods)."""
    for route in app.routes:
        effective = getattr(route, "effective_route_contexts", None)
        if effective is not None:
            yield from effective()
        else:
            yield route


def test_every_mutating_route_is_in_the_matrix(world: World) -> None:
    declared = {
        (method, route.path)
        for route in served_routes(create_app(world.node))
        for method in (getattr(route, "methods", None) or set()) & MUTATING
    }
    assert len(declared) > 40, declared  # the enumeration itself works
    covered = {(case.method, case.path) for case in CASES}
    missing = sorted(declared - covered)
    assert not missing, f"mutating routes with no rows in the authorisation matrix: {missing}"
    stale = sorted(covered - declared)
    assert not stale, f"rows for routes the app no longer has: {stale}"
    asked_anonymously = {(c.method, c.path) for c in CASES if c.caller == "anonymous"}
    assert sorted(covered - asked_anonymously) == []
    doors = sorted(type_ for type_, spec in ACTION_SPECS.items() if spec.door is not None)
    without_rule = [type_ for type_ in doors if type_ not in RULES]
    assert not without_rule, f"page doors ({PAGE_DOOR}) with no rule in RULES: {without_rule}"
