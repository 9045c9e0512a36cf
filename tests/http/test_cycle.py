"""SPEC section 5 and the ASGI receive/send contract, end to end through the handler."""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import re
from http import HTTPStatus

import pytest

from asgi_lambda import InvocationFailedError, asgi_handler
from asgi_lambda._types import Message, Receive, Scope, Send
from tests.conftest import load_event

V2 = "pt-apiGatewayProxyV2Event"


async def start(
    send: Send, status: int = 200, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers or []})


def invoke(app: object, **options: object) -> dict[str, object]:
    return asgi_handler(app, lifespan="off", **options)(load_event(V2), None)


def test_app_raising_before_responding_gets_a_plain_500_and_a_logged_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise ValueError("boom before start")

    response = invoke(app)
    assert response["statusCode"] == 500
    assert response["body"] == "Internal Server Error"
    assert response["headers"]["content-type"] == "text/plain; charset=utf-8"
    assert "boom before start" in caplog.text
    assert "Traceback" in caplog.text


def test_app_raising_mid_response_gets_a_500_with_its_headers_replaced(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await start(send, 200, [(b"x-partial", b"yes")])
        await send({"type": "http.response.body", "body": b"half", "more_body": True})
        raise ValueError("boom mid-response")

    response = invoke(app)
    assert response["statusCode"] == 500
    assert "x-partial" not in response["headers"]
    assert response["body"] == "Internal Server Error"
    assert "mid-response" in caplog.text


def test_app_raising_after_completing_keeps_its_response(caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await start(send, 201, [(b"content-type", b"text/plain")])
        await send({"type": "http.response.body", "body": b"done"})
        raise ValueError("boom after")

    response = invoke(app)
    assert response["statusCode"] == 201
    assert response["body"] == "done"
    assert "boom after" in caplog.text


def test_app_returning_without_responding_gets_a_500_and_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        return None

    response = invoke(app)
    assert response["statusCode"] == 500
    assert "returned without completing a response" in caplog.text


def test_second_receive_after_the_response_returns_disconnect() -> None:
    seen: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(await receive())
        await start(send, 200, [(b"content-type", b"text/plain")])
        await send({"type": "http.response.body", "body": b"ok"})
        seen.append(await receive())

    assert invoke(app)["statusCode"] == 200
    assert [m["type"] for m in seen] == ["http.request", "http.disconnect"]


def test_second_receive_while_streaming_waits_for_the_response_to_complete() -> None:
    order: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()

        async def listen() -> None:
            message = await receive()
            order.append(message["type"])

        listener = asyncio.ensure_future(listen())
        await start(send, 200, [(b"content-type", b"text/plain")])
        for chunk in (b"a", b"b"):
            await asyncio.sleep(0)
            order.append(chunk.decode())
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"c"})
        await listener

    response = invoke(app)
    assert response["body"] == "abc"
    assert order == ["a", "b", "http.disconnect"]


def test_request_body_arrives_in_one_message() -> None:
    seen: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(await receive())
        await start(send, 204)
        await send({"type": "http.response.body"})

    invoke(app)
    assert seen == [
        {
            "type": "http.request",
            "body": b'{"message": "hello world", "username": "tom"}',
            "more_body": False,
        }
    ]


def test_cancelled_error_propagates_instead_of_becoming_a_500() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise asyncio.CancelledError()

    with pytest.raises(asyncio.CancelledError):
        invoke(app)


def test_keyboard_interrupt_propagates() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        invoke(app)


def test_propagate_exceptions_lets_the_app_error_fail_the_invocation() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise LookupError("let Lambda see this")

    with pytest.raises(LookupError, match="let Lambda see this"):
        invoke(app, propagate_exceptions=True)


def test_no_content_type_is_invented_on_a_204() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await start(send, 204)
        await send({"type": "http.response.body", "body": b""})

    response = invoke(app)
    assert response["statusCode"] == 204
    assert response["headers"] == {}
    assert response["body"] == ""
    assert response["isBase64Encoded"] is False


def test_body_sent_before_start_is_an_app_error() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.body", "body": b"too early"})

    assert invoke(app)["statusCode"] == 500


def test_fail_on_status_turns_a_5xx_into_a_failed_invocation() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await start(send, 503)
        await send({"type": "http.response.body", "body": b""})

    with pytest.raises(InvocationFailedError) as raised:
        invoke(app, fail_on_status=["5xx"])
    assert raised.value.status == 503
    assert raised.value.response["statusCode"] == 503


def test_fail_on_status_leaves_other_statuses_alone() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await start(send, 404)
        await send({"type": "http.response.body", "body": b""})

    assert invoke(app, fail_on_status=[500, "5xx"])["statusCode"] == 404


def test_response_over_the_lambda_payload_limit_is_a_logged_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    big = b"x" * (7 * 1024 * 1024)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await start(send, 200, [(b"content-type", b"text/plain")])
        await send({"type": "http.response.body", "body": big})

    with caplog.at_level(logging.ERROR, logger="asgi_lambda"):
        response = invoke(app, compression=False)
    assert response["statusCode"] == 500
    reported = re.search(r"response of (\d+) bytes as JSON", caplog.text)
    assert reported is not None
    assert len(big) <= int(reported.group(1)) < len(big) + 4096


def _text_app(body: bytes) -> object:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await start(send, 200, [(b"content-type", b"text/plain; charset=utf-8")])
        await send({"type": "http.response.body", "body": body})

    return app


@pytest.mark.parametrize(
    "body",
    [b"\x01" * (5 * 1024 * 1024 + 512 * 1024), "\u20ac".encode() * 2_200_000],
    ids=["5.5 MB of \\x01 (34 MB escaped)", "2.2M euro signs (13 MB escaped)"],
)
def test_the_limit_counts_json_escaping_not_body_bytes(body: bytes) -> None:
    response = invoke(_text_app(body), compression=False)
    assert response["statusCode"] == 500


def test_a_5_mb_plain_text_body_is_within_the_limit() -> None:
    body = b"a" * (5 * 1024 * 1024)
    response = invoke(_text_app(body), compression=False)
    assert (response["statusCode"], len(response["body"])) == (200, len(body))


def test_the_access_log_records_the_500_sent_for_an_oversized_response(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="asgi_lambda.access"):
        invoke(_text_app(b"\x01" * (6 * 1024 * 1024)), compression=False)
    access = [r for r in caplog.records if r.name == "asgi_lambda.access"]
    assert [record.status for record in access] == [500]  # type: ignore[attr-defined]


def test_fail_on_status_applies_to_the_500_sent_for_an_oversized_response() -> None:
    with pytest.raises(InvocationFailedError) as failed:
        invoke(_text_app(b"a" * (7 * 1024 * 1024)), compression=False, fail_on_status=["5xx"])
    assert failed.value.status == 500


def test_body_without_content_length_gets_one_added() -> None:
    seen: list[list[tuple[bytes, bytes]]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(list(scope["headers"]))
        await start(send, 204)
        await send({"type": "http.response.body"})

    invoke(app)
    assert (b"content-length", b"45") in seen[0]


def test_existing_content_length_is_not_duplicated() -> None:
    event = load_event(V2)
    event["headers"]["content-length"] = "45"
    app_headers: list[list[tuple[bytes, bytes]]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        app_headers.append(list(scope["headers"]))
        await start(send, 204)
        await send({"type": "http.response.body"})

    asgi_handler(app, lifespan="off")(event, None)
    assert [v for k, v in app_headers[0] if k == b"content-length"] == [b"45"]


def test_response_header_names_are_lower_cased_and_bytes_like_values_become_bytes() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"X-Mixed-Case", bytearray(b"one")), [bytearray(b"x-list"), b"two"]]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    response = invoke(app)
    assert response["headers"]["x-mixed-case"] == "one"
    assert response["headers"]["x-list"] == "two"


def test_a_middleware_changing_the_response_headers_leaves_the_apps_list_alone() -> None:
    constant = [(b"content-type", b"text/plain")]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": constant})
        await send({"type": "http.response.body", "body": b"hi"})

    async def add_header(request: object, call_next: object) -> object:
        response = await call_next(request)  # type: ignore[operator]
        response.headers.append((b"x-added", b"1"))
        return response

    handler = asgi_handler(app, lifespan="off", middlewares=[add_header])
    first = handler(load_event(V2), None)
    handler(load_event(V2), None)
    assert first["headers"]["x-added"] == "1"
    assert constant == [(b"content-type", b"text/plain")]


# Responses checked as uvicorn checks them


class _Custom(enum.IntEnum):
    TEAPOT = 418


def _answering(start_message: Message, body: object = b"ok") -> object:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send(start_message)
        await send({"type": "http.response.body", "body": body})

    return app


@pytest.mark.parametrize(
    ("message", "named"),
    [
        ({"type": "http.response.start", "status": 99}, "status"),
        ({"type": "http.response.start", "status": 600}, "status"),
        ({"type": "http.response.start", "status": "200"}, "status"),
        ({"type": "http.response.start", "status": True}, "status"),
        ({"type": "http.response.start"}, "status"),
        (
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"x", b"v\r\nset-cookie: e=1")],
            },
            "CR, LF or NUL",
        ),
        ({"type": "http.response.start", "status": 200, "headers": [(b"x", b"a\x00b")]}, "NUL"),
        ({"type": "http.response.start", "status": 200, "headers": [(b"x\n", b"v")]}, "token"),
        ({"type": "http.response.start", "status": 200, "headers": [(b"", b"v")]}, "token"),
        ({"type": "http.response.start", "status": 200, "headers": [(b"x y", b"v")]}, "token"),
        ({"type": "http.response.start", "status": 200, "headers": [(b":status", b"1")]}, "token"),
        (
            {"type": "http.response.start", "status": 200, "headers": [("x\u00e9".encode(), b"v")]},
            "token",
        ),
        (
            {"type": "http.response.start", "status": 200, "headers": [(b"x", 5)]},
            "value must be bytes",
        ),
        (
            {"type": "http.response.start", "status": 200, "headers": [("x\u00e9", b"v")]},
            "name must be bytes",
        ),
    ],
)
def test_a_response_start_outside_the_asgi_types_is_a_500_naming_the_field(
    message: Message, named: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = invoke(_answering(message))
    assert response["statusCode"] == 500
    assert response["body"] == "Internal Server Error"
    assert "e=1" not in str(response)
    assert named in caplog.text


@pytest.mark.parametrize("body", [10, 200 * 2**20, "text", True])
def test_a_body_that_is_not_bytes_is_a_500_and_allocates_nothing(
    body: object, caplog: pytest.LogCaptureFixture
) -> None:
    response = invoke(_answering({"type": "http.response.start", "status": 200}, body))
    assert (response["statusCode"], response["body"]) == (500, "Internal Server Error")
    assert "body must be bytes" in caplog.text


# What uvicorn serves, served the same way (issue 20: the MCP SDK sends HTTPStatus.OK)


@pytest.mark.parametrize("status", [HTTPStatus.OK, HTTPStatus.ACCEPTED, _Custom.TEAPOT])
def test_an_int_subclass_status_is_served_as_the_plain_int(status: int) -> None:
    response = invoke(_answering({"type": "http.response.start", "status": status}))
    assert response["statusCode"] == int(status)
    assert type(response["statusCode"]) is int
    assert json.dumps(response["statusCode"]) == str(int(status))


def test_ascii_text_and_memoryview_header_names_and_values_are_sent_as_bytes() -> None:
    headers = [("X-Text", "plain"), (memoryview(b"x-view"), memoryview(b"seen"))]
    response = invoke(
        _answering({"type": "http.response.start", "status": 200, "headers": headers})
    )
    assert (response["headers"]["x-text"], response["headers"]["x-view"]) == ("plain", "seen")


@pytest.mark.parametrize("body", [None, ""])
def test_a_none_or_empty_text_body_is_an_empty_body_as_uvicorn_takes_it(body: object) -> None:
    response = invoke(_answering({"type": "http.response.start", "status": 204}, body))
    assert (response["statusCode"], response["body"]) == (204, "")


def test_header_pairs_may_be_lists_or_tuples_in_a_list_or_tuple() -> None:
    headers = ([b"x-a", b"1"], (b"x-b", b"2"))
    response = invoke(
        _answering({"type": "http.response.start", "status": 200, "headers": headers})
    )
    assert (response["headers"]["x-a"], response["headers"]["x-b"]) == ("1", "2")


def test_unknown_keys_in_response_messages_are_ignored() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        text = [(b"content-type", b"text/plain")]
        await send({"type": "http.response.start", "status": 200, "headers": text, "x": 1})
        await send({"type": "http.response.body", "body": b"ok", "more_body": False, "y": 2})

    assert invoke(app)["body"] == "ok"


def test_bytearray_and_memoryview_bodies_and_bytearray_headers_are_accepted() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(bytearray(b"Content-Type"), bytearray(b"text/plain"))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": bytearray(b"ab"), "more_body": True})
        await send({"type": "http.response.body", "body": memoryview(b"cd")})

    response = invoke(app)
    assert (response["statusCode"], response["body"]) == (200, "abcd")
    assert response["headers"]["content-type"] == "text/plain"


def test_fastapis_own_500_then_reraise_is_logged_as_the_app_error_it_is(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/my/path")
    async def broken() -> None:
        raise LookupError("no such thing")

    response = invoke(app)
    assert (response["statusCode"], response["body"]) == (500, "Internal Server Error")
    assert "ASGI app raised: its own 500 response was sent" in caplog.text
    assert "LookupError: no such thing" in caplog.text
    assert "after its response completed" not in caplog.text
