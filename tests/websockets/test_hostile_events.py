"""Broken or hostile WebSocket events get a clear answer, never an exception or a hang."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from asgi_lambda import asgi_handler
from asgi_lambda._context import LambdaContext
from asgi_lambda._types import Receive, Scope, Send
from asgi_lambda.websockets._handler import MAX_APIS
from tests.asgi_apps import tick_swallowing_cancellation
from tests.websockets.conftest import Handler, connect_event, message_event

MakeHandler = Callable[..., Handler]


async def accepting_app(scope: Scope, receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept"})


@pytest.mark.parametrize(
    "where",
    ["header", "query", "path"],
)
def test_a_lone_surrogate_in_the_handshake_answers_400(
    where: str, make_handler: MakeHandler
) -> None:
    event = connect_event("conn-1")
    if where == "header":
        event["headers"]["X-Bad"] = "\ud800"
        event["multiValueHeaders"]["X-Bad"] = ["\ud800"]
    elif where == "query":
        event["queryStringParameters"] = {"q": "\ud800"}
        event["multiValueQueryStringParameters"] = {"q": ["\ud800"]}
    else:
        event["path"] = "/\ud800"
    assert make_handler(accepting_app)(event) == {"statusCode": 400}


@pytest.mark.parametrize(
    ("field", "value"),
    [("apiId", "//x"), ("apiId", "a b"), ("stage", "../x"), ("stage", "")],
)
def test_an_api_id_or_stage_that_cannot_be_an_endpoint_answers_400(field: str, value: str) -> None:
    # Behind a custom domain the endpoint is built from apiId; botocore raised "Invalid endpoint".
    handler = asgi_handler(accepting_app, lifespan="off", dsn="memory://")
    event = connect_event("conn-1")
    event["requestContext"]["domainName"] = "chat.example.com"
    event["requestContext"][field] = value
    assert handler(event, None) == {"statusCode": 400}


@pytest.mark.parametrize("connection_id", ["a\r\nforged log line", "", "x" * 200, "a b"])
def test_a_connection_id_api_gateway_could_not_have_made_answers_400(
    connection_id: str, make_handler: MakeHandler, caplog: pytest.LogCaptureFixture
) -> None:
    assert make_handler(accepting_app)(message_event(connection_id, "hi")) == {"statusCode": 400}
    assert "forged log line" not in caplog.text


def test_the_per_endpoint_api_cache_is_bounded() -> None:
    handler: Any = asgi_handler(accepting_app, lifespan="off", dsn="memory://")
    for n in range(MAX_APIS + 40):
        event = connect_event(f"conn-{n}")
        event["requestContext"]["domainName"] = f"chat{n}.example.com"
        event["requestContext"].pop("apiId")
        assert handler(event, None) == {"statusCode": 200}
    assert len(handler.adapter._websocket._apis) == MAX_APIS


def test_an_app_sleeping_in_connect_is_cancelled_and_answered_504(
    make_handler: MakeHandler,
) -> None:
    async def sleeper(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(3600)

    handler = make_handler(sleeper, default_timeout=0.3, deadline_margin=0.1)
    start = time.monotonic()
    assert handler(connect_event("conn-1")) == {"statusCode": 504}
    assert time.monotonic() - start < 1


def test_a_startup_that_outlasts_a_short_deadline_answers_503_and_is_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from asgi_lambda import _lifespan

    monkeypatch.setattr(_lifespan, "RETRY_BACKOFF", 0.0)
    starts: list[int] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()
            starts.append(1)
            if len(starts) == 1:
                await asyncio.sleep(3600)
            await send({"type": "lifespan.startup.complete"})
            await receive()
            return
        await accepting_app(scope, receive, send)

    handler = asgi_handler(app, dsn="memory://", api_gateway_endpoint_url="http://127.0.0.1:9")
    assert handler(connect_event("conn-1"), LambdaContext(timeout=1.0)) == {"statusCode": 503}
    assert handler(connect_event("conn-2"), LambdaContext(timeout=5.0)) == {"statusCode": 200}
    assert starts == [1, 1]


def test_a_websocket_app_that_swallows_cancellation_does_not_run_on(
    make_handler: MakeHandler,
) -> None:
    ticks: list[float] = []

    async def stubborn(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["query_string"] == b"quick=1":
            await accepting_app(scope, receive, send)
            return
        await tick_swallowing_cancellation(ticks)

    handler = make_handler(stubborn, default_timeout=0.5, deadline_margin=0.2)
    assert handler(connect_event("conn-1"))["statusCode"] == 504
    after = len(ticks)
    quick = connect_event("conn-2", query={"quick": ["1"]})
    for _ in range(3):
        assert handler(quick) == {"statusCode": 200}
    time.sleep(0.05)
    assert handler(quick) == {"statusCode": 200}
    assert len(ticks) == after
