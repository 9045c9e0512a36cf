"""Issue 2's acceptance test: every HTTP sample event, through the handler, to one Starlette app.

The app echoes what it saw and sets two cookies; each case states what AWS's sample means.
"""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import brotli
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from asgi_lambda import asgi_handler
from tests.conftest import load_event


async def echo(request: Request) -> JSONResponse:
    body = await request.body()
    response = JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "raw_path": request.scope["raw_path"].decode(),
            "query": request.scope["query_string"].decode(),
            "headers": [[k.decode(), v.decode()] for k, v in request.scope["headers"]],
            "cookies": request.cookies,
            "client": list(request.client) if request.client else None,
            "server": list(request.scope["server"]) if request.scope["server"] else None,
            "scheme": request.url.scheme,
            "body": base64.b64encode(body).decode(),
        }
    )
    response.set_cookie("first", "1")
    response.set_cookie("second", "2")
    return response


app = Starlette(routes=[Route("/{path:path}", echo, methods=["GET", "POST", "PUT", "DELETE"])])
handler = asgi_handler(app, lifespan="off")


def set_cookies(response: dict[str, Any]) -> list[str]:
    """Every set-cookie value, wherever this source's response shape puts them."""
    found = list(response.get("cookies", []))
    for name, values in (response.get("multiValueHeaders") or {}).items():
        if name.lower() == "set-cookie":
            found.extend(values)
    for name, value in (response.get("headers") or {}).items():
        if name.lower() != "set-cookie" or response.get("multiValueHeaders"):
            continue
        if isinstance(value, list):  # Lambda@Edge: [{key, value}, ...]
            found.extend(item["value"] for item in value)
        else:
            found.append(value)
    return sorted(found)


def echoed(response: dict[str, Any]) -> dict[str, Any]:
    raw: bytes
    if response.get("isBase64Encoded") or response.get("bodyEncoding") == "base64":
        raw = base64.b64decode(response["body"])
    else:
        raw = response["body"].encode()
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    encoding = headers.get("content-encoding") or (response.get("multiValueHeaders") or {}).get(
        "content-encoding", [""]
    )
    if "gzip" in str(encoding):
        raw = gzip.decompress(raw)
    elif "br" in str(encoding):
        raw = brotli.decompress(raw)
    result: dict[str, Any] = json.loads(raw)
    return result


def status(response: dict[str, Any]) -> int:
    return int(response.get("statusCode", response.get("status", 0)))


CASES = {
    "pt-apiGatewayProxyEvent": {
        "method": "GET",
        "path": "/my/path",
        "query": "parameter1=value1&parameter1=value2&parameter2=value",
        "client": ["192.168.0.1", 0],
        "server": ["id.execute-api.us-east-1.amazonaws.com", 443],
        "body": b"Hello from Lambda!",
        "header": ["header2", "value2"],
    },
    "pt-apiGatewayProxyV2Event": {
        "method": "POST",
        "path": "/my/path",
        "query": "parameter1=value1&parameter1=value2&parameter2=value",
        "client": ["192.168.0.1", 0],
        "server": ["id.execute-api.us-east-1.amazonaws.com", 443],
        "body": b'{"message": "hello world", "username": "tom"}',
        "header": ["header2", "value1,value2"],
    },
    "pt-apiGatewayProxyV2Event_GET": {
        "method": "GET",
        "path": "/my/path",
        "query": "parameter1=value1&parameter1=value2&parameter2=value",
        "client": ["192.168.0.1", 0],
        "server": ["id.execute-api.us-east-1.amazonaws.com", 443],
        "body": b"",
        "header": ["header1", "value1"],
    },
    "pt-lambdaFunctionUrlEvent": {
        "method": "GET",
        "path": "/",
        "query": "",
        "client": ["123.123.123.123", 0],
        "server": ["<url-id>.lambda-url.us-east-1.on.aws", 443],
        "body": b"",
        "header": ["x-amzn-tls-version", "TLSv1.2"],
    },
    "pt-albEvent": {
        "method": "GET",
        "path": "/lambda",
        "query": "query=1234ABCD",
        "client": ["72.12.164.125", 0],
        "server": ["lambda-alb-123578498.us-east-2.elb.amazonaws.com", 80],
        "body": b"Test",
        "header": ["x-imforwards", "20"],
    },
    "pt-albMultiValueHeadersEvent": {
        "method": "GET",
        "path": "/todos",
        "query": "",
        "client": ["123.123.123.123", 0],
        "server": ["alb-c-LoadB-14POFKYCLBNSF-1815800096.eu-central-1.elb.amazonaws.com", 80],
        "body": b"",
        "header": ["user-agent", "curl/7.79.1"],
    },
    "pt-vpcLatticeEvent": {
        "method": "GET",
        "path": "/testpath",
        "query": "order-id=1",
        "client": ["10.213.229.10", 0],
        "server": [
            "test-lambda-service-3908sdf9u3u.dkfjd93.vpc-lattice-svcs.us-east-2.on.aws",
            443,
        ],
        "body": b'{"test": "event"}',
        "header": ["header2", "value1,value2"],
    },
    "pt-vpcLatticeV2Event": {
        "method": "GET",
        "path": "/newpath",
        "query": "order-id=1",
        "client": ["10.213.229.10", 0],
        "server": [
            "test-lambda-service-3908sdf9u3u.dkfjd93.vpc-lattice-svcs.us-east-2.on.aws",
            443,
        ],
        "body": b'{"message": "Hello from Lambda!"}',
        "header": ["accept", "*/*"],
    },
    "edge-origin-request": {
        "method": "GET",
        "path": "/",
        "query": "",
        "client": ["203.0.113.178", 0],
        "server": ["example.org", 443],
        "body": b"",
        "header": ["cache-control", "no-cache, cf-no-cache"],
    },
    "edge-viewer-request": {
        "method": "GET",
        "path": "/",
        "query": "",
        "client": ["203.0.113.178", 0],
        "server": ["d111111abcdef8.cloudfront.net", 443],
        "body": b"",
        "header": ["user-agent", "curl/7.66.0"],
    },
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_sample_event_reaches_the_app_as_aws_meant_it(name: str) -> None:
    expected = CASES[name]
    response = handler(load_event(name), None)
    assert status(response) == 200, response
    seen = echoed(response)
    assert seen["method"] == expected["method"]
    assert seen["path"] == expected["path"]
    assert seen["raw_path"] == expected["path"]
    assert seen["query"] == expected["query"]
    assert seen["client"] == expected["client"]
    assert seen["server"] == expected["server"]
    assert base64.b64decode(seen["body"]) == expected["body"]
    assert expected["header"] in seen["headers"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_two_set_cookie_headers_survive_on_every_source(name: str) -> None:
    response = handler(load_event(name), None)
    assert set_cookies(response) == [
        "first=1; Path=/; SameSite=lax",
        "second=2; Path=/; SameSite=lax",
    ]


def test_repeated_cookie_headers_reach_the_app_joined_with_semicolons() -> None:
    event = load_event("pt-albMultiValueHeadersEvent")
    event["multiValueHeaders"]["cookie"] = ["a=1", "b=2; c=3"]
    seen = echoed(handler(event, None))
    assert seen["cookies"] == {"a": "1", "b": "2", "c": "3"}
    assert ["cookie", "a=1; b=2; c=3"] in seen["headers"]


LONE_SURROGATE = "\ud800"  # what json.loads makes of "\ud800": text with no bytes in any encoding


def _put_in_v2_header(event: dict[str, Any]) -> None:
    event["headers"]["x-broken"] = LONE_SURROGATE


def _put_in_rest_path(event: dict[str, Any]) -> None:
    event["path"] = "/" + LONE_SURROGATE


def _put_in_alb_body(event: dict[str, Any]) -> None:
    event["body"], event["isBase64Encoded"] = LONE_SURROGATE, False


@pytest.mark.parametrize(
    ("name", "put"),
    [
        ("pt-apiGatewayProxyV2Event", _put_in_v2_header),
        ("pt-apiGatewayProxyEvent", _put_in_rest_path),
        ("pt-albMultiValueHeadersEvent", _put_in_alb_body),
    ],
)
def test_text_with_a_lone_surrogate_answers_400_not_a_crash(name: str, put: Any) -> None:
    event = load_event(name)
    put(event)
    response = handler(event, None)
    assert response["statusCode"] == 400
    assert "not valid Unicode" in response["body"]
