"""The acting commands of ``commonwork artifacts``: create an artifact, record its versions, link
work to it, change its licence by consent, record what it was derived from, and choose the name
attribution shows for you.

Each signs one action as a local identity (``--as``) through the generic door
(:mod:`commonwork.cli.signing`); the property area's rules decide (the licences the charter
allows, every licensor's consent, the licence table for a derivation). A file named with
``--file`` is hashed here (sha256, size, media type): only its digest enters the journal.
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

import click

from commonwork.cli.context import CliState, as_option, commons_argument, json_option, pass_state
from commonwork.cli.output import emit, emit_json, note
from commonwork.cli.signing import sign_and_report
from commonwork.errors import BadInput
from commonwork.services import attribution_names, property_read
from commonwork.services.models import JsonObject
from commonwork.services.models import as_json as json_of

CHUNK = 1 << 20


def _content_options(function: click.decorators.FC) -> click.decorators.FC:
    """The options that describe one version's content."""
    for decorator in reversed(
        (
            click.option(
                "--file", "path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help="The content's file: its sha256, size and media type are read from it "
                "(the file itself stays where it is).",
            ),
            click.option("--sha256", help="The content's sha256 (64 hex), without --file."),
            click.option("--url", help="Where to get the content (https://…)."),
            click.option("--size", type=click.IntRange(min=0), help="Its size in bytes."),
            click.option("--media-type", help="Its media type (text/plain, image/svg+xml…)."),
        )
    ):  # fmt: skip
        function = decorator(function)
    return function


def version_of(
    path: Path | None, sha256: str | None, url: str | None, size: int | None,
    media_type: str | None,
) -> JsonObject:  # fmt: skip
    """A version's body: from the file (hashed here) or from --sha256."""
    if path is None and sha256 is None:
        raise BadInput("give the content's --file, or its --sha256")
    if path is not None and sha256 is not None:
        raise BadInput("give either --file or --sha256, not both")
    if path is not None:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
        sha256 = digest.hexdigest()
        size = path.stat().st_size if size is None else size
        media_type = media_type or mimetypes.guess_type(path.name)[0]
    version: JsonObject = {"sha256": sha256}
    for field, value in (("url", url), ("size", size), ("media_type", media_type)):
        if value is not None:
            version[field] = value
    return version


@click.command("create")
@commons_argument
@click.option("--title", required=True, help="What it is called.")
@click.option(
    "--kind", type=click.Choice(property_read.ARTIFACT_KINDS), required=True,
    help="What it is: a design, code, a document, a data set, or other.",
)  # fmt: skip
@click.option("--description", default="", help="What it is, in a few words.")
@click.option(
    "--licence",
    help="An SPDX expression the charter allows (default: the charter's licence).",
)
@_content_options
@click.option(
    "--contribution", "works", multiple=True,
    help="A contribution that went into it (its id; yours, repeatable).",
)  # fmt: skip
@as_option
@json_option
@pass_state
def create(
    state: CliState, commons_id: str, title: str, kind: str, description: str,
    licence: str | None, path: Path | None, sha256: str | None, url: str | None,
    size: int | None, media_type: str | None, works: tuple[str, ...], identity: str,
    as_json: bool,
) -> None:  # fmt: skip
    """Create an artifact in commons ID with its first version; print its id (the entry id).

    \b
    Example:
      commonwork artifacts create $C --title "Seed press" --kind design \\
        --file press.step --url https://example.org/press.step --licence CC-BY-SA-4.0
    """
    chosen = licence or property_read.allowed_licences(state.node(), commons_id)[0]
    body: JsonObject = {
        "title": title,
        "kind": kind,
        "description": description,
        "licence": chosen,
        "version": version_of(path, sha256, url, size, media_type),
        "contributions": list(works),
    }
    sign_and_report(state, identity, (commons_id, property_read.CREATE, body), as_json, "created")


@click.command("version")
@commons_argument
@click.argument("artifact")
@_content_options
@click.option("--note", default="", help="What changed.")
@click.option("--licence", help="The licence it is released under (default: the artifact's).")
@as_option
@json_option
@pass_state
def version(
    state: CliState, commons_id: str, artifact: str, path: Path | None, sha256: str | None,
    url: str | None, size: int | None, media_type: str | None, note: str, licence: str | None,
    identity: str, as_json: bool,
) -> None:  # fmt: skip
    """Record a new version of ARTIFACT of commons ID (its creator or a licensor).

    \b
    Example:
      commonwork artifacts version $C $A --file press-v2.step --note "Stronger frame"
    """
    body: JsonObject = {
        "artifact": artifact,
        "version": version_of(path, sha256, url, size, media_type),
        "licence": licence or property_read.current_licence(state.node(), commons_id, artifact),
        "note": note,
    }
    action = (commons_id, property_read.VERSION, body)
    sign_and_report(state, identity, action, as_json, "version recorded")


@click.command("link")
@commons_argument
@click.argument("artifact")
@click.option(
    "--contribution", "works", multiple=True, required=True,
    help="A contribution's id (repeatable).",
)  # fmt: skip
@as_option
@json_option
@pass_state
def link(
    state: CliState, commons_id: str, artifact: str, works: tuple[str, ...], identity: str,
    as_json: bool,
) -> None:  # fmt: skip
    """As its creator or a licensor, link contributions to ARTIFACT of commons ID: once
    accepted, their value points are their authors' shares of it.

    \b
    Example:
      commonwork artifacts link $C $A --contribution $WORK --as ben
    """
    body: JsonObject = {"artifact": artifact, "contributions": list(works)}
    sign_and_report(state, identity, (commons_id, property_read.LINK, body), as_json, "linked")


@click.command("licence-change")
@commons_argument
@click.argument("artifact")
@click.option("--licence", required=True, help="The new licence (one the charter allows).")
@click.option("--reason", default="", help="Why (kept in the journal).")
@as_option
@json_option
@pass_state
def licence_change(
    state: CliState, commons_id: str, artifact: str, licence: str, reason: str, identity: str,
    as_json: bool,
) -> None:  # fmt: skip
    """As a licensor, propose to change the licence of ARTIFACT of commons ID; it changes when
    every contributor with a share has consented. Print the change's id.

    \b
    Example:
      commonwork artifacts licence-change $C $A --licence GPL-3.0-or-later --reason "Match"
    """
    body: JsonObject = {"artifact": artifact, "licence": licence, "reason": reason}
    action = (commons_id, property_read.LICENCE_CHANGE, body)
    sign_and_report(state, identity, action, as_json, "licence change proposed")


@click.command("licence-answer")
@commons_argument
@click.argument("change")
@click.option("--consent", "answer", flag_value="consent", help="Consent to the change.")
@click.option("--refuse", "answer", flag_value="refuse", help="Refuse it (it ends).")
@click.option("--withdraw", "answer", flag_value="withdraw", help="Withdraw it (its proposer).")
@as_option
@json_option
@pass_state
def licence_answer(
    state: CliState, commons_id: str, change: str, answer: str | None, identity: str,
    as_json: bool,
) -> None:  # fmt: skip
    """Answer licence change CHANGE of commons ID: consent or refuse (a licensor), or withdraw
    it (its proposer).

    \b
    Example:
      commonwork artifacts licence-answer $C $CHANGE --consent --as cy
    """
    if answer is None:
        raise click.UsageError("say --consent, --refuse or --withdraw")
    body: JsonObject = {"change": change, "answer": answer}
    action = (commons_id, property_read.LICENCE_ANSWER, body)
    sign_and_report(state, identity, action, as_json, f"answered {answer}")


def source_of(
    source: str, version_number: int | None, from_commons: str | None, evidence: Path | None,
    title: str | None, licence: str | None,
) -> JsonObject:  # fmt: skip
    """A derivation's source: of this commons, or of another proved by its evidence file (or
    claimed with its title and licence, to be reviewed)."""
    found: JsonObject = {"artifact": source}
    if from_commons is None:
        if evidence is not None or title is not None or licence is not None:
            raise BadInput("--evidence, --title and --licence name a source of --from-commons")
        if version_number is not None:
            found["version"] = version_number
        return found
    if version_number is not None:
        raise BadInput("another commons' version is the one its evidence proves: leave --version")
    found["commons"] = from_commons
    if evidence is not None:
        found["evidence"] = list(property_read.evidence_lines(evidence.read_text("utf-8")))
    else:
        if title is None or licence is None:
            raise BadInput(
                "a source of another commons is proved by --evidence FILE (what `commonwork "
                "artifacts evidence` prints on its node), or claimed with --title and --licence "
                "(then the members review it)"
            )
        found |= {"title": title, "licence": licence}
    return found


@click.command("derive")
@commons_argument
@click.argument("derived")
@click.option(
    "--kind", type=click.Choice(property_read.DERIVATION_KINDS), required=True,
    help="adaptation: changed or built upon; collection: included whole; use: used or cited, "
    "not copied; copy: a verbatim copy.",
)  # fmt: skip
@click.option("--from", "source", required=True, help="The source artifact's id.")
@click.option("--version", "version_number", type=click.IntRange(min=1),
              help="A source of this commons: which version (default: its latest).")  # fmt: skip
@click.option("--from-commons", help="The source's commons, when it is another commons.")
@click.option(
    "--evidence", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="With --from-commons: the source's signed entries (NDJSON from `artifacts evidence`).",
)  # fmt: skip
@click.option("--title", help="With --from-commons and no evidence: the source's title.")
@click.option("--licence", help="With --from-commons and no evidence: the source's licence.")
@click.option("--weight", type=click.IntRange(1, 10_000), default=1, show_default=True,
              help="Its share among DERIVED's sources (what passes upstream).")  # fmt: skip
@click.option("--changed/--unchanged", default=None,
              help="Whether changes were made (default: only for an adaptation).")  # fmt: skip
@click.option("--note", default="", help="A note.")
@as_option
@json_option
@pass_state
def derive(
    state: CliState, commons_id: str, derived: str, kind: str, source: str,
    version_number: int | None, from_commons: str | None, evidence: Path | None,
    title: str | None, licence: str | None, weight: int, changed: bool | None, note: str,
    identity: str, as_json: bool,
) -> None:  # fmt: skip
    """Record that artifact DERIVED of commons ID was made from another artifact (of this
    commons, or of another proved by its signed entries). Refused, naming the licence clause,
    when the licences are incompatible; recorded as needing review when the licence table
    cannot tell.

    \b
    Example:
      commonwork artifacts evidence $UP $PRESS > press.ndjson   # on the source's node
      commonwork artifacts derive $C $FIRMWARE --kind adaptation --from $PRESS \\
        --from-commons $UP --evidence press.ndjson
    """
    body: JsonObject = {
        "derived": derived,
        "kind": kind,
        "source": source_of(source, version_number, from_commons, evidence, title, licence),
        "weight": weight,
        "note": note,
    }
    if changed is not None:
        body["changed"] = changed
    sign_and_report(state, identity, (commons_id, property_read.DERIVE, body), as_json, "recorded")


@click.command("name")
@commons_argument
@click.option("--set", "name", help="The name attribution shows for you ('' goes back).")
@as_option
@json_option
@pass_state
def name_command(
    state: CliState, commons_id: str, name: str | None, identity: str, as_json: bool
) -> None:
    """Choose (or read) the name attribution shows for you in commons ID: in NOTICE, SPDX and
    REUSE files and on artifact pages. Kept on this node only, never in the journal; without
    one, the name you joined with.

    \b
    Example:
      commonwork artifacts name $C --set "Ada Lovelace" --as ada
    """
    node, did = state.node(), state.keypair(identity).did
    if name is None:
        kept = attribution_names.own_attribution_name(node, did=did, commons_id=commons_id)
    else:
        kept = attribution_names.set_attribution_name(
            node, did=did, commons_id=commons_id, name=name
        )
    if as_json:
        emit_json(json_of(kept))
        return
    emit(kept.shown)
    if not kept.name:
        note("no name chosen: attribution shows the default")


COMMANDS = (create, version, link, licence_change, licence_answer, derive, name_command)
