"""Voting methods: ballot checks and tallies, exact and the same on every replica.

A proposal's outcome is computed inside the journal's fold, so every node must reach it bit for
bit from the same stances: the functions here are pure (no I/O, no clock, no randomness), use
integers and :class:`fractions.Fraction` only (never a float), and order everything by option id
before anything depends on order, so neither the order of the ballots nor that of the options
can change a result.

Methods (the ``method`` strings) and their ballots:

- ``majority``, ``supermajority``: ``"for"``, ``"against"`` or ``"abstain"``. A quorum of the
  electorate must cast a ballot (abstentions count towards it); then the share of ``for`` among
  ``for`` + ``against`` must reach the threshold. The two are reported apart.
- ``schulze``: a list of option ids, most preferred first; unranked options tie below every ranked
  one. Winning-votes link strengths, widest paths, winners are the options no other beats.
- ``approval``: a list of the approved option ids; most approvals wins.
- ``score``: ``{option: int}`` within ``[min, max]``; a missing option counts as ``min``; the
  highest total wins.
- ``budget``: ``{option: int}`` units, at most ``budget`` in all per member and at most an
  option's ``maximum`` to one option; an option whose total reaches its ``minimum`` is funded, up
  to its ``maximum``.

Consent and lazy consensus are not tallies of ballots: the governance area decides them from
objections, not here.

The tie rule of the choice methods: among tied options the status quo (when the proposal has one)
comes first, since nothing should change without a clear decision; the others follow in ascending
order of ``sha256(tie_seed + option_id)``, a seed the area derives from the journal so the order is
fixed before anyone votes, yet no option id can be chosen to win ties.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NoReturn, TypeGuard

import numpy as np
import numpy.typing as npt

METHODS = ("majority", "supermajority", "schulze", "approval", "score", "budget")
YES_NO = ("majority", "supermajority")
CHOICES = ("for", "against", "abstain")

#: The reason codes of :class:`BallotError`, stable: clients and the journal's refusals use them.
BALLOT_ERRORS = (
    "wrong_shape",
    "unknown_option",
    "duplicate_rank",
    "score_out_of_range",
    "over_budget",
    "under_minimum",
    "over_maximum",
    "empty_ballot",
    "not_a_choice",
)

TIE_RULE = "status quo first, then ascending sha256(tie_seed + option id)"
THRESHOLD_TIE_RULE = "a share of for votes exactly at a strict threshold fails"

# "n/d" with no sign, no spaces, no leading zeros; nine digits each keeps charters readable.
_FRACTION = re.compile(r"(0|[1-9][0-9]{0,8})/([1-9][0-9]{0,8})")
# An option id is a short printable name the proposal fixes; the tally writes it as a JSON key.
_OPTION = re.compile(r"[^\x00-\x1f\x7f]{1,200}")

_DEFAULTS: dict[str, tuple[str, bool]] = {
    # method: (threshold, strict)
    "majority": ("1/2", True),
    "supermajority": ("2/3", False),
}


class BallotError(ValueError):
    """A ballot the method's rules refuse: ``code`` is stable, ``message`` says what to fix."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class MethodError(ValueError):
    """A method, its parameters, options or electorate that cannot be tallied.

    Raised for the proposal's own settings (``unknown_method``, ``bad_params``, ``bad_options``,
    ``bad_electorate``), never for a voter's ballot: the area checks these when a proposal is made
    (:func:`check_params`), so meeting one at the close is a bug, not a stance to refuse.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Outcome:
    """The result of a tally.

    ``passed``: for yes/no methods, the proposal passed; for choice methods, a winner other than
    the status quo (if any) was chosen. ``winner``/``ranking``: choice methods only (None and ()
    otherwise, and when no ballot was cast). ``tally``: JSON-ready (str, int, bool, list, dict;
    fractions as "n/d"), enough to recompute and display the result. ``tie_broken``: whether the
    tie rule decided the result (the winner, or a yes/no vote exactly at a strict threshold).
    """

    passed: bool
    winner: str | None
    ranking: tuple[str, ...]
    tally: dict[str, Any]
    tie_broken: bool


# --- parameters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _YesNoParams:
    quorum: Fraction
    threshold: Fraction
    strict: bool


@dataclass(frozen=True)
class _ScoreParams:
    low: int
    high: int


@dataclass(frozen=True)
class _BudgetParams:
    budget: int
    minimum: dict[str, int]  # every option, 0 when the charter sets none
    maximum: dict[str, int | None]  # every option, None for no maximum


def _is_int(value: object) -> TypeGuard[int]:
    """An int that is not a bool: JSON's true would otherwise count as 1."""
    return type(value) is int


def _fraction(name: str, value: object) -> Fraction:
    if not isinstance(value, str) or not _FRACTION.fullmatch(value):
        # A string keeps the charter exact: 0.67 is not 2/3.
        raise MethodError("bad_params", f"{name} must be a fraction written 'n/d', such as '2/3'")
    numerator, denominator = value.split("/")
    return Fraction(int(numerator), int(denominator))


def _text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def _only(method: str, params: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Refuses parameters the method does not know: a misspelt one would silently not apply."""
    if not isinstance(params, Mapping):
        raise MethodError("bad_params", "the parameters must be an object")
    unknown = sorted(str(key) for key in params if key not in set(allowed))
    if unknown:
        raise MethodError(
            "bad_params", f"{method} takes no parameter {', '.join(unknown)}: check the spelling"
        )


def _yes_no_params(method: str, params: Mapping[str, Any]) -> _YesNoParams:
    _only(method, params, ("quorum", "threshold", "strict"))
    default_threshold, default_strict = _DEFAULTS[method]
    quorum = _fraction("quorum", params.get("quorum", "0/1"))
    threshold = _fraction("threshold", params.get("threshold", default_threshold))
    strict = params.get("strict", default_strict)
    if not isinstance(strict, bool):
        raise MethodError("bad_params", "strict must be true (more than) or false (at least)")
    if quorum > 1:
        raise MethodError("bad_params", "quorum is a share of the electorate: at most 1/1")
    if threshold == 0 or threshold > 1 or (strict and threshold == 1):
        raise MethodError(
            "bad_params",
            "threshold must be above 0/1 and at most 1/1 (below 1/1 when strict, "
            "since no share is more than all votes)",
        )
    return _YesNoParams(quorum, threshold, strict)


def _score_params(params: Mapping[str, Any]) -> _ScoreParams:
    _only("score", params, ("min", "max"))
    low = params.get("min", 0)
    high = params.get("max", 5)
    if not _is_int(low) or not _is_int(high) or low >= high:
        raise MethodError("bad_params", "min and max must be whole numbers with min below max")
    return _ScoreParams(low, high)


def _budget_params(params: Mapping[str, Any], options: Sequence[str]) -> _BudgetParams:
    _only("budget", params, ("budget", "limits"))
    budget = params.get("budget")
    if not _is_int(budget) or budget < 1:
        raise MethodError("bad_params", "budget (units per member) must be a whole number above 0")
    limits = params.get("limits", {})
    if not isinstance(limits, Mapping):
        raise MethodError("bad_params", "limits must be an object {option: {minimum, maximum}}")
    unknown = sorted(str(option) for option in limits if option not in set(options))
    if unknown:
        raise MethodError("bad_params", f"limits name options not on the ballot: {unknown}")
    minimum: dict[str, int] = {}
    maximum: dict[str, int | None] = {}
    for option in sorted(options):
        limit = limits.get(option, {})
        if not isinstance(limit, Mapping) or set(limit) - {"minimum", "maximum"}:
            raise MethodError("bad_params", f"the limits of {option} take only minimum and maximum")
        low = limit.get("minimum", 0)
        high = limit.get("maximum")
        if not _is_int(low) or low < 0:
            raise MethodError("bad_params", f"the minimum of {option} must be a whole number ≥ 0")
        if high is not None and (not _is_int(high) or high < max(low, 1)):
            raise MethodError(
                "bad_params",
                f"the maximum of {option} must be a whole number above 0, not below its minimum",
            )
        minimum[option] = low
        maximum[option] = high
    return _BudgetParams(budget, minimum, maximum)


def _check_options(method: str, options: Sequence[str], status_quo: str | None) -> list[str]:
    """The options sorted by id, after checking they are distinct, named and include the status
    quo; yes/no methods take none."""
    if isinstance(options, str) or not isinstance(options, Sequence):
        raise MethodError("bad_options", "options must be a list of option ids")
    if method in YES_NO:
        if options or status_quo is not None:
            raise MethodError("bad_options", f"{method} votes take no options and no status quo")
        return []
    for option in options:
        if not isinstance(option, str) or not _OPTION.fullmatch(option):
            raise MethodError(
                "bad_options", "an option id is 1 to 200 printable characters, not control codes"
            )
    if len(set(options)) != len(options):
        raise MethodError("bad_options", "the options must be distinct")
    if len(options) < 2:
        raise MethodError("bad_options", f"a {method} vote needs at least two options")
    if status_quo is not None and status_quo not in options:
        raise MethodError("bad_options", "the status quo must be one of the options")
    return sorted(options)


def _params(method: str, params: Mapping[str, Any], options: Sequence[str]) -> object:
    if method in YES_NO:
        return _yes_no_params(method, params)
    if method in ("schulze", "approval"):
        _only(method, params, ())
        return None
    if method == "score":
        return _score_params(params)
    return _budget_params(params, options)


def _method(method: str) -> None:
    if method not in METHODS:
        raise MethodError("unknown_method", f"unknown method {method!r}: one of {list(METHODS)}")


def check_params(
    method: str, params: Mapping[str, Any], options: Sequence[str], status_quo: str | None = None
) -> None:
    """Raises :class:`MethodError` unless ``method`` can tally with these parameters and options.

    For the area to call when a proposal is made, so that a tally at the close cannot fail.
    """
    _method(method)
    _check_options(method, options, status_quo)
    _params(method, params, options)


# --- ballots -------------------------------------------------------------------------------------


def check_ballot(
    method: str, params: Mapping[str, Any], options: Sequence[str], ballot: Any
) -> None:
    """Raises :class:`BallotError` unless ``ballot`` is a valid ballot for this vote.

    The first fault found is reported, looking at the ballot's items in order (a list's from
    first to last, an object's by option id), so every replica refuses with the same code.
    Raises :class:`MethodError` if the method, its parameters or options are themselves wrong.
    """
    _method(method)
    _check_options(method, options, None)
    _checker(method, _params(method, params, options), set(options))(ballot)


def _checker(method: str, settings: object, known: set[str]) -> Callable[[Any], None]:
    """The ballot check of ``method``, its parameters read once (a tally checks every ballot)."""
    if isinstance(settings, _ScoreParams):
        return lambda ballot: _check_score(settings, known, ballot)
    if isinstance(settings, _BudgetParams):
        return lambda ballot: _check_budget(settings, known, ballot)
    if method in YES_NO:
        return _check_choice
    return lambda ballot: _check_list(method, known, ballot)


def _check_choice(ballot: Any) -> None:
    if not isinstance(ballot, str):
        raise BallotError("wrong_shape", 'the ballot must be one of "for", "against", "abstain"')
    if ballot not in CHOICES:
        raise BallotError(
            "not_a_choice", f'{ballot!r} is not a choice: vote "for", "against" or "abstain"'
        )


def _check_list(method: str, known: set[str], ballot: Any) -> None:
    what = "ranking" if method == "schulze" else "list of approved options"
    if not isinstance(ballot, list | tuple):
        raise BallotError("wrong_shape", f"the ballot must be a {what} of option ids")
    if not ballot:
        raise BallotError(
            "empty_ballot",
            "the ballot ranks no option: rank at least one, or cast no ballot"
            if method == "schulze"
            else "the ballot approves no option: approve at least one, or cast no ballot",
        )
    seen: set[str] = set()
    for option in ballot:
        if not isinstance(option, str):
            raise BallotError("wrong_shape", f"each item of the {what} must be an option id")
        if option not in known:
            raise BallotError("unknown_option", f"{option!r} is not an option of this proposal")
        if option in seen:
            raise BallotError(
                "duplicate_rank",
                f"{option!r} is ranked twice: rank each option at most once"
                if method == "schulze"
                else f"{option!r} is approved twice: list each option at most once",
            )
        seen.add(option)


def _check_allocation_shape(ballot: Any, known: set[str], what: str) -> list[str]:
    """The ballot's option ids, sorted, once it is a non-empty {known option: int} object."""
    if not isinstance(ballot, Mapping):
        raise BallotError("wrong_shape", f"the ballot must be an object {{option id: {what}}}")
    if not ballot:
        raise BallotError("empty_ballot", f"the ballot gives no {what}: give at least one")
    if not all(isinstance(option, str) for option in ballot):
        raise BallotError("wrong_shape", "the ballot's keys must be option ids")
    keys = sorted(ballot)
    for option in keys:
        if option not in known:
            raise BallotError("unknown_option", f"{option!r} is not an option of this proposal")
        if not _is_int(ballot[option]):
            raise BallotError(
                "wrong_shape", f"the {what} for {option!r} must be a whole number (not true/false)"
            )
    return keys


def _check_score(settings: _ScoreParams, known: set[str], ballot: Any) -> None:
    for option in _check_allocation_shape(ballot, known, "score"):
        score = ballot[option]
        if not settings.low <= score <= settings.high:
            raise BallotError(
                "score_out_of_range",
                f"the score for {option!r} is {score}: scores go from {settings.low} "
                f"to {settings.high}",
            )


def _check_budget(settings: _BudgetParams, known: set[str], ballot: Any) -> None:
    for option in _check_allocation_shape(ballot, known, "allocation"):
        units = ballot[option]
        if units < 0:
            raise BallotError(
                "under_minimum", f"the allocation to {option!r} is {units}: give 0 units or more"
            )
        high = settings.maximum[option]
        if high is not None and units > high:
            raise BallotError(
                "over_maximum",
                f"the allocation to {option!r} is {units}: it takes at most {high} units",
            )
    spent = sum(ballot.values())
    if spent > settings.budget:
        raise BallotError(
            "over_budget",
            f"the ballot allocates {spent} units: each member has {settings.budget}",
        )


# --- the tie rule --------------------------------------------------------------------------------


def tie_order(options: Iterable[str], tie_seed: bytes, status_quo: str | None = None) -> list[str]:
    """``options`` in the order the tie rule puts them: the status quo first, then by ascending
    ``sha256(tie_seed + option_id.encode())``."""
    return sorted(options, key=lambda option: _tie_key(option, tie_seed, status_quo))


def _tie_key(option: str, tie_seed: bytes, status_quo: str | None) -> tuple[int, bytes, str]:
    digest = hashlib.sha256(tie_seed + option.encode()).digest()
    return (0 if option == status_quo else 1, digest, option)


def _rank_by_score(
    scores: Mapping[str, int], tie_seed: bytes, status_quo: str | None
) -> tuple[list[str], bool]:
    """Options by descending score, ties in tie-rule order; and whether the top was tied."""
    ranking = sorted(
        scores, key=lambda option: (-scores[option], _tie_key(option, tie_seed, status_quo))
    )
    top = scores[ranking[0]]
    return ranking, sum(1 for score in scores.values() if score == top) > 1


# --- tallies -------------------------------------------------------------------------------------


def tally(
    method: str,
    params: Mapping[str, Any],
    options: Sequence[str],
    ballots: Sequence[Any],
    electorate: int,
    tie_seed: bytes,
    status_quo: str | None = None,
) -> Outcome:
    """Counts ``ballots`` (one per voter, the counting stance of each) by ``method``.

    ``electorate`` is the number of members who may vote, fixed when voting opened; ``tie_seed``
    seeds the tie rule (see the module's docstring). Every ballot is checked as
    :func:`check_ballot` does and the first invalid one raises :class:`BallotError`: the area
    refuses such stances when they are made, so one reaching the tally is a bug to surface.
    With no ballot at all a choice method chooses nothing (no winner, not passed).
    """
    _method(method)
    sorted_options = _check_options(method, options, status_quo)
    settings = _params(method, params, options)
    if not _is_int(electorate) or electorate < 0:
        raise MethodError("bad_electorate", "the electorate must be a whole number ≥ 0")
    if len(ballots) > electorate:
        raise MethodError(
            "bad_electorate", f"{len(ballots)} ballots for an electorate of {electorate}"
        )
    if not isinstance(tie_seed, bytes):
        raise MethodError("bad_params", "the tie seed must be bytes")
    if isinstance(settings, _YesNoParams):
        return _tally_yes_no(method, settings, ballots, electorate)
    head: dict[str, Any] = {
        "method": method,
        "electorate": electorate,
        "ballots": len(ballots),
        "options": sorted_options,
    }
    if status_quo is not None:
        head["status_quo"] = status_quo
    head["tie_rule"] = TIE_RULE
    head["tie_seed"] = tie_seed.hex()
    head["tie_order"] = tie_order(sorted_options, tie_seed, status_quo)
    if method == "schulze":
        return _tally_schulze(head, sorted_options, ballots, tie_seed, status_quo)
    check = _checker(method, settings, set(sorted_options))
    for ballot in ballots:
        check(ballot)
    if method == "approval":
        approvals = dict.fromkeys(sorted_options, 0)
        for ballot in ballots:
            for option in ballot:
                approvals[option] += 1
        head["approvals"] = approvals
        return _choose(head, approvals, ballots, tie_seed, status_quo)
    if isinstance(settings, _ScoreParams):
        totals = dict.fromkeys(sorted_options, 0)
        for ballot in ballots:
            for option in sorted_options:
                totals[option] += ballot.get(option, settings.low)
        head["min"] = settings.low
        head["max"] = settings.high
        head["totals"] = totals
        return _choose(head, totals, ballots, tie_seed, status_quo)
    if not isinstance(settings, _BudgetParams):  # every other method has returned above
        raise MethodError("unknown_method", f"no tally for {method!r}")
    return _tally_budget(head, settings, sorted_options, ballots, tie_seed, status_quo)


def _tally_yes_no(
    method: str, settings: _YesNoParams, ballots: Sequence[Any], electorate: int
) -> Outcome:
    for ballot in ballots:
        _check_choice(ballot)
    votes = {choice: sum(1 for ballot in ballots if ballot == choice) for choice in CHOICES}
    cast = len(ballots)
    decided = votes["for"] + votes["against"]
    quorum, threshold = settings.quorum, settings.threshold
    # Compared as integers: cast / electorate >= q  <=>  cast * q.d >= q.n * electorate.
    quorum_met = cast * quorum.denominator >= quorum.numerator * electorate
    scaled_for = votes["for"] * threshold.denominator
    scaled_needed = threshold.numerator * decided
    at_threshold = decided > 0 and scaled_for == scaled_needed
    if decided == 0:
        threshold_met = False  # nobody voted for or against: nothing was decided
    elif settings.strict:
        threshold_met = scaled_for > scaled_needed
    else:
        threshold_met = scaled_for >= scaled_needed
    tie_broken = quorum_met and at_threshold and settings.strict
    passed = quorum_met and threshold_met
    # The fewest ballots that meet the quorum, and the fewest for votes that meet the threshold
    # given the for and against votes cast (ceil and floor + 1 in integers).
    needed_ballots = -(-quorum.numerator * electorate // quorum.denominator)
    product = threshold.numerator * decided
    if settings.strict:
        needed_for = product // threshold.denominator + 1
    else:
        needed_for = -(-product // threshold.denominator)
    result: dict[str, Any] = {
        "method": method,
        "electorate": electorate,
        "ballots": cast,
        "for": votes["for"],
        "against": votes["against"],
        "abstain": votes["abstain"],
        "quorum": {
            "required": _text(quorum),
            "needed": needed_ballots,
            "cast": cast,
            "met": quorum_met,
        },
        "threshold": {
            "required": _text(threshold),
            "strict": settings.strict,
            "needed": max(needed_for, 1),
            "for": votes["for"],
            "decided": decided,
            "at_threshold": at_threshold,
            "met": threshold_met,
        },
        "tie_rule": THRESHOLD_TIE_RULE,
        "tie_broken": tie_broken,
        "passed": passed,
    }
    return Outcome(passed=passed, winner=None, ranking=(), tally=result, tie_broken=tie_broken)


def _choose(
    head: dict[str, Any],
    scores: Mapping[str, int],
    ballots: Sequence[Any],
    tie_seed: bytes,
    status_quo: str | None,
) -> Outcome:
    """Approval and score: the highest score wins, ties by the tie rule."""
    if not ballots:
        return _no_decision(head)
    ranking, tied = _rank_by_score(scores, tie_seed, status_quo)
    return _decided(head, ranking, ranking[0], tied, status_quo)


def _decided(
    head: dict[str, Any],
    ranking: list[str],
    winner: str | None,
    tie_broken: bool,
    status_quo: str | None,
    passed: bool | None = None,
) -> Outcome:
    if passed is None:
        passed = winner is not None and winner != status_quo
    head["ranking"] = ranking
    if winner is not None:
        head["winner"] = winner
    head["tie_broken"] = tie_broken
    head["passed"] = passed
    return Outcome(
        passed=passed, winner=winner, ranking=tuple(ranking), tally=head, tie_broken=tie_broken
    )


def _no_decision(head: dict[str, Any]) -> Outcome:
    head["ranking"] = []
    head["tie_broken"] = False
    head["passed"] = False
    return Outcome(passed=False, winner=None, ranking=(), tally=head, tie_broken=False)


def _tally_budget(
    head: dict[str, Any],
    settings: _BudgetParams,
    options: list[str],
    ballots: Sequence[Any],
    tie_seed: bytes,
    status_quo: str | None,
) -> Outcome:
    """Totals per option; an option is funded when its total reaches its minimum (and at least
    one unit: nothing is funded with nothing), at its total capped by its maximum."""
    totals = dict.fromkeys(options, 0)
    for ballot in ballots:
        for option, units in ballot.items():
            totals[option] += units
    funded: dict[str, int] = {}
    for option in options:
        if totals[option] >= max(settings.minimum[option], 1):
            high = settings.maximum[option]
            funded[option] = totals[option] if high is None else min(totals[option], high)
    head["budget"] = settings.budget
    head["limits"] = {
        option: {"minimum": settings.minimum[option]}
        | ({} if settings.maximum[option] is None else {"maximum": settings.maximum[option]})
        for option in options
    }
    head["totals"] = totals
    head["funded"] = funded
    head["allocated"] = sum(funded.values())
    if not ballots:
        return _no_decision(head)
    ranking, _ = _rank_by_score(totals, tie_seed, status_quo)
    winner = next((option for option in ranking if option in funded), None)
    tie_broken = winner is not None and any(
        totals[option] == totals[winner] for option in funded if option != winner
    )
    passed = any(option != status_quo for option in funded)
    return _decided(head, ranking, winner, tie_broken, status_quo, passed)


# --- Schulze -------------------------------------------------------------------------------------


def _tally_schulze(
    head: dict[str, Any],
    options: list[str],
    ballots: Sequence[Any],
    tie_seed: bytes,
    status_quo: str | None,
) -> Outcome:
    ranks = _rank_matrix(options, ballots)
    d = pairwise(ranks)
    p = strongest_paths(d)
    m = len(options)
    beats = [[p[x][y] > p[y][x] for y in range(m)] for x in range(m)]
    head["pairwise"] = _by_option(options, d)
    head["strongest_paths"] = _by_option(options, p)
    head["wins"] = {options[x]: sum(beats[x]) for x in range(m)}
    unbeaten = [options[x] for x in range(m) if not any(beats[y][x] for y in range(m))]
    head["unbeaten"] = unbeaten
    if not ballots:
        return _no_decision(head)
    ranking = _schulze_order(options, beats, tie_seed, status_quo)
    return _decided(head, ranking, ranking[0], len(unbeaten) > 1, status_quo)


def _schulze_order(
    options: list[str], beats: list[list[bool]], tie_seed: bytes, status_quo: str | None
) -> list[str]:
    """The full Schulze order: again and again, of the options no remaining option beats, the
    one with the most wins, the tie rule deciding between equals.

    The Schulze relation is transitive, so an option that beats another also beats all that one
    beats and has more wins: where the relation is a weak order, this is simply the order by wins
    with ties by the tie rule. Where it is not (an unbeaten option beating few others), taking
    only unbeaten options keeps the order consistent with every strongest-path defeat, and the
    first option is the tie rule's pick among all unbeaten ones, the winner.
    """
    m = len(options)
    wins = [sum(row) for row in beats]
    remaining = set(range(m))
    order: list[str] = []
    first = True
    while remaining:
        free = [x for x in remaining if not any(beats[y][x] for y in remaining)]
        if first:
            # The winner: the tie rule alone decides among all unbeaten options (the status quo
            # among them keeps its place), whatever their number of wins.
            key = sorted(free, key=lambda x: _tie_key(options[x], tie_seed, status_quo))[0]
            first = False
        else:
            key = sorted(
                free, key=lambda x: (-wins[x], _tie_key(options[x], tie_seed, status_quo))
            )[0]
        order.append(options[key])
        remaining.remove(key)
    return order


def _rank_matrix(options: list[str], ballots: Sequence[Any]) -> npt.NDArray[np.int32]:
    """ranks[v, o]: where voter v put option o (0 = first); unranked options share rank m, below
    every ranked one. Built with a few vectorised steps, since 100,000 ballots must take well
    under a second; a ballot that does not fit is then found and refused by check_ballot."""
    n, m = len(ballots), len(options)
    index = {option: i for i, option in enumerate(options)}
    ranks = np.full((n, m), m, dtype=np.int32)
    if n == 0:
        return ranks
    try:
        if not all(type(ballot) is list or type(ballot) is tuple for ballot in ballots):
            raise TypeError
        lengths = np.fromiter(map(len, ballots), dtype=np.int64, count=n)
        total = int(lengths.sum())
        flat = np.fromiter(
            (index[option] for ballot in ballots for option in ballot), dtype=np.int32, count=total
        )
    except (KeyError, TypeError):
        _refuse_first(options, ballots)
    if lengths.min() == 0 or lengths.max() > m:
        _refuse_first(options, ballots)
    starts = np.cumsum(lengths) - lengths
    rows = np.repeat(np.arange(n), lengths)
    ranks[rows, flat] = (np.arange(total) - np.repeat(starts, lengths)).astype(np.int32)
    # A duplicate writes one cell twice, so fewer cells than the ballot's length hold a rank.
    if not np.array_equal(np.count_nonzero(ranks < m, axis=1), lengths):
        _refuse_first(options, ballots)
    return ranks


def _refuse_first(options: list[str], ballots: Sequence[Any]) -> NoReturn:
    """Raises the BallotError of the first invalid ballot (the fast path saw one)."""
    for ballot in ballots:
        check_ballot("schulze", {}, options, ballot)
    raise AssertionError("a ballot failed the fast check but passes check_ballot")


def pairwise(ranks: npt.NDArray[np.int32]) -> list[list[int]]:
    """d[x][y]: the number of voters who rank x above y (a lower rank number)."""
    m = ranks.shape[1]
    d = [[0] * m for _ in range(m)]
    for x in range(m):
        # One comparison of column x against all columns: row x of d, m at a time.
        counts = np.count_nonzero(ranks[:, x : x + 1] < ranks, axis=0)
        d[x] = [int(count) for count in counts]
    return d


def strongest_paths(d: Sequence[Sequence[int]]) -> list[list[int]]:
    """p[x][y]: the strength of the strongest path from x to y (Schulze's widest path).

    A link x→y has strength d[x][y] when more voters prefer x to y than y to x (winning votes),
    else none (0); a path is as strong as its weakest link. Floyd-Warshall over integers.
    """
    m = len(d)
    p = [[d[x][y] if x != y and d[x][y] > d[y][x] else 0 for y in range(m)] for x in range(m)]
    for k in range(m):
        row_k = p[k]
        for x in range(m):
            if x == k:
                continue
            via = p[x][k]
            if via == 0:
                continue
            row_x = p[x]
            for y in range(m):
                if y != x and y != k:
                    strength = min(via, row_k[y])
                    if strength > row_x[y]:
                        row_x[y] = strength
    return p


def _by_option(options: list[str], matrix: Sequence[Sequence[int]]) -> dict[str, dict[str, int]]:
    return {
        options[x]: {options[y]: matrix[x][y] for y in range(len(options)) if y != x}
        for x in range(len(options))
    }
