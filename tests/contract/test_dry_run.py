"""A dry run asks the rules themselves whether an action would be taken now, and writes
nothing: the pages show a button only when it says yes."""

from __future__ import annotations

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.production.tasks import CLAIM, UNCLAIM
from commonwork.services.dry_run import dry_run
from tests.contract.test_digest_parts import head_seq
from tests.contract.test_settlement import approve, charter, post, work
from tests.contract.test_tasks import day
from tests.support.builders import found, join


def test_the_rules_answer_for_claims_as_they_would_on_append(any_node: Node) -> None:
    ada, ben, stranger = Keypair.generate(), Keypair.generate(), Keypair.generate()
    any_node.clock = lambda: day(0)
    commons_id = found(any_node, ada, charter(ada))
    join(any_node, commons_id, ben, "Ben")
    task = post(any_node, commons_id, ada)
    before = head_seq(any_node, commons_id)
    claim, unclaim = (CLAIM, {"task": task}), (UNCLAIM, {"task": task})
    mine = dry_run(any_node, commons_id, ben.did, [claim, unclaim])
    assert [verdict.allowed for verdict in mine] == [True, False]
    assert mine[1].reason  # the rule's own words: there is no claim to withdraw
    [outsider] = dry_run(any_node, commons_id, stranger.did, [claim])
    assert (outsider.allowed, outsider.code) == (False, "not_a_member")
    assert head_seq(any_node, commons_id) == before  # nothing written
    linked = work(any_node, commons_id, ben, task=task)
    approve(any_node, commons_id, ada, linked)  # accepted today: the task closes at day's end
    [today] = dry_run(any_node, commons_id, ada.did, [claim])
    assert today.allowed  # the rules take claims until the day that closed it is settled
    any_node.clock = lambda: day(1)  # the next day: a dry run settles the day before first
    [tomorrow] = dry_run(any_node, commons_id, ada.did, [claim])
    assert not tomorrow.allowed
    assert "closed" in tomorrow.reason
    [again] = dry_run(any_node, commons_id, ada.did, [claim])  # the night settled once, kept
    assert (again.allowed, again.reason) == (False, tomorrow.reason)
    assert head_seq(any_node, commons_id) == before + 2
