"""The bodies of ``production.contribution.record`` and ``production.contribution.correct``.

Old bodies keep their meaning: every field added since version 1 is optional, and the kinds
``resource_use`` and ``care`` are new. What a body can say about itself is checked here; what
depends on the commons (membership, the author, the entry's time) is the rule's.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Literal

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from commonwork.commons.policy import CONTRIBUTION_KINDS
from commonwork.errors import InvalidAction
from commonwork.journal.actions import ID_PATTERN, parse_time
from commonwork.production.decimals import decimal_text, positive_decimal, share_decimal
from commonwork.production.tasks import Skill, TaskId

KINDS = CONTRIBUTION_KINDS  # tests/unit/test_policy.py checks that Kind lists the same
Kind = Literal["work", "artifact", "money", "review", "resource_use", "care"]
UNITS = {
    "work": "hours",
    "review": "hours",
    "artifact": "items",
    "money": "minor units",
    "resource_use": "hours",
    "care": "hours",
}
MAX_CO_AUTHORS = 50

ContributionId = Annotated[str, StringConstraints(pattern=f"^{ID_PATTERN.pattern}$")]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)
]
Resource = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
#: Where a contribution comes from outside the journal, such as ``git:<commit id>``; one
#: contribution per source in a commons, so that importing twice records nothing twice.
Source = Annotated[
    str, StringConstraints(min_length=5, max_length=200, pattern=r"^[a-z][a-z0-9+.-]{0,19}:[!-~]+$")
]
MediaType = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z0-9][\w!#$&^.+-]{0,62}/[A-Za-z0-9][\w!#$&^.+-]{0,62}$")
]


class Artifact(BaseModel):
    """A file or design, referenced (never embedded): its sha256, where to get it, its size."""

    model_config = ConfigDict(extra="forbid")
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
    url: Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://[^\s/?#]+\S*$")]
    size: Annotated[int, Field(ge=0, le=2**53 - 1, description="bytes")]
    media_type: MediaType | None = None

    def as_json(self) -> dict[str, object]:
        return self.model_dump(exclude_none=True)


class CoAuthor(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    share: str

    @field_validator("share")
    @classmethod
    def _share(cls, value: str) -> str:
        return share_decimal(value)


CoAuthors = Annotated[list[CoAuthor], Field(max_length=MAX_CO_AUTHORS)]


def author_share(co_authors: list[CoAuthor] | None) -> Decimal:
    """The recording author's share: what the co-authors' shares leave of 1."""
    return Decimal(1) - sum((Decimal(item.share) for item in co_authors or []), Decimal(0))


def shares_of(author: str, co_authors: list[CoAuthor] | None) -> dict[str, str]:
    """Every author's share, the recording author first, as shortest decimal strings."""
    shares = {author: decimal_text(author_share(co_authors))}
    shares.update({item.member: decimal_text(Decimal(item.share)) for item in co_authors or []})
    return shares


@lru_cache(maxsize=4096)
def row_shares(contributor: str, co_authors_text: str | None) -> tuple[tuple[str, Decimal], ...]:
    """Every author's share from a contribution row's ``contributor`` and its ``co_authors``
    column (the JSON text ``_co_authors_json`` writes): the recorder first (their share is what
    the co-authors' leave of 1), then the co-authors as listed."""
    listed = orjson.loads(co_authors_text) if co_authors_text else []
    others = [(str(item["member"]), Decimal(item["share"])) for item in listed]
    recorder = Decimal(1) - sum((share for _, share in others), Decimal(0))
    return ((contributor, recorder), *others)


def _check_co_authors(co_authors: list[CoAuthor] | None) -> None:
    members = [item.member for item in co_authors or []]
    if len(set(members)) != len(members):
        raise ValueError("name each co-author once")
    if author_share(co_authors) <= 0:
        total = decimal_text(Decimal(1) - author_share(co_authors))
        raise ValueError(
            f"the co-authors' shares sum to {total}; with the author's own share (1 minus "
            "theirs) all shares must sum to exactly 1, so theirs must sum to less than 1"
        )


def _check_time(value: str | None) -> str | None:
    if value is not None:
        try:
            parse_time(value)
        except InvalidAction as exc:
            raise ValueError(exc.detail) from exc
    return value


class RecordBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Kind
    quantity: str
    description: Description
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] | None = None
    task: TaskId | None = None
    happened_at: str | None = None
    artifact: Artifact | None = None
    resource: Resource | None = None
    co_authors: CoAuthors | None = None
    skill: Skill | None = None
    source: Source | None = None

    @field_validator("quantity")
    @classmethod
    def _positive_decimal(cls, value: str) -> str:
        return positive_decimal(value)

    @field_validator("happened_at")
    @classmethod
    def _journal_time(cls, value: str | None) -> str | None:
        return _check_time(value)

    @model_validator(mode="after")
    def _fits_its_kind(self) -> RecordBody:
        if self.kind == "money":
            if self.currency is None:
                raise ValueError("money needs its currency, as a 3-letter code such as EUR")
            if "." in self.quantity:
                raise ValueError("money is recorded as whole minor units (e.g. '2500' cents)")
        elif self.currency is not None:
            raise ValueError("only money contributions carry a currency")
        if self.artifact is not None and self.kind != "artifact":
            raise ValueError("only artifact contributions carry an artifact (sha256, url, size)")
        if self.kind == "resource_use" and self.resource is None:
            raise ValueError("name the tool or machine you used (the lent resource, 'resource')")
        if self.kind != "resource_use" and self.resource is not None:
            raise ValueError("only resource_use contributions name a lent resource")
        _check_co_authors(self.co_authors)
        return self


CORRECTABLE = ("quantity", "description", "happened_at", "artifact", "resource", "co_authors")


class CorrectBody(BaseModel):
    """A correction of one's own contribution: the fields given replace the old ones.

    ``co_authors`` replaces the whole list (``[]`` removes every co-author).
    """

    model_config = ConfigDict(extra="forbid")
    contribution: ContributionId
    reason: Description
    quantity: str | None = None
    description: Description | None = None
    happened_at: str | None = None
    artifact: Artifact | None = None
    resource: Resource | None = None
    co_authors: CoAuthors | None = None

    @field_validator("quantity")
    @classmethod
    def _positive_decimal(cls, value: str | None) -> str | None:
        return None if value is None else positive_decimal(value)

    @field_validator("happened_at")
    @classmethod
    def _journal_time(cls, value: str | None) -> str | None:
        return _check_time(value)

    @model_validator(mode="after")
    def _changes_something(self) -> CorrectBody:
        if all(getattr(self, name) is None for name in CORRECTABLE):
            raise ValueError(f"say what to correct: one or more of {', '.join(CORRECTABLE)}")
        _check_co_authors(self.co_authors)
        return self
