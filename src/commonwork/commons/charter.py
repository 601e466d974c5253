"""The charter a commons is founded with: purpose, aims, metrics, licence, join policy and the
number of days after which an idle task claim lapses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from commonwork.commons.charter_economy import Economy
from commonwork.commons.charter_governance import Governance
from commonwork.commons.charter_licence import Licence
from commonwork.commons.charter_policies import POLICY_FIELDS, charter_policies
from commonwork.commons.charter_property import Property
from commonwork.commons.charter_resources import Resources
from commonwork.errors import InvalidAction

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
#: Days without activity after which a claim on a task lapses, unless the charter says otherwise.
DEFAULT_CLAIM_LAPSE_DAYS = 30

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Metric(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Name
    description: Text


class Charter(BaseModel):
    """What a commons is for and how it works. Changed later only by a decision under it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Name
    purpose: Text
    aims: list[Text] = Field(default_factory=list, max_length=50)
    metrics: list[Metric] = Field(default_factory=list, max_length=50)
    licence: Licence
    join_policy: Literal["open", "invitation"] = "open"
    claim_lapse_days: int = Field(default=DEFAULT_CLAIM_LAPSE_DAYS, ge=1, le=365)
    validation_policy: dict[str, Any] | None = None
    value_policy: dict[str, Any] | None = None
    standing_policy: dict[str, Any] | None = None
    #: The settlement engine the policies are read by (commons.charter_policies): set in every
    #: charter founded since engine versions exist; absent in older ones.
    engine: int | None = None
    #: How the commons decides (commons.charter_governance); absent: the frozen defaults.
    governance: Governance | None = None
    #: How money moves (commons.charter_economy); absent: the frozen defaults.
    economy: Economy | None = None
    #: Licences, upstream credit, commercial licensing (commons.charter_property); absent: the
    #: frozen defaults.
    property: Property | None = None
    #: Waiting-list offers, disputes of custody reports, who is credited for shared resources
    #: (commons.charter_resources); absent: the frozen defaults.
    resources: Resources | None = None

    @model_validator(mode="after")
    def _policies_make_sense(self) -> Charter:
        try:  # the founder's did is not known here; a placeholder stands in for the default seed
            charter_policies(self.model_dump(), "did:key:founder")
        except InvalidAction as exc:
            raise ValueError(exc.detail) from exc
        return self

    def as_json(self) -> dict[str, Any]:
        """The charter as stored in the projection.

        ``claim_lapse_days`` and the policies appear only when the founding action set them, so
        that the projected charter of a commons founded before those fields existed stays byte for
        byte the same.
        """
        data = self.model_dump(mode="json")
        if "claim_lapse_days" not in self.model_fields_set:
            del data["claim_lapse_days"]
        for name in (*POLICY_FIELDS, "engine", "governance", "economy", "property", "resources"):
            if data[name] is None:
                del data[name]
        return data


def claim_lapse_days(charter_json: Mapping[str, Any]) -> int:
    """The charter's claim lapse in days (a charter without the field means the default)."""
    days = charter_json.get("claim_lapse_days", DEFAULT_CLAIM_LAPSE_DAYS)
    return int(days)
