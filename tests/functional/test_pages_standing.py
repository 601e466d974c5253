"""The standing pages over real HTTP: the table with the Lorenz curve and the Gini coefficient, a
member's page with standing over time and "why this number" linked to the journal, the preview of
a candidate value policy (which writes nothing), its refusals shown next to the form, and a
commons without policies told kindly."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest

from commonwork.journal.keys import Keypair
from commonwork.node.node import Node
from tests.contract.test_standing import charter
from tests.contract.test_tasks import day
from tests.functional.server import HTML
from tests.functional.server import journal_head as head
from tests.functional.test_api import post_action, signed_json
from tests.support import builders

RECORD, VALIDATE = "production.contribution.record", "production.contribution.validate"


def act(api: httpx.Client, commons: str, person: Keypair, type_: str, body: Any) -> str:
    response = post_action(api, commons, signed_json(person, type_, body, commons))
    assert response.status_code == 201, response.text
    return str(response.json()["items"][0]["id"])


@pytest.fixture
def community(api: httpx.Client, node: Node) -> dict[str, Any]:
    """Ada founded a commons with policies (standing 100) on day 0; Ben and Cy joined. Ada approved
    Ben's 5 hours of python work on day 0 and Cy's 2 hours on day 10; it is now day 20."""
    node.clock = lambda: day(0)
    people = {name: Keypair.generate() for name in ("ada", "ben", "cy")}
    body = {"charter": charter(people["ada"]), "founder_name": "Ada", "host": node.host_key.did}
    response = api.post(
        "/api/v1/commons", json=signed_json(people["ada"], "commons.commons.found", body)
    )
    assert response.status_code == 201, response.text
    commons = str(response.json()["items"][0]["commons"])
    for name in ("ben", "cy"):
        act(api, commons, people[name], "commons.member.join", {"name": name.title()})
    work = {"kind": "work", "quantity": "5", "description": "typed the index", "skill": "python"}
    ben_work = act(api, commons, people["ben"], RECORD, work)
    act(api, commons, people["ada"], VALIDATE, {"contribution": ben_work, "verdict": "approve"})
    node.clock = lambda: day(10)
    work = {"kind": "work", "quantity": "2", "description": "sorted the seed trays"}
    cy_work = act(api, commons, people["cy"], RECORD, work)
    act(api, commons, people["ada"], VALIDATE, {"contribution": cy_work, "verdict": "approve"})
    node.clock = lambda: day(20)
    return {"commons": commons, "ben_work": ben_work, **people}


@pytest.fixture
def browser(site: str) -> Iterator[httpx.Client]:
    """Someone reading the pages without an account, as a browser asks for them."""
    with httpx.Client(base_url=site, headers=HTML, timeout=30) as client:
        yield client


def cells(page: str, testid: str) -> list[str]:
    """The text of every element with this data-testid (tags inside stripped)."""
    pattern = rf'data-testid="{testid}"[^>]*>(.*?)</(?:td|dd|strong|span|p|a|h1)>'
    return [
        html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
        for text in re.findall(pattern, page, re.S)
    ]


def row_of(page: str, did: str, testid: str = "standing-row") -> str:
    """The HTML of the table row of one member."""
    start = page.index(f'data-testid="{testid}" data-member="{did}"')
    return page[start : page.index("</tr>", start)]


def svg(page: str, testid: str) -> str:
    start = page.index("<svg")
    while f'data-testid="{testid}"' not in page[start : page.index(">", start)]:
        start = page.index("<svg", start + 1)
    return page[start : page.index("</svg>", start) + 6]


def path_points(chart: str) -> int:
    """How many points the chart's line has (from its path, not its own count)."""
    match = re.search(r'<path d="([^"]*)" class="chart-line"', chart)
    assert match is not None
    return len(re.findall(r"[ML]", match.group(1)))


def test_the_standing_page_shows_everyone_s_figures_and_the_distribution(
    api: httpx.Client, browser: httpx.Client, community: dict[str, Any]
) -> None:
    commons = community["commons"]
    table = api.get(f"/api/v1/commons/{commons}/standing").json()
    page = browser.get(f"/commons/{commons}/standing")
    assert page.status_code == 200
    text = page.text
    assert cells(text, "value-points") == ["0", "15", "4"]  # Ada (seed 100), then Ben, then Cy
    expected = [f"{row['standing']:.3f}" for row in table["members"]]
    assert cells(text, "standing") == expected
    ben = row_of(text, community["ben"].did)
    assert f'href="/commons/{commons}/members/{community["ben"].did}"' in ben
    assert '<td class="num" data-testid="points-this-month">15</td>' in ben
    assert 'data-privilege="bounty_tasks"' in row_of(text, community["ada"].did)
    assert "data-privilege" not in ben
    lorenz = svg(text, "lorenz-chart")
    assert path_points(lorenz) == len(table["distribution"]["lorenz"])
    assert 'class="chart-equality"' in lorenz
    assert "<title" in lorenz
    assert 'aria-labelledby="lorenz-chart-title lorenz-chart-desc"' in lorenz
    gini = table["distribution"]["gini"]
    assert cells(text, "gini") == [f"{gini:.4f}"]
    assert f"Gini coefficient {gini:.2f}" in lorenz
    assert cells(text, "total-points") == ["19"]
    assert f'title="{table["digest"]}"' in text
    assert 'data-testid="nav-standing" class="active" aria-current="page"' in text
    commons_page = browser.get(f"/commons/{commons}").text
    assert f'href="/commons/{commons}/standing" data-testid="nav-standing"' in commons_page


def test_a_member_page_explains_the_number_and_links_every_term_to_its_entry(
    api: httpx.Client, browser: httpx.Client, community: dict[str, Any]
) -> None:
    commons, ben = community["commons"], community["ben"].did
    figures = api.get(f"/api/v1/commons/{commons}/members/{ben}/standing").json()
    page = browser.get(f"/commons/{commons}/members/{ben}")
    assert page.status_code == 200
    text = page.text
    assert cells(text, "member-name") == ["Ben"]
    shown = f"{figures['standing']:.3f}"
    assert cells(text, "member-standing") == [shown]
    assert cells(text, "member-points") == ["15"]
    chart = svg(text, "standing-chart")
    assert path_points(chart) == len(figures["series"]) == 21  # one a day, days 0 to 20
    assert "Standing of Ben over time" in chart
    [term] = figures["why"]
    seq = term["seq"]
    assert f'href="/commons/{commons}/journal?after={seq - 1}#e-{seq}"' in text
    [approval] = term["approvals"]
    approval_link = f"/commons/{commons}/journal?after={approval['seq'] - 1}#e-{approval['seq']}"
    assert f'href="{approval_link}"' in text
    why = text[text.index('data-testid="why-table"') :]
    assert f'<span class="person" title="{community["ada"].did}">Ada</span>' in why  # approved
    standings = [Decimal(value) for value in cells(text, "term-standing")]
    assert sum(standings) == Decimal(shown)
    assert cells(text, "why-total") == [shown]
    assert cells(text, "term-points") == ["15"]
    journal = browser.get(approval_link.split("#")[0]).text
    assert f'id="e-{approval["seq"]}"' in journal
    assert 'data-type="production.contribution.validate"' in journal
    assert "python" in text  # standing by skill
    assert "2030-01" in text  # value points by month


def test_the_terms_of_several_contributions_add_up_to_the_standing_shown(
    api: httpx.Client, browser: httpx.Client, node: Node, community: dict[str, Any]
) -> None:
    commons, ben, ada = community["commons"], community["ben"], community["ada"]
    review = {"kind": "review", "quantity": "3", "description": "checked the germination log"}
    reviewed = act(api, commons, ben, RECORD, review)
    act(api, commons, ada, VALIDATE, {"contribution": reviewed, "verdict": "approve"})
    node.clock = lambda: day(30)  # the end of January
    text = browser.get(f"/commons/{commons}/members/{ben.did}").text
    assert cells(text, "term-points") == ["15", "3"]
    assert text.count('data-testid="term-entry"') == 2
    assert "checked the germination log" in cells(text, "term-description")  # what it was
    assert text.count('data-testid="approval-entry"') == 2
    [shown] = cells(text, "member-standing")
    terms = sum(Decimal(value) for value in cells(text, "term-standing"))
    assert abs(terms - Decimal(shown)) <= Decimal("0.001")  # each term rounded to the thousandth
    assert cells(text, "why-total") == [shown]
    assert cells(text, "accepted-count") == ["2"]


def test_the_founder_s_seed_is_a_term_linked_to_the_charter(
    browser: httpx.Client, community: dict[str, Any]
) -> None:
    commons = community["commons"]
    text = browser.get(f"/commons/{commons}/members/{community['ada'].did}").text
    assert 'data-kind="seed"' in text
    assert f'href="/commons/{commons}/journal?after=-1#e-0"' in text
    assert cells(text, "term-points") == ["100"]
    [standing] = cells(text, "term-standing")
    assert cells(text, "member-standing") == [standing]


def test_figures_as_of_an_earlier_day_and_the_links_keep_it(
    browser: httpx.Client, community: dict[str, Any]
) -> None:
    commons, cy = community["commons"], community["cy"].did
    page = browser.get(f"/commons/{commons}/standing", params={"as_of": "2030-01-05"})
    assert page.status_code == 200
    assert cells(page.text, "value-points") == ["0", "15", "0"]  # Cy's work came on day 10
    assert f'href="/commons/{commons}/members/{cy}?as_of=2030-01-05"' in page.text
    assert 'datetime="2030-01-05T23:59:59.999Z"' in page.text
    member = browser.get(f"/commons/{commons}/members/{cy}", params={"as_of": "2030-01-05"})
    assert cells(member.text, "member-points") == ["0"]
    assert path_points(svg(member.text, "standing-chart")) == 5
    bad = browser.get(f"/commons/{commons}/standing", params={"as_of": "yesterday"})
    assert bad.status_code == 400
    assert "as_of must be a journal time" in bad.text


def preview(browser: httpx.Client, commons: str, policy: str) -> httpx.Response:
    return browser.get(f"/commons/{commons}/value-policy/preview", params={"policy": policy})


def textarea(page: str) -> str:
    """What the policy's textarea holds (a browser drops the newline right after the tag)."""
    match = re.search(r'<textarea id="f-policy"[^>]*>\n(.*?)</textarea>', page, re.S)
    assert match is not None
    return html.unescape(match.group(1))


def test_the_preview_shows_candidate_points_and_leaves_the_live_figures(
    api: httpx.Client, browser: httpx.Client, community: dict[str, Any]
) -> None:
    commons = community["commons"]
    before = api.get(f"/api/v1/commons/{commons}/standing").json()
    journal_before = head(api, commons)
    form = browser.get(f"/commons/{commons}/value-policy/preview")
    assert form.status_code == 200
    live = orjson.loads(textarea(form.text))
    assert live == before["policies"]["value_policy"]
    assert 'data-testid="preview-result"' not in form.text
    candidate = {**live, "version": 2, "kinds": {**live["kinds"], "work": "3"}}
    typed = orjson.dumps(candidate, option=orjson.OPT_INDENT_2).decode()
    page = preview(browser, commons, typed)
    assert page.status_code == 200
    ben = row_of(page.text, community["ben"].did, "preview-row")
    cy = row_of(page.text, community["cy"].did, "preview-row")
    assert cells(ben, "live-points") == ["15"]
    assert cells(ben, "candidate-points") == ["22.5"]
    assert cells(ben, "points-change") == ["+7.5"]
    assert cells(cy, "candidate-points") == ["6"]
    assert 'data-changed="true"' in ben
    assert cells(page.text, "live-total") == ["19"]
    assert cells(page.text, "candidate-total") == ["28.5"]
    assert cells(ben, "candidate-share") == ["78.9%"]
    assert "The live figures are untouched" in page.text
    assert f'title="{before["digest"]}"' in page.text
    assert orjson.loads(textarea(page.text)) == candidate  # what was typed stays in the form
    after = api.get(f"/api/v1/commons/{commons}/standing").json()
    assert after["digest"] == before["digest"]
    assert head(api, commons) == journal_before


@pytest.mark.parametrize(
    ("typed", "status", "message"),
    [
        ('{"version": 2, "kinds": {"work": "2",}}', 400, "not valid JSON: trailing comma"),
        ('{"version": 2,\n "kinds" {"work": "2"}}', 400, "at line 2, column 10"),
        ('{"version": 2, "kinds": {"gold": "1"}}', 422, "unknown contribution kinds"),
        ('{"version": 2, "kinds": {"work": 2.5}}', 422, "must be a decimal string"),
        ("[1, 2]", 422, "must be a JSON object"),
        ("   ", 400, "write the candidate value policy"),
        ('\n{"version": 2,\n "kinds": 1}', 422, "value_policy.kinds must map names"),
    ],
)
def test_a_refused_candidate_is_shown_next_to_the_form_with_what_was_typed(
    api: httpx.Client,
    browser: httpx.Client,
    community: dict[str, Any],
    typed: str,
    status: int,
    message: str,
) -> None:
    commons = community["commons"]
    journal_before = head(api, commons)
    page = preview(browser, commons, typed)
    assert page.status_code == status
    [error] = cells(page.text, "form-error")
    assert message in error
    assert textarea(page.text) == typed
    assert 'aria-invalid="true"' in page.text
    assert 'data-testid="preview-result"' not in page.text
    assert head(api, commons) == journal_before


def test_a_commons_without_policies_is_told_kindly(node: Node, browser: httpx.Client) -> None:
    founder = Keypair.generate()
    commons = builders.found(node, founder)
    for path in ("standing", f"members/{founder.did}", "value-policy/preview"):
        page = browser.get(f"/commons/{commons}/{path}")
        assert page.status_code == 200, path
        assert 'data-testid="no-standing"' in page.text
        assert "keeps no standing" in page.text
        assert "provisional rule" in page.text
        assert "<svg" not in page.text
    refused = preview(browser, commons, '{"version": 1}')
    assert refused.status_code == 200
    assert 'data-testid="no-standing"' in refused.text


def test_an_unknown_commons_or_member_is_a_404_page(
    browser: httpx.Client, community: dict[str, Any]
) -> None:
    missing = browser.get(f"/commons/{'0' * 64}/standing")
    assert missing.status_code == 404
    assert 'data-testid="problem"' in missing.text
    stranger = Keypair.generate().did
    page = browser.get(f"/commons/{community['commons']}/members/{stranger}")
    assert page.status_code == 404
    assert "is not a member of this commons" in page.text
