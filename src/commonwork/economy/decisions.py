"""Money moved by decision: spends from the treasury (prizes, patronage, expenses, the
association's infrastructure reserve) and the community's own currencies.

The governance area keeps the proposal, the vote and the close (commonwork.journal.area
EffectSpec); once it passed, the close carries the effect out here, at the close's time:

* a **spend** takes its amount from the treasury to a payable of the person or organisation
  it names (the treasurer then records the bank payment) or to the reserve. A spend above the
  charter's share of the treasury (``economy.large_spend_bp``) is large: every stakeholder
  class must vote for it, and it waits ``economy.grace_days`` after it passed before it
  executes — time for a member to leave with what is theirs. It is executed only if the
  treasury holds the amount then; otherwise it fails, on the record, and nothing moves (two
  decisions racing for the same funds are serialised by the journal's order: never overspent);
* a **currency** declares a community currency with its code and exponent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from commonwork.commons.actions import commons_row
from commonwork.commons.charter_economy import CurrencyCode, StandingPayout, economy_of
from commonwork.commons.charter_governance import Rule
from commonwork.economy.agreements import next_period, period_end
from commonwork.economy.books import Amount, Line, Memo, balance, check_lines, exponent_of, post
from commonwork.economy.bounties import BountyEffect
from commonwork.economy.bounties import check_effect as check_bounty
from commonwork.economy.bounties import execute_effect as execute_bounty
from commonwork.economy.credit import PolicyEffect, apply_policy, check_policy
from commonwork.economy.currencies import MAX_EXPONENT, iso_exponent
from commonwork.economy.organisations import Did, EntryId
from commonwork.economy.payouts import PayoutEffect, check_payout, execute_payout
from commonwork.economy.tables import currencies, decided_spends, payout_clock
from commonwork.errors import AlreadyDone, CommonworkError, InvalidAction
from commonwork.governance.clock import governance_now, reschedule, text_of
from commonwork.governance.tables import proposals
from commonwork.journal.actions import format_time, parse_time
from commonwork.journal.area import EffectSpec
from commonwork.journal.projection import Row, State
from commonwork.standing.settle import add_days


class SpendEffect(BaseModel):
    """Pay from the treasury: to a payable of ``to`` (a person or an organisation), or to the
    infrastructure reserve."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["spend"]
    purpose: Literal["prize", "patronage", "expense", "grant", "reserve"]
    to: Did | Literal["reserve"]
    amount_minor: Amount
    currency: CurrencyCode
    #: The work a prize or patronage recognises (its "why" link), if one.
    contribution: EntryId | None = None
    memo: Memo = ""


class CurrencyEffect(BaseModel):
    """Declare a community currency: its code (not an ISO 4217 one), its exponent, its name."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["currency"]
    code: CurrencyCode
    exponent: int = Field(ge=0, le=MAX_EXPONENT)
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _spends_rule(state: State, commons_id: str, _effect: Any) -> Rule:
    return economy_of(orjson.loads(commons_row(state, commons_id)["charter"])).spends


def _account(effect: SpendEffect) -> str:
    return "reserve" if effect.to == "reserve" else f"payable:{effect.to}"


def _lines(effect: SpendEffect) -> list[Line]:
    return [
        Line("treasury", effect.currency, -effect.amount_minor),
        Line(_account(effect), effect.currency, effect.amount_minor),
    ]


def check_spend(state: State, commons_id: str, effect: SpendEffect, at: str) -> None:
    exponent_of(state, commons_id, effect.currency)
    if (effect.to == "reserve") != (effect.purpose == "reserve"):
        raise InvalidAction("a spend to the reserve has the purpose 'reserve', and only it")


def is_large(
    state: State, commons_id: str, effect: SpendEffect | PayoutEffect | BountyEffect
) -> bool:
    """Above the charter's share of what the treasury holds in that currency now."""
    share = economy_of(orjson.loads(commons_row(state, commons_id)["charter"])).large_spend_bp
    held = balance(state, commons_id, "treasury", effect.currency)
    return effect.amount_minor * 10_000 > share * held


def apply_spend(
    state: State,
    commons_id: str,
    effect: SpendEffect | PayoutEffect | BountyEffect,
    proposal_id: str,
    at: str,
) -> None:
    """A passed spend, payout or bounty: executed at the close, or, if it is large now, after
    the charter's grace window (on governance's clock, in time order with every other
    deadline). A spend that became large since it was proposed without every stakeholder
    class voting for it fails: a majority cannot raid the treasury by waiting."""
    economy = economy_of(orjson.loads(commons_row(state, commons_id)["charter"]))
    large = is_large(state, commons_id, effect)
    due = at
    if large and economy.grace_days:
        due = format_time(parse_time(at) + timedelta(days=economy.grace_days))
    row = {
        "commons_id": commons_id,
        "proposal_id": proposal_id,
        "kind": effect.kind,
        "effect": text_of(effect.model_dump(exclude_none=True)),
        "status": "waiting",
        "large": int(large),
        "decided_at": at,
        "due_at": due,
        "executed_at": None,
        "txn_id": None,
        "detail": "",
    }
    if large and not _voted_by_every_class(state, commons_id, proposal_id):
        detail = "it is large now, and not every stakeholder class voted for it"
        state.put(decided_spends, {**row, "status": "failed", "executed_at": at, "detail": detail})
        return
    if due == at:
        execute(state, row, at)
        return
    row["detail"] = f"large: waits {economy.grace_days} days after it passed"
    state.put(decided_spends, row)
    reschedule(state, commons_id, proposal_id, [[due, "effect"]])


def _voted_by_every_class(state: State, commons_id: str, proposal_id: str) -> bool:
    classes = sorted(governance_now(state, commons_id).classes)
    if not classes:
        return True
    decision = state.get(proposals, (commons_id, proposal_id))
    if decision is None or decision["narrowed"] is None:
        return False
    return sorted(orjson.loads(decision["narrowed"]).get("classes") or []) == classes


def run_due(state: State, commons_id: str, proposal_id: str, at: str) -> None:
    """A large spend's grace window ended: carry it out now (governance's clock calls this)."""
    row = state.get(decided_spends, (commons_id, proposal_id))
    if row is not None and row["status"] == "waiting":
        execute(state, row, at)


def execute(state: State, row: Row, at: str) -> None:
    """Carry a decided spend out now, if the treasury holds it; otherwise record why not."""
    commons_id = row["commons_id"]
    done = dict(row, executed_at=at)
    decision = state.get(proposals, (commons_id, row["proposal_id"]))
    seq = 0 if decision is None else int(decision["seq"])
    if row["kind"] in ("payout", "bounty"):
        run = execute_payout if row["kind"] == "payout" else execute_bounty
        failed = run(state, row, at, seq)
        if failed:
            state.put(decided_spends, {**done, "status": "failed", "detail": failed})
        else:
            txn_id = f"{row['proposal_id']}:{row['kind']}"
            state.put(decided_spends, {**done, "status": "done", "txn_id": txn_id, "detail": ""})
        return
    effect = SpendEffect.model_validate(orjson.loads(row["effect"]), strict=True)
    try:
        check_lines(state, commons_id, _lines(effect))
    except CommonworkError as refused:
        state.put(decided_spends, {**done, "status": "failed", "detail": refused.detail})
        return
    txn_id = f"{row['proposal_id']}:spend"
    why: dict[str, Any] = {"decision": row["proposal_id"], "purpose": effect.purpose}
    if effect.contribution is not None:
        why["contribution"] = effect.contribution
    post(
        state,
        commons_id,
        txn_id,
        seq=seq,
        at=at,
        kind=effect.purpose,
        memo=effect.memo,
        by=row["proposal_id"],
        lines=_lines(effect),
        why=why,
    )
    state.put(decided_spends, {**done, "status": "done", "txn_id": txn_id, "detail": ""})


def before_entry(state: State, commons_id: str, at: str, settle: Callable[[str], None]) -> None:
    """The charter's standing payout, once a month (what falls due by decision runs on
    governance's clock, before this)."""
    _standing_payouts(state, commons_id, at, settle)


def check_currency(state: State, commons_id: str, effect: CurrencyEffect, at: str) -> None:
    if iso_exponent(effect.code) is not None:
        raise InvalidAction(f"{effect.code} is an ISO 4217 currency: the books know it already")
    if state.get(currencies, (commons_id, effect.code)) is not None:
        raise AlreadyDone(f"this commons has a currency {effect.code} already", reason="declared")


def apply_currency(
    state: State, commons_id: str, effect: CurrencyEffect, proposal_id: str, at: str
) -> None:
    if state.get(currencies, (commons_id, effect.code)) is not None:
        return  # another decision declared it first
    state.put(
        currencies,
        {
            "commons_id": commons_id,
            "code": effect.code,
            "exponent": effect.exponent,
            "kind": "community",
            "name": effect.name,
            "declared_by": proposal_id,
            "declared_at": at,
        },
    )


EFFECTS = (
    EffectSpec(
        kind="credit_policy",
        summary="Make a community currency a mutual-credit circle, or change its limits (from "
        "the close on: never re-judging a balance reached)",
        body=PolicyEffect,
        rule=_spends_rule,
        apply=apply_policy,
        check=check_policy,
    ),
    EffectSpec(
        kind="bounty",
        summary="Escrow a bounty for an open task (treasury → escrow): paid to the accepted "
        "work once its dispute window passed, refunded at its expiry",
        body=BountyEffect,
        rule=_spends_rule,
        apply=apply_spend,
        check=check_bounty,
        needs_classes=is_large,
        due=run_due,
    ),
    EffectSpec(
        kind="payout",
        summary="Pay an amount of the treasury out by value points of a settled period (the "
        "infrastructure share to the reserve first, then the rest by points, exactly)",
        body=PayoutEffect,
        rule=_spends_rule,
        apply=apply_spend,
        check=check_payout,
        needs_classes=is_large,
        due=run_due,
    ),
    EffectSpec(
        kind="spend",
        summary="Pay from the treasury: a prize, patronage, an expense or a grant (to a payable "
        "of the person or organisation named, whom the treasurer then pays), or the reserve",
        body=SpendEffect,
        rule=_spends_rule,
        apply=apply_spend,
        check=check_spend,
        needs_classes=is_large,
        due=run_due,
    ),
    EffectSpec(
        kind="currency",
        summary="Declare a community currency (its code, exponent and name)",
        body=CurrencyEffect,
        rule=_spends_rule,
        apply=apply_currency,
        check=check_currency,
    ),
)


def _month_before(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def _standing_payouts(
    state: State, commons_id: str, at: str, settle: Callable[[str], None]
) -> None:
    """The charter's standing payout (``economy.standing_payout``): at the first entry of a
    month, its share of the treasury is paid out by the value points since the last one (the
    month before; after a quiet spell without entries, every month since, in one payout). It
    starts with the first whole month after the rule came into the charter (or changed); a
    rule taken out and put back starts afresh."""
    charter = commons_row(state, commons_id)["charter"]
    clock = state.get(payout_clock, (commons_id,))
    rule = None
    if '"standing_payout"' in charter:  # cheap: most charters have none
        rule = economy_of(orjson.loads(charter)).standing_payout
    if rule is None:
        if clock is not None and clock["rule"] is not None:
            state.put(payout_clock, {**clock, "rule": None})
        return
    month, rule_text = at[:7], text_of(rule.model_dump(exclude_none=True))
    if clock is None or clock["rule"] != rule_text:
        state.put(
            payout_clock,
            {
                "commons_id": commons_id,
                "next_month": next_period(month, "month"),
                "rule": rule_text,
            },
        )
        return
    due = str(clock["next_month"])
    if due > month:
        return
    settle(at[:10])  # every day before this one settled first: the points are final
    first, last = _month_before(due), _month_before(month)
    _pay_months(state, commons_id, rule, first, last, at)
    state.put(payout_clock, {**clock, "next_month": next_period(month, "month")})


def _pay_months(
    state: State, commons_id: str, rule: StandingPayout, first: str, last: str, at: str
) -> None:
    economy = economy_of(orjson.loads(commons_row(state, commons_id)["charter"]))
    policy = rule.policy or economy.payout_policy
    amount = balance(state, commons_id, "treasury", rule.currency) * rule.share_bp // 10_000
    effect: dict[str, Any] = {"kind": "payout", "amount_minor": max(amount, 1)}
    effect.update(
        currency=rule.currency, end=add_days(period_end(last, "month"), -1), policy=policy
    )
    if policy == "period":
        effect["start"] = f"{first}-01"
    row = {
        "commons_id": commons_id,
        "proposal_id": f"standing-{last}",
        "kind": "payout",
        "effect": text_of(effect),
        "status": "waiting",
        "large": 0,
        "decided_at": at,
        "due_at": at,
        "executed_at": None,
        "txn_id": None,
        "detail": "the charter's standing payout",
    }
    if amount <= 0:
        state.put(
            decided_spends,
            {**row, "status": "failed", "executed_at": at, "detail": "the treasury held nothing"},
        )
        return
    execute(state, row, at)
