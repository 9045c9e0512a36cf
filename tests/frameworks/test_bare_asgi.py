"""No framework at all: a bare ASGI 3 coroutine app and an ASGI 2 double-callable class, each
speaking HTTP and lifespan by hand, as the ASGI spec describes."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qs

import pytest

from asgi_lambda import asgi_handler
from asgi_lambda._types import Receive, Scope, Send
from tests.frameworks.contract import (  # noqa: F401 - collected by pytest
    test_two_cookies_in_one_response_both_survive,
)
from tests.frameworks.helpers import BINARY_FILE, WITH_ALB, Handler, call


class Record:
    def __init__(self) -> None:
        self.startups = 0
        self.after_response: list[str] = []
        self.scopes: list[Scope] = []


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers or []})
    await send({"type": "http.response.body", "body": body})


async def lifespan(record: Record, receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            record.startups += 1
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def serve(record: Record, scope: Scope, receive: Receive, send: Send) -> None:
    """One request: the routes every test in this module uses."""
    if scope["type"] == "lifespan":
        await lifespan(record, receive, send)
        return
    record.scopes.append(scope)
    route = scope["path"][len(scope["root_path"]) :]
    json_type = [(b"content-type", b"application/json")]
    if route == "/echo":
        query = parse_qs(scope["query_string"].decode())
        payload = {"query": query, "body": json.loads(await read_body(receive) or b"null")}
        await respond(send, 200, json.dumps(payload).encode(), json_type)
    elif route == "/messages":
        messages = [await receive()]
        while messages[-1].get("more_body", False):
            messages.append(await receive())
        count = {"messages": [m["type"] for m in messages], "length": len(messages[0]["body"])}
        await respond(send, 200, json.dumps(count).encode(), json_type)
    elif route == "/binary":
        body = await read_body(receive)
        await respond(send, 200, body, [(b"content-type", b"application/octet-stream")])
    elif route == "/cookies":
        cookies = [(b"set-cookie", b"session=abc123; HttpOnly"), (b"set-cookie", b"theme=dark")]
        await respond(send, 200, b"two cookies", [(b"content-type", b"text/plain"), *cookies])
    elif route == "/stream":
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain")],
            }
        )
        for number in range(5):
            await asyncio.sleep(0)
            await send(
                {
                    "type": "http.response.body",
                    "body": f"chunk {number}\n".encode(),
                    "more_body": True,
                }
            )
        await send({"type": "http.response.body", "body": b""})
    elif route == "/after":
        await respond(send, 200, b"done", [(b"content-type", b"text/plain")])
        await asyncio.sleep(0.01)  # work after the response, still inside the app call
        record.after_response.append("cleaned up")
    elif route == "/where":
        where = {"path": scope["path"], "root_path": scope["root_path"], "route": route}
        await respond(send, 200, json.dumps(where).encode(), json_type)
    elif route == "/boom":
        raise RuntimeError("app failed")
    elif route == "/silent":
        return
    else:
        await respond(send, 404, b"not found", [(b"content-type", b"text/plain")])


def asgi3_app(record: Record) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await serve(record, scope, receive, send)

    return app


def asgi2_app(record: Record) -> Any:
    class App:
        def __init__(self, scope: Scope) -> None:
            self.scope = scope

        async def __call__(self, receive: Receive, send: Send) -> None:
            await serve(record, self.scope, receive, send)

    return App


@pytest.fixture
def record() -> Record:
    return Record()


@pytest.fixture(params=["asgi3", "asgi2"])
def make_app(request: pytest.FixtureRequest) -> Any:
    return asgi3_app if request.param == "asgi3" else asgi2_app


@pytest.fixture
def handler(make_app: Any, record: Record) -> Handler:
    return asgi_handler(make_app(record), lifespan="off")


@pytest.fixture(params=WITH_ALB)
def source(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_query_string_and_json_body_reach_the_app(handler: Handler, source: str) -> None:
    reply = call(
        handler,
        source,
        "POST",
        "/echo",
        query="q=red%20shoes&page=3",
        headers=[("content-type", "application/json")],
        body=b'{"name": "caf\xc3\xa9"}',
    )
    assert reply.json() == {"query": {"q": ["red shoes"], "page": ["3"]}, "body": {"name": "café"}}


def test_body_arrives_as_one_http_request_message(handler: Handler, source: str) -> None:
    reply = call(handler, source, "POST", "/messages", body=b"[1, 2]")
    assert reply.json() == {"messages": ["http.request"], "length": 6}


def test_binary_body_round_trips_byte_for_byte(handler: Handler, source: str) -> None:
    reply = call(handler, source, "POST", "/binary", body=BINARY_FILE, base64_body=True)
    assert reply.raw["isBase64Encoded"] is True
    assert reply.body == BINARY_FILE


def test_base_path_moves_to_root_path_and_path_stays_whole(
    make_app: Any, record: Record, source: str
) -> None:
    handler = asgi_handler(make_app(record), lifespan="off", api_gateway_base_path="/api")
    reply = call(handler, source, path="/api/where")
    assert reply.json() == {"path": "/api/where", "root_path": "/api", "route": "/where"}


def test_streamed_body_chunks_are_collected_whole(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/stream")
    assert reply.text == "".join(f"chunk {n}\n" for n in range(5))


def test_work_after_the_response_finishes_before_the_invocation_returns(
    handler: Handler, record: Record, source: str
) -> None:
    reply = call(handler, source, path="/after")
    assert reply.text == "done"
    assert record.after_response == ["cleaned up"]


def test_exception_in_the_app_is_a_500(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/boom")
    assert reply.status == 500
    assert reply.text == "Internal Server Error"


def test_app_returning_without_a_response_is_a_500(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/silent")
    assert reply.status == 500


def test_the_apps_own_404_passes_through(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/nope")
    assert reply.status == 404
    assert reply.text == "not found"


def test_lifespan_startup_runs_once_across_invocations(make_app: Any, record: Record) -> None:
    handler = asgi_handler(make_app(record), lifespan="on")
    replies = [call(handler, source, path="/where") for source in WITH_ALB * 2]
    assert [reply.status for reply in replies] == [200] * 6
    assert record.startups == 1
