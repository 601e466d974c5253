"""The standing engine (docs/design/standing.md): hand-made ledgers with exact expected numbers,
the Sybil bound, and properties (explain sums, incremental = full, determinism)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonwork.commons.policy import Policies, StandingPolicy, ValidationPolicy, ValuePolicy
from commonwork.errors import InvalidAction
from commonwork.standing.engine import (
    ACCEPTED,
    DISPUTED,
    PENDING,
    Ledger,
    Result,
    compute,
    explain,
    recompute_day,
    state_at,
)
from commonwork.standing.points import split_by_share

KINDS = ("work", "review", "artifact")
WORK, REVIEW, ARTIFACT = 0, 1, 2
APPROVE, DISPUTE = 0, 1

# (day, kind, quantity as a decimal string, skill or -1, [(author, share in thousandths)])
Contribution = tuple[int, int, str, int, list[tuple[int, int]]]
# (contribution, validator, day, verdict); the journal order is the list order
Validation = tuple[int, int, int, int]


def policies(founders: dict[int, int] | None = None, **rules: Any) -> Policies:
    validation: dict[str, Any] = {
        "threshold": 10,
        "validator_cap": 6,
        "validator_minimum": 50,
        "challenge_days": 7,
        "lazy_minimum": 1000,
        "reciprocity_days": 30,
        "reciprocity_discount": "0.5",
    }
    month = rules.pop("per_member_per_month", None)
    validation.update(rules)
    value = ValuePolicy(
        version=1,
        kinds={"work": Decimal(1), "review": Decimal("0.5"), "artifact": Decimal(2)},
        skills={"python": Decimal("1.2")},
        cap_per_contribution=Decimal(40),
        per_member_per_month=month,
    )
    standing = StandingPolicy(180, founders if founders is not None else {0: 100, 1: 100})
    return Policies(ValidationPolicy.from_json(validation), value, standing)


def ledger_of(
    members: int, contributions: Sequence[Contribution], validations: Sequence[Validation]
) -> Ledger:
    ptr = np.cumsum([0, *(len(item[4]) for item in contributions)])
    rows = sorted(enumerate(validations), key=lambda pair: (pair[1][2], pair[0]))
    return Ledger(
        members=members,
        contribution_day=[item[0] for item in contributions],
        kind=[item[1] for item in contributions],
        quantity_milli=[int(Decimal(item[2]) * 1000) for item in contributions],
        skill=[item[3] for item in contributions],
        author_ptr=ptr,
        author_idx=[author for item in contributions for author, _ in item[4]],
        author_share_milli=[share for item in contributions for _, share in item[4]],
        validation_contribution=[row[0] for _, row in rows],
        validator=[row[1] for _, row in rows],
        validation_day=[row[2] for _, row in rows],
        validation_order=[order for order, _ in rows],
        verdict=[row[3] for _, row in rows],
        kind_names=KINDS,
        skill_names=("python", "writing"),
    )


def solo(member: int, day: int = 0, hours: str = "5", kind: int = WORK) -> Contribution:
    return (day, kind, hours, -1, [(member, 1000)])


# --- acceptance ------------------------------------------------------------------------------


def test_weights_are_capped_and_add_up_to_the_threshold() -> None:
    ledger = ledger_of(4, [solo(2)], [(0, 0, 1, APPROVE), (0, 3, 2, APPROVE), (0, 1, 3, APPROVE)])
    day2 = compute(ledger, policies(), 2)
    assert day2.status[0] == PENDING  # 6 (100 capped at 6) + 0 (member 3 has no standing) < 10
    day3 = compute(ledger, policies(), 3)
    assert (day3.status[0], day3.accepted_day[0]) == (ACCEPTED, 3)  # 6 + 6 >= 10 on day 3
    assert day3.points_milli[0] == 5000
    assert day3.value_points_milli.tolist() == [0, 0, 5000, 0]
    assert day3.standing[2] == 5.0


def test_one_founder_accepts_alone_when_the_cap_reaches_the_threshold() -> None:
    ledger = ledger_of(3, [solo(2, day=4)], [(0, 0, 4, APPROVE)])
    result = compute(ledger, policies(threshold=6), 4)
    assert (result.status[0], result.accepted_day[0]) == (ACCEPTED, 4)


def test_own_approvals_never_count() -> None:
    coauthored = (0, WORK, "5", -1, [(0, 500), (1, 500)])
    ledger = ledger_of(3, [coauthored], [(0, 0, 1, APPROVE), (0, 1, 1, APPROVE)])
    assert compute(ledger, policies(threshold=6), 5).status[0] == PENDING


def test_a_dispute_blocks_acceptance_even_on_the_same_day() -> None:
    earlier = ledger_of(4, [solo(2)], [(0, 3, 1, DISPUTE), (0, 0, 2, APPROVE), (0, 1, 2, APPROVE)])
    same_day = ledger_of(4, [solo(2)], [(0, 0, 2, APPROVE), (0, 1, 2, APPROVE), (0, 3, 2, DISPUTE)])
    for ledger in (earlier, same_day):
        result = compute(ledger, policies(), 30)
        assert (result.status[0], result.accepted_day[0], result.points_milli[0]) == (
            DISPUTED,
            -1,
            0,
        )
        assert result.value_points_milli[2] == 0


def test_lazy_acceptance_needs_the_window_and_the_contributors_standing() -> None:
    ledger = ledger_of(4, [solo(0), solo(2), solo(1)], [(2, 3, 3, DISPUTE)])
    rules = policies(lazy_minimum=60)
    assert compute(ledger, rules, 6).status.tolist() == [PENDING, PENDING, DISPUTED]
    result = compute(ledger, rules, 7)
    # the founder (standing ~97 >= 60) lazily; the newcomer (0) and the disputed one not
    assert result.status.tolist() == [ACCEPTED, PENDING, DISPUTED]
    assert result.accepted_day.tolist() == [7, -1, -1]
    assert compute(ledger, rules, 100).status.tolist() == [ACCEPTED, PENDING, DISPUTED]


def test_reciprocity_discounts_approvals_traded_within_the_window() -> None:
    contributions = [solo(0), solo(1), solo(1, day=40)]
    validations = [
        (0, 1, 1, APPROVE),  # 1 approves 0's work on day 1 ...
        (1, 0, 5, APPROVE),  # ... so 0's approval of 1's work on day 5 counts half: 3
        (1, 2, 5, APPROVE),  # a third founder: 6
        (2, 0, 40, APPROVE),  # day 40 is past the 30-day window: 6
        (2, 2, 40, APPROVE),
    ]
    ledger = ledger_of(3, contributions, validations)
    founders = {0: 100, 1: 100, 2: 100}
    assert compute(ledger, policies(founders, threshold=9), 50).status[1] == ACCEPTED
    exact = compute(ledger, policies(founders, threshold="9.000001"), 50)
    assert exact.status.tolist() == [PENDING, PENDING, ACCEPTED]


def test_approvals_traded_on_the_same_day_are_both_discounted() -> None:
    validations = [(0, 1, 3, APPROVE), (1, 0, 3, APPROVE)]
    ledger = ledger_of(2, [solo(0), solo(1)], validations)
    assert compute(ledger, policies(threshold=6), 3).status.tolist() == [PENDING, PENDING]
    assert compute(ledger, policies(threshold=3), 3).status.tolist() == [ACCEPTED, ACCEPTED]


# --- points and standing ---------------------------------------------------------------------


def test_standing_halves_each_half_life_and_value_points_do_not_decay() -> None:
    big = (10, WORK, "100", -1, [(2, 1000)])  # 100 hours, capped at 40 points
    ledger = ledger_of(3, [big], [(0, 0, 10, APPROVE), (0, 1, 10, APPROVE)])
    at_accept = compute(ledger, policies(), 10)
    later = compute(ledger, policies(), 190)
    assert at_accept.points_milli[0] == 40_000
    assert at_accept.standing[2] == 40.0
    assert later.standing[2] == pytest.approx(20.0, rel=1e-12)
    assert compute(ledger, policies(), 370).standing[2] == pytest.approx(10.0, rel=1e-12)
    assert later.standing[0] == pytest.approx(100 * 2 ** (-190 / 180), rel=1e-12)
    assert compute(ledger, policies(), 180).standing[1] == 50.0
    assert later.value_points_milli[2] == at_accept.value_points_milli[2] == 40_000


def test_points_follow_kind_weight_and_skill_multiplier() -> None:
    items = [
        (0, REVIEW, "3", -1, [(2, 1000)]),  # 3 * 0.5 = 1.5
        (0, WORK, "2.5", 0, [(2, 1000)]),  # 2.5 * 1 * 1.2 (python) = 3
        (0, ARTIFACT, "1.001", 1, [(2, 1000)]),  # 1.001 * 2 * 1 (writing not listed) = 2.002
    ]
    approvals = [(i, v, 1, APPROVE) for i in range(3) for v in (0, 1)]
    result = compute(ledger_of(3, items, approvals), policies(), 1, with_skills=True)
    assert result.points_milli.tolist() == [1500, 3000, 2002]
    assert result.skill_standing is not None
    assert result.skill_standing[2].tolist() == [3.0, 2.002]


def test_shares_split_points_exactly_by_largest_remainder() -> None:
    three = (0, WORK, "0.007", -1, [(2, 333), (3, 333), (4, 334)])  # 7 milli-points
    tie = (0, WORK, "0.003", -1, [(5, 500), (4, 500)])  # 3 milli-points, a tie
    approvals = [(i, v, 1, APPROVE) for i in range(2) for v in (0, 1)]
    result = compute(ledger_of(6, [three, tie], approvals), policies(), 1)
    assert result.author_credit_milli.tolist() == [2, 2, 3, 1, 2]  # the tie to member 4
    assert result.value_points_milli.tolist() == [0, 0, 2, 2, 5, 1]


@given(st.lists(st.integers(0, 1000), min_size=1, max_size=8), st.integers(0, 40_000))
def test_split_by_share_sums_exactly_and_stays_within_one(weights: list[int], points: int) -> None:
    total = sum(weights) or 1
    shares = [w * 1000 // total for w in weights]
    shares[0] += 1000 - sum(shares)
    owner = np.zeros(len(shares), np.int64)
    members = np.arange(len(shares), dtype=np.int32)
    parts = split_by_share(np.array([points]), owner, np.array(shares, np.int64), members)
    assert int(parts.sum()) == points
    assert all(
        abs(part - points * share / 1000) < 1 for part, share in zip(parts, shares, strict=True)
    )


def test_monthly_cap_limits_value_points_per_calendar_month() -> None:
    items = [(day, WORK, "40", -1, [(2, 1000)]) for day in (0, 1, 2, 40)]
    approvals = [(i, v, day, APPROVE) for i, day in enumerate((0, 1, 2, 40)) for v in (0, 1)]
    result = compute(ledger_of(3, items, approvals), policies(per_member_per_month=100), 40)
    assert result.author_credit_milli.tolist() == [40_000, 40_000, 20_000, 40_000]
    assert result.points_milli.tolist() == [40_000] * 4
    assert result.value_points_milli[2] == 140_000


# --- the Sybil bound -------------------------------------------------------------------------

HONEST, FAKES = 50, 200
FOUNDERS = dict.fromkeys(range(10), 1000)


def honest_work() -> tuple[list[Contribution], list[Validation]]:
    """40 members each earn 60 points: two 30-hour contributions approved by two founders."""
    contributions: list[Contribution] = []
    validations: list[Validation] = []
    for member in range(10, HONEST):
        for day in (0, 1):
            validations += [(len(contributions), (member + k) % 10, 2, APPROVE) for k in (0, 1)]
            contributions.append((day, WORK, "30", -1, [(member, 1000)]))
    return contributions, validations


def fake_work(first: int) -> tuple[list[Contribution], list[Validation]]:
    """Each fake records 3 contributions (some co-authored) and 10 other fakes approve each."""
    rng = np.random.default_rng(7)
    contributions: list[Contribution] = []
    validations: list[Validation] = []
    for fake in range(HONEST, HONEST + FAKES):
        for k in range(3):
            day = 5 + 30 * k + fake % 20
            mate = HONEST + (fake - HONEST + 1) % FAKES
            authors = [(fake, 600), (mate, 400)] if k == 1 else [(fake, 1000)]
            others = [
                m for m in rng.choice(range(HONEST, HONEST + FAKES), 12) if m not in (fake, mate)
            ]
            index = first + len(contributions)
            validations += [(index, int(m), day + j, APPROVE) for j, m in enumerate(others[:10])]
            contributions.append((day, WORK, "40", -1, authors))
    return contributions, validations


def sybil_ledger(honest_mistake: bool) -> tuple[Ledger, int]:
    contributions, validations = honest_work()
    fakes, fake_validations = fake_work(len(contributions))
    target = len(contributions) + 3  # a co-authored fake contribution (k == 1), recorded day 36
    if honest_mistake:
        fake_validations.append((target, 0, 40, APPROVE))
    return ledger_of(HONEST + FAKES, contributions + fakes, validations + fake_validations), target


def fake_totals(result: Result) -> tuple[float, float, int]:
    honest = float(result.standing[:HONEST].sum())
    return (
        honest,
        float(result.standing[HONEST:].sum()),
        int(result.value_points_milli[HONEST:].sum()),
    )


@pytest.mark.parametrize("threshold", [6, 10])
def test_fake_accounts_gain_nothing_by_approving_each_other(threshold: int) -> None:
    ledger, _ = sybil_ledger(honest_mistake=False)
    rules = policies(FOUNDERS, threshold=threshold, lazy_minimum=60)
    result = compute(ledger, rules, 200)
    assert (result.status[:80] == ACCEPTED).all()  # the honest work
    assert (result.status[80:] == PENDING).all()
    honest, fake, fake_points = fake_totals(result)
    assert (fake, fake_points) == (0.0, 0)
    assert honest > 0


def test_one_honest_mistake_gives_fakes_at_most_one_capped_contribution() -> None:
    ledger, target = sybil_ledger(honest_mistake=True)
    rules = policies(FOUNDERS, threshold=6, lazy_minimum=60)  # one approval is enough
    for day in range(0, 200, 10):
        result = compute(ledger, rules, day)
        fake_standing = result.standing[HONEST:]
        assert fake_standing.max() < 50  # no fake ever reaches validator_minimum
    result = compute(ledger, rules, 200)
    assert np.flatnonzero(result.status[80:] == ACCEPTED).tolist() == [target - 80]
    honest, fake, fake_points = fake_totals(result)
    assert fake_points == 40_000  # the cap, split 24 / 16 between the two co-authors
    assert fake <= 40
    assert fake < 0.01 * honest


def test_one_honest_approval_below_the_threshold_accepts_nothing() -> None:
    ledger, _ = sybil_ledger(honest_mistake=True)
    result = compute(ledger, policies(FOUNDERS, lazy_minimum=60), 200)  # 6 < threshold 10
    assert (result.status[80:] == PENDING).all()
    assert fake_totals(result)[1:] == (0.0, 0)


# --- policies --------------------------------------------------------------------------------


def test_policies_round_trip_through_json_with_decimal_strings() -> None:
    rules = policies(per_member_per_month=400)
    assert ValidationPolicy.from_json(rules.validation.as_json()) == rules.validation
    value_json = rules.value.as_json()
    assert value_json["kinds"]["review"] == "0.5"
    assert value_json["caps"] == {"per_member_per_month": 400}
    assert ValuePolicy.from_json(value_json, KINDS) == rules.value
    standing = StandingPolicy(180, {3: 100}, {"arbitrate": 50})
    assert StandingPolicy.from_json(standing.as_json()) == standing


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kinds": {"gardening": "1"}}, "unknown contribution kinds"),
        ({"kinds": {"work": "0"}}, "must be above 0"),
        ({"kinds": {"work": "-1"}}, "must be above 0"),
        ({"skills": {"python": "-0.5"}}, "must be above 0"),
        ({"kinds": {"work": 1.5}}, "decimal string"),
        ({"cap_per_contribution": "0.0001"}, "at most 3 decimals"),
    ],
)
def test_bad_value_policies_are_refused(change: dict[str, Any], message: str) -> None:
    data = {**policies().value.as_json(), **change}
    with pytest.raises(InvalidAction, match=message):
        ValuePolicy.from_json(data, KINDS)


def test_bad_standing_and_validation_policies_are_refused() -> None:
    with pytest.raises(InvalidAction, match="half_life_days must be above 0"):
        StandingPolicy.from_json({"half_life_days": 0})
    with pytest.raises(InvalidAction, match="reciprocity_discount"):
        policies(reciprocity_discount="1.5")
    with pytest.raises(InvalidAction, match="unknown fields: quorum"):
        ValidationPolicy.from_json({**policies().validation.as_json(), "quorum": 3})


@pytest.mark.parametrize("name", ["validator_minimum", "lazy_minimum"])
def test_minima_must_exceed_the_cap_per_contribution(name: str) -> None:
    with pytest.raises(InvalidAction, match="bounds fake accounts' gain"):
        policies(**{name: 40})


# --- properties ------------------------------------------------------------------------------


def random_ledger(seed: int, members: int = 25, n: int = 120, v: int = 500) -> Ledger:
    rng = np.random.default_rng(seed)
    day = rng.integers(0, 60, n)
    counts = rng.choice([1, 1, 1, 2, 3], n)
    authors = [rng.choice(members, k, replace=False) for k in counts]
    shares = [
        np.diff(np.sort(np.r_[0, rng.choice(np.arange(1, 1000), k - 1, False), 1000]))
        for k in counts
    ]
    contribution = rng.integers(0, n, v)
    validation_day = day[contribution] + rng.integers(0, 20, v)
    order = rng.permutation(v)
    rows = np.lexsort((order, validation_day))
    return Ledger(
        members=members,
        contribution_day=day,
        kind=rng.integers(0, 3, n),
        quantity_milli=rng.integers(1, 50_000, n),
        skill=rng.integers(-1, 2, n),
        author_ptr=np.r_[0, np.cumsum(counts)],
        author_idx=np.concatenate(authors),
        author_share_milli=np.concatenate(shares),
        validation_contribution=contribution[rows],
        validator=rng.integers(0, members, v)[rows],  # some are authors: ignored
        validation_day=validation_day[rows],
        validation_order=order[rows],
        verdict=(rng.random(v) < 0.05)[rows],
        kind_names=KINDS,
        skill_names=("python", "writing"),
    )


RANDOM_RULES = policies(dict.fromkeys(range(5), 100), validator_minimum=45, lazy_minimum=60)
MONTHLY_RULES = replace(RANDOM_RULES, value=replace(RANDOM_RULES.value, per_member_per_month=60))


def assert_same(a: Result, b: Result) -> None:
    for name in ("status", "accepted_day", "points_milli", "author_credit_milli"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.array_equal(a.value_points_milli, b.value_points_milli)
    assert np.array_equal(a.standing, b.standing)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_explain_terms_sum_to_the_standing(seed: int, monthly: bool) -> None:
    ledger = random_ledger(seed)
    result = compute(ledger, MONTHLY_RULES if monthly else RANDOM_RULES, 90)
    for member in range(ledger.members):
        terms = explain(ledger, result, member, 90)
        total = sum(term.standing for term in terms)
        assert total == pytest.approx(result.standing[member], rel=1e-9, abs=1e-12)
        points = sum(term.points_milli for term in terms if term.contribution >= 0)
        assert points == result.value_points_milli[member]


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.booleans())
def test_recompute_day_equals_the_full_recompute(seed: int, monthly: bool) -> None:
    rules = MONTHLY_RULES if monthly else RANDOM_RULES
    ledger = random_ledger(seed)
    last = int(ledger.validation_day[-1])
    assert_same(
        recompute_day(state_at(ledger, rules, last), ledger, last), compute(ledger, rules, last)
    )
    # one more validation (and one more contribution) on the last day, from the cached state
    before = state_at(ledger, rules, last)
    more = ledger.replace(
        contribution_day=np.r_[ledger.contribution_day, last],
        kind=np.r_[ledger.kind, WORK],
        quantity_milli=np.r_[ledger.quantity_milli, 9000],
        skill=np.r_[ledger.skill, 0],
        author_ptr=np.r_[ledger.author_ptr, ledger.author_ptr[-1] + 1],
        author_idx=np.r_[ledger.author_idx, 7],
        author_share_milli=np.r_[ledger.author_share_milli, 1000],
        validation_contribution=np.r_[ledger.validation_contribution, ledger.n_contributions, 3],
        validator=np.r_[ledger.validator, 0, 1],
        validation_day=np.r_[ledger.validation_day, last, last],
        validation_order=np.r_[ledger.validation_order, 10**6, 10**6 + 1],
        verdict=np.r_[ledger.verdict, APPROVE, APPROVE],
    )
    assert_same(recompute_day(before, more, last), compute(more, rules, last))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_the_order_of_events_within_a_day_does_not_matter(seed: int) -> None:
    ledger = random_ledger(seed)
    rng = np.random.default_rng(seed)
    order = rng.permutation(ledger.n_validations)  # new journal order, same days
    rows = np.lexsort((order, ledger.validation_day))
    shuffled = ledger.replace(
        validation_contribution=ledger.validation_contribution[rows],
        validator=ledger.validator[rows],
        validation_day=ledger.validation_day[rows],
        validation_order=order[rows],
        verdict=ledger.verdict[rows],
    )
    first = compute(ledger, RANDOM_RULES, 90)
    assert_same(first, compute(shuffled, RANDOM_RULES, 90))
    assert_same(first, compute(ledger, RANDOM_RULES, 90))
