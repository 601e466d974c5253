"""``models.as_json``: a read model becomes the JSON object the API has always answered — its
fields in order, nested models as objects, tuples as arrays, a left-out field only when None."""

from __future__ import annotations

import orjson
import pytest

from commonwork.services.models import as_json
from commonwork.services.read_models import CommonsDetail, Share, Validation

HEAD = {"id": "c1", "head": "e9", "head_seq": 9, "host": "did:h", "recorded_at": "t", "digest": "d"}


def test_a_commons_whose_row_is_being_rebuilt_leaves_out_the_fields_of_its_row() -> None:
    detail = CommonsDetail(commons_id="c1", **HEAD, hosted_here=True)
    assert list(as_json(detail)) == ["commons_id", *HEAD, "hosted_here"]
    full = CommonsDetail(
        commons_id="c1",
        name="Seeds",
        purpose="p",
        charter={"aims": ["a"], "n": 1},
        licence="CC0-1.0",
        join_policy="open",
        founder="did:f",
        founded_at="t0",
        member_count=0,
        **HEAD,
        hosted_here=False,
    )
    assert orjson.dumps(as_json(full)).startswith(b'{"commons_id":"c1","name":"Seeds","purpose"')
    assert as_json(full)["member_count"] == 0  # a falsy value is kept; only None is left out


def test_nested_models_and_tuples_become_objects_and_arrays() -> None:
    validation = Validation(
        commons_id="c1",
        contribution_id="k",
        validator="did:v",
        version=0,
        seq=3,
        verdict="approve",
        quantity=None,
        reason="",
        recorded_at="t",
        weight=None,
        validator_name="Vi",
        superseded=False,
    )
    made = as_json(validation)
    assert "provisional" not in made  # read without a settled view
    assert (made["quantity"], made["weight"]) == (None, None)  # plain optional fields stay
    empty = as_json(CommonsDetail(commons_id="c", **HEAD, hosted_here=True, charter={}))
    assert empty["charter"] == {}
    assert [as_json(s) for s in (Share(member="m", name="M", share="1"),)] == [
        {"member": "m", "name": "M", "share": "1"}
    ]


def test_only_a_read_model_becomes_json() -> None:
    with pytest.raises(TypeError, match="not a read model"):
        as_json({"a": 1})
