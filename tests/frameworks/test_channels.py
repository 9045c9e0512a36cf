"""Django Channels on Lambda: HTTP through ``ProtocolTypeRouter`` (Django views and an
``AsyncHttpConsumer``), and an ``AsyncWebsocketConsumer`` behind an API Gateway WebSocket API.

The Django settings are the shared minimal ones (tests/frameworks/apps/django_setup.py); no
``CHANNEL_LAYERS`` is configured, so consumers have no channel layer: on Lambda, groups and
broadcasting go through ``scope["aws.websocket"]`` (asgi_lambda.websockets) instead.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from channels.generic.http import AsyncHttpConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls import path, re_path

from asgi_lambda import asgi_handler
from tests.frameworks.apps import django_setup
from tests.frameworks.helpers import SOURCES, Handler, call, cookie_names
from tests.websockets.conftest import Gateway, connect_event, disconnect_event, message_event


class HelloConsumer(AsyncHttpConsumer):
    async def handle(self, body: bytes) -> None:
        name = self.scope["url_route"]["kwargs"]["name"]
        if name == "boom":
            raise RuntimeError("consumer failed")
        payload = json.dumps({"hello": name, "body": body.decode()}).encode()
        await self.send_response(
            200,
            payload,
            headers=[
                (b"content-type", b"application/json"),
                (b"set-cookie", b"session=abc123; HttpOnly"),
                (b"set-cookie", b"theme=dark"),
            ],
        )


class StreamConsumer(AsyncHttpConsumer):
    async def handle(self, body: bytes) -> None:
        await self.send_headers(headers=[(b"content-type", b"text/plain")])
        for number in range(5):
            await self.send_body(f"chunk {number}\n".encode(), more_body=True)
        await self.send_body(b"")


class EchoConsumer(AsyncWebsocketConsumer):
    calls: list[tuple[str, str]] = []  # (consumer method, the event type it ran for)

    async def connect(self) -> None:
        self.calls.append(("connect", self.scope["aws.websocket"].event_type))
        if self.scope["query_string"] == b"deny=1":
            await self.close()
            return
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.send(text_data=f"echo: {text_data}")
        if text_data == "bye":
            await self.close(code=4000)

    async def disconnect(self, code: int) -> None:
        self.calls.append(("disconnect", self.scope["aws.websocket"].event_type))


@pytest.fixture(scope="module")
def router() -> ProtocolTypeRouter:
    django_setup.configure()
    from django.core.asgi import get_asgi_application

    django_app = get_asgi_application()
    return ProtocolTypeRouter(
        {
            "http": URLRouter(
                [
                    path("hello/<name>", HelloConsumer.as_asgi()),
                    path("stream", StreamConsumer.as_asgi()),
                    re_path(r"", django_app),
                ]
            ),
            "websocket": URLRouter([re_path(r"", EchoConsumer.as_asgi())]),
        }
    )


@pytest.fixture(autouse=True)
def consumer_calls() -> list[tuple[str, str]]:
    EchoConsumer.calls = []
    return EchoConsumer.calls


@pytest.fixture
def handler(router: ProtocolTypeRouter) -> Handler:
    return asgi_handler(router)


def test_django_view_is_served_through_the_router(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/items/42", query="q=red%20shoes&page=3")
    assert reply.status == 200
    assert reply.json() == {"item_id": 42, "q": "red shoes", "page": "3"}


def test_async_http_consumer_gets_route_kwargs_and_body(handler: Handler, source: str) -> None:
    reply = call(handler, source, "POST", "/hello/ada", body=b"ping")
    assert reply.status == 200
    assert reply.json() == {"hello": "ada", "body": "ping"}


def test_two_cookies_from_a_consumer_both_survive(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/hello/ada")
    assert cookie_names(reply) == ["session", "theme"]


def test_streamed_consumer_body_is_collected_whole(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/stream")
    assert reply.status == 200
    assert reply.text == "".join(f"chunk {n}\n" for n in range(5))


def test_exception_in_a_consumer_is_a_500(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/hello/boom")
    assert reply.status == 500


def test_unknown_path_falls_through_to_django_and_is_a_404(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/nope")
    assert reply.status == 404


def test_router_without_lifespan_is_served_with_lifespan_auto_and_no_warnings(
    router: ProtocolTypeRouter, caplog: pytest.LogCaptureFixture
) -> None:
    handler = asgi_handler(router, lifespan="auto")
    with caplog.at_level(logging.DEBUG, logger="asgi_lambda"):
        replies = [call(handler, source, path="/hello/ada") for source in SOURCES * 2]
    assert [reply.status for reply in replies] == [200] * 4
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_websocket_consumer_accepts_the_connection(
    router: ProtocolTypeRouter, make_handler: Callable[..., Any]
) -> None:
    handler = make_handler(router)
    assert handler(connect_event("conn-1")) == {"statusCode": 200}


def test_websocket_consumer_closing_in_connect_refuses_it(
    router: ProtocolTypeRouter, make_handler: Callable[..., Any]
) -> None:
    handler = make_handler(router)
    assert handler(connect_event("conn-2", query={"deny": ["1"]})) == {"statusCode": 403}


def test_websocket_message_is_answered_through_the_management_api(
    router: ProtocolTypeRouter, make_handler: Callable[..., Any], gateway: Gateway
) -> None:
    handler = make_handler(router)
    handler(connect_event("conn-3"))
    assert handler(message_event("conn-3", "hello")) == {"statusCode": 200}
    assert gateway.to("conn-3") == [b"echo: hello"]


def test_websocket_close_from_the_consumer_deletes_the_connection(
    router: ProtocolTypeRouter, make_handler: Callable[..., Any], gateway: Gateway
) -> None:
    handler = make_handler(router)
    handler(connect_event("conn-4"))
    handler(message_event("conn-4", "bye"))
    assert gateway.to("conn-4") == [b"echo: bye"]
    assert gateway.deleted == ["conn-4"]


def test_websocket_disconnect_is_acknowledged(
    router: ProtocolTypeRouter, make_handler: Callable[..., Any]
) -> None:
    handler = make_handler(router)
    handler(connect_event("conn-5"))
    assert handler(disconnect_event("conn-5", 1001)) == {"statusCode": 200}


def test_consumer_connect_runs_again_for_every_message(
    router: ProtocolTypeRouter,
    make_handler: Callable[..., Any],
    consumer_calls: list[tuple[str, str]],
) -> None:
    handler = make_handler(router)
    handler(connect_event("conn-6"))
    handler(message_event("conn-6", "one"))
    handler(message_event("conn-6", "two"))
    assert consumer_calls == [
        ("connect", "CONNECT"),
        ("connect", "MESSAGE"),
        ("connect", "MESSAGE"),
    ]


def test_consumer_disconnect_runs_only_on_the_real_disconnect(
    router: ProtocolTypeRouter,
    make_handler: Callable[..., Any],
    consumer_calls: list[tuple[str, str]],
) -> None:
    handler = make_handler(router)
    handler(connect_event("conn-7"))
    handler(message_event("conn-7", "one"))
    handler(disconnect_event("conn-7", 1001))
    assert [call for call in consumer_calls if call[0] == "disconnect"] == [
        ("disconnect", "DISCONNECT")
    ]
