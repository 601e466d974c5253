"""The inbox: what entries told each member, kept as projected rows (commonwork.journal.area
declares the events; every area's ``events`` hook says who hears of an entry).

An event goes to whom the area names (authors of work, posters of tasks: people who were
members when they acted), never to the entry's own author, and once per member and kind for
one entry. Rows are part of the fold (the state digest covers them), so any
mirror shows the same inbox.
"""

from __future__ import annotations

from collections.abc import Sequence

from commonwork.commons.tables import inbox
from commonwork.journal.area import Event
from commonwork.journal.projection import Context, State


def keep(state: State, ctx: Context, events: Sequence[Event]) -> None:
    """Put the entry's events into the inbox of the members they name."""
    seen: set[tuple[str, str]] = set()
    n = 0
    for event in events:
        if event.member == ctx.author or (event.member, event.kind) in seen:
            continue
        seen.add((event.member, event.kind))
        state.insert(
            inbox,
            {
                "commons_id": ctx.commons_id,
                "member": event.member,
                "seq": ctx.entry.seq,
                "n": n,
                "kind": event.kind,
                "subject": event.subject,
                "actor": ctx.author,
                "recorded_at": ctx.entry.recorded_at,
            },
        )
        n += 1
