"""Voting methods (commonwork.governance.methods): Schulze against pref-voting, an independent
implementation, on random profiles and on the textbook example; the tie rule on a Condorcet cycle;
every ballot refusal at its exact boundary; quorum and threshold apart; approval, score and budget
outcomes; and tallies that hold no float."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pref_voting.margin_based_methods import beat_path  # Schulze's method, as pref-voting names it
from pref_voting.profiles import Profile
from pref_voting.profiles_with_ties import ProfileWithTies

from commonwork.governance.methods import (
    BALLOT_ERRORS,
    BallotError,
    MethodError,
    Outcome,
    check_ballot,
    check_params,
    tally,
    tie_order,
)

SEED = b"proposal-entry-hash"

# The example of Schulze's own description of the method (and Wikipedia's): 45 voters, 5 options.
TEXTBOOK = [
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
]
TEXTBOOK_BALLOTS = [list(order) for count, order in TEXTBOOK for _ in range(count)]


def sha_order(options: Sequence[str], seed: bytes = SEED) -> list[str]:
    """The tie rule's order without a status quo, written independently of the module."""
    return sorted(options, key=lambda option: hashlib.sha256(seed + option.encode()).digest())


def schulze(
    ballots: Sequence[Any], options: Sequence[str], status_quo: str | None = None
) -> Outcome:
    return tally("schulze", {}, options, ballots, len(ballots), SEED, status_quo)


def pref_voting_schulze(ballots: Sequence[list[str]], options: Sequence[str]) -> list[str]:
    """pref-voting's Schulze winners (beat_path) with the semantics of our ballots.

    Complete rankings go in a Profile; partial ones in a ProfileWithTies using extended strict
    preference (a ranked option beats every unranked one, unranked options tie), and the link
    strength is the support (winning votes) rather than pref-voting's default, the margin: on
    complete rankings the two agree, on partial ones only winning votes is our method.
    """
    if all(len(ballot) == len(options) for ballot in ballots):
        index = {option: i for i, option in enumerate(options)}
        profile = Profile([[index[option] for option in ballot] for ballot in ballots])
        return sorted(options[i] for i in beat_path(profile))
    with_ties = ProfileWithTies(
        [{option: rank for rank, option in enumerate(ballot, 1)} for ballot in ballots],
        candidates=list(options),
    )
    with_ties.use_extended_strict_preference()
    return sorted(beat_path(with_ties, strength_function=with_ties.support))


# --- Schulze -------------------------------------------------------------------------------------


def test_textbook_example_winner_ranking_and_matrices() -> None:
    outcome = schulze(TEXTBOOK_BALLOTS, list("ABCDE"))
    assert outcome.winner == "E"
    assert outcome.ranking == ("E", "A", "C", "B", "D")
    assert outcome.passed is True
    assert outcome.tie_broken is False
    # The matrices as the description prints them.
    assert outcome.tally["pairwise"] == {
        "A": {"B": 20, "C": 26, "D": 30, "E": 22},
        "B": {"A": 25, "C": 16, "D": 33, "E": 18},
        "C": {"A": 19, "B": 29, "D": 17, "E": 24},
        "D": {"A": 15, "B": 12, "C": 28, "E": 14},
        "E": {"A": 23, "B": 27, "C": 21, "D": 31},
    }
    assert outcome.tally["strongest_paths"] == {
        "A": {"B": 28, "C": 28, "D": 30, "E": 24},
        "B": {"A": 25, "C": 28, "D": 33, "E": 24},
        "C": {"A": 25, "B": 29, "D": 29, "E": 24},
        "D": {"A": 25, "B": 28, "C": 28, "E": 24},
        "E": {"A": 25, "B": 28, "C": 28, "D": 31},
    }
    assert outcome.tally["wins"] == {"A": 3, "B": 1, "C": 2, "D": 0, "E": 4}
    assert outcome.tally["unbeaten"] == ["E"]


def test_textbook_example_pref_voting_agrees() -> None:
    assert pref_voting_schulze(TEXTBOOK_BALLOTS, list("ABCDE")) == ["E"]
    # And its margin-based default, which on complete rankings must give the same winner.
    index = {option: i for i, option in enumerate("ABCDE")}
    profile = Profile([[index[option] for option in ballot] for ballot in TEXTBOOK_BALLOTS])
    assert beat_path(profile) == [index["E"]]


def test_textbook_example_with_a_status_quo_that_loses() -> None:
    outcome = schulze(TEXTBOOK_BALLOTS, list("ABCDE"), status_quo="D")
    assert (outcome.winner, outcome.passed, outcome.tie_broken) == ("E", True, False)
    kept = schulze(TEXTBOOK_BALLOTS, list("ABCDE"), status_quo="E")
    assert (kept.winner, kept.passed) == ("E", False)


@st.composite
def profiles(draw: st.DrawFn, partial: bool) -> tuple[list[str], list[list[str]]]:
    m = draw(st.integers(3, 6))
    options = [f"opt{i}" for i in range(m)]
    n = draw(st.integers(1, 60))
    ballots = []
    for _ in range(n):
        order = draw(st.permutations(options))
        length = draw(st.integers(1, m)) if partial else m
        ballots.append(list(order[:length]))
    return options, ballots


def check_schulze_properties(options: list[str], ballots: list[list[str]]) -> Outcome:
    outcome = schulze(ballots, options)
    assert sorted(outcome.tally["unbeaten"]) == pref_voting_schulze(ballots, options)
    # The ranking is every option once, starts with the winner, who is unbeaten, and never puts
    # an option above one that beats it by strongest paths.
    p = outcome.tally["strongest_paths"]
    assert sorted(outcome.ranking) == sorted(options)
    assert outcome.winner == outcome.ranking[0]
    assert outcome.winner in outcome.tally["unbeaten"]
    for i, x in enumerate(outcome.ranking):
        for y in outcome.ranking[i + 1 :]:
            assert not p[y][x] > p[x][y], f"{y} beats {x} but is ranked below it"
    assert outcome.tie_broken == (len(outcome.tally["unbeaten"]) > 1)
    return outcome


@settings(max_examples=150, deadline=None)
@given(profiles(partial=False))
def test_schulze_winners_match_pref_voting_on_complete_rankings(
    profile: tuple[list[str], list[list[str]]],
) -> None:
    check_schulze_properties(*profile)


@settings(max_examples=150, deadline=None)
@given(profiles(partial=True), st.randoms(use_true_random=False))
def test_schulze_winners_match_pref_voting_on_partial_rankings(
    profile: tuple[list[str], list[list[str]]], random: Any
) -> None:
    options, ballots = profile
    outcome = check_schulze_properties(options, ballots)
    # Neither the order of the ballots nor that of the options changes anything.
    random.shuffle(ballots)
    random.shuffle(options)
    assert schulze(ballots, options) == outcome


def test_unranked_options_tie_below_ranked_ones() -> None:
    outcome = schulze([["A"], ["A"], ["B", "C"]], ["A", "B", "C"])
    pairwise = outcome.tally["pairwise"]
    assert (pairwise["A"]["B"], pairwise["B"]["A"]) == (2, 1)
    assert (pairwise["B"]["C"], pairwise["C"]["B"]) == (1, 0)
    assert (pairwise["A"]["C"], pairwise["C"]["A"]) == (2, 1)
    assert outcome.ranking == ("A", "B", "C")


CYCLE = [["A", "B", "C"], ["B", "C", "A"], ["C", "A", "B"]]  # A>B>C>A, every link 2 to 1


@pytest.mark.parametrize("status_quo", ["A", "B", "C"])
def test_condorcet_cycle_goes_to_the_status_quo(status_quo: str) -> None:
    outcome = schulze(CYCLE, ["A", "B", "C"], status_quo=status_quo)
    assert outcome.tally["unbeaten"] == ["A", "B", "C"]
    assert outcome.winner == status_quo
    assert outcome.passed is False  # no change without a clear decision
    assert outcome.tie_broken is True
    others = sha_order([option for option in "ABC" if option != status_quo])
    assert outcome.ranking == (status_quo, *others)


@pytest.mark.parametrize("seed", [b"", b"x", SEED, bytes(range(32))])
def test_condorcet_cycle_without_status_quo_follows_sha256(seed: bytes) -> None:
    options = ["A", "B", "C"]
    outcome = tally("schulze", {}, options, CYCLE, 3, seed)
    assert outcome.ranking == tuple(sha_order(options, seed))
    assert outcome.winner == outcome.ranking[0]
    assert outcome.tie_broken is True
    assert outcome.passed is True
    assert outcome.tally["tie_order"] == sha_order(options, seed)
    assert outcome.tally["tie_seed"] == seed.hex()


def test_cycle_result_ignores_ballot_and_option_order() -> None:
    first = schulze(CYCLE, ["A", "B", "C"])
    for ballots in (CYCLE[::-1], CYCLE[1:] + CYCLE[:1]):
        for options in (["C", "B", "A"], ["B", "A", "C"]):
            assert schulze(ballots, options) == first
            assert schulze(ballots, options, "B") == schulze(CYCLE, ["A", "B", "C"], "B")


def test_tie_order_puts_the_status_quo_first() -> None:
    options = ["x", "y", "z", "w"]
    assert tie_order(options, SEED) == sha_order(options)
    assert tie_order(options, SEED, "z") == ["z", *sha_order(["x", "y", "w"])]


def test_large_schulze_tally() -> None:
    """20,000 ballots x 10 options through the vectorised path (the benchmark runs 100,000)."""
    rng = np.random.default_rng(10)
    options = [f"option-{i}" for i in range(10)]
    ballots = [[options[i] for i in rng.permutation(10)] for _ in range(20_000)]
    for ballot in ballots[:2_000]:  # a clear favourite
        ballot.remove("option-7")
        ballot.insert(0, "option-7")
    outcome = schulze(ballots, options)
    assert outcome.winner == "option-7"
    pairwise = outcome.tally["pairwise"]
    for x in options:
        for y in options:
            if x != y:
                assert pairwise[x][y] + pairwise[y][x] == 20_000
    # The pairwise counts equal a plain count over the first ballots.
    sample = ballots[:300]
    small = schulze(sample, options).tally["pairwise"]
    for x in options:
        for y in options:
            if x != y:
                expected = sum(1 for b in sample if b.index(x) < b.index(y))
                assert small[x][y] == expected


def test_large_tally_finds_the_invalid_ballot() -> None:
    ballots: list[Any] = [["A", "B", "C"]] * 1_000 + [["A", "A"]] + [["B"]] * 10
    with pytest.raises(BallotError) as raised:
        schulze(ballots, ["A", "B", "C"])
    assert raised.value.code == "duplicate_rank"
    with pytest.raises(BallotError) as raised:
        schulze([["A"], "AB"], ["A", "B"])
    assert raised.value.code == "wrong_shape"
    with pytest.raises(BallotError) as raised:
        schulze([["A"], ["Z"]], ["A", "B"])
    assert raised.value.code == "unknown_option"
    with pytest.raises(BallotError) as raised:
        schulze([["A"], []], ["A", "B"])
    assert raised.value.code == "empty_ballot"


# --- ballot refusals -----------------------------------------------------------------------------

OPTIONS = ["A", "B", "C"]
BUDGET = {"budget": 10, "limits": {"A": {"maximum": 6}, "B": {"minimum": 4}}}


@pytest.mark.parametrize(
    ("method", "params", "ballot"),
    [
        ("majority", {}, "for"),
        ("majority", {}, "against"),
        ("supermajority", {}, "abstain"),
        ("schulze", {}, ["A"]),
        ("schulze", {}, ("C", "A", "B")),
        ("approval", {}, ["B", "C"]),
        ("score", {}, {"A": 5}),
        ("score", {}, {"A": 0, "B": 5, "C": 3}),
        ("score", {"min": -2, "max": 2}, {"A": -2, "B": 2}),
        ("budget", BUDGET, {"A": 6, "B": 4}),
        ("budget", BUDGET, {"B": 10}),
        ("budget", BUDGET, {"A": 0}),
    ],
)
def test_valid_ballots_pass(method: str, params: dict[str, Any], ballot: Any) -> None:
    options = [] if method in ("majority", "supermajority") else OPTIONS
    check_ballot(method, params, options, ballot)


@pytest.mark.parametrize(
    ("method", "params", "ballot", "code"),
    [
        ("majority", {}, ["for"], "wrong_shape"),
        ("majority", {}, True, "wrong_shape"),
        ("majority", {}, "yes", "not_a_choice"),
        ("supermajority", {}, "For", "not_a_choice"),
        ("schulze", {}, {"A": 1}, "wrong_shape"),
        ("schulze", {}, "ABC", "wrong_shape"),
        ("schulze", {}, ["A", 2], "wrong_shape"),
        ("schulze", {}, ["A", "D"], "unknown_option"),
        ("schulze", {}, ["A", "B", "A"], "duplicate_rank"),
        ("schulze", {}, [], "empty_ballot"),
        ("approval", {}, {"A": True}, "wrong_shape"),
        ("approval", {}, ["a"], "unknown_option"),
        ("approval", {}, ["B", "B"], "duplicate_rank"),
        ("approval", {}, [], "empty_ballot"),
        ("score", {}, ["A"], "wrong_shape"),
        ("score", {}, {"A": True}, "wrong_shape"),
        ("score", {}, {"A": 2.0}, "wrong_shape"),
        ("score", {}, {"A": "3"}, "wrong_shape"),
        ("score", {}, {"D": 3}, "unknown_option"),
        ("score", {}, {"A": 6}, "score_out_of_range"),
        ("score", {}, {"A": -1}, "score_out_of_range"),
        ("score", {"min": -2, "max": 2}, {"A": -3}, "score_out_of_range"),
        ("score", {"min": -2, "max": 2}, {"A": 3}, "score_out_of_range"),
        ("score", {}, {}, "empty_ballot"),
        ("budget", BUDGET, ["A"], "wrong_shape"),
        ("budget", BUDGET, {"A": False}, "wrong_shape"),
        ("budget", BUDGET, {"Z": 1}, "unknown_option"),
        ("budget", BUDGET, {"B": 11}, "over_budget"),
        ("budget", BUDGET, {"A": 5, "B": 4, "C": 2}, "over_budget"),
        ("budget", BUDGET, {"A": 7}, "over_maximum"),
        ("budget", BUDGET, {"C": -1}, "under_minimum"),
        ("budget", BUDGET, {}, "empty_ballot"),
    ],
)
def test_invalid_ballots_are_refused_with_their_code(
    method: str, params: dict[str, Any], ballot: Any, code: str
) -> None:
    options = [] if method in ("majority", "supermajority") else OPTIONS
    with pytest.raises(BallotError) as raised:
        check_ballot(method, params, options, ballot)
    assert raised.value.code == code
    assert raised.value.message
    assert isinstance(raised.value, ValueError)
    # A tally meets the same refusal.
    with pytest.raises(BallotError) as in_tally:
        tally(method, params, options, [ballot], 1, SEED)
    assert in_tally.value.code == code


def test_every_code_is_exercised() -> None:
    """The parametrised refusals above cover every stable reason code."""
    assert set(BALLOT_ERRORS) == {
        "wrong_shape",
        "unknown_option",
        "duplicate_rank",
        "score_out_of_range",
        "over_budget",
        "under_minimum",
        "over_maximum",
        "empty_ballot",
        "not_a_choice",
    }


def test_first_fault_is_reported_in_a_fixed_order() -> None:
    # Keys are looked at by option id: A's fault is reported, whatever the object's order.
    with pytest.raises(BallotError) as raised:
        check_ballot("score", {}, OPTIONS, {"C": 9, "A": -1})
    assert "'A'" in raised.value.message


@pytest.mark.parametrize(
    ("method", "params", "options", "status_quo", "code"),
    [
        ("plurality", {}, OPTIONS, None, "unknown_method"),
        ("majority", {"quorum": 0.5}, [], None, "bad_params"),
        ("majority", {"quorum": "0.5"}, [], None, "bad_params"),
        ("majority", {"quorum": "3/2"}, [], None, "bad_params"),
        ("majority", {"threshold": "1/1", "strict": True}, [], None, "bad_params"),
        ("majority", {"threshold": "0/1"}, [], None, "bad_params"),
        ("majority", {"strict": 1}, [], None, "bad_params"),
        ("majority", {"treshold": "1/2"}, [], None, "bad_params"),
        ("majority", {}, OPTIONS, None, "bad_options"),
        ("schulze", {"quorum": "1/2"}, OPTIONS, None, "bad_params"),
        ("schulze", {}, ["A"], None, "bad_options"),
        ("schulze", {}, ["A", "A"], None, "bad_options"),
        ("schulze", {}, ["A", ""], None, "bad_options"),
        ("schulze", {}, OPTIONS, "D", "bad_options"),
        ("score", {"min": 5, "max": 5}, OPTIONS, None, "bad_params"),
        ("score", {"max": True}, OPTIONS, None, "bad_params"),
        ("budget", {}, OPTIONS, None, "bad_params"),
        ("budget", {"budget": 0}, OPTIONS, None, "bad_params"),
        ("budget", {"budget": 5, "limits": {"Z": {}}}, OPTIONS, None, "bad_params"),
        ("budget", {"budget": 5, "limits": {"A": {"minimum": -1}}}, OPTIONS, None, "bad_params"),
        (
            "budget",
            {"budget": 5, "limits": {"A": {"minimum": 3, "maximum": 2}}},
            OPTIONS,
            None,
            "bad_params",
        ),
        ("budget", {"budget": 5, "limits": {"A": {"cap": 3}}}, OPTIONS, None, "bad_params"),
    ],
)
def test_bad_methods_and_params_are_refused(
    method: str, params: dict[str, Any], options: list[str], status_quo: str | None, code: str
) -> None:
    with pytest.raises(MethodError) as raised:
        check_params(method, params, options, status_quo)
    assert raised.value.code == code


def test_more_ballots_than_voters_is_a_bug() -> None:
    with pytest.raises(MethodError) as raised:
        tally("majority", {}, [], ["for", "for"], 1, SEED)
    assert raised.value.code == "bad_electorate"


# --- majority and supermajority ------------------------------------------------------------------


def yes_no(
    method: str, for_: int, against: int, abstain: int, electorate: int, **params: Any
) -> Outcome:
    ballots = ["for"] * for_ + ["against"] * against + ["abstain"] * abstain
    return tally(method, params, [], ballots, electorate, SEED)


def test_majority_exactly_half_fails_by_the_tie_rule() -> None:
    outcome = yes_no("majority", 5, 5, 0, 10)
    assert outcome.passed is False
    assert outcome.tie_broken is True
    assert outcome.tally["threshold"]["at_threshold"] is True
    assert outcome.tally["tie_rule"] == "a share of for votes exactly at a strict threshold fails"
    assert outcome.tally["threshold"]["needed"] == 6
    one_more = yes_no("majority", 6, 5, 0, 11)
    assert (one_more.passed, one_more.tie_broken) == (True, False)


def test_supermajority_exactly_two_thirds_passes() -> None:
    outcome = yes_no("supermajority", 6, 3, 0, 9)
    assert outcome.passed is True
    assert outcome.tie_broken is False  # "at least" is the rule, not a tie break
    assert outcome.tally["threshold"] == {
        "required": "2/3",
        "strict": False,
        "needed": 6,
        "for": 6,
        "decided": 9,
        "at_threshold": True,
        "met": True,
    }
    assert yes_no("supermajority", 5, 3, 1, 9).passed is False
    strict = yes_no("supermajority", 6, 3, 0, 9, strict=True)
    assert (strict.passed, strict.tie_broken) == (False, True)


def test_quorum_is_counted_apart_from_the_threshold() -> None:
    # Quorum 1/2 of 10: 5 ballots; abstentions count towards it but not towards the threshold.
    met = yes_no("majority", 1, 0, 4, 10, quorum="1/2")
    assert met.passed is True
    assert met.tally["quorum"] == {"required": "1/2", "needed": 5, "cast": 5, "met": True}
    assert met.tally["threshold"]["decided"] == 1
    short = yes_no("majority", 1, 0, 3, 10, quorum="1/2")
    assert short.passed is False
    assert short.tally["quorum"]["met"] is False
    assert short.tally["threshold"]["met"] is True  # the votes cast did favour it
    # A quorum of 1/3 of 10 needs 4 ballots (3 1/3 rounded up).
    assert yes_no("majority", 3, 0, 0, 10, quorum="1/3").passed is False
    assert yes_no("majority", 4, 0, 0, 10, quorum="1/3").passed is True
    assert yes_no("majority", 4, 0, 0, 10, quorum="1/3").tally["quorum"]["needed"] == 4


def test_quorum_failure_is_not_a_tie_break() -> None:
    outcome = yes_no("majority", 1, 1, 0, 10, quorum="1/2")
    assert (outcome.passed, outcome.tie_broken) == (False, False)


def test_only_abstentions_decide_nothing() -> None:
    outcome = yes_no("supermajority", 0, 0, 5, 5)
    assert outcome.passed is False
    assert outcome.tally["threshold"]["met"] is False
    assert outcome.tally["quorum"]["met"] is True


def test_no_ballots_at_all() -> None:
    assert yes_no("majority", 0, 0, 0, 0).passed is False
    assert yes_no("majority", 0, 0, 0, 3).tally["quorum"]["met"] is True  # quorum 0 by default


def test_yes_no_outcome_shape() -> None:
    outcome = yes_no("majority", 3, 1, 1, 7, quorum="2/3", threshold="3/4", strict=False)
    assert (outcome.winner, outcome.ranking) == (None, ())
    assert list(outcome.tally) == [
        "method",
        "electorate",
        "ballots",
        "for",
        "against",
        "abstain",
        "quorum",
        "threshold",
        "tie_rule",
        "tie_broken",
        "passed",
    ]
    assert outcome.tally["quorum"] == {"required": "2/3", "needed": 5, "cast": 5, "met": True}
    assert outcome.passed is True  # 3/4 exactly, at least


# --- approval, score, budget ---------------------------------------------------------------------


def test_approval_most_approvals_wins() -> None:
    ballots = [["A", "B"], ["B"], ["C", "B"], ["A"]]
    outcome = tally("approval", {}, OPTIONS, ballots, 5, SEED)
    assert outcome.tally["approvals"] == {"A": 2, "B": 3, "C": 1}
    assert (outcome.winner, outcome.ranking, outcome.tie_broken) == ("B", ("B", "A", "C"), False)


def test_approval_tie_goes_to_status_quo_then_sha256() -> None:
    ballots = [["A", "B"], ["C"]]
    kept = tally("approval", {}, OPTIONS, ballots, 2, SEED, status_quo="B")
    assert (kept.winner, kept.passed, kept.tie_broken) == ("B", False, True)
    assert kept.ranking == ("B", *sha_order(["A", "C"]))
    free = tally("approval", {}, OPTIONS, ballots, 2, SEED)
    assert free.ranking == tuple(sha_order(OPTIONS))
    assert (free.winner, free.passed, free.tie_broken) == (free.ranking[0], True, True)


def test_status_quo_not_among_the_tied_does_not_matter() -> None:
    ballots = [["A", "B"], ["A", "B"], ["C"]]
    outcome = tally("approval", {}, OPTIONS, ballots, 3, SEED, status_quo="C")
    assert outcome.ranking == (*sha_order(["A", "B"]), "C")
    assert outcome.passed is True


def test_score_missing_options_count_as_min() -> None:
    params = {"min": -1, "max": 3}
    ballots = [{"A": 3}, {"B": 2, "C": 3}, {"A": 0, "B": 3}]
    outcome = tally("score", params, OPTIONS, ballots, 3, SEED)
    assert outcome.tally["totals"] == {"A": 3 - 1 + 0, "B": -1 + 2 + 3, "C": -1 + 3 - 1}
    assert (outcome.winner, outcome.ranking) == ("B", ("B", "A", "C"))
    assert (outcome.tally["min"], outcome.tally["max"]) == (-1, 3)


def test_score_tie() -> None:
    outcome = tally("score", {}, OPTIONS, [{"A": 5, "C": 1}, {"B": 5, "C": 4}], 2, SEED, "C")
    assert outcome.tally["totals"] == {"A": 5, "B": 5, "C": 5}
    assert (outcome.winner, outcome.passed, outcome.tie_broken) == ("C", False, True)


def test_budget_funds_options_that_reach_their_minimum_up_to_their_maximum() -> None:
    params = {
        "budget": 10,
        "limits": {"A": {"maximum": 6}, "B": {"minimum": 12}, "C": {"minimum": 5, "maximum": 8}},
    }
    ballots = [
        {"A": 6, "B": 4},
        {"A": 5, "B": 5},
        {"C": 6, "D": 4},
        {"A": 1, "B": 2, "C": 4, "D": 3},
    ]
    outcome = tally("budget", params, [*OPTIONS, "D"], ballots, 4, SEED)
    assert outcome.tally["totals"] == {"A": 12, "B": 11, "C": 10, "D": 7}
    # A: over its maximum, funded at 6; B: one short of its minimum; C: capped at 8; D: no limits.
    assert outcome.tally["funded"] == {"A": 6, "C": 8, "D": 7}
    assert outcome.tally["allocated"] == 21
    assert outcome.ranking == ("A", "B", "C", "D")
    assert (outcome.winner, outcome.passed, outcome.tie_broken) == ("A", True, False)
    assert outcome.tally["limits"] == {
        "A": {"minimum": 0, "maximum": 6},
        "B": {"minimum": 12},
        "C": {"minimum": 5, "maximum": 8},
        "D": {"minimum": 0},
    }


def test_budget_minimum_exactly_reached_is_funded() -> None:
    params = {"budget": 5, "limits": {"A": {"minimum": 10}}}
    funded = tally("budget", params, ["A", "B"], [{"A": 5}, {"A": 5}], 2, SEED)
    assert funded.tally["funded"] == {"A": 10}
    short = tally("budget", params, ["A", "B"], [{"A": 5}, {"A": 4, "B": 1}], 2, SEED)
    assert short.tally["funded"] == {"B": 1}
    assert (short.winner, short.ranking) == ("B", ("A", "B"))  # the top-ranked funded option


def test_budget_with_nothing_funded() -> None:
    params = {"budget": 5, "limits": {"A": {"minimum": 10}, "B": {"minimum": 10}}}
    outcome = tally("budget", params, ["A", "B"], [{"A": 5}, {"B": 0}], 2, SEED)
    assert outcome.tally["funded"] == {}
    assert (outcome.winner, outcome.passed, outcome.tie_broken) == (None, False, False)
    assert outcome.ranking == ("A", "B")


def test_budget_tie_between_funded_options() -> None:
    outcome = tally("budget", {"budget": 4}, OPTIONS, [{"A": 2, "B": 2}], 1, SEED, "B")
    assert (outcome.winner, outcome.tie_broken) == ("B", True)
    assert outcome.passed is True  # A is funded too: the money moves
    only_status_quo = tally("budget", {"budget": 4}, OPTIONS, [{"B": 4}], 1, SEED, "B")
    assert only_status_quo.passed is False


@pytest.mark.parametrize("method", ["schulze", "approval", "score", "budget"])
def test_no_ballots_chooses_nothing(method: str) -> None:
    params = {"budget": 3} if method == "budget" else {}
    outcome = tally(method, params, OPTIONS, [], 5, SEED, "A")
    assert (outcome.passed, outcome.winner, outcome.ranking, outcome.tie_broken) == (
        False,
        None,
        (),
        False,
    )


# --- tallies are exact and JSON-ready -------------------------------------------------------------


def walk(value: Any, path: str = "tally") -> None:
    """Fails on anything but str, int, bool, list and dict with str keys: no float, no None."""
    assert not isinstance(value, float), f"a float at {path}"
    assert type(value) in (str, int, bool, list, dict), f"{type(value).__name__} at {path}"
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), f"a {type(key).__name__} key at {path}"
            walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            walk(item, f"{path}[{i}]")


@pytest.mark.parametrize(
    ("method", "params", "options", "ballots"),
    [
        ("majority", {"quorum": "1/3"}, [], ["for", "against", "abstain"]),
        ("supermajority", {"threshold": "3/4"}, [], ["for", "for", "against"]),
        ("schulze", {}, list("ABCDE"), TEXTBOOK_BALLOTS),
        ("schulze", {}, ["A", "B", "C"], CYCLE),
        ("approval", {}, OPTIONS, [["A"], ["B", "C"]]),
        ("score", {}, OPTIONS, [{"A": 5}, {"B": 2}]),
        ("budget", BUDGET, OPTIONS, [{"A": 6, "B": 4}, {"C": 3}]),
        ("budget", BUDGET, OPTIONS, []),
    ],
)
def test_tallies_hold_no_float_and_round_trip_through_json(
    method: str, params: dict[str, Any], options: list[str], ballots: list[Any]
) -> None:
    outcome = tally(method, params, options, ballots, 45, SEED, options[0] if options else None)
    walk(outcome.tally)
    assert json.loads(json.dumps(outcome.tally)) == outcome.tally
    # Key order is part of the result: the same call gives the same JSON text.
    again = tally(method, params, options, ballots, 45, SEED, options[0] if options else None)
    assert json.dumps(again.tally) == json.dumps(outcome.tally)
