"""The invitation pages: a member makes an invitation link to an invitation-only commons (shown
once), and the person who receives it sees who invites them where, signs up or in, and joins.

Both pages carry private data (a code is as good as a key to the door), so they are never cached
and send no referrer. Forms carry the session's ``csrf`` token; a refused redemption is shown on
the invitation page with the reason and its 4xx status, and writes nothing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from commonwork.errors import BadInput, CommonworkError, NotFound
from commonwork.services import accounts, invitations, queries
from commonwork.services.catalog import INVITE
from commonwork.web.auth import current_account, node_of
from commonwork.web.page_acting import act_on_page
from commonwork.web.page_forms import FormText, see_other
from commonwork.web.page_views import acting_as, open_task_count, render, signed_in

router = APIRouter(include_in_schema=False)
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _sign_in_first(path: str) -> Response:
    return see_other(f"/signin?next={quote(path)}")


def _is_member(request: Request, commons_id: str, account: accounts.Account | None) -> bool:
    if account is None:
        return False
    row = queries.membership(node_of(request), commons_id, account.did)
    return row is not None and row.status == "active"


def _invitations_page(
    request: Request,
    commons_id: str,
    account: accounts.Account,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """A member's invitations to one commons, with the form that makes a new one."""
    node = node_of(request)
    at = node.clock()
    made = invitations.list_invitations(node, commons_id=commons_id, inviter=account.did)
    context = {
        "commons": queries.commons_detail(node, commons_id),
        "open_tasks": open_task_count(node, commons_id),
        "is_member": _is_member(request, commons_id, account),
        "invitations": [(invitation, invitation.status(at)) for invitation in made],
        "days": invitations.INVITATION_DAYS,
        "max_days": invitations.MAX_INVITATION_DAYS,
        **(extra or {}),
    }
    return render(request, "invitations.html", context, status=status, headers=PRIVATE)


@router.get("/commons/{commons_id}/invitations")
def invitations_page(request: Request, commons_id: str) -> Response:
    account = current_account(request)
    if account is None:
        return _sign_in_first(request.url.path)
    return _invitations_page(request, commons_id, account)


def _days(text: str) -> int:
    try:
        return int(text.strip() or invitations.INVITATION_DAYS)
    except ValueError as exc:
        raise BadInput(
            f"give the days the link stays valid as a whole number, not {text!r}"
        ) from exc


@router.post("/commons/{commons_id}/invitations")
def make_invitation(
    request: Request, commons_id: str, days: FormText = "", csrf: FormText = ""
) -> Response:
    """Make an invitation; its link is on this answer only (the node keeps no code)."""
    account, keypair = acting_as(request, csrf)
    node = node_of(request)
    try:
        new = invitations.create_invitation(
            node, inviter=keypair, commons_id=commons_id, days=_days(days)
        )
    except CommonworkError as exc:
        extra = {"error": exc.detail, "days_text": days}
        return _invitations_page(request, commons_id, account, extra, exc.status)
    link = new.link(str(request.base_url))
    return _invitations_page(request, commons_id, account, {"new": new, "link": link})


@router.post("/commons/{commons_id}/invitations/key")
def invite_key(
    request: Request, commons_id: str, invitee: FormText = "", csrf: FormText = ""
) -> Response:
    """Invite a key directly (``commons.member.invite``): its holder may join at once. Works
    whoever keeps the inviter's key (a key held in the browser cannot make a link: the node
    could not sign the invite when the link is used)."""
    account = signed_in(request, csrf)

    def again(exc: CommonworkError) -> Response:
        extra = {"key_error": exc.detail, "invitee_text": invitee}
        return _invitations_page(request, commons_id, account, extra, exc.status)

    action = (commons_id, INVITE, {"invitee": invitee.strip()})
    back = f"/commons/{commons_id}/invitations#invite-key"
    return act_on_page(request, csrf, action, back, again)


def _invitation_page(request: Request, code: str, error: CommonworkError | None = None) -> Response:
    """Which commons invites, by whom; the way to accept it, or why it cannot be accepted."""
    node = node_of(request)
    view = invitations.describe_invitation(node, code)  # unknown: the 404 problem page
    account = current_account(request)
    if error is None:
        try:
            invitations.check_usable(view, account.did if account is not None else None)
        except CommonworkError as exc:
            error = exc
    context = {
        "view": view,
        "here": f"/invitations/{quote(code.strip(), safe='')}",
        "is_member": _is_member(request, view.invitation.commons_id, account),
        "error": error.detail if error is not None else None,
    }
    status = error.status if error is not None else 200
    return render(request, "invitation.html", context, status=status, headers=PRIVATE)


@router.get("/invitations/{code}")
def invitation_page(request: Request, code: str) -> Response:
    return _invitation_page(request, code)


@router.post("/invitations/{code}")
def redeem(request: Request, code: str, csrf: FormText = "") -> Response:
    """Accept the invitation: the inviter's invite naming the account's key, then its join."""
    if current_account(request) is None:
        return _sign_in_first(f"/invitations/{quote(code.strip(), safe='')}")
    account, keypair = acting_as(request, csrf)
    try:
        redeemed = invitations.redeem_invitation(
            node_of(request), code=code, invitee=keypair, name=account.display_name
        )
    except NotFound:
        raise
    except CommonworkError as exc:
        return _invitation_page(request, code, exc)
    return see_other(f"/commons/{redeemed.invitation.commons_id}")
