"""The keeper's forms on a resource's page: "Change this resource" (its name, description,
place, zone, keeper, condition and rules; retire it or lend it again) and "Block for
maintenance" (a local start and end in the resource's zone, and why). The booking page's "Lift
this block" is one of its buttons (web/pages_resources_booking.py).

Who sees them is decided as the booking page's buttons are: by a dry run of the rule itself
(``resources.resource.update``, ``resources.block.make``). The rules of what the commons owns
change by decision, never by the keeper's hand: for such a resource the form shows, instead of
its rules, the proposal's effect (``{"kind": "resource_rules", …}``) to propose. The
proposals page proposes only a charter amendment or a role, so the effect is given as JSON, for
the command line or the API.

A change signs only what differs from the resource as it stands (a field the form did not post
stays as it is); nothing changed is refused before anything is signed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

import orjson

from commonwork.errors import BadInput
from commonwork.services import queries, resources_read
from commonwork.services.dry_run import dry_run
from commonwork.services.models import JsonMapping
from commonwork.services.nodes import Node
from commonwork.services.resources_read import ResourceDetail, Rules
from commonwork.web.page_forms import Fields, Labels
from commonwork.web.pages_resources_forms import RULES_LABELS, RulesFields
from commonwork.web.resources_calendar import utc_text

CHANGE_LABELS: Labels = {
    "name": "Resource name",
    "description": "Description",
    "location": "Where it is kept",
    "zone": "Time zone",
    "custodian": "Keeper",
    "condition": "Condition",
    "status": "Lent or retired",
    **RULES_LABELS,
}
BLOCK_LABELS: Labels = {"start": "Start", "end": "End", "reason": "Why it is blocked"}
STATUS_CHOICES = {
    "lendable": "Lent: members book it",
    "retired": "Retired: nobody books it any more",
}
#: The keepers offered in the change form's list (any active member's key may be typed).
KEEPERS_LISTED = 100
#: The rules' defaults, for telling typed rules from those that stand.
RULE_DEFAULTS: Fields = {"max_hours": 72, "buffer_minutes": 0, "damage_block_days": 7}
#: How far ahead the minute lies that asks the block rule whether the reader keeps the
#: resource at all (within the two years a block may start ahead; no booking is ever out then).
DRY_RUN_DAYS = 700
_RULES_FIELDS = tuple(item.name for item in fields(RulesFields))
_PLAIN = ("name", "description", "location", "custodian", "condition")


def rules_body(rules: Rules) -> Fields:
    """A resource's rules as they stand, as an action's body holds them."""
    who = {"who": rules.who}
    named = {"privilege": rules.privilege, "trained": rules.skill, "role": rules.role}
    field = {"privilege": "privilege", "trained": "skill", "role": "role"}.get(rules.who)
    if field is not None and named[rules.who]:
        who[field] = str(named[rules.who])
    body: Fields = {
        "max_hours": rules.max_hours,
        "buffer_minutes": rules.buffer_minutes,
        "who": who,
        "damage_block_days": rules.damage_block_days,
    }
    if rules.quota is not None:
        body["quota"] = {"days": rules.quota.days, "per_days": rules.quota.per_days}
    for what, charge in (("deposit", rules.deposit), ("fee", rules.fee)):
        if charge is not None:
            body[what] = {"amount": charge.amount_minor, "currency": charge.currency}
    return body


def rules_effect(detail: ResourceDetail) -> str:
    """The effect of a proposal that sets a commons-owned resource's rules (as they stand:
    the proposer edits them), as indented JSON."""
    effect = {
        "kind": "resource_rules",
        "resource": detail.item.resource_id,
        "rules": rules_body(detail.rules),
    }
    return orjson.dumps(effect, option=orjson.OPT_INDENT_2).decode()


@dataclass(frozen=True)
class ChangeForm:
    """What the change form holds, kept as typed; a field it did not post is None (it stays as
    it is)."""

    name: str | None = None
    description: str | None = None
    location: str | None = None
    zone: str | None = None
    other_zone: str | None = None
    custodian: str | None = None
    condition: str | None = None
    status: str | None = None
    max_hours: str | None = None
    buffer_minutes: str | None = None
    quota_days: str | None = None
    quota_per_days: str | None = None
    deposit_amount: str | None = None
    deposit_currency: str | None = None
    fee_amount: str | None = None
    fee_currency: str | None = None
    who: str | None = None
    who_named: str | None = None
    damage_block_days: str | None = None

    @classmethod
    def of(cls, detail: ResourceDetail) -> ChangeForm:
        """The form filled in with the resource as it stands."""
        item = detail.item
        return cls(
            name=item.name,
            description=detail.description,
            location=item.location,
            zone=item.zone,
            other_zone="",
            custodian=item.custodian,
            condition=item.condition,
            status=item.status,
            **asdict(RulesFields.of(detail.rules)),
        )

    def over(self, current: ChangeForm) -> ChangeForm:
        """What was typed, over ``current`` where nothing was."""
        typed = {name: value for name, value in asdict(self).items() if value is not None}
        return replace(current, **typed)

    def text(self, name: str) -> str:
        value = getattr(self, name)
        return "" if value is None else str(value).strip()

    def rules_fields(self) -> RulesFields:
        return RulesFields(**{name: self.text(name) for name in _RULES_FIELDS})

    def chosen_zone(self) -> str:
        return self.text("other_zone") or self.text("zone")

    def body(self, node: Node, commons_id: str, detail: ResourceDetail) -> Fields:
        """The update's body: what differs from the resource as it stands."""
        now = ChangeForm.of(detail)
        typed = self.over(now)
        body: Fields = {"resource": detail.item.resource_id}
        for name in _PLAIN:
            if getattr(self, name) is not None and typed.text(name) != now.text(name):
                body[name] = typed.text(name)
        if (self.zone, self.other_zone) != (None, None) and typed.chosen_zone() != now.text("zone"):
            body["zone"] = typed.chosen_zone()
        if self.status is not None and self.text("status") != detail.item.status:
            body["status"] = self.text("status")
        if any(getattr(self, name) is not None for name in _RULES_FIELDS):
            rules = typed.rules_fields().rules(node, commons_id)
            if {**RULE_DEFAULTS, **rules} != rules_body(detail.rules):
                body["rules"] = rules
        if len(body) == 1:
            raise BadInput("Nothing to change: every field is as the resource stands")
        return body


@dataclass(frozen=True)
class BlockForm:
    """A maintenance block's time, typed as local dates and times in the resource's zone (the
    end's date, left blank, is the start's), and why."""

    start_date: str = ""
    start_time: str = ""
    end_date: str = ""
    end_time: str = ""
    reason: str = ""

    def body(self, resource_id: str, zone: str) -> Fields:
        start = utc_text(self.start_date, self.start_time, zone, "Start")
        end = utc_text(self.end_date or self.start_date, self.end_time, zone, "End")
        return {"resource": resource_id, "start": start, "end": end, "reason": self.reason.strip()}


@dataclass(frozen=True)
class KeeperMay:
    """What the reader may do as the resource's keeper, as a dry run of each rule says:
    change it, set its rules by hand (not: they change by decision), block it."""

    change: bool = False
    rules: bool = False
    block: bool = False


def keeper_may(node: Node, commons_id: str, member: str, detail: ResourceDetail) -> KeeperMay:
    """Ask the rules whether ``member`` may change the resource, its rules, and block it."""
    resource = detail.item.resource_id
    day = resources_read.minutes_of(node.clock()[:10] + "T00:00Z") + DRY_RUN_DAYS * 1440
    far_start, far_end = resources_read.minutes_text(day), resources_read.minutes_text(day + 1)
    block = {"resource": resource, "start": far_start, "end": far_end, "reason": "maintenance"}
    candidates: list[tuple[str, JsonMapping]] = [
        (resources_read.UPDATE, {"resource": resource}),
        (resources_read.UPDATE, {"resource": resource, "rules": rules_body(detail.rules)}),
        (resources_read.BLOCK, block),
    ]
    change, rules, blocks = dry_run(node, commons_id, member, candidates)
    return KeeperMay(change.allowed, rules.allowed, blocks.allowed)


def keepers(node: Node, commons_id: str) -> list[tuple[str, str]]:
    """The active members the change form lists as keepers: (key, name)."""
    found = queries.list_members(node, commons_id, limit=KEEPERS_LISTED, active_only=True)
    return [(row.member, row.name) for row in found]
