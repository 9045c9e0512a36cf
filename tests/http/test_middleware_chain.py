"""SPEC section 7: one middleware protocol, composed in order, able to short-circuit."""

from __future__ import annotations

import time

from asgi_lambda import CallNext, Request, Response, asgi_handler
from tests.asgi_apps import RecordingApp
from tests.conftest import load_event

V2 = "pt-apiGatewayProxyV2Event"


async def timing(request: Request, call_next: CallNext) -> Response:
    """The docs' example: how long the app took, as a response header."""
    started = time.perf_counter()
    response = await call_next(request)
    elapsed_ms = (time.perf_counter() - started) * 1000
    response.headers.append((b"x-elapsed-ms", f"{elapsed_ms:.2f}".encode()))
    return response


def test_user_middleware_adds_a_timing_header() -> None:
    handler = asgi_handler(RecordingApp(), lifespan="off", middlewares=[timing])
    response = handler(load_event(V2), None)
    assert float(response["headers"]["x-elapsed-ms"]) >= 0.0


def test_first_middleware_is_outermost() -> None:
    order: list[str] = []

    def named(name: str):  # type: ignore[no-untyped-def]
        async def middleware(request: Request, call_next: CallNext) -> Response:
            order.append(f"{name} in")
            response = await call_next(request)
            order.append(f"{name} out")
            return response

        return middleware

    handler = asgi_handler(RecordingApp(), lifespan="off", middlewares=[named("a"), named("b")])
    handler(load_event(V2), None)
    assert order == ["a in", "b in", "b out", "a out"]


def test_middleware_can_answer_without_calling_the_app() -> None:
    app = RecordingApp()

    async def gate(request: Request, call_next: CallNext) -> Response:
        if request.header("x-api-key") != "secret":
            return Response(401, [(b"content-type", b"text/plain")], b"no key")
        return await call_next(request)

    response = asgi_handler(app, lifespan="off", middlewares=[gate])(load_event(V2), None)
    assert response["statusCode"] == 401
    assert response["body"] == "no key"
    assert app.scopes == []


def test_middleware_sees_the_normalized_request_and_the_raw_event() -> None:
    seen: list[Request] = []

    async def spy(request: Request, call_next: CallNext) -> Response:
        seen.append(request)
        return await call_next(request)

    event = load_event(V2)
    asgi_handler(RecordingApp(), lifespan="off", middlewares=[spy])(event, None)
    (request,) = seen
    assert request.method == "POST"
    assert request.path == "/my/path"
    assert request.source == "http_api_v2"
    assert request.event is event


def test_middleware_changes_to_the_request_reach_the_app() -> None:
    app = RecordingApp()

    async def rewrite(request: Request, call_next: CallNext) -> Response:
        request.path = "/rewritten"
        request.scope["tenant"] = "acme"
        return await call_next(request)

    asgi_handler(app, lifespan="off", middlewares=[rewrite])(load_event(V2), None)
    assert app.scope["path"] == "/rewritten"
    assert app.scope["tenant"] == "acme"


def test_class_based_middleware_with_options_works() -> None:
    class AddHeader:
        def __init__(self, name: bytes, value: bytes) -> None:
            self.name, self.value = name, value

        async def __call__(self, request: Request, call_next: CallNext) -> Response:
            response = await call_next(request)
            response.headers.append((self.name, self.value))
            return response

    handler = asgi_handler(
        RecordingApp(), lifespan="off", middlewares=[AddHeader(b"x-powered-by", b"asgi-lambda")]
    )
    assert handler(load_event(V2), None)["headers"]["x-powered-by"] == "asgi-lambda"


def test_middleware_raising_gets_a_500(caplog) -> None:  # type: ignore[no-untyped-def]
    async def broken(request: Request, call_next: CallNext) -> Response:
        raise RuntimeError("middleware bug")

    response = asgi_handler(RecordingApp(), lifespan="off", middlewares=[broken])(
        load_event(V2), None
    )
    assert response["statusCode"] == 500
    assert "middleware bug" in caplog.text
