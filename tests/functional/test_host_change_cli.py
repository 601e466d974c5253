"""``commonwork host``: the new node signs the handover a passed decision asks for, the old
node appends it and keeps a read-only copy, and the new node imports the journal and hosts the
commons from then on (two data directories, the command line as their operators run it)."""

from __future__ import annotations

from pathlib import Path

from commonwork.journal.keys import Keypair
from tests.conftest import open_node
from tests.contract.test_governance import at, propose, stance
from tests.contract.test_standing import charter
from tests.support.builders import found, join
from tests.support.cli import make_cli


def test_a_commons_moves_to_another_node_by_the_command_line(tmp_path: Path) -> None:
    old_dir, new_dir = tmp_path / "old", tmp_path / "new"
    new_node = open_node(new_dir)
    new_host = new_node.host_key.did
    new_node.close()
    old_node = open_node(old_dir)  # a decision taken over a week of journal time, in process
    ada, ben = Keypair.generate(), Keypair.generate()
    at(old_node, "2030-01-01T00:00:00.000Z")
    commons = found(old_node, ada, charter(ada))
    join(old_node, commons, ben, "Ben")
    effect = {"kind": "change_host", "host": new_host}
    pid = propose(old_node, commons, ada, title="Move", text="To the co-op.", effect=effect,
                  method="consent")  # fmt: skip
    at(old_node, "2030-01-02T00:00:00.000Z")
    stance(old_node, commons, ben, pid, {"position": "consent"})
    at(old_node, "2030-01-09T00:00:00.000Z")
    join(old_node, commons, Keypair.generate(), "Cy")  # the close: passed
    old_node.close()

    old, new = make_cli(old_dir), make_cli(new_dir)
    signed = tmp_path / "handover.json"
    new("host", "sign-handover", commons, "--proposal", pid, "-o", str(signed))
    handed = old.json("host", "hand-over", commons, str(signed))
    assert handed["created"]
    old("id", "new", "dee")
    old.refused("join", commons, "--as", "dee", "--name", "Dee", says="its host is")
    journal = tmp_path / "journal.ndjson"
    old("export", commons, "-o", str(journal))
    new("import", str(journal))
    new("id", "new", "dee")
    joined = new.json("join", commons, "--as", "dee", "--name", "Dee")
    assert joined["seq"] == handed["seq"] + 1
    assert new.json("verify", commons)["ok"]
