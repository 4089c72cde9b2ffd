"""The shareable report's charts, drawn as inline SVG (no script, no font, no network).

Readable without colour: every variant has, besides its Okabe–Ito colour (the palette
the terminal uses), a marker shape and a dash pattern of its own, and every mark carries
its number as text; each chart has a ``<title>`` and a ``<desc>`` that say in words what
it shows, and the page prints the same numbers as a table beside it. Everything that
comes from PostHog is escaped here (``markupsafe.escape``) before it reaches the markup.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from expctl.render.history import PALETTE

DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
WIN, LOSE, EVEN = "#009E73", "#D55E00", "#555555"
WIDTH = 520
# The interval chart is drawn narrower, so that scaled to a phone's column (about 370 px)
# its text stays near its own size; the page caps its width on wide screens.
INTERVALS_WIDTH = 400


@dataclass(frozen=True)
class Interval:
    label: str
    delta: float | None
    low: float | None
    high: float | None
    verdict: str  # winning | losing | anything else
    text: str  # "+12.0% [+3.1%, +21.4%]"


def _marker(shape: int, x: float, y: float, colour: str) -> str:
    """A filled marker in one of four shapes, so a variant is told apart without colour."""
    kind = shape % 4
    if kind == 0:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{colour}"/>'
    if kind == 1:
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if kind == 2:
        return f'<path d="M{x:.1f} {y - 5:.1f} L{x + 5:.1f} {y + 4:.1f} L{x - 5:.1f} {y + 4:.1f} Z" fill="{colour}"/>'
    diamond = f"M{x:.1f} {y - 5:.1f} L{x + 5:.1f} {y:.1f} L{x:.1f} {y + 5:.1f} L{x - 5:.1f} {y:.1f} Z"
    return f'<path d="{diamond}" fill="{colour}"/>'


def _frame(
    title: str, description: str, height: int, body: Sequence[str], *, width: int = WIDTH, kind: str = ""
) -> Markup:
    uid = f"c{zlib.crc32((title + description).encode()):08x}"
    css = f"chart {kind}".strip()
    head = (
        f'<svg class="{css}" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{uid}t {uid}d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{uid}t">{escape(title)}</title><desc id="{uid}d">{escape(description)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def intervals(title: str, rows: Sequence[Interval], percent: bool) -> Markup:
    """Each variant's change against the baseline with its interval, on one axis through 0.

    Each variant's name and numbers stand on their own line above its bar, across the
    chart's whole width, so no label is ever cut at an edge, however long; the bars use
    the whole width too (the page scales the chart to its column)."""
    values = [v for r in rows for v in (r.low, r.high, r.delta) if v is not None] or [0.0]
    reach = max(abs(min(values)), abs(max(values)), 1e-9) * 1.1
    left, right, top, step = 12, INTERVALS_WIDTH - 12, 28, 40
    height = top + step * len(rows) + 18

    def x(value: float) -> float:
        return left + (value + reach) / (2 * reach) * (right - left)

    unit = "%" if percent else ""
    scale = 100 if percent else 1
    body = [
        f'<line x1="{x(0):.1f}" y1="{top - 14}" x2="{x(0):.1f}" y2="{height - 18}" '
        'stroke="#999" stroke-dasharray="3 3"/>',
        f'<text x="{x(0):.1f}" y="{top - 16}" text-anchor="middle" class="axis">0</text>',
        f'<text x="{left}" y="{height - 4}" class="axis">{-reach * scale:+.1f}{unit}</text>',
        f'<text x="{right}" y="{height - 4}" text-anchor="end" class="axis">{reach * scale:+.1f}{unit}</text>',
    ]
    for index, row in enumerate(rows):
        y = top + step * index + 22
        colour = WIN if row.verdict == "winning" else LOSE if row.verdict == "losing" else EVEN
        shape = 2 if row.verdict == "winning" else 1 if row.verdict == "losing" else 0
        body.append(
            f'<text x="{left}" y="{y - 10:.1f}"><tspan font-weight="600">{escape(row.label)}</tspan> '
            f'<tspan class="num">{escape(row.text)}</tspan></text>'
        )
        if row.low is not None and row.high is not None:
            body.append(
                f'<line x1="{x(row.low):.1f}" y1="{y:.1f}" x2="{x(row.high):.1f}" y2="{y:.1f}" '
                f'stroke="{colour}" stroke-width="3"/>'
            )
            for end in (row.low, row.high):
                body.append(
                    f'<line x1="{x(end):.1f}" y1="{y - 6:.1f}" x2="{x(end):.1f}" y2="{y + 6:.1f}" stroke="{colour}"/>'
                )
        if row.delta is not None:
            body.append(_marker(shape, x(row.delta), y, colour))
    words = "; ".join(f"{r.label}: {r.text} ({r.verdict})" for r in rows)
    description = f"Change against the baseline with its interval. {words}"
    return _frame(title, description, height, body, width=INTERVALS_WIDTH, kind="intervals")


@dataclass(frozen=True)
class _Plot:
    """Where values land in a line chart: days across, values up."""

    days: int
    low: float
    high: float
    left: float = 56
    right: float = WIDTH - 150
    top: float = 16
    bottom: float = 196

    def x(self, index: int) -> float:
        return self.left + (self.right - self.left) * (index / max(1, self.days - 1))

    def y(self, value: float) -> float:
        return self.bottom - (value - self.low) / (self.high - self.low) * (self.bottom - self.top)


def lines(
    title: str,
    days: Sequence[str],
    series: dict[str, list[float | None]],
    describe: Callable[[float], str],
    band: dict[str, list[tuple[float, float] | None]] | None = None,
    zero: bool = False,
) -> Markup:
    """One line per series over the days (each with its colour, marker and dash), an
    optional interval band around each, and the last value written at the line's end."""
    points = [v for values in series.values() for v in values if v is not None]
    points += [v for spans in (band or {}).values() for span in spans if span for v in span]
    low, high = (min(points), max(points)) if points else (0.0, 1.0)
    if zero:
        low, high = min(low, 0.0), max(high, 0.0)
    plot = _Plot(len(days), low, high if high > low else low + 1)
    height = int(plot.bottom) + 30
    body = _axes(plot, days, describe, height, zero)
    ends: list[tuple[float, str]] = []  # where each line ends, and its label
    for index, (name, values) in enumerate(series.items()):
        body.extend(_series(plot, index, values, (band or {}).get(name)))
        drawn = [(i, v) for i, v in enumerate(values) if v is not None]
        if drawn:
            ends.append((plot.y(drawn[-1][1]), f"{name}: {describe(drawn[-1][1])}"))
    body.extend(
        f'<text x="{plot.right + 8}" y="{y_label + 4:.1f}" class="num">{escape(label)}</text>'
        for y_label, label in _apart(ends, 15.0)
    )
    words = "; ".join(
        f"{name} from {describe(vs[0])} to {describe(vs[-1])}"
        for name, vs in ((n, [v for v in vals if v is not None]) for n, vals in series.items())
        if vs
    )
    span = f" from {days[0]} to {days[-1]}" if days else ""
    return _frame(title, f"{title}{span}: {words}", height, body)


def _axes(plot: _Plot, days: Sequence[str], describe: Callable[[float], str], height: int, zero: bool) -> list[str]:
    left, right = plot.left, plot.right
    body = [
        f'<line x1="{left}" y1="{plot.bottom}" x2="{right}" y2="{plot.bottom}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{plot.y(plot.high) + 4:.1f}" text-anchor="end" class="axis">'
        f"{escape(describe(plot.high))}</text>",
        f'<text x="{left - 6}" y="{plot.y(plot.low) + 4:.1f}" text-anchor="end" class="axis">'
        f"{escape(describe(plot.low))}</text>",
    ]
    if days:
        body.append(f'<text x="{left}" y="{height - 8}" class="axis">{escape(days[0])}</text>')
        body.append(f'<text x="{right}" y="{height - 8}" text-anchor="end" class="axis">{escape(days[-1])}</text>')
    if zero and plot.low < 0 < plot.high:
        zero_line = f'<line x1="{left}" y1="{plot.y(0):.1f}" x2="{right}" y2="{plot.y(0):.1f}"'
        body.append(zero_line + ' stroke="#999" stroke-dasharray="3 3"/>')
    return body


def _series(
    plot: _Plot, index: int, values: Sequence[float | None], spans: Sequence[tuple[float, float] | None] | None
) -> list[str]:
    """One series: its interval band (if any), its line in its dash, and its markers."""
    colour = PALETTE[index % len(PALETTE)]
    body = []
    if spans:
        upper = [(plot.x(i), plot.y(s[1])) for i, s in enumerate(spans) if s]
        lower = [(plot.x(i), plot.y(s[0])) for i, s in enumerate(spans) if s][::-1]
        outline = " ".join(f"{px:.1f},{py:.1f}" for px, py in upper + lower)
        body.append(f'<polygon points="{outline}" fill="{colour}" fill-opacity="0.15" stroke="none"/>')
    drawn = [(plot.x(i), plot.y(v)) for i, v in enumerate(values) if v is not None]
    if drawn:
        dash = DASHES[index % len(DASHES)]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in drawn)
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"'
            + (f' stroke-dasharray="{dash}"' if dash else "")
            + "/>"
        )
        body.extend(_marker(index, px, py, colour) for px, py in drawn)
    return body


def _apart(labels: list[tuple[float, str]], gap: float) -> list[tuple[float, str]]:
    """Labels at the ends of lines, moved down just enough not to overlap."""
    placed: list[tuple[float, str]] = []
    for wanted, label in sorted(labels):
        placed.append((max(wanted, placed[-1][0] + gap) if placed else wanted, label))
    return placed
