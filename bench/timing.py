"""Per-call timing: interleaved rounds, median of per-round means, on the thread's CPU clock.

The clock is the calling thread's CPU time (``time.thread_time_ns``) by default, not wall time:
the work measured is pure computation (the loop's one ``epoll_wait`` has a zero timeout), and on a
shared 2-core machine wall time mostly measures how long we waited for a core.  On an idle
machine the two agree within a few percent; ``--clock wall`` switches.

Contenders run in alternating rounds (A B C, B C A, C A B...) instead of one after the other, so
a CPU-frequency change or a noisy neighbour during the run hits all of them alike; the ratios we
promise are computed from the same run.  Each round times a batch of calls with that clock
and divides (one call is a few microseconds, close to the clock's own cost).  As ``timeit`` does,
the garbage collector is off while a batch runs and a full collection runs between rounds, so one
contender's garbage is not collected on another's clock.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

Call = Callable[[], object]


@dataclass(frozen=True)
class Settings:
    rounds: int
    round_seconds: float
    warmup_calls: int

    @classmethod
    def quick(cls) -> Settings:
        return cls(rounds=5, round_seconds=0.02, warmup_calls=50)

    @classmethod
    def full(cls) -> Settings:
        return cls(rounds=31, round_seconds=0.1, warmup_calls=500)


@dataclass
class Timing:
    """Seconds per call: the median over rounds, and the rounds themselves."""

    per_round: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.per_round)

    @property
    def spread(self) -> float:
        """Interquartile range relative to the median: a quick noise figure for the table."""
        if len(self.per_round) < 4:
            return 0.0
        q1, _, q3 = statistics.quantiles(self.per_round, n=4)
        return (q3 - q1) / self.median


CLOCKS = {"cpu": time.thread_time_ns, "wall": time.perf_counter_ns}
clock = CLOCKS["cpu"]


def use_clock(name: str) -> None:
    global clock
    clock = CLOCKS[name]


def _batch(call: Call, count: int) -> float:
    now = clock
    gc.disable()
    try:
        start = now()
        for _ in range(count):
            call()
        return (now() - start) / 1e9 / count
    finally:
        gc.enable()


def calls_per_round(call: Call, seconds: float) -> int:
    """How many calls fill ``seconds``, from a short trial (at least one call)."""
    count = 1
    while True:
        per_call = _batch(call, count)
        if per_call * count >= 0.005 or count >= 1 << 20:
            return max(1, int(seconds / per_call))
        count *= 4


def measure(contenders: dict[str, Call], settings: Settings) -> dict[str, Timing]:
    """Time every contender in interleaved rounds; returns seconds per call per contender."""
    names = list(contenders)
    if not names:
        return {}
    for name in names:
        for _ in range(settings.warmup_calls):
            contenders[name]()
    counts = {name: calls_per_round(contenders[name], settings.round_seconds) for name in names}
    timings = {name: Timing() for name in names}
    for round_index in range(settings.rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            timings[name].per_round.append(_batch(contenders[name], counts[name]))
    return timings
