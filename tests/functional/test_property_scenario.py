"""Peer property in the open-hardware scenario (SCENARIOS.md §2, steps 2 and 6; issue 12), over
real HTTP, every action signed through the API.

A tractor commons keeps its designs under the Peer Production License, with a licensing mandate
for its association. A worker cooperative declares commercial use of a design and is allowed;
a for-profit company is refused (the refusal cites PPL §4 and says how to get a licence) until
it signs a benefit-sharing agreement of 5% of kit revenue, then allowed. In another commons a
derivative design cites theirs with the evidence of their signed entries, fetched from the
journal; when that commons receives money for its design, its charter's share passes upstream
to the tractor commons' account, exactly, and the treasurer pays it.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

import httpx

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from tests.contract.test_governance import at
from tests.contract.test_tasks import day
from tests.functional.test_api import post_action, signed_json
from tests.functional.test_api_act import act_route
from tests.functional.test_api_emails import account
from tests.functional.test_economy_scenario import BEAN_CHECK
from tests.support.books import STATUTES
from tests.support.builders import CHARTER

TRACTOR = {
    **CHARTER,
    "name": "Open tractor",
    "purpose": "Design a tractor anyone may build",
    "licence": "PPL",
    "property": {"licensing_mandate": True},
}
DERIVED = {
    **CHARTER,
    "name": "Orchard tractor",
    "purpose": "A narrow tractor for orchards",
    "licence": "PPL",
    "property": {"upstream_bp": 500, "upstream_decay_bp": 5000},
}


class Commons:
    """A commons acting through the API: its people are accounts with a did and bearer header."""

    def __init__(self, api: httpx.Client, node: Node, founder: dict[str, Any], charter: Any):
        self.api, self.node, self.founder = api, node, founder
        founded = api.post(
            "/api/v1/act/commons.commons.found",
            json={"charter": charter, "founder_name": "Founder"},
            headers=founder["auth"],
        )
        assert founded.status_code == 201, founded.text
        self.id = str(founded.json()["items"][0]["commons"])

    def act(self, who: dict[str, Any], action_type: str, body: dict[str, Any]) -> str:
        made = self.api.post(act_route(action_type, self.id), json=body, headers=who["auth"])
        assert made.status_code == 201, made.text
        return str(made.json()["items"][0]["id"])

    def refused(self, who: dict[str, Any], action_type: str, body: dict[str, Any]) -> Any:
        made = self.api.post(act_route(action_type, self.id), json=body, headers=who["auth"])
        assert made.status_code in (403, 404, 409, 422), made.text
        return made.json()

    def signed(self, key: Keypair, action_type: str, body: dict[str, Any]) -> None:
        item = signed_json(key, action_type, body, self.id, at=self.node.clock())
        answer = post_action(self.api, self.id, item)
        assert answer.status_code == 201, answer.text

    def lines(self, *ids: str) -> list[str]:
        """These entries' wire lines, from the journal's NDJSON export over HTTP."""
        answer = self.api.get(f"/api/v1/commons/{self.id}/journal", params={"limit": 1000})
        assert answer.status_code == 200, answer.text
        found = {
            hashlib.sha256(line.encode()).hexdigest(): line
            for line in answer.text.splitlines()
            if line.strip()
        }
        return [found[entry_id] for entry_id in ids]

    def balances(self) -> dict[str, int]:
        answer = self.api.get(f"/api/v1/commons/{self.id}/books")
        assert answer.status_code == 200, answer.text
        return {
            f"{row['account']} {row['currency']}": int(row["amount_minor"])
            for row in answer.json()["balances"]
        }


def test_copyfarleft_and_upstream_credit_in_the_open_hardware_scenario(
    node: Node, site: str, api: httpx.Client, tmp_path: Path
) -> None:
    at(node, day(0.25))
    ada, ben, cy, dee = (account(api, name) for name in ("ada", "ben", "cy", "dee"))
    tractor = Commons(api, node, ada, TRACTOR)
    for person, name in ((ben, "Ben"), (cy, "Cy")):
        tractor.act(person, "commons.member.join", {"name": name})
    hitch = tractor.act(
        ada,
        "property.artifact.create",
        {
            "title": "Three-point hitch",
            "kind": "design",
            "licence": "PPL",
            "version": {"sha256": "a1" * 32, "url": "https://example.org/hitch.step"},
        },
    )
    association, coop, company = Keypair.generate(), Keypair.generate(), Keypair.generate()
    tractor.signed(association, "economy.org.declare",
                   {"org": association.did, "name": "Open Tractor Foundation",
                    "form": "association", "representatives": [ada["did"]]})  # fmt: skip
    tractor.signed(coop, "economy.org.declare",
                   {"org": coop.did, "name": "Tractor Workers Coop", "form": "worker_coop",
                    "evidence": {"registry_id": "COOP-77", "statutes_sha256": STATUTES},
                    "representatives": [ben["did"]]})  # fmt: skip
    tractor.signed(company, "economy.org.declare",
                   {"org": company.did, "name": "KitCo Ltd", "form": "company",
                    "representatives": [cy["did"]]})  # fmt: skip

    # Step 2: the co-op is allowed; the company is refused until it signs an agreement.
    use = {"subject": hitch, "terms": ["PPL"], "commercial": True, "purpose": "Kits"}
    tractor.act(ben, "economy.use.declare", {"org": coop.did, **use})
    refusal = tractor.refused(cy, "economy.use.declare", {"org": company.did, **use})
    assert refusal["code"] == "not_allowed"
    assert "PPL §4(b)-(d)" in refusal["detail"]
    assert "economy.agreement.sign" in refusal["detail"]
    tractor.act(cy, "economy.agreement.sign",
                {"org": company.did, "basis": "revenue_share", "share_bp": 500,
                 "currency": "EUR", "period": "quarter", "starts": "2030-Q1"})  # fmt: skip
    tractor.act(cy, "economy.use.declare", {"org": company.did, **use})

    # Step 6: another commons derives a design from the hitch, proved by its signed entry.
    orchard = Commons(api, node, dee, DERIVED)
    narrow = orchard.act(
        dee,
        "property.artifact.create",
        {
            "title": "Narrow hitch",
            "kind": "design",
            "licence": "PPL",
            "version": {"sha256": "b2" * 32},
        },
    )
    orchard.act(
        dee,
        "property.derivation.record",
        {
            "derived": narrow,
            "kind": "adaptation",
            "source": {
                "commons": tractor.id,
                "artifact": hitch,
                "evidence": tractor.lines(tractor.id, hitch),
            },
        },
    )
    sale = {"key": "kit-sale-1", "source": "sale", "amount_minor": 123_457, "currency": "EUR",
            "reference": "INV-2030-001", "artifact": narrow}  # fmt: skip
    orchard.act(dee, "economy.income.record", sale)
    held = orchard.balances()
    # 5% of 1,234.57 EUR, rounded down to the cent: 61.72 EUR owed upstream; the rest is ours.
    assert held[f"upstream:{tractor.id} EUR"] == 6172
    assert held["treasury EUR"] == 123_457 - 6172
    orchard.act(dee, "economy.payment.record",
                {"key": "up-1", "payee": association.did, "amount_minor": 6172,
                 "currency": "EUR", "reference": "SEPA-UP-1",
                 "upstream": tractor.id})  # fmt: skip
    assert orchard.balances().get(f"upstream:{tractor.id} EUR", 0) == 0
    # The books with an upstream account still export to beancount, and bean-check agrees.
    ledger = api.get(f"/api/v1/commons/{orchard.id}/books/export.beancount")
    assert ledger.status_code == 200, ledger.text
    assert f"Liabilities:Upstream:C{tractor.id}" in ledger.text
    path = tmp_path / "books.beancount"
    path.write_text(ledger.text)
    checked = subprocess.run(
        [str(BEAN_CHECK), str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
