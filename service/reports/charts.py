"""Server-side SVG charts of the report: pure strings, no JavaScript, no fonts fetched.

Labels come from incident data (unit and topic names, ultimately from the internet), so every
text node and attribute value is XML-escaped. The CJK font family names fonts installed on
the machine (Noto CJK on Debian, the usual ones on office PCs)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

from service.reports.figures import Figures, iso_week

FONT = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif"
BRAND, LATE, GRID, INK, MUTED = "#1f4e8c", "#c0392b", "#dde3ea", "#1d2733", "#6b7785"
KINDS = ("units", "weeks", "topics")


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" font-family={quoteattr(FONT)} font-size="12" role="img">'
            f"<title>{escape(title)}</title>"
            f'<rect width="{width}" height="{height}" fill="#fff"/>'
            f'<text x="{width / 2:.0f}" y="22" text-anchor="middle" font-size="15" font-weight="600" '
            f'fill="{INK}">{escape(title)}</text>' + "".join(body) + "</svg>")


def _text(x: float, y: float, s: str, *, anchor: str = "start", fill: str = INK, size: int | None = None) -> str:
    extra = f' font-size="{size}"' if size else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{extra}>{escape(s)}</text>'


def _short(s: str, n: int = 14) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def rate_bars(title: str, rows: Sequence[Figures], *, label_width: int = 190) -> str:
    """Horizontal bars of the on-time response rate, one per row (unit or topic), with the
    decided count; rows with nothing decided yet are listed with "—"."""
    width, bar_w, row_h, top = 760, 440, 26, 44
    height = top + max(len(rows), 1) * row_h + 34
    x0 = label_width
    body = []
    for pct in (0, 25, 50, 75, 100):  # grid
        x = x0 + bar_w * pct / 100
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 28}" stroke="{GRID}"/>')
        body.append(_text(x, height - 12, f"{pct}%", anchor="middle", fill=MUTED, size=11))
    if not rows:
        body.append(_text(width / 2, top + 16, "所选范围内无数据", anchor="middle", fill=MUTED))
    for i, f in enumerate(rows):
        y = top + i * row_h
        body.append(_text(x0 - 8, y + 16, _short(f.key), anchor="end"))
        rate = f.on_time_rate
        if rate is not None:
            w = bar_w * rate
            color = BRAND if rate >= 0.9 else ("#d08700" if rate >= 0.6 else LATE)
            body.append(f'<rect x="{x0}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{color}" rx="2"/>')
        decided = f.on_time + f.late
        body.append(_text(x0 + bar_w + 8, y + 16, f"{_pct(rate)}（{f.on_time}/{decided}）", fill=MUTED))
    return _svg(width, height, title, body)


def continuous_weeks(rows: Sequence[Figures]) -> list[Figures]:
    """The weeks from the first to the last, a week with no incident shown as an empty one
    (a trend axis must not skip time)."""
    if not rows:
        return []
    have = {f.key: f for f in rows}
    first, last = (date.fromisocalendar(int(k[:4]), int(k[6:]), 1) for k in (rows[0].key, rows[-1].key))
    weeks, d = [], first
    while d <= last:
        key = iso_week(d)
        weeks.append(have.get(key) or Figures(key=key))
        d += timedelta(days=7)
    return weeks


def weekly_trend(title: str, rows: Sequence[Figures]) -> str:
    """Incidents received per week (bars, left scale) and the on-time rate (line, right scale)."""
    rows = continuous_weeks(rows)
    width, height, left, right, top, bottom = 760, 320, 56, 56, 48, 60
    plot_w, plot_h = width - left - right, height - top - bottom
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="{MUTED}"/>']
    most = max((f.received for f in rows), default=0) or 1
    for pct in (0, 50, 100):
        y = top + plot_h * (1 - pct / 100)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(left + plot_w + 6, y + 4, f"{pct}%", fill=MUTED, size=11))
        body.append(_text(left - 6, y + 4, f"{most * pct / 100:.0f}", anchor="end", fill=MUTED, size=11))
    if not rows:
        body.append(_text(width / 2, top + plot_h / 2, "所选范围内无数据", anchor="middle", fill=MUTED))
    step = plot_w / max(len(rows), 1)
    points = []
    for i, f in enumerate(rows):
        cx = left + step * (i + 0.5)
        h = plot_h * f.received / most
        body.append(f'<rect x="{cx - step * 0.3:.1f}" y="{top + plot_h - h:.1f}" width="{step * 0.6:.1f}" '
                    f'height="{h:.1f}" fill="#c9d8ec"/>')
        body.append(_text(cx, top + plot_h + 16, f"第{int(f.key[6:])}周", anchor="middle", fill=MUTED, size=11))
        if f.on_time_rate is not None:
            points.append((cx, top + plot_h * (1 - f.on_time_rate)))
    if len(points) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{BRAND}" stroke-width="2"/>')
    body.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{BRAND}"/>' for x, y in points)
    legend_y = height - 14
    body.append(f'<rect x="{left}" y="{legend_y - 9}" width="12" height="10" fill="#c9d8ec"/>')
    body.append(_text(left + 16, legend_y, "受理事件数（左轴）", size=11))
    body.append(f'<line x1="{left + 150}" y1="{legend_y - 4}" x2="{left + 170}" y2="{legend_y - 4}" '
                f'stroke="{BRAND}" stroke-width="2"/>')
    body.append(_text(left + 176, legend_y, "按时回应率（右轴）", size=11))
    return _svg(width, height, title, body)


def ranked(rows: Sequence[Figures]) -> list[Figures]:
    """Highest on-time rate first; rows with nothing decided yet last."""
    return sorted(rows, key=lambda f: (f.on_time_rate is None, -(f.on_time_rate or 0), -f.received, f.key))


def units_chart(by_unit: Sequence[Figures], scope_label: str = "") -> str:
    """On-time rate per unit, best first: the only chart the per-unit figures alone make."""
    prefix = f"{scope_label} " if scope_label else ""
    return rate_bars(f"{prefix}各单位按时回应率", ranked(by_unit))


def chart(kind: str, report, scope_label: str = "") -> str:
    """The chart `kind` (units / weeks / topics) of a report."""
    prefix = f"{scope_label} " if scope_label else ""
    if kind == "units":
        return units_chart(report.by_unit, scope_label)
    if kind == "topics":
        return rate_bars(f"{prefix}各领域按时回应率", ranked(report.by_topic), label_width=150)
    if kind == "weeks":
        return weekly_trend(f"{prefix}每周受理量与按时回应率", report.by_week)
    raise ValueError(kind)
