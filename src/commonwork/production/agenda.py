"""What day settlement looks at: the contributions recorded, corrected or validated on a day.

Under a settlement engine (the charter's ``engine``, or policies from before it existed) each of
those entries adds its contribution to the day's agenda; at the end of the day
:mod:`commonwork.standing.settle` decides them. Without an engine nothing is written here.
"""

from __future__ import annotations

from commonwork.commons.actions import governed_by_policies
from commonwork.journal.projection import Context, State
from commonwork.production.tables import settle_agenda


def add_to_agenda(
    state: State, ctx: Context, contribution_id: str, why: str, *, new: bool = False
) -> None:
    """``new``: the contribution was recorded by this very entry, so its row cannot exist."""
    if not governed_by_policies(state, ctx.commons_id):
        return
    (state.insert if new else state.put)(
        settle_agenda,
        {
            "commons_id": ctx.commons_id,
            "day": ctx.entry.recorded_at[:10],
            "contribution_id": contribution_id,
            "why": why,
        },
    )
