"""The resources area: shared physical resources — tools, machines, vehicles and rooms lent to
the commons by members, owned by the commons or lent by an organisation.

An inventory with usage rules (commonwork.resources.inventory); bookings of half-open intervals
that never overlap, by the rules and by the database (commonwork.resources.bookings,
commonwork.resources.guards), fair-use quotas, who may book, maintenance blocks and a waiting
list whose freed slots are offered in turn; custody with condition reports, late returns,
damage, deposits in escrow, disputes decided by arbitration, and the lender credited with a
``resource_use`` contribution on the check-in's evidence (commonwork.resources.custody).

Builds on the commons, production (the contribution credited), standing (who may book by
standing, the settlement that credits it), governance (the clock that lapses offers and moves
kept deposits, arbitration) and the economy (fees and deposits in the books, mutual credit).
A fork carries the inventory; bookings, the waiting list and their indexes are promises to
people and start empty in a fork, as its books do.
"""

from commonwork.journal.area import Area, Deadline
from commonwork.resources import bookings, custody, decisions, events, guards, inventory
from commonwork.resources.tables import TABLES, resources

ACTIONS = inventory.ACTIONS + bookings.ACTIONS + custody.ACTIONS

AREA = Area(
    name="resources",
    summary="Shared tools, machines, vehicles and rooms: inventory, conflict-free bookings, "
    "quotas, waiting lists, custody, deposits, and use credited to the lender",
    builds_on=("commons", "production", "standing", "governance", "economy"),
    actions=ACTIONS,
    tables=TABLES,
    case_subjects=custody.CASE_SUBJECTS,
    effects=decisions.EFFECTS,
    deadlines=(
        Deadline(
            what=bookings.OFFER_DUE,
            summary="A slot offered from a waiting list lapses, and goes to the next in line",
            due=bookings.offer_due,
        ),
        Deadline(
            what=custody.RELEASE_DUE,
            summary="What a report keeps of a deposit goes to the owner once the time to "
            "dispute it has passed",
            due=custody.release_due,
        ),
    ),
    events=events.events,
    event_kinds=events.KINDS,
    fork={table.name: ("carry" if table is resources else "reset") for table in TABLES},
)

__all__ = ["ACTIONS", "AREA", "TABLES", "guards"]
