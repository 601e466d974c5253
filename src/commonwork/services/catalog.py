"""What the doors know of the action types: the catalogue the installed areas declare.

The API, the pages and the command line build their generic operations, buttons and commands
from this catalogue (``ACTION_SPECS``, each an ``ActionSpec`` with an optional ``Door``) and name
the action types their friendly routes take by the constants here, never by importing an area.
"""

from __future__ import annotations

from commonwork.commons.actions import FORK, FOUND, INVITE, JOIN, LEAVE
from commonwork.commons.charter_governance import METHODS as DECISION_METHODS
from commonwork.governance.proposals import AMEND as PROPOSAL_AMEND
from commonwork.governance.proposals import CLOSE as PROPOSAL_CLOSE
from commonwork.governance.proposals import ESCALATE as PROPOSAL_ESCALATE
from commonwork.governance.proposals import PROPOSE as PROPOSAL_MAKE
from commonwork.governance.proposals import SECOND as PROPOSAL_SECOND
from commonwork.governance.proposals import STANCE as STANCE_TAKE
from commonwork.governance.proposals import WITHDRAW as PROPOSAL_WITHDRAW
from commonwork.journal.projection import ActionSpec, Door
from commonwork.node.registry import ACTION_SPECS, spec_for
from commonwork.production.actions import CORRECT, RECORD, VALIDATE, WITHDRAW
from commonwork.production.contribution_bodies import RecordBody
from commonwork.production.tasks import CLAIM, POST, UNCLAIM

__all__ = [
    "ACTION_SPECS",
    "CLAIM",
    "CORRECT",
    "DECISION_METHODS",
    "FORK",
    "FOUND",
    "INVITE",
    "JOIN",
    "LEAVE",
    "POST",
    "PROPOSAL_AMEND",
    "PROPOSAL_CLOSE",
    "PROPOSAL_ESCALATE",
    "PROPOSAL_MAKE",
    "PROPOSAL_SECOND",
    "PROPOSAL_WITHDRAW",
    "RECORD",
    "STANCE_TAKE",
    "UNCLAIM",
    "VALIDATE",
    "WITHDRAW",
    "ActionSpec",
    "Door",
    "RecordBody",
    "doors_on",
    "spec_for",
]


def doors_on(noun: str) -> list[ActionSpec]:
    """The action types that declare a door on this kind of thing (e.g. "task"), in the
    order the areas declare them."""
    return [spec for spec in ACTION_SPECS.values() if spec.door and spec.door.noun == noun]
