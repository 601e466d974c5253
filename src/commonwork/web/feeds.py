"""A commons' Atom feed (RFC 4287): what changed, for a person who comes back or a feed reader.

Its entries are the newest proposals (with their phase and, once closed, their outcome) and the
newest contributions (with their status), newest first: a page of each, whatever the journal's
length. Built with ``feedgen``.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator

from commonwork.services import governance_read, queries
from commonwork.web.auth import node_of

router = APIRouter(include_in_schema=False)

#: Proposals and contributions the feed carries, each.
FEED_ITEMS = 30


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@router.get("/commons/{commons_id}/feed.atom")
def commons_feed(request: Request, commons_id: str) -> Response:
    node = node_of(request)
    detail = queries.commons_detail(node, commons_id)
    base = str(request.base_url).rstrip("/")
    page = f"{base}/commons/{commons_id}"
    feed = FeedGenerator()
    feed.id(f"{page}/feed.atom")
    feed.title(f"{detail.name}: what changed")
    feed.subtitle(detail.purpose or detail.name)
    feed.link(href=page, rel="alternate")
    feed.link(href=f"{page}/feed.atom", rel="self")
    newest = detail.recorded_at or detail.founded_at or "1970-01-01T00:00:00.000Z"
    feed.updated(_when(newest))
    items: list[tuple[str, str, str, str, str]] = []  # (time, id, title, link, summary)
    for proposal in governance_read.list_proposals(node, commons_id, limit=FEED_ITEMS):
        when = proposal.closed_at or proposal.made_at
        summary = f"{proposal.method.replace('_', ' ')}: {proposal.phase}"
        if proposal.effective_on:
            summary += f"; in force from {proposal.effective_on}"
        link = f"{page}/proposals/{proposal.proposal_id}"
        ident = f"{link}/{proposal.phase}"  # a new entry as it opens, closes, passes
        items.append((when, ident, f"Decision: {proposal.title}", link, summary))
    for work in queries.list_contributions(node, commons_id, limit=FEED_ITEMS):
        link = f"{page}#c-{work.id}"
        title = f"{work.contributor_name or 'A member'}: {work.quantity} {work.unit} of {work.kind}"
        ident = f"{page}/contributions/{work.id}/{work.status}"  # a new entry per status
        items.append((work.recorded_at, ident, title, link, work.description))
    for when, ident, title, link, summary in sorted(items, reverse=True):
        entry = feed.add_entry(order="append")
        entry.id(ident)
        entry.title(title)
        entry.link(href=link)
        entry.updated(_when(when))
        entry.summary(summary)
    body: bytes = feed.atom_str(pretty=True)
    return Response(body, media_type="application/atom+xml")
