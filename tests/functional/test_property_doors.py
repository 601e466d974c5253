"""The doors of peer property (issue 12, step 7), over real HTTP and on the command line.

Two commons on one node: "Upstream designs" makes a seed press; the Seed Library derives its
press firmware from it, proving the source with the signed entries its API hands out (allowed),
is refused a PPL design adapted into an MIT app (the error names the clause), and records a
derivation from its own LicenseRef label set that needs review. Ben's accepted work on the
firmware makes him its one contributor; he chooses the name attribution shows for him, node-
locally. Then: anyone reads the artifacts, one artifact with its contributors, licensors and
derivations both ways, the graph around it, the reuse section of both commons, the NOTICE, the
SPDX document (which spdx-tools validates), the REUSE.toml and the .zip; an income for the
firmware says why some of it passed upstream; malformed and unknown ids are 4xx with a message;
every JSON answer is what its declared schema says. ``commonwork artifacts …`` reads, proves,
derives and writes the attribution the same way.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from spdx_tools.spdx.parser.parse_anything import parse_file
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

from commonwork.commons.charter_policies import complete_charter
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.web.api_property import (
    ArtifactDetailOut,
    ArtifactPageOut,
    AttributionNameOut,
    GraphOut,
    ReusePageOut,
    UpstreamOut,
)
from tests.contract.test_books import income
from tests.contract.test_property import OPEN_CHARTER
from tests.contract.test_standing import charter
from tests.contract.test_tasks import day
from tests.functional.test_api import host_of, post_action, signed_json
from tests.functional.test_api_act import act_route
from tests.functional.test_api_emails import account
from tests.functional.test_economy_doors import conforms
from tests.support.cli import Cli

SHA = {n: f"{n:x}" * 64 for n in range(1, 10)}
TERMS = {**OPEN_CHARTER["property"], "upstream_bp": 1000, "upstream_decay_bp": 5000}


@dataclass
class Scene:
    node: Node
    upstream: str
    ours: str
    maker: Keypair  # founded the upstream commons
    ada: Keypair  # founded ours: its treasurer
    ben: dict[str, Any]  # an account: did, auth
    press: str
    firmware: str
    labels: str
    proved: str
    review: str
    refusal: dict[str, Any]
    txn: str

    def base(self, commons: str | None = None) -> str:
        return f"/api/v1/commons/{commons or self.ours}"


def found(api: httpx.Client, founder: Keypair, chartered: dict[str, Any]) -> str:
    body = {
        "charter": complete_charter(chartered, founder.did),
        "founder_name": "Founder",
        "host": host_of(api),
    }
    made = api.post("/api/v1/commons", json=signed_json(founder, "commons.commons.found", body))
    assert made.status_code == 201, made.text
    return str(made.json()["items"][0]["commons"])


def sign(api: httpx.Client, commons: str, who: Keypair, kind: str, body: dict[str, Any]) -> Any:
    return post_action(api, commons, signed_json(who, kind, body, commons))


def made(response: httpx.Response) -> str:
    assert response.status_code == 201, response.text
    return str(response.json()["items"][0]["id"])


def artifact(title: str, licence: str, n: int) -> dict[str, Any]:
    return {"title": title, "kind": "design", "licence": licence, "version": {"sha256": SHA[n]}}


@pytest.fixture
def scene(node: Node, api: httpx.Client) -> Scene:
    node.clock = lambda: day(0)
    maker, ada = Keypair.generate(), Keypair.generate()
    upstream = found(api, maker, {**OPEN_CHARTER, "name": "Upstream designs"})
    create, derive = "property.artifact.create", "property.derivation.record"
    press = made(sign(api, upstream, maker, create, artifact("Seed press", "CC-BY-SA-4.0", 1)))
    later = {"sha256": SHA[2], "url": "https://example.org/press-2.step"}
    version = {"artifact": press, "licence": "CC-BY-SA-4.0", "version": later}
    made(sign(api, upstream, maker, "property.artifact.version", version))
    ours = found(api, ada, {**charter(ada), "property": TERMS})
    ben = account(api, "ben")

    def as_ben(kind: str, body: dict[str, Any]) -> str:
        return made(api.post(act_route(kind, ours), json=body, headers=ben["auth"]))

    def as_ada(kind: str, body: dict[str, Any]) -> str:
        return made(sign(api, ours, ada, kind, body))

    as_ben("commons.member.join", {"name": "Ben"})
    firmware = as_ada(create, artifact("Press firmware", "GPL-3.0-or-later", 3))
    ppl = as_ada(create, artifact("Cleaner design", "PPL", 4))
    mit = as_ada(create, artifact("Cleaner app", "MIT", 5))
    labels = as_ada(create, artifact("Label set", "LicenseRef-Seedkeepers-1.0", 6))
    evidence = api.get(f"/api/v1/commons/{upstream}/artifacts/{press}/evidence")
    assert evidence.status_code == 200, evidence.text
    assert evidence.headers["content-type"].startswith("application/x-ndjson")
    lines = evidence.text.splitlines()
    assert len(lines) == 3  # the commons' genesis, the create entry and the latest version's
    assert hashlib.sha256(lines[0].encode()).hexdigest() == upstream  # the genesis is the id
    source = {"commons": upstream, "artifact": press, "evidence": lines}
    proved = as_ada(derive, {"derived": firmware, "kind": "adaptation", "source": source})
    bad = {"derived": mit, "kind": "adaptation", "source": {"artifact": ppl}}
    refusal = sign(api, ours, ada, derive, bad)
    assert refusal.status_code == 403, refusal.text
    review = as_ada(derive, {"derived": firmware, "kind": "use", "source": {"artifact": labels}})
    work = {"kind": "work", "quantity": "5", "description": "Wrote the press firmware"}
    contribution = as_ben("production.contribution.record", work)
    as_ada("property.artifact.link", {"artifact": firmware, "contributions": [contribution]})
    verdict = {"contribution": contribution, "verdict": "approve", "reason": ""}
    as_ada("production.contribution.validate", verdict)
    node.clock = lambda: day(1)  # the income is the first entry of day 1: day 0 settles
    txn = as_ada(
        "economy.income.record", income("sale-1", 10_000, source="sale", artifact=firmware)
    )
    return Scene(
        node, upstream, ours, maker, ada, ben, press, firmware, labels, proved, review,
        refusal.json(), txn,
    )  # fmt: skip


def test_derivations_across_commons_are_proved_refused_with_the_clause_or_reviewed(
    scene: Scene, api: httpx.Client
) -> None:
    refusal = scene.refusal
    assert refusal["code"] == "not_allowed"
    assert refusal["reason"] == "licence_incompatible"
    assert "PPL §4(a)" in refusal["detail"]  # the clause: only under the terms of this License
    assert "could take instead: PPL" in refusal["detail"]
    detail = api.get(f"{scene.base()}/artifacts/{scene.firmware}").json()
    conforms(ArtifactDetailOut, detail)
    sources = {d["derivation_id"]: d for d in detail["derived_from"]}
    proved, review = sources[scene.proved], sources[scene.review]
    assert (proved["status"], proved["evidence"], proved["decision"]) == (
        "allowed", "proved", "allow",
    )  # fmt: skip
    assert proved["source_commons_name"] == "Upstream designs"
    assert proved["source_sha256"] == SHA[2]  # the latest version, proved by its entry
    assert proved["source_creator"] == scene.maker.did
    assert any(c["licence"] == "CC-BY-SA-4.0" and c["text"] for c in proved["clauses"])
    assert (review["status"], review["evidence"]) == ("needs_review", "local")
    assert [t["id"] for t in detail["licence_terms"]] == ["GPL-3.0-or-later"]
    assert detail["licence_terms"][0]["name"].startswith("GNU General Public License")
    assert detail["allowed_licences"][0] == "CC-BY-SA-4.0"  # the charter's, the default
    press = api.get(f"{scene.base(scene.upstream)}/artifacts/{scene.press}").json()
    conforms(ArtifactDetailOut, press)
    assert [v["number"] for v in press["versions"]] == [2, 1]  # newest first
    assert [d["derivation_id"] for d in press["derived_into"]] == [scene.proved]
    assert press["derived_into"][0]["commons_name"] == "Seed Library"
    graph = api.get(f"{scene.base()}/artifacts/{scene.firmware}/graph").json()
    conforms(GraphOut, graph)
    depths = {node["artifact_id"]: node["depth"] for node in graph["nodes"]}
    assert depths == {scene.firmware: 0, scene.press: -1, scene.labels: -1}
    assert {e["derivation_id"] for e in graph["edges"]} == {scene.proved, scene.review}
    assert (graph["max_depth"], graph["truncated"]) == (3, False)


def test_the_reuse_section_lists_both_sides(scene: Scene, api: httpx.Client) -> None:
    ours = api.get(f"{scene.base()}/reuse").json()
    conforms(ReusePageOut, ours)
    assert [d["derivation_id"] for d in ours["items"]] == [scene.proved]  # not the local one
    theirs = api.get(f"{scene.base(scene.upstream)}/reuse", params={"side": "reuses_us"}).json()
    conforms(ReusePageOut, theirs)
    assert [(d["derivation_id"], d["derived_title"]) for d in theirs["items"]] == [
        (scene.proved, "Press firmware")
    ]
    assert api.get(f"{scene.base(scene.upstream)}/reuse").json()["items"] == []
    listed = api.get(f"{scene.base()}/artifacts", params={"limit": 2}).json()
    conforms(ArtifactPageOut, listed)
    assert [a["title"] for a in listed["items"]] == ["Label set", "Cleaner app"]
    older = api.get(f"{scene.base()}/artifacts", params={"before": listed["next_before"]}).json()
    assert [a["title"] for a in older["items"]] == ["Cleaner design", "Press firmware"]
    assert older["next_before"] is None


def test_contributors_show_the_name_they_chose_and_attribution_uses_it(
    scene: Scene, api: httpx.Client, tmp_path: Path
) -> None:
    path = f"{scene.base()}/artifacts/{scene.firmware}"
    before = api.get(path).json()
    ben = scene.ben["did"]
    assert [(c["did"], c["name"]) for c in before["contributors"]] == [(ben, "Ben")]
    name_route = f"{scene.base()}/me/attribution-name"
    assert api.get(name_route).status_code == 401
    kept = api.put(name_route, json={"name": " Ben the Builder "}, headers=scene.ben["auth"])
    assert kept.status_code == 200, kept.text
    conforms(AttributionNameOut, kept.json())
    assert (kept.json()["shown"], kept.json()["default"]) == ("Ben the Builder", "Ben")
    mine = api.get(name_route, headers=scene.ben["auth"]).json()
    assert mine["name"] == "Ben the Builder"
    bad = api.put(name_route, json={"name": "Ben\nthe Builder"}, headers=scene.ben["auth"])
    assert (bad.status_code, bad.json()["code"]) == (400, "bad_input")
    long = api.put(name_route, json={"name": "B" * 201}, headers=scene.ben["auth"])
    assert long.status_code == 422
    detail = api.get(path).json()
    [contributor] = detail["contributors"]
    assert (contributor["name"], contributor["share_milli"]) == ("Ben the Builder", 10_000)
    assert (contributor["points"], contributor["fraction"], contributor["percent"]) == (
        "10.000", "1/1", "100.00",
    )  # fmt: skip
    assert [p["name"] for p in detail["licensors"]] == ["Ben the Builder"]

    notice = api.get(f"{path}/attribution/notice")
    assert notice.headers["content-type"].startswith("text/plain")
    assert "Authors:     Ben the Builder" in notice.text
    assert '"Seed press" by Founder' in notice.text  # the source's creator, named in its commons
    assert "changes were made" in notice.text
    assert "Cleaner" not in notice.text  # the refused derivation is no source
    spdx = api.get(f"{path}/attribution/spdx")
    assert spdx.headers["content-type"].startswith("application/spdx+json")
    document = tmp_path / "firmware.spdx.json"
    document.write_text(spdx.text, encoding="utf-8")
    parsed = parse_file(str(document))
    assert [m.validation_message for m in validate_full_spdx_document(parsed)] == []
    assert parsed.packages[0].originator is not None
    assert parsed.packages[0].originator.name == "Ben the Builder"
    assert len(parsed.packages) == 3  # the firmware and its two sources
    reuse = api.get(f"{path}/attribution/reuse.toml")
    assert '"2030 Ben the Builder"' in reuse.text
    assert 'SPDX-License-Identifier = "GPL-3.0-or-later"' in reuse.text
    first, again = api.get(f"{path}/attribution.zip"), api.get(f"{path}/attribution.zip")
    assert first.headers["content-type"] == "application/zip"
    assert first.content == again.content  # deterministic
    names = zipfile.ZipFile(io.BytesIO(first.content)).namelist()
    assert {"NOTICE", "REUSE.toml", "LICENSES/GPL-3.0-or-later.txt"} <= set(names)
    cleared = api.put(name_route, json={"name": ""}, headers=scene.ben["auth"]).json()
    assert (cleared["name"], cleared["shown"]) == ("", "Ben")


def test_an_income_for_an_artifact_says_why_some_passed_upstream(
    scene: Scene, api: httpx.Client
) -> None:
    why = api.get(f"{scene.base()}/txns/{scene.txn}/upstream").json()
    conforms(UpstreamOut, why)
    # 10% of 100.00 EUR passes to the firmware's allowed sources: the press (the derivation in
    # review carries nothing until the members allow it).
    assert [(f["derived"], f["source"], f["amount"]["amount"]) for f in why["flows"]] == [
        (scene.firmware, scene.press, "10.00")
    ]
    assert [(u["commons_id"], u["name"], u["amount"]["amount_minor"]) for u in why["upstream"]] == [
        (scene.upstream, "Upstream designs", 1000)
    ]
    assert (why["received"]["amount"], why["kept"]["amount"]) == ("100.00", "90.00")
    assert "passed to 1 upstream commons" in why["explanation"]


def test_an_open_licence_change_shows_who_consented_and_whom_it_waits_for(
    scene: Scene, api: httpx.Client
) -> None:
    cy = account(api, "cy")

    def act(who: dict[str, Any], kind: str, body: dict[str, Any]) -> str:
        return made(api.post(act_route(kind, scene.ours), json=body, headers=who["auth"]))

    act(cy, "commons.member.join", {"name": "Cy"})
    work = {"kind": "work", "quantity": "2", "description": "Tested the firmware"}
    tested = act(cy, "production.contribution.record", work)
    link = {"artifact": scene.firmware, "contributions": [tested]}
    made(sign(api, scene.ours, scene.ada, "property.artifact.link", link))  # Ada links Cy's work
    verdict = {"contribution": tested, "verdict": "approve", "reason": ""}
    made(sign(api, scene.ours, scene.ada, "production.contribution.validate", verdict))
    scene.node.clock = lambda: day(2)
    act(account(api, "dee"), "commons.member.join", {"name": "Dee"})  # day 1 settles
    change = {"artifact": scene.firmware, "licence": "CC-BY-SA-4.0", "reason": "One licence"}
    proposed = act(scene.ben, "property.licence.change", change)
    path = f"{scene.base()}/artifacts/{scene.firmware}"
    detail = api.get(path).json()
    conforms(ArtifactDetailOut, detail)
    assert [(c["name"], c["percent"]) for c in detail["contributors"]] == [
        ("Ben", "71.43"), ("Cy", "28.57"),
    ]  # fmt: skip
    assert [c["fraction"] for c in detail["contributors"]] == ["5/7", "2/7"]
    waiting = detail["open_change"]
    assert (waiting["change_id"], waiting["status"]) == (proposed, "open")
    assert [(a["name"], a["answer"]) for a in waiting["answers"]] == [("Ben", "consent")]
    # Ada, the creator, stays a licensor beside those with a share.
    assert {p["did"] for p in waiting["waiting_for"]} == {cy["did"], scene.ada.did}
    assert detail["artifact"]["open_change"] == proposed
    act(cy, "property.licence.answer", {"change": proposed, "answer": "consent"})
    assert api.get(path).json()["open_change"] is not None  # Ada's consent yet
    answer = {"change": proposed, "answer": "consent"}
    made(sign(api, scene.ours, scene.ada, "property.licence.answer", answer))
    done = api.get(path).json()
    assert done["open_change"] is None
    assert [(c["status"], c["to_licence"]) for c in done["past_changes"]] == [
        ("done", "CC-BY-SA-4.0")
    ]
    assert done["artifact"]["licence"] == "CC-BY-SA-4.0"


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/artifacts/not-an-id", 422, "artifact_id"),
        (f"/artifacts/{'0' * 64}", 404, "there is no artifact"),
        (f"/artifacts/{'0' * 64}/evidence", 404, "there is no artifact"),
        (f"/artifacts/{'0' * 64}/attribution/spdx", 404, "there is no artifact"),
        ("/txns/not-a-txn/upstream", 422, "txn_id"),
        (f"/txns/{'0' * 64}/upstream", 404, "no transaction"),
        ("/reuse?side=everyone", 422, "side"),
        ("/reuse?after=yesterday", 422, "after"),
        ("/artifacts?before=0", 422, "before"),
    ],
)
def test_malformed_and_unknown_ids_are_refused_with_a_message(
    scene: Scene, api: httpx.Client, path: str, status: int, says: str
) -> None:
    answer = api.get(scene.base() + path)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert says in answer.json()["detail"]


def test_an_unknown_commons_is_a_404(api: httpx.Client) -> None:
    missing = api.get(f"/api/v1/commons/{'0' * 64}/artifacts")
    assert missing.status_code == 404
    assert "there is no commons" in missing.json()["detail"]


def test_the_command_line_creates_proves_derives_and_writes_attribution(
    run: Cli, tmp_path: Path
) -> None:
    for name in ("ada", "ben"):
        run("id", "new", name)
    founding = ("commons", "found", "--purpose", "Keep seeds", "--licence", "CC-BY-SA-4.0")
    ours = run(*founding, "--name", "Seed Library", "--as", "ada").stdout.strip()
    upstream = run(*founding, "--name", "Upstream designs", "--as", "ben").stdout.strip()
    design = tmp_path / "press.step"
    design.write_text("a seed press\n")
    press = run.json(
        "artifacts", "create", upstream, "--title", "Seed press", "--kind", "design",
        "--file", str(design), "--url", "https://example.org/press.step", "--as", "ben",
    )["id"]  # fmt: skip
    evidence = tmp_path / "press.ndjson"
    proof = run.json("artifacts", "evidence", upstream, press, "-o", str(evidence))
    assert proof["proves_licence"] is True  # the command names the default licence
    assert evidence.read_text().count("\n") == 2  # the genesis and the create entry
    firmware = run(
        "artifacts", "create", ours, "--title", "Press firmware", "--kind", "code",
        "--sha256", SHA[3], "--as", "ada",
    ).stdout.strip()  # fmt: skip
    run.refused(
        "artifacts", "derive", ours, firmware, "--kind", "adaptation", "--from", press,
        "--from-commons", upstream, "--as", "ada", says="--evidence FILE",
    )  # fmt: skip
    derived = run.json(
        "artifacts", "derive", ours, firmware, "--kind", "adaptation", "--from", press,
        "--from-commons", upstream, "--evidence", str(evidence), "--as", "ada",
    )  # fmt: skip
    listed = run.json("artifacts", "list", ours)
    assert [item["title"] for item in listed["items"]] == ["Press firmware"]
    assert firmware in run("artifacts", "list", ours).stdout
    shown = run.json("artifacts", "show", ours, firmware)
    [source] = shown["derived_from"]
    assert (source["derivation_id"], source["status"], source["evidence"]) == (
        derived["id"], "allowed", "proved",
    )  # fmt: skip
    assert "adaptation of Seed press" in run("artifacts", "show", ours, firmware).stdout
    reusers = run.json("artifacts", "reuse", upstream, "--side", "reuses_us")
    assert [item["derivation_id"] for item in reusers["items"]] == [derived["id"]]
    named = run.json("artifacts", "name", ours, "--set", "Ada L.", "--as", "ada")
    assert named["shown"] == "Ada L."
    out = tmp_path / "attribution"
    written = run.json("artifacts", "attribution", ours, firmware, "--dir", str(out))
    assert {Path(path).name for path in written["files"]} >= {"NOTICE", "REUSE.toml"}
    assert "Authors:     Ada L." in (out / "NOTICE").read_text()
    spdx = next(out.glob("*.spdx.json"))
    assert json.loads(spdx.read_text())["spdxVersion"] == "SPDX-2.3"
    assert validate_full_spdx_document(parse_file(str(spdx))) == []
    graph = run.json("artifacts", "graph", ours, firmware)
    assert {node["title"] for node in graph["nodes"]} == {"Press firmware", "Seed press"}
    run.refused("artifacts", "show", ours, SHA[9], says="there is no artifact", code="not_found")
