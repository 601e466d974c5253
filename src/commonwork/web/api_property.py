"""The API's reads of peer property: a commons' artifacts, one artifact (versions,
contributors and their shares, licensors, licence changes, derivations both ways), the
derivation graph around it, the signed entries that prove it to another commons, its
attribution (NOTICE, SPDX 2.3, REUSE.toml, a .zip of the REUSE tree), the commons' section
"what we reuse, who reuses us", and why money passed upstream of an income.

The writes are the property area's action types, signed like every other: through ``…/actions``
(client-signed) or ``…/act/{type}`` (custodial) — ``property.artifact.create``,
``property.artifact.version``, ``property.artifact.link``, ``property.licence.change``,
``property.licence.answer``, ``property.derivation.record`` (docs/property.md). The one write
here is node-local: the name a person chooses for attribution in a commons (``…/me/
attribution-name``), never in a journal. The reads are public and kept by the read cache; each
costs what its page or its artifact's record holds, never the journal.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from commonwork.services import attribution_names, property_read
from commonwork.services.models import as_json
from commonwork.web.api import answer
from commonwork.web.auth import node_of, require_account
from commonwork.web.economy_schemas import MoneyOut
from commonwork.web.read_cache import cacheable
from commonwork.web.schemas import MAX_SEQ, PROBLEM_RESPONSES

router = APIRouter(prefix="/api/v1", responses=PROBLEM_RESPONSES, tags=["property"])

ArtifactId = Annotated[
    str,
    Path(
        pattern=r"^[0-9a-f]{64}$",
        description="The artifact: the id of the entry that created it (64 hex).",
    ),
]
TxnId = Annotated[
    str,
    Path(
        pattern=r"^[0-9a-f]{64}(:[a-z0-9_]{1,15})?$",
        description="The transaction: the id of the income's entry.",
    ),
]
Limit = Annotated[int, Query(ge=1, le=500, description="How many items at most (1 to 500).")]
DID = "A person's did (did:key:…)."
SHOWN = "The name they chose for attribution in this commons, else the one they joined with."


# --- response shapes (each mirrors a read model of services/property_read.py) -----------------


class PersonOut(BaseModel):
    did: str = Field(description=DID)
    name: str = Field(description=SHOWN)


class LicenceTermOut(BaseModel):
    id: str = Field(description="An SPDX licence id, LicenseRef-…, or an exception's id.")
    name: str | None = Field(description="Its full name, where the licence table knows it.")
    url: str | None = Field(description="Where to read it, where the licence table knows it.")
    exception: bool = Field(description="An exception (after WITH), not a licence.")


class ArtifactItemOut(BaseModel):
    artifact_id: str = Field(description="The id of the entry that created it.")
    title: str
    kind: Literal["design", "code", "document", "dataset", "other"]
    licence: str = Field(description="Its licence now, an SPDX expression.")
    creator: str = Field(description=DID)
    creator_name: str = Field(description=SHOWN)
    created_seq: int = Field(description="The journal entry that created it.")
    created_at: str
    updated_at: str
    versions: int = Field(description="How many versions; the latest is this number.")
    latest_sha256: str
    links: int = Field(description="Contributions linked to it.")
    sources: int = Field(description="Derivations recorded into it (what it was made from).")
    reusers: int = Field(description="Derivations from it recorded in this commons.")
    open_change: str | None = Field(description="A licence change waiting for consent.")


class ArtifactPageOut(BaseModel):
    items: list[ArtifactItemOut] = Field(description="Newest first.")
    limit: int
    next_before: int | None = Field(
        description="Ask again with `before` set to this for the older ones (null: no more)."
    )


class VersionOut(BaseModel):
    number: int
    sha256: str = Field(description="The content's sha256 (the file lives at `url`).")
    url: str | None
    size: int | None = Field(description="In bytes.")
    media_type: str | None
    licence: str = Field(description="The licence this version was released under.")
    note: str
    by: str = Field(description=DID)
    by_name: str = Field(description=SHOWN)
    entry_id: str
    seq: int
    recorded_at: str


class ContributorOut(BaseModel):
    did: str = Field(description=DID)
    name: str = Field(description=SHOWN)
    share_milli: int = Field(
        description="Milli value points of the accepted work linked to the artifact (settled)."
    )
    points: str = Field(description="The same in value points, exactly: '10.000'.")
    fraction: str = Field(description="The share of the total, exactly: 'n/d', reduced.")
    percent: str = Field(description="The share as a percentage, rounded half up: '71.43'.")


class AnswerOut(BaseModel):
    member: str = Field(description=DID)
    name: str = Field(description=SHOWN)
    answer: Literal["consent", "refuse"]
    entry_id: str
    recorded_at: str


class LicenceChangeOut(BaseModel):
    change_id: str = Field(description="The id of the entry that proposed it.")
    from_licence: str
    to_licence: str
    reason: str
    proposed_by: str = Field(description=DID)
    proposed_by_name: str
    proposed_at: str
    seq: int
    status: Literal["open", "done", "refused", "withdrawn"]
    ended_by: str | None = Field(description="The entry that ended it.")
    ended_at: str | None
    answers: list[AnswerOut] = Field(description="Each licensor's answer (the proposer's first).")
    waiting_for: list[PersonOut] = Field(
        description="The licensors whose consent an open change still waits for."
    )


class ClauseOut(BaseModel):
    key: str = Field(description="The clause's key in the licence table.")
    licence: str
    section: str
    text: str = Field(description="What the clause says.")
    url: str = Field(description="Where to read it.")


class DerivationOut(BaseModel):
    derivation_id: str = Field(description="The id of the entry that recorded it.")
    commons_id: str = Field(description="The commons that recorded it (the derived artifact's).")
    commons_name: str
    derived: str = Field(description="The artifact made from the source.")
    derived_title: str
    derived_licence: str = Field(description="Its licence when the derivation was recorded.")
    source_commons: str
    source_commons_name: str = Field(description="'' for a commons this node does not hold.")
    source: str = Field(description="The source artifact's id.")
    source_title: str
    source_licence: str = Field(description="The licence the source version was released under.")
    source_version: int | None = Field(description="A source of the same commons: its version.")
    source_sha256: str | None
    source_creator: str = Field(description="Its creator's did ('' when not proved).")
    evidence: Literal["local", "proved", "unproved"] = Field(
        description="local: of the same commons; proved: by the source's signed entries; "
        "unproved: claimed, so reviewed."
    )
    kind: Literal["adaptation", "collection", "use", "copy"]
    weight: int = Field(description="Its share among the derived artifact's sources.")
    changed: bool = Field(description="Changes were made (attribution says so).")
    status: Literal["allowed", "needs_review", "refused"]
    decision: str = Field(description="The licence table's decision: allow or review.")
    clauses: list[ClauseOut] = Field(description="The licence clauses behind the decision.")
    notes: list[str]
    reviewed_by: str | None = Field(
        description="The arbitration case that decided a review (its id is the derivation's)."
    )
    recorded_by: str
    seq: int
    recorded_at: str


class ArtifactDetailOut(BaseModel):
    commons_id: str
    commons_name: str
    artifact: ArtifactItemOut
    description: str
    licence_terms: list[LicenceTermOut] = Field(description="The licences its expression names.")
    allowed_licences: list[str] = Field(
        description="The licences the charter lets authors choose now (the first: the default)."
    )
    versions: list[VersionOut] = Field(description="Every version, newest first.")
    contributors: list[ContributorOut] = Field(description="Largest share first.")
    total_milli: int = Field(description="The shares summed.")
    licensors: list[PersonOut] = Field(
        description="Who licenses it: its contributors with a share, or its creator."
    )
    open_change: LicenceChangeOut | None
    past_changes: list[LicenceChangeOut] = Field(description="Newest first (50 at most).")
    derived_from: list[DerivationOut] = Field(description="What it was made from.")
    derived_into: list[DerivationOut] = Field(
        description="What was made from it, here and in the other commons this node holds, "
        "newest first (200 at most)."
    )


class GraphNodeOut(BaseModel):
    key: str = Field(description="'<commons id>:<artifact id>'.")
    commons_id: str
    artifact_id: str
    title: str
    licence: str
    depth: int = Field(
        description="Hops from the artifact: below 0 its sources, above its reusers."
    )
    held: bool = Field(description="Its commons is on this node.")


class GraphEdgeOut(BaseModel):
    derivation_id: str
    commons_id: str = Field(description="The commons that recorded it.")
    source: str = Field(description="A node's key.")
    derived: str = Field(description="A node's key.")
    kind: Literal["adaptation", "collection", "use", "copy"]
    status: Literal["allowed", "needs_review", "refused"]
    weight: int


class GraphOut(BaseModel):
    root: str = Field(description="The key of the artifact asked about.")
    nodes: list[GraphNodeOut]
    edges: list[GraphEdgeOut]
    max_depth: int = Field(description="How many hops each way the walk goes.")
    max_nodes: int = Field(description="How many artifacts it shows at most.")
    truncated: bool = Field(description="A bound stopped the walk: more lies beyond.")


class ReusePageOut(BaseModel):
    side: Literal["we_reuse", "reuses_us"]
    items: list[DerivationOut] = Field(description="Newest first.")
    limit: int
    next_after: str | None = Field(
        description="Ask again with `after` set to this for the older ones (null: no more)."
    )


class UpstreamFlowOut(BaseModel):
    n: int
    derivation_id: str
    derived: str
    derived_title: str
    source_commons: str
    source_commons_name: str
    source: str
    source_title: str
    kind: str
    weight: int
    amount: MoneyOut = Field(description="What the derived artifact passed to the source.")
    explanation: str


class UpstreamShareOut(BaseModel):
    commons_id: str
    name: str
    amount: MoneyOut = Field(description="Owed to it: its upstream:<commons id> account.")


class UpstreamOut(BaseModel):
    commons_id: str
    txn_id: str
    artifact: str | None = Field(description="The artifact the money was received for.")
    artifact_title: str
    received: MoneyOut | None
    kept: MoneyOut | None = Field(description="What stayed in the treasury.")
    flows: list[UpstreamFlowOut] = Field(description="Every edge that carried some of it.")
    upstream: list[UpstreamShareOut] = Field(description="What each upstream commons got.")
    explanation: str


class AttributionNameOut(BaseModel):
    commons_id: str
    did: str = Field(description="Whose name this is.")
    name: str = Field(description="The name they chose ('' when none).")
    default: str = Field(description="Shown without one: the name they joined with, or a did.")
    shown: str = Field(description="What attribution shows for them now.")
    updated_at: str | None = Field(description="When they chose it (null: never).")


class AttributionNameIn(BaseModel):
    name: str = Field(
        max_length=attribution_names.MAX_NAME,
        description="The name attribution shows for you in this commons (one line). Empty: "
        "go back to the default.",
    )


# --- the routes -------------------------------------------------------------------------------


@router.get(
    "/commons/{commons_id}/artifacts",
    summary="The commons' artifacts, newest first",
    description=(
        "Designs, code, documents, data sets… each with its kind, licence and how many "
        "versions, linked contributions, sources and reusers it has. Page with `before`."
    ),
    response_model=ArtifactPageOut,
)
@cacheable()
def get_artifacts(
    request: Request,
    commons_id: str,
    before: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_SEQ,
            description="Only artifacts created before this entry: the `next_before` of the "
            "page before (leave out for the newest).",
        ),
    ] = None,
    limit: Limit = 50,
) -> Response:
    page = property_read.list_artifacts(node_of(request), commons_id, before=before, limit=limit)
    return answer(as_json(page))


@router.get(
    "/commons/{commons_id}/artifacts/{artifact_id}",
    summary="One artifact: versions, contributors, licensors, licence changes, derivations",
    description=(
        "Its licence (and what the charter allows it to become), every version newest first, "
        "its contributors with their exact shares and the names they chose, its licensors, "
        "the licence change waiting for consent (who consented, whom it waits for) and past "
        "ones, what it was derived from and what was derived from it — here and in the other "
        "commons this node holds — each with its status, the licence clauses behind the "
        "decision and how its source was proved."
    ),
    response_model=ArtifactDetailOut,
)
@cacheable()
def get_artifact(request: Request, commons_id: str, artifact_id: ArtifactId) -> Response:
    return answer(as_json(property_read.artifact_detail(node_of(request), commons_id, artifact_id)))


@router.get(
    "/commons/{commons_id}/artifacts/{artifact_id}/graph",
    summary="The derivation graph around an artifact, as nodes and edges",
    description=(
        f"What it was derived from and what was derived from it, up to "
        f"{property_read.GRAPH_DEPTH} hops each way and {property_read.GRAPH_NODES} artifacts "
        "(`truncated` says when more lies beyond), for a picture."
    ),
    response_model=GraphOut,
)
@cacheable()
def get_graph(request: Request, commons_id: str, artifact_id: ArtifactId) -> Response:
    return answer(as_json(property_read.artifact_graph(node_of(request), commons_id, artifact_id)))


@router.get(
    "/commons/{commons_id}/artifacts/{artifact_id}/evidence",
    summary="The signed entries that prove an artifact to another commons (NDJSON)",
    description=(
        "The wire lines of its create entry and, after its first version, of its latest "
        "version entry, exactly as the journal exports them: what another commons embeds as "
        "`source.evidence` of `property.derivation.record` (with `source.commons` the commons "
        "the entries belong to) so that its rule checks the signatures, never looks them up."
    ),
    response_class=Response,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
@cacheable()
def get_evidence(request: Request, commons_id: str, artifact_id: ArtifactId) -> Response:
    found = property_read.artifact_evidence(node_of(request), commons_id, artifact_id)
    body = "".join(line + "\n" for line in found.lines)
    return Response(body, media_type="application/x-ndjson")


def _base_url(request: Request) -> str:
    return str(request.base_url)


def _file(found: attribution_names.AttributionFile, download: bool = False) -> Response:
    media = found.media_type + ("; charset=utf-8" if found.media_type.startswith("text/") else "")
    headers = {"content-disposition": f'attachment; filename="{found.name}"'} if download else {}
    return Response(found.text, media_type=media, headers=headers)


@router.get(
    "/commons/{commons_id}/artifacts/{artifact_id}/attribution/notice",
    summary="An artifact's NOTICE: title, authors, source and licence, for it and its sources",
    description=(
        "A CREDITS/NOTICE text in the TASL form, generated from the record: the contributors "
        "by the names they chose (largest share first), and every work it was made from "
        "(allowed or in review), saying where changes were made."
    ),
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
)
@cacheable()
def get_notice(request: Request, commons_id: str, artifact_id: ArtifactId) -> Response:
    found = attribution_names.attribution_file(
        node_of(request), commons_id, artifact_id, "notice", base_url=_base_url(request)
    )
    return _file(found)


@router.get(
    "/commons/{commons_id}/artifacts/{artifact_id}/attribution/spdx",
    summary="An artifact's SPDX 2.3 document (JSON)",
    description=(
        "One package for the artifact and one per work it was made from, related by the "
        "derivation's kind; validated by spdx-tools before it is written. The same record "
        "gives the same bytes."
    ),
    response_class=Response,
    responses={200: {"content": {"application/spdx+json": {}}}},
)
@cacheable()
def get_spdx(request: Request, commons_id: str, artifact_id: ArtifactId) -> Response:
    found = attribution_names.attribution_file(
        node_of(request), commons_id, artifact_id, "spdx", base_url=_base_url(request)
    )
    return _file(found, download=True)


@router.get(
    "/commons/{commons_id}/artifacts/{artifact_id}/attribution/reuse.toml",
    summary="An artifact's REUSE.toml",
    description=(
        "Every file of the artifact's tree under its licence, with each contributor's "
        "copyright (the name they chose, the artifact's years), for `reuse lint`."
    ),
    response_class=Response,
    responses={200: {"content": {"application/toml": {}}}},
)
@cacheable()
def get_reuse_toml(request: Request, commons_id: str, artifact_id: ArtifactId) -> Response:
    found = attribution_names.attribution_file(
        node_of(request), commons_id, artifact_id, "reuse", base_url=_base_url(request)
    )
    return _file(found, download=True)


@router.get(
    "/commons/{commons_id}/artifacts/{artifact_id}/attribution.zip",
    summary="An artifact's attribution as a REUSE tree, zipped",
    description=(
        "REUSE.toml, NOTICE, the SPDX JSON and LICENSES/ with the text of every licence they "
        "name; the same record gives the same bytes (files in name order, dated by the latest "
        "version)."
    ),
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
@cacheable()
def get_attribution_zip(request: Request, commons_id: str, artifact_id: ArtifactId) -> Response:
    name, data = attribution_names.attribution_zip(
        node_of(request), commons_id, artifact_id, base_url=_base_url(request)
    )
    headers = {"content-disposition": f'attachment; filename="{name}"'}
    return Response(data, media_type="application/zip", headers=headers)


@router.get(
    "/commons/{commons_id}/reuse",
    summary="What the commons reuses, and who reuses it",
    description=(
        "`side=we_reuse`: the derivations recorded here from other commons' artifacts; "
        "`side=reuses_us`: the derivations recorded in the other commons this node holds from "
        "this one's. Newest first, each with its status, licences and clauses; page with "
        "`after`."
    ),
    response_model=ReusePageOut,
)
@cacheable()
def get_reuse(
    request: Request,
    commons_id: str,
    side: Annotated[
        Literal["we_reuse", "reuses_us"],
        Query(description="we_reuse: what this commons derived from others; reuses_us: others'."),
    ] = "we_reuse",
    after: Annotated[
        str | None,
        Query(
            pattern=property_read.CURSOR.pattern,
            description="The `next_after` of the page before (leave out for the newest).",
        ),
    ] = None,
    limit: Limit = 50,
) -> Response:
    page = property_read.reuse_page(
        node_of(request), commons_id, side=side, after=after, limit=limit
    )
    return answer(as_json(page))


@router.get(
    "/commons/{commons_id}/txns/{txn_id}/upstream",
    summary="Why this number: what of an income for an artifact passed upstream",
    description=(
        "Every edge of the derivation graph that carried some of the money (what the derived "
        "artifact passed to its source, in the propagation's order), what each upstream commons "
        "got (owed to it, `upstream:<commons id>`), and what stayed in the treasury."
    ),
    response_model=UpstreamOut,
    tags=["books"],
)
@cacheable()
def get_upstream(request: Request, commons_id: str, txn_id: TxnId) -> Response:
    return answer(as_json(property_read.income_upstream(node_of(request), commons_id, txn_id)))


NODE_LOCAL = (
    "Kept on this node only, never in a journal: your own choice, changed or taken back at any "
    "time."
)


@router.get(
    "/commons/{commons_id}/me/attribution-name",
    summary="The name attribution shows for you in a commons (node-local)",
    description=NODE_LOCAL + " `name` is empty when you chose none (`shown` is the default).",
    response_model=AttributionNameOut,
    tags=["account"],
)
def get_attribution_name(request: Request, commons_id: str) -> Response:
    account = require_account(request)
    kept = attribution_names.own_attribution_name(
        node_of(request), did=account.did, commons_id=commons_id
    )
    return answer(as_json(kept))


@router.put(
    "/commons/{commons_id}/me/attribution-name",
    summary="Choose the name attribution shows for you in a commons (node-local)",
    description=(
        "The name NOTICE, SPDX and REUSE files and the artifact pages show for you, one line of "
        f"at most {attribution_names.MAX_NAME} characters. " + NODE_LOCAL + " An empty `name` "
        "goes back to the default (the name you joined with). Writes to no journal."
    ),
    response_model=AttributionNameOut,
    tags=["account"],
)
def put_attribution_name(request: Request, commons_id: str, form: AttributionNameIn) -> Response:
    account = require_account(request)
    kept = attribution_names.set_attribution_name(
        node_of(request), did=account.did, commons_id=commons_id, name=form.name
    )
    return answer(as_json(kept))
