"""
The chart of docs/benchmarks.md: orders/s against concurrency at 200 ms latency, bare httpx and
the operator, on httpx's own transport (before), on aiohttp's with the body written by a task of
its own (before the eager write) and on aiohttp's (after), bare httpx on aiohttp's with a new
client in the timed part (cold, as a task starts), with the physical limit
``concurrency / p50``. Reads the medians from ``interleaved.py --json``; writes an SVG by hand
(no plotting library is installed with the project).

    python benchmarks/chart.py reports/bench-interleaved.json docs/images/bench-concurrency.svg
"""

from __future__ import annotations

import json
import statistics
import sys
from html import escape
from typing import Any

TABLE = "200 ms latency"
WIDTH, HEIGHT = 720, 420
LEFT, RIGHT, TOP, BOTTOM = 70, 250, 40, 60
#: (child, transport) -> label, colour, dashed
SERIES = {
    ("bare-httpx", "httpx"): ("bare httpx, httpx transport", "#9e9e9e", True),
    ("list", "httpx"): ("operator, before (httpx transport)", "#e07b39", True),
    ("bare-aiohttp", "aiohttp"): ("bare httpx, aiohttp transport", "#5a5a5a", False),
    ("bare-aiohttp-cold", "aiohttp"): ("bare httpx, aiohttp, cold client", "#8e44ad", True),
    ("list-lazywrite", "aiohttp"): ("operator, aiohttp, body by a task", "#8fb8de", True),
    ("list", "aiohttp"): ("operator, after (aiohttp transport)", "#1f6fb2", False),
}


def medians(runs: list[dict[str, Any]]) -> tuple[dict[tuple[str, str], dict[int, float]], dict[int, float]]:
    """Median orders/s per series and concurrency, and the median limit per concurrency."""
    rates: dict[tuple[str, str], dict[int, list[float]]] = {}
    limits: dict[int, list[float]] = {}
    for run in runs:
        if run["table"] != TABLE:
            continue
        variant, c = run["variant"], run["variant"]["concurrency"]
        rates.setdefault((variant["child"], variant["transport"]), {}).setdefault(c, []).append(run["rate"])
        limits.setdefault(c, []).append(run["limit"])
    series = {key: {c: statistics.median(v) for c, v in sorted(by_c.items())} for key, by_c in rates.items()}
    return series, {c: statistics.median(v) for c, v in sorted(limits.items())}


def svg(
    series: dict[tuple[str, str], dict[int, float]], limit: dict[int, float], note: str, orders: int
) -> str:
    levels = sorted(limit)
    top = max([*limit.values(), *(r for s in series.values() for r in s.values())]) * 1.08
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(c: int) -> float:
        return LEFT + plot_w * levels.index(c) / max(1, len(levels) - 1)

    def y(rate: float) -> float:
        return TOP + plot_h * (1 - rate / top)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="22" font-size="14" font-weight="bold">'
        f"{orders:,} HyperSKU creates at 200 ms latency: orders/s against concurrency (medians)</text>",
    ]
    step = 10 ** max(0, len(str(int(top))) - 1)
    step = step if top / step >= 4 else step / 2
    tick = 0.0
    while tick <= top:
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#eee"/>'
        )
        out.append(f'<text x="{LEFT - 8}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick:.0f}</text>')
        tick += step
    for c in levels:
        out.append(f'<text x="{x(c):.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">{c}</text>')
    out.append(
        f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 22}" text-anchor="middle">max_concurrency (requests in flight)</text>'
    )
    out.append(
        f'<text transform="translate(18 {TOP + plot_h / 2}) rotate(-90)" text-anchor="middle">orders/s</text>'
    )
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>')
    lines = [("concurrency / p50 (the physical limit)", "#2e9e44", True, limit)]
    lines += [(*SERIES[key], series[key]) for key in SERIES if key in series]
    for row, (label, colour, dashed, points) in enumerate(lines):
        path = " ".join(f"{x(c):.1f},{y(rate):.1f}" for c, rate in points.items())
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for c, rate in points.items():
            out.append(f'<circle cx="{x(c):.1f}" cy="{y(rate):.1f}" r="3.5" fill="{colour}"/>')
        legend_y = TOP + 10 + row * 22
        out.append(
            f'<line x1="{WIDTH - RIGHT + 15}" x2="{WIDTH - RIGHT + 40}" y1="{legend_y}" y2="{legend_y}" '
            f'stroke="{colour}" stroke-width="2"{dash}/>'
        )
        out.append(f'<text x="{WIDTH - RIGHT + 46}" y="{legend_y + 4}">{escape(label)}</text>')
    out.append(f'<text x="{LEFT}" y="{HEIGHT - 6}" font-size="11" fill="#555">{escape(note)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(source: str, target: str) -> None:
    with open(source, encoding="utf-8") as handle:
        data = json.load(handle)
    runs = [run for run in data["runs"] if run["table"] == TABLE]
    if not runs:
        raise SystemExit(f"no {TABLE!r} runs in {source}")
    series, limit = medians(runs)
    loads = [run["load"] for run in runs]
    rounds = max(run["round"] for run in runs)
    note = f"{rounds} interleaved rounds, each run a fresh process; 1-minute load {min(loads):.1f}-{max(loads):.1f}"
    with open(target, "w", encoding="utf-8") as handle:
        handle.write(svg(series, limit, note, max(run["orders"] for run in runs)))
    print(f"wrote {target}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
