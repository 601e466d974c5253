"""The submit pipeline on every backend: append, idempotency, refusals that write nothing."""

from __future__ import annotations

import pytest

from commonwork.errors import (
    AlreadyDone,
    NonceReused,
    NotAllowed,
    NotAMember,
    WrongCommons,
)
from commonwork.journal.keys import Keypair
from commonwork.node import journal_store
from commonwork.node.node import Node
from commonwork.node.pipeline import append_actions
from tests.support.builders import contribute, found, join, signed, validate


def head_of(node: Node, commons_id: str) -> tuple[int, str]:
    with node.reading() as conn:
        head = journal_store.read_head(conn, commons_id)
    assert head is not None
    return head.seq, head.id


def test_found_join_contribute_validate(any_node: Node) -> None:
    alice, bob = Keypair.generate(), Keypair.generate()
    commons_id = found(any_node, alice)
    join(any_node, commons_id, bob, "Bob")
    contribution = contribute(any_node, commons_id, bob)
    validate(any_node, commons_id, alice, contribution)
    assert head_of(any_node, commons_id)[0] == 3


def test_resubmitting_returns_the_same_entry(any_node: Node) -> None:
    alice = Keypair.generate()
    commons_id = found(any_node, alice)
    action = signed(
        alice,
        "production.contribution.record",
        {"kind": "work", "quantity": "1", "description": "x"},
        commons_id,
    )
    [first] = append_actions(any_node, commons_id, [action])
    [again] = append_actions(any_node, commons_id, [action])
    assert (first.created, again.created) == (True, False)
    assert first.entry.id == again.entry.id
    assert head_of(any_node, commons_id)[0] == 1


def test_same_nonce_other_content_is_refused(any_node: Node) -> None:
    alice = Keypair.generate()
    commons_id = found(any_node, alice)
    first = signed(
        alice,
        "production.contribution.record",
        {"kind": "work", "quantity": "1", "description": "x"},
        commons_id,
    )
    append_actions(any_node, commons_id, [first])
    before = head_of(any_node, commons_id)
    other = signed(
        alice,
        "production.contribution.record",
        {"kind": "work", "quantity": "9", "description": "x"},
        commons_id,
        nonce=first.nonce,
    )
    with pytest.raises(NonceReused):
        append_actions(any_node, commons_id, [other])
    assert head_of(any_node, commons_id) == before


@pytest.mark.parametrize("case", ["non_member", "own", "twice", "wrong_commons"])
def test_refusals_leave_the_head_unchanged(any_node: Node, case: str) -> None:
    alice, bob, carol = Keypair.generate(), Keypair.generate(), Keypair.generate()
    commons_id = found(any_node, alice)
    other_commons = found(any_node, carol)
    join(any_node, commons_id, bob)
    contribution = contribute(any_node, commons_id, bob)
    validate(any_node, commons_id, alice, contribution)
    before = head_of(any_node, commons_id)
    record = {"kind": "work", "quantity": "1", "description": "x"}
    approve = {"contribution": contribution, "verdict": "approve", "reason": ""}
    action, error = {
        "non_member": (
            signed(carol, "production.contribution.record", record, commons_id),
            NotAMember,
        ),
        "own": (signed(bob, "production.contribution.validate", approve, commons_id), NotAllowed),
        "twice": (
            signed(alice, "production.contribution.validate", approve, commons_id),
            AlreadyDone,
        ),
        "wrong_commons": (
            signed(bob, "production.contribution.record", record, other_commons),
            WrongCommons,
        ),
    }[case]
    with pytest.raises(error):
        append_actions(any_node, commons_id, [action])
    assert head_of(any_node, commons_id) == before


def test_a_batch_is_all_or_nothing(any_node: Node) -> None:
    alice, bob = Keypair.generate(), Keypair.generate()
    commons_id = found(any_node, alice)
    before = head_of(any_node, commons_id)
    good = signed(bob, "commons.member.join", {"name": "Bob"}, commons_id)
    bad = signed(bob, "commons.member.join", {"name": "Bob again"}, commons_id)
    with pytest.raises(AlreadyDone) as raised:
        append_actions(any_node, commons_id, [good, bad])
    assert raised.value.extra["index"] == 1
    assert head_of(any_node, commons_id) == before
