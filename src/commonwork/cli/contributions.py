"""Contributing: ``contribute`` (every kind, with co-authors) and ``correct`` (one's own, while it
is not accepted; a new entry, never an edit)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from commonwork.cli.context import CliState, as_option, commons_argument, json_option, pass_state
from commonwork.cli.signing import report, sign_and_report
from commonwork.services import acting
from commonwork.services.catalog import WITHDRAW

F = TypeVar("F", bound=Callable[..., Any])
KINDS = ["work", "artifact", "money", "review", "resource_use", "care"]


def _co_authors(values: tuple[str, ...]) -> dict[str, str] | None:
    """``DID=SHARE`` options as ``{did: share}``."""
    shares: dict[str, str] = {}
    for value in values:
        member, sep, share = value.rpartition("=")
        if not sep or not member or not share:
            raise click.BadParameter(f"{value!r}: write DID=SHARE, e.g. did:key:z6Mk…=0.25")
        if member in shares:
            raise click.BadParameter(f"{member} is named twice; name each co-author once")
        shares[member] = share
    return shares or None


def _artifact(sha256: str | None, url: str | None, size: int | None) -> dict[str, Any] | None:
    given = {"sha256": sha256, "url": url, "size": size}
    if all(value is None for value in given.values()):
        return None
    missing = [f"--{name}" for name, value in given.items() if value is None]
    if missing:
        raise click.UsageError(f"an artifact needs --sha256, --url and --size; add {missing[0]}")
    return given


def detail_options(function: F) -> F:
    """The options ``contribute`` and ``correct`` share."""
    for option in reversed(
        [
            click.option(
                "--co-author",
                "co_authors",
                multiple=True,
                metavar="DID=SHARE",
                help="A co-author and their share (0.25); repeatable. Your share is the rest of 1.",
            ),
            click.option(
                "--happened-at", help="When it happened, by your account: 2026-11-21T10:00:00.000Z."
            ),
            click.option("--sha256", help="Artifacts: the file's sha256 (64 hex digits)."),
            click.option("--url", help="Artifacts: where to get the file (http or https)."),
            click.option("--size", type=int, help="Artifacts: the file's size in bytes."),
            click.option("--resource", help="resource_use: the lent tool or machine."),
        ]
    ):
        function = option(function)
    return function


@click.command("contribute")
@commons_argument
@click.option(
    "--kind",
    required=True,
    help="work, review, resource_use and care in hours; artifact in items; money in minor units "
    "(the action type's schema decides, as on every door).",
)
@click.option(
    "--quantity", required=True, help="A positive decimal string: '2.5' hours, '2500' cents."
)
@click.option("--description", required=True, help="What you did, for the others to validate.")
@click.option("--currency", help="ISO 4217 code, for --kind money only (e.g. EUR).")
@click.option("--task", "task_id", help="The id of the open task this work is for.")
@click.option("--skill", help="The skill the value policy multiplies its points by (python).")
@detail_options
@as_option
@json_option
@pass_state
def contribute(state: CliState, /, commons_id: str, **given: Any) -> None:
    """Record a contribution to commons ID; print its id (the entry id) for validators."""
    appended = acting.record_contribution(
        state.node(),
        actor=state.keypair(given["identity"]),
        commons_id=commons_id,
        kind=given["kind"],
        quantity=given["quantity"],
        description=given["description"],
        currency=given["currency"],
        task=given["task_id"],
        co_authors=_co_authors(given["co_authors"]),
        happened_at=given["happened_at"],
        artifact=_artifact(given["sha256"], given["url"], given["size"]),
        resource=given["resource"],
        skill=given["skill"],
    )
    done = "recorded; other members may now validate it"
    report(state, appended, given["as_json"], done)


@click.command("correct")
@commons_argument
@click.argument("contribution_id")
@click.option("--reason", required=True, help="Why you correct it (shown with the correction).")
@click.option("--quantity", help="The corrected quantity.")
@click.option("--description", help="The corrected description.")
@click.option("--no-co-authors", is_flag=True, help="Remove every co-author.")
@detail_options
@as_option
@json_option
@pass_state
def correct(state: CliState, /, commons_id: str, contribution_id: str, **given: Any) -> None:
    """Correct your own contribution CONTRIBUTION_ID (not yet accepted) in commons ID.

    The fields given replace the old ones (--co-author replaces the whole list); validations made
    before stay as history but stop counting. Print the correction's entry id.
    """
    co_authors = {} if given["no_co_authors"] else _co_authors(given["co_authors"])
    changes = {
        "quantity": given["quantity"],
        "description": given["description"],
        "happened_at": given["happened_at"],
        "artifact": _artifact(given["sha256"], given["url"], given["size"]),
        "resource": given["resource"],
        "co_authors": co_authors,
    }
    appended = acting.correct_contribution(
        state.node(),
        actor=state.keypair(given["identity"]),
        commons_id=commons_id,
        contribution_id=contribution_id,
        reason=given["reason"],
        changes=changes,
    )
    report(state, appended, given["as_json"], f"corrected contribution {contribution_id}")


@click.command("withdraw")
@commons_argument
@click.argument("contribution_id")
@click.option("--reason", default="", help="Why you withdraw it (optional, shown with it).")
@as_option
@json_option
@pass_state
def withdraw(state: CliState, /, commons_id: str, contribution_id: str, **given: Any) -> None:
    """Withdraw your own contribution CONTRIBUTION_ID in commons ID while it is pending or held.

    Accepted work is final and cannot be withdrawn. The contribution stays in the journal, marked
    withdrawn; nobody validates it any more. Print the entry id.
    """
    body = {"contribution": contribution_id, "reason": given["reason"]}
    done = f"withdrew contribution {contribution_id}"
    sign_and_report(state, given["identity"], (commons_id, WITHDRAW, body), given["as_json"], done)
