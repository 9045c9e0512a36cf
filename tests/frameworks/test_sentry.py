"""Sentry as its docs tell Lambda users to set it up, with the ASGI middleware around the app.

``AwsLambdaIntegration`` wraps the handler when it runs inside Lambda's Python runtime; here the
integration's own wrapper is applied to the handler the same way.  Events go to a transport in the
test: nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

sentry_sdk = pytest.importorskip("sentry_sdk", reason="sentry-sdk is a test dependency")

from sentry_sdk.integrations.asgi import SentryAsgiMiddleware  # noqa: E402
from sentry_sdk.integrations.aws_lambda import AwsLambdaIntegration, _wrap_handler  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import PlainTextResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from asgi_lambda import asgi_handler  # noqa: E402
from asgi_lambda._context import LambdaContext  # noqa: E402
from asgi_lambda._samples import sample_event  # noqa: E402


class Captured(sentry_sdk.transport.Transport):  # type: ignore[misc]
    events: list[dict[str, Any]] = []

    def capture_envelope(self, envelope: Any) -> None:
        for item in envelope.items:
            if item.type == "event":
                Captured.events.append(item.payload.json)


@pytest.fixture
def sentry() -> Iterator[list[dict[str, Any]]]:
    Captured.events = []
    sentry_sdk.init(
        dsn="https://key@o0.ingest.sentry.io/1",
        transport=Captured,
        integrations=[AwsLambdaIntegration()],
    )
    yield Captured.events
    sentry_sdk.init()  # no dsn: off again for the other tests


async def boom(request: Request) -> PlainTextResponse:
    raise LookupError("no such order")


async def fine(request: Request) -> PlainTextResponse:
    return PlainTextResponse("fine")


def handler() -> Any:
    app = SentryAsgiMiddleware(Starlette(routes=[Route("/boom", boom), Route("/fine", fine)]))
    return _wrap_handler(asgi_handler(app, lifespan="off"))  # what the integration does in Lambda


def invoke(path: str, request_id: str = "req-1") -> dict[str, Any]:
    context = LambdaContext(aws_request_id=request_id, function_name="orders")
    result: dict[str, Any] = handler()(sample_event("http-api-v2", "GET", path), context)
    sentry_sdk.flush()
    return result


def test_an_app_exception_reaches_sentry_once_with_url_method_and_request_id(
    sentry: list[dict[str, Any]],
) -> None:
    response = invoke("/boom", request_id="req-42")
    assert (response["statusCode"], response["body"]) == (500, "Internal Server Error")
    (event,) = sentry
    assert event["exception"]["values"][-1]["type"] == "LookupError"
    assert event["request"]["url"] == "https://abc123.execute-api.us-east-1.amazonaws.com/boom"
    assert event["request"]["method"] == "GET"
    assert event["extra"]["lambda"]["aws_request_id"] == "req-42"


def test_a_handled_404_and_a_success_send_nothing_and_pass_unchanged(
    sentry: list[dict[str, Any]],
) -> None:
    assert invoke("/missing")["statusCode"] == 404
    ok = invoke("/fine")
    assert (ok["statusCode"], ok["body"]) == (200, "fine")
    assert sentry == []
