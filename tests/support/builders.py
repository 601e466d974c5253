"""Small builders for tests: people with keys, a founded commons, signed actions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from commonwork.journal.actions import SignedAction, build_action, sign_action
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions

CHARTER: dict[str, Any] = {
    "name": "Seed Library",
    "purpose": "Keep open-pollinated seeds in common",
    "aims": ["Catalogue local varieties"],
    "metrics": [{"name": "varieties", "description": "Distinct varieties kept"}],
    "licence": "CC-BY-SA-4.0",
}


def signed(
    keypair: Keypair, type_: str, body: dict[str, Any], commons: str | None = None, **extra: Any
) -> SignedAction:
    action = build_action(type=type_, author=keypair.did, body=body, commons=commons, **extra)
    return sign_action(keypair, action)


def found(node: Node, founder: Keypair, charter: dict[str, Any] | None = None) -> str:
    """Found a commons on ``node``: the founding names the node's host key, as every one must."""
    body = {"charter": charter or CHARTER, "founder_name": "Founder", "host": node.host_key.did}
    [appended] = append_actions(node, None, [signed(founder, "commons.commons.found", body)])
    return appended.commons_id


def join(node: Node, commons_id: str, person: Keypair, name: str = "Member") -> None:
    append_actions(
        node, commons_id, [signed(person, "commons.member.join", {"name": name}, commons_id)]
    )


def contribute(node: Node, commons_id: str, person: Keypair, hours: str = "2") -> str:
    body = {"kind": "work", "quantity": hours, "description": "weeded the seed beds"}
    [appended] = append_actions(
        node, commons_id, [signed(person, "production.contribution.record", body, commons_id)]
    )
    return appended.entry.id


def validate(
    node: Node, commons_id: str, person: Keypair, contribution: str, verdict: str = "approve"
) -> None:
    body = {
        "contribution": contribution,
        "verdict": verdict,
        "reason": "" if verdict == "approve" else "not seen",
    }
    append_actions(
        node, commons_id, [signed(person, "production.contribution.validate", body, commons_id)]
    )


def advance(node: Node, days: float = 1) -> str:
    """Move the node's journal clock forward (from its current reading) and return the new time:
    the day settles when the first entry of a later day is appended."""
    from datetime import timedelta

    from commonwork.journal.actions import format_time, parse_time

    moment = format_time(parse_time(node.clock()) + timedelta(days=days))
    node.clock = lambda: moment
    return moment


#: A journal made by the first release: a commons whose charter keeps the provisional rule.
FIRST_RELEASE_JOURNAL = Path(__file__).parent / "data/journal_before_contribution_kinds.ndjson"
#: A journal made by main before day settlement (see data/generate_journal_before_settlement.py):
#: every action type of then, with policies (no engine), over several days.
BEFORE_SETTLEMENT_JOURNAL = Path(__file__).parent / "data/journal_before_settlement.ndjson"


def import_fixture(node: Node, path: Path) -> str:
    """Import a kept journal into ``node``; the commons id."""
    from commonwork.services.journals import import_journal

    return import_journal(node, path.read_bytes().splitlines()).commons_id
