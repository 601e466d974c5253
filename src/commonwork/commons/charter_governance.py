"""The charter's governance section: how a commons decides, and which decision may change what.

It is charter data, carried in the genesis like every other rule, and changed only by a decision
under it. A charter without the section (every commons founded before governance existed, and
any founder who keeps the defaults) is governed by ``DEFAULTS``, frozen here: changing a default
in a later release would change the meaning of those journals, so a new default needs a new
charter field, never an edited one.

The **meta-rule** names the method (with every parameter) a proposal must use to amend the
charter (``charter``), and the stricter one to amend this section itself (``meta``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

#: The methods a proposal may use (commonwork.governance.methods tallies the voted ones).
Method = Literal[
    "consent",
    "lazy_consensus",
    "majority",
    "supermajority",
    "schulze",
    "approval",
    "score",
    "budget",
]
METHODS: tuple[str, ...] = get_args(Method)


#: What a steward may do without a vote.
StewardPower = Literal["moderate"]
STEWARD_POWERS: tuple[StewardPower, ...] = ("moderate",)


def fraction(text: str) -> Fraction:
    numerator, denominator = text.split("/")
    return Fraction(int(numerator), int(denominator))


class Rule(BaseModel):
    """A method with its parameters and the voting window it needs at least."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    method: Method
    #: The method's parameters (quorum, threshold, …): commonwork.governance.methods.
    params: dict[str, Any] = Field(default_factory=dict)
    voting_hours: int = Field(default=168, ge=1, le=24 * 365)
    #: Consent only: rounds (a proposal amended after an objection starts a new one) after which
    #: the proposer may escalate to ``fallback``.
    rounds: int = Field(default=2, ge=1, le=20)
    #: Consent only: or after this many days since it was proposed, whichever comes first
    #: (none: after the rounds only).
    escalate_after_days: int | None = Field(default=None, ge=1, le=365)
    fallback: Rule | None = None

    @model_validator(mode="after")
    def _fractions(self) -> Rule:
        for name in ("quorum", "threshold"):
            value = self.params.get(name)
            if value is not None:
                if not isinstance(value, str) or not _is_fraction(value):
                    raise ValueError(f"{name} must be a fraction written like '2/3'")
                if not 0 <= fraction(value) <= 1:
                    raise ValueError(f"{name} must be between 0/1 and 1/1")
        if self.fallback is not None and self.fallback.method in ("consent", "lazy_consensus"):
            raise ValueError("a fallback must be a vote (majority or supermajority)")
        return self


def _is_fraction(text: str) -> bool:
    return re.fullmatch(r"[0-9]{1,6}/[1-9][0-9]{0,5}", text) is not None


class Arbitration(BaseModel):
    """How disputed work is settled by peers: a panel drawn from the members who may arbitrate,
    deciding by majority with written reasons, redrawn when it does not; one appeal to all the
    members, by proposal."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    #: Members on a panel (odd: a majority always exists).
    panel: int = Field(default=3, ge=1, le=15)
    #: Days of journal time a panel has to rule before it is redrawn.
    days: int = Field(default=14, ge=1, le=365)
    #: Panels drawn at most; after the last one's days without a verdict, the members decide.
    rounds: int = Field(default=3, ge=1, le=20)
    #: Days after a verdict during which it may be appealed (once) to all the members.
    appeal_days: int = Field(default=14, ge=1, le=365)
    #: Days after its acceptance during which accepted work may still be disputed (a dispute
    #: with weight opens a case; a verdict against it acts from its own day, never before).
    dispute_days: int = Field(default=30, ge=0, le=3650)
    #: How an appeal (or a case no panel can be drawn for) is decided by the members.
    appeals: Rule = Rule(
        method="majority", params={"quorum": "1/3", "threshold": "1/2"}, voting_hours=72
    )

    @model_validator(mode="after")
    def _odd(self) -> Arbitration:
        if self.panel % 2 == 0:
            raise ValueError("a panel has an odd number of members, so that a majority exists")
        if self.appeals.method not in ("majority", "supermajority"):
            raise ValueError("an appeal is decided by a vote (majority or supermajority)")
        return self


#: The roles a decision grants (besides the founder's, which founding gave): stewards,
#: arbiters and treasurers carry powers; users, funders and the association's representatives
#: mark the stakeholder classes a charter may name.
GRANTED_ROLES = ("steward", "arbiter", "treasurer", "user", "funder", "association")
GrantedRole = Literal["steward", "arbiter", "treasurer", "user", "funder", "association"]


class StakeholderClass(BaseModel):
    """A class of stakeholders a decision on scarce resources may be divided into: the members
    holding a role, or those whose standing reaches a figure; with its own quorum (of the
    class's electorate) and pass threshold (of its votes cast), so that no class is overruled
    on what affects it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    role: GrantedRole | Literal["founder"] | None = None
    standing: int | None = Field(default=None, ge=0, le=10**9)
    quorum: str = "0/1"
    threshold: str = "1/2"

    @model_validator(mode="after")
    def _one_rule(self) -> StakeholderClass:
        if (self.role is None) == (self.standing is None):
            raise ValueError("a stakeholder class is the holders of a role, or a standing")
        for name in ("quorum", "threshold"):
            value = getattr(self, name)
            if not _is_fraction(value) or not 0 <= fraction(value) <= 1:
                raise ValueError(f"a class's {name} is a fraction between 0/1 and 1/1, like '2/3'")
        return self


ClassName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class Governance(BaseModel):
    """How a commons decides."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    #: Proposals a member may have open (in discussion, voting or blocked) at once: spam stays out.
    open_proposals_per_member: int = Field(default=3, ge=1, le=100)
    #: The shortest discussion before voting opens, and the default one, in hours of journal time.
    discussion_hours: int = Field(default=24, ge=0, le=24 * 90)
    #: The shortest voting window any proposal may have, in hours of journal time.
    minimum_voting_hours: int = Field(default=72, ge=1, le=24 * 90)
    #: Whether pages show a proposal's tally while it is open ("live") or only once it closed.
    tallies: Literal["live", "at_close"] = "live"
    #: The meta-rule: the method that may amend the charter, and the one for this section.
    charter: Rule = Rule(
        method="consent",
        voting_hours=168,
        rounds=2,
        fallback=Rule(
            method="supermajority", params={"quorum": "1/2", "threshold": "2/3"}, voting_hours=168
        ),
    )
    meta: Rule = Rule(
        method="supermajority", params={"quorum": "1/2", "threshold": "3/4"}, voting_hours=168
    )
    #: What stewards may do without a vote (answerable to the members, who may reverse it).
    steward_powers: list[StewardPower] = Field(default_factory=lambda: list(STEWARD_POWERS))
    #: How a role is granted or recalled (a motion of no confidence also needs a seconder), and
    #: a text hidden from the pages or shown again by decision.
    roles: Rule = Rule(
        method="majority", params={"quorum": "1/3", "threshold": "1/2"}, voting_hours=72
    )
    #: How disputed work is arbitrated.
    arbitration: Arbitration = Arbitration()
    #: The stakeholder classes a vote may be divided into (none by default), by name.
    classes: dict[ClassName, StakeholderClass] = Field(default_factory=dict, max_length=12)


#: The governance of every charter that does not set its own.
DEFAULTS = Governance()


def governance_of(charter: Mapping[str, Any]) -> Governance:
    """The charter's governance section, or the frozen defaults."""
    section = charter.get("governance")
    if section is None:
        return DEFAULTS
    return Governance.model_validate(section)
