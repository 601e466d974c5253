"""The read models of shared resources (services/resources_read.py makes them): the inventory,
one resource with its rules, a calendar range of its bookings, one booking with its custody
reports and deposit, a person's bookings and waiting-list entries. Frozen dataclasses, as every
door reads them (``models.as_json`` turns them into the API's JSON). Times are both minutes
since the epoch (UTC, what the record holds) and ``2026-12-05T09:30Z`` text."""

from __future__ import annotations

from dataclasses import dataclass

from commonwork.services.books_models import Money


@dataclass(frozen=True)
class Photo:
    sha256: str
    url: str | None


@dataclass(frozen=True)
class Quota:
    days: int
    per_days: int


@dataclass(frozen=True)
class Rules:
    """A resource's usage rules as they stand."""

    max_hours: int
    buffer_minutes: int
    quota: Quota | None
    who: str  # any | privilege | trained | role
    privilege: str | None
    skill: str | None
    role: str | None
    deposit: Money | None
    fee: Money | None
    damage_block_days: int


@dataclass(frozen=True)
class ResourceItem:
    resource_id: str
    name: str
    kind: str
    location: str
    zone: str
    owner_kind: str  # member | commons | organisation
    owner: str | None
    owner_name: str
    custodian: str
    custodian_name: str
    condition: str
    status: str  # lendable | retired
    registered_seq: int
    registered_at: str
    bookings: int
    completed: int
    deposit: Money | None
    fee: Money | None


@dataclass(frozen=True)
class InventoryPage:
    """Resources newest first; ``next_before``: ask again with ``before`` set to it."""

    items: tuple[ResourceItem, ...]
    limit: int
    next_before: int | None


@dataclass(frozen=True)
class ResourceDetail:
    item: ResourceItem
    description: str
    photos: tuple[Photo, ...]
    rules: Rules
    updated_at: str


@dataclass(frozen=True)
class Slot:
    """A row that holds a resource's time: a booking, a maintenance block, or a slot offered
    from the waiting list. ``held_until`` is the end plus the buffer."""

    booking_id: str
    resource: str
    resource_name: str
    zone: str  # the resource's IANA time zone, to show its times in
    kind: str  # booking | block | offer
    status: str
    member: str
    member_name: str
    start_min: int
    end_min: int
    held_until_min: int
    start: str
    end: str
    held_until: str
    note: str
    offer_expires: str | None


@dataclass(frozen=True)
class Calendar:
    """What holds a resource's time within [from, to): by start. A free slot is any time no
    row holds (``held_until`` marks where the next may begin)."""

    resource: ResourceItem
    from_min: int
    to_min: int
    slots: tuple[Slot, ...]


@dataclass(frozen=True)
class Report:
    at: str
    condition: str
    photos: tuple[Photo, ...]
    damage: str


@dataclass(frozen=True)
class BookingDetail:
    slot: Slot
    resource: ResourceItem  # its owner, keeper, place and zone
    made_at: str
    changed_at: str
    fee: Money | None
    deposit: Money | None
    kept: Money | None
    deposit_state: str  # none | held | disputed | settled
    release_at: str | None
    late: bool
    out: Report | None
    back: Report | None
    case_id: str | None
    block: str | None
    contribution: str | None


@dataclass(frozen=True)
class WaitItem:
    wait_id: str
    resource: str
    resource_name: str
    zone: str
    start: str
    end: str
    joined_at: str
    status: str  # waiting | offered | booked | left | declined | expired


@dataclass(frozen=True)
class MyBookings:
    """A person's bookings and offers from ``from`` on (by start), and their waiting list."""

    member: str
    slots: tuple[Slot, ...]
    waits: tuple[WaitItem, ...]
