"""Derivations: what an artifact of this commons was made from — an artifact of this commons,
or of another commons, on this node or anywhere — and whether their licences allow it.

Kinds: ``adaptation`` (changed or built upon), ``collection`` (included unchanged, each part
keeping its licence), ``use`` (used or cited, not copied) and ``copy`` (a verbatim copy). The
rule reads only the journal prefix: a source of this commons is read from the state; a source
of another commons is proved by **its own signed entries, embedded in the derivation's body**:
the source's ``property.artifact.create`` entry and, for a later version, its
``property.artifact.version`` entry (each restates the licence the version was released
under), wire lines whose author's and host's signatures are checked here, never looked up.
Without that proof the derivation is recorded as ``needs_review`` with the title and licence it
claims.

The licence table (commonwork.property.licences) decides (source licence, derived licence,
kind): ``refuse`` refuses the entry, naming the clause and listing the licences the derived
artifact could take instead; ``review`` records it as ``needs_review`` and opens an
arbitration case about it (of the subject kind ``derivation``, :data:`CASE_SUBJECTS`): a panel
drawn by standing rules ``accept`` (the derivation is ``allowed``) or ``reject`` (``refused``),
or, when no panel can sit, the members decide by a proposal with the effect ``arbitrate``; one
appeal as for any case. ``allow`` records it as allowed. A licence granted is not taken back,
so a derivation relies on the licence the source version was released under even if the source
changes its licence later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from commonwork.commons.actions import active_member
from commonwork.commons.charter_licence import Licence
from commonwork.economy.organisations import EntryId
from commonwork.errors import AlreadyDone, CommonworkError, InvalidAction, NotAllowed, NotFound
from commonwork.governance.arbitration import open_case
from commonwork.governance.clock import text_of
from commonwork.governance.tables import cases
from commonwork.journal.area import CaseSubject, Event
from commonwork.journal.entries import Entry, check_entry_signatures, parse_entry
from commonwork.journal.projection import ActionSpec, Context, Key, Row, State
from commonwork.property.artifacts import (
    CreateBody,
    Text,
    Title,
    VersionBody,
    artifact_row,
    licensors,
    refusal_text,
)
from commonwork.property.licences import KINDS, decide
from commonwork.property.tables import artifact_versions, artifacts, derivation_pairs, derivations

RECORD = "property.derivation.record"
Kind = Literal["adaptation", "collection", "use", "copy"]
#: How many signed entries a derivation may embed as its source's proof.
MAX_EVIDENCE = 3
#: The source commons of a derivation from this commons' own artifact.
LOCAL = ""
#: A wire line of another commons' journal (64 KiB of action at most, and the entry around it).
WireLine = Annotated[str, StringConstraints(min_length=2, max_length=70_000)]


class Source(BaseModel):
    """What was derived from. Of this commons: ``artifact`` (and a ``version`` number, the
    latest when left out). Of another commons: its id, the artifact's id, and ``evidence`` (the
    source's signed entries); or, without evidence, the ``title`` and ``licence`` it claims."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    commons: EntryId | None = None
    artifact: EntryId
    version: int | None = Field(default=None, ge=1)
    evidence: list[WireLine] = Field(default_factory=list, max_length=MAX_EVIDENCE)
    title: Title | None = None
    licence: Licence | None = None

    @model_validator(mode="after")
    def _complete(self) -> Source:
        if self.commons is None and (self.evidence or self.title or self.licence):
            raise ValueError(
                "a source of this commons is read from its record: name only the artifact "
                "(and a version)"
            )
        if self.commons is not None and not self.evidence and (not self.title or not self.licence):
            raise ValueError(
                "a source of another commons is proved by its signed entries (evidence), or "
                "named with the title and licence it claims (then it needs review)"
            )
        if self.commons is not None and self.version is not None:
            raise ValueError(
                "another commons' version is named by its signed version entry in evidence"
            )
        return self


class DerivationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: The artifact of this commons that was derived.
    derived: EntryId
    kind: Kind
    source: Source
    #: Its share among the derived artifact's sources (what passes upstream is split by it).
    weight: int = Field(default=1, ge=1, le=10_000)
    #: Whether changes were made (an adaptation always is); attribution says so.
    changed: bool | None = None
    note: Text = ""


class Proved(BaseModel):
    """What a source of another commons was proved (or claimed) to be."""

    model_config = ConfigDict(frozen=True)
    title: str
    licence: str
    sha256: str | None
    creator: str
    evidence: str  # proved | unproved


# --- the source's proof ----------------------------------------------------------------------


def prove(source: Source) -> Proved:
    """The source of another commons, from its embedded signed entries (InvalidAction or
    BadSignature when they do not prove it), or as claimed when it embeds none."""
    if not source.evidence:
        return Proved(
            title=source.title or "",
            licence=source.licence or "",
            sha256=None,
            creator="",
            evidence="unproved",
        )
    entries = [_entry(line, n) for n, line in enumerate(source.evidence)]
    # The genesis of the source's commons is self-certifying (its id is the commons' id): it
    # names the host whose countersignature every other entry must carry, so nobody else can
    # sign an entry "of" that commons.
    geneses = [e for e in entries if e.is_genesis]
    if len(geneses) != 1 or geneses[0].id != source.commons:
        raise InvalidAction(
            f"the evidence must hold the genesis of commons {source.commons} (the entry whose id "
            "is the commons' id), once: `artifacts evidence` prints it first"
        )
    host = geneses[0].host
    creates = [e for e in entries if e.type == "property.artifact.create"]
    if len(creates) != 1 or creates[0].id != source.artifact:
        raise InvalidAction(
            f"the evidence must hold the source artifact's own create entry (the entry whose id "
            f"is {source.artifact}), once"
        )
    create = creates[0]
    for entry in entries:
        if entry.is_genesis:
            continue
        if entry.commons_id() != source.commons:
            raise InvalidAction(
                f"evidence entry {entry.seq} belongs to another commons than {source.commons}"
            )
        if entry.host != host:
            raise InvalidAction(
                f"evidence entry {entry.seq} is countersigned by {entry.host}, not by the host "
                f"its commons' genesis names ({host}): a commons that moved host cannot be proved "
                "this way; name the source with its title and licence, to be reviewed"
            )
    created = _body(CreateBody, create)
    licence, sha256 = created.licence, created.version.sha256
    versions = [e for e in entries if e.type == "property.artifact.version"]
    if len(versions) + 2 != len(entries):
        raise InvalidAction(
            "the evidence holds the commons' genesis, the source's create entry and at most one "
            "of its version entries"
        )
    if versions:
        later = versions[0]
        version = _body(VersionBody, later)
        if version.artifact != source.artifact or later.seq <= create.seq:
            raise InvalidAction("the version entry in the evidence is not a later version of it")
        licence, sha256 = version.licence, version.version.sha256
    return Proved(
        title=created.title, licence=licence, sha256=sha256, creator=create.author,
        evidence="proved",
    )  # fmt: skip


def _entry(line: str, n: int) -> Entry:
    try:
        entry = parse_entry(line.encode())
    except CommonworkError as exc:
        raise InvalidAction(f"evidence line {n + 1} is not an entry: {exc.detail}") from exc
    check_entry_signatures(entry)  # BadSignature names which signature fails
    return entry


def _body(model: type[Any], entry: Entry) -> Any:
    try:
        return model.model_validate(entry.body_json(), strict=True)
    except ValueError as exc:
        raise InvalidAction(f"evidence entry {entry.seq} has a body its type refuses") from exc


# --- the rule --------------------------------------------------------------------------------


def pair_key(commons: str, artifact: str) -> str:
    return f"{commons}:{artifact}"


def _source_facts(
    state: State, ctx: Context, body: DerivationBody
) -> tuple[str, Proved, int | None]:
    """(source commons — "" for this commons —, what the source is, its version number if of
    this commons). A source of this commons is stored without the commons' id, so that a fork's
    rows are the parent's (the fork carries them as they are, and a replay under either id
    agrees)."""
    source = body.source
    if source.commons is None or source.commons == ctx.commons_id:
        if source.commons is not None:
            raise InvalidAction(
                "a source of this commons is named without 'commons' (it is read from the record)"
            )
        row = artifact_row(state, ctx.commons_id, source.artifact)
        number = source.version or int(row["versions"])
        version = state.get(artifact_versions, (ctx.commons_id, source.artifact, number))
        if version is None:
            raise NotFound(f"{row['title']} has no version {number} (it has {row['versions']})")
        return (
            LOCAL,
            Proved(
                title=row["title"],
                licence=version["licence"],
                sha256=version["sha256"],
                creator=row["creator"],
                evidence="local",
            ),
            number,
        )
    return source.commons, prove(source), None


def check_record(state: State, ctx: Context) -> None:
    body: DerivationBody = ctx.body
    active_member(state, ctx.commons_id, ctx.author)
    derived = artifact_row(state, ctx.commons_id, body.derived)
    if ctx.author != derived["creator"] and ctx.author not in licensors(
        state, ctx.commons_id, derived
    ):
        raise NotAllowed(
            "only the derived artifact's creator or its licensors record what it was derived from",
            reason="not_a_licensor",
        )
    source_commons, proved, _number = _source_facts(state, ctx, body)
    if body.kind == "adaptation" and body.changed is False:
        raise InvalidAction("an adaptation is a changed work: leave 'changed' out or true")
    if source_commons == LOCAL:
        if body.source.artifact == body.derived:
            raise InvalidAction("an artifact is not derived from itself")
        if _reaches(state, ctx.commons_id, body.source.artifact, body.derived):
            raise NotAllowed(
                "that would make a circle: the source was itself derived (maybe through others) "
                "from this artifact",
                reason="circular",
            )
    held = state.get(
        derivation_pairs,
        (ctx.commons_id, body.derived, pair_key(source_commons, body.source.artifact)),
    )
    if held is not None:
        raise AlreadyDone(
            f"this derivation is recorded already ({held['derivation_id']})", reason="recorded"
        )
    decision = decide(proved.licence, derived["licence"], body.kind)
    if decision.decision == "refuse":
        raise NotAllowed(
            f"{proved.title} is under {proved.licence}, which does not allow "
            f"{'an' if body.kind[0] in 'aeiou' else 'a'} {body.kind} of it "
            f"under {derived['licence']}: {refusal_text(decision)}",
            reason="licence_incompatible",
        )


def _reaches(state: State, commons_id: str, start: str, target: str) -> bool:
    """Whether ``target`` is among ``start``'s sources in this commons, directly or not."""
    seen: set[str] = set()
    todo = [start]
    prefix = pair_key(LOCAL, "")
    while todo:
        current = todo.pop()
        if current == target:
            return True
        if current in seen:
            continue
        seen.add(current)
        for pair in state.scan(derivation_pairs, (commons_id, current)):
            if pair["source"].startswith(prefix):
                todo.append(pair["source"][len(prefix) :])
    return False


def apply_record(state: State, ctx: Context) -> None:
    body: DerivationBody = ctx.body
    derived = artifact_row(state, ctx.commons_id, body.derived)
    source_commons, proved, number = _source_facts(state, ctx, body)
    decision = decide(proved.licence, derived["licence"], body.kind)
    status = "allowed"
    if decision.decision == "review" or proved.evidence == "unproved":
        status = "needs_review"
    notes = list(decision.notes)
    if proved.evidence == "unproved":
        notes.append("the source's title and licence are claimed, not proved by its entries")
    state.insert(
        derivations,
        {
            "commons_id": ctx.commons_id,
            "derivation_id": ctx.entry.id,
            "derived": body.derived,
            "source_commons": source_commons,
            "source": body.source.artifact,
            "source_version": number,
            "source_sha256": proved.sha256,
            "source_title": proved.title,
            "source_licence": proved.licence,
            "source_creator": proved.creator,
            "evidence": proved.evidence,
            "derived_licence": derived["licence"],
            "kind": body.kind,
            "weight": body.weight,
            "changed": int(body.changed if body.changed is not None else body.kind == "adaptation"),
            "status": status,
            "decision": text_of(
                {
                    "decision": decision.decision,
                    "citations": [citation.key for citation in decision.citations],
                    "notes": notes,
                }
            ),
            "reviewed_by": None,
            "recorded_by": ctx.author,
            "seq": ctx.entry.seq,
            "recorded_at": ctx.entry.recorded_at,
        },
    )
    state.put(
        derivation_pairs,
        {
            "commons_id": ctx.commons_id,
            "derived": body.derived,
            "source": pair_key(source_commons, body.source.artifact),
            "derivation_id": ctx.entry.id,
        },
    )
    state.put(artifacts, {**derived, "sources": int(derived["sources"]) + 1})
    if source_commons == LOCAL:
        source = artifact_row(state, ctx.commons_id, body.source.artifact)
        state.put(artifacts, {**source, "reusers": int(source["reusers"]) + 1})
    if status == "needs_review":
        open_case(state, ctx, CASE_KIND, ctx.entry.id, ctx.entry.seq)


# --- review by an arbitration case ----------------------------------------------------------

#: The kind of an arbitration case about a derivation that needs review.
CASE_KIND = "derivation"
#: What a case's verdict makes of the derivation.
REVIEWED = {"accept": "allowed", "reject": "refused"}


def _excluded(state: State, commons_id: str, case: Row) -> set[str]:
    """Who may not sit on a derivation's panel: the derived artifact's creator and licensors
    (as of the draw), and whoever recorded the derivation."""
    row = state.get(derivations, (commons_id, case["subject"]))
    if row is None:
        return set()
    out = {row["recorded_by"]}
    derived = state.get(artifacts, (commons_id, row["derived"]))
    if derived is not None:
        out |= {derived["creator"], *licensors(state, commons_id, derived)}
    return out


def _apply_verdict(state: State, commons_id: str, case: Row, verdict: str, at: str) -> None:
    """The case's verdict, at its decision: ``accept`` allows the derivation, ``reject``
    refuses it; ``reviewed_by`` names the case (whose page says who decided, and why)."""
    row = state.get(derivations, (commons_id, case["subject"]))
    status = REVIEWED.get(verdict)
    if row is None or status is None:
        return
    state.put(derivations, {**row, "status": status, "reviewed_by": case["case_id"]})


CASE_SUBJECTS = (
    CaseSubject(
        kind=CASE_KIND,
        summary="A derivation whose licences the table cannot decide, or whose source of another "
        "commons is not proved: accept (allowed) or reject (refused)",
        verdicts=tuple(REVIEWED),
        excluded=_excluded,
        apply=_apply_verdict,
    ),
)


def events(state: State, ctx: Context) -> Sequence[Event]:
    """A derivation recorded in need of review: the panel drawn for its case hears of it."""
    if ctx.entry.type != RECORD:
        return ()
    case = state.get(cases, (ctx.commons_id, ctx.entry.id))
    if case is None:
        return ()
    return [
        Event(member, "governance.case.drawn", case["case_id"])
        for member in orjson.loads(case["panel"])
    ]


def _reads_record(commons_id: str, author: str, body: Any) -> list[tuple[Any, Key]]:
    reads: list[tuple[Any, Key]] = [(artifacts, (commons_id, body.derived))]
    if body.source.commons is None:
        reads.append((artifacts, (commons_id, body.source.artifact)))
    return reads


ACTIONS = (
    ActionSpec(
        type=RECORD,
        summary="Record what an artifact of this commons was derived from (adaptation, "
        "collection, use or copy): an artifact of this commons, or of another proved by its "
        "signed entries; refused when the licences are clearly incompatible, needs review when "
        "the licence table cannot tell",
        body=DerivationBody,
        check=check_record,
        apply=apply_record,
        reads=_reads_record,
    ),
)

__all__ = ["ACTIONS", "CASE_SUBJECTS", "KINDS", "prove"]
