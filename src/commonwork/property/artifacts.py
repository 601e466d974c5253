"""Artifacts: what a commons makes (designs, code, documents, data sets), each with versions and
a licence of its own.

An artifact is created by a member with its first version (content by sha256, where to get it,
its size and media type — never the file itself) and a licence its author chooses among those
the charter allows: the charter's licence (the default) and the charter's ``property.licences``
(the sovereignty of each author within what the commons agreed on; the doors offer the charter's
licence first). Work is linked to it: a
contribution's author, or the artifact's licensors, link contributions to it; the value points
of the linked contributions once accepted are the contributors' shares (milli-points, an
integer; a co-authored contribution's points are split by its shares, rounded down).

The licensors of an artifact are its creator and its contributors with a share; they link work
to it (a contributor asks one of them), so nobody gains a say in its licence by linking their
own work alone. Changing the licence needs the signed
consent of every licensor: a change is proposed (the proposer consents by proposing), each
licensor answers, and it takes effect with the last consent — never if one refuses. Every
version keeps the licence it was released under: a licence granted is not taken back from
those who received the work under it.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from commonwork.commons.actions import active_member, commons_row
from commonwork.commons.charter_licence import Licence
from commonwork.commons.charter_property import property_of
from commonwork.economy.organisations import EntryId, Sha256
from commonwork.errors import AlreadyDone, InvalidAction, NotAllowed, NotFound
from commonwork.journal.projection import ActionSpec, Context, Key, Row, State
from commonwork.production.contribution_bodies import MediaType, row_shares
from commonwork.production.tables import contribution_status, contributions
from commonwork.property.licences import Decision, clause_text, decide
from commonwork.property.tables import (
    artifact_links,
    artifact_versions,
    artifacts,
    derivation_pairs,
    derivations,
    licence_changes,
    licence_consents,
)

Url = Annotated[str, StringConstraints(max_length=2000, pattern=r"^https?://[^\s/?#]+\S*$")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
#: design, code, document, data set, anything else
KINDS = ("design", "code", "document", "dataset", "other")
Kind = Literal["design", "code", "document", "dataset", "other"]
MAX_LINKS = 100


class Version(BaseModel):
    """One version's content: by sha256 (the file lives elsewhere), where to get it, its size
    in bytes and media type."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    sha256: Sha256
    url: Url | None = None
    size: int | None = Field(default=None, ge=0, le=2**53 - 1)
    media_type: MediaType | None = None


class CreateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: Title
    kind: Kind
    description: Text = ""
    #: The licence, chosen among those the charter allows (the doors offer the charter's own
    #: first). Always named, so that this signed entry alone proves the artifact's licence to
    #: another commons.
    licence: Licence
    version: Version
    #: Contributions that went into it (their record entries' ids).
    contributions: list[EntryId] = Field(default_factory=list, max_length=MAX_LINKS)


class VersionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    artifact: EntryId
    version: Version
    #: The artifact's licence, restated: the version is released under it (so that this
    #: signed entry alone proves the licence of the version to another commons).
    licence: Licence
    note: Text = ""


class LinkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    artifact: EntryId
    contributions: list[EntryId] = Field(min_length=1, max_length=MAX_LINKS)


class LicenceChangeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    artifact: EntryId
    licence: Licence
    reason: Text = ""


class LicenceAnswerBody(BaseModel):
    """A licensor's answer to a licence change; the proposer may also withdraw it."""

    model_config = ConfigDict(extra="forbid")
    change: EntryId
    answer: Literal["consent", "refuse", "withdraw"]


# --- reading ---------------------------------------------------------------------------------


def refusal_text(decision: Decision) -> str:
    """A refusal's reasons: the clauses behind it, and the licences that would be allowed."""
    cited = "; ".join(clause_text(citation) for citation in decision.citations)
    instead = ", ".join(decision.alternatives) or "none in the licence table"
    return f"{cited}. Licences it could take instead: {instead}"


def artifact_row(state: State, commons_id: str, artifact_id: str) -> Row:
    row = state.get(artifacts, (commons_id, artifact_id))
    if row is None:
        raise NotFound(
            f"there is no artifact {artifact_id} in this commons (an artifact is named by the id "
            "of the entry that created it)"
        )
    return row


def allowed_licences(state: State, commons_id: str) -> list[str]:
    """The licences an author may choose: the charter's first (the default), then the charter's
    property.licences."""
    charter = orjson.loads(commons_row(state, commons_id)["charter"])
    chosen = [str(charter["licence"])]
    chosen += [e for e in property_of(charter).licences if e not in chosen]
    return chosen


def check_licence_allowed(state: State, commons_id: str, licence: str) -> None:
    allowed = allowed_licences(state, commons_id)
    if licence not in allowed:
        raise NotAllowed(
            f"{licence} is not among the licences this commons' charter allows its authors to "
            f"choose: {', '.join(allowed)} (the charter's property.licences, changed by decision)",
            reason="licence_not_allowed",
        )


def shares(state: State, commons_id: str, artifact_id: str) -> dict[str, int]:
    """Each contributor's share: the milli value points of the accepted contributions linked to
    the artifact (split by co-authors' shares, rounded down), > 0 only, by did."""
    found: dict[str, int] = {}
    for link in state.scan(artifact_links, (commons_id, artifact_id)):
        status = state.get(contribution_status, (commons_id, int(link["seq"])))
        if status is None or status["status"] != "accepted" or not status["points_milli"]:
            continue
        points = Decimal(int(status["points_milli"]))
        for member, share in row_shares(status["contributor"], status["co_authors"]):
            part = int((points * share).to_integral_value(rounding=ROUND_FLOOR))
            if part > 0:
                found[member] = found.get(member, 0) + part
    return found


def licensors(state: State, commons_id: str, row: Row) -> list[str]:
    """Who licenses the artifact: its creator, and its contributors with a share."""
    return sorted(set(shares(state, commons_id, row["artifact_id"])) | {row["creator"]})


def _check_steward(state: State, ctx: Context, row: Row, what: str) -> None:
    if ctx.author not in licensors(state, ctx.commons_id, row) and ctx.author != row["creator"]:
        raise NotAllowed(
            f"only the artifact's creator or its licensors (contributors with a share) {what}",
            reason="not_a_licensor",
        )


# --- create, version, link -------------------------------------------------------------------


def check_create(state: State, ctx: Context) -> None:
    body: CreateBody = ctx.body
    active_member(state, ctx.commons_id, ctx.author)
    check_licence_allowed(state, ctx.commons_id, body.licence)
    _check_links(state, ctx, None, body.contributions)


def apply_create(state: State, ctx: Context) -> None:
    body: CreateBody = ctx.body
    at = ctx.entry.recorded_at
    licence = body.licence
    state.insert(
        artifacts,
        {
            "commons_id": ctx.commons_id,
            "artifact_id": ctx.entry.id,
            "title": body.title,
            "kind": body.kind,
            "description": body.description,
            "licence": licence,
            "creator": ctx.author,
            "created_seq": ctx.entry.seq,
            "created_at": at,
            "versions": 1,
            "latest_sha256": body.version.sha256,
            "updated_at": at,
            "links": 0,
            "sources": 0,
            "reusers": 0,
            "open_change": None,
        },
    )
    _put_version(state, ctx, ctx.entry.id, 1, body.version, licence, "")
    _link(state, ctx, ctx.entry.id, body.contributions)


def _put_version(
    state: State, ctx: Context, artifact_id: str, number: int, version: Version, licence: str,
    note: str,
) -> None:  # fmt: skip
    state.insert(
        artifact_versions,
        {
            "commons_id": ctx.commons_id,
            "artifact_id": artifact_id,
            "number": number,
            "sha256": version.sha256,
            "url": version.url,
            "size": version.size,
            "media_type": version.media_type,
            "licence": licence,
            "note": note,
            "by": ctx.author,
            "entry_id": ctx.entry.id,
            "seq": ctx.entry.seq,
            "recorded_at": ctx.entry.recorded_at,
        },
    )


def check_version(state: State, ctx: Context) -> None:
    body: VersionBody = ctx.body
    row = artifact_row(state, ctx.commons_id, body.artifact)
    active_member(state, ctx.commons_id, ctx.author)
    _check_steward(state, ctx, row, "record its versions")
    if body.licence != row["licence"]:
        raise InvalidAction(
            f"the artifact's licence is {row['licence']}, not {body.licence}: a version restates "
            "the licence it is released under (a licence changes with property.licence.change)"
        )
    latest = state.get(artifact_versions, (ctx.commons_id, body.artifact, int(row["versions"])))
    if latest is not None and latest["sha256"] == body.version.sha256:
        raise AlreadyDone(
            f"version {row['versions']} has this content already (sha256 {body.version.sha256})",
            reason="same_content",
        )


def apply_version(state: State, ctx: Context) -> None:
    body: VersionBody = ctx.body
    row = artifact_row(state, ctx.commons_id, body.artifact)
    number = int(row["versions"]) + 1
    _put_version(state, ctx, body.artifact, number, body.version, row["licence"], body.note)
    state.put(
        artifacts,
        {
            **row,
            "versions": number,
            "latest_sha256": body.version.sha256,
            "updated_at": ctx.entry.recorded_at,
        },
    )


def _check_links(state: State, ctx: Context, row: Row | None, ids: list[str]) -> None:
    if len(set(ids)) != len(ids):
        raise InvalidAction("a contribution is named twice")
    # The creator (creating it) or a licensor links work: a share is a say in the licence, so
    # nobody gains one by linking their own work alone; its authors ask a licensor.
    if row is not None and ctx.author not in licensors(state, ctx.commons_id, row):
        raise NotAllowed(
            "only the artifact's creator and licensors (contributors with a share) link work to "
            "it: ask one of them to link yours",
            reason="not_a_licensor",
        )
    for contribution_id in ids:
        found = state.get(contributions, (ctx.commons_id, contribution_id))
        if found is None:
            raise NotFound(f"there is no contribution {contribution_id} in this commons")
        if row is not None and (
            state.get(artifact_links, (ctx.commons_id, row["artifact_id"], int(found["seq"])))
            is not None
        ):
            raise AlreadyDone(
                f"contribution {contribution_id} is linked to this artifact already",
                reason="linked",
            )


def _link(state: State, ctx: Context, artifact_id: str, ids: list[str]) -> None:
    if not ids:
        return
    row = artifact_row(state, ctx.commons_id, artifact_id)
    for contribution_id in ids:
        found = state.get(contributions, (ctx.commons_id, contribution_id))
        if found is None:
            continue  # the rule checked it
        state.insert(
            artifact_links,
            {
                "commons_id": ctx.commons_id,
                "artifact_id": artifact_id,
                "seq": int(found["seq"]),
                "contribution_id": contribution_id,
                "linked_by": ctx.author,
                "linked_at": ctx.entry.recorded_at,
            },
        )
    state.put(artifacts, {**row, "links": int(row["links"]) + len(ids)})


def check_link(state: State, ctx: Context) -> None:
    body: LinkBody = ctx.body
    active_member(state, ctx.commons_id, ctx.author)
    row = artifact_row(state, ctx.commons_id, body.artifact)
    _check_links(state, ctx, row, body.contributions)


def apply_link(state: State, ctx: Context) -> None:
    body: LinkBody = ctx.body
    _link(state, ctx, body.artifact, body.contributions)


# --- licence changes -------------------------------------------------------------------------


def _check_sources(state: State, commons_id: str, row: Row, licence: str) -> None:
    """A new licence must still be one its sources allow (what it was derived from keeps its
    terms; what was derived from it keeps the licence it was given)."""
    for pair in state.scan(derivation_pairs, (commons_id, row["artifact_id"])):
        found = state.get(derivations, (commons_id, pair["derivation_id"]))
        if found is None or found["status"] == "refused":
            continue
        decision = decide(found["source_licence"], licence, found["kind"])
        if decision.decision == "refuse":
            raise NotAllowed(
                f"{row['title']} was derived ({found['kind']}) from {found['source_title']} "
                f"under {found['source_licence']}, which does not allow {licence}: "
                f"{refusal_text(decision)}",
                reason="licence_incompatible",
            )


def check_change(state: State, ctx: Context) -> None:
    body: LicenceChangeBody = ctx.body
    row = artifact_row(state, ctx.commons_id, body.artifact)
    active_member(state, ctx.commons_id, ctx.author)
    if ctx.author not in licensors(state, ctx.commons_id, row):
        raise NotAllowed(
            "only a licensor of the artifact (a contributor with a share; its creator while "
            "nobody has one) proposes to change its licence",
            reason="not_a_licensor",
        )
    if row["open_change"] is not None:
        raise AlreadyDone(
            f"a change of its licence is waiting already ({row['open_change']}): answer or "
            "withdraw it first",
            reason="change_open",
        )
    if body.licence == row["licence"]:
        raise AlreadyDone(f"its licence is {body.licence} already", reason="same_licence")
    check_licence_allowed(state, ctx.commons_id, body.licence)
    _check_sources(state, ctx.commons_id, row, body.licence)


def apply_change(state: State, ctx: Context) -> None:
    body: LicenceChangeBody = ctx.body
    row = artifact_row(state, ctx.commons_id, body.artifact)
    change = {
        "commons_id": ctx.commons_id,
        "change_id": ctx.entry.id,
        "artifact_id": body.artifact,
        "from_licence": row["licence"],
        "to_licence": body.licence,
        "reason": body.reason,
        "proposed_by": ctx.author,
        "proposed_at": ctx.entry.recorded_at,
        "seq": ctx.entry.seq,
        "status": "open",
        "ended_by": None,
        "ended_at": None,
        "consents": 1,
    }
    _answer(state, ctx, ctx.entry.id, "consent")
    state.put(artifacts, {**row, "open_change": ctx.entry.id})
    _conclude(state, ctx, change)


def _answer(state: State, ctx: Context, change_id: str, answer: str) -> None:
    state.put(
        licence_consents,
        {
            "commons_id": ctx.commons_id,
            "change_id": change_id,
            "member": ctx.author,
            "answer": answer,
            "entry_id": ctx.entry.id,
            "recorded_at": ctx.entry.recorded_at,
        },
    )


def waiting_for(state: State, commons_id: str, change: Row) -> list[str]:
    """The licensors whose consent the change still waits for (licensors as of now: a share
    earned while it waits makes its holder's consent needed too)."""
    row = artifact_row(state, commons_id, change["artifact_id"])
    return [
        member
        for member in licensors(state, commons_id, row)
        if (held := state.get(licence_consents, (commons_id, change["change_id"], member))) is None
        or held["answer"] != "consent"
    ]


def _conclude(state: State, ctx: Context, change: Row) -> None:
    """With every licensor's consent the licence changes now; otherwise the change waits."""
    if waiting_for(state, ctx.commons_id, change):
        state.put(licence_changes, change)
        return
    row = artifact_row(state, ctx.commons_id, change["artifact_id"])
    state.put(
        artifacts,
        {
            **row,
            "licence": change["to_licence"],
            "open_change": None,
            "updated_at": ctx.entry.recorded_at,
        },
    )
    ended = {"ended_by": ctx.entry.id, "ended_at": ctx.entry.recorded_at}
    state.put(licence_changes, {**change, "status": "done", **ended})


def change_row(state: State, commons_id: str, change_id: str) -> Row:
    row = state.get(licence_changes, (commons_id, change_id))
    if row is None:
        raise NotFound(f"there is no licence change {change_id} in this commons")
    return row


def check_answer(state: State, ctx: Context) -> None:
    body: LicenceAnswerBody = ctx.body
    change = change_row(state, ctx.commons_id, body.change)
    if change["status"] != "open":
        raise AlreadyDone(f"that licence change is {change['status']}", reason=change["status"])
    if body.answer == "withdraw":
        if ctx.author != change["proposed_by"]:
            raise NotAllowed("only its proposer withdraws a licence change", reason="not_yours")
        return
    row = artifact_row(state, ctx.commons_id, change["artifact_id"])
    if ctx.author not in licensors(state, ctx.commons_id, row):
        raise NotAllowed(
            "only the artifact's licensors (contributors with a share) answer a change of its "
            "licence",
            reason="not_a_licensor",
        )
    held = state.get(licence_consents, (ctx.commons_id, body.change, ctx.author))
    if held is not None and held["answer"] == body.answer:
        raise AlreadyDone(f"you answered {body.answer} already", reason="answered")


def apply_answer(state: State, ctx: Context) -> None:
    body: LicenceAnswerBody = ctx.body
    change = dict(change_row(state, ctx.commons_id, body.change))
    row = artifact_row(state, ctx.commons_id, change["artifact_id"])
    if body.answer in ("refuse", "withdraw"):
        if body.answer == "refuse":
            _answer(state, ctx, body.change, "refuse")
        ended = {"ended_by": ctx.entry.id, "ended_at": ctx.entry.recorded_at}
        status = "refused" if body.answer == "refuse" else "withdrawn"
        state.put(licence_changes, {**change, "status": status, **ended})
        state.put(artifacts, {**row, "open_change": None})
        return
    _answer(state, ctx, body.change, "consent")
    change["consents"] = int(change["consents"]) + 1
    _conclude(state, ctx, change)


# --- reads named ahead -------------------------------------------------------------------------


def _reads_artifact(commons_id: str, author: str, body: Any) -> list[tuple[Any, Key]]:
    artifact = getattr(body, "artifact", None)
    return [] if artifact is None else [(artifacts, (commons_id, artifact))]


def _reads_change(commons_id: str, author: str, body: Any) -> list[tuple[Any, Key]]:
    return [
        (licence_changes, (commons_id, body.change)),
        (licence_consents, (commons_id, body.change, author)),
    ]


ACTIONS = (
    ActionSpec(
        type="property.artifact.create",
        summary="Create an artifact (a design, code, a document, a data set…) with its first "
        "version (sha256, URL, size, media type) and a licence the charter allows (its own by "
        "default), linking the contributions that went into it",
        body=CreateBody,
        check=check_create,
        apply=apply_create,
    ),
    ActionSpec(
        type="property.artifact.version",
        summary="Record a new version of an artifact (its creator or a licensor), restating the "
        "licence it is released under",
        body=VersionBody,
        check=check_version,
        apply=apply_version,
        reads=_reads_artifact,
    ),
    ActionSpec(
        type="property.artifact.link",
        summary="Link contributions to an artifact (its creator or a licensor): once accepted, "
        "their value points are their authors' shares",
        body=LinkBody,
        check=check_link,
        apply=apply_link,
        reads=_reads_artifact,
    ),
    ActionSpec(
        type="property.licence.change",
        summary="Propose to change an artifact's licence (a licensor): it changes when every "
        "contributor with a share has consented",
        body=LicenceChangeBody,
        check=check_change,
        apply=apply_change,
        reads=_reads_artifact,
    ),
    ActionSpec(
        type="property.licence.answer",
        summary="Consent to or refuse a change of an artifact's licence (a licensor), or "
        "withdraw it (its proposer)",
        body=LicenceAnswerBody,
        check=check_answer,
        apply=apply_answer,
        reads=_reads_change,
    ),
)
