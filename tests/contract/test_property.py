"""Peer property (issue 12), on SQLite and PostgreSQL: artifacts with licences their authors
choose within the charter, versions that restate their licence, contributors' shares from the
accepted work linked to them, licence changes by the consent of every licensor, derivations
within and across commons checked against the licence table (a CC BY-SA source into a GPLv3
artifact is allowed, a PPL source into an MIT artifact refused naming the clause, an unknown
LicenseRef pair needs review and is decided by an arbitration case), all of it the same under
verify on another node."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonwork.governance.tables import cases
from commonwork.journal.actions import build_action, sign_action
from commonwork.journal.entries import seal_entry
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.property.tables import artifacts, derivations
from commonwork.services import journals, queries
from commonwork.services.inbox import inbox_of
from tests.conftest import open_node
from tests.contract.test_books import balances, income
from tests.contract.test_governance import act, at, refused
from tests.contract.test_standing import approve, charter, work
from tests.contract.test_tasks import day
from tests.support.builders import CHARTER, found, join

SHA = {n: f"{n:x}" * 64 for n in range(1, 10)}
OPEN_CHARTER = {
    **CHARTER,
    "licence": "CC-BY-SA-4.0",
    "property": {
        "licences": ["GPL-3.0-or-later", "MIT", "PPL", "LicenseRef-Seedkeepers-1.0"],
    },
}


@pytest.fixture
def people() -> dict[str, Keypair]:
    return {name: Keypair.generate() for name in ("ada", "ben", "cy")}


def create(node: Node, commons_id: str, who: Keypair, title: str, **extra: Any) -> str:
    body = {
        "title": title,
        "kind": "design",
        "licence": "CC-BY-SA-4.0",
        "version": {"sha256": SHA[len(title) % 9 + 1]},
    }
    return str(act(node, commons_id, who, "property.artifact.create", {**body, **extra}).entry.id)


def row(node: Node, table: sa.Table, commons_id: str, key: str) -> dict[str, Any]:
    column = table.c.artifact_id if table is artifacts else table.c.derivation_id
    with node.reading() as conn:
        found_row = (
            conn.execute(
                sa.select(table).where((table.c.commons_id == commons_id) & (column == key))
            )
            .mappings()
            .one()
        )
        return dict(found_row)


def lines(node: Node, commons_id: str, *ids: str) -> list[str]:
    """The wire lines of these entries of a commons (what another commons embeds as proof)."""
    wanted = set(ids)
    found_lines = [
        line.decode().rstrip("\n")
        for line in journals.export_journal(node, commons_id)
        if any(entry_id in wanted for entry_id in [_id_of(line)])
    ]
    assert len(found_lines) == len(wanted)
    return found_lines


def _id_of(line: bytes) -> str:
    import hashlib

    return hashlib.sha256(line.rstrip(b"\r\n")).hexdigest()


def test_an_author_chooses_a_licence_the_charter_allows(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada = people["ada"]
    at(any_node, "2031-03-10T09:00:00.000Z")
    commons_id = found(any_node, ada, OPEN_CHARTER)
    default = create(any_node, commons_id, ada, "Seed press")
    assert row(any_node, artifacts, commons_id, default)["licence"] == "CC-BY-SA-4.0"
    unnamed = refused(
        any_node,
        commons_id,
        ada,
        "property.artifact.create",
        {"title": "x", "kind": "code", "version": {"sha256": SHA[1]}},
    )
    assert "licence" in unnamed.detail
    chosen = create(any_node, commons_id, ada, "Sorter firmware", licence="gpl-3.0-or-later")
    assert row(any_node, artifacts, commons_id, chosen)["licence"] == "GPL-3.0-or-later"
    outside = refused(
        any_node,
        commons_id,
        ada,
        "property.artifact.create",
        {"title": "x", "kind": "code", "licence": "Apache-2.0", "version": {"sha256": SHA[1]}},
    )
    assert outside.extra["reason"] == "licence_not_allowed"
    assert "CC-BY-SA-4.0" in outside.detail
    assert "property.licences" in outside.detail
    wrong = refused(
        any_node,
        commons_id,
        ada,
        "property.artifact.version",
        {"artifact": chosen, "licence": "MIT", "version": {"sha256": SHA[2]}},
    )
    assert "GPL-3.0-or-later" in wrong.detail
    act(
        any_node,
        commons_id,
        ada,
        "property.artifact.version",
        {
            "artifact": chosen,
            "licence": "GPL-3.0-or-later",
            "version": {"sha256": SHA[2], "url": "https://example.org/fw-2.bin", "size": 10},
        },
    )
    held = row(any_node, artifacts, commons_id, chosen)
    assert (held["versions"], held["latest_sha256"]) == (2, SHA[2])


def test_derivations_are_allowed_refused_with_the_clause_or_reviewed(
    any_node: Node, people: dict[str, Keypair], tmp_path: Any
) -> None:
    ada, ben = people["ada"], people["ben"]
    at(any_node, "2031-03-10T09:00:00.000Z")
    commons_id = found(any_node, ada, OPEN_CHARTER)
    join(any_node, commons_id, ben, "Ben")
    manual = create(any_node, commons_id, ada, "Seed manual", licence="CC-BY-SA-4.0")
    firmware = create(any_node, commons_id, ada, "Sorter firmware", licence="GPL-3.0-or-later")
    ppl = create(any_node, commons_id, ada, "Cleaner design", licence="PPL")
    mit = create(any_node, commons_id, ada, "Cleaner app", licence="MIT")
    own = create(any_node, commons_id, ada, "Label set", licence="LicenseRef-Seedkeepers-1.0")

    allowed = act(
        any_node,
        commons_id,
        ada,
        "property.derivation.record",
        {"derived": firmware, "kind": "adaptation", "source": {"artifact": manual}},
    ).entry.id
    assert row(any_node, derivations, commons_id, allowed)["status"] == "allowed"

    no = refused(
        any_node,
        commons_id,
        ada,
        "property.derivation.record",
        {"derived": mit, "kind": "adaptation", "source": {"artifact": ppl}},
    )
    assert no.extra["reason"] == "licence_incompatible"
    assert "PPL §4(a)" in no.detail  # the clause: only under the terms of this License
    assert "could take instead: PPL" in no.detail

    review = act(
        any_node,
        commons_id,
        ada,
        "property.derivation.record",
        {"derived": firmware, "kind": "adaptation", "source": {"artifact": own}},
    ).entry.id
    assert row(any_node, derivations, commons_id, review)["status"] == "needs_review"

    circle = refused(
        any_node,
        commons_id,
        ada,
        "property.derivation.record",
        {"derived": manual, "kind": "use", "source": {"artifact": firmware}},
    )
    assert circle.extra["reason"] == "circular"
    again = refused(
        any_node,
        commons_id,
        ada,
        "property.derivation.record",
        {"derived": firmware, "kind": "use", "source": {"artifact": manual}},
    )
    assert again.extra["reason"] == "recorded"
    stranger = refused(
        any_node,
        commons_id,
        ben,
        "property.derivation.record",
        {"derived": mit, "kind": "use", "source": {"artifact": manual}},
    )
    assert stranger.extra["reason"] == "not_a_licensor"

    digest = queries.commons_detail(any_node, commons_id).digest
    mirror = open_node(tmp_path / "mirror")
    try:
        journals.import_journal(mirror, list(journals.export_journal(any_node, commons_id)))
        assert queries.commons_detail(mirror, commons_id).digest == digest
        report = journals.reverify(mirror, commons_id)[0].last
        assert report is not None
        assert report.ok
        assert row(mirror, derivations, commons_id, review)["status"] == "needs_review"
    finally:
        mirror.close()


def test_a_derivation_from_another_commons_is_proved_by_its_signed_entries(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    at(any_node, "2031-03-10T09:00:00.000Z")
    upstream = found(any_node, ben, {**OPEN_CHARTER, "name": "Upstream designs"})
    source = create(any_node, upstream, ben, "Seed press", licence="CC-BY-SA-4.0")
    v2 = act(
        any_node,
        upstream,
        ben,
        "property.artifact.version",
        {"artifact": source, "licence": "CC-BY-SA-4.0", "version": {"sha256": SHA[7]}},
    ).entry.id
    ours = found(any_node, ada, OPEN_CHARTER)
    derived = create(any_node, ours, ada, "Press v2 firmware", licence="GPL-3.0-or-later")
    evidence = lines(any_node, upstream, upstream, source, v2)
    proved = act(
        any_node,
        ours,
        ada,
        "property.derivation.record",
        {
            "derived": derived,
            "kind": "adaptation",
            "source": {"commons": upstream, "artifact": source, "evidence": evidence},
        },
    ).entry.id
    held = row(any_node, derivations, ours, proved)
    assert (held["status"], held["evidence"], held["source_sha256"]) == (
        "allowed",
        "proved",
        SHA[7],
    )
    assert held["source_title"] == "Seed press"
    assert held["source_creator"] == ben.did

    def derive_from(evidence_lines: list[str]) -> Any:
        source_ = {"commons": upstream, "artifact": source, "evidence": evidence_lines}
        body = {"derived": derived, "kind": "use", "source": source_}
        return refused(any_node, ours, ada, "property.derivation.record", body)

    assert "Seed press" in evidence[1]
    tampered = evidence[1].replace("Seed press", "Seed presS")
    assert derive_from([evidence[0], tampered]).code == "bad_signature"
    assert derive_from(evidence[1:]).code == "invalid_action"  # no genesis: no host to trust
    # Mallory signs a version "of" the press under MIT with keys of her own, as if its host:
    # the genesis names another host, so it proves nothing.
    mallory = Keypair.generate()
    forged_body = {"artifact": source, "licence": "MIT", "version": {"sha256": SHA[8]}}
    forged = seal_entry(
        mallory,
        seq=999,
        prev="0" * 64,
        recorded_at="2031-03-10T09:00:00.000Z",
        signed=sign_action(
            mallory,
            build_action(
                type="property.artifact.version",
                author=mallory.did,
                body=forged_body,
                commons=upstream,
            ),
        ),
    )
    refusal = derive_from([evidence[0], evidence[1], forged.line.decode()])
    assert refusal.code == "invalid_action"
    assert "not by the host" in refusal.detail

    claimed = act(
        any_node,
        ours,
        ada,
        "property.derivation.record",
        {
            "derived": create(any_node, ours, ada, "Other", licence="MIT"),
            "kind": "use",
            "source": {
                "commons": upstream,
                "artifact": SHA[3],
                "title": "A rumour",
                "licence": "MIT",
            },
        },
    ).entry.id
    assert row(any_node, derivations, ours, claimed)["status"] == "needs_review"
    report = journals.verify_commons(any_node, ours)
    assert report.ok, report.as_json()


def test_a_licence_changes_only_with_the_consent_of_every_contributor_with_a_share(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben, cy = people["ada"], people["ben"], people["cy"]
    any_node.clock = lambda: day(0)
    commons_id = found(any_node, ada, {**charter(ada), "property": OPEN_CHARTER["property"]})
    join(any_node, commons_id, ben, "Ben")
    join(any_node, commons_id, cy, "Cy")
    design = create(any_node, commons_id, ada, "Seed press", licence="CC-BY-SA-4.0")
    mine = work(any_node, commons_id, ben, hours="5")
    theirs = work(any_node, commons_id, cy, hours="2")
    # Ben links his own work alone: refused, a share is a say in the licence; Ada links it.
    alone = refused(
        any_node,
        commons_id,
        ben,
        "property.artifact.link",
        {"artifact": design, "contributions": [mine]},
    )
    assert alone.extra["reason"] == "not_a_licensor"
    act(
        any_node,
        commons_id,
        ada,
        "property.artifact.link",
        {"artifact": design, "contributions": [mine, theirs]},
    )
    approve(any_node, commons_id, ada, mine)
    approve(any_node, commons_id, ada, theirs)
    any_node.clock = lambda: day(1)
    join(any_node, commons_id, Keypair.generate(), "Passer-by")  # day 0 settles
    with any_node.reading() as conn:
        from commonwork.node.state import DbState
        from commonwork.property.artifacts import licensors, shares

        state = DbState(conn)
        assert shares(state, commons_id, design) == {ben.did: 10_000, cy.did: 4_000}
        held_row = state.get(artifacts, (commons_id, design))
        assert held_row is not None
        # The creator stays a licensor beside those with a share.
        assert licensors(state, commons_id, held_row) == sorted([ada.did, ben.did, cy.did])
    first = act(
        any_node,
        commons_id,
        ben,
        "property.licence.change",
        {"artifact": design, "licence": "GPL-3.0-or-later", "reason": "match the firmware"},
    ).entry.id
    act(
        any_node, commons_id, ada, "property.licence.answer", {"change": first, "answer": "consent"}
    )
    assert row(any_node, artifacts, commons_id, design)["licence"] == "CC-BY-SA-4.0"
    act(any_node, commons_id, cy, "property.licence.answer", {"change": first, "answer": "refuse"})
    assert row(any_node, artifacts, commons_id, design)["licence"] == "CC-BY-SA-4.0"
    ended = refused(
        any_node, commons_id, cy, "property.licence.answer", {"change": first, "answer": "consent"}
    )
    assert ended.extra["reason"] == "refused"
    second = act(
        any_node,
        commons_id,
        ben,
        "property.licence.change",
        {"artifact": design, "licence": "GPL-3.0-or-later"},
    ).entry.id
    stranger = refused(
        any_node,
        commons_id,
        Keypair.generate(),
        "property.licence.answer",
        {"change": second, "answer": "consent"},
    )
    assert stranger.extra["reason"] == "not_a_licensor"
    act(
        any_node, commons_id, cy, "property.licence.answer", {"change": second, "answer": "consent"}
    )
    assert row(any_node, artifacts, commons_id, design)["licence"] == "CC-BY-SA-4.0"  # Ada's yet
    act(
        any_node,
        commons_id,
        ada,
        "property.licence.answer",
        {"change": second, "answer": "consent"},
    )
    held = row(any_node, artifacts, commons_id, design)
    assert (held["licence"], held["open_change"]) == ("GPL-3.0-or-later", None)
    report = journals.verify_commons(any_node, commons_id)
    assert report.ok, report.as_json()


def test_copyfarleft_a_worker_coop_may_use_ppl_commercially_a_company_needs_an_agreement(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    coop, company = Keypair.generate(), Keypair.generate()
    at(any_node, "2031-03-10T09:00:00.000Z")
    mandate = {**OPEN_CHARTER["property"], "licensing_mandate": True}
    commons_id = found(any_node, ada, {**OPEN_CHARTER, "property": mandate})
    join(any_node, commons_id, ben, "Ben")
    design = create(any_node, commons_id, ada, "Cleaner design", licence="PPL")
    nc_charter_free = create(any_node, commons_id, ada, "Open app", licence="MIT")
    act(
        any_node,
        commons_id,
        coop,
        "economy.org.declare",
        {
            "org": coop.did,
            "name": "Seed Workers Coop",
            "form": "worker_coop",
            "evidence": {"registry_id": "FR-123", "statutes_sha256": SHA[4]},
            "representatives": [ben.did],
        },
    )
    act(
        any_node,
        commons_id,
        company,
        "economy.org.declare",
        {"org": company.did, "name": "SeedCo", "form": "company", "representatives": [ben.did]},
    )
    use = {"subject": design, "terms": ["PPL"], "commercial": True}
    act(any_node, commons_id, ben, "economy.use.declare", {"org": coop.did, **use})
    association = Keypair.generate()
    act(
        any_node,
        commons_id,
        association,
        "economy.org.declare",
        {
            "org": association.did,
            "name": "Seed Library Association",
            "form": "association",
            "representatives": [ada.did],
        },
    )
    no = refused(any_node, commons_id, ben, "economy.use.declare", {"org": company.did, **use})
    assert no.extra["reason"] == "needs_licence"
    assert "PPL §4(b)-(d)" in no.detail
    assert "economy.agreement.sign" in no.detail
    act(
        any_node,
        commons_id,
        ben,
        "economy.use.declare",
        {"org": company.did, "subject": nc_charter_free, "terms": ["MIT"], "commercial": True},
    )
    act(
        any_node,
        commons_id,
        ben,
        "economy.agreement.sign",
        {
            "org": company.did,
            "basis": "revenue_share",
            "share_bp": 300,
            "currency": "EUR",
            "period": "month",
            "starts": "2031-03",
        },
    )
    act(any_node, commons_id, ben, "economy.use.declare", {"org": company.did, **use})
    # A contested claim to be worker-owned no longer stands for the PPL's exception.
    act(
        any_node,
        commons_id,
        ada,
        "economy.org.contest",
        {"org": coop.did, "reason": "It pays wages and keeps the surplus."},
    )
    contested = refused(any_node, commons_id, ben, "economy.use.declare", {"org": coop.did, **use})
    assert contested.extra["reason"] == "needs_licence"
    assert "contested" in contested.detail
    missing = refused(
        any_node,
        commons_id,
        ben,
        "economy.use.declare",
        {"org": company.did, "subject": SHA[5], "terms": ["MIT"]},
    )
    assert missing.code == "not_found"
    report = journals.verify_commons(any_node, commons_id)
    assert report.ok, report.as_json()


def test_noncommercial_refuses_and_without_a_mandate_the_refusal_names_the_licensors(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    company = Keypair.generate()
    at(any_node, "2031-03-10T09:00:00.000Z")
    allowed = {"licences": ["PPL", "CC-BY-NC-4.0"]}
    commons_id = found(any_node, ada, {**OPEN_CHARTER, "property": allowed})
    nc = create(any_node, commons_id, ada, "Seed atlas", licence="CC-BY-NC-4.0")
    ppl = create(any_node, commons_id, ada, "Cleaner design", licence="PPL")
    act(
        any_node,
        commons_id,
        company,
        "economy.org.declare",
        {"org": company.did, "name": "SeedCo", "form": "company", "representatives": [ben.did]},
    )
    no = refused(
        any_node,
        commons_id,
        company,
        "economy.use.declare",
        {"org": company.did, "subject": nc, "terms": ["CC-BY-NC-4.0"], "commercial": True},
    )
    assert no.extra["reason"] == "noncommercial"
    assert "§2(a)(1)" in no.detail
    act(
        any_node,
        commons_id,
        company,
        "economy.use.declare",
        {"org": company.did, "subject": nc, "terms": ["CC-BY-NC-4.0"]},
    )  # not commercial: fine
    ask = refused(
        any_node,
        commons_id,
        company,
        "economy.use.declare",
        {"org": company.did, "subject": ppl, "terms": ["PPL"], "commercial": True},
    )
    assert ask.extra["reason"] == "needs_licence"
    assert ada.did in ask.detail


def test_money_for_an_artifact_passes_upstream_exactly_and_says_why(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    ada, ben = people["ada"], people["ben"]
    at(any_node, "2031-03-10T09:00:00.000Z")
    upstream = found(any_node, ben, {**OPEN_CHARTER, "name": "Upstream designs"})
    press = create(any_node, upstream, ben, "Seed press", licence="CC-BY-SA-4.0")
    sorter = create(any_node, upstream, ben, "Seed sorter", licence="MIT")
    terms = {**OPEN_CHARTER["property"], "upstream_bp": 1000, "upstream_decay_bp": 5000}
    ours = found(any_node, ada, {**OPEN_CHARTER, "property": terms})
    base = create(any_node, ours, ada, "Firmware core", licence="GPL-3.0-or-later")
    app = create(any_node, ours, ada, "Firmware app", licence="GPL-3.0-or-later")
    for source, weight in ((press, 2), (sorter, 1)):
        act(
            any_node,
            ours,
            ada,
            "property.derivation.record",
            {
                "derived": base,
                "kind": "adaptation",
                "weight": weight,
                "source": {
                    "commons": upstream,
                    "artifact": source,
                    "evidence": lines(any_node, upstream, upstream, source),
                },
            },
        )
    act(
        any_node,
        ours,
        ada,
        "property.derivation.record",
        {"derived": app, "kind": "adaptation", "source": {"artifact": base}},
    )
    received = income("sale-1", 10_001, source="sale", artifact=app)
    txn = act(any_node, ours, ada, "economy.income.record", received).entry.id
    # app passes 10% of 100.01 EUR: 1000 cents (floor of 1000.1) to base; base passes 50% of
    # that, 500, split 2:1: floors 333 and 166, remainders 1000 mod 3 = 1 and 500 mod 3 = 2,
    # so the one unit left goes to the sorter (167). Both sources are the other commons'.
    held = balances(any_node, ours)
    to_press_commons = held[(f"upstream:{upstream}", "EUR")]
    assert to_press_commons == 500
    assert held[("treasury", "EUR")] == 10_001 - 500
    assert sum(v for (_, c), v in held.items() if c == "EUR") == 0
    with any_node.reading() as conn:
        from commonwork.property.tables import upstream_flows

        flows = (
            conn.execute(sa.select(upstream_flows).where(upstream_flows.c.txn_id == txn))
            .mappings()
            .all()
        )
    by_source = {(f["derived"], f["source"]): int(f["amount_minor"]) for f in flows}
    assert by_source == {(app, base): 1000, (base, press): 333, (base, sorter): 167}
    unknown = refused(
        any_node,
        ours,
        ada,
        "economy.income.record",
        income("sale-2", 5, source="sale", artifact=SHA[6]),
    )
    assert unknown.code == "not_found"
    paid = {
        "key": "up-1",
        "payee": ben.did,
        "amount_minor": 500,
        "currency": "EUR",
        "reference": "SEPA-77",
        "upstream": upstream,
    }
    act(any_node, ours, ada, "economy.payment.record", paid)
    assert balances(any_node, ours).get((f"upstream:{upstream}", "EUR"), 0) == 0
    report = journals.verify_commons(any_node, ours)
    assert report.ok, report.as_json()


def test_a_fork_keeps_the_artifacts_and_their_attribution_but_not_the_money_owed_upstream(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    from commonwork.services import forks

    ada, ben = people["ada"], people["ben"]
    at(any_node, "2031-03-10T09:00:00.000Z")
    upstream = found(any_node, ben, {**OPEN_CHARTER, "name": "Upstream designs"})
    press = create(any_node, upstream, ben, "Seed press", licence="CC-BY-SA-4.0")
    terms = {**OPEN_CHARTER["property"], "upstream_bp": 2000}
    ours = found(any_node, ada, {**OPEN_CHARTER, "property": terms})
    join(any_node, ours, ben, "Ben")
    kit = create(any_node, ours, ada, "Press kit", licence="CC-BY-SA-4.0")
    act(
        any_node,
        ours,
        ada,
        "property.derivation.record",
        {
            "derived": kit,
            "kind": "adaptation",
            "source": {
                "commons": upstream,
                "artifact": press,
                "evidence": lines(any_node, upstream, upstream, press),
            },
        },
    )
    sold = act(
        any_node,
        ours,
        ada,
        "economy.income.record",
        income("kit-1", 1000, source="sale", artifact=kit),
    )
    assert balances(any_node, ours)[(f"upstream:{upstream}", "EUR")] == 200
    at(any_node, "2031-03-12T09:00:00.000Z")
    made = forks.fork_commons(
        any_node,
        actor=ben,
        parent_id=ours,
        at_seq=sold.entry.seq,
        reason="Another direction",
        name="Press kit fork",
    )
    fork_id = made.commons_id
    held = row(any_node, artifacts, fork_id, kit)
    assert (held["title"], held["creator"], held["sources"]) == ("Press kit", ada.did, 1)
    assert balances(any_node, fork_id).get((f"upstream:{upstream}", "EUR"), 0) == 0
    with any_node.reading() as conn:
        from commonwork.property.tables import upstream_flows

        kept = conn.execute(
            sa.select(sa.func.count())
            .select_from(upstream_flows)
            .where(upstream_flows.c.commons_id == fork_id)
        ).scalar_one()
    assert kept == 0
    report = journals.verify_commons(any_node, fork_id)
    assert report.ok, report.as_json()


@given(
    data=st.data(),
    local=st.integers(min_value=1, max_value=6),
    foreign=st.integers(min_value=1, max_value=3),
    amount=st.integers(min_value=1, max_value=10**12),
    first_bp=st.integers(min_value=0, max_value=10_000),
    decay_bp=st.integers(min_value=0, max_value=10_000),
)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_money_passed_upstream_is_conserved_on_random_derivation_graphs(
    any_node: Node,
    data: st.DataObject,
    local: int,
    foreign: int,
    amount: int,
    first_bp: int,
    decay_bp: int,
) -> None:
    """Whatever the graph: what the treasury keeps plus what every upstream account owes is the
    income, exactly; each upstream commons gets what the plain reference propagation says."""
    from commonwork.property.upstream import propagate_reference

    ada = Keypair.generate()
    at(any_node, "2031-03-10T09:00:00.000Z")
    others = [found(any_node, ada, {**OPEN_CHARTER, "name": f"Up {n}"}) for n in range(foreign)]
    sources = [create(any_node, other, ada, f"Source {n}") for n, other in enumerate(others)]
    terms = {**OPEN_CHARTER["property"], "upstream_bp": first_bp, "upstream_decay_bp": decay_bp}
    ours = found(any_node, ada, {**OPEN_CHARTER, "property": terms})
    mine = [create(any_node, ours, ada, f"Piece {n}") for n in range(local)]
    # Nodes: ours 0..local-1, theirs local..local+foreign-1; an edge goes to a lower-numbered
    # artifact of ours or to any of theirs, so the graph has no circle.
    edges: list[tuple[int, int, int]] = []
    for d in range(local):
        targets = list(range(d + 1, local)) + list(range(local, local + foreign))
        for s in (
            data.draw(st.lists(st.sampled_from(targets), unique=True, max_size=4))
            if targets
            else []
        ):
            weight = data.draw(st.integers(min_value=1, max_value=50))
            edges.append((d, s, weight))
            if s < local:
                source = {"artifact": mine[s]}
            else:
                n = s - local
                source = {
                    "commons": others[n],
                    "artifact": sources[n],
                    "evidence": lines(any_node, others[n], others[n], sources[n]),
                }
            act(
                any_node,
                ours,
                ada,
                "property.derivation.record",
                {"derived": mine[d], "kind": "adaptation", "weight": weight, "source": source},
            )
    act(
        any_node,
        ours,
        ada,
        "economy.income.record",
        income(f"sale-{amount}", amount, source="sale", artifact=mine[0]),
    )
    held = balances(any_node, ours)
    owed = {other: held.get((f"upstream:{other}", "EUR"), 0) for other in others}
    assert held.get(("treasury", "EUR"), 0) + sum(owed.values()) == amount
    # Only what is reachable from the artifact paid for is in the fold's walk: the reference
    # over the whole graph gives the same, since nothing else received money. The fold numbers
    # the artifacts by "<commons>:<artifact>" (ties of the largest remainder go to the lower).
    keys = [f":{a}" for a in mine] + [f"{o}:{a}" for o, a in zip(others, sources, strict=True)]
    rank = {n: r for r, n in enumerate(sorted(range(len(keys)), key=keys.__getitem__))}
    received = [0] * len(keys)
    received[rank[0]] = amount
    passes = [False] * len(keys)
    for n in range(local):
        passes[rank[n]] = True
    reference = propagate_reference(
        received,
        [rank[e[0]] for e in edges],
        [rank[e[1]] for e in edges],
        [e[2] for e in edges],
        first_bp=first_bp,
        further_bp=decay_bp,
        passes=passes,
    )
    assert [owed[other] for other in others] == [
        reference.kept[rank[local + n]] for n in range(foreign)
    ]


def case_of(node: Node, commons_id: str, case_id: str) -> dict[str, Any]:
    with node.reading() as conn:
        found_row = conn.execute(
            cases.select().where((cases.c.commons_id == commons_id) & (cases.c.case_id == case_id))
        ).mappings()
        return dict(found_row.one())


def test_a_derivation_in_review_is_decided_by_the_members(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    """Nobody may arbitrate (no standing reaches it): the case has no panel, and the members
    decide it by a proposal with the effect ``arbitrate``, carried out at its close."""
    from tests.contract.test_governance import propose, stance

    ada, ben = people["ada"], people["ben"]
    at(any_node, "2031-03-01T09:00:00.000Z")
    commons_id = found(any_node, ada, OPEN_CHARTER)
    join(any_node, commons_id, ben, "Ben")
    labels = create(any_node, commons_id, ada, "Label set", licence="LicenseRef-Seedkeepers-1.0")
    manual = create(any_node, commons_id, ada, "Seed manual", licence="GPL-3.0-or-later")
    allowed = act(
        any_node,
        commons_id,
        ada,
        "property.derivation.record",
        {"derived": manual, "kind": "collection", "source": {"artifact": labels}},
    ).entry.id
    assert row(any_node, derivations, commons_id, allowed)["status"] == "needs_review"
    case = case_of(any_node, commons_id, allowed)  # the recording entry opened it
    assert (case["subject_kind"], case["subject"], case["opened_by"]) == (
        "derivation",
        allowed,
        ada.did,
    )
    assert (case["status"], orjson.loads(case["panel"])) == ("no_panel", [])
    ruled = refused(
        any_node,
        commons_id,
        ben,
        "governance.case.rule",
        {"case": allowed, "verdict": "accept", "reason": "fine"},
    )
    assert ruled.extra["reason"] == "no_panel"
    adjust = {"kind": "arbitrate", "case": allowed, "verdict": "adjust", "quantity": "2"}
    wrong = refused(
        any_node,
        commons_id,
        ada,
        "governance.proposal.make",
        {"title": "Adjust", "text": "?", "method": "majority", "effect": adjust},
    )
    assert wrong.extra["reason"] == "verdict_not_allowed"
    effect = {"kind": "arbitrate", "case": allowed, "verdict": "accept"}
    pid = propose(
        any_node,
        commons_id,
        ada,
        title="Our labels' licence allows it",
        text="Its §2 allows any collection.",
        effect=effect,
    )
    at(any_node, "2031-03-02T10:00:00.000Z")
    for person in (ada, ben):
        stance(any_node, commons_id, person, pid, "for")
    at(any_node, "2031-03-05T12:00:00.000Z")
    join(any_node, commons_id, Keypair.generate(), "Cy")  # the close comes before it
    held = row(any_node, derivations, commons_id, allowed)
    assert (held["status"], held["reviewed_by"]) == ("allowed", allowed)
    decided = case_of(any_node, commons_id, allowed)
    assert (decided["status"], decided["decided_by"]) == ("appealed", pid)
    again = refused(
        any_node,
        commons_id,
        ada,
        "governance.proposal.make",
        {"title": "Again", "text": "?", "method": "majority", "effect": effect},
    )
    assert again.extra["reason"] == "appealed"
    report = journals.verify_commons(any_node, commons_id)
    assert report.ok, report.as_json()


def test_a_panel_drawn_by_standing_refuses_a_derivation_in_review(
    any_node: Node, people: dict[str, Keypair]
) -> None:
    """Members with standing (a founder's seed of 200; arbitrate takes 150) sit on the panel,
    leaving out the derived artifact's creator, its licensors and the derivation's recorder;
    a majority rules ``reject`` and the derivation is refused at that entry. ``adjust`` is not
    a verdict on a derivation."""
    names = ("ada", "ben", "cy", "dee", "eve")
    keys = {name: people.get(name) or Keypair.generate() for name in names}
    ada = keys["ada"]
    at(any_node, "2031-03-01T09:00:00.000Z")
    founded = charter(ada)
    seeded = [{"member": keys[name].did, "standing": 200} for name in names]
    founded["standing_policy"] = {**founded["standing_policy"], "founders": seeded}
    commons_id = found(any_node, ada, {**founded, "property": OPEN_CHARTER["property"]})
    for name in names[1:]:
        join(any_node, commons_id, keys[name], name.title())
    labels = create(any_node, commons_id, ada, "Label set", licence="LicenseRef-Seedkeepers-1.0")
    manual = create(any_node, commons_id, ada, "Seed manual", licence="GPL-3.0-or-later")
    review = act(
        any_node,
        commons_id,
        ada,
        "property.derivation.record",
        {"derived": manual, "kind": "adaptation", "source": {"artifact": labels}},
    ).entry.id
    case = case_of(any_node, commons_id, review)
    panel = orjson.loads(case["panel"])
    assert (case["status"], case["round"], len(panel)) == ("open", 1, 3)
    assert ada.did not in panel  # the creator, licensor and recorder
    assert set(panel) <= {keys[name].did for name in names[1:]}
    for did in panel:  # each heard of it, with a link to the case
        [told] = [i for i in inbox_of(any_node, did).items if i.kind == "governance.case.drawn"]
        assert told.link == f"/commons/{commons_id}/cases/{review}"
    by_did = {key.did: key for key in keys.values()}
    body = {"case": review, "reason": "the labels' licence forbids adaptations"}
    mine = refused(any_node, commons_id, ada, "governance.case.rule", {**body, "verdict": "accept"})
    assert mine.extra["reason"] == "not_on_panel"
    adjust = refused(
        any_node,
        commons_id,
        by_did[panel[0]],
        "governance.case.rule",
        {**body, "verdict": "adjust", "quantity": "3"},
    )
    assert adjust.extra["reason"] == "verdict_not_allowed"
    act(
        any_node,
        commons_id,
        by_did[panel[0]],
        "governance.case.rule",
        {**body, "verdict": "reject"},
    )
    assert row(any_node, derivations, commons_id, review)["status"] == "needs_review"
    act(
        any_node,
        commons_id,
        by_did[panel[1]],
        "governance.case.rule",
        {**body, "verdict": "reject"},
    )
    held = row(any_node, derivations, commons_id, review)
    assert (held["status"], held["reviewed_by"]) == ("refused", review)  # at once
    decided = case_of(any_node, commons_id, review)
    assert (decided["status"], orjson.loads(decided["verdict"])) == (
        "decided",
        {"verdict": "reject"},
    )
    report = journals.verify_commons(any_node, commons_id)
    assert report.ok, report.as_json()
