"""Charts as inline SVG, drawn on the server: standing over time, the Lorenz curve of value
points, a balance over time and the money flow of the open books (Sankey-like).

Pure functions of their input that return SVG text (standard library only): every chart fits a
fixed ``viewBox`` and scales with the page; it is named by a ``<title>`` and described by a
``<desc>`` (``aria-labelledby``), so a screen reader announces it as one image. Colours come from
the page's stylesheet through class names (``chart-line``, ``chart-equality``…); the presentation
attributes are a fallback that still draws it without the stylesheet. Every text is escaped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

WIDTH, HEIGHT = 560, 240
SQUARE = 320
Y_STEPS = 5
X_LABELS = 5


@dataclass(frozen=True)
class Frame:
    """Where the plot sits in the viewBox: the axes' corners."""

    left: float
    top: float
    right: float
    bottom: float

    def x(self, share: float) -> float:
        return self.left + share * (self.right - self.left)

    def y(self, share: float) -> float:
        return self.bottom - share * (self.bottom - self.top)


LINE_FRAME = Frame(left=56, top=14, right=WIDTH - 40, bottom=HEIGHT - 38)
LORENZ_FRAME = Frame(left=52, top=14, right=SQUARE - 14, bottom=SQUARE - 46)


def _number(value: float) -> str:
    """A coordinate, short: 12.0 → '12', 3.25 → '3.2'."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _label(value: float) -> str:
    """A tick's value as a person reads it: 20 → '20', 2.5 → '2.5', 0.125 → '0.125'."""
    return f"{value:.6g}"


def _open(chart_id: str, view_box: str, title: str, description: str, kind: str) -> str:
    ident = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id)  # an id: letters, digits, - and _ only
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{view_box}" class="chart {kind}" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" data-testid="{ident}">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
    )


def _text(x: float, y: float, text: str, css: str, anchor: str = "middle") -> str:
    return (
        f'<text x="{_number(x)}" y="{_number(y)}" class="{css}" text-anchor="{anchor}" '
        f'font-size="12" fill="currentColor">{escape(text)}</text>'
    )


def _rule(x1: float, y1: float, x2: float, y2: float, css: str) -> str:
    return (
        f'<line x1="{_number(x1)}" y1="{_number(y1)}" x2="{_number(x2)}" y2="{_number(y2)}" '
        f'class="{css}" stroke="currentColor" stroke-opacity="0.35"/>'
    )


def nice_step(span: float, steps: int = Y_STEPS) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) that cuts ``span`` into at most
    ``steps`` steps."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(1, steps)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def y_ticks(values: list[float]) -> list[float]:
    """Round tick values from below the least (and 0) to above the greatest."""
    low, high = min([0.0, *values]), max([0.0, *values])
    step = nice_step(high - low)
    start = math.floor(low / step) * step
    count = max(1, math.ceil((high - start) / step - 1e-9))
    return [round(start + i * step, 9) for i in range(count + 1)]


def _x_shares(labels: list[str]) -> list[float]:
    """Where each point sits across the x axis, 0 to 1: by date when every label is one
    (YYYY-MM-DD…), else evenly by position."""
    if len(labels) == 1:
        return [0.5]
    try:
        days = [date.fromisoformat(label[:10]).toordinal() for label in labels]
    except ValueError:
        days = list(range(len(labels)))
    first, span = days[0], (days[-1] - days[0]) or 1
    return [(day - first) / span for day in days]


def _label_positions(count: int, wanted: int = X_LABELS) -> list[int]:
    """Which points get an x label: the first, the last and a few evenly between."""
    if count <= wanted:
        return list(range(count))
    return sorted({round(i * (count - 1) / (wanted - 1)) for i in range(wanted)})


def _empty(frame: Frame, message: str) -> str:
    middle_x, middle_y = (frame.left + frame.right) / 2, (frame.top + frame.bottom) / 2
    return _text(middle_x, middle_y, message, "chart-empty")


def _y_axis(frame: Frame, ticks: list[float]) -> list[str]:
    low, high = ticks[0], ticks[-1]
    parts = []
    for tick in ticks:
        y = frame.y((tick - low) / ((high - low) or 1))
        parts.append(_rule(frame.left, y, frame.right, y, "chart-grid"))
        parts.append(_text(frame.left - 6, y + 4, _label(tick), "chart-tick", "end"))
    return parts


def _x_axis(frame: Frame, labels: list[str], shares: list[float]) -> list[str]:
    parts = [_rule(frame.left, frame.bottom, frame.right, frame.bottom, "chart-axis")]
    for i in _label_positions(len(labels)):
        x = frame.x(shares[i])
        parts.append(_rule(x, frame.bottom, x, frame.bottom + 5, "chart-axis"))
        parts.append(_text(x, frame.bottom + 18, labels[i], "chart-tick"))
    return parts


def _path_data(coordinates: list[tuple[float, float]]) -> str:
    """An SVG path through the points: one M, then one L per further point."""
    return " ".join(
        f"{'M' if i == 0 else 'L'}{_number(x)},{_number(y)}" for i, (x, y) in enumerate(coordinates)
    )


def _line(coordinates: list[tuple[float, float]]) -> str:
    return (
        f'<path d="{_path_data(coordinates)}" class="chart-line" fill="none" '
        'stroke="currentColor" stroke-width="2.5" stroke-linejoin="round" '
        f'data-points="{len(coordinates)}"/>'
    )


def line_chart(
    points: list[tuple[str, float]],
    *,
    title: str = "Standing over time",
    description: str = "",
    chart_id: str = "standing-chart",
    empty_message: str = "No data yet",
) -> str:
    """A line through ``points`` (label, value) in order: a date label each (placed by date),
    the values on a y axis with round ticks. One path command per point."""
    frame = LINE_FRAME
    parts = [_open(chart_id, f"0 0 {WIDTH} {HEIGHT}", title, description, "line-chart")]
    if not points:
        parts += [*_y_axis(frame, [0.0, 1.0]), _empty(frame, empty_message), "</svg>"]
        return "".join(parts)
    labels, values = [label for label, _ in points], [float(v) for _, v in points]
    ticks = y_ticks(values)
    low, span = ticks[0], (ticks[-1] - ticks[0]) or 1.0
    shares = _x_shares(labels)
    coordinates = [
        (frame.x(share), frame.y((value - low) / span))
        for share, value in zip(shares, values, strict=True)
    ]
    last_x, last_y = coordinates[-1]
    parts += [*_y_axis(frame, ticks), *_x_axis(frame, labels, shares), _line(coordinates)]
    parts.append(
        f'<circle cx="{_number(last_x)}" cy="{_number(last_y)}" r="4" class="chart-dot" '
        'fill="currentColor"/></svg>'
    )
    return "".join(parts)


def _lorenz_axes(frame: Frame) -> list[str]:
    parts = []
    for share in (0.0, 0.5, 1.0):
        x, y = frame.x(share), frame.y(share)
        label = f"{share:.0%}"
        parts.append(_rule(frame.left, y, frame.right, y, "chart-grid"))
        parts.append(_rule(x, frame.top, x, frame.bottom, "chart-grid"))
        parts.append(_text(frame.left - 6, y + 4, label, "chart-tick", "end"))
        parts.append(_text(x, frame.bottom + 16, label, "chart-tick"))
    middle = (frame.left + frame.right) / 2
    parts.append(
        _text(middle, frame.bottom + 34, "Share of members, fewest points first", "chart-label")
    )
    centre = (frame.top + frame.bottom) / 2
    parts.append(
        f'<g transform="translate(14 {_number(centre)}) rotate(-90)">'
        + _text(0, 0, "Share of value points", "chart-label")
        + "</g>"
    )
    equality = _path_data([(frame.x(0), frame.y(0)), (frame.x(1), frame.y(1))])
    parts.append(
        f'<path d="{equality}" class="chart-equality" fill="none" stroke="currentColor" '
        'stroke-dasharray="5 4" stroke-opacity="0.6"/>'
    )
    return parts


def lorenz_chart(
    lorenz: Sequence[Sequence[float]],
    gini: float,
    *,
    chart_id: str = "lorenz-chart",
    title: str = "Lorenz curve of value points",
) -> str:
    """The Lorenz curve ([population share, value share] pairs, 0 to 1) against the diagonal of
    equality; the gap between them, shaded, is what the Gini coefficient measures."""
    frame = LORENZ_FRAME
    description = (
        f"Gini coefficient {gini:.2f} (0 when everyone holds the same value points, towards 1 "
        "when one member holds them all). The further the curve sags below the diagonal of "
        "equality, the less equal the distribution."
    )
    parts = [_open(chart_id, f"0 0 {SQUARE} {SQUARE}", title, description, "lorenz-chart")]
    parts += _lorenz_axes(frame)
    if not lorenz:
        parts += [_empty(frame, "No value points yet"), "</svg>"]
        return "".join(parts)
    coordinates = [(frame.x(float(p)), frame.y(float(v))) for p, v in lorenz]
    # the gap: along the curve, then back down the diagonal to where it started
    gap = f"{_path_data(coordinates)} L{_number(frame.x(0))},{_number(frame.y(0))} Z"
    parts.append(
        f'<path d="{gap}" class="chart-gap" fill="currentColor" fill-opacity="0.12" stroke="none"/>'
    )
    parts += [_line(coordinates), "</svg>"]
    return "".join(parts)


FLOW_WIDTH, FLOW_HEIGHT = 720, 300
FLOW_FRAME = Frame(left=8, top=14, right=FLOW_WIDTH - 8, bottom=FLOW_HEIGHT - 14)
NODE_WIDTH = 12
NODE_GAP = 18


def _columns(nodes: list[str], edges: Sequence[tuple[str, str, float, str]]) -> dict[str, int]:
    """Each node's column: the longest chain of flows that leads to it (a source's is 0). A
    cycle cannot push a node further right than there are nodes."""
    column = dict.fromkeys(nodes, 0)
    for _ in nodes:
        moved = False
        for source, target, _value, _text in edges:
            if column[target] < column[source] + 1 <= len(nodes):
                column[target], moved = column[source] + 1, True
        if not moved:
            break
    return column


def _band(x0: float, y0: float, x1: float, y1: float, thick: float) -> str:
    """A flow's band: a curve from the source's side to the target's, ``thick`` high."""
    middle = (x0 + x1) / 2
    top = f"M{_number(x0)},{_number(y0)} C{_number(middle)},{_number(y0)} {_number(middle)},"
    top += f"{_number(y1)} {_number(x1)},{_number(y1)}"
    bottom = f"L{_number(x1)},{_number(y1 + thick)} C{_number(middle)},{_number(y1 + thick)} "
    bottom += f"{_number(middle)},{_number(y0 + thick)} {_number(x0)},{_number(y0 + thick)} Z"
    return f"{top} {bottom}"


@dataclass(frozen=True)
class _FlowLayout:
    """Where a flow chart's places sit: each one's column, left edge and top, its size, and
    how many units of value a pixel of height stands for (``scale``)."""

    column: dict[str, int]
    place: dict[str, tuple[float, float]]
    size: dict[str, float]
    scale: float
    last: int


def _flow_layout(nodes: list[str], edges: Sequence[tuple[str, str, float, str]]) -> _FlowLayout:
    frame = FLOW_FRAME
    column = _columns(nodes, edges)
    size = {
        node: max(
            sum(e[2] for e in edges if e[1] == node), sum(e[2] for e in edges if e[0] == node)
        )
        for node in nodes
    }
    last = max(column.values()) or 1
    stacks: dict[int, list[str]] = {}
    for node in nodes:
        stacks.setdefault(column[node], []).append(node)
    room = frame.bottom - frame.top
    scale = min(
        (room - NODE_GAP * (len(stack) - 1)) / (sum(size[n] for n in stack) or 1)
        for stack in stacks.values()
    )
    place: dict[str, tuple[float, float]] = {}
    for col, stack in stacks.items():
        y = frame.top
        for node in stack:
            place[node] = (frame.x(col / last) - NODE_WIDTH * (col / last), y)
            y += size[node] * scale + NODE_GAP
    return _FlowLayout(column, place, size, scale, last)


def _flow_bands(edges: Sequence[tuple[str, str, float, str]], layout: _FlowLayout) -> list[str]:
    """Each flow's band, leaving its source below the ones before it, and so into its target."""
    given = dict.fromkeys(layout.place, 0.0)
    taken = dict.fromkeys(layout.place, 0.0)
    parts = []
    for source, target, value, text in edges:
        thick = max(value * layout.scale, 1.0)
        (x0, top0), (x1, top1) = layout.place[source], layout.place[target]
        path = _band(x0 + NODE_WIDTH, top0 + given[source], x1, top1 + taken[target], thick)
        given[source] += value * layout.scale
        taken[target] += value * layout.scale
        parts.append(
            f'<path d="{path}" class="chart-flow" fill="currentColor" fill-opacity="0.3" '
            f'stroke="none" data-source="{escape(source)}" data-target="{escape(target)}">'
            f"<title>{escape(text)}</title></path>"
        )
    return parts


def _flow_places(layout: _FlowLayout, names: dict[str, str]) -> list[str]:
    """Each place as a bar, named beside it: to its right in the left half of the chart, to
    its left in the right half (so that neighbouring columns' names face apart)."""
    parts = []
    for node, (x, top) in layout.place.items():
        height = max(layout.size[node] * layout.scale, 2.0)
        name = names.get(node, node)
        parts.append(
            f'<rect x="{_number(x)}" y="{_number(top)}" width="{NODE_WIDTH}" '
            f'height="{_number(height)}" class="chart-node" fill="currentColor" '
            f'data-node="{escape(node)}"><title>{escape(name)}</title></rect>'
        )
        right = layout.column[node] * 2 < layout.last
        label_x = x + NODE_WIDTH + 6 if right else x - 6
        anchor = "start" if right else "end"
        parts.append(_text(label_x, top + height / 2 + 4, name, "chart-label", anchor))
    return parts


def flow_chart(
    flows: Sequence[tuple[str, str, float, str]],
    *,
    names: dict[str, str] | None = None,
    title: str = "Where the money came from and went",
    description: str = "",
    chart_id: str = "money-flow",
    empty_message: str = "No money has moved yet",
) -> str:
    """A Sankey-like picture of ``flows`` (source, target, value, words): the places money is
    held as columns of bars, left to right along the flows, each as tall as the money through
    it; each flow a band as thick as its value, named by its words (a tooltip). ``names``: what
    each place is called (its key when left out)."""
    parts = [_open(chart_id, f"0 0 {FLOW_WIDTH} {FLOW_HEIGHT}", title, description, "flow-chart")]
    edges = [edge for edge in flows if edge[2] > 0 and edge[0] != edge[1]]
    if not edges:
        parts += [_empty(FLOW_FRAME, empty_message), "</svg>"]
        return "".join(parts)
    nodes = list(dict.fromkeys(node for edge in edges for node in edge[:2]))
    layout = _flow_layout(nodes, edges)
    parts += _flow_bands(edges, layout)
    parts += _flow_places(layout, names or {})
    parts.append("</svg>")
    return "".join(parts)
