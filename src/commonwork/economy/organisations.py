"""The triarchy's other agents: organisations with a key (a did) of their own.

An organisation declares itself with its own key — its name, its form and, for a worker
cooperative, the evidence of its claim to be worker-owned (a registry id and its statutes by
sha256) — and names the people who act for it. Its representatives are added and removed by its
key or its current representatives. Each commons has at most one for-benefit association (it
holds the treasury and keeps the infrastructure): it is declared with a representative who is
the founder or holds the ``association`` role by decision, so that nobody else can claim it.

An organisation declares its use of the commons, or of one of its artifacts, with the licence
terms it relies on (``economy.use.declare``); the property area checks them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from commonwork.commons.actions import active_member, commons_row
from commonwork.commons.charter import Name
from commonwork.commons.charter_licence import Licence
from commonwork.economy.tables import org_uses, organisations, representatives
from commonwork.errors import AlreadyDone, NotAllowed, NotFound
from commonwork.governance.clock import governance_now, text_of
from commonwork.governance.proposals import holds_role
from commonwork.journal.area import EffectSpec, installed_guards
from commonwork.journal.projection import ActionSpec, Context, Key, Row, State
from commonwork.production.tables import contributions

Did = Annotated[str, StringConstraints(pattern=r"^did:key:z[1-9A-HJ-NP-Za-km-z]{20,60}$")]
EntryId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Purpose = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S{1,2000}$")]

#: for-benefit association, worker cooperative, non-profit, public body, for-profit company
FORMS = ("association", "worker_coop", "non_profit", "public_body", "company")
Form = Literal["association", "worker_coop", "non_profit", "public_body", "company"]
FORM_NAMES = {
    "association": "for-benefit association",
    "worker_coop": "worker cooperative",
    "non_profit": "non-profit",
    "public_body": "public body",
    "company": "for-profit company",
}


class Evidence(BaseModel):
    """What backs an organisation's declaration: its id in a public registry, its statutes by
    sha256 (the file itself lives elsewhere), where to read them."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    registry_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = (
        None
    )
    statutes_sha256: Sha256 | None = None
    url: Url | None = None


class DeclareBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    org: Did
    name: Name
    form: Form
    purpose: Purpose = ""
    evidence: Evidence = Evidence()
    #: The people who act for it (first declaration): at least one.
    representatives: list[Did] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _complete(self) -> DeclareBody:
        if self.form == "worker_coop" and (
            self.evidence.registry_id is None or self.evidence.statutes_sha256 is None
        ):
            raise ValueError(
                "a worker cooperative's claim to be worker-owned carries evidence: its registry "
                "id (evidence.registry_id) and its statutes by sha256 (evidence.statutes_sha256)"
            )
        if len(set(self.representatives)) != len(self.representatives):
            raise ValueError("a representative is named twice")
        if self.org in self.representatives:
            raise ValueError("the organisation's own key acts for it already: name people")
        return self


class RepresentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    org: Did
    add: list[Did] = Field(default_factory=list, max_length=50)
    remove: list[Did] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _something(self) -> RepresentBody:
        if not self.add and not self.remove:
            raise ValueError("say whom to add or remove")
        if set(self.add) & set(self.remove) or len(set(self.add)) != len(self.add):
            raise ValueError("a representative is named twice")
        if self.org in self.add:
            raise ValueError("the organisation's own key acts for it already: name people")
        return self


class UseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    org: Did
    #: "commons", or the id of an artifact of this commons (``property.artifact.create``'s
    #: entry; an artifact contribution's id before the property area existed).
    subject: Literal["commons"] | EntryId = "commons"
    #: The licence terms relied on (SPDX expressions).
    terms: list[Licence] = Field(min_length=1, max_length=10)
    purpose: Purpose = ""
    #: Whether the use is commercial (selling it, or what is made with it): the property area
    #: checks it against the artifact's licence (NC licences forbid it; the Peer Production
    #: License allows it to worker-owned enterprises and licenses it to others).
    commercial: bool = False


def org_row(state: State, commons_id: str, org: str) -> Row:
    row = state.get(organisations, (commons_id, org))
    if row is None:
        raise NotFound(
            f"{org} has not declared itself in this commons (economy.org.declare, signed with "
            "the organisation's own key)"
        )
    return row


def acts_for(state: State, commons_id: str, org: str, author: str) -> bool:
    """Whether ``author`` acts for the organisation: its own key, or a current representative."""
    if author == org:
        return True
    held = state.get(representatives, (commons_id, org, author))
    return held is not None and held["removed_at"] is None


def check_acts_for(state: State, ctx: Context, org: str) -> Row:
    row = org_row(state, ctx.commons_id, org)
    if not acts_for(state, ctx.commons_id, org, ctx.author):
        raise NotAllowed(
            f"only {row['name']}'s own key or its current representatives act for it",
            reason="not_a_representative",
        )
    return row


def association_of(state: State, commons_id: str) -> Row | None:
    """The commons' for-benefit association, if one declared itself."""
    for row in state.scan_commons(organisations, commons_id):
        if row["form"] == "association":
            return row
    return None


def check_declare(state: State, ctx: Context) -> None:
    body: DeclareBody = ctx.body
    commons_row(state, ctx.commons_id)
    held = state.get(organisations, (ctx.commons_id, body.org))
    if held is None:
        if ctx.author != body.org:
            raise NotAllowed(
                "an organisation declares itself first with its own key (its did signs): that "
                "shows the key is its",
                reason="not_the_organisation",
            )
        if not body.representatives:
            raise NotAllowed(
                "name at least one person who acts for the organisation (representatives)",
                reason="no_representative",
            )
    else:
        check_acts_for(state, ctx, body.org)
        if body.representatives:
            raise NotAllowed(
                "representatives are added and removed with economy.org.represent once the "
                "organisation has declared itself",
                reason="use_represent",
            )
    if body.form == "association" and (held is None or held["form"] != "association"):
        _check_association(state, ctx, body, held)


def _check_association(state: State, ctx: Context, body: DeclareBody, held: Row | None) -> None:
    other = association_of(state, ctx.commons_id)
    if other is not None:
        raise AlreadyDone(
            f"this commons' for-benefit association is {other['name']} ({other['org']}): there "
            "is one per commons",
            reason="association_declared",
        )
    people = list(body.representatives)
    if held is not None:
        people = [
            row["member"]
            for row in state.scan(representatives, (ctx.commons_id, body.org))
            if row["removed_at"] is None
        ]
    if not any(
        holds_role(state, ctx.commons_id, person, role)
        for person in people
        for role in ("founder", "association")
    ):
        raise NotAllowed(
            "the for-benefit association is declared with a representative who is the founder "
            "or holds the association role by decision (grant_role)",
            reason="not_the_association",
        )


def apply_declare(state: State, ctx: Context) -> None:
    body: DeclareBody = ctx.body
    key = (ctx.commons_id, body.org)
    held = state.get(organisations, key)
    at = ctx.entry.recorded_at
    row: dict[str, Any] = {
        "commons_id": ctx.commons_id,
        "org": body.org,
        "name": body.name,
        "form": body.form,
        "evidence": text_of(body.evidence.model_dump(exclude_none=True)),
        "purpose": body.purpose,
        "declared_seq": ctx.entry.seq if held is None else held["declared_seq"],
        "declared_at": at if held is None else held["declared_at"],
        "updated_entry": ctx.entry.id,
        "updated_at": at,
        "representatives": 0 if held is None else held["representatives"],
        "claim": "declared" if held is None else held["claim"],
        "claim_by": None if held is None else held["claim_by"],
    }
    if (
        held is not None
        and (held["form"], held["evidence"]) != (row["form"], row["evidence"])
        and held["claim"] not in ("contested", "rejected")
    ):
        # A new claim, judged afresh. A contested or rejected claim stays so: declaring again
        # does not answer the members (a member contests anew, and they decide it).
        row["claim"], row["claim_by"] = "declared", None
    for person in body.representatives:
        _add(state, ctx, body.org, person)
        row["representatives"] += 1
    state.put(organisations, row)


def _add(state: State, ctx: Context, org: str, person: str) -> None:
    state.put(
        representatives,
        {
            "commons_id": ctx.commons_id,
            "org": org,
            "member": person,
            "added_by": ctx.author,
            "added_entry": ctx.entry.id,
            "added_at": ctx.entry.recorded_at,
            "removed_by": None,
            "removed_at": None,
        },
    )


def check_represent(state: State, ctx: Context) -> None:
    body: RepresentBody = ctx.body
    check_acts_for(state, ctx, body.org)
    for person in body.add:
        if acts_for(state, ctx.commons_id, body.org, person):
            raise AlreadyDone(f"{person} acts for it already", reason="representative")
    for person in body.remove:
        if person == body.org or not acts_for(state, ctx.commons_id, body.org, person):
            raise NotFound(f"{person} is not among its representatives")


def apply_represent(state: State, ctx: Context) -> None:
    body: RepresentBody = ctx.body
    row = dict(org_row(state, ctx.commons_id, body.org))
    for person in body.add:
        _add(state, ctx, body.org, person)
    for person in body.remove:
        held = state.get(representatives, (ctx.commons_id, body.org, person))
        if held is not None:
            removed = {"removed_by": ctx.author, "removed_at": ctx.entry.recorded_at}
            state.put(representatives, {**held, **removed})
    row["representatives"] += len(body.add) - len(body.remove)
    state.put(organisations, row)


def check_use(state: State, ctx: Context) -> None:
    body: UseBody = ctx.body
    check_acts_for(state, ctx, body.org)
    if body.subject != "commons" and "economy.use.declare" not in installed_guards():
        # Without an area that knows artifacts (property), an artifact contribution is one.
        found = state.get(contributions, (ctx.commons_id, body.subject))
        if found is None or found["kind"] != "artifact":
            raise NotFound(
                f"there is no artifact {body.subject} in this commons (name an artifact "
                "contribution's id, or 'commons')"
            )


def apply_use(state: State, ctx: Context) -> None:
    body: UseBody = ctx.body
    state.insert(
        org_uses,
        {
            "commons_id": ctx.commons_id,
            "use_id": ctx.entry.id,
            "org": body.org,
            "subject": body.subject,
            "terms": text_of(list(body.terms)),
            "purpose": body.purpose,
            "commercial": int(body.commercial),
            "declared_by": ctx.author,
            "seq": ctx.entry.seq,
            "recorded_at": ctx.entry.recorded_at,
        },
    )


class ContestBody(BaseModel):
    """A member contests what an organisation claims to be (a worker cooperative that is not
    worker-owned, a non-profit that distributes its surplus…): the members then decide it by
    the charter's arbitration rule (a proposal with the effect ``org_claim``)."""

    model_config = ConfigDict(extra="forbid")
    org: Did
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class ClaimEffect(BaseModel):
    """The members' verdict on a contested claim: upheld or rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["org_claim"]
    org: Did
    verdict: Literal["upheld", "rejected"]


def check_contest(state: State, ctx: Context) -> None:
    body: ContestBody = ctx.body
    active_member(state, ctx.commons_id, ctx.author)
    row = org_row(state, ctx.commons_id, body.org)
    if row["form"] == "company":
        raise NotAllowed(
            "a for-profit company claims nothing beyond what it is: there is nothing to contest",
            reason="nothing_claimed",
        )
    if row["claim"] == "contested":
        raise AlreadyDone("its claim is contested already: the members decide it", reason="open")


def apply_contest(state: State, ctx: Context) -> None:
    body: ContestBody = ctx.body
    row = org_row(state, ctx.commons_id, body.org)
    state.put(organisations, {**row, "claim": "contested", "claim_by": ctx.entry.id})


def check_claim(state: State, commons_id: str, effect: ClaimEffect, at: str) -> None:
    row = org_row(state, commons_id, effect.org)
    if row["claim"] != "contested":
        raise NotAllowed(
            f"{row['name']}'s claim is {row['claim']}, not contested: contest it first",
            reason="not_contested",
        )


def apply_claim(
    state: State, commons_id: str, effect: ClaimEffect, proposal_id: str, at: str
) -> None:
    row = state.get(organisations, (commons_id, effect.org))
    if row is None or row["claim"] != "contested":
        return  # declared anew since: that claim is judged afresh
    state.put(organisations, {**row, "claim": effect.verdict, "claim_by": proposal_id})


def _claim_rule(state: State, commons_id: str, _effect: Any) -> Any:
    return governance_now(state, commons_id).arbitration.appeals


EFFECTS = (
    EffectSpec(
        kind="org_claim",
        summary="Decide a contested claim of an organisation (upheld or rejected), by the "
        "charter's arbitration rule",
        body=ClaimEffect,
        rule=_claim_rule,
        apply=apply_claim,
        check=check_claim,
    ),
)


def _reads_org(commons_id: str, author: str, body: Any) -> list[tuple[Any, Key]]:
    return [
        (organisations, (commons_id, body.org)),
        (representatives, (commons_id, body.org, author)),
    ]


ACTIONS = (
    ActionSpec(
        type="economy.org.contest",
        summary="Contest what an organisation claims to be (worker-owned, non-profit…): the "
        "members then decide it by the charter's arbitration rule",
        body=ContestBody,
        check=check_contest,
        apply=apply_contest,
        reads=_reads_org,
    ),
    ActionSpec(
        type="economy.org.declare",
        summary="Declare an organisation (signed first with its own key): its name, its form "
        "(association, worker_coop, non_profit, public_body, company), its evidence and the "
        "people who act for it; later declarations update it",
        body=DeclareBody,
        check=check_declare,
        apply=apply_declare,
        reads=_reads_org,
    ),
    ActionSpec(
        type="economy.org.represent",
        summary="Add or remove the people who act for an organisation (its key or a current "
        "representative)",
        body=RepresentBody,
        check=check_represent,
        apply=apply_represent,
        reads=_reads_org,
    ),
    ActionSpec(
        type="economy.use.declare",
        summary="Declare an organisation's use of the commons or of one of its artifacts, with "
        "the licence terms it relies on; a commercial use is checked against the licence",
        body=UseBody,
        check=check_use,
        apply=apply_use,
        reads=_reads_org,
    ),
)
