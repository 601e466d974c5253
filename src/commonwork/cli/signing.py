"""What every command that acts shares: sign one action as a local identity (``--as``) through
the generic door, ``acting.act`` (what ``commonwork act TYPE`` calls), and report the entry.

A friendly command (``join``, ``task claim``, ``validate``…) is an alias of that door: it names
its action type, puts the body together from its arguments, and says in words what it did.
"""

from __future__ import annotations

from typing import Any

from commonwork.cli.context import CliState
from commonwork.cli.output import emit, emit_json, note
from commonwork.services import acting, queries
from commonwork.services.acting import Appended
from commonwork.services.models import JsonMapping


def appended_json(state: CliState, appended: Appended) -> dict[str, Any]:
    """What an acting command reports: the new entry and the commons' head and digest after it."""
    detail = queries.commons_detail(state.node(), appended.commons_id)
    return {
        "id": appended.entry.id,
        "commons": appended.commons_id,
        "seq": appended.entry.seq,
        "created": appended.created,
        "head": detail.head,
        "head_seq": detail.head_seq,
        "digest": detail.digest,
    }


def report(state: CliState, appended: Appended, as_json: bool, done: str) -> None:
    """The entry id on stdout and ``done`` on stderr, or with ``--json`` the entry as JSON."""
    if as_json:
        emit_json(appended_json(state, appended))
    else:
        emit(appended.entry.id)
        note(f"{done} (entry {appended.entry.seq} of commons {appended.commons_id})")


def sign(
    state: CliState, identity: str, commons_id: str | None, action_type: str, body: JsonMapping
) -> Appended:
    """Sign one action of ``action_type`` as the local identity and append it."""
    return acting.act(
        state.node(),
        actor=state.keypair(identity),
        commons_id=commons_id,
        action_type=action_type,
        body=body,
    )


def sign_and_report(
    state: CliState,
    identity: str,
    action: tuple[str | None, str, JsonMapping],
    as_json: bool,
    done: str,
) -> None:
    """``sign`` the action ``(commons_id, action_type, body)``, then ``report`` it: the whole
    of a friendly command once it has put the body together."""
    commons_id, action_type, body = action
    report(state, sign(state, identity, commons_id, action_type, body), as_json, done)
