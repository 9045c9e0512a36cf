"""Compression: negotiated from accept-encoding, only where it helps, with vary and length right."""

from __future__ import annotations

import base64
import gzip
import json
import os
from collections.abc import Callable
from typing import Any

import brotli  # type: ignore[import-untyped]
import pytest

from asgi_lambda import asgi_handler
from asgi_lambda._http.request import Request
from asgi_lambda._http.response import Response
from asgi_lambda._loop import run
from asgi_lambda._options import Options
from asgi_lambda._types import Receive, Scope, Send
from asgi_lambda.middlewares import compression
from asgi_lambda.middlewares.compression import Compression, negotiate

LoadEvent = Callable[[str], dict[str, Any]]
JSON = json.dumps(
    [{"id": i, "name": f"user {i}", "active": i % 2 == 0} for i in range(100)]
).encode()


def compress(
    answer: Response,
    accept: str | None = "gzip",
    source: str = "http_api_v2",
    **options: Any,
) -> Response:
    """Run ``answer`` through Compression for a request with ``accept-encoding: accept``."""
    headers = [] if accept is None else [(b"accept-encoding", accept.encode())]
    request = Request(
        method="GET",
        path="/",
        raw_path=b"/",
        query_string=b"",
        headers=headers,
        body=b"",
        source=source,
        event={},
    )

    async def call_next(_: Request) -> Response:
        return answer

    return run(Compression(Options(**options))(request, call_next))


def json_response(*extra: tuple[bytes, bytes], body: bytes = JSON) -> Response:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return Response(status=200, headers=[*headers, *extra], body=body)


# Negotiation


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        ("gzip", "gzip"),
        ("gzip, deflate, br", "br"),
        ("br;q=0.5, gzip;q=0.8", "gzip"),
        ("gzip;q=0", None),
        ("gzip;q=0, br;q=0", None),
        ("*", "br"),
        ("*;q=0.5, br;q=0", "gzip"),
        ("identity", None),
        ("deflate, compress", None),
        ("x-gzip", "gzip"),
        ("GZIP;Q=1.0", "gzip"),
        ("gzip;q=abc", None),
        ("gzip;q=2", None),
        ("br;q=0.1, gzip", "gzip"),
        ("", None),
    ],
)
def test_negotiation_follows_q_values(accept: str, chosen: str | None) -> None:
    assert negotiate(accept, ("br", "gzip")) == chosen


def test_brotli_wins_over_gzip_at_equal_quality() -> None:
    assert negotiate("gzip;q=0.7, br;q=0.7", ("br", "gzip")) == "br"


# What gets compressed


def test_gzip_body_round_trips_with_headers_fixed() -> None:
    compressed = compress(json_response(), accept="gzip")
    assert gzip.decompress(compressed.body) == JSON
    assert (compressed.header("content-encoding"), compressed.header("vary")) == (
        "gzip",
        "accept-encoding",
    )
    assert compressed.header("content-length") == str(len(compressed.body))
    assert compressed.base64 is True


def test_brotli_body_round_trips() -> None:
    compressed = compress(json_response(), accept="br")
    assert (compressed.header("content-encoding"), brotli.decompress(compressed.body)) == (
        "br",
        JSON,
    )


def test_without_brotli_installed_gzip_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compression, "_brotli_name", lambda: None)
    assert compress(json_response(), accept="br, gzip").header("content-encoding") == "gzip"


def test_without_brotli_installed_a_br_only_client_gets_identity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(compression, "_brotli_name", lambda: None)
    assert compress(json_response(), accept="br").body == JSON


def test_repeated_accept_encoding_headers_are_read_together() -> None:
    answer = json_response()
    request = Request(
        method="GET",
        path="/",
        raw_path=b"/",
        query_string=b"",
        headers=[(b"accept-encoding", b"identity"), (b"accept-encoding", b"gzip")],
        body=b"",
        source="alb",
        event={},
    )

    async def call_next(_: Request) -> Response:
        return answer

    assert run(Compression(Options())(request, call_next)).header("content-encoding") == "gzip"


def test_body_below_the_minimum_size_is_left_alone() -> None:
    small = json_response(body=b'{"ok": true}')
    headers = list(small.headers)
    assert (compress(small).body, small.headers) == (b'{"ok": true}', headers)


def test_minimum_size_is_configurable() -> None:
    body = b"a" * 100
    assert (
        compress(json_response(body=body), compression_min_size=50).header("content-encoding")
        == "gzip"
    )


def test_body_exactly_at_the_minimum_size_is_compressed() -> None:
    body = b"a" * 500
    assert compress(json_response(body=body)).header("content-encoding") == "gzip"


def test_already_encoded_body_is_left_alone() -> None:
    answer = compress(json_response((b"content-encoding", b"br")), accept="gzip")
    assert (answer.body, answer.header("vary")) == (JSON, None)


@pytest.mark.parametrize(
    "content_type",
    [
        "image/png",
        "image/jpeg",
        "video/mp4",
        "audio/mpeg",
        "application/zip",
        "font/woff2",
        "application/pdf",
        "application/x-7z-compressed",
        "text/event-stream",
    ],
)
def test_types_not_worth_compressing_are_left_alone(content_type: str) -> None:
    answer = Response(status=200, headers=[(b"content-type", content_type.encode())], body=JSON)
    assert compress(answer).body == JSON


@pytest.mark.parametrize(
    "content_type", ["image/svg+xml", "text/html; charset=utf-8", "APPLICATION/JSON"]
)
def test_text_types_are_compressed(content_type: str) -> None:
    answer = Response(status=200, headers=[(b"content-type", content_type.encode())], body=JSON)
    assert gzip.decompress(compress(answer).body) == JSON


def test_body_without_content_type_is_left_alone() -> None:
    assert compress(Response(status=200, body=JSON)).body == JSON


def test_incompressible_body_is_left_alone_but_varies() -> None:
    noise = os.urandom(2000)
    answer = Response(
        status=200, headers=[(b"content-type", b"application/octet-stream")], body=noise
    )
    compressed = compress(answer)
    assert (compressed.body, compressed.header("content-encoding"), compressed.header("vary")) == (
        noise,
        None,
        "accept-encoding",
    )


def test_client_without_accept_encoding_gets_identity_that_varies() -> None:
    answer = compress(json_response(), accept=None)
    assert (answer.body, answer.header("vary"), answer.header("content-encoding")) == (
        JSON,
        "accept-encoding",
        None,
    )


def test_no_transform_is_respected() -> None:
    answer = compress(json_response((b"cache-control", b"public, No-Transform")))
    assert answer.body == JSON


def test_partial_content_is_left_alone() -> None:
    answer = json_response((b"content-range", b"bytes 0-99/2000"))
    answer.status = 206
    assert compress(answer).body == JSON


def test_strong_etag_becomes_weak_when_compressed() -> None:
    assert compress(json_response((b"etag", b'"v1"'))).header("etag") == 'W/"v1"'


def test_weak_etag_is_kept_when_compressed() -> None:
    assert compress(json_response((b"etag", b'W/"v1"'))).header("etag") == 'W/"v1"'


# vary


def test_existing_vary_is_merged() -> None:
    answer = compress(json_response((b"vary", b"Origin")))
    assert [v for k, v in answer.headers if k == b"vary"] == [b"Origin, accept-encoding"]


def test_vary_already_naming_accept_encoding_is_kept() -> None:
    answer = compress(json_response((b"Vary", b"Accept-Encoding, Origin")))
    assert [v for k, v in answer.headers if k.lower() == b"vary"] == [b"Accept-Encoding, Origin"]


def test_vary_star_is_kept() -> None:
    answer = compress(json_response((b"vary", b"*")))
    assert [v for k, v in answer.headers if k == b"vary"] == [b"*"]


# Lambda@Edge


def test_edge_responses_are_left_to_cloudfront() -> None:
    answer = compress(json_response(), source="lambda_edge")
    assert (answer.body, answer.header("vary")) == (JSON, None)


def test_edge_responses_are_compressed_when_asked() -> None:
    answer = compress(json_response(), source="lambda_edge", compress_edge_responses=True)
    assert gzip.decompress(answer.body) == JSON


# Through the handler


async def _json_app(scope: Scope, receive: Receive, send: Send) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(JSON)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": JSON})


def _accepting(load: LoadEvent, accept: str) -> dict[str, Any]:
    event = load("pt-apiGatewayProxyV2Event_GET")
    event["headers"]["accept-encoding"] = accept
    return event


def test_handler_sends_compressed_body_as_base64(event: LoadEvent) -> None:
    result = asgi_handler(_json_app, lifespan="off")(_accepting(event, "gzip, deflate"), None)
    assert (result["isBase64Encoded"], result["headers"]["content-encoding"]) == (True, "gzip")
    body = base64.b64decode(result["body"])
    assert (gzip.decompress(body), result["headers"]["content-length"]) == (JSON, str(len(body)))


def test_handler_round_trips_brotli_from_a_function_url(event: LoadEvent) -> None:
    result = asgi_handler(_json_app, lifespan="off")(event("pt-lambdaFunctionUrlEvent"), None)
    assert result["headers"]["content-encoding"] == "br"
    assert brotli.decompress(base64.b64decode(result["body"])) == JSON


def test_compression_option_off_sends_identity_text(event: LoadEvent) -> None:
    result = asgi_handler(_json_app, lifespan="off", compression=False)(
        _accepting(event, "gzip"), None
    )
    assert (result["isBase64Encoded"], result["body"]) == (False, JSON.decode())
    assert "vary" not in result["headers"]


def _edge_accepting_gzip(load: LoadEvent) -> dict[str, Any]:
    edge = load("edge-origin-request")
    accept = [{"key": "Accept-Encoding", "value": "gzip"}]
    edge["Records"][0]["cf"]["request"]["headers"]["accept-encoding"] = accept
    return edge


def test_handler_leaves_lambda_edge_bodies_to_cloudfront(event: LoadEvent) -> None:
    result = asgi_handler(_json_app, lifespan="off")(_edge_accepting_gzip(event), None)
    assert (result["body"], "content-encoding" in result["headers"]) == (JSON.decode(), False)


def test_handler_compresses_lambda_edge_bodies_when_asked(event: LoadEvent) -> None:
    handler = asgi_handler(_json_app, lifespan="off", compress_edge_responses=True)
    result = handler(_edge_accepting_gzip(event), None)
    assert result["bodyEncoding"] == "base64"
    assert gzip.decompress(base64.b64decode(result["body"])) == JSON


# Which front doors compress by default


def _rest_accepting_gzip(load: LoadEvent, version: str | None = None) -> dict[str, Any]:
    """A REST event (no ``version`` key: HTTP API 1.0 events say ``"1.0"``) accepting gzip."""
    rest = load("pt-apiGatewayProxyEvent")
    rest["multiValueHeaders"]["Accept-Encoding"] = ["gzip"]
    rest.pop("version")  # Powertools' sample carries HTTP API 1.0's "version"; REST has none
    if version is not None:
        rest["version"] = version
    return rest


def test_rest_responses_stay_uncompressed_by_default(event: LoadEvent) -> None:
    # A REST API without binaryMediaTypes would hand the browser the base64 text.
    result = asgi_handler(_json_app, lifespan="off")(_rest_accepting_gzip(event), None)
    assert (result["isBase64Encoded"], result["body"]) == (False, JSON.decode())
    assert "content-encoding" not in result["headers"]


def test_http_api_payload_1_responses_are_compressed_by_default(event: LoadEvent) -> None:
    result = asgi_handler(_json_app, lifespan="off")(_rest_accepting_gzip(event, "1.0"), None)
    assert result["headers"]["content-encoding"] == "gzip"
    assert gzip.decompress(base64.b64decode(result["body"])) == JSON


def test_compression_true_opts_rest_in(event: LoadEvent) -> None:
    handler = asgi_handler(_json_app, lifespan="off", compression=True)
    result = handler(_rest_accepting_gzip(event), None)
    assert result["isBase64Encoded"] is True
    assert gzip.decompress(base64.b64decode(result["body"])) == JSON


def test_compression_true_opts_lambda_edge_in(event: LoadEvent) -> None:
    result = asgi_handler(_json_app, lifespan="off", compression=True)(
        _edge_accepting_gzip(event), None
    )
    assert gzip.decompress(base64.b64decode(result["body"])) == JSON
