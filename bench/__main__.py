"""``python -m bench [--quick] [--case 1 --case 3 ...] [--json FILE]``: run, print, judge.

Exit status is 0 whether or not targets hold: the bench reports, CI only smoke-tests it.  Pass
``--strict`` to exit 1 when a target is missed (for a local pre-release check, not for CI).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path

from . import chart, coldstart
from .cases import IN_PROCESS, Row
from .contenders import CONTENDERS, MANGUM, OURS, close_floors
from .report import render, verdicts
from .timing import Settings, Timing, use_clock

ALL_CASES = ("1", "2", "3", "4", "5", "6")


COLD_START_CASES = (("5a", "bare"), ("5b", "starlette"), ("5c", "fastapi"))
COLD_START_TITLES = {
    "bare": "cold start: import + build + 1st answer, bare ASGI app",
    "starlette": "cold start: import + build + 1st answer, Starlette app",
    "fastapi": "cold start: import + build + 1st answer, FastAPI app",
}


def cold_start_rows(runs: int, clock: str, before: Path | None = None) -> list[Row]:
    return [cold_start_row(case, kind, runs, clock, before) for case, kind in COLD_START_CASES]


def cold_start_row(
    case: str, app_kind: str, runs: int, clock: str, before: Path | None = None
) -> Row:
    results = coldstart.measure(CONTENDERS, runs, app_kind, before)
    earlier = results.pop(coldstart.BEFORE, None)
    row = Row(
        case,
        COLD_START_TITLES[app_kind],
        min_vs_mangum=1.0,
        memory_label="peak RSS",
        max_memory_over_mangum=1024 * 1024,  # SPEC section 9: within 1 MiB of Mangum's
        unit="process",
    )
    for name, runs_of in results.items():
        if runs_of.errors and not runs_of.seconds:
            row.errors[name] = runs_of.errors[-1]
            continue
        row.timings[name] = Timing(
            per_round=runs_of.cpu_seconds if clock == "cpu" else runs_of.seconds
        )
        row.memory[name] = int(runs_of.median("rss_kib") * 1024)
        if name in (OURS, MANGUM):
            row.must_not_import[name] = sorted(runs_of.heavy)
    wall = {name: r.median("wall") for name, r in results.items() if r.wall}
    row.note = (
        "whole-process wall time (with interpreter start): "
        + ", ".join(f"{name} {seconds * 1e3:.0f} ms" for name, seconds in wall.items())
        + f"; {runs} runs each"
    )
    if earlier is not None and earlier.seconds and MANGUM in row.timings:
        then = statistics.median(earlier.cpu_seconds if clock == "cpu" else earlier.seconds)
        mangum = row.median(MANGUM) or 0.0
        row.note += (
            f"; before (--before): {then * 1e3:.2f} ms, {mangum / then:.2f}x Mangum's speed, "
            f"peak RSS {earlier.median('rss_kib') / 1024:.2f} MiB"
        )
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="few short rounds (< 60 s), for CI")
    parser.add_argument("--case", action="append", choices=ALL_CASES, help="run only these cases")
    parser.add_argument("--rounds", type=int, help="timing rounds per contender (default 31)")
    parser.add_argument("--cold-runs", type=int, help="cold-start processes per contender")
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="thread CPU time (default: robust on a busy machine) or wall time",
    )
    parser.add_argument("--json", help="also write the raw results to this file")
    parser.add_argument("--chart", help="also draw the per-invocation times as SVG to this file")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument(
        "--before",
        metavar="DIR",
        type=Path,
        help="case 5 also runs asgi-lambda from this checkout (git worktree add DIR REV), "
        "interleaved: a change's before and after from one run",
    )
    args = parser.parse_args(argv)

    use_clock(args.clock)
    settings = Settings.quick() if args.quick else Settings.full()
    if args.rounds:
        settings = Settings(args.rounds, settings.round_seconds, settings.warmup_calls)
    cold_runs = args.cold_runs or (3 if args.quick else 15)
    kind = "quick" if args.quick else "full"
    mode = f"{kind}, {settings.rounds} rounds, {cold_runs} cold runs, {args.clock} clock"
    rows = run(
        args.case or list(ALL_CASES), settings, cold_runs, args.clock, True, args.before
    )
    print(render(rows, mode))
    raw = [asdict(row) for row in rows]
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(raw, handle, indent=1, default=str)
    if args.chart:
        with open(args.chart, "w") as handle:
            handle.write(chart.svg(chart.medians_from_json(raw), subtitle=mode))
    missed = [v for v in verdicts(rows) if v.held is False]
    return 1 if args.strict and missed else 0


def run(
    cases: list[str],
    settings: Settings,
    cold_runs: int,
    clock: str = "cpu",
    progress: bool = False,
    before: Path | None = None,
) -> list[Row]:
    """Run ``cases`` and return their rows (the smoke test calls this in-process)."""
    # Mangum reads the thread's current loop (asyncio.get_event_loop): give it one, and take it
    # back afterwards so an in-process run (the smoke test) leaves no loop behind.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    rows: list[Row] = []
    try:
        for case in cases:
            began = time.perf_counter()
            if case == "5":
                rows.extend(cold_start_rows(cold_runs, clock, before))
            else:
                rows.extend(IN_PROCESS[case](settings))
            if progress:
                print(f"case {case}: {time.perf_counter() - began:.1f} s", file=sys.stderr)
    finally:
        close_floors()
        asyncio.set_event_loop(None)
        loop.close()
    return rows


if __name__ == "__main__":
    sys.exit(main())
