"""The inline SVG charts: well-formed XML, named for screen readers, one path point per input
point, the diagonal of equality, round ticks, escaped text and empty input; the money flow's
bands as thick as their value, left to right along the flows."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from commonwork.web.charts import flow_chart, line_chart, lorenz_chart, nice_step, y_ticks

SVG = "{http://www.w3.org/2000/svg}"
SERIES = [("2030-01-01", 15.0), ("2030-01-11", 14.4), ("2030-01-21", 13.888), ("2030-03-01", 40.0)]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it well-formed
    assert root.tag == f"{SVG}svg"
    return root


def path_points(path: ET.Element) -> list[tuple[float, float]]:
    """The points of a path made of M and L commands (a closing Z is left out)."""
    pairs = re.findall(r"[ML](-?[\d.]+),(-?[\d.]+)", path.attrib["d"])
    return [(float(x), float(y)) for x, y in pairs]


def named(root: ET.Element) -> tuple[str, str]:
    """The chart's title and description, as aria-labelledby points at them."""
    ids = root.attrib["aria-labelledby"].split()
    found = {el.attrib.get("id"): (el.text or "") for el in root.iter() if el.attrib.get("id")}
    assert root.attrib["role"] == "img"
    return found[ids[0]], found[ids[1]]


def test_a_line_chart_has_one_path_point_per_input_point_and_is_named() -> None:
    root = parse(line_chart(SERIES, title="Standing of Ben", description="From 15 to 40"))
    [line] = [p for p in root.iter(f"{SVG}path") if "chart-line" in p.attrib["class"]]
    points = path_points(line)
    assert len(points) == len(SERIES) == int(line.attrib["data-points"])
    assert named(root) == ("Standing of Ben", "From 15 to 40")
    xs = [x for x, _ in points]
    assert xs == sorted(xs)  # placed left to right by date
    # by date, not by position: the last point is 39 days after the third, the gaps before 10
    assert (xs[3] - xs[2]) > 3 * (xs[2] - xs[1])
    ys = [y for _, y in points]
    assert ys[3] < ys[0]  # higher standing is drawn higher up (smaller y)


def test_a_line_chart_stays_inside_its_view_box_with_round_ticks_and_date_labels() -> None:
    root = parse(line_chart(SERIES))
    _, _, width, height = (float(v) for v in root.attrib["viewBox"].split())
    [line] = [p for p in root.iter(f"{SVG}path") if "chart-line" in p.attrib["class"]]
    assert all(0 <= x <= width and 0 <= y <= height for x, y in path_points(line))
    texts = [el.text for el in root.iter(f"{SVG}text")]
    assert {"0", "10", "20", "30", "40"} <= set(texts)  # 40 is the highest value
    assert "2030-01-01" in texts
    assert "2030-03-01" in texts


def test_an_empty_line_chart_says_so_and_a_single_point_still_draws() -> None:
    empty = parse(line_chart([], empty_message="No standing yet"))
    assert not [p for p in empty.iter(f"{SVG}path") if "chart-line" in p.attrib.get("class", "")]
    assert "No standing yet" in [el.text for el in empty.iter(f"{SVG}text")]
    single = parse(line_chart([("2030-01-01", 7.5)]))
    [line] = [p for p in single.iter(f"{SVG}path") if "chart-line" in p.attrib["class"]]
    assert len(path_points(line)) == 1


def test_labels_that_are_not_dates_are_spaced_evenly() -> None:
    root = parse(line_chart([("a", 1.0), ("b", 2.0), ("c", 3.0)]))
    [line] = [p for p in root.iter(f"{SVG}path") if "chart-line" in p.attrib["class"]]
    xs = [x for x, _ in path_points(line)]
    assert xs[1] - xs[0] == pytest.approx(xs[2] - xs[1], abs=0.1)


def test_every_text_is_escaped() -> None:
    evil = '<script>alert("x")</script> & "quotes"'
    svg = line_chart([(evil, 1.0)], title=evil, description=evil, chart_id='x" onload="y')
    root = parse(svg)
    assert "<script>" not in svg
    assert named(root) == (evil, evil)
    assert not any(key.startswith("onload") for el in root.iter() for key in el.attrib)
    assert root.attrib["data-testid"] == "x--onload--y"
    lorenz = parse(lorenz_chart([[0, 0], [1, 1]], 0.0, title=evil))
    assert named(lorenz)[0] == evil


def test_the_lorenz_chart_draws_the_curve_against_the_diagonal_of_equality() -> None:
    lorenz = [[0.0, 0.0], [0.3333, 0.0], [0.6667, 0.2105], [1.0, 1.0]]
    root = parse(lorenz_chart(lorenz, 0.5263))
    paths = {p.attrib["class"]: p for p in root.iter(f"{SVG}path")}
    curve, diagonal = paths["chart-line"], paths["chart-equality"]
    assert len(path_points(curve)) == len(lorenz) == int(curve.attrib["data-points"])
    (x0, y0), (x1, y1) = path_points(diagonal)
    assert (x0, y0) == path_points(curve)[0]  # both start at (0, 0)…
    assert (x1, y1) == path_points(curve)[-1]  # …and end at (1, 1)
    assert x1 > x0  # the diagonal goes to the right…
    assert y1 < y0  # …and up
    # the curve sags below the diagonal: its middle points are lower (greater y)
    for (x, y), (p, _) in zip(path_points(curve)[1:-1], lorenz[1:-1], strict=True):
        diagonal_y = y0 + (y1 - y0) * p
        assert y > diagonal_y
        assert x == pytest.approx(x0 + (x1 - x0) * p, abs=0.1)
    assert "Gini coefficient 0.53" in named(root)[1]


def test_an_empty_lorenz_chart_keeps_the_diagonal() -> None:
    root = parse(lorenz_chart([], 0.0))
    classes = [p.attrib["class"] for p in root.iter(f"{SVG}path")]
    assert classes == ["chart-equality"]
    assert "No value points yet" in [el.text for el in root.iter(f"{SVG}text")]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([15.0], [0.0, 5.0, 10.0, 15.0]),
        ([0.0], [0.0, 1.0]),
        ([100.0, 92.587], [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]),
        ([104.2], [0.0, 25.0, 50.0, 75.0, 100.0, 125.0]),
        ([0.3, 0.1], [0.0, 0.1, 0.2, 0.3]),
        ([-4.0, 6.0], [-4.0, -2.0, 0.0, 2.0, 4.0, 6.0]),
    ],
)
def test_y_ticks_are_round_and_cover_the_values_and_zero(
    values: list[float], expected: list[float]
) -> None:
    ticks = y_ticks(values)
    assert ticks == pytest.approx(expected)
    assert nice_step(0) == 1.0


MONEY = [
    ("donation", "treasury", 100.0, "Donations: 100.00 EUR"),
    ("benefit_sharing", "treasury", 50.0, "Benefit sharing: 50.00 EUR"),
    ("treasury", "reserve", 15.0, "Reserve: 15.00 EUR"),
    ("treasury", "payables", 60.0, "Payout: 60.00 EUR"),
    ("payables", "paid", 40.0, "Paid out: 40.00 EUR"),
]


def band_ys(path: ET.Element) -> tuple[float, float, float]:
    """A band's left x, and its thickness where it starts (top edge to bottom edge)."""
    numbers = [float(n) for n in re.findall(r"-?[\d.]+", path.attrib["d"])]
    x0, y0 = numbers[0], numbers[1]
    return x0, y0, abs(numbers[-1] - y0)


def test_a_flow_chart_draws_one_band_per_flow_as_thick_as_its_value_left_to_right() -> None:
    names = {"treasury": "Treasury", "donation": "Donations", "paid": "Paid out"}
    root = parse(flow_chart(MONEY, names=names, description="Where it went"))
    assert named(root) == ("Where the money came from and went", "Where it went")
    bands = [p for p in root.iter(f"{SVG}path") if p.attrib.get("class") == "chart-flow"]
    assert len(bands) == len(MONEY)
    bars = {r.attrib["data-node"]: r for r in root.iter(f"{SVG}rect")}
    assert set(bars) == {"donation", "benefit_sharing", "treasury", "reserve", "payables", "paid"}
    x = {node: float(bar.attrib["x"]) for node, bar in bars.items()}
    # the columns follow the flows: income → treasury → reserve and payables → paid out
    assert x["donation"] == x["benefit_sharing"] < x["treasury"] < x["reserve"] == x["payables"]
    assert x["payables"] < x["paid"]
    _, _, width, _ = (float(v) for v in root.attrib["viewBox"].split())
    assert all(x[node] >= 0 and x[node] + 12 <= width for node in x)
    thick = {(b.attrib["data-source"], b.attrib["data-target"]): band_ys(b)[2] for b in bands}
    donations = thick[("donation", "treasury")]
    assert thick[("benefit_sharing", "treasury")] == pytest.approx(donations / 2, abs=0.2)
    assert thick[("treasury", "reserve")] == pytest.approx(donations * 0.15, abs=0.2)
    # the treasury's bar is as tall as what came in (150), more than what went out (75)
    assert float(bars["treasury"].attrib["height"]) == pytest.approx(donations * 1.5, abs=0.3)
    titles = [b.findtext(f"{SVG}title") for b in bands]
    assert "Paid out: 40.00 EUR" in titles
    texts = [el.text for el in root.iter(f"{SVG}text")]
    assert {"Treasury", "Donations", "Paid out", "reserve"} <= set(texts)


def test_a_flow_chart_with_nothing_to_draw_says_so_and_escapes_its_text() -> None:
    empty = parse(flow_chart([], empty_message="No money yet"))
    assert not list(empty.iter(f"{SVG}rect"))
    assert "No money yet" in [el.text for el in empty.iter(f"{SVG}text")]
    evil = '<b onclick="x">&</b>'
    svg = flow_chart([(evil, "treasury", 1.0, evil)], names={evil: evil}, title=evil)
    root = parse(svg)
    assert "<b onclick" not in svg
    assert named(root)[0] == evil
    assert not any(key == "onclick" for el in root.iter() for key in el.attrib)
    # a flow to itself or of nothing is left out
    assert not list(
        parse(flow_chart([("a", "a", 5.0, ""), ("a", "b", 0.0, "")])).iter(f"{SVG}rect")
    )
