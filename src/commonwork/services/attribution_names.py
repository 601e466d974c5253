"""The names people choose for attribution, and the attribution made with them.

How a person is credited is their own choice (their sovereignty over their name): each keeps,
per commons, the name that NOTICE, SPDX and REUSE files and the artifact's page show for them.
It is kept on this node only, in the node-local table ``attribution_names`` — never in a
journal, a mirror or a fork (like the bank details of services/bank_details.py): a person may
change it or take it back at any time, and a node that hosts the commons elsewhere shows its
own default. The default is the name they joined the commons with (the commons area's
``members``), else a short form of their did.

The attribution itself (commonwork.property.attribution: pure functions of an
``ArtifactRecord``) is made here from the projection: the artifact, its versions, its
contributors with their shares (the settled value points of the accepted work linked to it, the
same the rules read for its licensors; its creator, with no share, while nobody has one) and the
names they chose, and the works it was made from — its derivations that are allowed or wait for
review (a refused one is not a source). The authors of a source held on this node are its
contributors (its creator while none has a share), by the names they chose in its commons; of a
source elsewhere, its creator's did where its signed entries proved it, and none where it was
only claimed. Every query is by primary key or by the derivation index: the cost grows with the
artifact's record, never with the journal.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from commonwork.commons.tables import commons, members
from commonwork.errors import BadInput, NotFound, RuleViolation
from commonwork.journal.actions import parse_time
from commonwork.journal.projection import Row
from commonwork.node.node import Node
from commonwork.node.state import DbState, plain_row
from commonwork.node.tables import attribution_names
from commonwork.property import attribution
from commonwork.property.artifacts import shares
from commonwork.property.tables import artifact_versions, artifacts, derivation_pairs, derivations
from commonwork.services.journals import require_head

#: The longest name kept (characters).
MAX_NAME = 200
#: The timestamp of every file in an attribution .zip before 1980 (the format cannot say less).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class AttributionName:
    """The name ``did`` chose for attribution in ``commons_id`` (``name``: '' when none),
    the ``default`` shown without one, and what attribution shows now (``shown``)."""

    commons_id: str
    did: str
    name: str
    default: str
    shown: str
    updated_at: str | None


def short_did(did: str) -> str:
    """A did short enough to read in a credit line: ``did:key:z6MkhaXg…K3vN``."""
    return did if len(did) <= 24 else f"{did[:16]}…{did[-4:]}"


def _clean(name: str) -> str:
    text = name.strip()
    if len(text) > MAX_NAME:
        raise BadInput(f"a name for attribution is at most {MAX_NAME} characters, not {len(text)}")
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise BadInput("a name for attribution is one line of text: no line breaks or controls")
    return text


def _defaults(conn: sa.Connection, commons_id: str, dids: list[str]) -> dict[str, str]:
    """The name each joined the commons with, else the short did."""
    query = sa.select(members.c.member, members.c.name).where(
        members.c.commons_id == commons_id, members.c.member.in_(dids)
    )
    joined = {str(row.member): str(row.name) for row in conn.execute(query)}
    return {did: joined.get(did) or short_did(did) for did in dids}


def _chosen(conn: sa.Connection, commons_id: str, dids: list[str]) -> dict[str, Row]:
    query = sa.select(attribution_names).where(
        attribution_names.c.commons_id == commons_id, attribution_names.c.did.in_(dids)
    )
    return {str(row["did"]): plain_row(row) for row in conn.execute(query).mappings()}


def shown_names(conn: sa.Connection, commons_id: str, dids: Iterable[str]) -> dict[str, str]:
    """The name attribution shows for each of these people in the commons: the one they chose,
    else the one they joined with, else a short did. Two queries by primary key."""
    wanted = sorted(set(dids))
    if not wanted:
        return {}
    chosen = _chosen(conn, commons_id, wanted)
    defaults = _defaults(conn, commons_id, wanted)
    return {did: str(chosen[did]["name"]) if did in chosen else defaults[did] for did in wanted}


def _read(conn: sa.Connection, commons_id: str, did: str) -> AttributionName:
    default = _defaults(conn, commons_id, [did])[did]
    found = _chosen(conn, commons_id, [did]).get(did)
    if found is None:
        return AttributionName(commons_id, did, "", default, default, None)
    name = str(found["name"])
    return AttributionName(commons_id, did, name, default, name, str(found["updated_at"]))


def set_attribution_name(node: Node, *, did: str, commons_id: str, name: str) -> AttributionName:
    """Keep the name ``did`` chose for attribution in ``commons_id``, on this node only; an
    empty ``name`` goes back to the default."""
    text = _clean(name)
    with node.reading() as conn:
        require_head(conn, commons_id)
    at = node.clock()
    with node.writing() as conn:
        conn.execute(
            sa.delete(attribution_names).where(
                attribution_names.c.did == did, attribution_names.c.commons_id == commons_id
            )
        )
        if text:
            conn.execute(
                sa.insert(attribution_names).values(
                    did=did, commons_id=commons_id, name=text, updated_at=at
                )
            )
        return _read(conn, commons_id, did)


def own_attribution_name(node: Node, *, did: str, commons_id: str) -> AttributionName:
    """The name ``did`` chose for attribution in ``commons_id``, and the default."""
    with node.reading() as conn:
        require_head(conn, commons_id)
        return _read(conn, commons_id, did)


# --- the attribution of an artifact ------------------------------------------------------------


def _artifact_or_missing(state: DbState, commons_id: str, artifact_id: str) -> Row:
    """The artifact's row; NotFound that says how an artifact is named."""
    row = state.get(artifacts, (commons_id, artifact_id))
    if row is None:
        raise NotFound(
            f"there is no artifact {artifact_id} in commons {commons_id} (an artifact is named "
            "by the id of the entry that created it: GET …/artifacts lists them)"
        )
    return row


def _derivation_rows_in(state: DbState, commons_id: str, artifact_id: str) -> list[Row]:
    """What the artifact was derived from: its derivations, by the (commons, derived) pairs."""
    found = []
    for pair in state.scan(derivation_pairs, (commons_id, artifact_id)):
        row = state.get(derivations, (commons_id, str(pair["derivation_id"])))
        if row is not None:
            found.append(_resolved(row))
    return sorted(found, key=lambda row: int(row["seq"]))


def _resolved(row: Row) -> Row:
    """A derivation's or a flow's row with its source's commons named: the rules store a
    source of the same commons as "" (so that a fork's rows are its parent's)."""
    return {**row, "source_commons": row["source_commons"] or row["commons_id"]}


def _ranked_names(state: DbState, commons_id: str, row: Row) -> list[tuple[str, str, int]]:
    """(did, shown name, share) of an artifact's contributors, largest share first; its
    creator (with no share) while nobody has one."""
    held = shares(state, commons_id, str(row["artifact_id"]))
    dids = sorted(held, key=lambda did: (-held[did], did)) or [str(row["creator"])]
    names = shown_names(state.conn, commons_id, dids)
    return [(did, names[did], held.get(did, 0)) for did in dids]


def _page_url(base_url: str | None, commons_id: str, artifact_id: str) -> str | None:
    if not base_url:
        return None
    path = attribution.ARTIFACT_PATH.format(commons_id=commons_id, artifact_id=artifact_id)
    return base_url.rstrip("/") + path


def _source(state: DbState, row: Row, base_url: str | None) -> attribution.SourceWork:
    source_commons, source = str(row["source_commons"]), str(row["source"])
    held = state.get(artifacts, (source_commons, source))
    authors: tuple[str, ...] = ()
    url = None
    if held is not None:
        authors = tuple(name for _, name, _ in _ranked_names(state, source_commons, held))
        url = _page_url(base_url, source_commons, source)
    elif row["evidence"] == "proved" and row["source_creator"]:
        authors = (str(row["source_creator"]),)
    return attribution.SourceWork(
        title=str(row["source_title"]),
        commons_id=source_commons,
        artifact_id=source,
        licence=str(row["source_licence"]),
        url=url,
        authors=authors,
        kind=str(row["kind"]),
        changed=bool(row["changed"]),
    )


def _record(
    conn: sa.Connection, commons_id: str, artifact_id: str, base_url: str | None
) -> attribution.ArtifactRecord:
    require_head(conn, commons_id)
    state = DbState(conn)
    row = _artifact_or_missing(state, commons_id, artifact_id)
    name_query = sa.select(commons.c.name).where(commons.c.commons_id == commons_id)
    commons_name = str(conn.execute(name_query).scalar() or commons_id)
    version_query = sa.select(artifact_versions).where(
        artifact_versions.c.commons_id == commons_id,
        artifact_versions.c.artifact_id == artifact_id,
    )
    versions = tuple(
        attribution.Version(
            number=int(v["number"]),
            sha256=str(v["sha256"]),
            url=v["url"],
            size=None if v["size"] is None else int(v["size"]),
            media_type=v["media_type"],
            recorded_at=str(v["recorded_at"]),
        )
        for v in conn.execute(version_query).mappings()
    )
    credited = _ranked_names(state, commons_id, row)  # its creator while nobody has a share
    sources = tuple(
        _source(state, derivation, base_url)
        for derivation in _derivation_rows_in(state, commons_id, artifact_id)
        if derivation["status"] != "refused"
    )
    return attribution.ArtifactRecord(
        commons_id=commons_id,
        commons_name=commons_name,
        artifact_id=artifact_id,
        title=str(row["title"]),
        kind=str(row["kind"]),
        licence=str(row["licence"]),
        versions=versions,
        contributors=tuple(
            attribution.Contributor(did, name, share) for did, name, share in credited
        ),
        sources=sources,
        created_at=str(row["created_at"]),
        base_url=base_url,
    )


def artifact_record(
    node: Node, commons_id: str, artifact_id: str, *, base_url: str | None = None
) -> attribution.ArtifactRecord:
    """The artifact's record as attribution reads it (``base_url``: the node's public address,
    for links; None: no links)."""
    with node.reading() as conn:
        return _record(conn, commons_id, artifact_id, base_url)


@dataclass(frozen=True)
class AttributionFile:
    """One file of an artifact's attribution: its name, media type and text."""

    name: str
    media_type: str
    text: str


def _written(record: attribution.ArtifactRecord, kind: str) -> AttributionFile:
    try:
        if kind == "notice":
            return AttributionFile("NOTICE", "text/plain", attribution.notice_text(record))
        if kind == "spdx":
            name = attribution.spdx_file_name(record)
            return AttributionFile(name, "application/spdx+json", attribution.spdx_json(record))
        return AttributionFile("REUSE.toml", "application/toml", attribution.reuse_toml(record))
    except ValueError as exc:
        raise _unwritable(record, exc) from exc


def _unwritable(record: attribution.ArtifactRecord, exc: ValueError) -> RuleViolation:
    return RuleViolation(
        f"the attribution of {record.title} cannot be written from its record: {exc}",
        reason="attribution_unwritable",
    )


def attribution_file(
    node: Node, commons_id: str, artifact_id: str, kind: str, *, base_url: str | None = None
) -> AttributionFile:
    """The artifact's NOTICE (``notice``), SPDX 2.3 JSON (``spdx``) or REUSE.toml (``reuse``)."""
    if kind not in ("notice", "spdx", "reuse"):
        raise BadInput(f"{kind!r} is not one of notice, spdx and reuse")
    return _written(artifact_record(node, commons_id, artifact_id, base_url=base_url), kind)


def attribution_files(
    node: Node, commons_id: str, artifact_id: str, *, base_url: str | None = None
) -> dict[str, str]:
    """The REUSE tree of the artifact as relative path -> text: REUSE.toml, NOTICE, the SPDX
    JSON and a LICENSES/ text for every licence they name."""
    record = artifact_record(node, commons_id, artifact_id, base_url=base_url)
    try:
        return attribution.reuse_files(record)
    except ValueError as exc:
        raise _unwritable(record, exc) from exc


def _stamp(recorded_at: str) -> tuple[int, int, int, int, int, int]:
    moment = parse_time(recorded_at)
    stamp = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
    return max(stamp, ZIP_EPOCH)


def attribution_zip(
    node: Node, commons_id: str, artifact_id: str, *, base_url: str | None = None
) -> tuple[str, bytes]:
    """The REUSE tree as a .zip (its file name and bytes), the same bytes for the same record:
    files in name order, each dated by the artifact's latest version, mode 0644."""
    record = artifact_record(node, commons_id, artifact_id, base_url=base_url)
    try:
        files = attribution.reuse_files(record)
    except ValueError as exc:
        raise _unwritable(record, exc) from exc
    latest = max(record.versions, key=lambda version: version.number)
    stamp = _stamp(latest.recorded_at)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            archive.writestr(info, files[path].encode("utf-8"))
    return f"attribution-{artifact_id[:12]}.zip", buffer.getvalue()
