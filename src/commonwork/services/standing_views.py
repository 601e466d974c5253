"""The preview of a candidate value policy: everyone's value points and share under the live
value policy and under the candidate, computed by the vectorised what-if engine
(commonwork.standing.engine) over the same journal. It writes nothing. The settled figures people
read live in services.standing_read.
"""

from __future__ import annotations

import orjson

from commonwork.commons.charter_policies import candidate_value_policy
from commonwork.node.jobs import Report, Task
from commonwork.node.node import Node
from commonwork.services import settled, standing_read
from commonwork.services.journals import require_head
from commonwork.services.models import JsonValue
from commonwork.services.settled import as_of_time
from commonwork.services.standing import (
    figures,
    gini,
    points_text,
    require_policies,
)
from commonwork.services.standing_models import PolicyPreview, PreviewRow

SERIES_POINTS = 60


def preview_value_policy(
    node: Node,
    commons_id: str,
    candidate: JsonValue,
    *,
    as_of: str | None = None,
    wait: float | None = None,
) -> PolicyPreview:
    """Each member's value points and share under the live value policy and under ``candidate``;
    the live figures and the journal are left as they are. A heavy read, made by a job and kept
    by (head, as-of time, candidate); ``wait``: see ``settled.computed``."""
    with node.reading() as conn:
        head = require_head(conn, commons_id)
    when = as_of_time(node, as_of)
    key = (
        "preview",
        head.id,
        when[:10] if when >= head.recorded_at else when,
        canonical(candidate),
    )
    label = "the preview of a value policy"
    task = Task(_preview_job, (commons_id, candidate, when))
    preview: PolicyPreview = settled.computed(node, key, label, task, wait)
    return preview


def _preview_job(
    node: Node, _report: Report, commons_id: str, candidate: JsonValue, when: str
) -> PolicyPreview:
    """The job: the preview of ``candidate`` as of ``when``."""
    return _preview(node, commons_id, candidate, when)


def canonical(value: JsonValue) -> str:
    """A stable text of the candidate, whatever it holds (an invalid one is refused later)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return repr(value)


def _preview(node: Node, commons_id: str, candidate: JsonValue, as_of: str) -> PolicyPreview:
    live = figures(node, commons_id, as_of=as_of)
    policies = candidate_value_policy(candidate, require_policies(node, commons_id))
    other = figures(node, commons_id, as_of=live.as_of, policies=policies)
    live_points = live.result.value_points_milli
    new_points = other.result.value_points_milli
    live_total, new_total = int(live_points.sum()), int(new_points.sum())
    rows: list[PreviewRow] = []
    for i, did in enumerate(live.loaded.member_ids):
        before, after = int(live_points[i]), int(new_points[i])
        rows.append(
            PreviewRow(
                member=did,
                name=live.loaded.member_names[i],
                live_value_points=points_text(before),
                candidate_value_points=points_text(after),
                live_share=round(before / live_total, 6) if live_total else 0.0,
                candidate_share=round(after / new_total, 6) if new_total else 0.0,
                live_standing=live.standing(i),
                candidate_standing=other.standing(i),
            )
        )
    rows.sort(key=lambda row: (-float(row.candidate_value_points), row.member))
    return PolicyPreview(
        commons_id=commons_id,
        as_of=live.as_of,
        live_policy=live.policies.value.as_json(),
        candidate_policy=policies.value.as_json(),
        live_total=points_text(live_total),
        candidate_total=points_text(new_total),
        members=tuple(rows),
        # the digest of the settled figures people read: unchanged by any preview
        live_digest=standing_read.standing_table(node, commons_id, as_of=as_of).digest,
        candidate_gini=round(gini(new_points), 4),
        live_gini=round(gini(live_points), 4),
    )
