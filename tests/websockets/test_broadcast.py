"""Broadcasting: ``WebSocketAPI`` from any code, and ``scope["aws.websocket"]`` inside the app."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from asgi_lambda._types import Receive, Scope, Send
from asgi_lambda.websockets import Connection, WebSocketAPI, store_for
from asgi_lambda.websockets.backends.memory import MemoryStore
from tests.websockets.conftest import (
    Gateway,
    Handler,
    connect_event,
    disconnect_event,
    message_event,
)

MakeHandler = Callable[..., Handler]


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def api(moto_endpoint: str, store: MemoryStore) -> WebSocketAPI:
    return WebSocketAPI(moto_endpoint, store=store)


def test_send_posts_text_as_utf8(api: WebSocketAPI, gateway: Gateway) -> None:
    assert api.send("conn-a", "caf\u00e9") is True
    assert gateway.posted == [("conn-a", "caf\u00e9".encode())]


def test_send_posts_bytes_as_given(api: WebSocketAPI, gateway: Gateway) -> None:
    assert api.send("conn-a", b"\x00\xff") is True
    assert gateway.to("conn-a") == [b"\x00\xff"]


def test_send_to_a_gone_connection_forgets_it(
    api: WebSocketAPI, store: MemoryStore, gateway: Gateway
) -> None:
    store.save("conn-a", "{}")
    api.join("room", "conn-a")
    gateway.gone.add("conn-a")
    assert api.send("conn-a", "hi") is False
    assert store.load("conn-a") is None
    assert api.members("room") == []


def test_join_and_leave_change_the_group(api: WebSocketAPI) -> None:
    api.join("room", "conn-a")
    api.join("room", "conn-b")
    api.join("room", "conn-b")
    api.leave("room", "conn-a")
    assert api.members("room") == ["conn-b"]


def test_broadcast_reaches_every_member_and_counts_them(
    api: WebSocketAPI, gateway: Gateway
) -> None:
    for connection_id in ("conn-a", "conn-b", "conn-c"):
        api.join("room", connection_id)
    api.join("elsewhere", "conn-d")
    assert api.broadcast("room", "news") == 3
    assert sorted(gateway.posted) == [(c, b"news") for c in ("conn-a", "conn-b", "conn-c")]


def test_broadcast_skips_excluded_connections(api: WebSocketAPI, gateway: Gateway) -> None:
    for connection_id in ("conn-a", "conn-b", "conn-c"):
        api.join("room", connection_id)
    assert api.broadcast("room", "x", exclude="conn-a") == 2
    assert api.broadcast("room", "y", exclude=["conn-a", "conn-b"]) == 1
    assert gateway.targets() == {"conn-b", "conn-c"}
    assert gateway.to("conn-c") == [b"x", b"y"]


def test_broadcast_prunes_gone_members(
    api: WebSocketAPI, store: MemoryStore, gateway: Gateway
) -> None:
    for connection_id in ("conn-a", "conn-b", "conn-c"):
        store.save(connection_id, "{}")
        api.join("room", connection_id)
    gateway.gone.add("conn-b")
    assert api.broadcast("room", "hi") == 2
    assert sorted(api.members("room")) == ["conn-a", "conn-c"]
    assert store.load("conn-b") is None


def test_broadcast_continues_past_a_failing_member(
    api: WebSocketAPI, gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    api.join("room", "conn-a")
    api.join("room", "conn-b")
    gateway.forbidden.add("conn-a")
    with caplog.at_level(logging.WARNING, logger="asgi_lambda"):
        assert api.broadcast("room", "hi") == 1
    assert gateway.posted == [("conn-b", b"hi")]
    assert "broadcast to websocket connection conn-a failed" in caplog.text
    assert sorted(api.members("room")) == ["conn-a", "conn-b"]


def test_broadcast_to_an_empty_group_posts_nothing(api: WebSocketAPI, gateway: Gateway) -> None:
    assert api.broadcast("nobody", "hi") == 0
    assert gateway.posted == []


def test_disconnect_closes_at_api_gateway_and_forgets(
    api: WebSocketAPI, store: MemoryStore, gateway: Gateway
) -> None:
    store.save("conn-a", "{}")
    api.join("room", "conn-a")
    api.disconnect("conn-a")
    assert gateway.deleted == ["conn-a"]
    assert store.load("conn-a") is None
    assert api.members("room") == []


def test_api_from_other_code_shares_the_handlers_store(
    make_handler: MakeHandler, moto_endpoint: str, dsn: str, gateway: Gateway
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        scope["aws.websocket"].join("alerts")

    handler = make_handler(app)
    handler(connect_event("conn-a"))
    handler(connect_event("conn-b"))
    elsewhere = WebSocketAPI(moto_endpoint, dsn=dsn)  # e.g. an SQS-triggered function
    assert elsewhere.store is store_for(dsn)
    assert elsewhere.broadcast("alerts", "fire drill") == 2
    assert gateway.targets() == {"conn-a", "conn-b"}


def test_connection_in_the_scope_joins_and_broadcasts(
    make_handler: MakeHandler, gateway: Gateway
) -> None:
    seen: list[Connection] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        connection = scope["aws.websocket"]
        seen.append(connection)
        await receive()
        await send({"type": "websocket.accept"})
        if (await receive())["type"] == "websocket.receive":
            connection.join("room")
            connection.broadcast("room", f"{connection.connection_id} joined", exclude_self=True)

    handler = make_handler(app)
    for connection_id in ("conn-a", "conn-b"):
        handler(connect_event(connection_id))
        handler(message_event(connection_id, "join"))
    assert gateway.posted == [("conn-a", b"conn-b joined")]
    assert [(c.connection_id, c.event_type) for c in seen] == [
        ("conn-a", "CONNECT"),
        ("conn-a", "MESSAGE"),
        ("conn-b", "CONNECT"),
        ("conn-b", "MESSAGE"),
    ]


def test_connection_cannot_send_to_itself_during_connect(
    make_handler: MakeHandler, gateway: Gateway, dsn: str
) -> None:
    results: list[object] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        connection = scope["aws.websocket"]
        await receive()
        await send({"type": "websocket.accept"})
        connection.join("room")
        results.append(connection.send("welcome"))
        results.append(connection.broadcast("room", "someone joined"))

    make_handler(app)(connect_event("conn-a"))
    assert results == [False, 0]
    assert gateway.posted == []
    assert store_for(dsn).members("room") == ["conn-a"]


def test_connection_refused_after_joining_leaves_no_membership(
    make_handler: MakeHandler, dsn: str
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        scope["aws.websocket"].join("room")
        await send({"type": "websocket.close"})

    assert make_handler(app)(connect_event("conn-a")) == {"statusCode": 403}
    assert store_for(dsn).members("room") == []


def test_connection_leaves_every_group_on_disconnect(make_handler: MakeHandler, dsn: str) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        if scope["aws.websocket"].event_type == "CONNECT":
            scope["aws.websocket"].join("a")
            scope["aws.websocket"].join("b")

    handler = make_handler(app)
    handler(connect_event("conn-a"))
    handler(disconnect_event("conn-a"))
    assert (store_for(dsn).members("a"), store_for(dsn).members("b")) == ([], [])
