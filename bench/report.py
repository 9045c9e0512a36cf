"""The results table and the target verdicts, as Markdown: readable in a terminal, pasteable
in docs."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass

from .cases import Row
from .contenders import CONTENDERS, FLOOR, MANGUM, OURS


@dataclass(frozen=True)
class Verdict:
    case: str
    target: str
    held: bool | None  # None: could not be judged (a contender missing, or the case skipped)
    detail: str

    @property
    def label(self) -> str:
        return {True: "held", False: "MISSED", None: "n/a"}[self.held]


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def size(count: int | None) -> str:
    if count is None:
        return "-"
    if count < 1024 * 1024:
        return f"{count / 1024:.0f} KiB"
    return f"{count / (1024 * 1024):.2f} MiB"


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def header(mode: str) -> str:
    return (
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs; mode: {mode}; "
        "times are medians per invocation"
    )


def table(rows: list[Row]) -> str:
    lines = [
        f"| case | what | {OURS} | {MANGUM} | {FLOOR} | {MANGUM} / ours | ours / {FLOOR} |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    for row in rows:
        cells = [
            duration(row.median(name)) if name not in row.errors else "error" for name in CONTENDERS
        ]
        speedup = ratio(row.median(MANGUM), row.median(OURS))
        overhead = ratio(row.median(OURS), row.median(FLOOR))
        lines.append(
            f"| {row.case} | {row.title} | {' | '.join(cells)} | "
            f"{f'{speedup:.2f}x' if speedup else '-'} | {f'{overhead:.2f}x' if overhead else '-'} |"
        )
        if row.memory:
            memory = [size(row.memory.get(name)) for name in CONTENDERS]
            lines.append(f"| {row.case} | {row.memory_label} | {' | '.join(memory)} | | |")
    return "\n".join(lines)


def notes(rows: list[Row]) -> str:
    lines = []
    for row in rows:
        if row.note:
            lines.append(f"- {row.case}: {row.note}")
        for name, error in row.errors.items():
            lines.append(f"- {row.case}: {name} not timed: {error}")
        noisy = [f"{name} {t.spread:.0%}" for name, t in row.timings.items() if t.spread > 0.1]
        if noisy:
            lines.append(f"- {row.case}: noisy (interquartile range / median): {', '.join(noisy)}")
    return "\n".join(lines)


def verdicts(rows: list[Row]) -> list[Verdict]:
    found: list[Verdict] = []
    for row in rows:
        if row.min_vs_mangum is not None:
            speedup = ratio(row.median(MANGUM), row.median(OURS))
            found.append(
                Verdict(
                    row.case,
                    f">= {row.min_vs_mangum:g}x Mangum's speed",
                    None if speedup is None else speedup >= row.min_vs_mangum,
                    f"{speedup:.2f}x" if speedup else "not measured",
                )
            )
        if row.allowed_bytes is not None:
            peak = row.memory.get(OURS)
            found.append(
                Verdict(
                    row.case,
                    "peak alloc <= base64's own + 1 body copy",
                    None if peak is None else peak <= row.allowed_bytes,
                    f"{size(peak)} of {size(row.allowed_bytes)} allowed",
                )
            )
        if row.max_memory_over_mangum is not None:
            ours, peer = row.memory.get(OURS), row.memory.get(MANGUM)
            over = None if ours is None or peer is None else ours - peer
            found.append(
                Verdict(
                    row.case,
                    f"peak RSS <= Mangum's + {size(row.max_memory_over_mangum)}",
                    None if over is None else over <= row.max_memory_over_mangum,
                    "not measured" if over is None else f"{over / (1024 * 1024):+.2f} MiB",
                )
            )
        for name, modules in row.must_not_import.items():
            if name == OURS:
                found.append(
                    Verdict(
                        row.case,
                        "no boto3 / powertools imported",
                        not modules,
                        ", ".join(modules) or "none imported",
                    )
                )
    return found


def render(rows: list[Row], mode: str) -> str:
    parts = [header(mode), "", table(rows)]
    extra = notes(rows)
    if extra:
        parts += ["", extra]
    parts += ["", "| case | target | result | verdict |", "|---|---|--:|---|"]
    parts += [f"| {v.case} | {v.target} | {v.detail} | {v.label} |" for v in verdicts(rows)]
    return "\n".join(parts)


def python_version() -> str:
    return sys.version.split()[0]
