"""Stored connections expire after API Gateway's two-hour maximum, on every backend."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest

from asgi_lambda._types import Receive, Scope, Send
from asgi_lambda.websockets import store_for
from asgi_lambda.websockets._scope import CONNECTION_TTL, dump_scope, load_scope
from tests.websockets.conftest import Handler, connect_event, message_event

MakeHandler = Callable[..., Handler]


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
        elif message["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": message["text"]})
        else:
            return


def _stored_scope(dsn: str, connection_id: str) -> dict[str, object]:
    text = store_for(dsn).load(connection_id)
    assert text is not None
    stored: dict[str, object] = json.loads(text)
    return stored


def test_a_stored_scope_says_when_it_expires(make_handler: MakeHandler, dsn: str) -> None:
    make_handler(echo)(connect_event("conn-a"))
    expires = _stored_scope(dsn, "conn-a")["expires"]
    assert isinstance(expires, int)
    assert abs(expires - (time.time() + CONNECTION_TTL)) < 5


def test_a_scope_past_its_expiry_loads_as_gone() -> None:
    scope = {
        "http_version": "1.1",
        "scheme": "wss",
        "path": "/",
        "raw_path": b"/",
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "client": None,
        "server": None,
        "subprotocols": [],
    }
    text = dump_scope(scope, now=time.time() - CONNECTION_TTL - 1)
    assert load_scope(text) is None
    assert load_scope(dump_scope(scope)) is not None


def test_a_message_for_a_connection_whose_disconnect_never_arrived_answers_410_and_forgets_it(
    make_handler: MakeHandler, dsn: str, monkeypatch: pytest.MonkeyPatch, gateway: object
) -> None:
    handler = make_handler(echo)
    handler(connect_event("conn-a"))
    later = time.time() + CONNECTION_TTL + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert handler(message_event("conn-a", "hi")) == {"statusCode": 410}
    assert store_for(dsn).load("conn-a") is None
