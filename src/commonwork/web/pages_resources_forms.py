"""What the pages of shared resources share: their words, the forms that lend a resource and
book it (kept as typed, to be shown again with a refusal), the booking page's small forms, the
pages' paths, and the one way they sign what a form says (``act_form``, through the generic
door, so the resources area's own rules decide).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from commonwork.errors import BadInput
from commonwork.services import acting, queries, resources_read
from commonwork.services.acting import Appended
from commonwork.services.books_acting import minor_units
from commonwork.services.nodes import Node
from commonwork.services.resources_read import Rules
from commonwork.web.auth import node_of
from commonwork.web.page_acting import Again, Back, shown
from commonwork.web.page_forms import Fields, Labels
from commonwork.web.page_views import acting_as, open_task_count
from commonwork.web.resources_calendar import utc_text

KIND_WORDS = {
    "tool": "Tool",
    "machine": "Machine",
    "vehicle": "Vehicle",
    "room": "Room",
    "other": "Other",
}
WHO_WORDS = {
    "any": "Any member",
    "privilege": "Members whose standing unlocks a privilege",
    "trained": "Members trained in a skill",
    "role": "Holders of a role granted by decision",
}
OWNER_WORDS = {"member": "Me: it is my own", "commons": "The commons (its treasurer lends it)"}
STATUS_WORDS = {
    "booked": "booked",
    "out": "checked out",
    "returned": "returned",
    "cancelled": "cancelled",
    "offered": "offered from the waiting list",
    "expired": "lapsed",
    "declined": "declined",
    "blocked": "maintenance",
    "lifted": "maintenance lifted",
}
WAIT_WORDS = {
    "waiting": "waiting",
    "offered": "offered: take it or decline it",
    "booked": "booked",
    "left": "left the list",
    "declined": "declined",
    "expired": "lapsed",
}
DEPOSIT_WORDS = {
    "none": "not held",
    "held": "held in escrow",
    "disputed": "disputed: an arbitration panel decides",
    "settled": "settled",
}
#: The zones the lending form offers (any other IANA name may be typed).
COMMON_ZONES = (
    "UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Madrid", "Europe/Paris",
    "Europe/Brussels", "Europe/Amsterdam", "Europe/Berlin", "Europe/Zurich", "Europe/Rome",
    "Europe/Vienna", "Europe/Prague", "Europe/Warsaw", "Europe/Stockholm", "Europe/Helsinki",
    "Europe/Athens", "Europe/Istanbul", "Africa/Lagos", "Africa/Nairobi", "Africa/Johannesburg",
    "Asia/Kolkata", "Asia/Bangkok", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo",
    "Australia/Sydney", "Pacific/Auckland", "America/Sao_Paulo", "America/Argentina/Buenos_Aires",
    "America/Mexico_City", "America/Toronto", "America/New_York", "America/Chicago",
    "America/Denver", "America/Los_Angeles",
)  # fmt: skip
RULES_LABELS: Labels = {
    "rules.max_hours": "Longest booking (hours)",
    "rules.buffer_minutes": "Buffer between bookings (minutes)",
    "rules.quota.days": "Quota: days per person",
    "rules.quota.per_days": "Quota window (days)",
    "rules.quota": "Quota",
    "rules.deposit": "Deposit",
    "rules.fee": "Fee",
    "rules.who": "Who may book",
    "rules.damage_block_days": "Days a damage report blocks it",
    "rules": "Rules",
}
LEND_LABELS: Labels = {
    "name": "Resource name",
    "kind": "Kind of resource",
    "description": "Description",
    "location": "Where it is kept",
    "zone": "Time zone",
    "owner": "Owned by",
    **RULES_LABELS,
}
BOOK_LABELS: Labels = {
    "start": "Start",
    "end": "End",
    "note": "Note for the keeper",
    "training": "Training record",
}


def whole(label: str, text: str) -> int | None:
    """A whole number typed in a field, or None when left blank."""
    typed = text.strip()
    if not typed:
        return None
    if not typed.isdigit():
        raise BadInput(f"{label}: a whole number, such as 3, not {typed!r}")
    return int(typed)


# --- the forms --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RulesFields:
    """A resource's usage rules as a form holds them, kept as typed."""

    max_hours: str = "72"
    buffer_minutes: str = "0"
    quota_days: str = ""
    quota_per_days: str = ""
    deposit_amount: str = ""
    deposit_currency: str = ""
    fee_amount: str = ""
    fee_currency: str = ""
    who: str = "any"
    who_named: str = ""
    damage_block_days: str = ""

    def _charge(self, node: Node, commons_id: str, what: str) -> Fields | None:
        amount = getattr(self, f"{what}_amount").strip()
        currency = getattr(self, f"{what}_currency").strip().upper()
        if not amount:
            return None
        if not currency:
            raise BadInput(f"{what.title()} currency: name the currency of the {what}, e.g. EUR")
        return {"amount": minor_units(node, commons_id, currency, amount), "currency": currency}

    def _who(self) -> Fields:
        named = self.who_named.strip()
        key = {"privilege": "privilege", "trained": "skill", "role": "role"}.get(self.who)
        return {"who": self.who, **({key: named} if key and named else {})}

    def rules(self, node: Node, commons_id: str) -> Fields:
        """The rules' body (what was left blank, the rules' default)."""
        rules: Fields = {"who": self._who()}
        for name in ("max_hours", "buffer_minutes", "damage_block_days"):
            number = whole(RULES_LABELS[f"rules.{name}"], getattr(self, name))
            if number is not None:
                rules[name] = number
        days = whole(RULES_LABELS["rules.quota.days"], self.quota_days)
        per_days = whole(RULES_LABELS["rules.quota.per_days"], self.quota_per_days)
        if days is not None or per_days is not None:
            quota = {"days": days, "per_days": per_days}
            rules["quota"] = {key: value for key, value in quota.items() if value is not None}
        for what in ("deposit", "fee"):
            charge = self._charge(node, commons_id, what)
            if charge is not None:
                rules[what] = charge
        return rules

    @classmethod
    def of(cls, rules: Rules) -> RulesFields:
        """A resource's rules as they stand, typed in the form."""
        named = {"privilege": rules.privilege, "trained": rules.skill, "role": rules.role}
        return cls(
            max_hours=str(rules.max_hours),
            buffer_minutes=str(rules.buffer_minutes),
            quota_days="" if rules.quota is None else str(rules.quota.days),
            quota_per_days="" if rules.quota is None else str(rules.quota.per_days),
            deposit_amount="" if rules.deposit is None else rules.deposit.amount,
            deposit_currency="" if rules.deposit is None else rules.deposit.currency,
            fee_amount="" if rules.fee is None else rules.fee.amount,
            fee_currency="" if rules.fee is None else rules.fee.currency,
            who=rules.who,
            who_named=named.get(rules.who) or "",
            damage_block_days=str(rules.damage_block_days),
        )


@dataclass(frozen=True)
class LendForm(RulesFields):
    """What the form that lends a resource holds, kept as typed."""

    name: str = ""
    kind: str = "tool"
    description: str = ""
    location: str = ""
    zone: str = "UTC"
    other_zone: str = ""
    owner: str = "member"

    def chosen_zone(self) -> str:
        return self.other_zone.strip() or self.zone

    def body(self, node: Node, commons_id: str) -> Fields:
        body: Fields = {
            "name": self.name.strip(),
            "kind": self.kind,
            "description": self.description.strip(),
            "location": self.location.strip(),
            "zone": self.chosen_zone(),
            "owner": self.owner,
        }
        return {**body, "rules": self.rules(node, commons_id)}


@dataclass(frozen=True)
class BookingForm:
    """A time typed as local dates and times in the resource's zone (the end's date, left
    blank, is the start's), a note and, for a resource only trained members book, the
    training record."""

    start_date: str = ""
    start_time: str = ""
    end_date: str = ""
    end_time: str = ""
    note: str = ""
    training: str = ""

    def interval(self, resource_id: str, zone: str) -> Fields:
        start = utc_text(self.start_date, self.start_time, zone, "Start")
        end = utc_text(self.end_date or self.start_date, self.end_time, zone, "End")
        body: Fields = {"resource": resource_id, "start": start, "end": end}
        if self.training.strip():
            body["training"] = self.training.strip()
        return body

    def body(self, resource_id: str, zone: str) -> Fields:
        body = self.interval(resource_id, zone)
        return {**body, "note": self.note.strip()} if self.note.strip() else body


@dataclass(frozen=True)
class ReasonForm:
    reason: str = ""


@dataclass(frozen=True)
class ConditionForm:
    condition: str = ""


@dataclass(frozen=True)
class ReturnForm:
    condition: str = ""
    damage: str = ""
    keep: str = ""


@dataclass(frozen=True)
class NoFields:
    pass


# --- acting through a form, and what every page shows -----------------------------------------


def act_form(
    request: Request,
    csrf: str,
    commons_id: str,
    action_type: str,
    body: Callable[[], Fields],
    back: Back,
    again: Again,
) -> Response:
    """Sign the action whose body ``body`` puts together (once the form's token checks out)
    and go ``back``; a refusal — of the form or of the rules — is shown by ``again``."""
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


def resources_path(commons_id: str) -> str:
    return f"/commons/{commons_id}/resources"


def resource_path(commons_id: str, resource_id: str) -> str:
    return f"/commons/{commons_id}/resources/{resource_id}"


def booking_path(commons_id: str, booking_id: str) -> str:
    return f"/commons/{commons_id}/bookings/{booking_id}"


def mine_path(commons_id: str) -> str:
    return f"/commons/{commons_id}/me/bookings"


def now_minutes(request: Request) -> int:
    return resources_read.minutes_of(node_of(request).clock())


def common(request: Request, commons_id: str) -> dict[str, Any]:
    """What every page of the area shows: the commons, its open tasks, the area's words."""
    node = node_of(request)
    return {
        "commons": queries.commons_detail(node, commons_id),
        "open_tasks": open_task_count(node, commons_id),
        "kind_words": KIND_WORDS,
        "status_words": STATUS_WORDS,
    }


def rules_words(rules: Rules) -> list[str]:
    """A resource's rules in plain words, one sentence each."""
    said = [f"A booking lasts at most {rules.max_hours} hours."]
    if rules.buffer_minutes:
        said.append(
            f"{rules.buffer_minutes} minutes are kept free after each booking (cleaning, "
            "charging, the walk back)."
        )
    if rules.quota is not None:
        said.append(
            f"Each person books it at most {rules.quota.days} days in any "
            f"{rules.quota.per_days} days."
        )
    if rules.fee is not None:
        said.append(f"The fee is {rules.fee.amount} {rules.fee.currency}, paid at check-out.")
    if rules.deposit is not None:
        said.append(
            f"A deposit of {rules.deposit.amount} {rules.deposit.currency} is held from "
            "check-out until the keeper's report on its return."
        )
    who = {
        "any": "Any member may book it.",
        "privilege": f"Members whose standing unlocks {rules.privilege!r} may book it.",
        "trained": f"Members trained in {rules.skill!r} may book it (name your training record).",
        "role": f"Holders of the role {rules.role!r} may book it.",
    }
    said.append(who.get(rules.who, rules.who))
    said.append(
        f"A return reported with damage blocks it for {rules.damage_block_days} days of "
        "maintenance (its keeper may lift the block earlier)."
    )
    return said
