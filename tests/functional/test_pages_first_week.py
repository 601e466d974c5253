"""The first week of a seed library on the pages (SCENARIOS.md, scenario 1), over real HTTP.

The founder founds "Riverside Seed Library" with the default preset from the web form, whose
policies are offered in plain words (presets, and an advanced section with fields); the commons
page says the rules in plain words. A newcomer joins and records 3.5 hours; the founder approves
once and the work is accepted the same day, provisionally; a brand-new account's dispute is a
concern that does not block; the first entry of the next day settles it, and the newcomer's
standing page says why their number is what it is. Also: withdrawing and correcting one's own
work from the page, held work, and advanced numbers that are refused with a message and write
nothing.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from commonwork.commons.charter_policies import PRESETS
from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from commonwork.services import queries
from commonwork.web.page_forms import preset_numbers
from tests.functional.server import People
from tests.functional.test_pages import COMMONS_LINK, head_seq, post_on, sign_up, token_on
from tests.support import builders

ADVANCED = re.compile(r'<input id="f-([a-z_]+)" name="\1" value="([^"]*)"')
CHARTER = {
    "name": "Riverside Seed Library",
    "purpose": "Keep open-pollinated seed varieties in common",
    "aims": "Keep every local variety alive\nRun a seed swap each spring",
    "metrics": "varieties: distinct varieties kept",
    "licence": "CC-BY-SA-4.0",
    "join_policy": "open",
}


@pytest.fixture(autouse=True)
def still_clock(node: Node) -> None:
    """The node's clock stands still (at the time the test starts) until a test moves it a
    day on: every entry of a test's first day is on the same journal day, whenever it runs."""
    builders.advance(node, 0)


def advanced_fields(page: str) -> dict[str, str]:
    """The advanced section's numbers as the found form fills them in."""
    return dict(ADVANCED.findall(page.split('data-testid="advanced"')[1]))


def found_on_the_web(client: httpx.Client, **changes: str) -> httpx.Response:
    """Post the found form as a browser would: every field it shows, as filled in, with the
    given changes."""
    page = client.get("/found")
    assert page.status_code == 200
    form = {**CHARTER, "preset": "small-group", "prefill": "small-group"}
    form.update(advanced_fields(page.text))
    form.update(changes, csrf=token_on(client, "/found"))
    return client.post("/found", data=form)


def founded(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    match = COMMONS_LINK.fullmatch(response.headers["location"])
    assert match is not None
    return match.group(1)


def did_of(client: httpx.Client) -> str:
    found = re.search(r'data-testid="my-did">(did:key:\w+)<', client.get("/me").text)
    assert found is not None
    return found.group(1)


def contribution(page: str, contribution_id: str) -> str:
    """The article of one contribution on a page."""
    start = page.index(f'id="c-{contribution_id}"')
    return page[start : page.index("</article>", start)]


def record(client: httpx.Client, commons_id: str, hours: str, what: str) -> str:
    form = {"kind": "work", "quantity": hours, "description": what}
    response = post_on(client, commons_id, "contributions", form)
    assert response.status_code == 303, response.text
    return str(response.headers["location"].split("#c-")[1])


def commons_count(node: Node) -> int:
    return queries.count_commons(node)


def test_the_found_form_offers_presets_in_plain_words_and_fields_never_json(
    people: People,
) -> None:
    ann = people()
    sign_up(ann, "Ann", "ann@example.org")
    page = ann.get("/found").text

    for preset in PRESETS.values():
        assert preset["title"] in page
        assert preset["summary"].replace("'", "&#39;") in page
    checked = re.findall(
        r'name="preset" value="([a-z-]+)"\s+aria-describedby="[^"]+"\s+checked', page
    )
    assert checked == ["small-group"]
    assert advanced_fields(page) == preset_numbers("small-group")
    assert advanced_fields(page)["founder_seed"] == "60"
    assert "<details" in page
    assert "Advanced: the numbers behind the rules" in page
    assert "<textarea" not in page.split('data-testid="advanced"')[1]  # fields, never raw JSON

    open_page = ann.get("/found", params={"preset": "open"}).text
    assert advanced_fields(open_page) == preset_numbers("open")
    assert 'name="prefill" value="open"' in open_page


def test_the_first_week_of_a_seed_library(node: Node, people: People) -> None:
    founder, newcomer, stranger = people(), people(), people()
    sign_up(founder, "Rosa", "rosa@example.org")
    commons_id = founded(found_on_the_web(founder))

    charter = queries.commons_detail(node, commons_id).charter
    small_group = PRESETS["small-group"]
    assert charter["engine"] == 1
    assert charter["licence"] == "CC-BY-SA-4.0"
    assert charter["validation_policy"] == small_group["validation_policy"]
    assert charter["standing_policy"]["founders"] == [{"member": did_of(founder), "standing": 60}]

    page = founder.get(f"/commons/{commons_id}").text
    assert 'data-testid="rules"' in page
    assert (
        "One approval by a member with at least 20 standing accepts work (each approval weighs "
        "up to 10; 10 is needed)." in page
    )
    assert "Money earns value points but no standing." in page
    assert "Unused task claims lapse after 30 days." in page

    sign_up(newcomer, "Noor", "noor@example.org")
    assert post_on(newcomer, commons_id, "join", {}).status_code == 303
    work = record(newcomer, commons_id, "3.5", "cleaned and sorted the tomato seed")
    shown = contribution(newcomer.get(f"/commons/{commons_id}").text, work)
    assert 'data-status="pending"' in shown
    assert 'data-testid="withdraw-form"' in shown  # the contributor's own, pending work

    approval = {"contribution": work, "verdict": "approve", "reason": "saw the jars"}
    assert post_on(founder, commons_id, "validations", approval).status_code == 303
    shown = contribution(founder.get(f"/commons/{commons_id}").text, work)
    assert 'data-status="accepted"' in shown
    assert "(provisional until the day ends)" in shown
    assert 'data-provisional="true"' in shown
    assert "(weighs 10)" in shown

    sign_up(stranger, "Sam", "sam@example.org")
    assert post_on(stranger, commons_id, "join", {}).status_code == 303
    bare = {"contribution": work, "verdict": "dispute", "reason": ""}
    refused = post_on(stranger, commons_id, "validations", bare)
    assert refused.status_code == 422
    assert "must say why" in refused.text
    dispute = {**bare, "reason": "I do not believe it took that long"}
    assert post_on(stranger, commons_id, "validations", dispute).status_code == 303
    shown = contribution(stranger.get(f"/commons/{commons_id}").text, work)
    assert 'data-status="accepted"' in shown  # a concern does not block
    assert 'data-verdict="concern"' in shown
    assert "raised a concern" in shown
    assert "does not hold the work" in shown
    assert 'data-testid="concern-count">1 concern<' in shown
    assert "0 disputes" in shown
    # The page asks the rules (a dry run), and the rules read settled state only: until the
    # day that accepts it is settled, its author may still withdraw it; from then on, never.
    assert 'data-testid="withdraw-form"' in contribution(
        newcomer.get(f"/commons/{commons_id}").text, work
    )

    builders.advance(node, 1)  # Tuesday: the first entry of the day settles Monday
    record(founder, commons_id, "2", "ran the seed swap table")
    shown = contribution(newcomer.get(f"/commons/{commons_id}").text, work)
    assert 'data-status="accepted"' in shown
    assert 'data-provisional="false"' in shown
    assert "provisional until the day ends" not in shown
    assert 'data-testid="withdraw-form"' not in shown  # accepted, settled: final

    member = newcomer.get(f"/commons/{commons_id}/members/{did_of(newcomer)}")
    assert member.status_code == 200
    assert 'data-testid="member-points">3.5<' in member.text
    # Accepted on Monday, read on Tuesday: 3.5 halved for one day of a 180-day half-life.
    assert 'data-testid="member-standing">3.486<' in member.text
    assert "Why this number" in member.text
    why = member.text.split('data-testid="why-table"')[1]
    assert why.count('data-testid="why-term"') == 1
    assert "Rosa" in why  # approved once by the founder, weighing 10
    assert "weight 10" in why
    standing = newcomer.get(f"/commons/{commons_id}/standing").text
    assert "Standing comes from accepted work and halves every 180 days" in standing


def test_a_pending_contribution_is_withdrawn_from_the_page(node: Node, people: People) -> None:
    founder, newcomer = people(), people()
    sign_up(founder, "Rosa", "rosa@example.org")
    commons_id = founded(found_on_the_web(founder))
    sign_up(newcomer, "Noor", "noor@example.org")
    post_on(newcomer, commons_id, "join", {})
    work = record(newcomer, commons_id, "2", "labelled the bean jars twice")
    seq = head_seq(node, commons_id)
    base = f"/commons/{commons_id}/contributions/{work}/withdrawal"

    assert newcomer.post(base, data={"reason": "recorded twice"}).status_code == 403  # no csrf
    by_other = founder.post(base, data={"csrf": token_on(founder, f"/commons/{commons_id}")})
    assert by_other.status_code == 403
    assert "only the member who recorded a contribution may withdraw it" in by_other.text
    assert head_seq(node, commons_id) == seq

    form = {"reason": "recorded twice", "csrf": token_on(newcomer, f"/commons/{commons_id}")}
    withdrawn = newcomer.post(base, data=form)
    assert withdrawn.status_code == 303
    assert withdrawn.headers["location"] == f"/commons/{commons_id}#c-{work}"
    assert head_seq(node, commons_id) == seq + 1

    shown = contribution(founder.get(f"/commons/{commons_id}").text, work)
    assert 'data-status="withdrawn"' in shown
    assert 'data-testid="contribution-status">withdrawn<' in shown
    assert "approve-button" not in shown  # nothing left to validate
    assert "withdraw-form" not in contribution(newcomer.get(f"/commons/{commons_id}").text, work)
    again = newcomer.post(base, data=form)
    assert again.status_code == 403
    assert "withdrawn already" in again.text


def test_own_work_is_corrected_from_the_page_and_held_work_says_so(
    node: Node, people: People
) -> None:
    founder, newcomer = people(), people()
    sign_up(founder, "Rosa", "rosa@example.org")
    commons_id = founded(found_on_the_web(founder))
    sign_up(newcomer, "Noor", "noor@example.org")
    post_on(newcomer, commons_id, "join", {})
    work = record(newcomer, commons_id, "5", "sorted the squash seed")
    page = f"/commons/{commons_id}"
    corrections = f"{page}/contributions/{work}/corrections"

    no_reason = {"quantity": "4", "csrf": token_on(newcomer, page)}
    refused = newcomer.post(corrections, data=no_reason)
    assert refused.status_code == 422
    assert "Why correct it" in refused.text
    fixed = {**no_reason, "reason": "it was four hours, not five"}
    assert newcomer.post(corrections, data=fixed).status_code == 303
    assert "4 hours" in contribution(newcomer.get(page).text, work)

    # The founder has validating standing: her dispute holds the work for arbitration.
    dispute = {"contribution": work, "verdict": "dispute", "reason": "we sorted squash together"}
    assert post_on(founder, commons_id, "validations", dispute).status_code == 303
    shown = contribution(newcomer.get(page).text, work)
    assert 'data-status="disputed"' in shown
    assert "held — waiting for arbitration" in shown
    assert "holds the work for arbitration" in shown
    assert 'data-testid="withdraw-form"' in shown  # held work may still be withdrawn
    assert 'data-testid="correct-form"' in shown


def test_the_accepted_quantity_after_an_adjust_is_shown_next_to_the_claimed_one(
    node: Node, people: People
) -> None:
    founder, newcomer = people(), people()
    sign_up(founder, "Rosa", "rosa@example.org")
    commons_id = founded(found_on_the_web(founder))
    sign_up(newcomer, "Noor", "noor@example.org")
    post_on(newcomer, commons_id, "join", {})
    work = record(newcomer, commons_id, "6", "threshed the lettuce seed")
    adjust = {"contribution": work, "verdict": "adjust", "reason": "four, I was there"}
    assert (
        post_on(founder, commons_id, "validations", {**adjust, "quantity": "4"}).status_code == 303
    )
    builders.advance(node, 1)
    record(founder, commons_id, "1", "swept the shed")

    shown = contribution(founder.get(f"/commons/{commons_id}").text, work)
    assert "6 hours claimed" in shown
    assert 'data-testid="accepted-quantity">accepted at 4 hours<' in shown


def test_bad_advanced_numbers_are_refused_with_what_to_change_and_write_nothing(
    node: Node, people: People
) -> None:
    ann = people()
    sign_up(ann, "Ann", "ann@example.org")
    cases: list[tuple[dict[str, str], str]] = [
        (
            {"validator_minimum": "10"},
            "validator_minimum (10) must be above cap_per_contribution (15)",
        ),
        ({"validator_cap": "2"}, "the founders&#39; approvals together can never reach"),
        (
            {"threshold": "lots"},
            "(threshold): write a number such as 10 or 0.5, not &#39;lots&#39;",
        ),
        ({"half_life_days": "7.5"}, "(half_life_days): write a whole number"),
        ({"challenge_days": "0"}, "challenge_days must be at least 1"),
        (
            {"money_standing_weight": "2"},
            "standing weight of &#39;money&#39; must be between 0 and 1",
        ),
        ({"founder_seed": "10"}, "the founders&#39; approvals together can never reach"),
    ]
    for changes, message in cases:
        refused = found_on_the_web(ann, **changes)
        assert refused.status_code in (400, 422), refused.text
        assert message in refused.text, (changes, refused.text)
        assert 'data-testid="form-error"' in refused.text
        assert 'data-testid="advanced" open' in refused.text  # the section shown unfolded
        name, value = next(iter(changes.items()))
        assert advanced_fields(refused.text)[name] == value  # kept as typed
        assert 'value="Riverside Seed Library"' in refused.text
    assert commons_count(node) == 0


def test_a_changed_number_overrides_the_chosen_preset_and_the_rest_follow_it(
    node: Node, people: People
) -> None:
    ann = people()
    sign_up(ann, "Ann", "ann@example.org")
    commons_id = founded(found_on_the_web(ann, preset="open", threshold="12", validator_cap="12"))
    charter: dict[str, Any] = queries.commons_detail(node, commons_id).charter
    validation = charter["validation_policy"]
    assert validation == {
        **PRESETS["open"]["validation_policy"],
        "threshold": "12",
        "validator_cap": "12",
    }
    assert charter["standing_policy"]["half_life_days"] == 365
    assert charter["standing_policy"]["founders"][0]["standing"] == 120  # follows the minimums
    rules = ann.get(f"/commons/{commons_id}").text
    assert "One approval by a member with at least 50 standing accepts work" in rules
    assert "(each approval weighs up to 12; 12 is needed)" in rules

    seeded = founded(found_on_the_web(ann, founder_seed="80", money_standing_weight="0.5"))
    charter = queries.commons_detail(node, seeded).charter
    assert charter["standing_policy"]["founders"][0]["standing"] == 80
    assert charter["value_policy"]["standing_weights"] == {"money": "0.5"}
    rules = ann.get(f"/commons/{seeded}").text
    assert "The founder starts with 80 standing" in rules
    assert "only 50% of them count towards standing" in rules


def test_a_commons_founded_before_engines_says_its_one_approval_rule(
    node: Node, people: People
) -> None:
    commons_id = builders.found(node, Keypair.generate())
    page = people().get(f"/commons/{commons_id}").text
    assert "A contribution is accepted after one approval with no dispute." in page
    assert "Unused task claims lapse after 30 days." in page
