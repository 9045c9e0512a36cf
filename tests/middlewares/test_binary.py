"""Binary detection: when a body leaves as text and when as base64 (SPEC section 4)."""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgi_lambda import asgi_handler
from asgi_lambda._http.request import Request
from asgi_lambda._http.response import Response
from asgi_lambda._loop import run
from asgi_lambda._types import Receive, Scope, Send
from asgi_lambda.middlewares.binary import BinaryDetection, is_textual, needs_base64

LoadEvent = Callable[[str], dict[str, Any]]
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def response(content_type: str | None, body: bytes, *extra: tuple[bytes, bytes]) -> Response:
    headers = [] if content_type is None else [(b"content-type", content_type.encode("latin-1"))]
    return Response(status=200, headers=[*headers, *extra], body=body)


def request() -> Request:
    return Request(
        method="GET",
        path="/",
        raw_path=b"/",
        query_string=b"",
        headers=[],
        body=b"",
        source="http_api_v2",
        event={},
    )


def detect(answer: Response, text_mime_types: tuple[str, ...] = ()) -> Response:
    """Run ``answer`` through a BinaryDetection built with ``text_mime_types``."""

    async def call_next(_: Request) -> Response:
        return answer

    return run(BinaryDetection(text_mime_types)(request(), call_next))


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/html; charset=utf-8",
        "application/json",
        "application/problem+json",
        "application/vnd.api+json",
        "application/xml",
        "application/atom+xml",
        "image/svg+xml",
        "application/javascript",
        "text/javascript",
        "application/x-www-form-urlencoded",
        "application/x-ndjson",
        "APPLICATION/JSON; Charset=UTF-8",
    ],
)
def test_textual_types_are_text(content_type: str) -> None:
    assert is_textual(content_type) is True


@pytest.mark.parametrize(
    "content_type",
    ["image/png", "application/octet-stream", "application/pdf", "font/woff2", "", "  ; q=1"],
)
def test_non_textual_types_are_not_text(content_type: str) -> None:
    assert is_textual(content_type) is False


@pytest.mark.parametrize("charset", ["UTF-16", '"utf-16le"', "utf_32", "UCS-2", "utf-7"])
def test_charsets_that_are_not_ascii_compatible_are_not_textual(charset: str) -> None:
    assert is_textual(f"text/plain; charset={charset}") is False


@pytest.mark.parametrize("charset", ["utf-8", '"UTF-8"', "us-ascii", "iso-8859-1"])
def test_ascii_compatible_charsets_keep_text_types_textual(charset: str) -> None:
    assert is_textual(f"text/plain; format=flowed; charset={charset}") is True


def test_utf8_text_body_is_sent_as_text() -> None:
    assert needs_base64(response("text/plain; charset=utf-8", "héllo".encode())) is False


def test_binary_type_is_sent_as_base64() -> None:
    assert needs_base64(response("image/png", PNG)) is True


def test_body_without_content_type_is_base64() -> None:
    assert needs_base64(response(None, b"plain words")) is True


def test_empty_body_without_content_type_is_text() -> None:
    assert needs_base64(response(None, b"")) is False


def test_content_encoding_makes_any_body_base64() -> None:
    encoded = response("application/json", b"{}", (b"content-encoding", b"identity"))
    assert needs_base64(encoded) is True


def test_declared_latin1_body_that_is_not_utf8_is_base64() -> None:
    assert (
        needs_base64(response("text/plain; charset=iso-8859-1", "café".encode("latin-1"))) is True
    )


def test_declared_latin1_body_that_is_ascii_is_text() -> None:
    assert needs_base64(response("text/plain; charset=iso-8859-1", b"cafe")) is False


def test_utf16_body_is_base64_even_when_its_bytes_are_valid_utf8() -> None:
    body = "hi".encode("utf-16-le")  # b"h\x00i\x00": valid UTF-8 by accident
    assert needs_base64(response("text/plain; charset=utf-16", body)) is True


def test_text_mime_types_add_an_exact_type() -> None:
    detected = detect(
        response("application/vnd.acme.report", b"rows"), ("Application/Vnd.Acme.Report",)
    )
    assert detected.base64 is False


def test_text_mime_types_do_not_replace_the_defaults() -> None:
    detected = detect(response("application/json", b"{}"), ("application/vnd.acme",))
    assert detected.base64 is False


def test_text_mime_types_entry_ending_in_star_matches_a_prefix() -> None:
    detected = detect(response("application/vnd.acme.v2", b"rows"), ("application/vnd.acme*",))
    assert detected.base64 is False


def test_text_mime_types_entry_ending_in_slash_matches_a_major_type() -> None:
    detected = detect(response("chemical/x-pdb", b"ATOM"), ("chemical/",))
    assert detected.base64 is False


def test_unlisted_type_stays_base64_with_text_mime_types_set() -> None:
    detected = detect(response("application/vnd.other", b"rows"), ("application/vnd.acme",))
    assert detected.base64 is True


def test_force_header_text_sends_a_binary_type_as_text_and_is_removed() -> None:
    forced = detect(response("application/octet-stream", b"ok", (b"X-Asgi-Lambda-Body", b"text")))
    assert (forced.base64, forced.headers) == (
        False,
        [(b"content-type", b"application/octet-stream")],
    )


def test_force_header_base64_sends_text_as_base64_and_is_removed() -> None:
    forced = detect(response("text/plain", b"ok", (b"x-asgi-lambda-body", b" Base64 ")))
    assert (forced.base64, forced.headers) == (True, [(b"content-type", b"text/plain")])


def test_unknown_force_header_value_is_ignored_but_removed() -> None:
    forced = detect(response("text/plain", b"ok", (b"x-asgi-lambda-body", b"maybe")))
    assert (forced.base64, forced.headers) == (False, [(b"content-type", b"text/plain")])


def test_middleware_choice_wins_over_force_header() -> None:
    answer = response("text/plain", b"ok", (b"x-asgi-lambda-body", b"text"))
    answer.base64 = True
    assert detect(answer).base64 is True


def test_forced_text_that_is_not_utf8_falls_back_to_base64(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answer = response("image/png", PNG, (b"x-asgi-lambda-body", b"text"))
    with caplog.at_level(logging.WARNING, logger="asgi_lambda"):
        assert detect(answer).base64 is True
    assert "not valid UTF-8" in caplog.text


async def _png_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"image/png")]}
    )
    await send({"type": "http.response.body", "body": PNG})


async def _vendor_text_app(scope: Scope, receive: Receive, send: Send) -> None:
    headers = [(b"content-type", b"application/vnd.acme"), (b"x-asgi-lambda-body", b"text")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": "naïve".encode()})


def test_binary_response_round_trips_through_the_handler(event: LoadEvent) -> None:
    result = asgi_handler(_png_app, lifespan="off")(event("pt-apiGatewayProxyV2Event"), None)
    assert result["isBase64Encoded"] is True
    assert base64.b64decode(result["body"]) == PNG


def test_force_header_reaches_the_event_response_and_never_leaves(event: LoadEvent) -> None:
    handler = asgi_handler(_vendor_text_app, lifespan="off")
    result: dict[str, Any] = handler(event("pt-apiGatewayProxyV2Event"), None)
    assert (result["isBase64Encoded"], result["body"]) == (False, "naïve")
    assert "x-asgi-lambda-body" not in result["headers"]


# Properties.

_TEXT = st.text(alphabet=st.characters(codec="utf-8"))
_TYPES = st.sampled_from(
    ["text/plain", "application/json", "image/png", "application/octet-stream", "image/svg+xml", ""]
)


@given(body=st.binary(), content_type=_TYPES, coding=st.sampled_from(["gzip", "br", "identity"]))
def test_any_body_with_content_encoding_is_base64(
    body: bytes, content_type: str, coding: str
) -> None:
    encoded = response(content_type or None, body, (b"content-encoding", coding.encode()))
    assert needs_base64(encoded) is True


@given(text=_TEXT, subtype=st.from_regex(r"[a-z][a-z0-9.+-]{0,20}", fullmatch=True))
def test_any_utf8_text_type_body_is_text(text: str, subtype: str) -> None:
    assert needs_base64(response(f"text/{subtype}", text.encode("utf-8"))) is False


@given(body=st.binary(min_size=1))
def test_any_non_empty_body_without_content_type_is_base64(body: bytes) -> None:
    assert needs_base64(response(None, body)) is True


@given(body=st.binary(), content_type=_TYPES)
def test_a_body_sent_as_text_always_decodes_as_utf8(body: bytes, content_type: str) -> None:
    if not needs_base64(response(content_type or None, body)):
        assert body.decode("utf-8").encode("utf-8") == body


@given(content_type=_TYPES, flips=st.lists(st.booleans(), min_size=40, max_size=40))
def test_is_textual_ignores_case(content_type: str, flips: list[bool]) -> None:
    mixed = "".join(c.upper() if flips[i] else c for i, c in enumerate(content_type))
    assert is_textual(mixed) is is_textual(content_type)


@given(
    body=st.binary() | _TEXT.map(str.encode),
    content_type=_TYPES,
    coding=st.sampled_from([None, "gzip"]),
    extra=st.sampled_from([(), ("application/octet-stream",), ("image/",)]),
)
def test_middleware_and_needs_base64_agree(
    body: bytes, content_type: str, coding: str | None, extra: tuple[str, ...]
) -> None:
    headers = [] if coding is None else [(b"content-encoding", coding.encode())]
    expected = needs_base64(response(content_type or None, body, *headers), frozenset(extra))
    assert detect(response(content_type or None, body, *headers), extra).base64 is expected
