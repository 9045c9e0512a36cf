"""A Starlette chat room, end to end: the example in docs/websockets.md, run against moto."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.endpoints import WebSocketEndpoint
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from asgi_lambda.websockets import Connection, store_for
from tests.websockets.conftest import (
    Gateway,
    Handler,
    connect_event,
    disconnect_event,
    message_event,
)


class ChatRoom(WebSocketEndpoint):
    encoding = "text"

    async def on_connect(self, websocket: WebSocket) -> None:
        await websocket.accept()
        connection: Connection = websocket.scope["aws.websocket"]
        if connection.event_type == "CONNECT":
            connection.join(websocket.query_params.get("room", "lobby"))

    async def on_receive(self, websocket: WebSocket, data: Any) -> None:
        connection: Connection = websocket.scope["aws.websocket"]
        room = websocket.query_params.get("room", "lobby")
        text = f"{connection.connection_id}: {data}"
        delivered = connection.broadcast(room, text, exclude_self=True)
        await websocket.send_text(f"delivered to {delivered}")

    async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
        connection: Connection = websocket.scope["aws.websocket"]
        if connection.event_type == "DISCONNECT":  # not just the end of one message's run
            room = websocket.query_params.get("room", "lobby")
            connection.broadcast(room, f"{connection.connection_id} left ({close_code})")


app = Starlette(routes=[WebSocketRoute("/", ChatRoom)])


@pytest.fixture
def chat(make_handler: Callable[..., Handler]) -> Handler:
    handler = make_handler(app)
    for connection_id in ("alice", "bob", "carol"):
        assert handler(connect_event(connection_id, query={"room": ["lobby"]})) == {
            "statusCode": 200
        }
    assert handler(connect_event("dave", query={"room": ["kitchen"]})) == {"statusCode": 200}
    return handler


def test_three_connections_join_the_room(chat: Handler, dsn: str) -> None:
    assert sorted(store_for(dsn).members("lobby")) == ["alice", "bob", "carol"]
    assert store_for(dsn).members("kitchen") == ["dave"]


def test_a_message_reaches_the_other_two_and_the_sender_gets_an_ack(
    chat: Handler, gateway: Gateway
) -> None:
    assert chat(message_event("alice", "hello")) == {"statusCode": 200}
    assert gateway.to("bob") == [b"alice: hello"]
    assert gateway.to("carol") == [b"alice: hello"]
    assert gateway.to("alice") == [b"delivered to 2"]
    assert gateway.to("dave") == []


def test_a_gone_client_is_pruned_from_the_room(chat: Handler, gateway: Gateway, dsn: str) -> None:
    gateway.gone.add("carol")
    chat(message_event("alice", "anyone there?"))
    assert gateway.to("bob") == [b"alice: anyone there?"]
    assert gateway.to("alice") == [b"delivered to 1"]
    assert sorted(store_for(dsn).members("lobby")) == ["alice", "bob"]
    assert store_for(dsn).load("carol") is None


def test_disconnect_removes_the_state_and_tells_the_room(
    chat: Handler, gateway: Gateway, dsn: str
) -> None:
    assert chat(disconnect_event("bob", 1001)) == {"statusCode": 200}
    assert store_for(dsn).load("bob") is None
    assert sorted(store_for(dsn).members("lobby")) == ["alice", "carol"]
    assert gateway.to("alice") == [b"bob left (1001)"]
    assert gateway.to("bob") == []


def test_messages_after_a_disconnect_reach_only_who_is_left(
    chat: Handler, gateway: Gateway
) -> None:
    chat(disconnect_event("bob", 1000))
    chat(message_event("carol", "just us"))
    assert gateway.to("alice")[-1] == b"carol: just us"
    assert gateway.to("bob") == []
