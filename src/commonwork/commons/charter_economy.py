"""The charter's economy section: how the commons spends, shares and lends money.

Charter data like the governance section, changed only by a decision under the charter. A
charter without it is governed by ``DEFAULTS``, frozen here (a new default needs a new field,
never an edited one: it would change the meaning of existing journals).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from commonwork.commons.charter_governance import Rule

CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{2,11}$")]


class Budget(BaseModel):
    """An amount per calendar month in one currency (a list of these: JSON keys are never
    currency codes, the journal's canonical form keeps keys lower-case)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    currency: CurrencyCode
    amount_minor: int = Field(ge=0, le=10**15)


class StandingPayout(BaseModel):
    """A payout the charter decides once for every month: at the month's first entry, this
    share of what the treasury holds in the currency is paid out by value points of the month
    before (by the charter's payout policy, or the one named here)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    currency: CurrencyCode
    share_bp: int = Field(ge=1, le=10_000)
    policy: Literal["period", "window", "catch_up"] | None = None


class Economy(BaseModel):
    """How money moves: by decision, within limits the members set."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    #: How a spend from the treasury is decided: a prize, patronage, an expense, a payout by
    #: value points, a bounty beyond the budget.
    spends: Rule = Rule(
        method="majority", params={"quorum": "1/3", "threshold": "1/2"}, voting_hours=72
    )
    #: A spend above this share of the treasury (in basis points, 2500 = 25%) is large: every
    #: stakeholder class of the charter must pass it, and it waits ``grace_days`` after it
    #: passed before it executes (time for a member to leave with what is theirs).
    large_spend_bp: int = Field(default=2500, ge=0, le=10_000)
    grace_days: int = Field(default=7, ge=0, le=90)
    #: Payouts by value points: first this share (basis points) to the association's
    #: infrastructure reserve, then the upstream share, then the rest by points.
    infrastructure_bp: int = Field(default=1000, ge=0, le=10_000)
    #: Whose points a payout counts: the settled period's; a recent window's; or each member's
    #: lifetime points less what they were already paid for (catch-up).
    payout_policy: Literal["period", "window", "catch_up"] = "period"
    payout_window_days: int = Field(default=90, ge=1, le=3650)
    #: A standing rule: a payout every month without a proposal each time (none by default).
    standing_payout: StandingPayout | None = None
    #: What the treasurer may escrow for bounties without a decision, per calendar month and
    #: currency, in minor units (none by default: every bounty is decided).
    bounty_budget: list[Budget] = Field(default_factory=list, max_length=20)
    #: A member who leaves the commons with a mutual-credit balance: it stays frozen on the
    #: books, a deposit offsets it, or the circle writes it off together.
    credit_exit: Literal["frozen", "deposit", "write_off"] = "frozen"

    @model_validator(mode="after")
    def _one_budget_per_currency(self) -> Economy:
        named = [budget.currency for budget in self.bounty_budget]
        if len(set(named)) != len(named):
            raise ValueError("the bounty budget names a currency twice")
        return self

    def budget_for(self, currency: str) -> int:
        """The monthly bounty budget in ``currency`` (0 when the charter sets none)."""
        return next((b.amount_minor for b in self.bounty_budget if b.currency == currency), 0)


#: The economy of every charter that does not set its own.
DEFAULTS = Economy()


def economy_of(charter: Mapping[str, Any]) -> Economy:
    """The charter's economy section, or the frozen defaults."""
    section = charter.get("economy")
    if section is None:
        return DEFAULTS
    return Economy.model_validate(section)
