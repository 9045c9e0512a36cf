"""WebSocket fixtures: events for one connection, and a record of what reached API Gateway.

The Management API is moto's, in server mode on loopback.  Its server thread runs in this process,
so ``gateway`` wraps moto's in-process backend to record every post and delete, and to answer 410
GoneException (or 403) for connections a test marks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from moto.apigatewaymanagementapi.models import ApiGatewayManagementApiBackend
from moto.core.exceptions import JsonRESTError

from asgi_lambda import asgi_handler
from asgi_lambda.websockets import store_for
from tests.conftest import load_event


class _Gone(JsonRESTError):
    code = 410


class _Forbidden(JsonRESTError):
    code = 403


@dataclass
class Gateway:
    """What the app's connections received through the Management API."""

    posted: list[tuple[str, bytes]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)
    forbidden: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, connection_id: str) -> list[bytes]:
        with self.lock:
            return [data for target, data in self.posted if target == connection_id]

    def targets(self) -> set[str]:
        with self.lock:
            return {target for target, _ in self.posted}


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Gateway:
    record = Gateway()

    def post_to_connection(self: Any, data: bytes, connection_id: str) -> None:
        connection_id = unquote(connection_id)
        if connection_id in record.gone:
            raise _Gone("GoneException", f"connection {connection_id} is gone")
        if connection_id in record.forbidden:
            raise _Forbidden("ForbiddenException", "not allowed")
        with record.lock:
            record.posted.append((connection_id, bytes(data)))

    def delete_connection(self: Any, connection_id: str) -> None:
        connection_id = unquote(connection_id)
        if connection_id in record.gone:
            raise _Gone("GoneException", f"connection {connection_id} is gone")
        with record.lock:
            record.deleted.append(connection_id)

    monkeypatch.setattr(ApiGatewayManagementApiBackend, "post_to_connection", post_to_connection)
    monkeypatch.setattr(ApiGatewayManagementApiBackend, "delete_connection", delete_connection)
    return record


@pytest.fixture
def dsn(tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite store per test (stores are cached per dsn, so the path must be unique)."""
    value = f"sqlite:///{tmp_path}/connections.db"
    yield value
    store_for(value).close()


Handler = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture
def make_handler(moto_endpoint: str, dsn: str) -> Callable[..., Handler]:
    """``asgi_handler(app)`` wired to moto and the test's store, called as ``handler(event)``."""

    def make(app: Any, **options: Any) -> Handler:
        options.setdefault("dsn", dsn)
        options.setdefault("api_gateway_endpoint_url", moto_endpoint)
        options.setdefault("lifespan", "off")
        handler = asgi_handler(app, **options)
        return lambda event: handler(event, None)

    return make


def connect_event(
    connection_id: str,
    *,
    headers: dict[str, list[str]] | None = None,
    query: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    event = load_event("go-apigw-websocket-request")
    event["requestContext"]["connectionId"] = connection_id
    if headers is not None:
        event["multiValueHeaders"] = headers
        event["headers"] = {name: values[-1] for name, values in headers.items()}
    if query is not None:
        event["multiValueQueryStringParameters"] = query
        event["queryStringParameters"] = {name: values[-1] for name, values in query.items()}
    # real $connect events carry no path: the sample's comes from a REST event
    event.pop("path", None)
    return event


def message_event(connection_id: str, body: str, *, base64: bool = False) -> dict[str, Any]:
    event = load_event("go-apigw-websocket-request-send-message")
    event["requestContext"]["connectionId"] = connection_id
    event["body"] = body
    event["isBase64Encoded"] = base64
    return event


def disconnect_event(connection_id: str, code: int | None = 1001) -> dict[str, Any]:
    event = load_event("go-apigw-websocket-request-disconnect")
    event["requestContext"]["connectionId"] = connection_id
    if code is None:
        del event["requestContext"]["disconnectStatusCode"]
    else:
        event["requestContext"]["disconnectStatusCode"] = code
    return event
