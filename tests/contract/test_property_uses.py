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


def test_the_licensing_mandate_counts_only_a_real_agreement(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    """A company cannot buy the PPL licence with a token: the agreement must have begun, be
    open-ended, and share at least the charter's least share of revenue."""
    ada, org = people["ada"], people["org"]
    association = Keypair.generate()
    at(any_node, "2031-03-10T09:00:00.000Z")
    charter = {
        **CHARTER,
        "property": {"licences": ["PPL"], "licensing_mandate": True, "licensing_min_share_bp": 200},
    }
    commons_id = found(any_node, ada, charter)
    design = act(
        any_node,
        commons_id,
        ada,
        "property.artifact.create",
        {"title": "Hitch", "kind": "design", "licence": "PPL", "version": {"sha256": "ab" * 32}},
    ).entry.id
    act(
        any_node,
        commons_id,
        association,
        "economy.org.declare",
        {
            "org": association.did,
            "name": "Foundation",
            "form": "association",
            "representatives": [ada.did],
        },
    )
    act(
        any_node,
        commons_id,
        org,
        "economy.org.declare",
        {"org": org.did, "name": "KitCo", "form": "company", "representatives": [ada.did]},
    )
    use = {"org": org.did, "subject": design, "terms": ["PPL"], "commercial": True}
    share = {"org": org.did, "basis": "revenue_share", "currency": "EUR", "period": "year"}
    act(
        any_node,
        commons_id,
        ada,
        "economy.agreement.sign",
        {**share, "share_bp": 1, "starts": "2031"},
    )
    act(
        any_node,
        commons_id,
        ada,
        "economy.agreement.sign",
        {**share, "share_bp": 500, "starts": "2999"},
    )
    token = refused(any_node, commons_id, ada, "economy.use.declare", use)
    assert token.extra["reason"] == "needs_licence"
    assert "at least 2%" in token.detail
    act(
        any_node,
        commons_id,
        ada,
        "economy.agreement.sign",
        {**share, "share_bp": 200, "starts": "2031"},
    )
    act(any_node, commons_id, ada, "economy.use.declare", use)


def test_a_contested_cooperative_does_not_clear_its_claim_by_declaring_again(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, coop = people["ada"], people["org"]
    at(any_node, "2031-03-10T09:00:00.000Z")
    commons_id = found(any_node, ada, {**CHARTER, "property": {"licences": ["PPL"]}})
    design = act(
        any_node,
        commons_id,
        ada,
        "property.artifact.create",
        {"title": "Hitch", "kind": "design", "licence": "PPL", "version": {"sha256": "ab" * 32}},
    ).entry.id
    declared = {
        "org": coop.did,
        "name": "Coop",
        "form": "worker_coop",
        "evidence": {"registry_id": "C-1", "statutes_sha256": "cd" * 32},
    }
    act(
        any_node,
        commons_id,
        coop,
        "economy.org.declare",
        {**declared, "representatives": [ada.did]},
    )
    act(
        any_node,
        commons_id,
        ada,
        "economy.org.contest",
        {"org": coop.did, "reason": "Outside investors own it."},
    )
    again = {**declared, "evidence": {"registry_id": "C-2", "statutes_sha256": "ef" * 32}}
    act(any_node, commons_id, coop, "economy.org.declare", again)
    use = {"org": coop.did, "subject": design, "terms": ["PPL"], "commercial": True}
    still = refused(any_node, commons_id, ada, "economy.use.declare", use)
    assert still.extra["reason"] == "needs_licence"
    assert "contested" in still.detail


def test_a_use_is_judged_by_the_terms_it_relies_on(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, org = people["ada"], people["org"]
    at(any_node, "2031-03-10T09:00:00.000Z")
    commons_id = found(any_node, ada, CHARTER_WITH_CHOICES)
    either = act(
        any_node,
        commons_id,
        ada,
        "property.artifact.create",
        {
            "title": "Hitch",
            "kind": "design",
            "licence": "PPL OR MIT",
            "version": {"sha256": "ab" * 32},
        },
    ).entry.id
    act(
        any_node,
        commons_id,
        org,
        "economy.org.declare",
        {"org": org.did, "name": "KitCo", "form": "company", "representatives": [ada.did]},
    )
    under_ppl = refused(
        any_node,
        commons_id,
        ada,
        "economy.use.declare",
        {"org": org.did, "subject": either, "terms": ["PPL"], "commercial": True},
    )
    assert under_ppl.extra["reason"] == "needs_licence"


@pytest.mark.parametrize("licence", ["(", ")", "OR", "MIT AND (", "MIT WITH", "LicenseRef-"])
def test_a_malformed_licence_is_refused_with_a_reason(
    any_node: Node, people: dict[str, Keypair], licence: str
) -> None:
    ada = people["ada"]
    at(any_node, "2031-03-10T09:00:00.000Z")
    commons_id = found(any_node, ada, CHARTER)
    bad = refused(
        any_node,
        commons_id,
        ada,
        "property.artifact.create",
        {"title": "Hitch", "kind": "design", "licence": licence, "version": {"sha256": "ab" * 32}},
    )
    assert bad.code == "invalid_action"
    assert "SPDX" in bad.detail


def test_a_forks_own_derivations_verify_as_the_host_applied_them(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    """A derivation between two artifacts of a commons names no commons: a fork carries it as
    it is, and an income in the fork passes nothing to the parent (verify agrees)."""
    from commonwork.services import forks, journals, queries
    from tests.contract.test_books import balances, income

    ada = people["ada"]
    at(any_node, "2031-03-10T09:00:00.000Z")
    commons_id = found(any_node, ada, {**CHARTER, "property": {"upstream_bp": 2000}})
    body = {"kind": "design", "licence": "CC-BY-SA-4.0", "version": {"sha256": "ab" * 32}}
    press = act(
        any_node, commons_id, ada, "property.artifact.create", {**body, "title": "Press"}
    ).entry.id
    kit = act(
        any_node, commons_id, ada, "property.artifact.create", {**body, "title": "Kit"}
    ).entry.id
    derived = act(
        any_node,
        commons_id,
        ada,
        "property.derivation.record",
        {"derived": kit, "kind": "adaptation", "source": {"artifact": press}},
    )
    at(any_node, "2031-03-11T09:00:00.000Z")
    fork_id = forks.fork_commons(
        any_node,
        actor=ada,
        parent_id=commons_id,
        at_seq=derived.entry.seq,
        reason="another way",
        name="Fork",
    ).commons_id
    act(
        any_node,
        fork_id,
        ada,
        "economy.income.record",
        income("kit-1", 1000, source="sale", artifact=kit),
    )
    held = balances(any_node, fork_id)
    assert held[("treasury", "EUR")] == 1000
    assert not any(account.startswith("upstream:") for account, _ in held)
    report = journals.verify_commons(any_node, fork_id)
    assert report.ok, report.as_json()
    assert report.digest == queries.commons_detail(any_node, fork_id).digest
