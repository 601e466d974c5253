"""The pages of peer property: a commons' artifacts, one artifact (its licence, versions,
contributors with their exact shares, licensors, the licence change waiting for consent, what it
was derived from and what was derived from it, with a picture of the derivation graph, its
attribution downloads), the commons' section "what we reuse, who reuses us", and why money
received for an artifact passed upstream.

Anyone reads every page (holoptism); each costs what it shows (the reads of
services/property_read.py are bounded). A signed-in member creates an artifact; its creator and
licensors record versions and derivations, link work and propose licence changes; each licensor
answers a change. Every form signs through the generic door (``acting.act``, as the API and the
command line do), so the property area's own rules decide; a refusal shows the page again with
the rule's words next to the form, and what was typed. The one form that signs nothing keeps the
name attribution shows for a person, on this node only (services/attribution_names.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from commonwork.errors import BadInput, CommonworkError, NotFound
from commonwork.services import acting, attribution_names, property_read, queries
from commonwork.services.acting import Appended
from commonwork.services.property_read import (
    ArtifactDetail,
    Graph,
    GraphEdge,
    GraphNode,
)
from commonwork.web.auth import current_account, node_of
from commonwork.web.page_acting import Again, Back, posted, shown
from commonwork.web.page_forms import Fields, FormText, Labels, form_message, see_other
from commonwork.web.page_views import (
    acting_as,
    active_member_of,
    open_task_count,
    render,
    signed_in,
)
from commonwork.web.schemas import MAX_SEQ

router = APIRouter(include_in_schema=False)

ARTIFACTS_PER_PAGE = 25
REUSE_PER_PAGE = 20
#: How many of the commons' newest artifacts a derivation form offers as its source.
SOURCES_OFFERED = 100
#: How many derivations the graph's description reads out (the table below it has them all).
DESCRIBED_EDGES = 12
Before = Annotated[int | None, Query(ge=1, le=MAX_SEQ)]
Cursor = Annotated[str | None, Query(max_length=200)]
ENTRY_ID = re.compile(r"[0-9a-f]{64}")

KIND_WORDS = {
    "design": "Design",
    "code": "Code",
    "document": "Document",
    "dataset": "Data set",
    "other": "Other",
}
DERIVATION_WORDS = {
    "adaptation": "Adaptation: changed or built upon",
    "collection": "Collection: included unchanged, each part keeping its licence",
    "use": "Use or citation: used, not copied",
    "copy": "Copy: a verbatim copy",
}
STATUS_WORDS = {"allowed": "allowed", "needs_review": "needs review", "refused": "refused"}
EVIDENCE_WORDS = {
    "local": "an artifact of this commons, read from its record",
    "proved": "proved by the source's own signed entries",
    "unproved": "claimed, not proved: the members review it",
}
CHANGE_WORDS = {
    "open": "waiting for consent",
    "done": "changed",
    "refused": "refused",
    "withdrawn": "withdrawn",
}
VERSION_LABELS: Labels = {
    "version.sha256": "Content sha256",
    "version.url": "Where to get it (URL)",
    "version.size": "Size in bytes",
    "version.media_type": "Media type",
    "version": "Content",
    "licence": "Licence",
    "note": "What changed",
}
CREATE_LABELS: Labels = {
    "title": "Title",
    "kind": "Kind",
    "description": "Description",
    **VERSION_LABELS,
}
DERIVE_LABELS: Labels = {
    "source.artifact": "Source artifact",
    "source.commons": "Source commons",
    "source.evidence": "Evidence",
    "source": "Source",
    "kind": "Kind of derivation",
    "weight": "Weight",
    "note": "Note",
}
CHANGE_LABELS: Labels = {"licence": "New licence", "reason": "Why"}
LINK_LABELS: Labels = {"contributions": "Contributions"}


# --- the forms -----------------------------------------------------------------------------------


def _version(sha256: str, url: str, size: str, media_type: str) -> Fields:
    """A version's content as the action names it: what the form holds, the size as a number."""
    version: Fields = {"sha256": sha256.strip().lower()}
    if url.strip():
        version["url"] = url.strip()
    if size.strip():
        if not size.strip().isdigit():
            raise BadInput(f"Size in bytes: a whole number of bytes, such as 2048, not {size!r}")
        version["size"] = int(size.strip())
    if media_type.strip():
        version["media_type"] = media_type.strip()
    return version


@dataclass(frozen=True)
class ArtifactForm:
    """What the form that creates an artifact holds, kept as typed."""

    title: str = ""
    kind: str = "design"
    description: str = ""
    licence: str = ""
    sha256: str = ""
    url: str = ""
    size: str = ""
    media_type: str = ""

    def body(self) -> Fields:
        return {
            "title": self.title.strip(),
            "kind": self.kind,
            "description": self.description.strip(),
            "licence": self.licence.strip(),
            "version": _version(self.sha256, self.url, self.size, self.media_type),
        }


@dataclass(frozen=True)
class VersionForm:
    """A new version: its content, and the artifact's licence restated (a hidden field)."""

    sha256: str = ""
    url: str = ""
    size: str = ""
    media_type: str = ""
    licence: str = ""
    note: str = ""

    def body(self, artifact_id: str) -> Fields:
        return {
            "artifact": artifact_id,
            "version": _version(self.sha256, self.url, self.size, self.media_type),
            "licence": self.licence.strip(),
            "note": self.note.strip(),
        }


@dataclass(frozen=True)
class LinkForm:
    """Contributions' ids, one per line (or separated by spaces or commas)."""

    contributions: str = ""

    def body(self, artifact_id: str) -> Fields:
        ids = [part for part in self.contributions.replace(",", " ").split() if part]
        if not ids:
            raise BadInput("Contributions: give the id of at least one contribution")
        return {"artifact": artifact_id, "contributions": ids}


@dataclass(frozen=True)
class ChangeForm:
    licence: str = ""
    reason: str = ""

    def body(self, artifact_id: str) -> Fields:
        return {"artifact": artifact_id, "licence": self.licence.strip(), "reason": self.reason}


@dataclass(frozen=True)
class AnswerForm:
    change: str = ""
    answer: str = ""

    def body(self, artifact_id: str) -> Fields:
        return {"change": self.change.strip(), "answer": self.answer}


@dataclass(frozen=True)
class DerivationForm:
    """What the artifact was derived from: an artifact of this commons (``here``, chosen in a
    list), or of another commons (``elsewhere``: its id, the artifact's id and the signed
    entries that prove it, as its node's evidence download gives them)."""

    source_from: str = "here"
    source_artifact: str = ""
    source_commons: str = ""
    source_id: str = ""
    evidence: str = ""
    kind: str = "adaptation"
    weight: str = "1"
    note: str = ""

    def body(self, artifact_id: str) -> Fields:
        source: Fields
        if self.source_from == "elsewhere":
            source = {
                "commons": self.source_commons.strip(),
                "artifact": self.source_id.strip(),
                "evidence": property_read.evidence_lines(self.evidence),
            }
        else:
            source = {"artifact": self.source_artifact.strip()}
        weight = self.weight.strip() or "1"
        if not weight.isdigit():
            raise BadInput(f"Weight: a whole number from 1 to 10000, such as 1, not {weight!r}")
        body: Fields = {"derived": artifact_id, "kind": self.kind, "source": source}
        body["weight"] = int(weight)
        if self.note.strip():
            body["note"] = self.note.strip()
        return body


# --- acting through a form -----------------------------------------------------------------------


def _act(
    request: Request,
    csrf: str,
    commons_id: str,
    action_type: str,
    body: Callable[[], Fields],
    back: Back,
    again: Again,
) -> Response:
    """Sign the action whose body ``body`` puts together (once the form's token checks out, so
    that who may not act hears so before what they typed is read) and go ``back``; a refusal —
    of the form or of the rules — is shown by ``again``."""
    _, signer = acting_as(request, csrf)

    def sign() -> Appended:
        return acting.act(
            node_of(request),
            actor=signer,
            commons_id=commons_id,
            action_type=action_type,
            body=body(),
        )

    return shown(sign, back, again)


def artifact_path(commons_id: str, artifact_id: str) -> str:
    return property_read.ARTIFACT_PATH.format(commons_id=commons_id, artifact_id=artifact_id)


def _common(request: Request, commons_id: str) -> dict[str, Any]:
    node = node_of(request)
    return {
        "commons": queries.commons_detail(node, commons_id),
        "open_tasks": open_task_count(node, commons_id),
        "kind_words": KIND_WORDS,
        "derivation_words": DERIVATION_WORDS,
        "status_words": STATUS_WORDS,
        "evidence_words": EVIDENCE_WORDS,
        "change_words": CHANGE_WORDS,
    }


def licence_names(expressions: list[str]) -> dict[str, str]:
    """Each licence expression with the names of the licences it names, for a tag's title."""
    named = {}
    for expression in set(expressions):
        terms = property_read.licence_terms(expression)
        named[expression] = "; ".join(term.name or term.id for term in terms) or expression
    return named


# --- the artifacts of a commons ------------------------------------------------------------------


def _artifacts(
    request: Request,
    commons_id: str,
    before: int | None = None,
    *,
    form: ArtifactForm | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    node = node_of(request)
    page = property_read.list_artifacts(node, commons_id, before=before, limit=ARTIFACTS_PER_PAGE)
    allowed = property_read.allowed_licences(node, commons_id)
    account = current_account(request)
    context = _common(request, commons_id)
    context.update(
        page=page,
        before=before,
        allowed=allowed,
        names=licence_names([item.licence for item in page.items] + list(allowed)),
        is_member=active_member_of(node, commons_id, account),
        form=form or ArtifactForm(licence=allowed[0]),
        error=error,
    )
    return render(request, "artifacts.html", context, status=status)


@router.get("/commons/{commons_id}/artifacts")
def artifacts_page(request: Request, commons_id: str, before: Before = None) -> Response:
    return _artifacts(request, commons_id, before)


@router.post("/commons/{commons_id}/artifacts")
def create_artifact(
    request: Request,
    commons_id: str,
    form: Annotated[ArtifactForm, Depends(posted(ArtifactForm))],
    csrf: FormText = "",
) -> Response:
    def again(error: CommonworkError) -> Response:
        said = form_message(error, CREATE_LABELS)
        return _artifacts(request, commons_id, form=form, error=said, status=error.status)

    def to_artifact(appended: Appended) -> Response:
        return see_other(artifact_path(commons_id, appended.entry.id))

    return _act(request, csrf, commons_id, property_read.CREATE, form.body, to_artifact, again)


# --- one artifact --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """What the artifact page shows beyond the record: a form kept as typed after a refusal
    (``name``: which form) with the refusal, or a refusal for the top of the page."""

    name: str = ""
    form: Any = None
    error: str = ""


def _roles(detail: ArtifactDetail, did: str | None) -> dict[str, bool]:
    """What the reader may do with the artifact, as the rules will decide it (the forms are
    shown only then; the rules decide anyway)."""
    licensors = {person.did for person in detail.licensors}
    change = detail.open_change
    return {
        "steward": did is not None and (did == detail.artifact.creator or did in licensors),
        "licensor": did is not None and did in licensors,
        "may_answer": did is not None
        and change is not None
        and did in {person.did for person in change.waiting_for},
        "proposer": did is not None and change is not None and did == change.proposed_by,
    }


def _artifact(
    request: Request, commons_id: str, artifact_id: str, shown_: Shown | None = None,
    *, status: int = 200,
) -> Response:  # fmt: skip
    node = node_of(request)
    detail = property_read.artifact_detail(node, commons_id, artifact_id)
    graph = property_read.artifact_graph(node, commons_id, artifact_id)
    account = current_account(request)
    did = account.did if account is not None else None
    roles = _roles(detail, did)
    context = _common(request, commons_id)
    context.update(
        detail=detail,
        a=detail.artifact,
        is_member=active_member_of(node, commons_id, account),
        graph=graph,
        graph_svg=graph_svg(graph),
        graph_rows=graph_rows(graph),
        names=licence_names(
            [detail.artifact.licence, *detail.allowed_licences]
            + [version.licence for version in detail.versions]
        ),
        people={detail.artifact.creator: detail.artifact.creator_name}
        | {person.did: person.name for person in detail.licensors},
        shown=shown_ or Shown(),
        typed={shown_.name: shown_.form} if shown_ is not None and shown_.name else {},
        **roles,
    )
    if roles["steward"]:
        offered = property_read.list_artifacts(node, commons_id, limit=SOURCES_OFFERED).items
        context["sources"] = [item for item in offered if item.artifact_id != artifact_id]
    if account is not None:
        context["attribution"] = attribution_names.own_attribution_name(
            node, did=account.did, commons_id=commons_id
        )
    return render(request, "artifact.html", context, status=status)


@router.get(property_read.ARTIFACT_PATH)
def artifact_page(request: Request, commons_id: str, artifact_id: str) -> Response:
    return _artifact(request, commons_id, artifact_id)


def _on_artifact(
    name: str, action_type: str, form_type: type[Any], labels: Labels, anchor: str
) -> Callable[..., Response]:
    """The route of one form of the artifact page: ``form_type`` read from the post, its body
    signed as ``action_type``; back to the page at ``anchor``, or the page again with the
    refusal next to the form (in the words of its ``labels``) and what was typed."""

    def on_artifact(
        request: Request,
        commons_id: str,
        artifact_id: str,
        csrf: FormText = "",
        form: Any = Depends(posted(form_type)),  # noqa: B008 (FastAPI's way to read a form)
    ) -> Response:
        def again(error: CommonworkError) -> Response:
            kept = Shown(name, form, form_message(error, labels))
            try:
                return _artifact(request, commons_id, artifact_id, kept, status=error.status)
            except NotFound:  # no such artifact to show again: the refusal's own page
                raise error from None

        back = f"{artifact_path(commons_id, artifact_id)}#{anchor}"

        def body() -> Fields:  # read once the form's token checks out
            made: Fields = form.body(artifact_id)
            return made

        return _act(request, csrf, commons_id, action_type, body, back, again)

    on_artifact.__name__ = name
    return on_artifact


#: The artifact page's forms: (the path after the artifact's, form name, action type, form,
#: labels, anchor).
_ON_ARTIFACT: tuple[tuple[str, str, str, type[Any], Labels, str], ...] = (
    ("versions", "version", property_read.VERSION, VersionForm, VERSION_LABELS, "versions"),
    ("links", "link", property_read.LINK, LinkForm, LINK_LABELS, "contributors"),
    (
        "licence-changes", "change", property_read.LICENCE_CHANGE, ChangeForm, CHANGE_LABELS,
        "licence-change",
    ),
    ("licence-answers", "answer", property_read.LICENCE_ANSWER, AnswerForm, {}, "licence-change"),
    ("derivations", "derive", property_read.DERIVE, DerivationForm, DERIVE_LABELS, "derived-from"),
)  # fmt: skip


def _add_artifact_forms() -> None:
    for path, name, action_type, form_type, labels, anchor in _ON_ARTIFACT:
        route = _on_artifact(name, action_type, form_type, labels, anchor)
        full = f"{property_read.ARTIFACT_PATH}/{path}"
        router.add_api_route(full, route, methods=["POST"], name=f"artifact_{name}")


_add_artifact_forms()


@router.post("/commons/{commons_id}/attribution-name")
def keep_attribution_name(
    request: Request,
    commons_id: str,
    name: FormText = "",
    artifact: FormText = "",
    csrf: FormText = "",
) -> Response:
    """Keep (or, emptied, forget) the name attribution shows for the signed-in person in this
    commons, on this node only: no journal entry. Back to the artifact page the form was on."""
    account = signed_in(request, csrf)
    if artifact and ENTRY_ID.fullmatch(artifact) is None:
        raise BadInput("the artifact is named by the id of the entry that created it (64 hex)")
    try:
        attribution_names.set_attribution_name(
            node_of(request), did=account.did, commons_id=commons_id, name=name
        )
    except CommonworkError as refused:
        if refused.status == 404 or not artifact:
            raise
        kept = Shown("name", {"name": name}, refused.detail)
        return _artifact(request, commons_id, artifact, kept, status=refused.status)
    if not artifact:
        return see_other(f"/commons/{commons_id}/artifacts")
    return see_other(f"{artifact_path(commons_id, artifact)}#attribution-name")


# --- what we reuse, who reuses us ----------------------------------------------------------------


@router.get("/commons/{commons_id}/reuse")
def reuse_page(
    request: Request, commons_id: str, we_after: Cursor = None, us_after: Cursor = None
) -> Response:
    """Both sides of the section, each a page at a time with its own cursor."""
    node = node_of(request)
    we = property_read.reuse_page(
        node, commons_id, side="we_reuse", after=we_after, limit=REUSE_PER_PAGE
    )
    us = property_read.reuse_page(
        node, commons_id, side="reuses_us", after=us_after, limit=REUSE_PER_PAGE
    )
    base = f"/commons/{commons_id}/reuse"

    def link(**cursors: str | None) -> str:
        kept = {name: value for name, value in cursors.items() if value}
        return base + (f"?{urlencode(kept)}" if kept else "")

    context = _common(request, commons_id)
    context.update(
        we=we,
        us=us,
        we_after=we_after,
        us_after=us_after,
        we_more=link(we_after=we.next_after, us_after=us_after) if we.next_after else None,
        us_more=link(we_after=we_after, us_after=us.next_after) if us.next_after else None,
        we_first=link(us_after=us_after) if we_after else None,
        us_first=link(we_after=we_after) if us_after else None,
    )
    return render(request, "reuse.html", context)


# --- why money passed upstream -------------------------------------------------------------------


@router.get("/commons/{commons_id}/txns/{txn_id}/upstream")
def upstream_page(request: Request, commons_id: str, txn_id: str) -> Response:
    detail = property_read.income_upstream(node_of(request), commons_id, txn_id)
    context = _common(request, commons_id)
    context.update(u=detail)
    return render(request, "artifact_upstream.html", context)


# --- the derivation graph, drawn -----------------------------------------------------------------

NODE_W, NODE_H = 172, 44
COLUMN_GAP, ROW_GAP = 64, 14
PAD, HEAD_H, LEGEND_H = 8, 22, 30
TITLE_CHARS, LICENCE_CHARS = 24, 27
#: How each status draws an edge: its colour and dashes (the legend says which is which).
EDGE_STYLES = {
    "allowed": ("#2f6b4f", ""),
    "needs_review": ("#8a5a00", "6 4"),
    "refused": ("#a3312b", "2 3"),
}


def _cut(text: str, keep: int) -> str:
    return text if len(text) <= keep else text[: keep - 1] + "…"


def _n(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _column_title(depth: int) -> str:
    if depth == 0:
        return "This artifact"
    if abs(depth) == 1:
        return "Made from" if depth < 0 else "Made from it"
    return f"{abs(depth)} hops {'upstream' if depth < 0 else 'downstream'}"


def _node_label(node: GraphNode) -> str:
    return node.title or node.artifact_id[:12]


def _places(graph: Graph) -> tuple[dict[str, tuple[float, float]], list[int], int]:
    """Where each node's box sits: a column per hop (sources left, reusers right), the nodes
    of a column by title, the columns centred on the tallest."""
    depths = sorted({node.depth for node in graph.nodes})
    columns = {
        depth: sorted(
            (node for node in graph.nodes if node.depth == depth),
            key=lambda node: (_node_label(node).lower(), node.key),
        )
        for depth in depths
    }
    rows = max(len(column) for column in columns.values())
    places: dict[str, tuple[float, float]] = {}
    for index, depth in enumerate(depths):
        column = columns[depth]
        x = float(PAD + index * (NODE_W + COLUMN_GAP))
        offset = (rows - len(column)) * (NODE_H + ROW_GAP) / 2
        for row, node in enumerate(column):
            places[node.key] = (x, PAD + HEAD_H + offset + row * (NODE_H + ROW_GAP))
    return places, depths, rows


def _edge_svg(edge: GraphEdge, places: dict[str, tuple[float, float]], words: str) -> str:
    (sx, sy), (dx, dy) = places[edge.source], places[edge.derived]
    x1, y1, x2, y2 = sx + NODE_W, sy + NODE_H / 2, dx, dy + NODE_H / 2
    if x2 <= x1:  # a derivation between nodes of one column or back: around, right to left
        x1, x2 = sx + NODE_W / 2, dx + NODE_W / 2
        y1, y2 = sy + (NODE_H if dy > sy else 0), dy + (0 if dy > sy else NODE_H)
    bend = max(32.0, abs(x2 - x1) / 2)
    colour, dashes = EDGE_STYLES.get(edge.status, EDGE_STYLES["needs_review"])
    dashed = f' stroke-dasharray="{dashes}"' if dashes else ""
    return (
        f'<path d="M{_n(x1)} {_n(y1)} C{_n(x1 + bend)} {_n(y1)} {_n(x2 - bend)} {_n(y2)} '
        f'{_n(x2)} {_n(y2)}" class="graph-edge {escape(edge.status)}" fill="none" '
        f'stroke="{colour}" stroke-width="2"{dashed} marker-end="url(#graph-arrow-{edge.status})"'
        f' data-testid="graph-edge" data-status="{escape(edge.status)}">'
        f"<title>{escape(words)}</title></path>"
    )


def _node_svg(node: GraphNode, x: float, y: float, home: str, root: bool) -> str:
    label = _node_label(node)
    where = "this commons" if node.commons_id == home else "another commons on this node"
    if not node.held:
        where = "a commons this node does not hold"
    tip = f"{label} ({node.licence or 'licence unknown'}), in {where}"
    stroke = ' stroke-width="2.5"' if root else ' stroke-width="1"'
    return (
        f'<g class="graph-node{" root" if root else ""}" data-testid="graph-node" '
        f'data-key="{escape(node.key)}" data-depth="{node.depth}">'
        f"<title>{escape(tip)}</title>"
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{NODE_W}" height="{NODE_H}" rx="6" '
        f'fill="currentColor" fill-opacity="{"0.14" if root else "0.05"}" '
        f'stroke="currentColor"{stroke}/>'
        f'<text x="{_n(x + 8)}" y="{_n(y + 18)}" class="chart-label" font-size="12" '
        f'font-weight="600" fill="currentColor">{escape(_cut(label, TITLE_CHARS))}</text>'
        f'<text x="{_n(x + 8)}" y="{_n(y + 35)}" font-size="11" fill="currentColor">'
        f"{escape(_cut(node.licence or '?', LICENCE_CHARS))}</text></g>"
    )


def _legend(y: float) -> str:
    parts = []
    for index, (status, (colour, dashes)) in enumerate(EDGE_STYLES.items()):
        x = PAD + index * 150
        dashed = f' stroke-dasharray="{dashes}"' if dashes else ""
        parts.append(
            f'<line x1="{_n(x)}" y1="{_n(y)}" x2="{_n(x + 28)}" y2="{_n(y)}" stroke="{colour}" '
            f'stroke-width="2"{dashed}/>'
            f'<text x="{_n(x + 34)}" y="{_n(y + 4)}" font-size="11" fill="currentColor">'
            f"{escape(STATUS_WORDS[status])}</text>"
        )
    return "".join(parts)


def _markers() -> str:
    return "<defs>" + "".join(
        f'<marker id="graph-arrow-{status}" viewBox="0 0 10 10" refX="9" refY="5" '
        f'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        f'<path d="M0 0 L10 5 L0 10 z" fill="{colour}"/></marker>'
        for status, (colour, _) in EDGE_STYLES.items()
    ) + "</defs>"  # fmt: skip


def _edge_words(edge: GraphEdge, nodes: dict[str, GraphNode]) -> str:
    derived, source = nodes[edge.derived], nodes[edge.source]
    return (
        f"{_node_label(derived)} was made from {_node_label(source)} "
        f"({edge.kind}, {STATUS_WORDS.get(edge.status, edge.status)})"
    )


def graph_svg(graph: Graph) -> Markup | None:
    """The derivation graph as an SVG picture at its own size (the page scrolls a wide one),
    layered by hops: what the artifact was made from on the left, the artifact in the middle,
    what was made from it on the right; each node named by its title and licence, each edge
    coloured by its status. None when nothing was derived either way (the page says so)."""
    if not graph.edges:
        return None
    nodes = {node.key: node for node in graph.nodes}
    places, depths, rows = _places(graph)
    width = 2 * PAD + len(depths) * NODE_W + (len(depths) - 1) * COLUMN_GAP
    body_h = rows * NODE_H + (rows - 1) * ROW_GAP
    height = 2 * PAD + HEAD_H + body_h + LEGEND_H
    words = [_edge_words(edge, nodes) for edge in graph.edges]
    told = "; ".join(words[:DESCRIBED_EDGES])
    if len(words) > DESCRIBED_EDGES:
        told += f"; and {len(words) - DESCRIBED_EDGES} more (the table below lists them all)"
    description = f"{len(graph.nodes)} artifacts and {len(graph.edges)} derivations: {told}."
    root = nodes[graph.root]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="{_n(width)}" height="{_n(height)}" class="graph-chart" role="img" '
        f'aria-labelledby="graph-title graph-desc" data-testid="derivation-graph">',
        f'<title id="graph-title">The derivation graph around {escape(_node_label(root))}</title>',
        f'<desc id="graph-desc">{escape(description)}</desc>',
        _markers(),
    ]
    for index, depth in enumerate(depths):
        x = PAD + index * (NODE_W + COLUMN_GAP) + NODE_W / 2
        parts.append(
            f'<text x="{_n(x)}" y="{_n(PAD + 12)}" text-anchor="middle" font-size="11" '
            f'fill="currentColor">{escape(_column_title(depth))}</text>'
        )
    parts += [_edge_svg(edge, places, text) for edge, text in zip(graph.edges, words, strict=True)]
    home = root.commons_id
    parts += [
        _node_svg(node, *places[node.key], home, node.key == graph.root) for node in graph.nodes
    ]
    parts.append(_legend(PAD + HEAD_H + body_h + LEGEND_H / 2 + 4))
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text drawn is escaped above


def graph_rows(graph: Graph) -> list[dict[str, Any]]:
    """The graph's derivations as rows of a table (what the picture shows, for screen readers
    and for reading): source, derived, kind, status and weight."""
    nodes = {node.key: node for node in graph.nodes}
    rows = [
        {"source": nodes[edge.source], "derived": nodes[edge.derived], "edge": edge}
        for edge in graph.edges
    ]
    return sorted(rows, key=lambda row: (row["derived"].depth, row["source"].depth))
