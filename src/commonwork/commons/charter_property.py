"""The charter's property section: which licences authors may choose, what passes upstream to
the commons this one derives from, and whether the association may grant commercial licences.

Charter data like the economy section, changed only by a decision under the charter. A charter
without it is governed by ``DEFAULTS``, frozen here (a new default needs a new field, never an
edited one: it would change the meaning of existing journals).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from commonwork.commons.charter_licence import Licence


class Property(BaseModel):
    """How the commons' artifacts are licensed, and what their reuse gives back."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    #: The licences (SPDX expressions) an author may choose for their own artifact, besides the
    #: charter's licence, which is always allowed and is the default (sovereignty of each author
    #: within what the commons agreed on; an empty list: the charter's licence only).
    licences: list[Licence] = Field(default_factory=list, max_length=50)
    #: The share (basis points) of money received for an artifact that passes to the sources it
    #: was derived from, and of what a source receives that way, the share it passes on to its
    #: own sources (the decay: each hop passes on less).
    upstream_bp: int = Field(default=0, ge=0, le=10_000)
    upstream_decay_bp: int = Field(default=5000, ge=0, le=10_000)
    #: The licensing mandate: the contributors of the commons' PPL artifacts authorise its
    #: for-benefit association to license commercial use to an organisation that is not
    #: worker-owned, against a benefit-sharing agreement with the commons. Without it such an
    #: organisation asks the licensors themselves.
    licensing_mandate: bool = False
    #: Under the mandate, the least share of revenue (basis points) a revenue-sharing agreement
    #: pledges to count as the benefit-sharing agreement the licence is granted against.
    licensing_min_share_bp: int = Field(default=100, ge=1, le=10_000)


#: The property section of every charter that does not set its own.
DEFAULTS = Property()


def property_of(charter: Mapping[str, Any]) -> Property:
    """The charter's property section, or the frozen defaults."""
    section = charter.get("property")
    if section is None:
        return DEFAULTS
    return Property.model_validate(section)
