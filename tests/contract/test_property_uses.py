"""A declared use of an artifact relies on its licence (issue 12): the terms named are the
artifact's licence or one of its choices, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from tests.contract.test_governance import act, at, refused
from tests.support.builders import CHARTER, found

CHARTER_WITH_CHOICES = {**CHARTER, "property": {"licences": ["PPL OR MIT", "PPL"]}}


@pytest.fixture
def people() -> dict[str, Keypair]:
    return {name: Keypair.generate() for name in ("ada", "org")}


def test_the_terms_of_a_use_are_the_artifacts_licence_or_one_of_its_choices(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, org = people["ada"], people["org"]
    at(any_node, "2031-03-10T09:00:00.000Z")
    commons_id = found(any_node, ada, CHARTER_WITH_CHOICES)
    body = {"title": "Hitch", "kind": "design", "version": {"sha256": "ab" * 32}}
    either = act(
        any_node, commons_id, ada, "property.artifact.create", {**body, "licence": "PPL OR MIT"}
    ).entry.id
    ppl = act(
        any_node, commons_id, ada, "property.artifact.create", {**body, "licence": "PPL"}
    ).entry.id
    act(
        any_node,
        commons_id,
        org,
        "economy.org.declare",
        {"org": org.did, "name": "KitCo", "form": "company", "representatives": [ada.did]},
    )
    # A company relies on the MIT choice of "PPL OR MIT": commercial use on open terms.
    act(
        any_node,
        commons_id,
        ada,
        "economy.use.declare",
        {"org": org.did, "subject": either, "terms": ["MIT"], "commercial": True},
    )
    wrong = refused(
        any_node,
        commons_id,
        ada,
        "economy.use.declare",
        {"org": org.did, "subject": ppl, "terms": ["MIT"]},
    )
    assert wrong.code == "invalid_action"
    assert "PPL" in wrong.detail
    assert "not MIT" in wrong.detail
    # The commons as a whole is checked by its charter's licence only when used commercially.
    act(
        any_node,
        commons_id,
        ada,
        "economy.use.declare",
        {"org": org.did, "terms": ["CC-BY-SA-4.0"], "commercial": True},
    )
