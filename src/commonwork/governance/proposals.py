"""Proposals and stances: members decide directly, under the charter's own rules.

A member proposes (a title, a text, a method with every parameter explicit, options where the
method needs them, and an effect); after a discussion window voting opens, and the electorate is
fixed then: the members who had joined before it opened. Stances are bound to the proposal's
version; a member may change theirs until the close (every stance stays in the journal, the
latest counts). The deadline is exclusive.

Nothing here reads a clock. A proposal opens and closes at times written in it, in journal time:
before the rule of every entry, the fold opens and closes the proposals that fell due at or
before that entry's ``recorded_at`` (``before_entry``), records the closed one's full tally —
recomputable by anyone from the journal — and schedules its effect from the next day boundary.
A ``governance.proposal.close`` entry anyone may sign marks a close in the journal for those who
want it there; the outcome is the same with or without it.

Consent: a member of the electorate may object, with a reason; a standing objection on the
current version blocks the proposal at the close (status ``blocked``). The proposer may then
amend it (a new version and a new round of voting, objections answered) or, after the rounds
the method allows, escalate to its fallback vote; concerns are recorded without blocking. Lazy
consensus passes at the close unless a reasoned objection stands. The voted methods are tallied
by commonwork.governance.methods.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    TypeAdapter,
    model_validator,
)

from commonwork.commons.actions import active_member, charter_takes_effect, commons_row
from commonwork.commons.charter import Charter
from commonwork.commons.charter_governance import (
    GRANTED_ROLES,
    ClassName,
    Governance,
    GrantedRole,
    Method,
    Rule,
)
from commonwork.commons.tables import charter_versions, members
from commonwork.errors import (
    AlreadyDone,
    InvalidAction,
    NonCanonical,
    NotAllowed,
    NotFound,
    RuleViolation,
)
from commonwork.governance import arbitration, methods
from commonwork.governance.clock import governance_now, later, next_due, reschedule, text_of
from commonwork.governance.tables import (
    cases,
    electorate_members,
    hidden_texts,
    open_proposals,
    proposals,
    roles,
    stances,
    struck_objections,
)
from commonwork.journal.actions import parse_time
from commonwork.journal.area import installed_deadlines, installed_effects
from commonwork.journal.projection import ActionSpec, Context, Key, Row, State
from commonwork.standing.settle import policies_in_force, schedule_charter
from commonwork.standing.tables import settlements

PROPOSE = "governance.proposal.make"
SECOND = "governance.proposal.second"
MODERATE = "governance.text.moderate"
AMEND = "governance.proposal.amend"
WITHDRAW = "governance.proposal.withdraw"
ESCALATE = "governance.proposal.escalate"
CLOSE = "governance.proposal.close"
STANCE = "governance.stance.take"

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
#: An option's id is a key of the recorded tally, so it keeps to canonical JSON's keys.
OptionId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]{0,39}$")]
EntryId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Hours = Annotated[int, Field(ge=0, le=24 * 365)]

#: The methods tallied from ballots, and those that ask only for objections.
VOTED = ("majority", "supermajority", "schulze", "approval", "score", "budget")
BY_OBJECTION = ("consent", "lazy_consensus")
#: The methods that choose among options (each proposal of theirs has two or more).
CHOICE = ("schulze", "approval", "score", "budget")
#: The option a ranked choice may name as "change nothing": it wins every tie it is part of.
STATUS_QUO = "status_quo"
#: Every parameter of every method, with its default: a proposal's params are all written out.
DEFAULT_PARAMS: dict[str, dict[str, Any]] = {
    "majority": {"quorum": "0/1", "threshold": "1/2", "strict": True},
    "supermajority": {"quorum": "1/2", "threshold": "2/3", "strict": False},
    "schulze": {},
    "approval": {},
    "score": {"min": 0, "max": 5},
    "budget": {"budget": 100, "limits": {}},
    "lazy_consensus": {},
    # consent: its rounds and fallback, from the charter's rule for amending it
}


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: OptionId
    label: Title


class NoEffect(BaseModel):
    """A plain decision, recorded."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["none"]


class AmendCharter(BaseModel):
    """The charter's fields the amendment sets, each whole (null: the field's default again),
    over the charter as it stands when the proposal closes: two amendments of different fields
    both hold. It governs from the day after the close."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["amend_charter"]
    changes: dict[str, Any] = Field(min_length=1)

    @model_validator(mode="after")
    def _fields(self) -> AmendCharter:
        unknown = sorted(set(self.changes) - set(Charter.model_fields))
        if unknown:
            fields = ", ".join(Charter.model_fields)
            raise ValueError(f"a charter has no field {', '.join(unknown)} (it has: {fields})")
        return self


#: The roles a decision grants and recalls. A founder's role is recalled like any other (it is
#: never granted again: founding happened once); the others carry the powers the later areas give
#: them (arbitration panels, the treasury).
ROLES = ("founder", *GRANTED_ROLES)
Role = GrantedRole | Literal["founder"]
Did = Annotated[str, StringConstraints(pattern=r"^did:key:z[1-9A-HJ-NP-Za-km-z]{20,60}$")]


class GrantRole(BaseModel):
    """Give a member a role, from the close."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["grant_role"]
    member: Did
    role: GrantedRole


class RecallRole(BaseModel):
    """Take a role back, from the close: a motion of no confidence. It needs a seconder (another
    member) before voting opens, or it fails then."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["recall_role"]
    member: Did
    role: Role


class HideText(BaseModel):
    """Hide the text an entry carries (a description, a reason) from the pages, from the close;
    the journal keeps it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["hide"]
    entry: EntryId
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class ShowText(BaseModel):
    """Show a hidden text again, from the close."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["unhide"]
    entry: EntryId


class Arbitrate(BaseModel):
    """Decide an arbitration case by the members, from the close: the one appeal of a panel's
    verdict, or a case no panel could be drawn for."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["arbitrate"]
    case: EntryId
    verdict: Literal["accept", "reject", "adjust"]
    quantity: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Arbitrate:
        arbitration.Verdict(verdict=self.verdict, quantity=self.quantity)
        return self


class ChangeHost(BaseModel):
    """Move the commons to another host, from the handover that the new host signs once this
    passed (commonwork.governance.hosts); decided like a charter amendment."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["change_host"]
    host: Did


class StrikeObjection(BaseModel):
    """A challenge of an objection's validity: passed, the member's objection to that version
    of the consent proposal counts as a concern (the stance stays in the journal); a proposal
    that objection alone blocked then passes at this decision's close."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["strike_objection"]
    proposal: EntryId
    member: Did
    version: int = Field(ge=1)


class AreaEffect(BaseModel):
    """An effect a later area carries out once the decision passed (commonwork.journal.area
    EffectSpec): a spend from the treasury, a community currency… Its fields are the area's."""

    model_config = ConfigDict(extra="allow", frozen=True)
    kind: str

    @model_validator(mode="after")
    def _known(self) -> AreaEffect:
        spec = installed_effects().get(self.kind)
        if spec is None:
            known = ", ".join(sorted([*GOVERNANCE_EFFECTS, *installed_effects()]))
            raise ValueError(f"no effect is of the kind {self.kind!r} (the kinds: {known})")
        spec.body.model_validate(self.model_dump(), strict=True)
        return self

    def parsed(self) -> Any:
        """The effect as its area's schema reads it."""
        return installed_effects()[self.kind].body.model_validate(self.model_dump(), strict=True)


#: The kinds of effect this area carries out itself; any other is an area's (AreaEffect).
GOVERNANCE_EFFECTS = (
    "none",
    "amend_charter",
    "grant_role",
    "recall_role",
    "hide",
    "unhide",
    "arbitrate",
    "change_host",
    "strike_objection",
)


def _effect_tag(value: Any) -> str:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return kind if kind in GOVERNANCE_EFFECTS else "area"


Effect = Annotated[
    Annotated[NoEffect, Tag("none")]
    | Annotated[AmendCharter, Tag("amend_charter")]
    | Annotated[GrantRole, Tag("grant_role")]
    | Annotated[RecallRole, Tag("recall_role")]
    | Annotated[HideText, Tag("hide")]
    | Annotated[ShowText, Tag("unhide")]
    | Annotated[Arbitrate, Tag("arbitrate")]
    | Annotated[ChangeHost, Tag("change_host")]
    | Annotated[StrikeObjection, Tag("strike_objection")]
    | Annotated[AreaEffect, Tag("area")],
    Discriminator(_effect_tag),
]


class Narrowed(BaseModel):
    """Who votes, when not every member: those holding a privilege (by standing) or a role when
    voting opens, or the members of the charter's stakeholder classes, each class tallied on its
    own with its own quorum and threshold (a yes-or-no vote passes only if every class passes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    privilege: Literal["arbitrate", "bounty_tasks"] | None = None
    role: Role | None = None
    classes: list[ClassName] | None = Field(default=None, min_length=1, max_length=12)

    @model_validator(mode="after")
    def _one(self) -> Narrowed:
        given = [value for value in (self.privilege, self.role, self.classes) if value is not None]
        if len(given) != 1:
            raise ValueError("narrow the electorate by one of: privilege, role, classes")
        if self.classes is not None and len(set(self.classes)) != len(self.classes):
            raise ValueError("a class is named twice")
        return self


class ProposeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title
    text: Text
    #: How it is decided; may be left out when the charter's meta-rule decides the effect.
    method: Method | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    options: list[Option] | None = Field(default=None, max_length=50)
    effect: Effect = NoEffect(kind="none")
    discussion_hours: Hours | None = None  # default: the charter's
    voting_hours: Hours | None = None  # default: the rule's (or the charter's minimum)
    #: Every member who joined before voting opened, unless narrowed.
    electorate: Narrowed | None = None
    #: Consent and lazy consensus: review the decision so many days after it passed.
    review_days: int | None = Field(default=None, ge=1, le=3650)


class AmendBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    proposal: EntryId
    title: Title | None = None
    text: Text | None = None
    options: list[Option] | None = Field(default=None, max_length=50)
    effect: Effect | None = None

    @model_validator(mode="after")
    def _something(self) -> AmendBody:
        if self.title is None and self.text is None and self.options is None and not self.effect:
            raise ValueError("say what the new version changes: title, text, options or effect")
        return self


class ProposalBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    proposal: EntryId


class StanceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    proposal: EntryId
    version: int = Field(ge=1)
    #: What the method reads: "for" / "against" / "abstain"; a ranking ["b", "a"]; approved
    #: options ["a"]; scores or a budget {"a": 3}; consent and lazy consensus
    #: {"position": "consent" | "concern" | "object"}.
    ballot: Any
    reason: Reason = ""


class BallotRefused(RuleViolation):
    """A stance the rules refuse, with a stable ``reason`` code a program can act on."""

    code = "ballot_refused"


def _refuse(reason: str, detail: str) -> BallotRefused:
    return BallotRefused(detail, reason=reason)


# --- time and rows ---------------------------------------------------------------------------


def proposal_row(state: State, commons_id: str, proposal_id: str) -> Row:
    row = state.get(proposals, (commons_id, proposal_id))
    if row is None:
        raise NotFound(f"there is no proposal {proposal_id} in this commons")
    return row


def _rule_for(state: State, commons_id: str, effect: Effect) -> Rule | None:
    """The meta-rule's method for this effect (None: the proposer chooses)."""
    if isinstance(effect, NoEffect):
        return None
    governance = governance_now(state, commons_id)
    if isinstance(effect, StrikeObjection):
        # As strict as what the objection is to: an objection to a decision under the
        # meta-rule is struck only by that rule's fallback vote (a consent rule's), else the
        # rule itself; any other by the roles rule.
        target = state.get(proposals, (commons_id, effect.proposal))
        target_rule = None
        if target is not None:
            target_rule = _rule_for(
                state, commons_id, _parse_effect(orjson.loads(target["effect"]))
            )
        if target_rule is None:
            return governance.roles
        return target_rule.fallback or target_rule
    if isinstance(effect, (GrantRole, RecallRole, HideText, ShowText)):
        return governance.roles
    if isinstance(effect, AreaEffect):
        rule: Rule = installed_effects()[effect.kind].rule(state, commons_id, effect.parsed())
        return rule
    if isinstance(effect, Arbitrate):
        return governance.arbitration.appeals
    if isinstance(effect, ChangeHost):
        return governance.charter
    if "governance" in effect.changes:
        return governance.meta  # changing how the commons decides: the stricter rule
    return governance.charter


def latest_charter(state: State, commons_id: str) -> dict[str, Any]:
    """The charter as the last decision left it: a version waiting for its day, else the one
    in force."""
    checkpoint = state.get(settlements, (commons_id,))
    if checkpoint is not None and checkpoint.get("pending_charter") is not None:
        version = state.get(charter_versions, (commons_id, checkpoint["pending_charter"]))
        if version is not None:
            found: dict[str, Any] = orjson.loads(version["charter"])
            return found
    current: dict[str, Any] = orjson.loads(commons_row(state, commons_id)["charter"])
    return current


def amended(charter: dict[str, Any], changes: dict[str, Any]) -> str:
    """The charter with ``changes``, as the projection keeps it (canonical JSON); ValueError
    (pydantic's) when the result is not a valid charter."""
    merged = {name: value for name, value in {**charter, **changes}.items() if value is not None}
    return text_of(Charter.model_validate(merged).as_json())


def rule_params(rule: Rule) -> dict[str, Any]:
    """A rule's method parameters with every default written out."""
    if rule.method == "consent":
        fallback = rule.fallback or Rule(
            method="supermajority", params={"quorum": "1/2", "threshold": "2/3"}
        )
        params: dict[str, Any] = {
            "rounds": rule.rounds,
            "fallback": {
                "method": fallback.method,
                "params": rule_params(fallback),
                "voting_hours": fallback.voting_hours,
            },
        }
        if rule.escalate_after_days is not None:  # written only when set: older params stand
            params["days"] = rule.escalate_after_days
        return params
    return {**DEFAULT_PARAMS[rule.method], **rule.params}


def full_params(
    state: State, commons_id: str, method: str, given: dict[str, Any]
) -> dict[str, Any]:
    """The method's parameters: the defaults, overridden by those given; unknown names and
    wrong types are refused with what to write instead."""
    if method == "consent":
        defaults = rule_params(governance_now(state, commons_id).charter)
    else:
        defaults = DEFAULT_PARAMS[method]
    optional = {"days"} if method == "consent" else set()
    unknown = sorted(set(given) - set(defaults) - optional)
    if unknown:
        known = ", ".join(sorted(set(defaults) | optional)) or "none"
        raise InvalidAction(f"{method} takes no parameter {', '.join(unknown)} (it takes: {known})")
    params = {**defaults, **given}
    if method == "consent":
        try:
            Rule(
                method="consent",
                rounds=params["rounds"],
                escalate_after_days=params.get("days"),
                fallback=Rule(**params["fallback"]),
            )
        except (ValueError, TypeError) as exc:
            raise InvalidAction(f"the parameters of consent are invalid: {exc}") from exc
    return params  # a voted method's own checks: _check_tallies


# --- what falls due ---------------------------------------------------------------------------


def _count_open(state: State, commons_id: str, member: str, delta: int) -> None:
    row = state.get(open_proposals, (commons_id, member))
    held = 0 if row is None else int(row["open"])
    state.put(open_proposals, {"commons_id": commons_id, "member": member, "open": held + delta})


def before_entry(state: State, commons_id: str, at: str, settle_to: Callable[[str], None]) -> None:
    """Open and close every proposal, and redraw every arbitration panel, that fell due at or
    before ``at``, one at a time in order of time (what one does may put another item on the
    clock before ``at``: a redrawn panel's next deadline); the days before each one's time are
    settled first, so that an effect (a charter version) is on the timeline before settlement
    reaches the day it governs from."""
    while (item := next_due(state, commons_id, at)) is not None:
        when, item_id, what = item
        settle_to(when[:10])
        if what == "redraw":
            arbitration.redraw(state, commons_id, item_id, when)
        elif what == "effect":  # an area's effect, put on the clock for later by its close
            _effect_due(state, commons_id, item_id, when)
        elif what == "open":
            _open_voting(state, commons_id, item_id)
        elif what in installed_deadlines():  # an area's own deadline (an offer lapsing)
            installed_deadlines()[what].due(state, commons_id, item_id, when)
        else:
            close(state, commons_id, item_id, when)


def _effect_due(state: State, commons_id: str, proposal_id: str, at: str) -> None:
    kind = orjson.loads(proposal_row(state, commons_id, proposal_id)["effect"])["kind"]
    spec = installed_effects().get(kind)
    if spec is not None and spec.due is not None:
        spec.due(state, commons_id, proposal_id, at)


def _open_voting(state: State, commons_id: str, proposal_id: str) -> None:
    row = dict(proposal_row(state, commons_id, proposal_id))
    if orjson.loads(row["effect"])["kind"] == "recall_role" and row["seconded_by"] is None:
        # A motion of no confidence nobody seconded: it fails when voting would have opened.
        row["status"], row["closed_at"] = "failed", row["opens_at"]
        row["outcome"] = text_of({"status": "failed", "error": "not_seconded"})
        state.put(proposals, row)
        _count_open(state, commons_id, row["proposer"], -1)
        reschedule(state, commons_id, proposal_id, [])
        return
    row["status"] = "voting"
    if row["electorate"] is None and row["narrowed"] is not None:
        row["electorate"] = fix_electorate(state, row)
    elif row["electorate"] is None:  # fixed when voting first opens: the active members then
        row["electorate"] = int(commons_row(state, commons_id)["member_count"])
    state.put(proposals, row)


def ballots_of(state: State, row: Row) -> list[tuple[str, Any, str]]:
    """(member, ballot, reason) of every stance on the proposal's current version, by member."""
    found = state.scan(stances, (row["commons_id"], row["proposal_id"]))
    return [
        (stance["member"], orjson.loads(stance["ballot"]), stance["reason"])
        for stance in found
        if stance["version"] == row["version"]
    ]


def close(state: State, commons_id: str, proposal_id: str, at: str) -> None:
    """Close the proposal's voting at ``at`` (its deadline): record the tally and the outcome,
    and put a passed effect on the timeline."""
    row = dict(proposal_row(state, commons_id, proposal_id))
    if row["status"] != "voting":
        return
    outcome = tally_of(state, row)
    try:
        row["outcome"] = text_of(outcome)
    except NonCanonical as exc:
        # Cannot happen with the ids the rules let in; if it did, the proposal fails on the
        # record rather than refusing every later entry of the commons (each would close it).
        outcome = {"status": "failed", "error": "tally_not_recordable", "why": exc.detail}
        row["outcome"] = text_of(outcome)
    row["closed_at"] = at
    status = outcome["status"]
    row["status"] = status
    if status != "blocked":  # a blocked consent proposal stays open: amend, escalate, withdraw
        _count_open(state, commons_id, row["proposer"], -1)
    if status == "passed" and row["review_days"] is not None:
        row["review_on"] = later(at, 24 * int(row["review_days"]))[:10]
    if status == "passed":
        try:
            row["effective_on"] = _take_effect(state, row, at)
        except ValueError as exc:  # an earlier decision made these changes invalid together
            outcome = {**outcome, "status": "failed", "error": "charter_invalid", "why": str(exc)}
            row["outcome"], row["status"] = text_of(outcome), "failed"
    state.put(proposals, row)


def tally_of(state: State, row: Row) -> dict[str, Any]:
    """The full outcome, from the projected stances of the current version."""
    cast = ballots_of(state, row)
    method, params = row["method"], orjson.loads(row["params"])
    base = {
        "method": method,
        "params": params,
        "version": row["version"],
        "round": row["round"],
        "electorate": row["electorate"],
        "stances": len(cast),
    }
    if method in BY_OBJECTION:
        positions = {"consent": 0, "concern": 0, "object": 0}
        objections: list[dict[str, str]] = []
        concerns: list[dict[str, str]] = []
        struck = {
            item["member"]
            for item in state.scan(struck_objections, (row["commons_id"], row["proposal_id"]))
            if item["version"] == row["version"]
        }
        for member, ballot, reason in cast:
            position = ballot["position"]
            if position == "object" and member in struck:
                position = "concern"  # found invalid by a decision: recorded, not blocking
            positions[position] += 1
            if position == "object":
                objections.append({"member": member, "reason": reason})
            elif position == "concern":
                concerns.append({"member": member, "reason": reason})
        # consent: a standing objection blocks (amend or escalate); lazy consensus: it fails
        blocked = "blocked" if method == "consent" else "failed"
        status = blocked if objections else "passed"
        return {
            **base,
            "positions": positions,
            "objections": objections,
            "concerns": concerns,
            "status": status,
        }
    options = [option["id"] for option in orjson.loads(row["options"] or "[]")]
    try:
        result = methods.tally(
            method,
            params,
            options,
            [ballot for _, ballot, _ in cast],
            electorate=int(row["electorate"] or 0),
            tie_seed=bytes.fromhex(row["proposal_id"]),
            status_quo=STATUS_QUO if STATUS_QUO in options else None,
        )
    except (methods.MethodError, methods.BallotError) as exc:
        # Cannot happen when the parameters and every ballot were checked as they were
        # recorded; if it did, the proposal fails on the record rather than stopping the
        # commons' journal (every later entry would meet the same close, and be refused).
        return {**base, "error": exc.code, "status": "failed"}
    passed = result.passed
    found = {
        **base,
        "tally": result.tally,
        "winner": result.winner,
        "ranking": list(result.ranking),
        "tie_broken": result.tie_broken,
    }
    narrowed = orjson.loads(row["narrowed"]) if row["narrowed"] else {}
    if "classes" in narrowed:
        try:
            by_class = _class_tallies(
                state, row, narrowed["classes"], {member: ballot for member, ballot, _ in cast}
            )
        except (methods.MethodError, methods.BallotError) as exc:  # as above: fail on record
            return {**base, "error": exc.code, "status": "failed"}
        found["classes"] = by_class
        passed = passed and all(item["passed"] for item in by_class.values())
    return {**found, "status": "passed" if passed else "failed"}


def _class_tallies(
    state: State, row: Row, names: list[str], ballots: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Each stakeholder class's own yes-or-no tally: its members' ballots against its own
    electorate, quorum and threshold (the charter's, as voting closes)."""
    rules = governance_now(state, row["commons_id"]).classes
    members_of: dict[str, list[str]] = {name: [] for name in names}
    for voter in state.scan(electorate_members, (row["commons_id"], row["proposal_id"])):
        for name in orjson.loads(voter["classes"]):
            if name in members_of:
                members_of[name].append(voter["member"])
    found: dict[str, dict[str, Any]] = {}
    for name in names:
        rule = rules.get(name)
        quorum, threshold = (rule.quorum, rule.threshold) if rule else ("0/1", "1/2")
        params = {**orjson.loads(row["params"]), "quorum": quorum, "threshold": threshold}
        cast = [ballots[member] for member in members_of[name] if member in ballots]
        result = methods.tally(
            row["method"],
            params,
            [],
            cast,
            electorate=len(members_of[name]),
            tie_seed=bytes.fromhex(row["proposal_id"]),
        )
        found[name] = {
            "electorate": len(members_of[name]),
            "quorum": quorum,
            "threshold": threshold,
            "tally": result.tally,
            # A class nobody was in when voting opened has no one to overrule: it does not veto.
            "passed": result.passed or not members_of[name],
        }
    return found


def _take_effect(state: State, row: Row, at: str) -> str | None:
    """Put a passed proposal's effect on the timeline; the day it governs from."""
    effect = orjson.loads(row["effect"])
    if effect["kind"] in ("grant_role", "recall_role"):
        _change_role(state, row, effect, at)
        return at[:10]
    if effect["kind"] in ("hide", "unhide"):
        moderate(state, row["commons_id"], effect, row["proposal_id"], at)
        return at[:10]
    if effect["kind"] == "arbitrate":
        _appeal_decides(state, row, effect, at)
        return at[:10]
    if effect["kind"] == "change_host":
        return at[:10]  # from the handover the new host signs
    if effect["kind"] == "strike_objection":
        _strike(state, row, effect, at)
        return at[:10]
    if effect["kind"] not in GOVERNANCE_EFFECTS:  # an area's: it carries it out
        spec = installed_effects()[effect["kind"]]
        spec.apply(
            state,
            row["commons_id"],
            spec.body.model_validate(effect, strict=True),
            row["proposal_id"],
            at,
        )
        return at[:10]
    if effect["kind"] != "amend_charter":
        return None
    commons_id = row["commons_id"]
    text = amended(latest_charter(state, commons_id), effect["changes"])
    if state.get(settlements, (commons_id,)) is not None:
        return schedule_charter(state, commons_id, int(row["seq"]), at, text)
    # A commons without a settlement engine has no day boundary to wait for: at once.
    version = {"commons_id": commons_id, "seq": int(row["seq"]), "charter": text}
    state.put(charter_versions, {**version, "recorded_at": at, "effective_on": at[:10]})
    charter_takes_effect(state, commons_id, text)
    return at[:10]


def _change_role(state: State, row: Row, effect: dict[str, Any], at: str) -> None:
    commons_id, member, role = row["commons_id"], effect["member"], effect["role"]
    if role == "founder":  # the founder's role lives with the membership (commons area)
        found = state.get(members, (commons_id, member))
        if found is not None and found["role"] == "founder":
            state.put(members, {**found, "role": "member"})
        return
    key = {"commons_id": commons_id, "member": member, "role": role}
    if effect["kind"] == "grant_role":
        granted = {"granted_by": row["proposal_id"], "granted_at": at}
        state.put(roles, {**key, **granted, "recalled_by": None, "recalled_at": None})
        return
    held = state.get(roles, (commons_id, member, role))
    if held is not None and held["recalled_at"] is None:  # kept, as history
        state.put(roles, {**held, "recalled_by": row["proposal_id"], "recalled_at": at})


def moderate(state: State, commons_id: str, effect: dict[str, Any], by: str, at: str) -> None:
    """Hide a text from the pages, or show it again (``by``: a proposal's id or a steward)."""
    key = (commons_id, effect["entry"])
    held = state.get(hidden_texts, key)
    if effect["kind"] == "hide":
        row = {"commons_id": commons_id, "entry": effect["entry"], "hidden_by": by}
        hidden = {"reason": effect["reason"], "hidden_at": at, "shown_again_at": None}
        state.put(hidden_texts, {**row, **hidden})
    elif held is not None and held["shown_again_at"] is None:
        state.put(hidden_texts, {**held, "shown_again_at": at})


def holds_role(state: State, commons_id: str, member: str, role: str) -> bool:
    if role == "founder":
        found = state.get(members, (commons_id, member))
        return found is not None and found["role"] == "founder"
    held = state.get(roles, (commons_id, member, role))
    return held is not None and held["recalled_at"] is None


def _strike(state: State, row: Row, effect: dict[str, Any], at: str) -> None:
    """The objection counts as a concern from now on; the proposal it alone blocked passes."""
    commons_id = row["commons_id"]
    target = state.get(proposals, (commons_id, effect["proposal"]))
    held = state.get(stances, (commons_id, effect["proposal"], effect["member"]))
    if (
        target is None
        or held is None
        or target["status"] not in ("voting", "blocked")
        or int(target["version"]) != int(effect["version"])
        or held["version"] != target["version"]
        or orjson.loads(held["ballot"]) != {"position": "object"}
    ):
        return  # withdrawn, amended or answered since: nothing left to strike
    key = {"commons_id": commons_id, "proposal_id": effect["proposal"], "member": effect["member"]}
    struck = {"version": effect["version"], "struck_by": row["proposal_id"], "struck_at": at}
    state.put(struck_objections, {**key, **struck})
    changed = dict(target)
    changed["objections"] = max(0, int(changed["objections"]) - 1)
    if changed["status"] == "blocked" and changed["objections"] == 0:
        changed["status"] = "voting"  # closed again now, without the struck objection
        state.put(proposals, changed)  # (a blocked proposal is still counted open)
        close(state, commons_id, changed["proposal_id"], at)
        return
    state.put(proposals, changed)


def _appeal_decides(state: State, row: Row, effect: dict[str, Any], at: str) -> None:
    case = state.get(cases, (row["commons_id"], effect["case"]))
    if case is None or case["appeal"] != row["proposal_id"]:
        return
    if case["status"] not in ("decided", "no_panel"):
        return  # a panel drawn since rules on it, or another decision came first
    verdict = arbitration.Verdict(verdict=effect["verdict"], quantity=effect.get("quantity"))
    decided = dict(case)
    arbitration.decide(state, decided, verdict.text(), at, row["proposal_id"])
    state.put(cases, decided)


def _check_appeal(state: State, commons_id: str, effect: Effect, at: str) -> None:
    """An appeal: of a decided case, within the charter's days, once; or of a case no panel can
    sit on, at any time."""
    if not isinstance(effect, Arbitrate):
        return
    case = arbitration.case_row(state, commons_id, effect.case)
    verdict = arbitration.Verdict(verdict=effect.verdict, quantity=effect.quantity)
    arbitration.check_verdict(state, commons_id, case, verdict)
    if case["status"] == "open":
        raise NotAllowed(
            f"this case's panel rules until {case['due_at']} (journal time): appeal its verdict",
            reason="case_open",
        )
    if case["appeal"] is not None:
        appeal = state.get(proposals, (commons_id, case["appeal"]))
        ended = appeal is None or appeal["status"] == "withdrawn"
        if case["status"] == "no_panel" and appeal is not None and appeal["status"] == "failed":
            ended = True  # the members' decision is the only way: they may try again
        if not ended:
            raise AlreadyDone("this case was appealed once already", reason="appealed")
    if case["status"] == "decided":
        days = governance_now(state, commons_id).arbitration.appeal_days
        if at >= later(case["decided_at"], days * 24):
            raise NotAllowed(
                f"a verdict may be appealed within {days} days; this one was given at "
                f"{case['decided_at']}",
                reason="too_late",
            )


def _check_role(state: State, commons_id: str, effect: Effect, discussion: int) -> None:
    if isinstance(effect, GrantRole):
        active_member(state, commons_id, effect.member)
        if holds_role(state, commons_id, effect.member, effect.role):
            raise AlreadyDone(f"{effect.member} is {effect.role} already", reason="holds_role")
    elif isinstance(effect, RecallRole):
        if not holds_role(state, commons_id, effect.member, effect.role):
            raise NotFound(f"{effect.member} holds no {effect.role} role here")
        if discussion < 1:
            raise NotAllowed(
                "a recall needs a seconder before voting opens: give it at least an hour of "
                "discussion",
                reason="window_too_short",
            )


# --- the rules --------------------------------------------------------------------------------


def _check_amendment(state: State, commons_id: str, effect: Effect) -> None:
    if not isinstance(effect, AmendCharter):
        return
    try:
        amended(latest_charter(state, commons_id), effect.changes)
    except ValueError as exc:
        raise InvalidAction(
            f"the charter with these changes would not be valid: {exc}", reason="charter_invalid"
        ) from exc


def _check_tallies(method: str, params: dict[str, Any], options: list[Option] | None) -> None:
    """A voted method's parameters and options as its tally will read them: checked when the
    proposal is made (or amended), so that its close cannot fail."""
    if method not in VOTED:
        return
    ids = [option.id for option in options or []]
    try:
        methods.check_params(method, params, ids, STATUS_QUO if STATUS_QUO in ids else None)
    except methods.MethodError as exc:
        raise InvalidAction(f"{method}: {exc.message}", reason=exc.code) from exc


def _check_shape(method: str, options: list[Option] | None, effect: Effect) -> None:
    if method in CHOICE:
        if options is None or len(options) < 2:
            raise InvalidAction(f"{method} chooses among options: give two or more")
        if len({option.id for option in options}) != len(options):
            raise InvalidAction("two options have the same id")
        if not isinstance(effect, NoEffect):
            raise InvalidAction(
                f"{method} chooses among options, each a plain decision: its effect must be "
                "none (a charter amendment is decided yes or no, by the charter's meta-rule)"
            )
    elif options is not None:
        raise InvalidAction(f"{method} decides yes or no: it takes no options")


def decided_by(
    state: State, commons_id: str, body: ProposeBody
) -> tuple[str, dict[str, Any], Rule | None]:
    """The proposal's method and full parameters, and the meta-rule that governs its effect if
    any: a proposal whose effect the charter's meta-rule decides may leave the method and its
    parameters out, and gets the rule's."""
    rule = _rule_for(state, commons_id, body.effect)
    method = body.method or (rule.method if rule is not None else None)
    if method is None:
        raise InvalidAction("say how the proposal is decided: a method (e.g. consent, majority)")
    if rule is not None and method == rule.method and not body.params:
        return method, rule_params(rule), rule
    return method, full_params(state, commons_id, method, body.params), rule


def check_propose(state: State, ctx: Context) -> None:
    body: ProposeBody = ctx.body
    active_member(state, ctx.commons_id, ctx.author)
    governance = governance_now(state, ctx.commons_id)
    held = state.get(open_proposals, (ctx.commons_id, ctx.author))
    if held is not None and int(held["open"]) >= governance.open_proposals_per_member:
        raise NotAllowed(
            f"you have {held['open']} proposals open, the most the charter allows "
            f"({governance.open_proposals_per_member}); withdraw one or wait for one to close",
            reason="too_many_open",
        )
    method, params, rule = decided_by(state, ctx.commons_id, body)
    _check_shape(method, body.options, body.effect)
    _check_tallies(method, params, body.options)
    _check_amendment(state, ctx.commons_id, body.effect)
    asked = governance.discussion_hours if body.discussion_hours is None else body.discussion_hours
    _check_role(state, ctx.commons_id, body.effect, asked)
    _check_appeal(state, ctx.commons_id, body.effect, ctx.entry.recorded_at)
    _check_narrowed(state, ctx.commons_id, body, method, rule)
    _check_strike(state, ctx.commons_id, body.effect)
    _check_area_effect(state, ctx.commons_id, body.effect, body.electorate, ctx.entry.recorded_at)
    if body.review_days is not None and method not in BY_OBJECTION:
        raise InvalidAction("a review date is set on consent and lazy-consensus decisions")
    if rule is not None:
        wanted = rule_params(rule)
        if method != rule.method or params != wanted:
            raise NotAllowed(
                f"the charter's meta-rule decides this amendment by {rule.method} with "
                f"{text_of(wanted)} over at least {rule.voting_hours} hours: propose it so",
                reason="meta_rule",
                method=rule.method,
                params=wanted,
            )
    least = _least_voting_hours(governance, rule)
    if body.voting_hours is not None and body.voting_hours < least:
        raise NotAllowed(
            f"voting on this proposal lasts at least {least} hours (the charter's minimum"
            + ("" if rule is None else " and its meta-rule's")
            + ")",
            reason="window_too_short",
        )
    discussion = (
        governance.discussion_hours if body.discussion_hours is None else body.discussion_hours
    )
    if discussion < governance.discussion_hours:
        raise NotAllowed(
            f"discussion lasts at least {governance.discussion_hours} hours in this commons",
            reason="window_too_short",
        )


def _check_strike(state: State, commons_id: str, effect: Effect) -> None:
    if not isinstance(effect, StrikeObjection):
        return
    target = proposal_row(state, commons_id, effect.proposal)
    if target["method"] not in BY_OBJECTION or target["status"] not in ("voting", "blocked"):
        raise NotAllowed(
            "an objection is challenged while its consent proposal is voting or blocked",
            reason="not_open",
        )
    held = state.get(stances, (commons_id, effect.proposal, effect.member))
    if (
        held is None
        or held["version"] != effect.version
        or int(target["version"]) != effect.version
        or orjson.loads(held["ballot"]) != {"position": "object"}
    ):
        raise NotFound(
            f"{effect.member} has no standing objection to version {effect.version} of that "
            "proposal",
            reason="no_objection",
        )


def _check_area_effect(
    state: State, commons_id: str, effect: Effect, narrowed: Narrowed | None, at: str
) -> None:
    """An area's effect: what its area refuses up front, and, when it needs every stakeholder
    class (a large spend), a vote by all of the charter's classes."""
    if not isinstance(effect, AreaEffect):
        return
    spec = installed_effects()[effect.kind]
    parsed = effect.parsed()
    if spec.check is not None:
        spec.check(state, commons_id, parsed, at)
    if spec.needs_classes is None or not spec.needs_classes(state, commons_id, parsed):
        return
    classes = sorted(governance_now(state, commons_id).classes)
    if classes and (narrowed is None or sorted(narrowed.classes or []) != classes):
        raise NotAllowed(
            "this needs every stakeholder class to pass it: put it to the vote with the "
            f'electorate {{"classes": {text_of(classes)}}}',
            reason="classes_needed",
            classes=classes,
        )


def _check_narrowed(
    state: State, commons_id: str, body: ProposeBody, method: str, rule: Rule | None
) -> None:
    narrowed = body.electorate
    if narrowed is None:
        return
    by_classes = narrowed.classes is not None and isinstance(body.effect, AreaEffect)
    if rule is not None and not by_classes:
        raise NotAllowed(
            "what the charter's meta-rule decides is decided by every member: leave the "
            "electorate out",
            reason="meta_rule",
        )
    if narrowed.classes is not None:
        known = governance_now(state, commons_id).classes
        unknown = sorted(set(narrowed.classes) - set(known))
        if unknown:
            named = ", ".join(sorted(known)) or "none yet (a charter amendment adds them)"
            raise InvalidAction(
                f"the charter names no stakeholder class {', '.join(unknown)} (it names: {named})"
            )
        if method not in ("majority", "supermajority"):
            raise InvalidAction(
                "stakeholder classes pass a yes-or-no vote each: use majority or supermajority"
            )
    if narrowed.privilege is not None:
        policies = policies_in_force(state, commons_id)
        if policies is None or narrowed.privilege not in policies.standing.privileges:
            raise InvalidAction(
                f"this commons' standing policy sets no standing for {narrowed.privilege!r}"
            )


def fix_electorate(state: State, row: Row) -> int:
    """A narrowed electorate, fixed as voting opens (``row`` is the proposal's): its members
    are written down with their classes; their number. One read of the commons' members, roles
    and standing rows."""
    narrowed = orjson.loads(row["narrowed"])
    commons_id = row["commons_id"]
    day = str(row["opens_at"])[:10]
    if row["electorate_seq"] is not None:
        day = str(row["made_at"])[:10]
    policies = policies_in_force(state, commons_id)
    governance = governance_now(state, commons_id)
    standing = arbitration.standings_on(state, commons_id, day)
    held = arbitration.roles_held(state, commons_id)

    def reaches(member: str, points: int) -> bool:
        return standing.get(member, 0) >= points * 1000

    count = 0
    for member in state.scan_commons(members, commons_id):
        if member["status"] != "active" or not in_electorate(row, member):
            continue
        did = member["member"]
        classes: list[str] = []
        if "privilege" in narrowed:
            privileges = {} if policies is None else policies.standing.privileges
            needed = privileges.get(narrowed["privilege"])
            if needed is None or not reaches(did, needed):
                continue
        elif "role" in narrowed:
            if narrowed["role"] not in held.get(did, set()):
                continue
        else:
            for name in narrowed["classes"]:
                rule = governance.classes.get(name)
                if rule is None:
                    continue  # the charter dropped it since: nobody votes in it
                if (rule.role is not None and rule.role in held.get(did, set())) or (
                    rule.standing is not None and reaches(did, rule.standing)
                ):
                    classes.append(name)
            if not classes:
                continue
        key = {"commons_id": commons_id, "proposal_id": row["proposal_id"], "member": did}
        state.insert(electorate_members, {**key, "classes": text_of(classes)})
        count += 1
    return count


def _least_voting_hours(governance: Governance, rule: Rule | None) -> int:
    if rule is None:
        return governance.minimum_voting_hours
    return max(rule.voting_hours, governance.minimum_voting_hours)


def apply_propose(state: State, ctx: Context) -> None:
    body: ProposeBody = ctx.body
    governance = governance_now(state, ctx.commons_id)
    method, params, rule = decided_by(state, ctx.commons_id, body)
    discussion = (
        governance.discussion_hours if body.discussion_hours is None else body.discussion_hours
    )
    least = _least_voting_hours(governance, rule)
    voting = least if body.voting_hours is None else body.voting_hours
    at = ctx.entry.recorded_at
    opens_at = later(at, discussion)
    closes_at = later(opens_at, voting)
    voting_now = opens_at <= at
    row = {
        "commons_id": ctx.commons_id,
        "proposal_id": ctx.entry.id,
        "seq": ctx.entry.seq,
        "proposer": ctx.author,
        "title": body.title,
        "text": body.text,
        "method": method,
        "params": text_of(params),
        "options": _options_text(body.options),
        "effect": _effect_text(body.effect),
        "version": 1,
        "round": 1,
        "status": "voting" if voting_now else "discussion",
        "made_at": at,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "voting_hours": voting,
        "electorate": int(commons_row(state, ctx.commons_id)["member_count"])
        if voting_now
        else None,
        "objections": 0,
        "stances": 0,
        "outcome": None,
        "closed_at": None,
        "effective_on": None,
        "close_entry": None,
        "seconded_by": None,
        "electorate_seq": ctx.entry.seq if voting_now else None,
        "narrowed": None
        if body.electorate is None
        else text_of(body.electorate.model_dump(exclude_none=True)),
    }
    row["review_days"], row["review_on"] = body.review_days, None
    if voting_now and row["narrowed"] is not None:
        row["electorate"] = fix_electorate(state, row)
    state.insert(proposals, row)
    if isinstance(body.effect, Arbitrate):
        case = arbitration.case_row(state, ctx.commons_id, body.effect.case)
        state.put(cases, {**case, "appeal": ctx.entry.id})
    _count_open(state, ctx.commons_id, ctx.author, +1)
    items = [[closes_at, "close"]] if voting_now else [[opens_at, "open"], [closes_at, "close"]]
    reschedule(state, ctx.commons_id, ctx.entry.id, items)


def _options_text(options: list[Option] | None) -> str | None:
    if options is None:
        return None
    return text_of([option.model_dump() for option in options])


def _effect_text(effect: Effect) -> str:
    return text_of(effect.model_dump())


def _own_open_proposal(state: State, ctx: Context, proposal_id: str) -> Row:
    row = proposal_row(state, ctx.commons_id, proposal_id)
    if row["proposer"] != ctx.author:
        raise NotAllowed("only the proposer may do this to their proposal")
    if row["status"] not in ("discussion", "voting", "blocked"):
        raise AlreadyDone(f"this proposal is {row['status']} already", reason="closed")
    return row


def check_amend(state: State, ctx: Context) -> None:
    body: AmendBody = ctx.body
    active_member(state, ctx.commons_id, ctx.author)
    row = _own_open_proposal(state, ctx, body.proposal)
    reopening = row["method"] == "consent" and (
        row["status"] == "blocked" or (row["status"] == "voting" and row["objections"] > 0)
    )
    if row["status"] != "discussion" and not reopening:
        raise NotAllowed(
            "a proposal cannot be edited once voting opens (under consent, only to answer a "
            "standing objection); withdraw it and make a new one",
            reason="voting_opened",
        )
    options = body.options
    if options is None and row["options"] is not None:
        options = [Option(**option) for option in orjson.loads(row["options"])]
    effect = body.effect
    if effect is None:
        effect = _parse_effect(orjson.loads(row["effect"]))
    _check_shape(row["method"], options, effect)
    _check_tallies(row["method"], orjson.loads(row["params"]), options)
    _check_amendment(state, ctx.commons_id, effect)
    if body.effect is not None and _effect_text(body.effect) != row["effect"]:
        old_effect = _parse_effect(orjson.loads(row["effect"]))
        _check_same_kind(old_effect, body.effect)
        discussion = parse_time(row["opens_at"]) - parse_time(row["made_at"])
        _check_role(state, ctx.commons_id, body.effect, discussion // timedelta(hours=1))
        _check_strike(state, ctx.commons_id, body.effect)
        if isinstance(body.effect, AreaEffect):  # its area's checks, as when it was made
            narrowed = (
                None if row["narrowed"] is None else Narrowed(**orjson.loads(row["narrowed"]))
            )
            _check_area_effect(state, ctx.commons_id, body.effect, narrowed, ctx.entry.recorded_at)
        if isinstance(body.effect, Arbitrate):
            case = arbitration.case_row(state, ctx.commons_id, body.effect.case)
            verdict = arbitration.Verdict(
                verdict=body.effect.verdict, quantity=body.effect.quantity
            )
            arbitration.check_verdict(state, ctx.commons_id, case, verdict)
        old_rule = _rule_for(state, ctx.commons_id, old_effect)
        if _rule_for(state, ctx.commons_id, body.effect) != old_rule:
            raise NotAllowed(
                "this change of the effect needs another method under the charter's meta-rule: "
                "withdraw the proposal and make a new one",
                reason="meta_rule",
            )


def _check_same_kind(old: Effect, new: Effect) -> None:
    """An amendment keeps what the proposal acts on: the kind of its effect and, for an appeal,
    the case (each was checked when it was proposed: its window, its seconder, its case)."""
    same = old.kind == new.kind
    if same and isinstance(old, Arbitrate) and isinstance(new, Arbitrate):
        same = old.case == new.case
    if same and isinstance(old, StrikeObjection) and isinstance(new, StrikeObjection):
        same = (old.proposal, old.member) == (new.proposal, new.member)
    if not same:
        raise NotAllowed(
            "an amendment keeps the kind of effect the proposal was made with (and its case or "
            "objection): withdraw it and make a new one",
            reason="effect_kind",
        )


_EFFECT: TypeAdapter[Effect] = TypeAdapter(Effect)


def _parse_effect(data: dict[str, Any]) -> Effect:
    return _EFFECT.validate_python(data)


def apply_amend(state: State, ctx: Context) -> None:
    body: AmendBody = ctx.body
    row = dict(proposal_row(state, ctx.commons_id, body.proposal))
    if body.title is not None:
        row["title"] = body.title
    if body.text is not None:
        row["text"] = body.text
    if body.options is not None:
        row["options"] = _options_text(body.options)
    if body.effect is not None:
        row["effect"] = _effect_text(body.effect)
    row["version"] += 1
    row["objections"] = 0
    row["stances"] = 0
    if row["status"] != "discussion":  # consent, answering an objection: a new round of voting
        _new_round(state, row, ctx.entry.recorded_at, int(row["voting_hours"]))
    state.put(proposals, row)


def _new_round(state: State, row: Row, at: str, hours: int) -> None:
    if row["status"] == "blocked":
        row["outcome"] = None  # the blocked round's tally stays in the journal, recomputable
        row["closed_at"] = None
        row["close_entry"] = None
    row["round"] += 1
    row["status"] = "voting"
    row["closes_at"] = later(at, hours)
    reschedule(state, row["commons_id"], row["proposal_id"], [[row["closes_at"], "close"]])


def check_withdraw(state: State, ctx: Context) -> None:
    # A proposer who has left may still withdraw what they proposed (like a claim they made):
    # it frees the commons' agenda and gains them nothing.
    _own_open_proposal(state, ctx, ctx.body.proposal)


def apply_withdraw(state: State, ctx: Context) -> None:
    row = dict(proposal_row(state, ctx.commons_id, ctx.body.proposal))
    row["status"] = "withdrawn"
    row["closed_at"] = ctx.entry.recorded_at
    state.put(proposals, row)
    _count_open(state, ctx.commons_id, ctx.author, -1)
    reschedule(state, ctx.commons_id, row["proposal_id"], [])


def check_escalate(state: State, ctx: Context) -> None:
    active_member(state, ctx.commons_id, ctx.author)
    row = _own_open_proposal(state, ctx, ctx.body.proposal)
    if row["method"] != "consent" or row["status"] != "blocked":
        raise NotAllowed(
            "only a consent proposal blocked by an objection can be escalated to its fallback",
            reason="not_blocked",
        )
    params = orjson.loads(row["params"])
    rounds, days = int(params["rounds"]), params.get("days")
    if days is not None and ctx.entry.recorded_at >= later(row["made_at"], 24 * int(days)):
        return  # the days have passed: rounds or days, whichever comes first
    if int(row["round"]) < rounds:
        after_days = "" if days is None else f" or {days} days after it was proposed"
        raise NotAllowed(
            f"escalation comes after {rounds} rounds{after_days}; this proposal has had "
            f"{row['round']}: amend it to answer the objection first",
            reason="too_early",
        )


def apply_escalate(state: State, ctx: Context) -> None:
    row = dict(proposal_row(state, ctx.commons_id, ctx.body.proposal))
    fallback = orjson.loads(row["params"])["fallback"]
    row["method"] = fallback["method"]
    row["params"] = text_of(fallback["params"])
    row["voting_hours"] = int(fallback["voting_hours"])
    row["version"] += 1  # consent positions are not votes: every member votes again
    row["objections"] = 0
    row["stances"] = 0
    _new_round(state, row, ctx.entry.recorded_at, int(fallback["voting_hours"]))
    state.put(proposals, row)


def check_second(state: State, ctx: Context) -> None:
    active_member(state, ctx.commons_id, ctx.author)
    row = proposal_row(state, ctx.commons_id, ctx.body.proposal)
    if orjson.loads(row["effect"])["kind"] != "recall_role":
        raise NotAllowed("only a motion to recall a role is seconded", reason="not_a_recall")
    if row["proposer"] == ctx.author:
        raise NotAllowed("a seconder is another member than the proposer", reason="own_motion")
    if row["status"] != "discussion":
        raise NotAllowed("a motion is seconded before voting opens", reason="voting_opened")
    if row["seconded_by"] is not None:
        raise AlreadyDone("this motion is seconded already", reason="seconded")


def apply_second(state: State, ctx: Context) -> None:
    row = dict(proposal_row(state, ctx.commons_id, ctx.body.proposal))
    row["seconded_by"] = ctx.author
    state.put(proposals, row)


class ModerateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    effect: Annotated[HideText | ShowText, Field(discriminator="kind")]


def check_moderate(state: State, ctx: Context) -> None:
    """A steward's power (the charter's ``steward_powers``: moderate): hide or show a text at
    once, answerable to the members, who may reverse it by a decision."""
    active_member(state, ctx.commons_id, ctx.author)
    if "moderate" not in governance_now(state, ctx.commons_id).steward_powers:
        raise NotAllowed("this commons' charter gives stewards no power to moderate: propose it")
    if not holds_role(state, ctx.commons_id, ctx.author, "steward"):
        raise NotAllowed(
            "only a steward may hide or show a text directly; any member may propose it",
            reason="not_a_steward",
        )


def apply_moderate(state: State, ctx: Context) -> None:
    effect = ctx.body.effect.model_dump()
    moderate(state, ctx.commons_id, effect, ctx.author, ctx.entry.recorded_at)


def check_close(state: State, ctx: Context) -> None:
    active_member(state, ctx.commons_id, ctx.author)  # any member; not strangers' spam
    row = proposal_row(state, ctx.commons_id, ctx.body.proposal)
    if row["status"] in ("discussion", "voting"):
        raise NotAllowed(
            f"this proposal closes at {row['closes_at']} (journal time); nothing to close yet",
            reason="not_due",
        )
    if row["close_entry"] is not None or row["status"] == "withdrawn":
        raise AlreadyDone("this proposal's close is in the journal already", reason="closed")


def apply_close(state: State, ctx: Context) -> None:
    row = dict(proposal_row(state, ctx.commons_id, ctx.body.proposal))
    row["close_entry"] = ctx.entry.seq
    state.put(proposals, row)


def check_stance(state: State, ctx: Context) -> None:
    body: StanceBody = ctx.body
    member = active_member(state, ctx.commons_id, ctx.author)
    row = proposal_row(state, ctx.commons_id, body.proposal)
    status = row["status"]
    if status == "discussion":
        raise _refuse(
            "not_open_yet", f"voting on this proposal opens at {row['opens_at']} (journal time)"
        )
    if status != "voting":
        raise _refuse(
            "closed", f"this proposal is {status}: its voting closed at {row['closed_at']}"
        )
    if body.version != row["version"]:
        raise _refuse(
            "wrong_version",
            f"this stance is on version {body.version}, but the proposal is at version "
            f"{row['version']}: read it again and take a stance on what it says now",
        )
    opened = _electorate_opened_at(row)
    if not in_electorate(row, member):
        raise _refuse(
            "not_in_electorate",
            f"you joined at {member['joined_at']}, after voting on this proposal opened "
            f"({opened}): the electorate is the members from before",
        )
    if row["narrowed"] is not None:
        key = (ctx.commons_id, body.proposal, ctx.author)
        if state.get(electorate_members, key) is None:
            raise _refuse(
                "not_in_electorate",
                f"this vote is open to {_who(orjson.loads(row['narrowed']))} as voting opened: "
                "you were not among them",
            )
    _check_ballot(row, body.ballot, body.reason)
    struck = (ctx.commons_id, body.proposal, ctx.author, row["version"])
    if _objects(row, body.ballot) and state.get(struck_objections, struck) is not None:
        raise _refuse(
            "objection_struck",
            "a decision found your objection to this version invalid: raise a concern, or a "
            "new objection once the proposal is amended",
        )


def _electorate_opened_at(row: Row) -> str:
    """When the electorate was fixed: voting's first opening (later rounds keep it)."""
    return str(row["opens_at"])


def _who(narrowed: dict[str, Any]) -> str:
    if "privilege" in narrowed:
        return f"the members holding the privilege {narrowed['privilege']!r}"
    if "role" in narrowed:
        return f"the members holding the role {narrowed['role']!r}"
    return f"the stakeholder classes {', '.join(narrowed['classes'])}"


def in_electorate(row: Row, member: Row) -> bool:
    """Whether the member was in the electorate fixed when voting first opened: a proposal put
    to the vote by its own entry counts the members who joined before that entry; one opened at
    its time, those who joined before that time."""
    if row["electorate_seq"] is not None:
        return int(member["joined_seq"]) < int(row["electorate_seq"])
    return str(member["joined_at"]) < _electorate_opened_at(row)


def _check_ballot(row: Row, ballot: Any, reason: str) -> None:
    method = row["method"]
    if method in BY_OBJECTION:
        positions = ("consent", "concern", "object")
        if not isinstance(ballot, dict) or set(ballot) != {"position"}:
            raise _refuse(
                "wrong_shape", 'the ballot is {"position": "consent" | "concern" | "object"}'
            )
        if ballot["position"] not in positions:
            raise _refuse("wrong_shape", f"a position is one of {', '.join(positions)}")
        if ballot["position"] in ("object", "concern") and not reason:
            raise _refuse(
                "reason_required",
                f"an {ballot['position']} must carry a reason: say what would make it acceptable",
            )
        return
    options = [option["id"] for option in orjson.loads(row["options"] or "[]")]
    try:
        methods.check_ballot(method, orjson.loads(row["params"]), options, ballot)
    except methods.BallotError as exc:
        raise _refuse(exc.code, exc.message) from exc


def apply_stance(state: State, ctx: Context) -> None:
    body: StanceBody = ctx.body
    key = (ctx.commons_id, body.proposal, ctx.author)
    row = dict(proposal_row(state, ctx.commons_id, body.proposal))
    previous = state.get(stances, key)
    if previous is not None and previous["version"] == row["version"]:
        struck = state.get(struck_objections, (*key, row["version"])) is not None
        if _objects(row, orjson.loads(previous["ballot"])) and not struck:
            row["objections"] -= 1
    else:
        row["stances"] += 1
    if _objects(row, body.ballot):
        row["objections"] += 1
    state.put(
        stances,
        {
            "commons_id": ctx.commons_id,
            "proposal_id": body.proposal,
            "member": ctx.author,
            "version": body.version,
            "ballot": text_of(body.ballot),
            "reason": body.reason,
            "seq": ctx.entry.seq,
            "recorded_at": ctx.entry.recorded_at,
        },
    )
    state.put(proposals, row)


def _objects(row: Row, ballot: Any) -> bool:
    return row["method"] in BY_OBJECTION and ballot == {"position": "object"}


def _reads_proposal(commons_id: str, author: str, body: Any) -> list[tuple[Any, Key]]:
    return [
        (proposals, (commons_id, body.proposal)),
        (members, (commons_id, author)),
        (stances, (commons_id, body.proposal, author)),
    ]


ACTIONS = (
    ActionSpec(
        type=PROPOSE,
        summary="Propose a decision: a text, a method, options and an effect (a charter amendment)",
        body=ProposeBody,
        check=check_propose,
        apply=apply_propose,
    ),
    ActionSpec(
        type=AMEND,
        summary="Amend your proposal into a new version (before voting, or to answer an objection)",
        body=AmendBody,
        check=check_amend,
        apply=apply_amend,
        reads=_reads_proposal,
    ),
    ActionSpec(
        type=WITHDRAW,
        summary="Withdraw your open proposal",
        body=ProposalBody,
        check=check_withdraw,
        apply=apply_withdraw,
        reads=_reads_proposal,
    ),
    ActionSpec(
        type=ESCALATE,
        summary="Escalate your blocked consent proposal to its fallback vote",
        body=ProposalBody,
        check=check_escalate,
        apply=apply_escalate,
        reads=_reads_proposal,
    ),
    ActionSpec(
        type=SECOND,
        summary="Second a motion to recall a role (it needs one seconder before voting opens)",
        body=ProposalBody,
        check=check_second,
        apply=apply_second,
        reads=_reads_proposal,
    ),
    ActionSpec(
        type=MODERATE,
        summary="As a steward, hide a text from the pages or show it again (the journal keeps it)",
        body=ModerateBody,
        check=check_moderate,
        apply=apply_moderate,
    ),
    ActionSpec(
        type=CLOSE,
        summary="Mark a proposal's close in the journal (the fold closes it at its deadline)",
        body=ProposalBody,
        check=check_close,
        apply=apply_close,
        reads=_reads_proposal,
    ),
    ActionSpec(
        type=STANCE,
        summary="Take a stance on a proposal: a vote, a ranking, scores, consent or an objection",
        body=StanceBody,
        check=check_stance,
        apply=apply_stance,
        reads=_reads_proposal,
    ),
)
