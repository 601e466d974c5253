"""Host change by decision (issue 10, item 7), on SQLite and PostgreSQL: a passed decision names
the new host; the new host signs the handover with its host key and the old host appends it;
later entries are sealed by the new host; verify follows the handover; the old node becomes a
read-only copy. Without a passed decision, or signed by anyone else, a handover is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from commonwork.errors import CommonworkError, NotAllowed
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services import hosts, journals, queries
from tests.conftest import DatabaseFactory, open_node
from tests.contract.test_governance import act, at, propose, stance
from tests.contract.test_standing import charter
from tests.support.builders import found, join

START = "2030-01-01T00:00:00.000Z"


@pytest.fixture
def two_nodes(any_node: Node, tmp_path: Path, database_url_factory: DatabaseFactory) -> Any:
    other = open_node(tmp_path / "new-host", database_url_factory("newhost"))
    yield any_node, other
    other.close()


def lines(node: Node, commons_id: str) -> list[bytes]:
    return [line.rstrip(b"\n") for line in journals.export_journal(node, commons_id)]


def test_a_passed_decision_moves_the_commons_to_a_cooperating_host(two_nodes: Any) -> None:
    old, new = two_nodes
    ada, ben = Keypair.generate(), Keypair.generate()
    at(old, START)
    commons_id = found(old, ada, charter(ada))
    join(old, commons_id, ben, "Ben")
    effect = {"kind": "change_host", "host": new.host_key.did}
    # Not decided yet: a handover is refused.
    pid = propose(old, commons_id, ada, title="Move to the co-op's server", text="Cheaper.",
                  effect=effect, method="consent")  # fmt: skip
    early = hosts.sign_handover(new, commons_id, pid)
    with pytest.raises(NotAllowed) as refused:
        hosts.hand_over(old, commons_id, early)
    assert refused.value.extra["reason"] == "not_decided"
    at(old, "2030-01-02T00:00:00.000Z")  # the charter's meta-rule: consent over 7 days
    stance(old, commons_id, ben, pid, {"position": "consent"})
    at(old, "2030-01-09T00:00:00.000Z")
    join(old, commons_id, Keypair.generate(), "Cy")  # closes it: passed

    # Signed by someone else than the new host: refused.
    forged = act_signed_by(ben, commons_id, pid, new.host_key.did)
    with pytest.raises(NotAllowed) as wrong:
        hosts.hand_over(old, commons_id, {"action": forged.action, "author_sig": forged.author_sig})
    assert wrong.value.extra["reason"] == "not_the_new_host"

    handed = hosts.hand_over(old, commons_id, hosts.sign_handover(new, commons_id, pid))
    assert handed.entry.host == old.host_key.did  # sealed by the old host …
    with pytest.raises(NotAllowed, match="its host is"):  # … which is now a read-only copy
        join(old, commons_id, Keypair.generate(), "Dee")

    journals.import_journal(new, lines(old, commons_id))
    at(new, "2030-01-09T01:00:00.000Z")
    joined = act(new, commons_id, Keypair.generate(), "commons.member.join", {"name": "Dee"})
    assert joined.entry.host == new.host_key.did  # … and the next entry by the new one
    for node in (old, new):
        if node is old:
            journals.import_journal(old, lines(new, commons_id))  # the old node mirrors it
        report = journals.verify_commons(node, commons_id)
        assert report.ok, report.as_json()
    assert (
        queries.commons_detail(old, commons_id).digest
        == queries.commons_detail(new, commons_id).digest
    )
    again = hosts.sign_handover(new, commons_id, pid)
    with pytest.raises(CommonworkError):
        hosts.hand_over(new, commons_id, again)  # the same signed handover: appended once


def act_signed_by(person: Keypair, commons_id: str, pid: str, host: str) -> Any:
    from commonwork.journal.actions import build_action, sign_action

    body = {"proposal": pid, "host": host}
    action = build_action(
        type="governance.host.handover", author=person.did, body=body, commons=commons_id
    )
    return sign_action(person, action)


def test_a_host_that_seals_after_the_handover_is_caught_by_verify(two_nodes: Any) -> None:
    old, new = two_nodes
    ada = Keypair.generate()
    at(old, START)
    commons_id = found(old, ada, charter(ada))
    effect = {"kind": "change_host", "host": new.host_key.did}
    pid = propose(
        old, commons_id, ada, title="Move", text="Please.", effect=effect, method="consent"
    )
    at(old, "2030-01-09T00:00:00.000Z")
    join(old, commons_id, Keypair.generate(), "Cy")  # closes it: passed (no objection)
    hosts.hand_over(old, commons_id, hosts.sign_handover(new, commons_id, pid))
    from tests.contract.test_settlement import _journal, _last_line_sealed

    forged = _last_line_sealed(old, commons_id, ada, "commons.member.leave", {})
    report = journals.verify_lines_offline([*_journal(old, commons_id), forged])
    assert report.first_bad is not None
    assert "not the host" in report.first_bad.reason
