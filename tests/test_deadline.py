"""SPEC section 5, deadlines: nothing runs past the invocation; the client gets a 504 first."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any

import pytest

from asgi_lambda import InvocationFailedError, asgi_handler
from asgi_lambda._context import LambdaContext
from asgi_lambda._types import Receive, Scope, Send
from tests.asgi_apps import tick_swallowing_cancellation
from tests.conftest import load_event

V2 = "pt-apiGatewayProxyV2Event"


def Context(remaining_ms: int) -> LambdaContext:  # noqa: N802 - reads as the class it makes
    """A Lambda context whose invocation has ``remaining_ms`` left when it starts."""
    return LambdaContext(timeout=remaining_ms / 1000, aws_request_id="req-1")


async def answer(send: Send, status: int = 200, body: bytes = b"ok") -> None:
    headers = [(b"content-type", b"text/plain")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def never_returns(scope: Scope, receive: Receive, send: Send) -> None:
    await asyncio.sleep(3600)


def timed(handler: Any, context: Any) -> tuple[dict[str, Any], float]:
    start = time.monotonic()
    response = handler(load_event(V2), context)
    return response, time.monotonic() - start


def test_an_app_that_never_returns_is_cancelled_a_margin_before_the_deadline(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = asgi_handler(never_returns, lifespan="off", deadline_margin=0.3)
    response, took = timed(handler, Context(remaining_ms=800))
    assert (response["statusCode"], response["body"]) == (504, "Gateway Timeout")
    assert 0.4 < took < 0.7
    assert re.search(
        r"still running POST /my/path after 0\.[45]\d\ds, .* answering 504", caplog.text
    )


def test_without_a_context_the_default_timeout_applies() -> None:
    handler = asgi_handler(never_returns, lifespan="off", default_timeout=0.4, deadline_margin=0.1)
    response, took = timed(handler, None)
    assert response["statusCode"] == 504
    assert 0.25 < took < 0.6


def test_a_second_receive_before_responding_ends_in_a_504_not_a_hang() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await receive()  # waits for a disconnect that only comes after the response
        await answer(send)

    handler = asgi_handler(app, lifespan="off", default_timeout=0.3, deadline_margin=0.1)
    assert timed(handler, None)[0]["statusCode"] == 504


def test_an_app_that_swallows_cancellation_is_abandoned_and_stays_dead(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ticks: list[float] = []

    async def stubborn(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/quick":
            await answer(send)
            return
        await tick_swallowing_cancellation(ticks)

    handler = asgi_handler(stubborn, lifespan="off", deadline_margin=0.2)
    with caplog.at_level(logging.INFO, logger="asgi_lambda.access"):
        response, took = timed(handler, Context(remaining_ms=500))
    assert response["statusCode"] == 504
    assert took < 0.5  # answered before Lambda's own deadline
    assert "swallowed CancelledError" in caplog.text
    assert "504 (the app ignored its cancellation and was abandoned)" in caplog.text
    after = len(ticks)
    quick = load_event(V2)
    quick["rawPath"] = "/quick"
    for _ in range(3):
        assert handler(quick, Context(remaining_ms=1000))["statusCode"] == 200
    time.sleep(0.05)
    assert handler(quick, Context(remaining_ms=1000))["statusCode"] == 200
    assert len(ticks) == after  # the abandoned app did not run on in later invocations


def test_an_app_that_catches_the_cancellation_and_returns_gets_a_504() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            return

    handler = asgi_handler(app, lifespan="off", default_timeout=0.3, deadline_margin=0.1)
    assert timed(handler, None)[0]["statusCode"] == 504


def test_a_response_completed_before_the_deadline_stands() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await answer(send, 201, b"done")
        await asyncio.sleep(3600)  # after-work cut short at the deadline

    handler = asgi_handler(app, lifespan="off", default_timeout=0.3, deadline_margin=0.1)
    response, _ = timed(handler, None)
    assert (response["statusCode"], response["body"]) == (201, "done")


def test_the_access_log_records_the_504(caplog: pytest.LogCaptureFixture) -> None:
    handler = asgi_handler(never_returns, lifespan="off", default_timeout=0.2)
    with caplog.at_level(logging.INFO, logger="asgi_lambda.access"):
        handler(load_event(V2), None)
    access = [r for r in caplog.records if r.name == "asgi_lambda.access"]
    assert [record.status for record in access] == [504]  # type: ignore[attr-defined]


def test_fail_on_status_applies_to_the_504() -> None:
    handler = asgi_handler(
        never_returns, lifespan="off", default_timeout=0.2, fail_on_status=["5xx"]
    )
    with pytest.raises(InvocationFailedError) as failed:
        handler(load_event(V2), None)
    assert failed.value.status == 504


def test_the_invocation_after_a_timeout_is_served_normally() -> None:
    calls: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        calls.append(scope["path"])
        if len(calls) == 1:
            await asyncio.sleep(3600)
        await asyncio.sleep(0.01)  # a task left cancelled would fail here
        await answer(send)

    handler = asgi_handler(app, lifespan="off", default_timeout=0.2, deadline_margin=0.05)
    assert handler(load_event(V2), None)["statusCode"] == 504
    assert handler(load_event(V2), None)["statusCode"] == 200


def test_a_middleware_still_waiting_at_the_deadline_gets_a_504() -> None:
    async def slow_middleware(request: Any, call_next: Any) -> Any:
        await asyncio.sleep(3600)
        return await call_next(request)

    handler = asgi_handler(
        never_returns, lifespan="off", default_timeout=0.2, middlewares=[slow_middleware]
    )
    assert handler(load_event(V2), None)["statusCode"] == 504


def test_a_context_with_little_time_left_still_gives_the_app_half_of_it() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(0.1)
        await answer(send)

    handler = asgi_handler(app, lifespan="off", deadline_margin=5)
    assert handler(load_event(V2), Context(remaining_ms=400))["statusCode"] == 200


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("deadline_margin", -1),
        ("default_timeout", 0),
        ("startup_timeout", "10"),
        ("shutdown_timeout", True),
        ("default_timeout", float("nan")),
    ],
)
def test_time_options_must_be_seconds(option: str, value: object) -> None:
    from asgi_lambda import ConfigurationError

    with pytest.raises(ConfigurationError, match=option):
        asgi_handler(never_returns, **{option: value})


def test_a_magicmock_context_leaves_the_default_timeout() -> None:
    # float(MagicMock()) is 1.0: taken as 1 ms left, every request timed out at once.
    from unittest.mock import MagicMock

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(0.01)
        await answer(send)

    handler = asgi_handler(app, lifespan="off")
    assert handler(load_event(V2), MagicMock())["statusCode"] == 200
