"""Copyfarleft: the commercial use an organisation declares (``economy.use.declare`` with
``commercial: true``), checked against the licence of what it uses.

* Under a licence that allows commercial use (MIT, the GPL family, CC BY, CC BY-SA…): allowed.
* Under a NonCommercial licence (CC BY-NC, CC BY-NC-SA §2(a)(1)): refused, whoever asks.
* Under the Peer Production License (§4(b)-(d)): allowed to a worker-owned enterprise that
  distributes its surplus to its worker-owners — a ``worker_coop`` whose claim stands (declared
  with its evidence, or upheld; not contested or rejected). Anyone else needs a licence from the
  licensors: when the charter carries the licensing mandate (``property.licensing_mandate``) the
  for-benefit association (declared in the commons) grants it against a benefit-sharing
  agreement, so an organisation with an active agreement with the commons is allowed;
  otherwise the refusal names whom to ask (the artifact's licensors).
* A licence the table does not know is treated like the PPL's second case: a licence from the
  licensors (or the mandate) is needed.

``A OR B`` lets the user take the better branch; ``A AND B`` is decided by its worse part.
"""

from __future__ import annotations

import orjson

from commonwork.commons.actions import commons_row
from commonwork.commons.charter_property import property_of
from commonwork.economy.agreements import period_start, share_text
from commonwork.economy.organisations import UseBody, association_of, org_row
from commonwork.economy.tables import agreements
from commonwork.errors import InvalidAction, NotAllowed, NotFound
from commonwork.journal.area import Guard
from commonwork.journal.projection import Context, State
from commonwork.production.contribution_bodies import row_shares
from commonwork.production.tables import contributions
from commonwork.property.artifacts import licensors
from commonwork.property.licences import Commercial, alternatives, clause_text, commercial_use
from commonwork.property.tables import artifacts

#: An organisation's claim to be worker-owned stands unless contested or rejected.
_STANDING_CLAIMS = ("declared", "upheld")


def _subject(state: State, ctx: Context, body: UseBody) -> tuple[str, str, list[str]]:
    """(what is used, its licence, its licensors) — NotFound for an unknown artifact."""
    charter = orjson.loads(commons_row(state, ctx.commons_id)["charter"])
    if body.subject == "commons":
        return f"the commons {charter['name']}", str(charter["licence"]), []
    row = state.get(artifacts, (ctx.commons_id, body.subject))
    if row is not None:
        return row["title"], row["licence"], licensors(state, ctx.commons_id, row)
    found = state.get(contributions, (ctx.commons_id, body.subject))
    if found is not None and found["kind"] == "artifact":  # recorded before artifacts existed
        authors = [member for member, _ in row_shares(found["contributor"], found["co_authors"])]
        return f"artifact contribution {body.subject}", str(charter["licence"]), authors
    raise NotFound(
        f"there is no artifact {body.subject} in this commons (name an artifact's id, or 'commons')"
    )


def has_agreement(state: State, commons_id: str, org: str, day: str, min_bp: int) -> bool:
    """Whether the organisation has a benefit-sharing agreement with the commons that counts
    for the mandate on ``day``: active, begun (its first period has started), not ending (no
    last period set) and, sharing revenue, pledging at least the charter's least share. (A
    commons' agreements are few: they are scanned.)"""
    return any(
        row["org"] == org
        and row["status"] == "active"
        and row["last"] is None
        and period_start(str(row["starts"])) <= day
        and (row["basis"] != "revenue_share" or int(row["share_bp"] or 0) >= min_bp)
        for row in state.scan_commons(agreements, commons_id)
    )


def decide_use(state: State, ctx: Context) -> tuple[str, Commercial, list[str]]:
    """(what is used, the decision, its licensors) for a declared commercial use."""
    body: UseBody = ctx.body
    what, licence, people = _subject(state, ctx, body)
    if body.subject != "commons" and state.get(artifacts, (ctx.commons_id, body.subject)):
        # The use relies on the terms it names (each the licence or one of its choices: the
        # rule checked it), so those decide: PPL named from "PPL OR MIT" is used under the PPL.
        licence = " OR ".join(f"({term})" for term in body.terms)
    org = org_row(state, ctx.commons_id, body.org)
    worker_owned = org["form"] == "worker_coop" and org["claim"] in _STANDING_CLAIMS
    charter = orjson.loads(commons_row(state, ctx.commons_id)["charter"])
    terms = property_of(charter)
    mandated = (
        terms.licensing_mandate
        and association_of(state, ctx.commons_id) is not None
        and has_agreement(
            state,
            ctx.commons_id,
            body.org,
            ctx.entry.recorded_at[:10],
            terms.licensing_min_share_bp,
        )
    )
    return what, commercial_use(licence, worker_owned=worker_owned, mandated=mandated), people


def check_use(state: State, ctx: Context) -> None:
    body: UseBody = ctx.body
    what, licence, _people = _subject(state, ctx, body)
    if body.subject != "commons" and state.get(artifacts, (ctx.commons_id, body.subject)):
        choices = alternatives(licence)
        wrong = [term for term in body.terms if term not in choices]
        if wrong:
            raise InvalidAction(
                f"{what} is under {licence}: the terms a use relies on are its licence or one "
                f"of its choices ({', '.join(choices)}), not {', '.join(wrong)}"
            )
    if not body.commercial:
        return
    _what, found, people = decide_use(state, ctx)
    cited = "; ".join(clause_text(citation) for citation in found.citations)
    if found.decision == "refuse":
        raise NotAllowed(
            f"{what} is under {licence}, which allows no commercial use: {cited}",
            reason="noncommercial",
        )
    if found.decision == "licence":
        org = org_row(state, ctx.commons_id, body.org)
        charter = orjson.loads(commons_row(state, ctx.commons_id)["charter"])
        if property_of(charter).licensing_mandate and association_of(state, ctx.commons_id) is None:
            how = (
                "the charter's licensing mandate lets the for-benefit association license it, "
                "but no association has declared itself in this commons yet "
                "(economy.org.declare with the form association)"
            )
        elif property_of(charter).licensing_mandate:
            how = (
                "the charter's licensing mandate lets the for-benefit association license it "
                "against a benefit-sharing agreement: sign one with the commons "
                "(economy.agreement.sign; begun, open-ended, and sharing at least "
                f"{share_text(property_of(charter).licensing_min_share_bp)}% of revenue if it "
                "shares revenue), then declare the use again"
            )
        else:
            whom = ", ".join(people) or "the commons' contributors"
            how = (
                f"ask its licensors for a licence: {whom} (or the members may give the "
                "association a licensing mandate in the charter, property.licensing_mandate)"
            )
        standing = (
            f"its claim to be worker-owned is {org['claim']}"
            if org["form"] == "worker_coop"
            else f"it is a {org['form'].replace('_', ' ')}, not a worker-owned enterprise"
        )
        raise NotAllowed(
            f"{what} is under {licence}: commercial use by {org['name']} needs a licence, since "
            f"{standing}. {cited + '. ' if cited else ''}To use it commercially, {how}",
            reason="needs_licence",
        )


GUARDS = (
    Guard(
        type="economy.use.declare",
        summary="A declared use names an artifact of the commons; a commercial use is checked "
        "against its licence (NC refuses; the PPL allows worker-owned enterprises, and others "
        "under the licensing mandate with a benefit-sharing agreement)",
        check=check_use,
    ),
)
