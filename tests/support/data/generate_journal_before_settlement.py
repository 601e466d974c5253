"""How journal_before_settlement.ndjson was made, with the code of main before day settlement.

Kept as the record of the fixture, not run by the tests (today's code founds commons differently).
It was run from a git worktree of commit d4f91df, with that worktree's src first on PYTHONPATH,
and the output file as its one argument.
"""

import sys
import tempfile
from pathlib import Path

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.node.settings import Settings
from commonwork.services import acting, journals


def day(n, h=10):
    d = 1 + n
    return f"2030-0{1 + (d - 1) // 28}-{1 + (d - 1) % 28:02d}T{h:02d}:00:00.000Z"


out = Path(sys.argv[1])
data = Path(tempfile.mkdtemp())
node = Node.open(Settings.from_env({"COMMONWORK_DATA_DIR": str(data)}))
ada, ben, cy, dee, eve = (Keypair.generate() for _ in range(5))
node.clock = lambda: day(0)
charter = {
    "name": "Riverside Seed Library",
    "purpose": "Keep open-pollinated seeds in common",
    "aims": ["Catalogue local varieties"],
    "metrics": [{"name": "varieties", "description": "kept"}],
    "licence": "CC-BY-SA-4.0",
    "join_policy": "open",
    "claim_lapse_days": 14,
    "validation_policy": {
        "threshold": "10",
        "validator_cap": "10",
        "validator_minimum": "50",
        "challenge_days": 3,
        "lazy_minimum": "60",
        "reciprocity_days": 30,
        "reciprocity_discount": "0.5",
    },
    "value_policy": {
        "version": 1,
        "kinds": {
            "work": "2",
            "review": "1",
            "care": "1",
            "artifact": "1",
            "money": "0.01",
            "resource_use": "0.5",
        },
        "skills": {"sorting": "1.5"},
        "cap_per_contribution": "40",
    },
    "standing_policy": {
        "half_life_days": 90,
        "founders": [{"member": ada.did, "standing": 120}],
        "privileges": {"arbitrate": 150, "bounty_tasks": 80},
    },
}
cid = acting.found_commons(node, actor=ada, charter=charter, founder_name="Ada").commons_id
for p, n in ((ben, "Ben"), (cy, "Cy"), (dee, "Dee")):
    acting.join_commons(node, actor=p, commons_id=cid, name=n)
acting.invite_member(node, actor=ada, commons_id=cid, invitee=eve.did)
task = acting.post_task(
    node,
    actor=ada,
    commons_id=cid,
    title="Sort the tomato seed",
    description="By variety",
    skills=["sorting"],
    estimate="3",
).entry.id
task2 = acting.post_task(
    node, actor=ben, commons_id=cid, title="Run the swap day", description="In spring"
).entry.id
acting.claim_task(node, actor=ben, commons_id=cid, task_id=task)
acting.claim_task(node, actor=cy, commons_id=cid, task_id=task2)
node.clock = lambda: day(1)
w1 = acting.record_contribution(
    node,
    actor=ben,
    commons_id=cid,
    kind="work",
    quantity="3.5",
    description="sorted tomato seed",
    task=task,
    skill="sorting",
    happened_at=day(0, 8),
).entry.id
acting.validate_contribution(node, actor=ada, commons_id=cid, contribution_id=w1, verdict="approve")
w2 = acting.record_contribution(
    node,
    actor=cy,
    commons_id=cid,
    kind="care",
    quantity="2",
    description="watered seedlings",
    co_authors={dee.did: "0.25"},
).entry.id
acting.validate_contribution(node, actor=ben, commons_id=cid, contribution_id=w2, verdict="approve")
acting.unclaim_task(node, actor=cy, commons_id=cid, task_id=task2)
node.clock = lambda: day(2)
acting.validate_contribution(
    node,
    actor=ada,
    commons_id=cid,
    contribution_id=w2,
    verdict="adjust",
    quantity="1.5",
    reason="one and a half hours",
)
art = acting.record_contribution(
    node,
    actor=dee,
    commons_id=cid,
    kind="artifact",
    quantity="1",
    description="seed catalogue",
    artifact={
        "sha256": "ab" * 32,
        "url": "https://example.org/catalogue.pdf",
        "size": 1234,
        "media_type": "application/pdf",
    },
    source="git:" + "cd" * 20,
).entry.id
money = acting.record_contribution(
    node,
    actor=cy,
    commons_id=cid,
    kind="money",
    quantity="2500",
    currency="EUR",
    description="paid for envelopes",
).entry.id
use = acting.record_contribution(
    node,
    actor=ben,
    commons_id=cid,
    kind="resource_use",
    quantity="4",
    description="lent the seed dryer",
    resource="seed dryer",
).entry.id
acting.validate_contribution(
    node,
    actor=ada,
    commons_id=cid,
    contribution_id=art,
    verdict="dispute",
    reason="the catalogue is incomplete",
)
node.clock = lambda: day(3)
acting.correct_contribution(
    node,
    actor=dee,
    commons_id=cid,
    contribution_id=art,
    reason="completed it",
    changes={"description": "complete seed catalogue"},
)
acting.validate_contribution(
    node, actor=ada, commons_id=cid, contribution_id=art, verdict="approve"
)
acting.validate_contribution(
    node, actor=ada, commons_id=cid, contribution_id=money, verdict="approve"
)
acting.validate_contribution(node, actor=cy, commons_id=cid, contribution_id=use, verdict="approve")
acting.join_commons(node, actor=eve, commons_id=cid, name="Eve")
node.clock = lambda: day(5)
own = acting.record_contribution(
    node,
    actor=ada,
    commons_id=cid,
    kind="review",
    quantity="1",
    description="reviewed the catalogue",
).entry.id
acting.validate_contribution(
    node, actor=ada, commons_id=cid, contribution_id=use, verdict="approve"
)
acting.leave_commons(node, actor=dee, commons_id=cid)
node.clock = lambda: day(9)
acting.record_contribution(
    node,
    actor=eve,
    commons_id=cid,
    kind="work",
    quantity="1",
    description="labelled envelopes",
    task=task2,
)
node.clock = lambda: day(12)
acting.claim_task(node, actor=eve, commons_id=cid, task_id=task2)
out.write_bytes(b"".join(line.rstrip(b"\n") + b"\n" for line in journals.export_journal(node, cid)))
print(cid, len(out.read_bytes().splitlines()))
