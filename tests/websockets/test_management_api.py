"""The Management API: which endpoint and region, one client per endpoint, 410 as "gone"."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from asgi_lambda._options import build_options
from asgi_lambda._sources.websocket import parse_event
from asgi_lambda._types import Receive, Scope, Send
from asgi_lambda.websockets import _management_api
from asgi_lambda.websockets._handler import WebSocketHandler
from asgi_lambda.websockets.backends.memory import MemoryStore
from tests.websockets.conftest import Gateway, connect_event, message_event


def test_default_endpoint_is_the_events_domain_and_stage() -> None:
    endpoint = _management_api.default_endpoint(
        "abc123.execute-api.eu-west-1.amazonaws.com", "prod", "abc123", None
    )
    assert endpoint == "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"


def test_default_endpoint_behind_a_custom_domain_is_the_apis_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_REGION", "ap-south-1")
    endpoint = _management_api.default_endpoint("chat.example.com", "live", "abc123", None)
    assert endpoint == "https://abc123.execute-api.ap-south-1.amazonaws.com/live"


def test_default_endpoint_needs_a_domain_and_stage() -> None:
    assert _management_api.default_endpoint(None, "prod", "abc123", None) is None


def test_region_is_the_option_first() -> None:
    url = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
    assert _management_api.region_for(url, "us-west-2") == "us-west-2"


def test_region_comes_from_the_execute_api_endpoint() -> None:
    url = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
    assert _management_api.region_for(url) == "eu-west-1"


def test_region_falls_back_to_aws_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "sa-east-1")
    assert _management_api.region_for("https://chat.example.com/prod") == "sa-east-1"


def test_one_client_per_endpoint_is_reused() -> None:
    first = _management_api.client("http://127.0.0.1:1/a", "us-east-1")
    again = _management_api.client("http://127.0.0.1:1/a/", "us-east-1")
    other = _management_api.client("http://127.0.0.1:1/b", "us-east-1")
    assert first is again
    assert other is not first
    assert first.meta.endpoint_url == "http://127.0.0.1:1/a"


def test_post_reports_a_gone_connection_as_false(moto_endpoint: str, gateway: Gateway) -> None:
    client = _management_api.client(moto_endpoint, "us-east-1")
    gateway.gone.add("conn-gone")
    assert _management_api.post(client, "conn-ok", b"hi") is True
    assert _management_api.post(client, "conn-gone", b"hi") is False
    assert gateway.posted == [("conn-ok", b"hi")]


def test_post_raises_errors_other_than_gone(moto_endpoint: str, gateway: Gateway) -> None:
    client = _management_api.client(moto_endpoint, "us-east-1")
    gateway.forbidden.add("conn-a")
    with pytest.raises(Exception, match="ForbiddenException") as caught:
        _management_api.post(client, "conn-a", b"hi")
    assert _management_api.is_gone(caught.value) is False


def test_delete_of_a_gone_connection_is_not_an_error(moto_endpoint: str, gateway: Gateway) -> None:
    client = _management_api.client(moto_endpoint, "us-east-1")
    gateway.gone.add("conn-gone")
    assert _management_api.delete(client, "conn-gone") is False
    assert _management_api.delete(client, "conn-a") is True
    assert gateway.deleted == ["conn-a"]


def test_handler_posts_through_the_configured_endpoint(
    moto_endpoint: str, gateway: Gateway
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        if (await receive())["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": "pong"})

    options = build_options(api_gateway_endpoint_url=moto_endpoint)
    handler = WebSocketHandler(app, options, store=MemoryStore())
    handler(connect_event("conn-a"), None)
    assert handler(message_event("conn-a", "ping"), None) == {"statusCode": 200}
    assert gateway.to("conn-a") == [b"pong"]
    assert list(handler._apis) == [moto_endpoint]


def test_handler_without_an_endpoint_option_uses_the_events_domain_and_stage() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        pass

    handler = WebSocketHandler(app, build_options(), store=MemoryStore())
    api = handler._api_for(parse_event(message_event("conn-a", "hi")))
    assert api.endpoint_url == "https://dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com/prod"
    assert api.region_name == "ap-northeast-1"


def test_importing_the_websocket_modules_does_not_import_boto3() -> None:
    code = (
        "import json, sys\n"
        "import asgi_lambda, asgi_lambda.websockets, asgi_lambda.websockets._handler\n"
        "print(json.dumps([m for m in ('boto3', 'botocore') if m in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    "variable", ["ASGI_LAMBDA_API_GATEWAY_ENDPOINT_URL", "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"]
)
def test_the_endpoint_can_come_from_the_environment(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from asgi_lambda.websockets._management_api import env_endpoint

    monkeypatch.delenv("ASGI_LAMBDA_API_GATEWAY_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI", raising=False)
    assert env_endpoint() is None
    monkeypatch.setenv(variable, "http://127.0.0.1:3001")
    assert env_endpoint() == "http://127.0.0.1:3001"
