"""The commons area's action types: found a commons, join it, leave it, invite to it.

Membership is open by default (equipotentiality): joining needs nobody's permission. A commons
whose charter says ``join_policy: invitation`` admits those a member has invited.
"""

from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from commonwork.commons.charter import Charter
from commonwork.commons.charter_policies import charter_text_has_policies
from commonwork.commons.tables import charter_versions, commons, forks, invitations, members
from commonwork.errors import (
    AlreadyDone,
    InvalidAction,
    NotAllowed,
    NotAMember,
    NotFound,
    WrongHost,
)
from commonwork.journal.canonical import canon
from commonwork.journal.keys import public_key_from_did
from commonwork.journal.projection import ActionSpec, Context, Key, Row, State

DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]

FOUND = "commons.commons.found"
JOIN = "commons.member.join"
LEAVE = "commons.member.leave"
INVITE = "commons.member.invite"
FORK = "commons.commons.fork"


class FoundBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    charter: Charter
    founder_name: DisplayName
    #: The did:key of the host the founding is addressed to (``GET /api/v1/node``): only that
    #: host may append it. Foundings signed before it existed name none and keep their meaning.
    host: Annotated[str, StringConstraints(max_length=100)] | None = None


class ForkBody(BaseModel):
    """Start a new commons from a commons' journal at one of its entries: no permission needed.
    The fork's entry follows that entry; its state is the parent's state there (what each area
    carries), then its own entries on its own host."""

    model_config = ConfigDict(extra="forbid")
    parent: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    at_seq: int = Field(ge=0)
    at_hash: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
    #: The did:key of the fork's host: only that node may append the fork's entry.
    host: Annotated[str, StringConstraints(max_length=100)]
    #: The fork's name (default: the parent's), and the forker's name as a member if they were
    #: not one at that entry.
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    founder_name: DisplayName | None = None


class JoinBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: DisplayName


class LeaveBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InviteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    invitee: Annotated[str, StringConstraints(max_length=100)]


def commons_row(state: State, commons_id: str) -> Row:
    row = state.get(commons, (commons_id,))
    if row is None:
        raise NotFound(f"there is no commons {commons_id} on this node")
    return row


def governed_by_policies(state: State, commons_id: str) -> bool:
    """Whether the commons' charter sets validation, value or standing policies: then the
    day's settlement decides acceptance, not the provisional one-approval rule."""
    return charter_text_has_policies(commons_row(state, commons_id)["charter"])


def legacy_policies(state: State, commons_id: str) -> bool:
    """Whether the charter sets policies but no engine: signed before engine versions existed.
    Its entries keep the meaning they had then (docs/journal.md, "Rules that changed")."""
    charter = commons_row(state, commons_id)["charter"]
    return charter_text_has_policies(charter) and '"engine":' not in charter


def active_member(state: State, commons_id: str, member: str) -> Row:
    """The member's row; NotAMember unless they are an active member of the commons."""
    row = state.get(members, (commons_id, member))
    if row is None or row["status"] != "active":
        raise NotAMember(
            f"{member} is not a member of this commons; join it first (anyone may join)"
        )
    return row


def _member_row(ctx: Context, name: str, role: str) -> Row:
    return {
        "commons_id": ctx.commons_id,
        "member": ctx.author,
        "name": name,
        "status": "active",
        "role": role,
        "joined_at": ctx.entry.recorded_at,
        "joined_seq": ctx.entry.seq,
        "left_at": None,
    }


def _change_member_count(state: State, commons_id: str, delta: int) -> None:
    row = dict(commons_row(state, commons_id))
    row["member_count"] += delta
    state.put(commons, row)


def check_found(state: State, ctx: Context) -> None:
    if state.get(commons, (ctx.commons_id,)) is not None:
        raise AlreadyDone("this commons was founded already")
    _check_addressed_host(ctx.body.host, ctx.entry.host)


def _check_addressed_host(named: str | None, host: str) -> None:
    """A founding that names its host is appended by that host only: on another node it would
    show a commons "founded" by its author without their doing. (One that names none was signed
    before foundings named their host; the node refuses new ones, see the submit pipeline.)"""
    if named is not None and named != host:
        raise WrongHost(
            f"this founding is addressed to the host {named}, but the host {host} appended it: "
            "a founding is appended only by the node it names. To found a commons on this "
            "node, sign a new founding whose body names its host (GET /api/v1/node); to keep "
            "a copy of a commons hosted elsewhere, import its journal"
        )


def check_fork(state: State, ctx: Context) -> None:
    body: ForkBody = ctx.body
    if state.get(commons, (ctx.commons_id,)) is None:
        raise InvalidAction(
            "a fork's entry follows its parent's entries in its journal: the parent's state at "
            f"entry {body.at_seq} is missing (hold the parent's journal up to it first)"
        )
    _check_addressed_host(body.host, ctx.entry.host)
    current = state.get(members, (ctx.commons_id, ctx.author))
    if (current is None or current["status"] != "active") and body.founder_name is None:
        raise InvalidAction(
            "you are not a member of the parent: give your name as the fork's founder"
        )


def apply_fork(state: State, ctx: Context) -> None:
    """The forker is the fork's founder (joining it if they were not a member); the parent's
    founder stays a member; the commons takes its new name, if any."""
    body: ForkBody = ctx.body
    row = dict(commons_row(state, ctx.commons_id))
    earlier = state.get(members, (ctx.commons_id, row["founder"]))
    if earlier is not None and row["founder"] != ctx.author and earlier["role"] == "founder":
        state.put(members, {**earlier, "role": "member"})
    current = state.get(members, (ctx.commons_id, ctx.author))
    if current is None or current["status"] != "active":
        name = body.founder_name or (current["name"] if current is not None else ctx.author)
        state.put(members, _member_row(ctx, name, "founder"))
        row["member_count"] += 1
    else:  # a member at that entry keeps the name they had
        state.put(members, {**current, "role": "founder"})
    row.update(founder=ctx.author, founded_at=ctx.entry.recorded_at)
    if body.name is not None:
        row["name"] = body.name
    state.put(commons, row)
    state.insert(
        forks,
        {
            "commons_id": ctx.commons_id,
            "seq": ctx.entry.seq,
            "parent": body.parent,
            "at_seq": body.at_seq,
            "at_hash": body.at_hash,
            "reason": body.reason,
            "forked_by": ctx.author,
            "forked_at": ctx.entry.recorded_at,
            "fork_id": ctx.entry.id,
        },
    )


def apply_found(state: State, ctx: Context) -> None:
    body: FoundBody = ctx.body
    charter = body.charter
    state.put(
        commons,
        {
            "commons_id": ctx.commons_id,
            "name": charter.name,
            "purpose": charter.purpose,
            "charter": canon(charter.as_json()).decode(),
            "licence": charter.licence,
            "join_policy": charter.join_policy,
            "founder": ctx.author,
            "founded_at": ctx.entry.recorded_at,
            "member_count": 1,
        },
    )
    state.put(members, _member_row(ctx, body.founder_name, "founder"))
    version = {"commons_id": ctx.commons_id, "seq": ctx.entry.seq}
    state.insert(
        charter_versions,
        {
            **version,
            "charter": canon(charter.as_json()).decode(),
            "recorded_at": ctx.entry.recorded_at,
            "effective_on": ctx.entry.recorded_at[:10],
        },
    )


def charter_takes_effect(state: State, commons_id: str, charter_text: str) -> None:
    """Put a charter version in force: the commons row shows it and every rule reads it."""
    charter = Charter.model_validate_json(charter_text)
    row = commons_row(state, commons_id)
    state.put(
        commons,
        {
            **row,
            "name": charter.name,
            "purpose": charter.purpose,
            "charter": charter_text,
            "licence": charter.licence,
            "join_policy": charter.join_policy,
        },
    )


def check_join(state: State, ctx: Context) -> None:
    row = commons_row(state, ctx.commons_id)
    current = state.get(members, (ctx.commons_id, ctx.author))
    if current is not None and current["status"] == "active":
        raise AlreadyDone(f"{ctx.author} is a member of this commons already")
    invited = state.get(invitations, (ctx.commons_id, ctx.author)) is not None
    if row["join_policy"] == "invitation" and not invited:
        raise NotAllowed(
            "this commons' charter admits members by invitation; ask a member to invite you"
        )


def apply_join(state: State, ctx: Context) -> None:
    current = state.get(members, (ctx.commons_id, ctx.author))
    role = current["role"] if current is not None else "member"
    state.put(members, _member_row(ctx, ctx.body.name, role))
    _change_member_count(state, ctx.commons_id, +1)


def check_leave(state: State, ctx: Context) -> None:
    active_member(state, ctx.commons_id, ctx.author)


def apply_leave(state: State, ctx: Context) -> None:
    row = dict(active_member(state, ctx.commons_id, ctx.author))
    row.update(status="left", left_at=ctx.entry.recorded_at)
    state.put(members, row)
    _change_member_count(state, ctx.commons_id, -1)


def check_invite(state: State, ctx: Context) -> None:
    active_member(state, ctx.commons_id, ctx.author)
    public_key_from_did(ctx.body.invitee)
    invitee = state.get(members, (ctx.commons_id, ctx.body.invitee))
    if invitee is not None and invitee["status"] == "active":
        raise AlreadyDone(f"{ctx.body.invitee} is a member already")


def apply_invite(state: State, ctx: Context) -> None:
    state.put(
        invitations,
        {
            "commons_id": ctx.commons_id,
            "invitee": ctx.body.invitee,
            "inviter": ctx.author,
            "invited_at": ctx.entry.recorded_at,
        },
    )


def reads_membership(commons_id: str, author: str, body: Any) -> list[tuple[sa.Table, Key]]:
    return [(commons, (commons_id,)), (members, (commons_id, author))]


def _reads_join(commons_id: str, author: str, body: Any) -> list[tuple[sa.Table, Key]]:
    return [*reads_membership(commons_id, author, body), (invitations, (commons_id, author))]


def _reads_invite(commons_id: str, author: str, body: Any) -> list[tuple[sa.Table, Key]]:
    invitee = (members, (commons_id, body.invitee))
    return [*reads_membership(commons_id, author, body), invitee]


ACTIONS = (
    ActionSpec(FOUND, "Found a commons with its charter", FoundBody, check_found, apply_found),
    ActionSpec(
        FORK,
        "Fork a commons at one of its entries into a new commons (no permission needed)",
        ForkBody,
        check_fork,
        apply_fork,
    ),
    ActionSpec(
        JOIN,
        "Join a commons (no permission needed)",
        JoinBody,
        check_join,
        apply_join,
        _reads_join,
    ),
    ActionSpec(LEAVE, "Leave a commons", LeaveBody, check_leave, apply_leave, reads_membership),
    ActionSpec(
        INVITE,
        "Invite someone to an invitation-only commons",
        InviteBody,
        check_invite,
        apply_invite,
        _reads_invite,
    ),
)
