"""ASGI middleware inside the app: Starlette's ``GZipMiddleware`` and ``CORSMiddleware`` wrapping
an app (declared on a Starlette app, and wrapped around a bare ASGI app by hand)."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, StreamingResponse
from starlette.routing import Route

from asgi_lambda import asgi_handler
from asgi_lambda._types import Receive, Scope, Send
from tests.frameworks.helpers import SOURCES, WITH_ALB, Handler, call

LONG_TEXT = "All work and no play makes Jack a dull boy.\n" * 100
ORIGIN = "https://app.example.com"


async def long_text(request: Request) -> PlainTextResponse:
    return PlainTextResponse(LONG_TEXT)


async def short_text(request: Request) -> PlainTextResponse:
    return PlainTextResponse("short")


async def stream(request: Request) -> StreamingResponse:
    async def chunks() -> AsyncIterator[str]:
        for _ in range(100):
            yield "All work and no play makes Jack a dull boy.\n"

    return StreamingResponse(chunks(), media_type="text/plain")


def starlette_app() -> Starlette:
    return Starlette(
        routes=[Route("/long", long_text), Route("/short", short_text), Route("/stream", stream)],
        middleware=[
            Middleware(
                CORSMiddleware,
                allow_origins=[ORIGIN],
                allow_methods=["GET", "POST"],
                allow_headers=["content-type"],
                allow_credentials=True,
            ),
            Middleware(GZipMiddleware, minimum_size=500),
        ],
    )


async def bare_app(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain; charset=utf-8")],
        }
    )
    await send({"type": "http.response.body", "body": LONG_TEXT.encode()})


@pytest.fixture
def handler() -> Handler:
    return asgi_handler(starlette_app(), lifespan="off")


@pytest.fixture(params=WITH_ALB)
def source(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_gzip_middleware_compresses_and_the_body_travels_as_base64(
    handler: Handler, source: str
) -> None:
    reply = call(handler, source, path="/long", headers=[("accept-encoding", "gzip")])
    assert reply.header("content-encoding") == "gzip"
    assert reply.raw["isBase64Encoded"] is True
    assert gzip.decompress(reply.body).decode() == LONG_TEXT


def test_gzip_middleware_output_is_not_compressed_twice(handler: Handler) -> None:
    reply = call(handler, "http-api-v2", path="/long", headers=[("accept-encoding", "gzip, br")])
    assert reply.headers["content-encoding"] == ["gzip"]
    assert gzip.decompress(reply.body).decode() == LONG_TEXT


def test_gzip_middleware_leaves_small_bodies_as_text(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/short", headers=[("accept-encoding", "gzip")])
    assert reply.header("content-encoding") is None
    assert reply.raw["isBase64Encoded"] is False
    assert reply.text == "short"


def test_gzip_middleware_compresses_a_streamed_response(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/stream", headers=[("accept-encoding", "gzip")])
    assert reply.header("content-encoding") == "gzip"
    assert gzip.decompress(reply.body).decode() == LONG_TEXT


def test_without_accept_encoding_the_body_is_plain_text(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/long")
    assert reply.header("content-encoding") is None
    assert reply.text == LONG_TEXT


def test_gzip_middleware_around_a_bare_app_with_adapter_compression_off(source: str) -> None:
    handler = asgi_handler(GZipMiddleware(bare_app), lifespan="off", compression=False)
    reply = call(handler, source, path="/", headers=[("accept-encoding", "gzip")])
    assert reply.header("content-encoding") == "gzip"
    assert gzip.decompress(reply.body).decode() == LONG_TEXT


def test_cors_preflight_is_answered_by_the_middleware(handler: Handler, source: str) -> None:
    reply = call(
        handler,
        source,
        "OPTIONS",
        "/long",
        headers=[
            ("origin", ORIGIN),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type"),
        ],
    )
    assert reply.status == 200
    assert reply.header("access-control-allow-origin") == ORIGIN
    assert reply.header("access-control-allow-credentials") == "true"
    assert "POST" in str(reply.header("access-control-allow-methods"))


def test_cors_preflight_from_an_unknown_origin_is_refused(handler: Handler) -> None:
    reply = call(
        handler,
        "http-api-v2",
        "OPTIONS",
        "/long",
        headers=[("origin", "https://evil.example.com"), ("access-control-request-method", "POST")],
    )
    assert reply.status == 400
    assert reply.header("access-control-allow-origin") is None


def test_cors_headers_are_added_to_a_simple_request(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/short", headers=[("origin", ORIGIN)])
    assert reply.text == "short"
    assert reply.header("access-control-allow-origin") == ORIGIN


@pytest.mark.parametrize("source", SOURCES)
def test_vary_header_values_from_both_middlewares_survive(source: str) -> None:
    handler = asgi_handler(starlette_app(), lifespan="off")
    reply = call(
        handler, source, path="/long", headers=[("origin", ORIGIN), ("accept-encoding", "gzip")]
    )
    vary = ", ".join(reply.headers["vary"]).lower()
    assert "origin" in vary
    assert "accept-encoding" in vary
