"""Quart-Trio on Lambda: a trio app in a trio guest run on the adapter's asyncio loop.

Lifespan (``before_serving``) runs once, in trio; routes await trio primitives; cookies,
streaming, errors, a WebSocket route, and the deadline, which cancels the trio task.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import sniffio
import trio
from quart import make_response, request, websocket
from quart_trio import QuartTrio

from asgi_lambda import ConfigurationError, asgi_handler
from asgi_lambda._handler import uses_trio
from tests.frameworks.contract import (  # noqa: F401 - collected by pytest
    test_exception_in_a_view_is_a_500,
    test_path_and_query_parameters_reach_the_view,
    test_two_cookies_in_one_response_both_survive,
    test_unknown_route_is_a_404,
)
from tests.frameworks.helpers import Handler, Record, call
from tests.websockets.conftest import Gateway, connect_event, disconnect_event, message_event


def make_app(record: Record) -> QuartTrio:
    app = QuartTrio(__name__)

    @app.before_serving
    async def startup() -> None:
        record.startups += 1
        app.config["POOL"] = f"trio-pool-{record.startups}"

    @app.get("/items/<int:item_id>")
    async def item(item_id: int) -> dict[str, Any]:
        await trio.sleep(0)  # a trio checkpoint: this only works inside a trio run
        return {"item_id": item_id, "q": request.args.get("q"), "page": request.args.get("page")}

    @app.get("/pool")
    async def pool() -> dict[str, Any]:
        return {"pool": app.config["POOL"], "library": sniffio.current_async_library()}

    @app.get("/cookies")
    async def cookies() -> Any:
        response = await make_response("two cookies")
        response.set_cookie("session", "abc123", httponly=True)
        response.set_cookie("theme", "dark")
        return response

    @app.get("/stream")
    async def stream() -> Any:
        async def chunks() -> AsyncIterator[bytes]:
            for index in range(3):
                await trio.sleep(0.01)
                yield f"part {index};".encode()

        return chunks(), 200, {"content-type": "text/plain"}

    @app.get("/nursery")
    async def nursery() -> dict[str, Any]:
        results: list[int] = []

        async def work(n: int) -> None:
            await trio.sleep(0.01 * n)
            results.append(n)

        async with trio.open_nursery() as children:
            for n in (3, 1, 2):
                children.start_soon(work, n)
        return {"order": results}

    @app.get("/slow")
    async def slow() -> str:
        try:
            await trio.sleep(60)
        except trio.Cancelled:
            record.background.append("cancelled in trio")
            raise
        return "too late"

    @app.get("/boom")
    async def boom() -> str:
        raise RuntimeError("boom")

    @app.websocket("/")
    async def echo() -> None:
        while True:
            message = await websocket.receive()
            await websocket.send(f"trio echo: {message}")

    return app


@pytest.fixture
def record() -> Record:
    return Record()


@pytest.fixture
def handler(record: Record) -> Handler:
    return asgi_handler(make_app(record))


def test_a_quart_trio_app_is_run_on_trio_without_being_told(handler: Handler, source: str) -> None:
    assert uses_trio(make_app(Record()), "auto")
    assert not uses_trio(make_app(Record()), "asyncio")
    assert call(handler, source, path="/pool").json()["library"] == "trio"


def test_lifespan_runs_once_in_trio_and_its_state_is_shared(
    handler: Handler, record: Record, source: str
) -> None:
    replies = [call(handler, source, path="/pool") for _ in range(3)]
    assert [reply.json()["pool"] for reply in replies] == ["trio-pool-1"] * 3
    assert record.startups == 1


def test_trio_nurseries_work_inside_a_request(handler: Handler, source: str) -> None:
    assert call(handler, source, path="/nursery").json() == {"order": [1, 2, 3]}


def test_a_streaming_response_is_collected_whole(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/stream")
    assert reply.status == 200
    assert reply.text == "part 0;part 1;part 2;"


def test_the_deadline_cancels_the_trio_task_and_answers_504(record: Record, source: str) -> None:
    wrapped = asgi_handler(make_app(record), default_timeout=1.0)
    started = time.monotonic()
    reply = call(wrapped, source, path="/slow")
    assert reply.status == 504
    assert time.monotonic() - started < 1.0
    assert record.background == ["cancelled in trio"]
    assert call(wrapped, source, path="/pool").status == 200


def test_a_websocket_route_echoes_through_the_management_api(
    make_handler: Callable[..., Any], gateway: Gateway
) -> None:
    handler = make_handler(make_app(Record()))
    assert handler(connect_event("trio-1")) == {"statusCode": 200}
    assert handler(message_event("trio-1", "hello")) == {"statusCode": 200}
    assert gateway.to("trio-1") == [b"trio echo: hello"]
    assert handler(disconnect_event("trio-1")) == {"statusCode": 200}


def test_async_backend_is_checked() -> None:
    with pytest.raises(ConfigurationError, match="'async_backend' must be 'auto', 'asyncio'"):
        asgi_handler(make_app(Record()), async_backend="curio")  # type: ignore[arg-type]
