"""Use cases that sign an action as a person and append it: found, join, contribute, correct,
validate, post, claim and unclaim tasks.

Each builds the action, signs it with the actor's key (a local identity or a custodial key) and
sends it through the same submit pipeline as a client-signed action.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from commonwork.commons.actions import FORK, FOUND, INVITE, JOIN, LEAVE
from commonwork.commons.charter_policies import DEFAULT_PRESET, complete_charter
from commonwork.errors import BadInput, CommonworkError, InvalidAction
from commonwork.journal.actions import (
    SignedAction,
    Signer,
    build_action,
    check_signed,
    sign_action,
)
from commonwork.journal.canonical import parse_json
from commonwork.node.node import Node
from commonwork.node.pipeline import Appended as Appended  # what every use case here returns
from commonwork.node.pipeline import append_actions, fork_journal
from commonwork.node.registry import spec_for
from commonwork.production.actions import CORRECT, RECORD, VALIDATE, WITHDRAW
from commonwork.production.tasks import CLAIM, POST, UNCLAIM
from commonwork.services.models import JsonMapping, JsonValue


def signed_batch(raw: bytes, *, ndjson: bool = False) -> list[JsonValue]:
    """The signed actions in a request body: one JSON object, a JSON array, or (``ndjson``)
    one object per line."""
    if not raw.strip():
        raise BadInput('the body is empty; send a signed action {"action": …, "author_sig": …}')
    if ndjson:
        batch = [parse_json(line) for line in raw.splitlines() if line.strip()]
    else:
        value = parse_json(raw)
        batch = value if isinstance(value, list) else [value]
    if not batch:
        raise BadInput("the batch holds no action; send at least one signed action")
    return batch


def is_fork(item: JsonValue) -> bool:
    """Whether a signed action (as sent) is a fork: the doors count forks apart."""
    action = item.get("action") if isinstance(item, dict) else None
    return isinstance(action, dict) and action.get("type") == FORK


def submit_signed(node: Node, commons_id: str | None, batch: Sequence[JsonValue]) -> list[Appended]:
    """Append actions signed by their authors elsewhere (``{"action", "author_sig"}`` objects)."""
    signed: list[SignedAction] = []
    for index, item in enumerate(batch):
        try:
            signed.append(check_signed(item, verify_signature=False))
            if commons_id is None:
                _refuse_incomplete_genesis(signed[-1])
        except CommonworkError as exc:
            if len(batch) > 1:
                exc.extra["index"] = index
                exc.detail = f"action {index} of the batch: {exc.detail}"
            raise
    if len(signed) == 1 and signed[0].type == FORK and commons_id is not None:
        # A new commons, from the journal of the commons it is sent to (or an ancestor's).
        return [fork_journal(node, signed[0], source=commons_id)]
    return append_actions(node, commons_id, signed)


def _refuse_incomplete_genesis(signed: SignedAction) -> None:
    """A new commons states its complete policies and settlement engine in its signed genesis,
    so that no later release changes its figures by changing a default. (Genesis entries signed
    before engines existed stay valid in journals; this node only founds new ones complete.)"""
    body = signed.action.get("body")
    charter = body.get("charter") if isinstance(body, dict) else None
    if signed.type == FOUND and isinstance(charter, dict) and charter.get("engine") is None:
        raise InvalidAction(
            "a new commons' charter states its settlement engine and complete policies: add "
            '"engine": 1 with validation_policy, value_policy and standing_policy (the pages '
            "and `commonwork commons found --preset` fill them in from a preset; see "
            "docs/standing.md)"
        )


def _act(
    node: Node, actor: Signer, commons_id: str | None, type_: str, body: JsonMapping
) -> Appended:
    action = build_action(type=type_, author=actor.did, body=dict(body), commons=commons_id)
    return append_actions(node, commons_id, [sign_action(actor, action)])[0]


def act(
    node: Node, *, actor: Signer, commons_id: str | None, action_type: str, body: JsonMapping
) -> Appended:
    """Sign one action of any type as ``actor`` and append it: the generic door that the API's
    ``/act/{type}`` operations and ``commonwork act`` use (the friendly commands are aliases).
    The body is checked against the type's own schema before signing; a founding gets its
    charter completed from the default preset, as every founding door does."""
    spec = spec_for(action_type)
    if action_type == FOUND:
        if commons_id is not None:
            raise InvalidAction("a founding starts a new commons: it names no commons")
        spec.parse_body(dict(body))
        charter, founder_name = body["charter"], body["founder_name"]
        if not isinstance(charter, dict) or not isinstance(founder_name, str):  # parsed: never
            raise InvalidAction("a founding's body holds a charter and the founder's name")
        host = body.get("host")
        return found_commons(
            node,
            actor=actor,
            charter=charter,
            founder_name=founder_name,
            host=host if isinstance(host, str) else None,
        )
    if commons_id is None:
        raise InvalidAction(f"{action_type} acts in a commons: name it")
    spec.parse_body(dict(body))
    if action_type == FORK:  # a new commons from this one's journal: it names no commons
        action = build_action(type=FORK, author=actor.did, body=dict(body))
        return fork_journal(node, sign_action(actor, action), source=commons_id)
    return _act(node, actor, commons_id, action_type, body)


def found_commons(
    node: Node,
    *,
    actor: Signer,
    charter: JsonMapping,
    founder_name: str,
    preset: str = DEFAULT_PRESET,
    host: str | None = None,
) -> Appended:
    """Found a commons on this node; what the charter leaves out of its policies comes from
    ``preset``, and the founder is its one founder, so the signed genesis is complete. The
    founding names the host it is addressed to: this node's, unless ``host`` says otherwise
    (then the node refuses it, ``wrong_host``), so that it cannot be founded again elsewhere."""
    complete = complete_charter(charter, actor.did, preset)
    body: JsonMapping = {
        "charter": complete,
        "founder_name": founder_name,
        "host": host or node.host_key.did,
    }
    return _act(node, actor, None, FOUND, body)


def join_commons(node: Node, *, actor: Signer, commons_id: str, name: str) -> Appended:
    return _act(node, actor, commons_id, JOIN, {"name": name})


def leave_commons(node: Node, *, actor: Signer, commons_id: str) -> Appended:
    return _act(node, actor, commons_id, LEAVE, {})


def invite_member(node: Node, *, actor: Signer, commons_id: str, invitee: str) -> Appended:
    return _act(node, actor, commons_id, INVITE, {"invitee": invitee})


def co_author_list(co_authors: dict[str, str] | None) -> list[dict[str, str]]:
    """``{did: share}`` as the journal's ``[{member, share}]``."""
    return [{"member": member, "share": share} for member, share in (co_authors or {}).items()]


def record_contribution(
    node: Node,
    *,
    actor: Signer,
    commons_id: str,
    kind: str,
    quantity: str,
    description: str,
    currency: str | None = None,
    task: str | None = None,
    co_authors: dict[str, str] | None = None,
    happened_at: str | None = None,
    artifact: JsonMapping | None = None,
    resource: str | None = None,
    skill: str | None = None,
    source: str | None = None,
) -> Appended:
    """Record a contribution; ``co_authors`` maps each co-author's did to their share (the
    actor's own share is what theirs leave of 1); ``artifact`` is {sha256, url, size, …};
    ``skill`` names the skill the value policy multiplies by; ``source`` (``git:<commit>``) says
    where it was imported from, and is recorded once per commons."""
    body: dict[str, Any] = {"kind": kind, "quantity": quantity, "description": description}
    optional = {
        "currency": currency,
        "task": task,
        "co_authors": co_author_list(co_authors) if co_authors else None,
        "happened_at": happened_at,
        "artifact": artifact,
        "resource": resource,
        "skill": skill,
        "source": source,
    }
    body.update({name: value for name, value in optional.items() if value})
    return _act(node, actor, commons_id, RECORD, body)


def correct_contribution(
    node: Node,
    *,
    actor: Signer,
    commons_id: str,
    contribution_id: str,
    reason: str,
    changes: JsonMapping,
) -> Appended:
    """Correct the actor's own contribution that is not accepted yet: ``changes`` holds the
    corrected fields (quantity, description, happened_at, artifact, resource, co_authors — the
    last as ``{did: share}``, replacing the whole list)."""
    body: dict[str, Any] = {"contribution": contribution_id, "reason": reason}
    body.update({name: value for name, value in changes.items() if value is not None})
    if isinstance(body.get("co_authors"), dict):
        body["co_authors"] = co_author_list(body["co_authors"])
    return _act(node, actor, commons_id, CORRECT, body)


def validate_contribution(
    node: Node,
    *,
    actor: Signer,
    commons_id: str,
    contribution_id: str,
    verdict: str,
    reason: str = "",
    quantity: str | None = None,
) -> Appended:
    """Approve, dispute (with a reason) or adjust (with a reason and the quantity found right)."""
    body: dict[str, Any] = {"contribution": contribution_id, "verdict": verdict, "reason": reason}
    if quantity is not None:
        body["quantity"] = quantity
    return _act(node, actor, commons_id, VALIDATE, body)


def withdraw_contribution(
    node: Node, *, actor: Signer, commons_id: str, contribution_id: str, reason: str = ""
) -> Appended:
    """Withdraw one's own contribution while it is pending or held (never once accepted)."""
    body = {"contribution": contribution_id, "reason": reason}
    return _act(node, actor, commons_id, WITHDRAW, body)


def post_task(
    node: Node,
    *,
    actor: Signer,
    commons_id: str,
    title: str,
    description: str,
    skills: list[str] | None = None,
    estimate: str | None = None,
) -> Appended:
    """Post a task for everyone; its id is the id of the entry returned."""
    body: dict[str, Any] = {"title": title, "description": description, "skills": skills or []}
    if estimate is not None:
        body["estimate"] = estimate
    return _act(node, actor, commons_id, POST, body)


def claim_task(node: Node, *, actor: Signer, commons_id: str, task_id: str) -> Appended:
    """Claim a task for the actor (and only the actor: nobody claims for someone else)."""
    return _act(node, actor, commons_id, CLAIM, {"task": task_id})


def unclaim_task(node: Node, *, actor: Signer, commons_id: str, task_id: str) -> Appended:
    return _act(node, actor, commons_id, UNCLAIM, {"task": task_id})
