"""The inventory: resources registered with their usage rules, updated by who keeps them.

A member lends their own tool (the owner is the member); the treasurer (or the founder, until
a treasurer is named) registers what the commons owns; an organisation's own key or a
representative registers what it lends. The custodian is the member who hands the thing over
and reports on its state when it comes back: the owner by default.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from typing import Annotated, Any, Literal

import orjson
import sqlalchemy as sa
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from commonwork.commons.actions import active_member
from commonwork.commons.charter_economy import CurrencyCode
from commonwork.commons.tables import members
from commonwork.economy.books import exponent_of, is_treasurer
from commonwork.economy.currencies import MAX_MINOR
from commonwork.economy.organisations import acts_for, org_row
from commonwork.errors import InvalidAction, NotAllowed, NotFound
from commonwork.governance.clock import text_of
from commonwork.journal.projection import ActionSpec, Context, Key, Row, State
from commonwork.resources.tables import resources

Did = Annotated[str, StringConstraints(pattern=r"^did:key:z[1-9A-HJ-NP-Za-km-z]{20,60}$")]
EntryId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Url = Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://[^\s/?#]+\S*$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Skill = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,49}$")]
Role = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]

KINDS = ("tool", "machine", "vehicle", "room", "other")
#: The longest a booking may be, whatever a resource's rules say (92 days), and a maintenance
#: block (366 days): the time index the rules read grows with a row's length.
MAX_BOOKING_HOURS = 92 * 24
MAX_BLOCK_DAYS = 366


@cache
def zone_names() -> frozenset[str]:
    """The IANA zone names a resource may name: a list shipped with the code (zones.txt), never
    the node's own time-zone database, which differs between systems and releases."""
    text = (files("commonwork.resources") / "zones.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.split("\n") if line and not line.startswith("#"))


class Photo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    sha256: Sha256
    url: Url | None = None


class Quota(BaseModel):
    """At most ``days`` days of bookings in any window of ``per_days`` days, per person (counted
    in minutes: 6 days in any 30 is 8,640 minutes in any 43,200)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    days: int = Field(ge=1, le=366)
    per_days: int = Field(ge=1, le=366)

    @model_validator(mode="after")
    def _within(self) -> Quota:
        if self.days > self.per_days:
            raise ValueError("a quota's days are at most its window (per_days)")
        return self


class Charge(BaseModel):
    """An amount in minor units of a currency: ISO 4217, or one the commons declared (a
    mutual-credit currency's moves between members' credit accounts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    amount: int = Field(ge=1, le=MAX_MINOR)
    currency: CurrencyCode


class WhoMayBook(BaseModel):
    """Who may book: any member, members whose standing unlocks a privilege, members holding a
    training record (an accepted contribution of a named skill), or holders of a role granted
    by decision."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    who: Literal["any", "privilege", "trained", "role"] = "any"
    privilege: Literal["arbitrate", "bounty_tasks"] | None = None  # policy.PRIVILEGES
    skill: Skill | None = None
    role: Role | None = None

    @model_validator(mode="after")
    def _named(self) -> WhoMayBook:
        needed = {"privilege": self.privilege, "trained": self.skill, "role": self.role}
        given = [name for name, value in needed.items() if value is not None]
        if self.who == "any" and given:
            raise ValueError("'any' member may book: name no privilege, skill or role")
        if self.who != "any" and given != [self.who]:
            field = {"privilege": "privilege", "trained": "skill", "role": "role"}[self.who]
            raise ValueError(f"who may book is {self.who!r}: name the {field} and nothing else")
        return self


class Rules(BaseModel):
    """A resource's usage rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    max_hours: int = Field(default=72, ge=1, le=MAX_BOOKING_HOURS)
    buffer_minutes: int = Field(default=0, ge=0, le=7 * 24 * 60)
    quota: Quota | None = None
    who: WhoMayBook = Field(default_factory=WhoMayBook)
    deposit: Charge | None = None
    fee: Charge | None = None
    #: How long a maintenance block that a damage report opens lasts (lifted earlier by hand).
    damage_block_days: int = Field(default=7, ge=1, le=MAX_BLOCK_DAYS)

    @model_validator(mode="after")
    def _one_currency(self) -> Rules:
        if self.deposit and self.fee and self.deposit.currency != self.fee.currency:
            raise ValueError("a deposit and a fee are in one currency")
        return self

    @property
    def currency(self) -> str | None:
        charge = self.deposit or self.fee
        return None if charge is None else charge.currency


class RegisterBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Name
    kind: Literal["tool", "machine", "vehicle", "room", "other"]
    description: Text = ""
    photos: list[Photo] = Field(default_factory=list, max_length=20)
    location: Short = ""
    zone: str = Field(default="UTC", max_length=64)
    #: Who owns it: the author (member), the commons, or an organisation the author acts for.
    owner: Literal["member", "commons", "organisation"] = "member"
    organisation: Did | None = None
    custodian: Did | None = None
    condition: Text = ""
    rules: Rules = Field(default_factory=Rules)

    @field_validator("zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_zone(value)

    @model_validator(mode="after")
    def _organisation(self) -> RegisterBody:
        if (self.owner == "organisation") != (self.organisation is not None):
            raise ValueError("name the organisation when, and only when, it is the owner")
        return self


class UpdateBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    resource: EntryId
    name: Name | None = None
    description: Text | None = None
    photos: list[Photo] | None = Field(default=None, max_length=20)
    location: Short | None = None
    zone: str | None = Field(default=None, max_length=64)
    custodian: Did | None = None
    condition: Text | None = None
    rules: Rules | None = None
    status: Literal["lendable", "retired"] | None = None

    @field_validator("zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else check_zone(value)


def check_zone(value: str) -> str:
    """An IANA time zone name (``Europe/Berlin``) of the list shipped with the code."""
    if value not in zone_names():
        raise ValueError(
            f"{value!r} is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)"
        )
    return value


def resource_row(state: State, commons_id: str, resource_id: str) -> Row:
    row = state.get(resources, (commons_id, resource_id))
    if row is None:
        raise NotFound(f"this commons has no resource {resource_id}")
    return row


def rules_of(row: Row) -> Rules:
    return Rules.model_validate(orjson.loads(row["rules"]))


def may_manage(state: State, commons_id: str, row: Row, member: str) -> bool:
    """Whether ``member`` keeps the resource: an active member who is its custodian, its owner
    (a member, or someone who acts for the owning organisation), or for the commons' own the
    treasurer."""
    held = state.get(members, (commons_id, member))
    if held is None or held["status"] != "active":
        return False  # who left keeps nothing of the commons' (their tool stays in the record)
    if member == row["custodian"]:
        return True
    if row["owner_kind"] == "member":
        return bool(member == row["owner"])
    if row["owner_kind"] == "organisation":
        return acts_for(state, commons_id, str(row["owner"]), member)
    return is_treasurer(state, commons_id, member)


def _check_charges(state: State, commons_id: str, rules: Rules) -> None:
    if rules.currency is not None:
        exponent_of(state, commons_id, rules.currency)  # NotFound: neither ISO nor declared


def check_register(state: State, ctx: Context) -> None:
    body: RegisterBody = ctx.body
    active_member(state, ctx.commons_id, ctx.author)
    if body.owner == "commons" and not is_treasurer(state, ctx.commons_id, ctx.author):
        raise NotAllowed(
            "what the commons owns is registered by its treasurer (the founder until a treasurer "
            "is named by decision); lend your own tool with owner 'member'",
            reason="not_treasurer",
        )
    if body.organisation is not None:
        org = org_row(state, ctx.commons_id, body.organisation)
        if not acts_for(state, ctx.commons_id, body.organisation, ctx.author):
            raise NotAllowed(
                f"only {org['name']}'s own key or its representatives lend what it owns",
                reason="not_a_representative",
            )
    if body.custodian is not None:
        active_member(state, ctx.commons_id, body.custodian)
    _check_charges(state, ctx.commons_id, body.rules)


def apply_register(state: State, ctx: Context) -> None:
    body: RegisterBody = ctx.body
    at = ctx.entry.recorded_at
    owner = {"member": ctx.author, "commons": None, "organisation": body.organisation}
    state.insert(
        resources,
        {
            "commons_id": ctx.commons_id,
            "resource_id": ctx.entry.id,
            "name": body.name,
            "kind": body.kind,
            "description": body.description,
            "photos": text_of([photo.model_dump(exclude_none=True) for photo in body.photos]),
            "location": body.location,
            "zone": body.zone,
            "owner_kind": body.owner,
            "owner": owner[body.owner],
            "custodian": body.custodian or ctx.author,
            "condition": body.condition,
            "rules": rules_text(body.rules),
            "status": "lendable",
            "registered_by": ctx.author,
            "registered_seq": ctx.entry.seq,
            "registered_at": at,
            "updated_at": at,
            "bookings": 0,
            "completed": 0,
        },
    )


def rules_text(rules: Rules) -> str:
    return text_of(rules.model_dump(exclude_none=True))


def check_update(state: State, ctx: Context) -> None:
    body: UpdateBody = ctx.body
    row = resource_row(state, ctx.commons_id, body.resource)
    if not may_manage(state, ctx.commons_id, row, ctx.author):
        raise NotAllowed(
            "the resource's owner or custodian (for the commons' own, the treasurer) changes it",
            reason="not_keeper",
        )
    if body.custodian is not None:
        active_member(state, ctx.commons_id, body.custodian)
    if body.rules is not None:
        if row["owner_kind"] == "commons":
            raise NotAllowed(
                "the rules of what the commons owns change by decision (a proposal with the "
                "effect resource_rules)",
                reason="by_decision",
            )
        _check_charges(state, ctx.commons_id, body.rules)


def apply_update(state: State, ctx: Context) -> None:
    body: UpdateBody = ctx.body
    row = dict(resource_row(state, ctx.commons_id, body.resource))
    for name in ("name", "description", "location", "zone", "custodian", "condition", "status"):
        value = getattr(body, name)
        if value is not None:
            row[name] = value
    if body.photos is not None:
        row["photos"] = text_of([photo.model_dump(exclude_none=True) for photo in body.photos])
    if body.rules is not None:
        row["rules"] = rules_text(body.rules)
    row["updated_at"] = ctx.entry.recorded_at
    state.put(resources, row)


def _reads_register(commons_id: str, author: str, body: Any) -> list[tuple[sa.Table, Key]]:
    wanted: list[tuple[sa.Table, Key]] = [(members, (commons_id, author))]
    if body.custodian is not None:
        wanted.append((members, (commons_id, body.custodian)))
    return wanted


def _reads_update(commons_id: str, author: str, body: Any) -> list[tuple[sa.Table, Key]]:
    return [(resources, (commons_id, body.resource))]


def minutes_of(text: str) -> int:
    """A UTC time — a body's ``2026-12-05T09:30Z`` or a journal time (``recorded_at``) — in
    whole minutes since the epoch, rounded down."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidAction(f"{text} is not a date and time") from exc
    return int(moment.timestamp()) // 60


#: Journal time in whole minutes: what "now" is to a rule.
now_minutes = minutes_of


def minutes_text(minutes: int) -> str:
    """Minutes since the epoch as the time a body names them: ``2026-12-05T09:30Z``."""
    return datetime.fromtimestamp(minutes * 60, UTC).strftime("%Y-%m-%dT%H:%MZ")


ACTIONS = (
    ActionSpec(
        type="resources.resource.register",
        summary="Lend a tool, machine, vehicle or room to the commons, with its usage rules",
        body=RegisterBody,
        check=check_register,
        apply=apply_register,
        reads=_reads_register,
    ),
    ActionSpec(
        type="resources.resource.update",
        summary="Change a resource's description, custodian, condition or usage rules, or "
        "retire it (its owner or custodian)",
        body=UpdateBody,
        check=check_update,
        apply=apply_update,
        reads=_reads_update,
    ),
)
