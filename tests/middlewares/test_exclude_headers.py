"""exclude_headers: named headers never leave, whatever the source or the case of the name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from asgi_lambda import asgi_handler
from asgi_lambda._http.request import Request
from asgi_lambda._http.response import Response
from asgi_lambda._loop import run
from asgi_lambda._options import Options
from asgi_lambda._types import Receive, Scope, Send
from asgi_lambda.middlewares.exclude_headers import ExcludeHeaders

LoadEvent = Callable[[str], dict[str, Any]]


def excluded(
    names: tuple[str, ...], headers: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    request = Request(
        method="GET",
        path="/",
        raw_path=b"/",
        query_string=b"",
        headers=[],
        body=b"",
        source="alb",
        event={},
    )

    async def call_next(_: Request) -> Response:
        return Response(status=200, headers=list(headers))

    return run(ExcludeHeaders(Options(exclude_headers=names))(request, call_next)).headers


def test_named_header_is_removed() -> None:
    kept = excluded(("server",), [(b"server", b"uvicorn"), (b"content-type", b"text/plain")])
    assert kept == [(b"content-type", b"text/plain")]


def test_every_value_of_a_repeated_header_is_removed() -> None:
    kept = excluded(("x-debug",), [(b"x-debug", b"1"), (b"etag", b'"a"'), (b"x-debug", b"2")])
    assert kept == [(b"etag", b'"a"')]


def test_names_match_whatever_their_case() -> None:
    kept = excluded(("X-Powered-By",), [(b"X-POWERED-BY", b"php"), (b"vary", b"origin")])
    assert kept == [(b"vary", b"origin")]


def test_other_headers_keep_their_order_and_values() -> None:
    headers = [(b"set-cookie", b"a=1"), (b"server", b"x"), (b"set-cookie", b"b=2")]
    assert excluded(("server",), headers) == [(b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]


async def _app(scope: Scope, receive: Receive, send: Send) -> None:
    headers = [(b"content-type", b"text/plain"), (b"server", b"app"), (b"x-internal", b"secret")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


def response_header_names(result: dict[str, Any]) -> set[str]:
    """Header names in any source's response shape (Lambda@Edge keys its lists the same way)."""
    names = {name.lower() for name in result.get("headers") or {}}
    return names | {name.lower() for name in result.get("multiValueHeaders") or {}}


@pytest.mark.parametrize(
    "name",
    [
        "pt-apiGatewayProxyV2Event",
        "pt-lambdaFunctionUrlEvent",
        "pt-apiGatewayProxyEvent",
        "pt-albEvent",
        "pt-albMultiValueHeadersEvent",
        "pt-vpcLatticeEvent",
        "pt-vpcLatticeV2Event",
        "edge-origin-request",
    ],
)
def test_option_applies_on_every_source(event: LoadEvent, name: str) -> None:
    handler = asgi_handler(_app, lifespan="off", exclude_headers=["Server", "X-Internal"])
    result = handler(event(name), None)
    names = response_header_names(result)
    assert "content-type" in names
    assert names.isdisjoint({"server", "x-internal"})
