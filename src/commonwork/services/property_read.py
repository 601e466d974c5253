"""Peer property as anyone may read it: a commons' artifacts, one artifact with its versions,
contributors, licensors, licence changes and derivations both ways, the derivation graph around
it, what a commons reuses and who reuses it, the signed entries that prove an artifact to another
commons, and why money passed upstream.

Every read costs what its page (or its one artifact's record) holds, never the journal: the
artifacts newest first by ``ix_artifacts_seq`` (keyset on the creating entry's seq), an
artifact's versions, links, licence changes and consents by their primary keys or
``ix_licence_changes_artifact``, what it was derived from by its ``derivation_pairs``, who
derived from it — here and in the other commons this node holds — by ``ix_derivations_source``,
an artifact's proving entries by (commons, seq) in the journal store, an income's flows by their
primary key. Contributors' shares are the settled value points of the accepted work linked to an
artifact (what the rules read for its licensors), shown exactly: milli-points, and the share of
the total as a fraction and a percentage rounded half up from that fraction, never a float.
The names shown are the ones people chose for attribution (services/attribution_names.py).
The read models are services/property_models.py's, exported from here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

import orjson
import sqlalchemy as sa

from commonwork.commons.tables import commons, forks
from commonwork.errors import BadInput, NotFound
from commonwork.journal.entries import Entry
from commonwork.journal.projection import Row
from commonwork.node import journal_store
from commonwork.node.node import Node
from commonwork.node.state import DbState, plain_row
from commonwork.property import artifacts as artifact_rules
from commonwork.property import attribution, licences
from commonwork.property.tables import (
    artifact_versions,
    artifacts,
    derivations,
    licence_changes,
    licence_consents,
    upstream_flows,
)

# Row helpers shared by the two property reads; private, since they hand rows (Any), not read
# models (tests/unit/test_service_signatures.py).
from commonwork.services.attribution_names import (
    _artifact_or_missing,
    _derivation_rows_in,
    _ranked_names,
    _resolved,
    shown_names,
)
from commonwork.services.books_models import Transaction, exponents, money, page_limit
from commonwork.services.books_read import transaction_detail
from commonwork.services.journals import require_head
from commonwork.services.models import JsonValue
from commonwork.services.property_models import (
    Answer,
    ArtifactDetail,
    ArtifactItem,
    ArtifactPage,
    Clause,
    Contributor,
    Derivation,
    Evidence,
    Graph,
    GraphEdge,
    GraphNode,
    LicenceChange,
    LicenceTerm,
    Person,
    ReusePage,
    UpstreamDetail,
    UpstreamFlow,
    UpstreamShare,
    VersionItem,
)

# The action types the doors sign (the doors never import the area).
CREATE = "property.artifact.create"
VERSION = "property.artifact.version"
LINK = "property.artifact.link"
LICENCE_CHANGE = "property.licence.change"
LICENCE_ANSWER = "property.licence.answer"
DERIVE = "property.derivation.record"
ARTIFACT_KINDS = artifact_rules.KINDS
DERIVATION_KINDS = licences.KINDS
REUSE_SIDES = ("we_reuse", "reuses_us")
#: Past licence changes an artifact shows; what others derived from it; reads of a graph.
CHANGES_SHOWN = 50
DERIVED_SHOWN = 200
GRAPH_DEPTH = 3
GRAPH_NODES = 200
#: A page of the reuse section continues after ``<recorded_at>~<derivation id>``.
CURSOR = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)~([0-9a-f]{64})$")
_TOKEN = re.compile(r"[A-Za-z0-9.+:-]+")
#: Where an artifact's page is (attribution links to it): ``.format(commons_id=…, artifact_id=…)``.
ARTIFACT_PATH = attribution.ARTIFACT_PATH

__all__ = [
    "ARTIFACT_KINDS", "ARTIFACT_PATH", "CHANGES_SHOWN", "CREATE", "CURSOR", "DERIVATION_KINDS",
    "DERIVE", "DERIVED_SHOWN", "GRAPH_DEPTH", "GRAPH_NODES", "LICENCE_ANSWER", "LICENCE_CHANGE",
    "LINK", "REUSE_SIDES", "VERSION",
    "Answer", "ArtifactDetail", "ArtifactItem", "ArtifactPage", "Clause", "Contributor",
    "Derivation", "Evidence", "Graph", "GraphEdge", "GraphNode", "LicenceChange", "LicenceTerm",
    "Person", "ReusePage", "UpstreamDetail", "UpstreamFlow", "UpstreamShare", "VersionItem",
    "allowed_licences", "artifact_detail", "artifact_evidence", "artifact_graph",
    "current_licence", "evidence_lines", "income_upstream", "licence_terms", "list_artifacts",
    "reuse_page",
]  # fmt: skip


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _commons_names(conn: sa.Connection, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = sa.select(commons.c.commons_id, commons.c.name).where(commons.c.commons_id.in_(wanted))
    return {str(row.commons_id): str(row.name) for row in conn.execute(query)}


def _item(row: Row, names: dict[str, str]) -> ArtifactItem:
    return ArtifactItem(
        artifact_id=str(row["artifact_id"]),
        title=str(row["title"]),
        kind=str(row["kind"]),
        licence=str(row["licence"]),
        creator=str(row["creator"]),
        creator_name=names.get(str(row["creator"]), ""),
        created_seq=int(row["created_seq"]),
        created_at=str(row["created_at"]),
        updated_at=str(row["updated_at"]),
        versions=int(row["versions"]),
        latest_sha256=str(row["latest_sha256"]),
        links=int(row["links"]),
        sources=int(row["sources"]),
        reusers=int(row["reusers"]),
        open_change=_text(row["open_change"]),
    )


def list_artifacts(
    node: Node, commons_id: str, *, before: int | None = None, limit: int = 50
) -> ArtifactPage:
    """A page of the commons' artifacts, newest first (created before entry ``before``)."""
    limit = page_limit(limit)
    query = sa.select(artifacts).where(artifacts.c.commons_id == commons_id)
    if before is not None:
        query = query.where(artifacts.c.created_seq < before)
    query = query.order_by(artifacts.c.created_seq.desc()).limit(limit + 1)
    with node.reading() as conn:
        require_head(conn, commons_id)
        rows = [plain_row(row) for row in conn.execute(query).mappings()]
        names = shown_names(conn, commons_id, (str(row["creator"]) for row in rows[:limit]))
    items = tuple(_item(row, names) for row in rows[:limit])
    more = len(rows) > limit
    return ArtifactPage(items, limit, items[-1].created_seq if more else None)


def licence_terms(expression: str) -> tuple[LicenceTerm, ...]:
    """The licences and exceptions an expression names, first appearance first."""
    terms: list[LicenceTerm] = []
    after_with = False
    for token in _TOKEN.findall(expression):
        if token.upper() in ("AND", "OR", "WITH"):
            after_with = token.upper() == "WITH"
            continue
        known = None if after_with else licences.licence(token)
        if all(term.id != token for term in terms):
            name, url = (known.name, known.url) if known else (None, None)
            terms.append(LicenceTerm(token, name, url, after_with))
        after_with = False
    return tuple(terms)


def _contributors(held: list[tuple[str, str, int]]) -> tuple[tuple[Contributor, ...], int]:
    total = sum(share for _, _, share in held)
    made = []
    for did, name, share in held:
        if share <= 0:
            continue
        part = Fraction(share, total)
        hundredths = (part * 10_000 * 2 + 1) // 2  # rounded half up, in integers
        made.append(
            Contributor(
                did=did,
                name=name,
                share_milli=share,
                points=f"{Decimal(share).scaleb(-3):.3f}",
                fraction=f"{part.numerator}/{part.denominator}",
                percent=f"{hundredths // 100}.{hundredths % 100:02d}",
            )
        )
    return tuple(made), total


def _versions(conn: sa.Connection, commons_id: str, artifact_id: str) -> tuple[VersionItem, ...]:
    query = (
        sa.select(artifact_versions)
        .where(
            artifact_versions.c.commons_id == commons_id,
            artifact_versions.c.artifact_id == artifact_id,
        )
        .order_by(artifact_versions.c.number.desc())
    )
    rows = [plain_row(row) for row in conn.execute(query).mappings()]
    names = shown_names(conn, commons_id, (str(row["by"]) for row in rows))
    return tuple(
        VersionItem(
            number=int(row["number"]),
            sha256=str(row["sha256"]),
            url=_text(row["url"]),
            size=None if row["size"] is None else int(row["size"]),
            media_type=_text(row["media_type"]),
            licence=str(row["licence"]),
            note=str(row["note"]),
            by=str(row["by"]),
            by_name=names.get(str(row["by"]), ""),
            entry_id=str(row["entry_id"]),
            seq=int(row["seq"]),
            recorded_at=str(row["recorded_at"]),
        )
        for row in rows
    )


def _change(state: DbState, commons_id: str, row: Row) -> LicenceChange:
    change_id = str(row["change_id"])
    answers = state.scan(licence_consents, (commons_id, change_id))
    waiting = artifact_rules.waiting_for(state, commons_id, row) if row["status"] == "open" else []
    dids = [str(row["proposed_by"]), *(str(a["member"]) for a in answers), *waiting]
    names = shown_names(state.conn, commons_id, dids)
    return LicenceChange(
        change_id=change_id,
        from_licence=str(row["from_licence"]),
        to_licence=str(row["to_licence"]),
        reason=str(row["reason"]),
        proposed_by=str(row["proposed_by"]),
        proposed_by_name=names[str(row["proposed_by"])],
        proposed_at=str(row["proposed_at"]),
        seq=int(row["seq"]),
        status=str(row["status"]),
        ended_by=_text(row["ended_by"]),
        ended_at=_text(row["ended_at"]),
        answers=tuple(
            Answer(
                member=str(a["member"]),
                name=names[str(a["member"])],
                answer=str(a["answer"]),
                entry_id=str(a["entry_id"]),
                recorded_at=str(a["recorded_at"]),
            )
            for a in sorted(answers, key=lambda a: str(a["recorded_at"]))
        ),
        waiting_for=tuple(Person(did, names[did]) for did in waiting),
    )


def _changes(state: DbState, commons_id: str, artifact_id: str) -> list[LicenceChange]:
    query = (
        sa.select(licence_changes)
        .where(
            licence_changes.c.commons_id == commons_id,
            licence_changes.c.artifact_id == artifact_id,
        )
        .order_by(licence_changes.c.seq.desc())
        .limit(CHANGES_SHOWN + 1)
    )
    rows = [plain_row(row) for row in state.conn.execute(query).mappings()]
    return [_change(state, commons_id, row) for row in rows]


def _clauses(keys: list[str]) -> tuple[Clause, ...]:
    """The clauses a decision cited, with their texts from the licence table (a key the table
    no longer has is shown by itself)."""
    made = []
    for key in keys:
        found = licences.clause(key)
        if found is None:
            made.append(Clause(key, "", "", "", ""))
        else:
            made.append(Clause(key, found.licence, found.section, found.text, found.url))
    return tuple(made)


def _derivations(conn: sa.Connection, rows: list[Row]) -> tuple[Derivation, ...]:
    """Derivation rows as read models; the titles of the derived artifacts and the names of
    the commons looked up once for all of them (by primary keys)."""
    rows = [_resolved(row) for row in rows]
    titles: dict[tuple[str, str], str] = {}
    by_commons: dict[str, set[str]] = {}
    for row in rows:
        by_commons.setdefault(str(row["commons_id"]), set()).add(str(row["derived"]))
    for commons_id, ids in by_commons.items():
        query = sa.select(artifacts.c.artifact_id, artifacts.c.title).where(
            artifacts.c.commons_id == commons_id, artifacts.c.artifact_id.in_(sorted(ids))
        )
        titles |= {(commons_id, str(r.artifact_id)): str(r.title) for r in conn.execute(query)}
    names = _commons_names(
        conn, [str(r["commons_id"]) for r in rows] + [str(r["source_commons"]) for r in rows]
    )
    made = []
    for row in rows:
        decision = orjson.loads(str(row["decision"]))
        made.append(
            Derivation(
                derivation_id=str(row["derivation_id"]),
                commons_id=str(row["commons_id"]),
                commons_name=names.get(str(row["commons_id"]), ""),
                derived=str(row["derived"]),
                derived_title=titles.get((str(row["commons_id"]), str(row["derived"])), ""),
                derived_licence=str(row["derived_licence"]),
                source_commons=str(row["source_commons"]),
                source_commons_name=names.get(str(row["source_commons"]), ""),
                source=str(row["source"]),
                source_title=str(row["source_title"]),
                source_licence=str(row["source_licence"]),
                source_version=None
                if row["source_version"] is None
                else int(row["source_version"]),
                source_sha256=_text(row["source_sha256"]),
                source_creator=str(row["source_creator"]),
                evidence=str(row["evidence"]),
                kind=str(row["kind"]),
                weight=int(row["weight"]),
                changed=bool(row["changed"]),
                status=str(row["status"]),
                decision=str(decision.get("decision", "")),
                clauses=_clauses([str(key) for key in decision.get("citations", [])]),
                notes=tuple(str(note) for note in decision.get("notes", [])),
                reviewed_by=_text(row["reviewed_by"]),
                recorded_by=str(row["recorded_by"]),
                seq=int(row["seq"]),
                recorded_at=str(row["recorded_at"]),
            )
        )
    return tuple(made)


def _derived_into(conn: sa.Connection, commons_id: str, artifact_id: str) -> list[Row]:
    """Who derived from the artifact, in any commons this node holds (ix_derivations_source)."""
    table = derivations.c
    query = (
        sa.select(derivations)
        .where(
            table.source == artifact_id,
            sa.or_(
                table.source_commons == commons_id,  # in other commons
                sa.and_(table.source_commons == "", table.commons_id == commons_id),  # here
            ),
        )
        .order_by(table.recorded_at.desc(), table.derivation_id.desc())
        .limit(DERIVED_SHOWN)
    )
    return [_resolved(plain_row(row)) for row in conn.execute(query).mappings()]


def artifact_detail(node: Node, commons_id: str, artifact_id: str) -> ArtifactDetail:
    """One artifact with everything its page shows."""
    with node.reading() as conn:
        require_head(conn, commons_id)
        state = DbState(conn)
        row = _artifact_or_missing(state, commons_id, artifact_id)
        held = _ranked_names(state, commons_id, row)
        contributors, total = _contributors(held)
        licensors = tuple(Person(did, name) for did, name, _ in held)
        changes = _changes(state, commons_id, artifact_id)
        open_change = next((c for c in changes if c.status == "open"), None)
        past = tuple(c for c in changes if c.status != "open")[:CHANGES_SHOWN]
        derived_from = _derivations(conn, _derivation_rows_in(state, commons_id, artifact_id))
        derived_into = _derivations(conn, _derived_into(conn, commons_id, artifact_id))
        creator = shown_names(conn, commons_id, [str(row["creator"])])
        return ArtifactDetail(
            commons_id=commons_id,
            commons_name=_commons_names(conn, [commons_id]).get(commons_id, commons_id),
            artifact=_item(row, creator),
            description=str(row["description"]),
            licence_terms=licence_terms(str(row["licence"])),
            allowed_licences=tuple(artifact_rules.allowed_licences(state, commons_id)),
            versions=_versions(conn, commons_id, artifact_id),
            contributors=contributors,
            total_milli=total,
            licensors=licensors,
            open_change=open_change,
            past_changes=past,
            derived_from=derived_from,
            derived_into=derived_into,
        )


# --- the graph around an artifact --------------------------------------------------------------


class _Walk:
    def __init__(self, state: DbState) -> None:
        self.state = state
        self.nodes: dict[str, GraphNode] = {}
        self.edges: dict[str, GraphEdge] = {}
        self.truncated = False

    def node(self, commons_id: str, artifact_id: str, depth: int, known: Row | None) -> bool:
        """Add a node (once); False when the bound stops it."""
        key = f"{commons_id}:{artifact_id}"
        if key in self.nodes:
            return True
        if len(self.nodes) >= GRAPH_NODES:
            self.truncated = True
            return False
        row = self.state.get(artifacts, (commons_id, artifact_id))
        title = str(row["title"]) if row else str(known["source_title"] if known else "")
        licence = str(row["licence"]) if row else str(known["source_licence"] if known else "")
        self.nodes[key] = GraphNode(
            key, commons_id, artifact_id, title, licence, depth, row is not None
        )
        return True

    def edge(self, row: Row) -> None:
        source = f"{row['source_commons']}:{row['source']}"
        derived = f"{row['commons_id']}:{row['derived']}"
        self.edges.setdefault(
            str(row["derivation_id"]),
            GraphEdge(
                str(row["derivation_id"]), str(row["commons_id"]), source, derived,
                str(row["kind"]), str(row["status"]), int(row["weight"]),
            ),
        )  # fmt: skip

    def up(self, frontier: list[tuple[str, str]], depth: int) -> list[tuple[str, str]]:
        found = []
        for commons_id, artifact_id in frontier:
            for row in _derivation_rows_in(self.state, commons_id, artifact_id):
                source = (str(row["source_commons"]), str(row["source"]))
                if self.node(*source, -depth, row):
                    self.edge(row)
                    found.append(source)
        return found

    def down(self, frontier: list[tuple[str, str]], depth: int) -> list[tuple[str, str]]:
        found = []
        for commons_id, artifact_id in frontier:
            for row in _derived_into(self.state.conn, commons_id, artifact_id):
                derived = (str(row["commons_id"]), str(row["derived"]))
                if self.node(*derived, depth, None):
                    self.edge(row)
                    found.append(derived)
        return found


def artifact_graph(node: Node, commons_id: str, artifact_id: str) -> Graph:
    """The derivation graph around an artifact, for a picture: what it was derived from and
    what was derived from it, up to GRAPH_DEPTH hops each way and GRAPH_NODES artifacts."""
    with node.reading() as conn:
        require_head(conn, commons_id)
        walk = _Walk(DbState(conn))
        row = _artifact_or_missing(walk.state, commons_id, artifact_id)
        walk.node(commons_id, artifact_id, 0, row)
        up = down = [(commons_id, artifact_id)]
        for depth in range(1, GRAPH_DEPTH + 1):
            up, down = walk.up(up, depth), walk.down(down, depth)
        if up or down:  # the last hop found more: what lies beyond it is not walked
            walk.truncated = walk.truncated or any(
                _derivation_rows_in(walk.state, *key) for key in up
            ) or any(_derived_into(conn, *key) for key in down)  # fmt: skip
    return Graph(
        root=f"{commons_id}:{artifact_id}",
        nodes=tuple(walk.nodes.values()),
        edges=tuple(walk.edges.values()),
        max_depth=GRAPH_DEPTH,
        max_nodes=GRAPH_NODES,
        truncated=walk.truncated,
    )


# --- what a commons reuses, and who reuses it ----------------------------------------------------


def reuse_page(
    node: Node, commons_id: str, *, side: str = "we_reuse", after: str | None = None,
    limit: int = 50,
) -> ReusePage:  # fmt: skip
    """One side of the commons' section "what we reuse, who reuses us", a page at a time."""
    if side not in REUSE_SIDES:
        raise BadInput(f"side {side!r} is not one of {', '.join(REUSE_SIDES)}")
    limit = page_limit(limit)
    table = derivations.c
    if side == "we_reuse":  # by ix_derivations_recent, newest first
        query = sa.select(derivations).where(
            table.commons_id == commons_id, table.source_commons != ""
        )
    else:  # by ix_derivations_reusers, newest first
        query = sa.select(derivations).where(
            table.source_commons == commons_id, table.commons_id != commons_id
        )
    if after is not None:
        matched = CURSOR.match(after)
        if matched is None:
            raise BadInput(
                f"{after!r} is not a cursor of this list: give the `next_after` of the page before"
            )
        at, last = matched.groups()
        query = query.where(
            sa.or_(
                table.recorded_at < at,
                sa.and_(table.recorded_at == at, table.derivation_id < last),
            )
        )
    query = query.order_by(table.recorded_at.desc(), table.derivation_id.desc()).limit(limit + 1)
    with node.reading() as conn:
        require_head(conn, commons_id)
        rows = [plain_row(row) for row in conn.execute(query).mappings()]
        items = _derivations(conn, rows[:limit])
    more = len(rows) > limit
    cursor = f"{items[-1].recorded_at}~{items[-1].derivation_id}" if more else None
    return ReusePage(side, items, limit, cursor)


# --- evidence: the signed entries that prove an artifact to another commons ----------------------


def artifact_evidence(node: Node, commons_id: str, artifact_id: str) -> Evidence:
    """The signed entries that prove the artifact, its title and its latest licence: the
    genesis of the commons that made it (its id is the commons' id: it names the host whose
    signature the others must carry), the artifact's create entry, and its latest version's
    entry if it has more than one."""
    with node.reading() as conn:
        require_head(conn, commons_id)
        state = DbState(conn)
        row = _artifact_or_missing(state, commons_id, artifact_id)
        wanted = [(int(row["created_seq"]), artifact_id)]
        if int(row["versions"]) > 1:
            latest = state.get(artifact_versions, (commons_id, artifact_id, int(row["versions"])))
            if latest is not None:
                wanted.append((int(latest["seq"]), str(latest["entry_id"])))
        found = []
        for seq, entry_id in wanted:
            entry = journal_store.entry_at(conn, commons_id, seq)
            if entry is None or entry.id != entry_id:
                raise NotFound(f"entry {seq} of commons {commons_id} is not on this node")
            found.append(entry)
        found.insert(0, _genesis_of(conn, commons_id, found[0].commons_id()))
    made_in = found[1].commons_id()
    # Every create entry names its licence (the rule has required it from the start).
    named = len(found) > 2 or found[1].body_json().get("licence") is not None
    note = (
        "embed these lines as source.evidence of property.derivation.record, with source."
        f"commons {made_in}: the commons' genesis names the host whose signature the others carry"
    )
    return Evidence(
        commons_id=commons_id,
        entries_commons=made_in,
        artifact_id=artifact_id,
        entry_ids=tuple(entry.id for entry in found),
        lines=tuple(entry.line.decode("utf-8") for entry in found),
        proves_licence=named,
        note=note,
    )


def _genesis_of(conn: sa.Connection, commons_id: str, made_in: str) -> Entry:
    """The genesis of ``made_in`` (a commons whose entries ``commons_id``'s journal holds: itself,
    or the parent it was forked from): the journal's first entry, or the fork's own entry."""
    first = journal_store.entry_at(conn, commons_id, 0)
    if first is not None and first.id == made_in:
        return first
    seq = conn.execute(
        sa.select(forks.c.seq).where(forks.c.commons_id == commons_id, forks.c.fork_id == made_in)
    ).scalar()
    entry = None if seq is None else journal_store.entry_at(conn, commons_id, int(seq))
    if entry is None or entry.id != made_in:
        raise NotFound(f"the genesis of commons {made_in} is not on this node")
    return entry


def evidence_lines(text: str) -> list[str]:
    """The wire lines of an evidence file (NDJSON, as ``artifact_evidence`` gives them)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise BadInput("the evidence file holds no line: save what `artifacts evidence` prints")
    return lines


# --- why money passed upstream --------------------------------------------------------------------


def _flow(row: Row, derivation: Row | None, titles: dict[str, str], names: dict[str, str],
          known: dict[str, int]) -> UpstreamFlow:  # fmt: skip
    amount = money(str(row["currency"]), int(row["amount_minor"]), known)
    derived_title = titles.get(str(row["derived"]), str(row["derived"]))
    source_title = str(derivation["source_title"]) if derivation else str(row["source"])
    kind = str(derivation["kind"]) if derivation else ""
    weight = int(derivation["weight"]) if derivation else 0
    where = names.get(str(row["source_commons"])) or str(row["source_commons"])
    return UpstreamFlow(
        n=int(row["n"]),
        derivation_id=str(row["derivation_id"]),
        derived=str(row["derived"]),
        derived_title=derived_title,
        source_commons=str(row["source_commons"]),
        source_commons_name=names.get(str(row["source_commons"]), ""),
        source=str(row["source"]),
        source_title=source_title,
        kind=kind,
        weight=weight,
        amount=amount,
        explanation=(
            f"{derived_title} passed {amount.amount} {amount.currency} to {source_title} "
            f"({where}), a source of it by {kind or 'derivation'} of weight {weight}"
        ),
    )


def income_upstream(node: Node, commons_id: str, txn_id: str) -> UpstreamDetail:
    """Why money passed upstream of an income for an artifact: every edge that carried some of
    it, and what each upstream commons got."""
    txn = transaction_detail(node, commons_id, txn_id)  # NotFound for an unknown one
    artifact = txn.why.get("artifact")
    query = (
        sa.select(upstream_flows)
        .where(upstream_flows.c.commons_id == commons_id, upstream_flows.c.txn_id == txn_id)
        .order_by(upstream_flows.c.n)
    )
    with node.reading() as conn:
        state = DbState(conn)
        rows = [_resolved(plain_row(row)) for row in conn.execute(query).mappings()]
        derived = {str(row["derived"]) for row in rows} | ({str(artifact)} if artifact else set())
        titles = {
            key: str(found["title"])
            for key in sorted(derived)
            if (found := state.get(artifacts, (commons_id, key))) is not None
        }
        names = _commons_names(conn, (str(row["source_commons"]) for row in rows))
        known = exponents(conn, commons_id)
        used = [state.get(derivations, (commons_id, str(row["derivation_id"]))) for row in rows]
        flows = tuple(
            _flow(row, derivation, titles, names, known)
            for row, derivation in zip(rows, used, strict=True)
        )
    return _detail(commons_id, txn, artifact, titles, flows, names, known)


def _detail(commons_id: str, txn: Transaction, artifact: JsonValue, titles: dict[str, str],
            flows: tuple[UpstreamFlow, ...], names: dict[str, str],
            known: dict[str, int]) -> UpstreamDetail:  # fmt: skip
    into = [p for p in txn.postings if p.amount_minor > 0]
    currency = into[0].currency if into else None
    received = kept = None
    if currency is not None:
        received = money(currency, sum(p.amount_minor for p in into), known)
        kept = money(currency, sum(p.amount_minor for p in into if p.account == "treasury"), known)
    reaching: dict[str, int] = {}
    for flow in flows:
        if flow.source_commons != commons_id:
            reaching[flow.source_commons] = (
                reaching.get(flow.source_commons, 0) + flow.amount.amount_minor
            )
    shares = tuple(
        UpstreamShare(other, names.get(other, ""), money(flows[0].amount.currency, amount, known))
        for other, amount in sorted(reaching.items())
    )
    title = titles.get(str(artifact), "") if artifact else ""
    if not flows or received is None or kept is None:
        words = "Nothing of this transaction passed upstream" + (
            f": nothing {title} was derived from is owed a share of it"
            if artifact
            else ": it was not received for an artifact"
        )
    else:
        passed = received.amount_minor - kept.amount_minor
        words = (
            f"Of {received.amount} {received.currency} received for {title}, "
            f"{money(received.currency, passed, known).amount} {received.currency} passed to "
            f"{len(shares)} upstream commons over {len(flows)} derivations, and "
            f"{kept.amount} {kept.currency} stayed in the treasury."
        )
    return UpstreamDetail(
        commons_id=commons_id,
        txn_id=txn.txn_id,
        artifact=None if artifact is None else str(artifact),
        artifact_title=title,
        received=received,
        kept=kept,
        flows=flows,
        upstream=shares,
        explanation=words,
    )


# --- what the command line needs to act -----------------------------------------------------------


def allowed_licences(node: Node, commons_id: str) -> tuple[str, ...]:
    """The licences an author may choose in the commons now: the charter's first (the
    default), then its ``property.licences``."""
    with node.reading() as conn:
        require_head(conn, commons_id)
        return tuple(artifact_rules.allowed_licences(DbState(conn), commons_id))


def current_licence(node: Node, commons_id: str, artifact_id: str) -> str:
    """The artifact's licence now (a new version restates it)."""
    with node.reading() as conn:
        require_head(conn, commons_id)
        return str(_artifact_or_missing(DbState(conn), commons_id, artifact_id)["licence"])
