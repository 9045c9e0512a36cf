"""SPEC section 1: the handler, the decorator form, options, ASGI 2, the raw event in the scope."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from asgi_lambda import ConfigurationError, UnknownEventError, asgi_handler
from asgi_lambda._types import Receive, Scope, Send
from tests.asgi_apps import RecordingApp
from tests.conftest import load_event


def test_handler_is_a_real_named_function() -> None:
    handler = asgi_handler(RecordingApp(), lifespan="off")
    assert inspect.isfunction(handler)
    assert handler.__name__ == "handler"


def test_handler_answers_an_http_api_event() -> None:
    handler = asgi_handler(RecordingApp(body=b"hello"), lifespan="off")
    response = handler(load_event("pt-apiGatewayProxyV2Event"), None)
    assert response["statusCode"] == 200
    assert response["body"] == "hello"


def test_scope_carries_the_raw_event_and_context() -> None:
    app = RecordingApp()
    handler = asgi_handler(app, lifespan="off")
    event = load_event("pt-apiGatewayProxyV2Event")
    context = object()
    handler(event, context)
    assert app.scope["aws.event"] is event
    assert app.scope["aws.context"] is context


def test_decorated_function_answers_when_it_returns_something() -> None:
    app = RecordingApp()

    @asgi_handler(app, lifespan="off")
    def handler(event: dict[str, Any], context: Any) -> Any:
        if event.get("warmup"):
            return {"ok": True}
        return None

    assert handler({"warmup": True}, None) == {"ok": True}
    assert app.scopes == []


def test_decorated_function_returning_none_hands_the_event_to_the_app() -> None:
    app = RecordingApp(body=b"from app")

    @asgi_handler(app, lifespan="off")
    def handler(event: dict[str, Any], context: Any) -> None:
        return None

    response = handler(load_event("pt-apiGatewayProxyV2Event"), None)
    assert response["body"] == "from app"
    assert inspect.isfunction(handler)
    assert handler.__name__ == "handler"


def test_asgi2_double_callable_app_is_wrapped() -> None:
    seen: list[str] = []

    class Asgi2App:
        def __init__(self, scope: Scope) -> None:
            self.scope = scope

        async def __call__(self, receive: Receive, send: Send) -> None:
            seen.append(self.scope["path"])
            await send({"type": "http.response.start", "status": 202, "headers": []})
            await send({"type": "http.response.body", "body": b""})

    handler = asgi_handler(Asgi2App, lifespan="off")
    response = handler(load_event("pt-apiGatewayProxyV2Event"), None)
    assert response["statusCode"] == 202
    assert seen == ["/my/path"]


def test_asgi2_function_returning_a_coroutine_function_is_wrapped() -> None:
    def asgi2(scope: Scope) -> Any:
        async def instance(receive: Receive, send: Send) -> None:
            await send({"type": "http.response.start", "status": 203, "headers": []})
            await send({"type": "http.response.body", "body": b""})

        return instance

    response = asgi_handler(asgi2, lifespan="off")(load_event("pt-apiGatewayProxyV2Event"), None)
    assert response["statusCode"] == 203


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"lifespan": "maybe"}, "lifespan"),
        ({"api_gateway_base_path": 3}, "api_gateway_base_path"),
        ({"text_mime_types": "text/csv"}, "text_mime_types"),
        ({"exclude_headers": [1]}, "exclude_headers"),
        ({"log_level": "loud"}, "log_level"),
        ({"compression_min_size": -1}, "compression_min_size"),
        ({"compression": "yes"}, "compression"),
        ({"middlewares": ["not callable"]}, "middlewares"),
        ({"fail_on_status": ["6xx"]}, "fail_on_status"),
        ({"propagate_exceptions": "yes"}, "propagate_exceptions"),
        ({"dns": "memory://"}, "dns"),
    ],
)
def test_bad_option_raises_configuration_error_naming_it(
    options: dict[str, Any], named: str
) -> None:
    with pytest.raises(ConfigurationError, match=named):
        asgi_handler(RecordingApp(), **options)


def test_unknown_event_error_names_the_shapes_looked_for() -> None:
    handler = asgi_handler(RecordingApp(), lifespan="off")
    with pytest.raises(UnknownEventError) as raised:
        handler({"source": "aws.events", "detail": {}}, None)
    message = str(raised.value)
    assert "detail, source" in message
    assert "HTTP API payload 2.0" in message
    assert isinstance(raised.value, ValueError)


def test_non_dict_event_is_an_unknown_event() -> None:
    handler = asgi_handler(RecordingApp(), lifespan="off")
    with pytest.raises(UnknownEventError, match="a list, not a JSON object"):
        handler([1, 2], None)
