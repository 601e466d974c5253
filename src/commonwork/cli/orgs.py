"""``commonwork org``: organisations of the triarchy — a for-benefit association, a worker
cooperative, a non-profit, a public body, a company — with a key (a local identity) of their
own.

An organisation declares itself first with its own key (``org declare --as ITS-IDENTITY``),
naming the people who act for it; they, or its key, then add and remove representatives and
declare how it uses the commons, under which licence terms. The economy's rules decide (a
worker cooperative's declaration carries its evidence; one association per commons).
"""

from __future__ import annotations

import click

from commonwork.cli.context import CliState, as_option, commons_argument, json_option, pass_state
from commonwork.cli.output import emit, emit_json
from commonwork.cli.signing import sign_and_report
from commonwork.errors import BadInput
from commonwork.services import books_acting, economy_read
from commonwork.services.models import JsonObject
from commonwork.services.models import as_json as json_of


@click.group("org")
def org_group() -> None:
    """Declare an organisation, name who acts for it and how it uses the commons; read one."""


@org_group.command("declare")
@commons_argument
@click.option("--name", required=True, help="The organisation's name.")
@click.option("--form", type=click.Choice(books_acting.FORMS), required=True)
@click.option("--purpose", default="", help="What it does.")
@click.option("--registry-id", help="Its id in a public registry (a worker_coop needs one).")
@click.option("--statutes-sha256", help="Its statutes' sha256 (a worker_coop needs them).")
@click.option("--url", help="Where to read its statutes or registration.")
@click.option(
    "--representative",
    "people",
    multiple=True,
    help="A person who acts for it (a did; repeatable; at least one the first time).",
)
@click.option(
    "--org", help="The organisation's did, when a representative updates its declaration "
    "(default: the identity of --as, its own key).",
)  # fmt: skip
@as_option
@json_option
@pass_state
def declare(
    state: CliState,
    commons_id: str,
    name: str,
    form: str,
    purpose: str,
    registry_id: str | None,
    statutes_sha256: str | None,
    url: str | None,
    people: tuple[str, ...],
    org: str | None,
    identity: str,
    as_json: bool,
) -> None:
    """Declare an organisation in commons ID, signed first with its own key (--as); a later
    declaration, by it or a representative, updates it. Print the entry id."""
    evidence: JsonObject = {}
    for field, value in (("registry_id", registry_id), ("statutes_sha256", statutes_sha256),
                         ("url", url)):  # fmt: skip
        if value is not None:
            evidence[field] = value
    body: JsonObject = {
        "org": org or state.keypair(identity).did,
        "name": name,
        "form": form,
        "purpose": purpose,
        "evidence": evidence,
        "representatives": list(people),
    }
    action = (commons_id, books_acting.ORG_DECLARE, body)
    sign_and_report(state, identity, action, as_json, "organisation declared")


@org_group.command("represent")
@commons_argument
@click.argument("org")
@click.option("--add", "added", multiple=True, help="A person to act for it (repeatable).")
@click.option("--remove", "removed", multiple=True, help="A person who no longer does.")
@as_option
@json_option
@pass_state
def represent(
    state: CliState,
    commons_id: str,
    org: str,
    added: tuple[str, ...],
    removed: tuple[str, ...],
    identity: str,
    as_json: bool,
) -> None:
    """Add or remove the people who act for organisation ORG in commons ID (as its key or a
    current representative)."""
    if not added and not removed:
        raise BadInput("say whom to --add or --remove")
    body: JsonObject = {"org": org, "add": list(added), "remove": list(removed)}
    action = (commons_id, books_acting.ORG_REPRESENT, body)
    sign_and_report(state, identity, action, as_json, "representatives changed")


@org_group.command("use")
@commons_argument
@click.argument("org")
@click.option(
    "--terms", "terms", multiple=True, required=True,
    help="A licence it relies on (SPDX, e.g. CC-BY-SA-4.0; repeatable).",
)  # fmt: skip
@click.option(
    "--subject", default="commons", show_default=True,
    help="'commons', or the id of an artifact (commonwork artifacts list).",
)  # fmt: skip
@click.option("--purpose", default="", help="What it uses it for.")
@click.option(
    "--commercial", is_flag=True,
    help="A commercial use: checked against the licence (NonCommercial licences refuse it; the "
    "Peer Production License allows worker cooperatives, and others with a licence).",
)  # fmt: skip
@as_option
@json_option
@pass_state
def use(
    state: CliState,
    commons_id: str,
    org: str,
    terms: tuple[str, ...],
    subject: str,
    purpose: str,
    commercial: bool,
    identity: str,
    as_json: bool,
) -> None:
    """Declare organisation ORG's use of commons ID (or of one of its artifacts), with the
    licence terms it relies on."""
    body: JsonObject = {"org": org, "subject": subject, "terms": list(terms), "purpose": purpose}
    if commercial:
        body["commercial"] = True
    action = (commons_id, books_acting.USE_DECLARE, body)
    sign_and_report(state, identity, action, as_json, "use declared")


@org_group.command("show")
@commons_argument
@click.argument("org")
@json_option
@pass_state
def show(state: CliState, commons_id: str, org: str, as_json: bool) -> None:
    """Show organisation ORG of commons ID: its declaration, representatives, uses, money."""
    detail = economy_read.organisation_detail(state.node(), commons_id, org)
    if as_json:
        emit_json(json_of(detail))
        return
    found = detail.organisation
    emit(f"{found.name}  [{found.form_name}]  {found.org}")
    if found.purpose:
        emit(f"  {found.purpose}")
    for field, value in sorted(found.evidence.items()):
        emit(f"  {field}: {value}")
    for person in detail.representatives:
        until = f" (until {person.removed_at})" if person.removed_at else ""
        emit(f"  acts for it: {person.name or person.member}{until}")
    for item in detail.uses:
        emit(f"  uses {item.subject} under {', '.join(item.terms)}: {item.purpose}")


@org_group.command("contest")
@commons_argument
@click.argument("org")
@click.option("--reason", required=True, help="Why its claim does not hold (kept in the journal).")
@as_option
@json_option
@pass_state
def contest(
    state: CliState, commons_id: str, org: str, reason: str, identity: str, as_json: bool
) -> None:
    """As a member of commons ID, contest what organisation ORG claims to be (worker-owned,
    non-profit…); the members then decide it by the charter's arbitration rule (a proposal
    with the effect {"kind": "org_claim", "org": ORG, "verdict": "upheld" | "rejected"})."""
    body: JsonObject = {"org": org, "reason": reason}
    action = (commons_id, books_acting.ORG_CONTEST, body)
    sign_and_report(state, identity, action, as_json, "claim contested")
