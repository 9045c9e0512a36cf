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
