"""Day settlement runs every area's settle steps, for each finished day, in the declared phase
order (acceptance, points, bounties, tallies), then in area order; one area keeps the
checkpoint."""

from __future__ import annotations

import pytest

from commonwork.journal.area import (
    SETTLE_PHASES,
    Area,
    SettleStep,
    day_boundary,
    installed,
    ordered,
    settle_steps,
)
from commonwork.journal.keys import Keypair
from commonwork.journal.projection import State
from commonwork.node.state import MemoryState
from commonwork.standing import settle


def test_steps_run_by_phase_then_area_order() -> None:
    ran: list[str] = []

    def step(name: str) -> SettleStep:
        phase = name.split(":")[0]
        return SettleStep(phase, lambda _state, _commons, day: ran.append(f"{name}@{day}"))

    tallies = Area(
        "assembly", "decisions", builds_on=("standing",), settle=(step("tallies:assembly"),)
    )
    bounties = Area("market", "money", builds_on=("standing",), settle=(step("bounties:market"),))
    areas = ordered([*installed(), tallies, bounties])
    steps = settle_steps(areas)
    standing = next(a for a in areas if a.name == "standing")
    governance = next(a for a in areas if a.name == "governance")
    acceptance, points = (s.run for s in standing.settle)
    # Acceptance: the standing area's, then governance's (verdicts); then points, then the rest.
    verdicts, offsets = (s.run for s in governance.settle)
    assert steps[:4] == (acceptance, verdicts, points, offsets)
    for run in steps[4:]:
        run(MemoryState(), "c", "2026-01-01")
    assert ran == ["bounties:market@2026-01-01", "tallies:assembly@2026-01-01"]
    assert [s.phase for s in standing.settle] == list(SETTLE_PHASES[:2])
    assert day_boundary(areas) is settle.settle_until


def test_an_unknown_phase_and_two_checkpoint_keepers_are_refused() -> None:
    with pytest.raises(ValueError, match="not one of"):
        SettleStep("payouts", lambda _state, _commons, _day: None)
    rival = Area("rival", "a second clock", day_boundary=settle.settle_until)
    with pytest.raises(ValueError, match="more than one area declares a day boundary"):
        ordered([*installed(), rival])


def test_settle_until_runs_the_steps_it_is_given_for_every_finished_day() -> None:
    founder = Keypair.generate()
    state = MemoryState()
    commons_id = "c" * 64
    seen: list[str] = []
    state.put(settle.commons, {"commons_id": commons_id, "charter": "{}", "founder": founder.did})
    state.put(
        settle.settlements,
        {"commons_id": commons_id, "next_day": "2026-01-01", "engine": 1, "pending_charter": None},
    )

    def record(_state: State, _commons: str, day: str) -> None:
        seen.append(day)

    settle.settle_until(state, commons_id, "2026-01-04", (record,))
    assert seen == ["2026-01-01", "2026-01-02", "2026-01-03"]
    assert state.get(settle.settlements, (commons_id,))["next_day"] == "2026-01-04"
