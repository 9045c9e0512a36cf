"""The in-process cases (1-4 and 6): what is measured, on which event, against which target.

Every contender answers once before it is timed and its answer is checked (status and body, after
undoing base64 and gzip); one that answers wrongly is reported, not timed, so the bench never
compares a fast error page with a real response.
"""

from __future__ import annotations

import functools
import gc
import json
import statistics
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import apps, events
from .contenders import CONTEXT, FLOOR, MANGUM, OURS, Handler, build, response_of
from .timing import Settings, Timing, measure

Check = Callable[[int, bytes], "str | None"]
# Slack for the allocation target: small objects (dicts, headers, the task) around the big copies.
ALLOCATION_SLACK = 64 * 1024


@dataclass
class Row:
    """One line of the results table."""

    case: str
    title: str
    timings: dict[str, Timing] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    min_vs_mangum: float | None = None  # ours must be at least this many times faster
    memory: dict[str, int] = field(default_factory=dict)  # bytes: peak allocation or peak RSS
    memory_label: str = "peak alloc"
    allowed_bytes: int | None = None  # the allocation target for ours
    max_memory_over_mangum: int | None = None  # bytes of peak RSS ours may have past Mangum's
    must_not_import: dict[str, list[str]] = field(default_factory=dict)  # contender -> found
    unit: str = "call"
    note: str = ""

    def median(self, contender: str) -> float | None:
        timing = self.timings.get(contender)
        return timing.median if timing else None


def expect_body(expected: bytes) -> Check:
    def check(status: int, body: bytes) -> str | None:
        if status != 200:
            return f"answered {status}: {body[:120]!r}"
        if body != expected:
            return f"wrong body ({len(body)} bytes, expected {len(expected)})"
        return None

    return check


def expect_json(expected: Any) -> Check:
    def check(status: int, body: bytes) -> str | None:
        if status != 200:
            return f"answered {status}: {body[:120]!r}"
        if json.loads(body) != expected:
            return f"wrong body {body[:120]!r}"
        return None

    return check


def ready(
    handlers: dict[str, Handler], event: events.Event, check: Check, row: Row
) -> dict[str, Callable[[], object]]:
    """The contenders whose first answer is right, as zero-argument calls; the rest go to errors."""
    calls: dict[str, Callable[[], object]] = {}
    for name, handler in handlers.items():
        try:
            problem = check(*response_of(handler(event, CONTEXT)))
        except Exception as exc:  # a contender that cannot run this case is reported, not timed
            problem = f"{type(exc).__name__}: {str(exc)[:160]}"
        if problem:
            row.errors[name] = problem
        else:
            calls[name] = functools.partial(handler, event, CONTEXT)
    return calls


def timed(
    row: Row,
    app: Any,
    lifespan: str,
    event: events.Event,
    check: Check,
    settings: Settings,
    **options: Any,
) -> Row:
    calls = ready(build(app, lifespan, event, **options), event, check, row)
    row.timings = measure(calls, settings)
    return row


# SPEC section 9's targets: no case slower than Mangum; with lifespan on (Mangum restarts it on
# every invocation) and on ALB events, at least 2x.


def case1(settings: Settings) -> list[Row]:
    """Trivial app, HTTP API 2.0: the adapter's own overhead."""
    event, check = events.http_api_v2(), expect_body(apps.HELLO)
    return [
        timed(
            Row("1a", "trivial app, HTTP API 2.0, lifespan off", min_vs_mangum=1.0),
            apps.trivial_app,
            "off",
            event,
            check,
            settings,
        ),
        timed(
            Row("1b", "trivial app, HTTP API 2.0, lifespan on", min_vs_mangum=2.0),
            apps.trivial_app,
            "on",
            event,
            check,
            settings,
        ),
        # Not a target: shows what the default access log line costs (see docs/performance.md).
        timed(
            Row(
                "1c",
                "as 1a, asgi-lambda with access_log=False (info)",
                note="informational: the access log's share of 1a",
            ),
            apps.trivial_app,
            "off",
            event,
            check,
            settings,
            access_log=False,
        ),
    ]


def case2(settings: Settings) -> list[Row]:
    """Multi-value headers and query parameters: the translation's per-item cost."""
    check = expect_body(apps.HELLO)
    return [
        timed(
            Row("2a", "REST 1.0, 20 multi-value headers, 10 params", min_vs_mangum=1.0),
            apps.trivial_app,
            "off",
            events.rest_v1_multi(),
            check,
            settings,
        ),
        timed(
            Row("2b", "ALB multi-value, 20 headers, 10 params", min_vs_mangum=2.0),
            apps.trivial_app,
            "off",
            events.alb_multi(),
            check,
            settings,
        ),
    ]


def case3(settings: Settings) -> list[Row]:
    """FastAPI with a lifespan that sets state; Mangum restarts lifespan on every invocation."""
    expected = {"id": 42, "name": "widget", "price": 9.5, "greeting": "hello"}
    row = Row("3", "FastAPI, path param + pydantic body, lifespan on", min_vs_mangum=2.0)
    return [
        timed(row, apps.fastapi_app(), "on", events.fastapi_post(), expect_json(expected), settings)
    ]


def peak_bytes(call: Callable[[], object], repeat: int = 3) -> int:
    """Median peak of memory allocated during one call (tracemalloc; the answer counts too)."""
    peaks = []
    tracemalloc.start()
    try:
        for _ in range(repeat):
            gc.collect()
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            result = call()
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
            del result
    finally:
        tracemalloc.stop()
    return int(statistics.median(peaks))


def base64_own_bytes(result: dict[str, Any]) -> int:
    """What base64 itself must hold: the encoded bytes and the str made from them."""
    if not result.get("isBase64Encoded"):
        return 0
    return 2 * len(result.get("body") or "")


def big_body(
    row: Row, body: bytes, content_type: bytes, event: events.Event, settings: Settings
) -> Row:
    app = apps.body_app(body, content_type)
    handlers = build(app, "off", event)
    calls = ready(handlers, event, expect_body(body), row)
    for name, call in calls.items():
        row.memory[name] = peak_bytes(call)
    if OURS in calls:
        row.allowed_bytes = base64_own_bytes(calls[OURS]()) + len(body) + ALLOCATION_SLACK  # type: ignore[arg-type]
    row.timings = measure(calls, settings)
    return row


def case4(settings: Settings) -> list[Row]:
    """1 MB responses: base64 for binary, gzip (ours; Mangum has none) for JSON."""
    return [
        big_body(
            Row("4a", "1 MB binary response (base64)", note="peer has no gzip"),
            apps.big_binary_body(),
            b"application/octet-stream",
            events.http_api_v2_get(),
            settings,
        ),
        big_body(
            Row(
                "4b",
                "1 MB JSON response, gzip accepted",
                note="ours gzips, Mangum sends it uncompressed",
            ),
            apps.big_json_body(),
            b"application/json",
            events.http_api_v2_get("gzip"),
            settings,
        ),
    ]


def case6(settings: Settings) -> list[Row]:
    """WebSocket message invocations; absolute numbers, there is no peer to compare with."""
    from . import websocket_case

    return websocket_case.rows(settings)


IN_PROCESS: dict[str, Callable[[Settings], list[Row]]] = {
    "1": case1,
    "2": case2,
    "3": case3,
    "4": case4,
    "6": case6,
}
CONTENDER_NAMES = (OURS, MANGUM, FLOOR)
