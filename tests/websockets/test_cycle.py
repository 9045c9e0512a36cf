"""The WebSocket cycle (SPEC section 8): $connect, messages, $disconnect; raw and framework apps."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from starlette.applications import Starlette
from starlette.endpoints import WebSocketEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket as StarletteWebSocket

from asgi_lambda._lifespan import LifespanCycle
from asgi_lambda._options import build_options
from asgi_lambda._sources import detect
from asgi_lambda._types import Message, Receive, Scope, Send
from asgi_lambda.websockets import store_for
from asgi_lambda.websockets._handler import WebSocketHandler
from asgi_lambda.websockets._scope import dump_scope, load_scope
from asgi_lambda.websockets.backends._base import BackendUnavailableError
from asgi_lambda.websockets.backends.memory import MemoryStore
from tests.conftest import load_event
from tests.websockets.conftest import (
    Gateway,
    Handler,
    connect_event,
    disconnect_event,
    message_event,
)

MakeHandler = Callable[..., Handler]


class EchoApp:
    """Accepts (with ``subprotocol``), echoes every message, and records what each run saw."""

    def __init__(self, subprotocol: str | None = None) -> None:
        self.subprotocol = subprotocol
        self.scopes: list[Scope] = []
        self.runs: list[list[Message]] = []
        self.ended: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scopes.append(scope)
        seen: list[Message] = []
        self.runs.append(seen)
        try:
            while True:
                message = await receive()
                seen.append(message)
                if message["type"] == "websocket.connect":
                    await send({"type": "websocket.accept", "subprotocol": self.subprotocol})
                elif message["type"] == "websocket.receive":
                    echo = {k: v for k, v in message.items() if k in ("text", "bytes")}
                    await send({"type": "websocket.send", **echo})
                else:
                    self.ended.append("disconnect")
                    return
        except asyncio.CancelledError:
            self.ended.append("cancelled")
            raise


def test_websocket_events_are_detected_as_the_websocket_source() -> None:
    names = ("", "-send-message", "-disconnect")
    sources = [detect(load_event(f"go-apigw-websocket-request{name}")) for name in names]
    assert [(s.name, s.kind) for s in sources] == [("websocket", "websocket")] * 3


def test_connect_accepted_answers_200_and_stores_the_scope(
    make_handler: MakeHandler, dsn: str
) -> None:
    app = EchoApp()
    response = make_handler(app)(connect_event("conn-a"))
    assert response == {"statusCode": 200}
    assert app.runs == [[{"type": "websocket.connect"}]]
    stored = store_for(dsn).load("conn-a")
    assert stored is not None
    assert load_scope(stored)["path"] == "/"


def test_connect_scope_carries_the_handshake(make_handler: MakeHandler) -> None:
    app = EchoApp()
    event = connect_event(
        "conn-a",
        headers={
            "Host": ["abc.execute-api.eu-west-1.amazonaws.com"],
            "X-Multi": ["one", "two"],
            "Sec-WebSocket-Protocol": ["chat, superchat"],
        },
        query={"room": ["lobby"], "tag": ["a b", "c&d"]},
    )
    make_handler(app)(event)
    scope = app.scopes[0]
    assert scope["type"] == "websocket"
    assert scope["scheme"] == "wss"
    assert (scope["path"], scope["raw_path"], scope["root_path"]) == ("/", b"/", "")
    assert scope["query_string"] == b"room=lobby&tag=a+b&tag=c%26d"
    assert [(k, v) for k, v in scope["headers"] if k == b"x-multi"] == [
        (b"x-multi", b"one"),
        (b"x-multi", b"two"),
    ]
    assert scope["subprotocols"] == ["chat", "superchat"]
    assert scope["client"] == ("192.168.196.186", 0)
    assert scope["server"] == ("abc.execute-api.eu-west-1.amazonaws.com", 443)
    assert scope["aws.event"] is event
    assert scope["aws.websocket"].event_type == "CONNECT"


def test_connect_with_a_chosen_subprotocol_returns_it_in_the_headers(
    make_handler: MakeHandler,
) -> None:
    event = connect_event("conn-a", headers={"Sec-WebSocket-Protocol": ["chat, superchat"]})
    response = make_handler(EchoApp(subprotocol="superchat"))(event)
    assert response == {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "superchat"}}


def test_connect_accept_headers_are_returned(make_handler: MakeHandler) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept", "headers": [(b"x-room", b"lobby")]})

    assert make_handler(app)(connect_event("conn-a")) == {
        "statusCode": 200,
        "headers": {"x-room": "lobby"},
    }


def test_connect_closed_by_the_app_answers_403_and_stores_nothing(
    make_handler: MakeHandler, dsn: str
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.close", "code": 1008})

    assert make_handler(app)(connect_event("conn-a")) == {"statusCode": 403}
    assert store_for(dsn).load("conn-a") is None


def test_connect_app_returning_without_accepting_answers_403(make_handler: MakeHandler) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()

    assert make_handler(app)(connect_event("conn-a")) == {"statusCode": 403}


def test_connect_denial_response_answers_with_its_status_and_body(
    make_handler: MakeHandler,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert "websocket.http.response" in scope["extensions"]
        await receive()
        start = {"status": 401, "headers": [(b"www-authenticate", b"Bearer")]}
        await send({"type": "websocket.http.response.start", **start})
        await send({"type": "websocket.http.response.body", "body": b"token required"})

    assert make_handler(app)(connect_event("conn-a")) == {
        "statusCode": 401,
        "headers": {"www-authenticate": "Bearer"},
        "body": "token required",
    }


def test_sends_during_connect_are_dropped_with_a_warning(
    make_handler: MakeHandler, gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "welcome"})

    assert make_handler(app)(connect_event("conn-a")) == {"statusCode": 200}
    assert gateway.posted == []
    assert "dropped 1 message(s) sent during $connect" in caplog.text


def test_message_text_reaches_the_app_after_an_absorbed_connect(
    make_handler: MakeHandler, gateway: Gateway
) -> None:
    app = EchoApp()
    handler = make_handler(app)
    handler(connect_event("conn-a"))
    assert handler(message_event("conn-a", "hello")) == {"statusCode": 200}
    assert app.runs[1] == [
        {"type": "websocket.connect"},
        {"type": "websocket.receive", "text": "hello"},
    ]
    assert gateway.posted == [("conn-a", b"hello")]


def test_base64_message_reaches_the_app_as_bytes(
    make_handler: MakeHandler, gateway: Gateway
) -> None:
    app = EchoApp()
    handler = make_handler(app)
    handler(connect_event("conn-a"))
    data = bytes(range(256))
    handler(message_event("conn-a", base64.b64encode(data).decode(), base64=True))
    assert app.runs[1][1] == {"type": "websocket.receive", "bytes": data}
    assert gateway.to("conn-a") == [data]


def test_message_scope_is_the_stored_connect_scope_with_this_event(
    make_handler: MakeHandler,
) -> None:
    app = EchoApp()
    handler = make_handler(app)
    handler(connect_event("conn-a", headers={"X-Token": ["t1"]}, query={"room": ["lobby"]}))
    event = message_event("conn-a", "hi")
    handler(event)
    connect_scope, message_scope = app.scopes
    for key in ("path", "query_string", "headers", "client", "server", "subprotocols", "scheme"):
        assert message_scope[key] == connect_scope[key]
    assert message_scope["aws.event"] is event
    assert message_scope["aws.websocket"].event_type == "MESSAGE"
    assert "extensions" not in message_scope


def test_app_waiting_for_the_next_message_is_cancelled_not_disconnected(
    make_handler: MakeHandler,
) -> None:
    app = EchoApp()
    handler = make_handler(app)
    handler(connect_event("conn-a"))
    handler(message_event("conn-a", "hi"))
    assert app.ended == ["cancelled", "cancelled"]
    assert all(m["type"] != "websocket.disconnect" for run in app.runs for m in run)


def test_a_send_scheduled_just_before_the_app_waits_still_goes_out(
    make_handler: MakeHandler, gateway: Gateway
) -> None:
    background: list[asyncio.Future[None]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        if (await receive())["type"] == "websocket.receive":

            async def later() -> None:
                await asyncio.sleep(0)  # e.g. an uncontended lock: ready at once
                await asyncio.sleep(0)
                await send({"type": "websocket.send", "text": "late"})

            background.append(asyncio.ensure_future(later()))
            await receive()

    handler = make_handler(app)
    handler(connect_event("conn-a"))
    assert handler(message_event("conn-a", "hi")) == {"statusCode": 200}
    assert gateway.to("conn-a") == [b"late"]


def test_send_goes_to_the_connection_that_sent_the_message(
    make_handler: MakeHandler, gateway: Gateway
) -> None:
    handler = make_handler(EchoApp())
    handler(connect_event("conn-a"))
    handler(connect_event("conn-b"))
    handler(message_event("conn-b", "for b"))
    assert gateway.posted == [("conn-b", b"for b")]


def test_message_for_an_unknown_connection_answers_410_without_running_the_app(
    make_handler: MakeHandler, caplog: pytest.LogCaptureFixture
) -> None:
    app = EchoApp()
    assert make_handler(app)(message_event("never-connected", "hi")) == {"statusCode": 410}
    assert app.runs == []
    assert "no stored scope for websocket connection never-connected" in caplog.text


def test_message_with_invalid_base64_answers_400(make_handler: MakeHandler) -> None:
    app = EchoApp()
    handler = make_handler(app)
    handler(connect_event("conn-a"))
    assert handler(message_event("conn-a", "not base64!", base64=True)) == {"statusCode": 400}
    assert len(app.runs) == 1


def test_close_during_a_message_deletes_the_connection(
    make_handler: MakeHandler, gateway: Gateway, dsn: str
) -> None:
    received: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        if (await receive())["type"] == "websocket.receive":
            await send({"type": "websocket.close", "code": 4000})
            received.append(await receive())

    handler = make_handler(app)
    handler(connect_event("conn-a"))
    assert handler(message_event("conn-a", "bye")) == {"statusCode": 200}
    assert gateway.deleted == ["conn-a"]
    assert store_for(dsn).load("conn-a") is None
    assert received == [{"type": "websocket.disconnect", "code": 4000}]


def test_disconnect_gives_the_close_code_and_removes_the_state(
    make_handler: MakeHandler, dsn: str
) -> None:
    app = EchoApp()
    handler = make_handler(app)
    handler(connect_event("conn-a"))
    store_for(dsn).join("room", "conn-a")
    assert handler(disconnect_event("conn-a", 1001)) == {"statusCode": 200}
    assert app.runs[1] == [
        {"type": "websocket.connect"},
        {"type": "websocket.disconnect", "code": 1001, "reason": ""},
    ]
    assert app.ended[-1] == "disconnect"
    assert store_for(dsn).load("conn-a") is None
    assert store_for(dsn).members("room") == []


def test_disconnect_without_a_status_code_reports_1005(make_handler: MakeHandler) -> None:
    app = EchoApp()
    handler = make_handler(app)
    handler(connect_event("conn-a"))
    handler(disconnect_event("conn-a", None))
    assert app.runs[1][1]["code"] == 1005


def test_sends_during_disconnect_are_not_posted(
    make_handler: MakeHandler, gateway: Gateway
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        if (await receive())["type"] == "websocket.disconnect":
            await send({"type": "websocket.send", "text": "too late"})

    handler = make_handler(app)
    handler(connect_event("conn-a"))
    assert handler(disconnect_event("conn-a")) == {"statusCode": 200}
    assert gateway.posted == []


def test_gone_connection_is_forgotten_and_the_app_sees_it_leave(
    make_handler: MakeHandler, gateway: Gateway, dsn: str
) -> None:
    app = EchoApp()
    handler = make_handler(app)
    handler(connect_event("conn-a"))
    gateway.gone.add("conn-a")
    assert handler(message_event("conn-a", "hi")) == {"statusCode": 200}
    assert store_for(dsn).load("conn-a") is None
    assert app.runs[1][-1] == {"type": "websocket.disconnect", "code": 1006}


def test_app_exception_during_a_message_answers_500_and_keeps_the_connection(
    make_handler: MakeHandler, dsn: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        if scope["aws.websocket"].event_type == "MESSAGE":
            raise ValueError("boom")

    handler = make_handler(app)
    handler(connect_event("conn-a"))
    assert handler(message_event("conn-a", "hi")) == {"statusCode": 500}
    assert "ValueError: boom" in caplog.text
    assert store_for(dsn).load("conn-a") is not None


def test_app_exception_during_connect_answers_500_and_stores_nothing(
    make_handler: MakeHandler, dsn: str
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        raise ValueError("boom")

    assert make_handler(app)(connect_event("conn-a")) == {"statusCode": 500}
    assert store_for(dsn).load("conn-a") is None


def test_app_exception_propagates_when_asked_after_removing_the_state(
    make_handler: MakeHandler, dsn: str
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        if scope["aws.websocket"].event_type == "DISCONNECT":
            raise ValueError("boom")

    handler = make_handler(app, propagate_exceptions=True)
    handler(connect_event("conn-a"))
    with pytest.raises(ValueError, match="boom"):
        handler(disconnect_event("conn-a"))
    assert store_for(dsn).load("conn-a") is None


class _DownStore(MemoryStore):
    """A store whose server is unreachable for the named operations."""

    def __init__(self, *down: str) -> None:
        super().__init__()
        self.down = set(down)

    def save(self, connection_id: str, data: str) -> None:
        self._fail("save")
        super().save(connection_id, data)

    def load(self, connection_id: str) -> str | None:
        self._fail("load")
        return super().load(connection_id)

    def _fail(self, operation: str) -> None:
        if operation in self.down:
            raise BackendUnavailableError("Connection refused (127.0.0.1:6379)")


def _handler_with(store: MemoryStore, app: Any, endpoint: str) -> Handler:
    options = build_options(api_gateway_endpoint_url=endpoint)
    handler = WebSocketHandler(app, options, store=store)
    return lambda event: handler(event, None)


def test_store_down_at_connect_answers_500_with_one_log_line(
    moto_endpoint: str, caplog: pytest.LogCaptureFixture
) -> None:
    handler = _handler_with(_DownStore("save"), EchoApp(), moto_endpoint)
    with caplog.at_level(logging.ERROR, logger="asgi_lambda"):
        assert handler(connect_event("conn-a")) == {"statusCode": 500}
    assert [r.getMessage() for r in caplog.records] == [
        "connection store unavailable while saving websocket connection conn-a: "
        "Connection refused (127.0.0.1:6379): answering 500"
    ]


def test_store_down_at_message_answers_500_and_loses_nothing(moto_endpoint: str) -> None:
    store = _DownStore()
    app = EchoApp()
    handler = _handler_with(store, app, moto_endpoint)
    handler(connect_event("conn-a"))
    store.down.add("load")
    assert handler(message_event("conn-a", "hi")) == {"statusCode": 500}
    store.down.clear()
    assert store.load("conn-a") is not None
    assert len(app.runs) == 1


def test_invalid_websocket_event_answers_400(make_handler: MakeHandler) -> None:
    event = connect_event("conn-a")
    event["requestContext"]["eventType"] = "RECONNECT"
    assert make_handler(EchoApp())(event) == {"statusCode": 400}


def test_stored_scope_round_trips_every_byte() -> None:
    scope: Scope = {
        "http_version": "1.1",
        "scheme": "wss",
        "path": "/caf\u00e9",
        "raw_path": b"/caf%C3%A9",
        "root_path": "",
        "query_string": b"q=%FF",
        "headers": [(b"x-bin", bytes(range(128, 256)))],
        "client": ("10.0.0.1", 0),
        "server": None,
        "subprotocols": ["chat"],
    }
    restored = load_scope(dump_scope(scope))
    assert {k: restored[k] for k in scope} == scope


def test_starlette_websocket_endpoint_echoes_and_sees_the_real_disconnect(
    make_handler: MakeHandler, gateway: Gateway
) -> None:
    ended: list[tuple[str, int]] = []

    class Echo(WebSocketEndpoint):
        encoding = "text"

        async def on_receive(self, websocket: WebSocket, data: Any) -> None:
            await websocket.send_text(f"echo: {data}")

        async def on_disconnect(self, websocket: WebSocket, close_code: int) -> None:
            ended.append((websocket.scope["aws.websocket"].event_type, close_code))

    handler = make_handler(Starlette(routes=[WebSocketRoute("/", Echo)]))
    assert handler(connect_event("conn-a")) == {"statusCode": 200}
    assert handler(message_event("conn-a", "hi")) == {"statusCode": 200}
    assert handler(disconnect_event("conn-a", 1001)) == {"statusCode": 200}
    assert gateway.to("conn-a") == [b"echo: hi"]
    # on_disconnect runs from a finally block, so also when a run ends; event_type tells them apart
    assert ended == [("CONNECT", 1000), ("MESSAGE", 1000), ("DISCONNECT", 1001)]


def test_fastapi_websocket_loop_gets_messages_and_only_the_real_disconnect(
    make_handler: MakeHandler, gateway: Gateway
) -> None:
    app = FastAPI()
    left: list[int] = []

    @app.websocket("/")
    async def chat(websocket: WebSocket, room: str = "lobby") -> None:
        await websocket.accept()
        try:
            while True:
                text = await websocket.receive_text()
                await websocket.send_text(f"{room}: {text}")
        except WebSocketDisconnect as exc:
            left.append(exc.code)

    handler = make_handler(app)
    assert handler(connect_event("conn-a", query={"room": ["kitchen"]})) == {"statusCode": 200}
    assert handler(message_event("conn-a", "hi")) == {"statusCode": 200}
    assert handler(message_event("conn-a", "again")) == {"statusCode": 200}
    assert left == []
    assert handler(disconnect_event("conn-a", 1001)) == {"statusCode": 200}
    assert gateway.to("conn-a") == [b"kitchen: hi", b"kitchen: again"]
    assert left == [1001]


def test_lifespan_startup_runs_once_and_its_state_reaches_every_run(
    moto_endpoint: str, gateway: Gateway
) -> None:
    startups: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, str]]:
        startups.append("up")
        yield {"greeting": "hello from startup"}

    async def greet(websocket: StarletteWebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()
        await websocket.send_text(websocket.state.greeting)

    app = Starlette(routes=[WebSocketRoute("/", greet)], lifespan=lifespan)
    options = build_options(api_gateway_endpoint_url=moto_endpoint)
    cycle = LifespanCycle(app, "on")
    handler = WebSocketHandler(app, options, store=MemoryStore(), lifespan=cycle)
    handler(connect_event("conn-a"), None)
    assert handler(message_event("conn-a", "hi"), None) == {"statusCode": 200}
    assert gateway.to("conn-a") == [b"hello from startup"]
    assert startups == ["up"]


def test_failed_lifespan_startup_answers_500_without_running_the_app(moto_endpoint: str) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.failed", "message": "no database"})
            return
        raise AssertionError("the app must not run")

    options = build_options(api_gateway_endpoint_url=moto_endpoint)
    handler = WebSocketHandler(app, options, store=MemoryStore(), lifespan=LifespanCycle(app, "on"))
    assert handler(connect_event("conn-a"), None) == {"statusCode": 500}


def test_close_in_a_finally_block_does_not_close_the_connection_after_a_message(
    make_handler: MakeHandler, gateway: Gateway, dsn: str
) -> None:
    app = FastAPI()

    @app.websocket("/")
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        try:
            while True:
                await websocket.send_text(await websocket.receive_text())
        finally:
            await websocket.close()

    handler = make_handler(app)
    handler(connect_event("conn-a"))
    assert handler(message_event("conn-a", "hi")) == {"statusCode": 200}
    assert gateway.deleted == []
    assert store_for(dsn).load("conn-a") is not None


def test_receive_during_teardown_ends_the_run_instead_of_hanging(
    make_handler: MakeHandler,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        try:
            while True:
                await receive()
        finally:
            await receive()

    handler = make_handler(app)
    handler(connect_event("conn-a"))
    assert handler(message_event("conn-a", "hi")) == {"statusCode": 200}


def test_subprotocol_header_set_by_the_app_is_not_duplicated(make_handler: MakeHandler) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        header = (b"sec-websocket-protocol", b"chat")
        await send({"type": "websocket.accept", "subprotocol": "chat", "headers": [header]})

    event = connect_event("conn-a", headers={"Sec-WebSocket-Protocol": ["chat"]})
    assert make_handler(app)(event) == {
        "statusCode": 200,
        "headers": {"Sec-WebSocket-Protocol": "chat"},
    }


def test_http_and_websocket_invocations_share_one_lifespan_startup(
    make_handler: MakeHandler, gateway: Gateway
) -> None:
    startups: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, str]]:
        startups.append("up")
        yield {"greeting": "shared state"}

    async def greet(websocket: StarletteWebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()
        await websocket.send_text(websocket.state.greeting)

    async def page(request: Request) -> PlainTextResponse:
        return PlainTextResponse(request.state.greeting)

    app = Starlette(routes=[WebSocketRoute("/", greet), Route("/my/path", page)], lifespan=lifespan)
    handler = make_handler(app, lifespan="on")
    assert handler(load_event("pt-apiGatewayProxyV2Event_GET"))["body"] == "shared state"
    handler(connect_event("conn-a"))
    assert handler(message_event("conn-a", "hi")) == {"statusCode": 200}
    assert gateway.to("conn-a") == [b"shared state"]
    assert startups == ["up"]


def test_message_text_with_a_lone_surrogate_answers_400_without_the_app(
    make_handler: MakeHandler, gateway: Gateway
) -> None:
    app = EchoApp()
    handler = make_handler(app)
    handler(connect_event("conn-a"))
    assert handler(message_event("conn-a", "bad \ud800 text")) == {"statusCode": 400}
    assert len(app.runs) == 1  # only $connect ran
    assert gateway.posted == []


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ({"type": "websocket.send", "text": 5}, "text must be str, not int"),
        ({"type": "websocket.send", "bytes": "text"}, "bytes must be bytes, not str"),
    ],
)
def test_a_send_of_the_wrong_type_is_the_apps_error_not_converted(
    make_handler: MakeHandler,
    gateway: Gateway,
    caplog: pytest.LogCaptureFixture,
    message: dict[str, Any],
    named: str,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        if (await receive())["type"] == "websocket.receive":
            await send(message)

    handler = make_handler(app)
    handler(connect_event("conn-a"))
    answer = handler(message_event("conn-a", "hi"))
    assert answer["statusCode"] >= 500
    assert gateway.posted == []
    assert named in caplog.text
