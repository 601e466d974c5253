"""Could this person do this now? Asked of the rules themselves, never of a copy in a door.

A dry run checks candidate actions exactly as the node would if they were appended now: the
area's own rule (``ActionSpec.check``) on the projected state, after the hooks that run before
any entry (the settlement of finished days, on a throwaway overlay that is never written, kept
by (head, day) so that page views after a quiet night settle the night once, not each). The
pages show a button only when the dry run allows its action; the answer for a refused action is
the rule's own message, which a page can show as the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from commonwork.errors import CommonworkError
from commonwork.journal.entries import Entry
from commonwork.journal.projection import Context
from commonwork.node.node import Node
from commonwork.node.registry import PROJECTED_TABLES, spec_for
from commonwork.node.state import DbState, before_rules
from commonwork.services.journals import require_head
from commonwork.services.models import JsonMapping
from commonwork.services.settled import keep

DRY_RUN_ID = "0" * 64  # no entry has it: a dry run appends nothing


@dataclass(frozen=True)
class Verdict:
    """The rules' answer for one candidate action: allowed, or refused with their reason."""

    allowed: bool
    reason: str = ""
    code: str = ""


def dry_run(
    node: Node, commons_id: str, author: str, candidates: Sequence[tuple[str, JsonMapping]]
) -> list[Verdict]:
    """Check each (action type, body) as if ``author`` appended it now, alone, next: one
    read transaction and one settlement overlay for all of them."""
    with node.reading() as conn:
        head = require_head(conn, commons_id)
        at = max(node.clock(), head.recorded_at)
        state = DbState(conn)
        key = ("dry-run", head.id, at[:10])
        settled = node.figures_cache.get(key)
        if isinstance(settled, dict):  # what the hooks before an entry of this day put, kept
            tables = {table.name: table for table in PROJECTED_TABLES}
            for name, rows in settled.items():
                for row in rows.values():
                    state.put(tables[name], row)
        else:
            before_rules(state, commons_id, at)
            keep(node, key, {name: dict(rows) for name, rows in state.pending.items()})
        verdicts = []
        for action_type, body in candidates:
            try:
                spec = spec_for(action_type)
                parsed = spec.parse_body(dict(body))
                entry = _candidate(head.id, head.seq + 1, at, commons_id, author, action_type, body)
                spec.check(state, Context(commons_id, entry, parsed))
            except CommonworkError as refused:
                verdicts.append(Verdict(False, refused.detail, refused.code))
            else:
                verdicts.append(Verdict(True))
        return verdicts


def _candidate(
    prev: str, seq: int, at: str, commons_id: str, author: str, action_type: str, body: JsonMapping
) -> Entry:
    action = {
        "type": action_type,
        "author": author,
        "commons": commons_id,
        "body": dict(body),
        "nonce": "dry-run",
        "created_at": at,
    }
    return Entry(seq, prev, at, "", action, "", "", b"", DRY_RUN_ID)
