"""What resources entries tell people (their inbox): a member whose booking its keeper cancelled
or a maintenance block covered; whoever is offered a freed slot from the waiting list (by the
entry that freed it, or when an earlier offer lapsed: with the entry whose time made it lapse);
a borrower whose return was reported on; the panel drawn for a disputed report."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from commonwork.governance.tables import cases
from commonwork.journal.area import Event
from commonwork.journal.projection import Context, State
from commonwork.resources.bookings import TOLD
from commonwork.resources.tables import bookings

KINDS = {
    "resources.booking.cancel": "cancelled your booking",
    "resources.block.make": "blocked a resource for maintenance: your booking is cancelled",
    "resources.offer.made": "freed a slot you are waiting for: it is held for you, take it",
    "resources.custody.in": "checked in what you borrowed and reported on its condition",
}


def events(state: State, ctx: Context) -> Sequence[Event]:
    kind, commons_id = ctx.entry.type, ctx.commons_id
    found: list[Event] = list(state.memo.pop(TOLD, []))
    if kind in ("resources.booking.cancel", "resources.custody.in"):
        row = state.get(bookings, (commons_id, ctx.body.booking))
        if row is not None and row["member"] != ctx.author:
            found.append(Event(row["member"], kind, row["booking_id"]))
    if kind == "resources.custody.dispute":
        case = state.get(cases, (commons_id, ctx.entry.id))
        if case is not None:
            found += [
                Event(member, "governance.case.drawn", case["case_id"])
                for member in orjson.loads(case["panel"])
            ]
    return [event for event in found if event.member != ctx.author or kind.endswith(".dispute")]
