"""The charter's resources section: how the commons' shared tools, machines, vehicles and rooms
are lent — how long a freed slot is held for the next person on a waiting list, how long a
borrower may dispute a custodian's report before a kept deposit moves, and who is credited for
the use of what the commons or an organisation owns.

Charter data like the economy and property sections, changed only by a decision under the
charter. A charter without it is governed by ``DEFAULTS``, frozen here (a new default needs a new
field, never an edited one: it would change the meaning of existing journals).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Resources(BaseModel):
    """How shared physical resources are lent."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    #: Hours of journal time a slot freed on a waiting list is held for the person offered it.
    offer_hours: int = Field(default=24, ge=1, le=24 * 14)
    #: Days of journal time after a check-in during which the borrower may dispute the
    #: custodian's report; what the report keeps of a deposit stays in escrow until then.
    dispute_days: int = Field(default=7, ge=0, le=90)
    #: Who earns the value points of a completed booking of a resource the commons or an
    #: organisation owns: its custodian, or nobody (a member's own resource credits its owner).
    credit_to: Literal["custodian", "nobody"] = "custodian"


#: The resources section of every charter that does not set its own.
DEFAULTS = Resources()


def resources_of(charter: Mapping[str, Any]) -> Resources:
    """The charter's resources section, or the frozen defaults."""
    section = charter.get("resources")
    if section is None:
        return DEFAULTS
    return Resources.model_validate(section)
