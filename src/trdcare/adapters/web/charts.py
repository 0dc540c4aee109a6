"""Server-rendered SVG charts (no script, no external library; the CSP allows them as-is).

The trajectory chart shows a scale's totals over time with the severity bands shaded, the
response threshold (50 % below baseline) and the remission threshold drawn, and treatment
sessions marked along the time axis. Every chart comes with a text alternative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from markupsafe import Markup

BAND_FILLS = ("#e6f4ea", "#f3f7d9", "#fff1cc", "#ffe0c2", "#fdd", "#f8c4c4")


@dataclass(frozen=True)
class BandArea:
    label: str
    low: int
    high: int


@dataclass(frozen=True)
class Threshold:
    label: str
    value: float
    colour: str
    dash: str = "6 4"


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def trajectory_svg(
    *,
    title: str,
    points: Sequence[tuple[date, int]],
    total_max: int,
    bands: Sequence[BandArea] = (),
    thresholds: Sequence[Threshold] = (),
    sessions: Sequence[date] = (),
    course_start: date | None = None,
    width: int = 720,
    height: int = 300,
) -> Markup:
    """An accessible SVG line chart of ``points`` (dates, totals) on a 0..``total_max`` axis."""
    left, right, top, bottom = 44, 16, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    dates = [d for d, _ in points] + list(sessions) + ([course_start] if course_start else [])
    if dates:
        first, last = min(dates), max(dates)
    else:
        first = last = date.today()  # noqa: DTZ011 - an empty chart needs some axis
    if last <= first:
        last = first + timedelta(days=7)
    span = (last - first).days

    def x_of(day: date) -> float:
        return left + plot_w * (day - first).days / span

    def y_of(value: float) -> float:
        clipped = min(max(value, 0.0), float(total_max))
        return top + plot_h * (1 - clipped / total_max)

    out: list[str] = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for i, band in enumerate(bands):
        y_hi, y_lo = y_of(band.high + 0.5), y_of(band.low - 0.5)
        fill = BAND_FILLS[min(i, len(BAND_FILLS) - 1)]
        band_name = band.label.replace("_", " ")
        out.append(
            f'<rect x="{left}" y="{_fmt(y_hi)}" width="{plot_w}" height="{_fmt(y_lo - y_hi)}" '
            f'fill="{fill}"><title>{escape(band_name)} {band.low}-{band.high}</title></rect>'
        )
        out.append(
            f'<text x="{left + plot_w - 4}" y="{_fmt(y_hi + 12)}" text-anchor="end">'
            f"{escape(band_name)}</text>"
        )
    # Axes and grid labels.
    out.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="#5b6675"/><line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" '
        f'stroke="#5b6675"/>'
    )
    step = 5 if total_max > 20 else 3
    for value in range(0, total_max + 1, step):
        y = y_of(value)
        out.append(f'<text x="{left - 6}" y="{_fmt(y + 4)}" text-anchor="end">{value}</text>')
    tick_every = max(1, span // 6)
    day = first
    while day <= last:
        out.append(
            f'<text x="{_fmt(x_of(day))}" y="{height - 22}" text-anchor="middle">'
            f"{day.isoformat()}</text>"
        )
        day += timedelta(days=tick_every)
    for threshold in thresholds:
        y = y_of(threshold.value)
        out.append(
            f'<line x1="{left}" y1="{_fmt(y)}" x2="{left + plot_w}" y2="{_fmt(y)}" '
            f'stroke="{threshold.colour}" stroke-width="2" stroke-dasharray="{threshold.dash}">'
            f"<title>{escape(threshold.label)}</title></line>"
        )
        out.append(
            f'<text x="{left + 4}" y="{_fmt(y - 4)}" fill="{threshold.colour}">'
            f"{escape(threshold.label)}</text>"
        )
    if course_start is not None:
        x = x_of(course_start)
        out.append(
            f'<line x1="{_fmt(x)}" y1="{top}" x2="{_fmt(x)}" y2="{top + plot_h}" stroke="#1f4e79" '
            f'stroke-dasharray="2 3"><title>course start {course_start.isoformat()}</title></line>'
        )
    for session_day in sessions:
        x = x_of(session_day)
        out.append(
            f'<line x1="{_fmt(x)}" y1="{top + plot_h}" x2="{_fmt(x)}" y2="{top + plot_h + 8}" '
            f'stroke="#1f4e79" stroke-width="2"><title>session {session_day.isoformat()}'
            f"</title></line>"
        )
    if sessions:
        out.append(
            f'<text x="{left + plot_w}" y="{height - 6}" text-anchor="end">'
            f"ticks below the axis: {len(sessions)} treatment sessions</text>"
        )
    ordered = sorted(points)
    if len(ordered) > 1:
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{_fmt(x_of(d))},{_fmt(y_of(v))}"
            for i, (d, v) in enumerate(ordered)
        )
        out.append(f'<path d="{path}" fill="none" stroke="#1b2430" stroke-width="2"/>')
    for d, v in ordered:
        out.append(
            f'<circle cx="{_fmt(x_of(d))}" cy="{_fmt(y_of(v))}" r="4" fill="#1b2430">'
            f"<title>{d.isoformat()}: {v}</title></circle>"
        )
    if not ordered:
        out.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle">'
            "no scores yet</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every interpolated text is escaped above


def series_svg(
    *,
    title: str,
    points: Sequence[tuple[int, float]],
    x_label: str,
    y_label: str,
    reference: float | None = None,
    reference_label: str = "",
    width: int = 720,
    height: int = 260,
    digits: int = 2,
) -> Markup:
    """An accessible SVG line chart of values over a count (session 1, 2, ...), the value axis
    fitted to the values (and ``reference``, drawn as a dashed line when given)."""
    left, right, top, bottom = 56, 16, 16, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, v in points] + ([reference] if reference is not None else [])
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if high - low < 1e-12:
        low, high = low - 1.0, high + 1.0
    pad = (high - low) * 0.1
    low, high = low - pad, high + pad
    xs = [x for x, _ in points]
    x_first, x_last = (min(xs), max(xs)) if xs else (1, 1)
    x_span = max(1, x_last - x_first)

    def x_of(x: int) -> float:
        if x_last == x_first:
            return left + plot_w / 2
        return left + plot_w * (x - x_first) / x_span

    def y_of(v: float) -> float:
        return top + plot_h * (1 - (v - low) / (high - low))

    out = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="#5b6675"/><line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" '
        f'stroke="#5b6675"/>',
    ]
    for i in range(5):
        v = low + (high - low) * i / 4
        out.append(
            f'<text x="{left - 6}" y="{_fmt(y_of(v) + 4)}" text-anchor="end">{v:.{digits}f}</text>'
        )
    step = max(1, x_span // 10)
    for x in range(x_first, x_last + 1, step):
        out.append(
            f'<text x="{_fmt(x_of(x))}" y="{top + plot_h + 16}" text-anchor="middle">{x}</text>'
        )
    out.append(
        f'<text x="{left + plot_w / 2}" y="{height - 6}" text-anchor="middle">{escape(x_label)}'
        f"</text>"
    )
    out.append(
        f'<text x="12" y="{top + plot_h / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + plot_h / 2})">{escape(y_label)}</text>'
    )
    if reference is not None:
        y = y_of(reference)
        out.append(
            f'<line x1="{left}" y1="{_fmt(y)}" x2="{left + plot_w}" y2="{_fmt(y)}" '
            f'stroke="#1e7b34" stroke-width="2" stroke-dasharray="6 4">'
            f"<title>{escape(reference_label)}</title></line>"
        )
        out.append(
            f'<text x="{left + 4}" y="{_fmt(y - 4)}" fill="#1e7b34">{escape(reference_label)}</text>'
        )
    ordered = sorted(points)
    if len(ordered) > 1:
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{_fmt(x_of(x))},{_fmt(y_of(v))}"
            for i, (x, v) in enumerate(ordered)
        )
        out.append(f'<path d="{path}" fill="none" stroke="#1b2430" stroke-width="2"/>')
    for x, v in ordered:
        out.append(
            f'<circle cx="{_fmt(x_of(x))}" cy="{_fmt(y_of(v))}" r="4" fill="#1b2430">'
            f"<title>{escape(x_label)} {x}: {v:.{digits + 2}f}</title></circle>"
        )
    if not ordered:
        out.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle">'
            "no sessions yet</text>"
        )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every interpolated text is escaped above
