"""A backend that stops answering still lets every WebSocket invocation answer inside 29 s.

Measured before the bounds: a frozen Redis held ``$connect`` for 30.6 s, DynamoDB 40 s, S3 44 s
(botocore's 60 s timeouts and retries), and an already-open PostgreSQL connection forever.  The
real server sits behind a proxy that freezes (open sockets, nothing answered), as a stopped
process or a partition looks to a client.
"""

from __future__ import annotations

import importlib
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from asgi_lambda import asgi_handler
from asgi_lambda._context import LambdaContext
from asgi_lambda._types import Receive, Scope, Send
from tests.websockets.conftest import connect_event
from tests.websockets.freezable_proxy import FreezableProxy

# API Gateway gives up on an integration after 29 s; answering well inside it leaves room.
ANSWER_WITHIN = 12.0


async def accepting_app(scope: Scope, receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept"})


@pytest.fixture
def proxy_to(request: pytest.FixtureRequest) -> Iterator[Any]:
    proxies: list[FreezableProxy] = []

    def make(url: str) -> FreezableProxy:
        parts = urlsplit(url)
        proxies.append(FreezableProxy(parts.hostname or "127.0.0.1", parts.port or 0))
        return proxies[-1]

    yield make
    for proxy in proxies:
        proxy.close()


def _dsn(backend: str, proxy_to: Any, request: pytest.FixtureRequest) -> tuple[str, Any]:
    name = f"frozen{uuid.uuid4().hex[:12]}"
    if backend == "redis":
        proxy = proxy_to(request.getfixturevalue("redis_url"))
        return f"redis://127.0.0.1:{proxy.port}/0?prefix={name}:", proxy
    if backend == "postgresql":
        proxy = proxy_to(request.getfixturevalue("postgres_url"))
        return f"postgresql://postgres@127.0.0.1:{proxy.port}/postgres?table={name}", proxy
    moto = request.getfixturevalue("moto_endpoint")
    proxy = proxy_to(moto)
    endpoint = f"http://127.0.0.1:{proxy.port}"
    if backend == "dynamodb":
        return f"dynamodb://{name}?region=us-east-1&endpoint_url={endpoint}", proxy
    boto3: Any = importlib.import_module("boto3")
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=moto)
    client.create_bucket(Bucket=name)
    client.close()
    return f"s3://{name}/ws?region=us-east-1&endpoint_url={endpoint}", proxy


def connect_when_frozen(
    backend: str, app: Any, proxy_to: Any, request: pytest.FixtureRequest
) -> tuple[Any, float]:
    """A ``$connect`` once the backend froze: (the answer, seconds it took).

    A working connection first, so the frozen one is already open (pooled, kept alive)."""
    dsn, proxy = _dsn(backend, proxy_to, request)
    moto = request.getfixturevalue("moto_endpoint")
    handler = asgi_handler(app, lifespan="off", dsn=dsn, api_gateway_endpoint_url=moto)
    assert handler(connect_event("conn-before"), None) == {"statusCode": 200}
    proxy.freeze()
    start = time.monotonic()
    answer = handler(connect_event("conn-frozen"), None)
    return answer, time.monotonic() - start


@pytest.mark.parametrize("backend", ["redis", "postgresql", "dynamodb", "s3"])
def test_connect_answers_500_well_inside_29_s_when_the_backend_freezes(
    backend: str, proxy_to: Any, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    answer, took = connect_when_frozen(backend, accepting_app, proxy_to, request)
    with capsys.disabled():
        print(f"\n{backend} frozen: $connect answered {answer} in {took:.1f} s")
    assert answer == {"statusCode": 500}
    assert took < ANSWER_WITHIN


def test_a_frozen_store_cannot_hold_an_invocation_past_a_short_deadline(
    proxy_to: Any, request: pytest.FixtureRequest
) -> None:
    dsn, proxy = _dsn("redis", proxy_to, request)
    moto = request.getfixturevalue("moto_endpoint")
    handler = asgi_handler(accepting_app, lifespan="off", dsn=dsn, api_gateway_endpoint_url=moto)
    assert handler(connect_event("conn-before"), None) == {"statusCode": 200}
    proxy.freeze()
    start = time.monotonic()
    answer = handler(connect_event("conn-frozen"), LambdaContext(timeout=1.5))  # store bound: ~4 s
    took = time.monotonic() - start
    assert answer == {"statusCode": 504}
    assert 0.8 < took < 1.4


async def joining_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Joins a group on $connect, as the chat example does: the join is the first store call."""
    await receive()
    scope["aws.websocket"].join("lobby")
    await send({"type": "websocket.accept"})


# What one call's bound costs (docs/websocket-backends.md), and a margin for a loaded machine.
ONE_BOUND = {"redis": 4.1, "postgresql": 4.0, "dynamodb": 6.0, "s3": 9.1}
MARGIN = 1.5


@pytest.mark.parametrize("backend", ["redis", "postgresql", "dynamodb", "s3"])
def test_an_outage_costs_an_invocation_one_bound_not_one_per_call(
    backend: str, proxy_to: Any, request: pytest.FixtureRequest
) -> None:
    # The app's join fails, then the clean-up of the half-made connection would wait again.
    answer, took = connect_when_frozen(backend, joining_app, proxy_to, request)
    assert answer == {"statusCode": 500}
    assert took < ONE_BOUND[backend] + MARGIN
