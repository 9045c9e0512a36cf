"""Smoke test of the benchmark suite (bench/, issue 6): it runs and measures every contender.

Speed is never asserted here (a shared CI machine says nothing about it); ``python -m bench``
reports the numbers and the targets.
"""

from __future__ import annotations

import pytest

pytest.importorskip("mangum", reason="mangum is a benchmark dependency (bench/requirements.txt)")

from bench.__main__ import run  # noqa: E402
from bench.contenders import CONTENDERS  # noqa: E402
from bench.report import render  # noqa: E402
from bench.timing import Settings  # noqa: E402


def test_case_1_produces_numbers_for_all_three_contenders() -> None:
    rows = run(["1"], Settings(rounds=2, round_seconds=0.002, warmup_calls=3), cold_runs=1)

    assert [row.case for row in rows] == ["1a", "1b", "1c"]
    for row in rows:
        assert row.errors == {}, row.errors
        for contender in CONTENDERS:
            median = row.median(contender)
            assert median is not None and median > 0, (row.case, contender)
    assert "| 1a |" in render(rows, "smoke")


def test_the_chart_has_a_bar_per_contender_and_case_with_its_time() -> None:
    from dataclasses import asdict

    from bench.chart import medians_from_json, svg

    rows = run(["1"], Settings(rounds=2, round_seconds=0.002, warmup_calls=3), cold_runs=1)
    cases = medians_from_json([asdict(row) for row in rows])
    drawn = svg(cases)
    assert [case for case, _, _ in cases] == ["1a", "1b", "1c"]
    assert drawn.count('<rect x="340"') == 9  # 3 cases x 3 contenders
    median = rows[0].median("asgi-lambda")
    assert median is not None and f">{median * 1e6:.1f}</text>" in drawn
