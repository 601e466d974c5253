"""Attribution for an artifact, generated from its record (docs/design/property.md, step 4).

The caller folds the journal's projection into an :class:`ArtifactRecord` (the contributors
with the display names they chose, the versions, the works it was derived from); everything
here is a pure function of that record, so the same record gives the same bytes, and no clock
is read:

* :func:`notice_text`: a CREDITS/NOTICE text in the TASL form (title, author, source, licence)
  for the artifact and for every work it was made from, saying "changes were made" for
  adaptations;
* :func:`spdx_document` / :func:`spdx_json` / :func:`validate`: an SPDX 2.3 document built from
  spdx-tools' model, written by its JSON writer and checked by its validator;
* :func:`reuse_toml` / :func:`reuse_tree`: a REUSE.toml and a small tree (LICENSES/, NOTICE,
  the SPDX JSON) that ``reuse lint`` accepts.

Licences. Expressions are read with ``license-expression``'s SPDX licensing, the one spdx-tools
validates with. The Peer Production License is written ``LicenseRef-PPL`` (with its text, as an
extracted licensing info in SPDX and as ``LICENSES/LicenseRef-PPL.txt`` for REUSE): the id
``PPL`` is on recent SPDX licence lists only (license-expression 30.4 knows it, 30.3 does not),
and a ``LicenseRef-`` is valid for every reader. Any other ``LicenseRef-*`` gets an extracted
licensing info entry too; its text is not in the record, so the entry says so and where to ask.
The licence texts shipped in ``licence_texts/`` are the SPDX licence list's (see its README).

spdx-tools marks ``spdx_tools.spdx`` typed (``py.typed``) but not ``spdx_tools.common``:
``pyproject.toml`` lets mypy skip ``spdx_tools.common`` (and ``license_expression``, whose
``Licensing`` its ``spdx_licensing`` is), like the other libraries without type information.
"""

from __future__ import annotations

import io
import re
import tomllib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from license_expression import AND, OR, LicenseSymbol, LicenseWithExceptionSymbol
from spdx_tools.common.spdx_licensing import (
    spdx_licensing,
)
from spdx_tools.spdx.model.actor import Actor, ActorType
from spdx_tools.spdx.model.checksum import Checksum, ChecksumAlgorithm
from spdx_tools.spdx.model.document import CreationInfo, Document
from spdx_tools.spdx.model.extracted_licensing_info import ExtractedLicensingInfo
from spdx_tools.spdx.model.package import Package, PackagePurpose
from spdx_tools.spdx.model.relationship import Relationship, RelationshipType
from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
from spdx_tools.spdx.validation.uri_validators import validate_download_location, validate_url
from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

from commonwork.journal.actions import parse_time
from commonwork.property import licences

ARTIFACT_KINDS = ("design", "code", "document", "dataset", "other")
SOURCE_KINDS = licences.KINDS  # adaptation, collection, use, copy

#: Where an artifact's page lives under the node's public URL (``ArtifactRecord.base_url``).
ARTIFACT_PATH = "/commons/{commons_id}/artifacts/{artifact_id}"

#: The SPDX document's data licence (SPDX 2.3 §6.2: always CC0-1.0).
SPDX_DATA_LICENCE = "CC0-1.0"

_PPL_REF = "LicenseRef-PPL"
_LICENSE_REF = re.compile(r"LicenseRef-[0-9A-Za-z.-]+")
_SHA256 = re.compile(r"[0-9a-f]{64}")


# -- the record ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contributor:
    """A contributor with a share of the artifact. ``name`` is the display name they chose (the
    caller falls back to a short did when they chose none)."""

    did: str
    name: str
    share_milli: int


@dataclass(frozen=True)
class Version:
    """One recorded version of the artifact; ``recorded_at`` as the journal writes times
    (2026-11-21T10:00:00.123Z)."""

    number: int
    sha256: str
    url: str | None
    size: int | None
    media_type: str | None
    recorded_at: str


@dataclass(frozen=True)
class SourceWork:
    """A work the artifact was derived from. ``kind`` is the derivation's (adaptation,
    collection, use, copy); ``changed`` says changes were made even where the kind alone does
    not (a collected work adjusted to fit, say)."""

    title: str
    commons_id: str
    artifact_id: str
    licence: str
    url: str | None
    authors: tuple[str, ...]
    kind: str
    changed: bool = False

    @property
    def adapted(self) -> bool:
        return self.kind == "adaptation" or self.changed


@dataclass(frozen=True)
class ArtifactRecord:
    """What attribution is generated from. ``licence`` is an SPDX expression (``PPL`` and
    ``LicenseRef-*`` allowed); ``base_url`` is the node's public URL, for links (None: no
    links); ``created_at`` as the journal writes times."""

    commons_id: str
    commons_name: str
    artifact_id: str
    title: str
    kind: str
    licence: str
    versions: tuple[Version, ...]
    contributors: tuple[Contributor, ...]
    sources: tuple[SourceWork, ...]
    created_at: str
    base_url: str | None = None


def _check(record: ArtifactRecord) -> None:
    """ValueError on a record attribution cannot be written for."""
    if record.kind not in ARTIFACT_KINDS:
        raise ValueError(f"artifact kind {record.kind!r} is not one of {', '.join(ARTIFACT_KINDS)}")
    if not record.versions:
        raise ValueError(f"artifact {record.artifact_id} has no version")
    numbers = [v.number for v in record.versions]
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"artifact {record.artifact_id}: version numbers repeat: {numbers}")
    for source in record.sources:
        if source.kind not in SOURCE_KINDS:
            raise ValueError(
                f"source {source.artifact_id}: kind {source.kind!r} is not one of "
                f"{', '.join(SOURCE_KINDS)}"
            )
    for text in (record.created_at, *(v.recorded_at for v in record.versions)):
        parse_time(text)


def _latest(record: ArtifactRecord) -> Version:
    return max(record.versions, key=lambda v: v.number)


def _contributors(record: ArtifactRecord) -> list[Contributor]:
    """By share, largest first, then by name (then did, so that equal names stay ordered)."""
    return sorted(record.contributors, key=lambda c: (-c.share_milli, _name(c), c.did))


def _name(contributor: Contributor) -> str:
    """The chosen name on one line (the did if the name is blank)."""
    return _one_line(contributor.name) or contributor.did


def _sources(record: ArtifactRecord) -> list[SourceWork]:
    """In an order that does not depend on how the caller's query returned them."""
    return sorted(
        record.sources,
        key=lambda s: (s.commons_id, s.artifact_id, SOURCE_KINDS.index(s.kind), s.title, s.changed),
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _years(record: ArtifactRecord) -> str:
    """The artifact's years: from its creation to its latest version (``2025-2026``)."""
    first = int(record.created_at[:4])
    last = max(first, *(int(v.recorded_at[:4]) for v in record.versions))
    return str(first) if first == last else f"{first}-{last}"


def artifact_url(record: ArtifactRecord) -> str | None:
    """The artifact's page on the node, or None without a ``base_url``."""
    if not record.base_url:
        return None
    path = ARTIFACT_PATH.format(commons_id=record.commons_id, artifact_id=record.artifact_id)
    return record.base_url.rstrip("/") + path


# -- licences --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Expression:
    """An SPDX expression read once: ``plain`` as the record names it (normalised: ``PPL``),
    ``spdx`` as the SPDX document and REUSE write it (``LicenseRef-PPL``), and the licence and
    exception ids in it (SPDX form, first appearance first)."""

    plain: str
    spdx: str
    ids: tuple[str, ...]
    plain_ids: tuple[str, ...]


def _symbol(key: str, expression: str, exception: bool = False) -> tuple[str, str]:
    """(plain id, SPDX id) of one licence (or exception) symbol; ValueError for one that is
    neither on the SPDX licence list (exceptions list) nor a ``LicenseRef-``."""
    if not exception and key.lower() in ("ppl", _PPL_REF.lower()):
        return "PPL", _PPL_REF
    if ":" in key:
        raise ValueError(
            f"{expression!r}: {key} refers to another SPDX document, which an artifact's record "
            "cannot hold; name the licence as LicenseRef-… instead"
        )
    if not exception and key.lower().startswith("licenseref-"):
        ref = "LicenseRef-" + key[len("licenseref-") :]
        if not _LICENSE_REF.fullmatch(ref):
            raise ValueError(
                f"{expression!r}: {key} is not a valid licence reference "
                "(LicenseRef- then letters, digits, '.' or '-')"
            )
        return ref, ref
    known = spdx_licensing.known_symbols.get(key)
    if known is None or bool(known.is_exception) != exception:
        listed = "SPDX licence exceptions" if exception else "SPDX licence list"
        raise ValueError(
            f"{expression!r}: {key} is not on the {listed}; "
            f"a licence of your own is written LicenseRef-{key}"
        )
    return key, key


@cache
def _expression(expression: str) -> _Expression:
    if not expression.strip():
        raise ValueError("a licence is required, as an SPDX expression such as CC-BY-SA-4.0")
    try:
        parsed = spdx_licensing.parse(expression, validate=False, strict=True)
    except Exception as exc:  # license-expression raises several unrelated types for bad syntax
        raise ValueError(f"{expression!r} is not a valid SPDX expression: {exc}") from exc
    ids: dict[str, str] = {}  # SPDX id -> plain id, in order of appearance

    def walk(node: Any) -> tuple[str, str]:
        if isinstance(node, LicenseWithExceptionSymbol):
            plain, written = walk(node.license_symbol)
            exception = _symbol(str(node.exception_symbol.key), expression, exception=True)[1]
            ids.setdefault(exception, exception)
            return f"{plain} WITH {exception}", f"{written} WITH {exception}"
        if isinstance(node, LicenseSymbol):
            plain, written = _symbol(str(node.key), expression)
            ids.setdefault(written, plain)
            return plain, written
        if isinstance(node, AND | OR):
            joiner = " AND " if isinstance(node, AND) else " OR "
            parts = []
            for arg in node.args:
                plain, written = walk(arg)
                if isinstance(arg, AND | OR):
                    plain, written = f"({plain})", f"({written})"
                parts.append((plain, written))
            return joiner.join(p for p, _ in parts), joiner.join(w for _, w in parts)
        raise ValueError(f"{expression!r}: unexpected part {node!r}")

    plain, written = walk(parsed)
    return _Expression(plain, written, tuple(ids), tuple(ids.values()))


def licence_ids(expression: str) -> tuple[str, ...]:
    """The licence and exception ids an expression names, as SPDX and REUSE write them
    (``PPL`` as ``LicenseRef-PPL``), first appearance first. ValueError on a bad expression."""
    return _expression(expression).ids


def _describe(plain_id: str) -> str:
    """``id: full name <url>`` for the notice."""
    entry = licences.licence(plain_id)
    if entry is not None:
        return f"{plain_id}: {entry.name} <{entry.url}>"
    if plain_id.startswith("LicenseRef-"):
        return f"{plain_id}: a licence not on the SPDX licence list (its text: ask the commons)"
    return f"{plain_id}: see <https://spdx.org/licenses/{plain_id}.html>"


@cache
def licence_text(spdx_id: str) -> str | None:
    """The full text of a licence shipped in ``licence_texts/`` (the SPDX licence list's), by
    SPDX id (``LicenseRef-PPL`` is the PPL's), or None. ``-or-later`` ids share the ``-only``
    text, as on the SPDX list."""
    name = "PPL" if spdx_id == _PPL_REF else spdx_id
    folder = resources.files("commonwork.property").joinpath("licence_texts")
    for candidate in (name, name.replace("-or-later", "-only")):
        if not re.fullmatch(r"[0-9A-Za-z.+-]+", candidate):
            return None
        path = folder.joinpath(f"{candidate}.txt")
        if path.is_file():
            return path.read_text("utf-8")
    return None


def _pointer_text(spdx_id: str, record: ArtifactRecord) -> str:
    """What stands for a licence text that is not shipped: where to read it."""
    if spdx_id.startswith("LicenseRef-"):
        return (
            f"{spdx_id}\n\nThis licence is not on the SPDX licence list, and its text is not in "
            f"commonwork's record of the artifact {record.artifact_id} of the commons "
            f"{_one_line(record.commons_name)} ({record.commons_id}). Ask the commons for it.\n"
        )
    return (
        f"{spdx_id}\n\nThe text of this SPDX licence (or exception) is not shipped with "
        f"commonwork. Read it at https://spdx.org/licenses/{spdx_id}.html\n"
    )


def _licence_file_text(spdx_id: str, record: ArtifactRecord) -> str:
    return licence_text(spdx_id) or _pointer_text(spdx_id, record)


# -- NOTICE ----------------------------------------------------------------------------------


def _use(source: SourceWork) -> str:
    """What was done with a source work, in the words of a TASL notice."""
    if source.kind == "adaptation":
        return "changes were made"
    done = {"collection": "collected", "use": "used", "copy": "copied"}[source.kind]
    return f"{done}; changes were made" if source.changed else f"{done} unchanged"


def _by(names: Iterable[str]) -> str:
    listed = [_one_line(n) for n in names]
    if not listed:
        return "authors not recorded"
    return listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]


def source_attribution(source: SourceWork) -> str:
    """One source work's attribution in one line: "Title" by A and B (where), licensed under
    L; changes were made."""
    where = source.url or f"commons {source.commons_id}, artifact {source.artifact_id}"
    licence = _expression(source.licence).plain
    changes = "; changes were made" if source.adapted else f"; {_use(source)}"
    return (
        f'"{_one_line(source.title)}" by {_by(source.authors)} ({where}), '
        f"licensed under {licence}{changes}."
    )


def artifact_attribution(record: ArtifactRecord) -> str:
    """The artifact's attribution in one line."""
    where = artifact_url(record) or (
        f"commons {_one_line(record.commons_name)} ({record.commons_id}), "
        f"artifact {record.artifact_id}"
    )
    names = [_name(c) for c in _contributors(record)]
    return (
        f'"{_one_line(record.title)}" by {_by(names)} ({where}), '
        f"licensed under {_expression(record.licence).plain}."
    )


def _field(label: str, values: list[str]) -> list[str]:
    pad = " " * 13
    first, *rest = values or ["-"]
    return [f"{label + ':':<13}{first}", *(pad + v for v in rest)]


def notice_text(record: ArtifactRecord) -> str:
    """The CREDITS/NOTICE text of an artifact (TASL: title, author, source, licence), then the
    same for every work it was made from. Deterministic: the same record gives the same text."""
    _check(record)
    latest = _latest(record)
    expression = _expression(record.licence)
    contributors = _contributors(record)
    title = _one_line(record.title)
    lines = [
        f"NOTICE: {title}",
        "",
        "Generated by commonwork from the commons' journal. Names are the ones the contributors",
        "chose, largest share first.",
        "",
        "THIS WORK",
        "",
    ]
    lines += _field("Title", [title])
    lines += _field("Kind", [record.kind])
    lines += _field(
        "Authors",
        [_name(c) for c in contributors]
        or [f"no contributor with a share yet (commons {_one_line(record.commons_name)})"],
    )
    where = [u for u in (artifact_url(record),) if u]
    where.append(
        f"commons {_one_line(record.commons_name)} ({record.commons_id}), "
        f"artifact {record.artifact_id}"
    )
    where.append(
        f"version {latest.number} ({len(record.versions)} recorded), recorded {latest.recorded_at}"
    )
    where.append(f"sha256 {latest.sha256}")
    details = [
        f"{latest.size} bytes" if latest.size is not None else "",
        latest.media_type or "",
    ]
    if any(details):
        where.append(", ".join(d for d in details if d))
    if latest.url:
        where.append(f"file: {latest.url}")
    lines += _field("Source", where)
    lines += _field("Licence", [expression.plain, *(_describe(i) for i in expression.plain_ids)])
    lines += _field("Attribution", [artifact_attribution(record)])
    sources = _sources(record)
    if sources:
        lines += ["", f"WORKS IT IS MADE FROM ({len(sources)})"]
    for n, source in enumerate(sources, 1):
        source_expression = _expression(source.licence)
        lines += ["", f"{n}. {_one_line(source.title)}", ""]
        lines += _field("Title", [_one_line(source.title)])
        lines += _field("Authors", [_one_line(a) for a in source.authors] or ["not recorded"])
        lines += _field(
            "Source",
            [
                *([source.url] if source.url else []),
                f"commons {source.commons_id}, artifact {source.artifact_id}",
            ],
        )
        lines += _field(
            "Licence",
            [source_expression.plain, *(_describe(i) for i in source_expression.plain_ids)],
        )
        lines += _field("Use", [f"{source.kind}: {_use(source)}"])
        lines += _field("Attribution", [source_attribution(source)])
    return "\n".join(lines) + "\n"


# -- SPDX 2.3 --------------------------------------------------------------------------------

# The derivation kinds as SPDX 2.3 relationships, from the artifact's package to the source's
# (spec annex "Relationship types"):
# * adaptation -> DESCENDANT_OF: "SPDXRef-A is a descendant of (same lineage but postdates)
#   SPDXRef-B": a changed work made after its source. VARIANT_OF is for when it is not clear
#   which came first, and here it is; GENERATED_FROM is for mechanical output (a binary built
#   from source), not a work people changed.
# * collection -> CONTAINS: the artifact holds the source whole, as one part of a collection
#   (each part keeping its licence); the comment says when changes were made to it.
# * use -> DEPENDS_ON: the artifact relies on the source (uses or cites it) without holding a
#   copy of it.
# * copy -> COPY_OF: "SPDXRef-A is an exact copy of SPDXRef-B"; a copy with changes is no
#   exact copy, so it is DESCENDANT_OF like an adaptation.
_RELATIONSHIP = {
    "adaptation": "DESCENDANT_OF",
    "collection": "CONTAINS",
    "use": "DEPENDS_ON",
    "copy": "COPY_OF",
}

_ARTIFACT_SPDX_ID = "SPDXRef-Artifact"


def _relationship(source: SourceWork) -> str:
    if source.kind == "copy" and source.changed:
        return "DESCENDANT_OF"
    return _RELATIONSHIP[source.kind]


def _actor_name(text: str) -> str:
    """A name an SPDX actor field can carry: one line, no parentheses (the serialised form
    reads ``Person: name (email)``, so a parenthesis would be read as an e-mail address)."""
    return _one_line(text).replace("(", "[").replace(")", "]") or "unnamed"


def _created(record: ArtifactRecord) -> datetime:
    """The latest version's time, in UTC to the second (as SPDX writes times)."""
    moment = parse_time(_latest(record).recorded_at).astimezone(UTC)
    return moment.replace(tzinfo=None, microsecond=0)


def _namespace(record: ArtifactRecord) -> str:
    """A document namespace that is the same for the same artifact version: a UUID derived
    from the commons id, the artifact id and the latest version's sha256 (never random)."""
    latest = _latest(record)
    key = f"commonwork:{record.commons_id}:{record.artifact_id}:{latest.sha256}"
    name = uuid.uuid5(uuid.NAMESPACE_URL, key)
    base = record.base_url.rstrip("/") if record.base_url else ""
    if base and not validate_url(base):
        return f"{base}/spdx/commonwork-{name}"
    return f"https://spdx.org/spdxdocs/commonwork-{name}"


def _location(url: str | None) -> str | SpdxNoAssertion:
    """A download location: the URL when SPDX accepts it, NOASSERTION otherwise."""
    if url and not validate_download_location(url):
        return url
    return SpdxNoAssertion()


def _copyright(names: list[str], years: str | None) -> str | SpdxNoAssertion:
    if not names:
        return SpdxNoAssertion()
    prefix = f"Copyright {years} " if years else "Copyright "
    return "\n".join(prefix + _one_line(n) for n in names)


def _licence_ref_infos(record: ArtifactRecord) -> list[ExtractedLicensingInfo]:
    """An extracted licensing info for every ``LicenseRef-*`` in the document."""
    refs: set[str] = set()
    for text in (record.licence, *(s.licence for s in record.sources)):
        refs.update(i for i in _expression(text).ids if i.startswith("LicenseRef-"))
    infos = []
    for ref in sorted(refs):
        if ref == _PPL_REF:
            ppl = licences.licence("PPL")
            if ppl is None:  # pragma: no cover - the table ships the PPL
                raise RuntimeError("the licence table has no PPL entry")
            infos.append(
                ExtractedLicensingInfo(
                    license_id=_PPL_REF,
                    extracted_text=licence_text(_PPL_REF) or _pointer_text("PPL", record),
                    license_name=ppl.name,
                    cross_references=[ppl.url],
                    comment=(
                        "The Peer Production License (SPDX id PPL on recent SPDX licence lists),"
                        " written as a LicenseRef so that readers with an older list know it."
                    ),
                )
            )
        else:
            infos.append(
                ExtractedLicensingInfo(
                    license_id=ref,
                    extracted_text=_pointer_text(ref, record),
                    license_name=ref.removeprefix("LicenseRef-"),
                    comment="Named so in the commons' record; its text is not in the record.",
                )
            )
    return infos


def _artifact_package(record: ArtifactRecord) -> Package:
    latest = _latest(record)
    contributors = _contributors(record)
    page = artifact_url(record)
    supplier = Actor(ActorType.ORGANIZATION, _actor_name(record.commons_name))
    if len(contributors) == 1:
        originator = Actor(ActorType.PERSON, _actor_name(_name(contributors[0])))
    else:  # made together: the commons they made it in
        originator = supplier
    checksums = []
    if _SHA256.fullmatch(latest.sha256):
        checksums.append(Checksum(ChecksumAlgorithm.SHA256, latest.sha256))
    details = [f"sha256 {latest.sha256}"]
    if latest.size is not None:
        details.append(f"{latest.size} bytes")
    if latest.media_type:
        details.append(latest.media_type)
    if latest.url:
        details.append(f"file {latest.url}")
    licence = spdx_licensing.parse(_expression(record.licence).spdx)
    return Package(
        spdx_id=_ARTIFACT_SPDX_ID,
        name=_one_line(record.title) or record.artifact_id,
        download_location=_location(latest.url),
        version=str(latest.number),
        supplier=supplier,
        originator=originator,
        files_analyzed=False,
        checksums=checksums,
        homepage=page if page and not validate_url(page) else None,
        source_info=(
            f"commonwork artifact {record.artifact_id} of the commons "
            f"{_one_line(record.commons_name)} ({record.commons_id})"
        ),
        license_concluded=licence,
        license_declared=licence,
        license_comment=(
            "The licence the contributors chose, as recorded in the commons' journal "
            "(a change needs every contributor's consent)."
        ),
        copyright_text=_copyright([_name(c) for c in contributors], _years(record)),
        description=f"A {record.kind} of the commons {_one_line(record.commons_name)}.",
        comment=(
            f"Version {latest.number} of {len(record.versions)}, recorded "
            f"{latest.recorded_at}: {', '.join(details)}."
        ),
        attribution_texts=[artifact_attribution(record)],
        primary_package_purpose=(
            PackagePurpose.SOURCE if record.kind == "code" else PackagePurpose.OTHER
        ),
        release_date=_created(record),
    )


def _source_package(n: int, source: SourceWork) -> Package:
    licence = spdx_licensing.parse(_expression(source.licence).spdx)
    originator = (
        Actor(ActorType.PERSON, _actor_name(source.authors[0]))
        if len(source.authors) == 1
        else None
    )
    return Package(
        spdx_id=f"SPDXRef-Source-{n}",
        name=_one_line(source.title) or source.artifact_id,
        # The source's URL is where the work is shown, not a download: a homepage.
        download_location=SpdxNoAssertion(),
        originator=originator,
        files_analyzed=False,
        homepage=source.url if source.url and not validate_url(source.url) else None,
        source_info=f"artifact {source.artifact_id} of the commons {source.commons_id}",
        license_concluded=licence,
        license_declared=licence,
        copyright_text=_copyright(list(source.authors), None),
        comment=f"{source.kind}: {_use(source)}",
        attribution_texts=[source_attribution(source)],
    )


def spdx_document(record: ArtifactRecord) -> Document:
    """The artifact's SPDX 2.3 document (``spdx_tools.spdx.model.Document``): one package for
    the artifact, described by the document, and one per source work, related to it by the
    derivation's kind. Created at the latest version's time; the namespace is derived, so the
    same record gives the same document."""
    _check(record)
    creation = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id="SPDXRef-DOCUMENT",
        name=_one_line(record.title) or record.artifact_id,
        document_namespace=_namespace(record),
        creators=[
            Actor(ActorType.TOOL, "commonwork"),
            Actor(ActorType.ORGANIZATION, _actor_name(record.commons_name)),
        ],
        created=_created(record),
        data_license=SPDX_DATA_LICENCE,
        document_comment=(
            "Generated by commonwork from the record of an artifact in a commons' journal."
        ),
    )
    sources = _sources(record)
    packages = [_artifact_package(record)]
    relationships = [
        Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, _ARTIFACT_SPDX_ID)
    ]
    for n, source in enumerate(sources, 1):
        package = _source_package(n, source)
        packages.append(package)
        relationships.append(
            Relationship(
                _ARTIFACT_SPDX_ID,
                RelationshipType[_relationship(source)],
                package.spdx_id,
                comment=f"{source.kind}: {_use(source)}",
            )
        )
    return Document(
        creation_info=creation,
        packages=packages,
        relationships=relationships,
        extracted_licensing_info=_licence_ref_infos(record),
    )


def validate(record: ArtifactRecord) -> list[str]:
    """spdx-tools' validation messages for the record's SPDX document (empty when valid)."""
    messages = validate_full_spdx_document(spdx_document(record))
    return [str(m.validation_message) for m in messages]


def spdx_json(record: ArtifactRecord) -> str:
    """The SPDX document as JSON, written by spdx-tools' JSON writer (which validates it first
    and raises ValueError on an invalid document). Deterministic."""
    stream = io.StringIO()
    write_document_to_stream(spdx_document(record), stream, validate=True)
    return stream.getvalue() + "\n"


# -- REUSE -----------------------------------------------------------------------------------


def _toml_string(value: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            raise ValueError(f"{value!r} holds a lone surrogate, which TOML cannot write")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def spdx_file_name(record: ArtifactRecord) -> str:
    """The SPDX JSON's file name in the REUSE tree."""
    stem = re.sub(r"[^0-9A-Za-z_-]+", "-", record.artifact_id).strip("-") or "artifact"
    return f"{stem}.spdx.json"


def _holders(record: ArtifactRecord) -> list[str]:
    years = _years(record)
    names = [_name(c) for c in _contributors(record)]
    if not names:  # no share settled yet: the commons' contributors as a whole
        names = [f"The contributors to {_one_line(record.commons_name)}"]
    return [f"{years} {name}" for name in names]


def reuse_toml(record: ArtifactRecord) -> str:
    """A REUSE.toml (REUSE 3.2 and later): every file of the artifact's tree under its licence,
    with each contributor's copyright (their chosen name, the artifact's years), unless a file
    says otherwise (``closest``). The SPDX JSON needs no annotation: ``reuse`` leaves
    ``*.spdx.json`` out, SPDX documents being CC0-1.0 by the SPDX specification."""
    _check(record)
    expression = _expression(record.licence).spdx
    holders = _holders(record)
    lines = [
        "# Generated by commonwork from the commons' journal (the record of one artifact).",
        "version = 1",
        "",
        "[[annotations]]",
        'path = "**"',
        'precedence = "closest"',
        "SPDX-FileCopyrightText = [",
        *(f"  {_toml_string(h)}," for h in holders),
        "]",
        f"SPDX-License-Identifier = {_toml_string(expression)}",
    ]
    text = "\n".join(lines) + "\n"
    # Written by hand (no TOML writer is a dependency of commonwork): read back to be sure.
    expected = {
        "version": 1,
        "annotations": [
            {
                "path": "**",
                "precedence": "closest",
                "SPDX-FileCopyrightText": holders,
                "SPDX-License-Identifier": expression,
            }
        ],
    }
    if tomllib.loads(text) != expected:
        raise RuntimeError(f"the REUSE.toml written does not read back as {expected}")
    return text


def reuse_files(record: ArtifactRecord) -> dict[str, str]:
    """The REUSE tree as relative path -> text: REUSE.toml, NOTICE, the SPDX JSON and a
    LICENSES/ text for every licence they name."""
    files = {
        "REUSE.toml": reuse_toml(record),
        "NOTICE": notice_text(record),
        spdx_file_name(record): spdx_json(record),
    }
    for spdx_id in sorted(_expression(record.licence).ids):
        files[f"LICENSES/{spdx_id}.txt"] = _licence_file_text(spdx_id, record)
    return files


def reuse_tree(record: ArtifactRecord, directory: Path) -> None:
    """Write :func:`reuse_files` under ``directory`` (made if missing), UTF-8, LF line ends."""
    files = reuse_files(record)
    for relative, text in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
