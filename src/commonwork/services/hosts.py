"""Moving a commons to another host, with a cooperating host (commonwork.governance.hosts):
the new node signs the handover a passed decision asks for, with its host key; the old node
appends it and is a read-only copy from then on; the new node imports the journal and hosts it.
"""

from __future__ import annotations

from commonwork.journal.actions import HANDOVER_TYPE, build_action, check_signed, sign_action
from commonwork.node.node import Node
from commonwork.node.pipeline import Appended, append_actions
from commonwork.services.models import JsonObject, JsonValue


def sign_handover(node: Node, commons_id: str, proposal_id: str) -> JsonObject:
    """On the new host: the handover, signed with this node's host key, as the old host takes
    it (``{"action", "author_sig"}``)."""
    body = {"proposal": proposal_id, "host": node.host_key.did}
    action = build_action(
        type=HANDOVER_TYPE, author=node.host_key.did, body=body, commons=commons_id
    )
    signed = sign_action(node.host_key, action)
    return {"action": signed.action, "author_sig": signed.author_sig}


def hand_over(node: Node, commons_id: str, signed: JsonValue) -> Appended:
    """On the host so far: append the new host's signed handover (``{"action",
    "author_sig"}``, checked for form and signature, then by the rules)."""
    [appended] = append_actions(node, commons_id, [check_signed(signed)])
    return appended
