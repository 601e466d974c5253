"""What the doors know of the action types: the catalogue the installed areas declare.

The API, the pages and the command line build their generic operations, buttons and commands
from this catalogue (``ACTION_SPECS``, each an ``ActionSpec`` with an optional ``Door``) and name
the action types their friendly routes take by the constants here, never by importing an area.
"""

from __future__ import annotations

from commonwork.commons.actions import FOUND, INVITE, JOIN, LEAVE
from commonwork.journal.projection import ActionSpec, Door
from commonwork.node.registry import ACTION_SPECS, spec_for
from commonwork.production.actions import CORRECT, RECORD, VALIDATE, WITHDRAW
from commonwork.production.contribution_bodies import RecordBody
from commonwork.production.tasks import CLAIM, POST, UNCLAIM

__all__ = [
    "ACTION_SPECS",
    "CLAIM",
    "CORRECT",
    "FOUND",
    "INVITE",
    "JOIN",
    "LEAVE",
    "POST",
    "RECORD",
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
