"""A bar chart of per-invocation times (asgi-lambda, Mangum, the floor) per case, as SVG.

``python -m bench --chart docs/performance.svg`` draws it from the run it just made;
``python -m bench.chart results.json docs/performance.svg`` from a run saved with ``--json``.
Plain SVG, written here: no plotting library to install, and the file diffs as text.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from .contenders import CONTENDERS

COLOURS = {"asgi-lambda": "#2b6cb0", "Mangum": "#dd6b20", "floor": "#a0aec0"}
BAR, GAP, LABEL_WIDTH, CHART_WIDTH, LEFT_PAD = 14, 14, 330, 460, 10


def medians_from_json(rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, dict[str, float]]]:
    """(case, title, {contender: median seconds}) for the per-call cases of a ``--json`` file."""
    cases = []
    for row in rows:
        if row.get("unit", "call") != "call":
            continue  # cold start and the like: another scale
        medians = {
            name: statistics.median(timing["per_round"])
            for name, timing in row.get("timings", {}).items()
            if timing.get("per_round")
        }
        if medians:
            cases.append((row["case"], row["title"], medians))
    return cases


PALETTE = (
    "#2b6cb0",
    "#dd6b20",
    "#38a169",
    "#805ad5",
    "#a0aec0",
    "#d53f8c",
    "#319795",
    "#718096",
)
TITLE = "Time per invocation (microseconds; shorter is faster; each case to its own scale)"


def svg(
    cases: Sequence[tuple[str, str, Mapping[str, float]]],
    subtitle: str = "",
    contenders: Sequence[str] = CONTENDERS,
    title: str = TITLE,
) -> str:
    """The chart: one group of bars per case, microseconds per invocation, shorter is faster.

    Each case has its own scale (its slowest contender spans the width): cases run from a few
    microseconds to milliseconds, and what a reader compares is the contenders within a case.
    """
    colours = dict(COLOURS)
    for name, colour in zip(contenders, PALETTE, strict=False):
        colours.setdefault(name, colour)
    legend_step = max(110, max(len(name) for name in contenders) * 7 + 24)
    group = len(contenders) * BAR + GAP
    height = 70 + len(cases) * group + 30
    width = LEFT_PAD + LABEL_WIDTH + CHART_WIDTH + 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
        f'<text x="10" y="40" fill="#4a5568">{escape(subtitle)}</text>',
    ]
    x, legend_y = 10, 50
    for name in contenders:
        if x + legend_step > width:
            x, legend_y = 10, legend_y + 16
        parts.append(
            f'<rect x="{x}" y="{legend_y}" width="10" height="10" fill="{colours[name]}"/>'
        )
        parts.append(f'<text x="{x + 14}" y="{legend_y + 9}">{escape(name)}</text>')
        x += legend_step
    top = legend_y + 20
    y = top
    for case, label, medians in cases:
        largest = max(medians.values())
        parts.append(
            f'<text x="{LEFT_PAD}" y="{y + len(contenders) * BAR / 2 + 4}">'
            f"{escape(case)}: {escape(label[:48])}</text>"
        )
        for index, name in enumerate(contenders):
            seconds = medians.get(name)
            if seconds is None:
                continue
            bar_y = y + index * BAR
            length = max(1.0, seconds / largest * CHART_WIDTH)
            parts.append(
                f'<rect x="{LEFT_PAD + LABEL_WIDTH}" y="{bar_y}" width="{length:.1f}" '
                f'height="{BAR - 3}" fill="{colours[name]}"><title>{escape(name)}</title></rect>'
            )
            parts.append(
                f'<text x="{LEFT_PAD + LABEL_WIDTH + length + 4:.1f}" y="{bar_y + BAR - 4}">'
                f"{seconds * 1e6:.1f}</text>"
            )
        y += group
    parts[0] = parts[0].replace(f'height="{height}"', f'height="{y + 30}"', 1)
    parts[0] = parts[0].replace(f"0 0 {width} {height}", f"0 0 {width} {y + 30}", 1)
    parts[1] = f'<rect width="{width}" height="{y + 30}" fill="white"/>'
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        sys.stderr.write("usage: python -m bench.chart RESULTS.json OUT.svg\n")
        return 2
    rows = json.loads(Path(args[0]).read_text())
    Path(args[1]).write_text(svg(medians_from_json(rows), subtitle=f"from {Path(args[0]).name}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
