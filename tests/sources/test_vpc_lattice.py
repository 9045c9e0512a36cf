"""VPC Lattice, event structure versions 1 and 2.0: request -> scope, and the response shape."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any
from urllib.parse import parse_qsl, quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from asgi_lambda import asgi_handler
from asgi_lambda._sources import detect
from asgi_lambda._sources.vpc_lattice import SOURCE, matches
from tests.asgi_apps import RecordingApp, header_values
from tests.conftest import load_event

HOST = "test-lambda-service-3908sdf9u3u.dkfjd93.vpc-lattice-svcs.us-east-2.on.aws"


def run(event: dict[str, Any], app: Any = None) -> tuple[RecordingApp, dict[str, Any]]:
    recorder = app if app is not None else RecordingApp()
    return recorder, asgi_handler(recorder, lifespan="off")(event, None)


def v1(**changes: Any) -> dict[str, Any]:
    event = load_event("pt-vpcLatticeEvent")
    event.update(changes)
    return event


def v2(**changes: Any) -> dict[str, Any]:
    event = load_event("pt-vpcLatticeV2Event")
    event.update(changes)
    return event


# Detection


def test_both_versions_are_detected_as_vpc_lattice() -> None:
    assert detect(v1()) is SOURCE
    assert detect(v2()) is SOURCE


def test_http_api_payload_2_is_not_taken_for_lattice_v2() -> None:
    assert not matches(load_event("pt-apiGatewayProxyV2Event"))


# Version 1 request


def test_v1_sample_reaches_the_scope() -> None:
    app, _ = run(v1())
    scope = app.scope
    assert scope["method"] == "GET"
    assert scope["path"] == "/testpath"
    assert scope["raw_path"] == b"/testpath"
    assert scope["query_string"] == b"order-id=1"
    assert scope["scheme"] == "https"
    assert scope["server"] == (HOST, 443)
    assert scope["client"] == ("10.213.229.10", 0)


def test_v1_base64_body_is_decoded() -> None:
    app, _ = run(v1())
    assert app.messages[0]["body"] == b'{"test": "event"}'


def test_v1_comma_joined_header_stays_one_value() -> None:
    app, _ = run(v1())
    assert header_values(app.scope, b"header2") == [b"value1,value2"]


def test_v1_raw_path_with_a_query_keeps_the_query_bytes_exactly() -> None:
    app, _ = run(
        v1(raw_path="/a%20b/c%2Fd?x=%2F&y=1+2&y=3&flag", query_string_parameters={"x": "/"})
    )
    scope = app.scope
    assert scope["path"] == "/a b/c/d"
    assert scope["raw_path"] == b"/a%20b/c%2Fd"
    assert scope["query_string"] == b"x=%2F&y=1+2&y=3&flag"


def test_v1_without_query_parameters_has_an_empty_query_string() -> None:
    app, _ = run(v1(query_string_parameters=None))
    assert app.scope["query_string"] == b""


def test_v1_plain_text_body_is_passed_through() -> None:
    app, _ = run(v1(body="plain text é", is_base64_encoded=False))
    assert app.messages[0]["body"] == "plain text é".encode()


# Version 2.0 request


def test_v2_sample_reaches_the_scope() -> None:
    app, _ = run(v2())
    scope = app.scope
    assert scope["method"] == "GET"
    assert scope["path"] == "/newpath"
    assert scope["raw_path"] == b"/newpath"
    assert scope["query_string"] == b"order-id=1"
    assert scope["server"] == (HOST, 443)
    assert scope["client"] == ("10.213.229.10", 0)
    assert app.messages[0]["body"] == b'{"message": "Hello from Lambda!"}'


def test_v2_list_headers_give_one_entry_per_value() -> None:
    app, _ = run(v2(headers={"X-Multi": ["x", "y"], "accept": ["*/*"], "host": [HOST]}))
    assert header_values(app.scope, b"x-multi") == [b"x", b"y"]
    assert header_values(app.scope, b"accept") == [b"*/*"]


def test_v2_cookie_values_become_one_cookie_header() -> None:
    app, _ = run(v2(headers={"cookie": ["a=1", "b=2; c=3"]}))
    assert header_values(app.scope, b"cookie") == [b"a=1; b=2; c=3"]


def test_v2_list_query_parameters_keep_every_value_in_order() -> None:
    app, _ = run(v2(queryStringParameters={"multi": ["a", "DEF", "g"], "state": ["prod"]}))
    assert app.scope["query_string"] == b"multi=a&multi=DEF&multi=g&state=prod"


def test_v2_query_values_are_percent_encoded_once() -> None:
    app, _ = run(v2(queryStringParameters={"q": ["a&b=c", "100%"], "name": "é /"}))
    query = app.scope["query_string"]
    assert query == b"q=a%26b%3Dc&q=100%25&name=%C3%A9+%2F"
    assert parse_qsl(query.decode()) == [("q", "a&b=c"), ("q", "100%"), ("name", "é /")]


def test_v2_client_is_the_last_forwarded_for_entry() -> None:
    app, _ = run(v2(headers={"x-forwarded-for": ["198.51.100.7, 10.0.0.1", "10.213.229.10"]}))
    assert app.scope["client"] == ("10.213.229.10", 0)


def test_v2_forwarded_proto_and_port_give_scheme_and_server() -> None:
    headers = {"host": ["svc.example"], "x-forwarded-proto": ["http"], "x-forwarded-port": ["8080"]}
    app, _ = run(v2(headers=headers))
    assert app.scope["scheme"] == "http"
    assert app.scope["server"] == ("svc.example", 8080)


def test_v2_null_optional_fields_are_accepted() -> None:
    app, response = run(v2(headers=None, queryStringParameters=None, body=None))
    assert response["statusCode"] == 200
    assert app.scope["headers"] == []
    assert app.messages[0]["body"] == b""


def test_v2_base64_body_is_decoded() -> None:
    body = base64.b64encode(b"\x00\xffbinary").decode()
    app, _ = run(v2(body=body, isBase64Encoded=True))
    assert app.messages[0]["body"] == b"\x00\xffbinary"


# Bad events


@pytest.mark.parametrize("event", [v1(body="not base64!!"), v2(body="%%%", isBase64Encoded=True)])
def test_invalid_base64_body_is_a_400_in_lattice_shape(event: dict[str, Any]) -> None:
    app, response = run(event)
    assert app.scopes == []
    assert response["statusCode"] == 400
    assert response["statusDescription"] == "400 Bad Request"
    assert "base64" in response["body"]
    assert response["isBase64Encoded"] is False


def test_missing_method_is_a_400_naming_the_field(caplog: pytest.LogCaptureFixture) -> None:
    event = v2()
    del event["method"]
    with caplog.at_level(logging.WARNING, logger="asgi_lambda"):
        app, response = run(event)
    assert app.scopes == []
    assert response["statusCode"] == 400
    assert response["body"] == "invalid VPC Lattice (version 2.0) event: method: Field required"


# Response


def test_response_has_the_documented_shape() -> None:
    app = RecordingApp(headers=[(b"content-type", b"application/json")], body=b'{"ok": true}')
    _, response = run(v2(), app)
    assert response == {
        "isBase64Encoded": False,
        "statusCode": 200,
        "statusDescription": "200 OK",
        "headers": {"content-type": "application/json"},
        "body": '{"ok": true}',
    }


def test_two_set_cookie_headers_survive_under_distinct_keys() -> None:
    headers = [(b"set-cookie", b"a=1; Path=/"), (b"set-cookie", b"b=2; HttpOnly")]
    _, response = run(v1(), RecordingApp(headers=headers, body=b""))
    cookies = {k: v for k, v in response["headers"].items() if k.lower() == "set-cookie"}
    assert len(cookies) == 2
    assert sorted(cookies.values()) == ["a=1; Path=/", "b=2; HttpOnly"]


def test_other_repeated_headers_are_comma_joined() -> None:
    headers = [(b"vary", b"accept"), (b"vary", b"origin"), (b"content-type", b"text/plain")]
    _, response = run(v2(), RecordingApp(headers=headers))
    assert response["headers"]["vary"] == "accept, origin"


def test_binary_body_is_base64() -> None:
    app = RecordingApp(headers=[(b"content-type", b"image/png")], body=b"\x89PNG\x00")
    _, response = run(v2(), app)
    assert response["isBase64Encoded"] is True
    assert base64.b64decode(response["body"]) == b"\x89PNG\x00"


def test_unknown_status_code_has_a_bare_description() -> None:
    _, response = run(v2(), RecordingApp(status=599))
    assert response["statusDescription"] == "599"


# A real framework


def _starlette() -> Starlette:
    async def echo(request: StarletteRequest) -> Response:
        body = await request.body()
        response = JSONResponse(
            {
                "path": request.url.path,
                "query": list(request.query_params.multi_items()),
                "cookies": request.cookies,
                "client": request.client.host if request.client else None,
                "body": body.decode(),
            }
        )
        response.set_cookie("one", "1")
        response.set_cookie("two", "2")
        return response

    return Starlette(routes=[Route("/{path:path}", echo, methods=["GET", "POST"])])


def test_starlette_sees_the_v2_request_and_sets_two_cookies() -> None:
    event = v2(
        path="/caf%C3%A9",
        queryStringParameters={"tag": ["a", "b c"]},
        headers={"host": [HOST], "cookie": ["s=1", "t=2"], "x-forwarded-for": ["10.1.2.3"]},
    )
    response = asgi_handler(_starlette(), lifespan="off")(event, None)
    assert response["statusCode"] == 200
    payload = json.loads(response["body"])
    assert payload == {
        "path": "/café",
        "query": [["tag", "a"], ["tag", "b c"]],
        "cookies": {"s": "1", "t": "2"},
        "client": "10.1.2.3",
        "body": '{"message": "Hello from Lambda!"}',
    }
    cookies = [v for k, v in response["headers"].items() if k.lower() == "set-cookie"]
    assert sorted(c.split(";")[0] for c in cookies) == ["one=1", "two=2"]


# Properties: event -> scope without loss or double encoding

segment = st.text(st.characters(codec="utf-8"), max_size=12)
paths = st.lists(segment, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
names = st.text(st.characters(codec="utf-8"), min_size=1, max_size=8)
values = st.text(st.characters(codec="utf-8"), max_size=12)
header_names = st.from_regex(r"x-[a-z0-9][a-z0-9-]{0,10}", fullmatch=True)
header_values_ = st.text(st.characters(codec="latin-1", min_codepoint=0x20), max_size=20).map(
    str.strip
)


@settings(max_examples=60, deadline=None)
@given(path=paths)
def test_any_percent_encoded_path_round_trips(path: str) -> None:
    raw = quote(path, safe="/")
    app, _ = run(v2(path=raw))
    assert app.scope["raw_path"] == raw.encode()
    assert app.scope["path"] == path


@settings(max_examples=60, deadline=None)
@given(params=st.dictionaries(names, st.lists(values, min_size=1, max_size=3), max_size=4))
def test_any_v2_query_parameters_round_trip(params: dict[str, list[str]]) -> None:
    app, _ = run(v2(queryStringParameters=params))
    decoded = parse_qsl(app.scope["query_string"].decode("ascii"), keep_blank_values=True)
    assert decoded == [(name, value) for name, vals in params.items() for value in vals]


@settings(max_examples=60, deadline=None)
@given(query=st.text(st.characters(codec="ascii", exclude_characters="# \r\n"), max_size=30))
def test_any_v1_raw_query_is_kept_byte_for_byte(query: str) -> None:
    app, _ = run(v1(raw_path="/p?" + query))
    assert app.scope["query_string"] == query.encode()
    assert app.scope["raw_path"] == b"/p"


@settings(max_examples=60, deadline=None)
@given(headers=st.dictionaries(header_names, st.lists(header_values_, min_size=1, max_size=3)))
def test_any_v2_header_set_round_trips_one_entry_per_value(headers: dict[str, list[str]]) -> None:
    app, _ = run(v2(headers=headers, body=None))  # a body would add content-length
    seen = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in app.scope["headers"]]
    assert seen == [(name, value) for name, vals in headers.items() for value in vals]


def test_cookies_past_the_512_spellings_of_set_cookie_are_logged_with_their_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cookies = [(b"set-cookie", f"c{n}=1".encode()) for n in range(600)]
    _, response = run(v2(), RecordingApp(headers=cookies))
    sent = [v for k, v in response["headers"].items() if k.lower() == "set-cookie"]
    assert len(sent) == 512
    assert "dropping 88 of 600 set-cookie headers: VPC Lattice responses" in caplog.text
