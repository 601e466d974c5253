"""The inbox: what entries tell members, projected in the fold (every area declares its events),
read newest first across the commons of a node."""

from __future__ import annotations

import pytest

from commonwork.errors import BadInput
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services import acting
from commonwork.services.inbox import inbox_of
from commonwork.services.journals import rebuild_projections
from tests.contract.test_settlement import approve, charter, post, work
from tests.contract.test_tasks import day
from tests.support.builders import found, join


def test_validations_claims_and_linked_work_tell_the_people_concerned(any_node: Node) -> None:
    ada, ben = Keypair.generate(), Keypair.generate()
    any_node.clock = lambda: day(0)
    commons_id = found(any_node, ada, charter(ada))
    join(any_node, commons_id, ben, "Ben")
    mine = work(any_node, commons_id, ben)
    approve(any_node, commons_id, ada, mine)
    [told] = inbox_of(any_node, ben.did).items
    assert (told.kind, told.actor_name, told.subject) == (
        "production.contribution.approve",
        "Founder",
        mine,
    )
    assert told.says == "approved your contribution"
    assert told.link == f"/commons/{commons_id}#c-{mine}"
    assert inbox_of(any_node, ada.did).items == ()  # nobody hears of their own entries
    task = post(any_node, commons_id, ada)
    acting.claim_task(any_node, actor=ben, commons_id=commons_id, task_id=task)
    work(any_node, commons_id, ben, task=task)
    newest = inbox_of(any_node, ada.did).items
    assert [item.kind for item in newest] == ["production.task.work", "production.task.claim"]
    assert {item.link for item in newest} == {f"/commons/{commons_id}/tasks/{task}"}
    first = inbox_of(any_node, ada.did, limit=1)
    assert [item.kind for item in first.items] == ["production.task.work"]
    assert first.next == newest[0].cursor
    older = inbox_of(any_node, ada.did, limit=1, before=first.next).items
    assert [item.kind for item in older] == ["production.task.claim"]
    rebuild_projections(any_node)  # the inbox is part of the fold: a rebuild gives it again
    assert inbox_of(any_node, ada.did).items == newest
    with pytest.raises(BadInput, match="limit"):
        inbox_of(any_node, ada.did, limit=0)
    with pytest.raises(BadInput, match="cursor"):
        inbox_of(any_node, ada.did, before="yesterday")
