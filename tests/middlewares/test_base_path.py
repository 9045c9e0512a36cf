"""Base path and stage: root_path carries the mount point, path stays the URL the client used."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse
from starlette.responses import Response as StarletteResponse
from starlette.routing import Route

from asgi_lambda import asgi_handler
from asgi_lambda._http.request import Request
from asgi_lambda._http.response import Response
from asgi_lambda._loop import run
from asgi_lambda._options import Options
from asgi_lambda._types import Receive, Scope, Send
from asgi_lambda.middlewares.base_path import EXECUTE_API_HOST, BasePath

LoadEvent = Callable[[str], dict[str, Any]]
EXECUTE_API = "abc123.execute-api.us-east-1.amazonaws.com"


async def _item(request: StarletteRequest) -> JSONResponse:
    return JSONResponse(
        {
            "url": str(request.url),
            "url_for": str(request.url_for("item", id="7")),
            "path": request.scope["path"],
            "root_path": request.scope["root_path"],
            "id": request.path_params["id"],
        }
    )


async def _home(request: StarletteRequest) -> StarletteResponse:
    return StarletteResponse("home", media_type="text/plain")


starlette_app = Starlette(
    routes=[
        Route("/", _home),
        Route("/items/{id}", _item, name="item"),
        Route("/list/", _home),
        Route("/api/nested/{id}", _item),
    ]
)


async def _echo_scope(scope: Scope, receive: Receive, send: Send) -> None:
    keys = ("path", "raw_path", "root_path")
    body = json.dumps(
        {k: v.decode() if isinstance(v, bytes) else v for k in keys for v in [scope[k]]}
    )
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


def call(app: Any, event: dict[str, Any], **options: Any) -> dict[str, Any]:
    result = asgi_handler(app, lifespan="off", **options)(event, None)
    assert result["statusCode"] == 200, result
    body: dict[str, Any] = json.loads(result["body"])
    return body


def http_v2(
    load: LoadEvent, raw_path: str, stage: str = "$default", domain: str = EXECUTE_API
) -> dict[str, Any]:
    event = load("pt-apiGatewayProxyV2Event_GET")
    event["rawPath"] = raw_path
    event["rawQueryString"] = ""
    event["requestContext"]["http"]["path"] = raw_path
    event["requestContext"].update(stage=stage, domainName=domain)
    return event


def rest(
    load: LoadEvent, path: str, public_path: str, stage: str, domain: str = EXECUTE_API
) -> dict[str, Any]:
    event = load("pt-apiGatewayProxyEvent")
    event.pop("version", None)
    event["path"] = path
    event["queryStringParameters"] = event["multiValueQueryStringParameters"] = None
    event["requestContext"].update(path=public_path, stage=stage, domainName=domain)
    return event


def mounted(path: str, options: Options, event: dict[str, Any] | None = None) -> Request:
    """The request as the app sees it after BasePath."""
    request = Request(
        method="GET",
        path=path,
        raw_path=path.encode(),
        query_string=b"",
        headers=[],
        body=b"",
        source="alb",
        event=event or {},
    )
    seen: list[Request] = []

    async def call_next(inner: Request) -> Response:
        seen.append(inner)
        return Response(status=200)

    run(BasePath(options)(request, call_next))
    return seen[0]


# api_gateway_base_path


def test_base_path_moves_into_root_path_and_path_keeps_it() -> None:
    request = mounted("/api/x", Options(api_gateway_base_path="/api"))
    assert (request.root_path, request.path, request.raw_path) == ("/api", "/api/x", b"/api/x")


def test_base_path_is_matched_on_segments_not_characters() -> None:
    # Mangum strips "/api" from "/apiv2/x" and routes "v2/x".
    request = mounted("/apiv2/x", Options(api_gateway_base_path="/api"))
    assert (request.root_path, request.path) == ("", "/apiv2/x")


def test_request_for_the_mount_point_itself_reaches_the_root_route() -> None:
    request = mounted("/api", Options(api_gateway_base_path="/api"))
    assert (request.root_path, request.path, request.raw_path) == ("/api", "/api/", b"/api/")


def test_path_outside_the_base_path_is_left_alone() -> None:
    request = mounted("/health", Options(api_gateway_base_path="/api"))
    assert (request.root_path, request.path) == ("", "/health")


def test_base_path_given_without_slashes_still_matches() -> None:
    request = mounted("/api/v1/x", Options(api_gateway_base_path="api/v1/"))
    assert request.root_path == "/api/v1"


def test_encoded_slash_survives_in_raw_path(event: LoadEvent) -> None:
    scope = call(_echo_scope, http_v2(event, "/api/files/a%2Fb"), api_gateway_base_path="/api")
    assert scope == {"path": "/api/files/a/b", "raw_path": "/api/files/a%2Fb", "root_path": "/api"}


def test_starlette_routes_below_the_base_path_and_builds_public_urls(event: LoadEvent) -> None:
    event_ = http_v2(event, "/api/items/42", domain="api.example.com")
    body = call(starlette_app, event_, api_gateway_base_path="/api")
    assert body == {
        "url": "https://api.example.com/api/items/42",
        "url_for": "https://api.example.com/api/items/7",
        "path": "/api/items/42",
        "root_path": "/api",
        "id": "42",
    }


def test_starlette_serves_its_root_route_at_the_bare_base_path(event: LoadEvent) -> None:
    handler = asgi_handler(starlette_app, lifespan="off", api_gateway_base_path="/api")
    result = handler(http_v2(event, "/api", domain="api.example.com"), None)
    assert (result["statusCode"], result["body"]) == (200, "home")


def test_starlette_trailing_slash_redirect_keeps_the_base_path(event: LoadEvent) -> None:
    handler = asgi_handler(starlette_app, lifespan="off", api_gateway_base_path="/api")
    result = handler(http_v2(event, "/api/list", domain="api.example.com"), None)
    assert (result["statusCode"], result["headers"]["location"]) == (
        307,
        "https://api.example.com/api/list/",
    )


def test_route_that_repeats_the_base_path_name_is_reached(event: LoadEvent) -> None:
    body = call(starlette_app, http_v2(event, "/api/api/nested/3"), api_gateway_base_path="/api")
    assert (body["id"], body["root_path"]) == ("3", "/api")


def test_base_path_applies_to_alb_events(event: LoadEvent) -> None:
    alb = event("pt-albEvent")
    alb["path"] = "/prefix/items/5"
    body = call(starlette_app, alb, api_gateway_base_path="/prefix")
    assert (body["id"], body["root_path"]) == ("5", "/prefix")


# strip_stage_path


def test_http_api_named_stage_on_execute_api_host_moves_into_root_path(event: LoadEvent) -> None:
    body = call(
        starlette_app, http_v2(event, "/prod/items/42", stage="prod"), strip_stage_path=True
    )
    assert body == {
        "url": f"https://{EXECUTE_API}/prod/items/42",
        "url_for": f"https://{EXECUTE_API}/prod/items/7",
        "path": "/prod/items/42",
        "root_path": "/prod",
        "id": "42",
    }


def test_default_stage_is_never_a_path_prefix(event: LoadEvent) -> None:
    scope = call(_echo_scope, http_v2(event, "/$default/x"), strip_stage_path=True)
    assert (scope["root_path"], scope["path"]) == ("", "/$default/x")


def test_stage_on_a_custom_domain_is_left_to_the_base_path(event: LoadEvent) -> None:
    scope = call(
        _echo_scope, http_v2(event, "/prod/x", "prod", "api.example.com"), strip_stage_path=True
    )
    assert (scope["root_path"], scope["path"]) == ("", "/prod/x")


def test_stage_stays_in_the_route_without_strip_stage_path(event: LoadEvent) -> None:
    scope = call(_echo_scope, http_v2(event, "/prod/x", stage="prod"), api_gateway_base_path="/x")
    assert (scope["root_path"], scope["path"]) == ("", "/prod/x")


def test_stage_and_base_path_together_form_the_root_path(event: LoadEvent) -> None:
    event_ = http_v2(event, "/prod/api/items/1", stage="prod")
    body = call(starlette_app, event_, strip_stage_path=True, api_gateway_base_path="/api")
    assert (body["root_path"], body["url_for"]) == (
        "/prod/api",
        f"https://{EXECUTE_API}/prod/api/items/7",
    )


def test_rest_api_stage_is_put_back_in_front_of_the_path(event: LoadEvent) -> None:
    scope = call(
        _echo_scope, rest(event, "/a%2Fb/x", "/prod/a%2Fb/x", "prod"), strip_stage_path=True
    )
    assert scope == {"path": "/prod/a/b/x", "raw_path": "/prod/a%2Fb/x", "root_path": "/prod"}


def test_rest_api_url_for_includes_the_stage(event: LoadEvent) -> None:
    body = call(
        starlette_app, rest(event, "/items/42", "/prod/items/42", "prod"), strip_stage_path=True
    )
    assert (body["url"], body["url_for"], body["id"]) == (
        f"https://{EXECUTE_API}/prod/items/42",
        f"https://{EXECUTE_API}/prod/items/7",
        "42",
    )


def test_rest_api_request_for_the_stage_root_reaches_the_root_route(event: LoadEvent) -> None:
    scope = call(_echo_scope, rest(event, "/", "/prod/", "prod"), strip_stage_path=True)
    assert (scope["root_path"], scope["path"]) == ("/prod", "/prod/")


def test_rest_api_stage_and_custom_path_below_it(event: LoadEvent) -> None:
    event_ = rest(event, "/api/items/1", "/prod/api/items/1", "prod")
    scope = call(_echo_scope, event_, strip_stage_path=True, api_gateway_base_path="/api")
    assert (scope["root_path"], scope["path"]) == ("/prod/api", "/prod/api/items/1")


def test_rest_api_custom_domain_mapping_is_stripped_by_base_path_only(event: LoadEvent) -> None:
    event_ = rest(event, "/v1/items/1", "/v1/items/1", "prod", domain="api.example.com")
    scope = call(_echo_scope, event_, strip_stage_path=True, api_gateway_base_path="/v1")
    assert (scope["root_path"], scope["path"]) == ("/v1", "/v1/items/1")


def test_http_api_payload_1_named_stage_is_already_in_the_path(event: LoadEvent) -> None:
    event_ = rest(event, "/prod/items/1", "/prod/items/1", "prod")
    event_["version"] = "1.0"
    scope = call(_echo_scope, event_, strip_stage_path=True)
    assert (scope["root_path"], scope["path"]) == ("/prod", "/prod/items/1")


def test_host_header_identifies_execute_api_when_domain_name_is_missing() -> None:
    event = {"requestContext": {"stage": "dev"}}
    request = Request(
        method="GET",
        path="/dev/x",
        raw_path=b"/dev/x",
        query_string=b"",
        headers=[(b"host", EXECUTE_API.encode())],
        body=b"",
        source="http_api_v2",
        event=event,
    )
    seen: list[Request] = []

    async def call_next(inner: Request) -> Response:
        seen.append(inner)
        return Response(status=200)

    run(BasePath(Options(strip_stage_path=True))(request, call_next))
    assert seen[0].root_path == "/dev"


@pytest.mark.parametrize(
    ("host", "is_execute_api"),
    [
        ("abc123.execute-api.eu-west-1.amazonaws.com", True),
        ("abc123-vpce-0123abcd.execute-api.us-east-1.vpce.amazonaws.com", True),
        ("abc123.execute-api.cn-north-1.amazonaws.com.cn", True),
        ("ABC123.Execute-Api.us-east-1.amazonaws.com:443", True),
        ("api.example.com", False),
        ("abc.lambda-url.us-east-1.on.aws", False),
        ("abc123.execute-api.us-east-1.amazonaws.com.evil.com", False),
    ],
)
def test_execute_api_host_pattern(host: str, is_execute_api: bool) -> None:
    assert bool(EXECUTE_API_HOST.fullmatch(host)) is is_execute_api
