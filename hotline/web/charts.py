"""Charts as inline SVG drawn on the server: no JavaScript, no CDN, readable at 360 px
(the SVG scales with its viewBox) and printable. Every figure also sits in a table beside it.

Pure: markupsafe only. Labels arrive already translated; numbers are rates (0..1 or None)
or counts.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
SIGN_COLOUR, FEEDBACK_COLOUR = "#0072B2", "#E69F00"
WIDTH = 640
FONT = "font-family=\"system-ui, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif\""


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


def rate_bars(rows: Sequence[tuple[str, float | None, float | None]], *, title: str, labels: tuple[str, str]) -> Markup:
    """Two horizontal bars per department: on-time sign-for and on-time feedback rates."""
    left, right, top, row_height, bar = 150, 44, 24, 34, 12
    plot = WIDTH - left - right
    height = top + row_height * max(len(rows), 1) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" {FONT} font-size="12">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in (0, 25, 50, 75, 100):
        x = left + plot * tick / 100
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 8}" stroke="#d5dbe3"/>')
        parts.append(f'<text x="{x:.1f}" y="{top - 10}" text-anchor="middle" fill="#5b6675">{tick}%</text>')
    for i, (label, sign, feedback) in enumerate(rows):
        y = top + i * row_height
        parts.append(
            f'<text x="{left - 8}" y="{y + row_height / 2 + 4:.1f}" text-anchor="end" fill="#1d2530">'
            f"<title>{escape(label)}</title>{escape(_short(label, 11))}</text>"
        )
        for j, (rate, colour, name) in enumerate(
            ((sign, SIGN_COLOUR, labels[0]), (feedback, FEEDBACK_COLOUR, labels[1]))
        ):
            by = y + 4 + j * (bar + 2)
            w = plot * (rate or 0)
            parts.append(
                f'<rect x="{left}" y="{by}" width="{w:.1f}" height="{bar}" fill="{colour}">'
                f"<title>{escape(label)} · {escape(name)}: {_pct(rate)}</title></rect>"
            )
            parts.append(
                f'<text x="{left + w + 4:.1f}" y="{by + bar - 2}" fill="#1d2530" font-size="11">{_pct(rate)}</text>'
            )
    if not rows:
        parts.append(f'<text x="{left}" y="{top + 18}" fill="#5b6675">–</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return step * 4 if value > 0 else 4
    return value


def stacked_weeks(weeks: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *, title: str) -> Markup:
    """One stacked column per week, one colour per protection type."""
    left, right, top, bottom = 36, 8, 12, 44
    plot_w, plot_h = WIDTH - left - right, 200
    height = top + plot_h + bottom
    totals = [sum(counts[i] for _, counts in series) for i in range(len(weeks))]
    peak = _nice_max(max(totals, default=0))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" {FONT} font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    for k in range(5):
        value = peak * k // 4
        y = top + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="#d5dbe3"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#5b6675">{value}</text>')
    slot = plot_w / max(len(weeks), 1)
    column = max(min(slot * 0.7, 48), 2)
    label_every = max(1, round(len(weeks) / 12))
    for i, week in enumerate(weeks):
        x = left + slot * i + (slot - column) / 2
        base = top + plot_h
        for s, (name, counts) in enumerate(series):
            n = counts[i]
            if not n:
                continue
            h = plot_h * n / peak
            base -= h
            parts.append(
                f'<rect x="{x:.1f}" y="{base:.1f}" width="{column:.1f}" height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(week)} · {escape(name)}: {n}</title></rect>"
            )
        if totals[i]:
            parts.append(
                f'<text x="{x + column / 2:.1f}" y="{base - 3:.1f}" text-anchor="middle" fill="#1d2530">{totals[i]}</text>'
            )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + column / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="#5b6675">{escape(week)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(items: Sequence[tuple[str, str]]) -> Markup:
    """An HTML legend: (label, colour) pairs."""
    entries = "".join(f'<li><i style="background:{colour}"></i>{escape(label)}</li>' for label, colour in items)
    return Markup(f'<ul class="legend">{entries}</ul>')
