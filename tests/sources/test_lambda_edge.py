"""Lambda@Edge viewer- and origin-request triggers: request -> scope, and the generated response."""

from __future__ import annotations

import base64
import json
import logging
import re
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from asgi_lambda import asgi_handler
from asgi_lambda._sources import detect
from asgi_lambda._sources.lambda_edge import (
    FORBIDDEN_RESPONSE_HEADERS,
    SOURCE,
    is_forbidden,
    matches,
    standard_case,
)
from tests.asgi_apps import RecordingApp, header_values
from tests.conftest import load_event


def run(event: dict[str, Any], app: Any = None) -> tuple[RecordingApp, dict[str, Any]]:
    recorder = app if app is not None else RecordingApp()
    return recorder, asgi_handler(recorder, lifespan="off")(event, None)


def viewer(**changes: Any) -> dict[str, Any]:
    event = load_event("edge-viewer-request")
    event["Records"][0]["cf"]["request"].update(changes)
    return event


def origin(**changes: Any) -> dict[str, Any]:
    event = load_event("edge-origin-request")
    event["Records"][0]["cf"]["request"].update(changes)
    return event


def cf_headers(*pairs: tuple[str, str]) -> dict[str, list[dict[str, str]]]:
    headers: dict[str, list[dict[str, str]]] = {}
    for key, value in pairs:
        headers.setdefault(key.lower(), []).append({"key": key, "value": value})
    return headers


# Detection


def test_both_request_triggers_are_detected_as_lambda_edge() -> None:
    assert detect(viewer()) is SOURCE
    assert detect(origin()) is SOURCE


def test_response_triggers_are_not_taken_for_request_triggers() -> None:
    event = origin()
    event["Records"][0]["cf"]["response"] = {"status": "200", "headers": {}}
    assert not matches(event)


@pytest.mark.parametrize("records", [None, [], ["x"], [{"cf": None}], [{"cf": {}}]])
def test_other_records_events_do_not_match(records: Any) -> None:
    assert not matches({"Records": records})


# Request


def test_viewer_request_sample_reaches_the_scope() -> None:
    app, _ = run(viewer())
    scope = app.scope
    assert scope["method"] == "GET"
    assert scope["path"] == "/"
    assert scope["raw_path"] == b"/"
    assert scope["query_string"] == b""
    assert scope["scheme"] == "https"
    assert scope["server"] == ("d111111abcdef8.cloudfront.net", 443)
    assert scope["client"] == ("203.0.113.178", 0)
    assert scope["headers"] == [
        (b"host", b"d111111abcdef8.cloudfront.net"),
        (b"user-agent", b"curl/7.66.0"),
        (b"accept", b"*/*"),
    ]
    assert app.messages[0]["body"] == b""


def test_origin_request_sample_reaches_the_scope() -> None:
    app, _ = run(origin())
    scope = app.scope
    assert scope["server"] == ("example.org", 443)
    assert scope["client"] == ("203.0.113.178", 0)
    assert header_values(scope, b"via") == [
        b"2.0 2afae0d44e2540f472c0635ab62c232b.cloudfront.net (CloudFront)"
    ]
    assert header_values(scope, b"cache-control") == [b"no-cache, cf-no-cache"]


def test_uri_is_percent_decoded_once_and_raw_path_kept() -> None:
    app, _ = run(viewer(uri="/caf%C3%A9/a%2Fb/%2541"))
    assert app.scope["path"] == "/café/a/b/%41"
    assert app.scope["raw_path"] == b"/caf%C3%A9/a%2Fb/%2541"


def test_querystring_is_kept_byte_for_byte() -> None:
    app, _ = run(viewer(querystring="b=2&a=%20x&a=1+1&flag&e=%E2%82%AC"))
    assert app.scope["query_string"] == b"b=2&a=%20x&a=1+1&flag&e=%E2%82%AC"


def test_repeated_header_gives_one_entry_per_value() -> None:
    headers = cf_headers(("Host", "example.org"), ("X-Multi", "one"), ("X-Multi", "two"))
    app, _ = run(viewer(headers=headers))
    assert header_values(app.scope, b"x-multi") == [b"one", b"two"]


def test_cookie_headers_become_one_cookie_header() -> None:
    headers = cf_headers(("Cookie", "a=1"), ("Cookie", "b=2; c=3"))
    app, _ = run(viewer(headers=headers))
    assert header_values(app.scope, b"cookie") == [b"a=1; b=2; c=3"]


def test_cloudfront_forwarded_proto_sets_the_scheme() -> None:
    headers = cf_headers(("Host", "example.org"), ("CloudFront-Forwarded-Proto", "http"))
    app, _ = run(origin(headers=headers))
    assert app.scope["scheme"] == "http"
    assert app.scope["server"] == ("example.org", 80)


def test_host_with_a_port_gives_that_port() -> None:
    app, _ = run(viewer(headers=cf_headers(("Host", "example.org:8443"))))
    assert app.scope["server"] == ("example.org", 8443)


def test_base64_body_is_decoded() -> None:
    body = {"data": base64.b64encode(b"\x00{json}").decode(), "encoding": "base64"}
    app, _ = run(
        origin(method="POST", body={**body, "inputTruncated": False, "action": "read-only"})
    )
    assert app.scope["method"] == "POST"
    assert app.messages[0]["body"] == b"\x00{json}"


def test_text_body_is_encoded_as_utf8() -> None:
    app, _ = run(origin(method="POST", body={"data": "héllo", "encoding": "text"}))
    assert app.messages[0]["body"] == "héllo".encode()


def test_truncated_body_is_refused_as_too_large_rather_than_passed_on_cut() -> None:
    body = {
        "data": base64.b64encode(b"{half").decode(),
        "encoding": "base64",
        "inputTruncated": True,
    }
    app, response = run(origin(method="POST", body=body))
    assert app.scopes == []
    assert response["status"] == "413"
    assert "truncated" in response["body"]


def test_invalid_base64_body_is_a_400_in_edge_shape() -> None:
    app, response = run(origin(method="POST", body={"data": "not base64!", "encoding": "base64"}))
    assert app.scopes == []
    assert response["status"] == "400"
    assert response["statusDescription"] == "Bad Request"
    assert response["bodyEncoding"] == "text"
    assert "base64" in response["body"]
    assert "content-length" not in response["headers"]
    assert response["headers"]["content-type"] == [
        {"key": "Content-Type", "value": "text/plain; charset=utf-8"}
    ]


def test_missing_method_is_a_400_naming_the_field() -> None:
    event = viewer()
    del event["Records"][0]["cf"]["request"]["method"]
    _, response = run(event)
    assert response["status"] == "400"
    assert response["body"] == (
        "invalid Lambda@Edge (Records[0].cf.request) event: method: Field required"
    )


def test_request_that_is_not_an_object_is_a_400() -> None:
    event = viewer()
    event["Records"][0]["cf"]["request"] = "GET /"
    app, response = run(event)
    assert app.scopes == []
    assert response["status"] == "400"
    assert response["body"].startswith("invalid Lambda@Edge (Records[0].cf.request) event: event:")


def test_null_header_entries_are_skipped() -> None:
    headers = {"x-a": [{"key": "X-A", "value": None}, {"key": "X-A", "value": "1"}], "x-b": None}
    app, _ = run(viewer(headers=headers))
    assert app.scope["headers"] == [(b"x-a", b"1")]


def test_null_optional_fields_are_accepted() -> None:
    app, response = run(viewer(headers=None, querystring=None, body=None, clientIp=None))
    assert response["status"] == "200"
    assert app.scope["headers"] == []
    assert app.scope["query_string"] == b""
    assert app.scope["client"] is None
    assert app.scope["server"] == ("d111111abcdef8.cloudfront.net", 443)  # the distribution's


# Response


def test_response_has_the_documented_shape() -> None:
    app = RecordingApp(headers=[(b"content-type", b"text/html; charset=utf-8")], body=b"<p>hi</p>")
    _, response = run(viewer(), app)
    assert response == {
        "status": "200",
        "statusDescription": "OK",
        "headers": {"content-type": [{"key": "Content-Type", "value": "text/html; charset=utf-8"}]},
        "body": "<p>hi</p>",
        "bodyEncoding": "text",
    }


def test_every_value_of_a_repeated_header_is_kept() -> None:
    headers = [
        (b"set-cookie", b"a=1; Path=/"),
        (b"set-cookie", b"b=2; HttpOnly"),
        (b"x-multi", b"first"),
        (b"x-multi", b"second"),
    ]
    _, response = run(viewer(), RecordingApp(headers=headers, body=b""))
    assert response["headers"] == {
        "set-cookie": [
            {"key": "Set-Cookie", "value": "a=1; Path=/"},
            {"key": "Set-Cookie", "value": "b=2; HttpOnly"},
        ],
        "x-multi": [{"key": "X-Multi", "value": "first"}, {"key": "X-Multi", "value": "second"}],
    }


def test_reserved_headers_are_dropped_from_the_generated_response() -> None:
    headers = [
        (b"content-type", b"text/plain"),
        (b"content-length", b"2"),
        (b"transfer-encoding", b"chunked"),
        (b"connection", b"keep-alive"),
        (b"via", b"1.1 app"),
        (b"x-amzn-requestid", b"abc"),
        (b"x-amz-cf-id", b"abc"),
        (b"x-edge-location", b"abc"),
        (b"x-cache", b"Hit"),
        (b"cache-control", b"max-age=60"),
    ]
    _, response = run(origin(), RecordingApp(headers=headers))
    assert sorted(response["headers"]) == ["cache-control", "content-type"]


@pytest.mark.parametrize("name", sorted(FORBIDDEN_RESPONSE_HEADERS))
def test_each_listed_header_is_forbidden(name: str) -> None:
    assert is_forbidden(name)


@pytest.mark.parametrize("name", ["content-type", "cache-control", "x-amz-meta-a", "location"])
def test_ordinary_headers_are_not_forbidden(name: str) -> None:
    assert not is_forbidden(name)


def test_binary_body_is_base64_encoded() -> None:
    app = RecordingApp(headers=[(b"content-type", b"image/png")], body=b"\x89PNG\x00\xff")
    _, response = run(viewer(), app)
    assert response["bodyEncoding"] == "base64"
    assert base64.b64decode(response["body"]) == b"\x89PNG\x00\xff"


def test_empty_body_sends_no_body_fields() -> None:
    _, response = run(viewer(), RecordingApp(status=302, headers=[(b"location", b"/x")], body=b""))
    assert response == {
        "status": "302",
        "statusDescription": "Found",
        "headers": {"location": [{"key": "Location", "value": "/x"}]},
    }


def test_no_content_response_never_carries_a_body() -> None:
    _, response = run(viewer(), RecordingApp(status=204, body=b"stray"))
    assert response["status"] == "204"
    assert "body" not in response
    assert "bodyEncoding" not in response


def test_viewer_request_response_over_40_kb_is_a_logged_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = RecordingApp(body=b"x" * (40 * 1024 + 1))
    with caplog.at_level(logging.ERROR, logger="asgi_lambda"):
        _, response = run(viewer(), app)
    assert response["status"] == "500"
    assert response["body"] == "Internal Server Error"
    reported = re.search(r"about (\d+) bytes exceeds the 40960-byte limit", caplog.text)
    assert reported is not None
    assert int(reported.group(1)) > 40 * 1024 + 1
    assert "viewer-request" in caplog.text


def test_origin_request_allows_a_response_over_40_kb() -> None:
    body = b"x" * (100 * 1024)
    _, response = run(origin(), RecordingApp(body=body))
    assert response["status"] == "200"
    assert response["body"] == body.decode()


def test_origin_request_response_over_1_mb_is_a_500() -> None:
    _, response = run(origin(), RecordingApp(body=b"x" * (1024 * 1024)))
    assert response["status"] == "500"


def test_unknown_status_code_has_an_empty_description() -> None:
    _, response = run(viewer(), RecordingApp(status=599))
    assert response["statusDescription"] == ""


@pytest.mark.parametrize(
    ("name", "expected"),
    [("content-type", "Content-Type"), ("x-multi-value", "X-Multi-Value"), ("etag", "Etag")],
)
def test_standard_case(name: str, expected: str) -> None:
    assert standard_case(name) == expected


# A real framework


def _starlette() -> Starlette:
    async def echo(request: StarletteRequest) -> Response:
        response = JSONResponse(
            {
                "path": request.url.path,
                "query": list(request.query_params.multi_items()),
                "cookies": request.cookies,
                "client": request.client.host if request.client else None,
                "body": (await request.body()).decode(),
            }
        )
        response.set_cookie("one", "1")
        response.set_cookie("two", "2")
        return response

    return Starlette(routes=[Route("/{path:path}", echo, methods=["GET", "POST"])])


def test_starlette_app_behind_an_origin_request_trigger() -> None:
    event = origin(
        method="POST",
        uri="/caf%C3%A9",
        querystring="tag=a&tag=b%20c",
        headers=cf_headers(("Host", "example.org"), ("Cookie", "s=1"), ("Cookie", "t=2")),
        body={"data": base64.b64encode(b"payload").decode(), "encoding": "base64"},
    )
    response = asgi_handler(_starlette(), lifespan="off")(event, None)
    assert response["status"] == "200"
    assert json.loads(response["body"]) == {
        "path": "/café",
        "query": [["tag", "a"], ["tag", "b c"]],
        "cookies": {"s": "1", "t": "2"},
        "client": "203.0.113.178",
        "body": "payload",
    }
    assert [c["value"].split(";")[0] for c in response["headers"]["set-cookie"]] == [
        "one=1",
        "two=2",
    ]
    assert "content-length" not in response["headers"]


# Properties: event -> scope without loss or double encoding

segment = st.text(st.characters(codec="utf-8"), max_size=12)
paths = st.lists(segment, min_size=1, max_size=4).map(lambda parts: "/" + "/".join(parts))
header_names = st.from_regex(r"x-[a-z0-9][a-z0-9-]{0,10}", fullmatch=True)
header_value = st.text(st.characters(codec="latin-1", min_codepoint=0x20), max_size=20)


@settings(max_examples=60, deadline=None)
@given(path=paths)
def test_any_percent_encoded_uri_round_trips(path: str) -> None:
    raw = quote(path, safe="/")
    app, _ = run(viewer(uri=raw))
    assert app.scope["raw_path"] == raw.encode()
    assert app.scope["path"] == path


@settings(max_examples=60, deadline=None)
@given(query=st.text(st.characters(codec="ascii", exclude_characters="# \r\n"), max_size=40))
def test_any_querystring_is_kept_byte_for_byte(query: str) -> None:
    app, _ = run(viewer(querystring=query))
    assert app.scope["query_string"] == query.encode()


@settings(max_examples=60, deadline=None)
@given(headers=st.dictionaries(header_names, st.lists(header_value, min_size=1, max_size=3)))
def test_any_header_set_round_trips_one_entry_per_value(headers: dict[str, list[str]]) -> None:
    event = viewer(
        headers={
            name: [{"key": name.title(), "value": v} for v in vals]
            for name, vals in headers.items()
        }
    )
    app, _ = run(event)
    seen = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in app.scope["headers"]]
    assert seen == [(name, value) for name, vals in headers.items() for value in vals]


@settings(max_examples=60, deadline=None)
@given(headers=st.lists(st.tuples(header_names, header_value), max_size=6))
def test_any_response_header_list_keeps_every_value(headers: list[tuple[str, str]]) -> None:
    raw = [(name.encode(), value.encode("latin-1")) for name, value in headers]
    _, response = run(viewer(), RecordingApp(headers=raw, body=b""))
    sent = [
        (name, entry["value"]) for name, entries in response["headers"].items() for entry in entries
    ]
    assert sorted(sent) == sorted(headers)


def test_a_bad_header_with_a_huge_name_still_answers_400_within_the_viewer_limit() -> None:
    event = viewer()
    event["Records"][0]["cf"]["request"]["headers"]["a" * 41_000] = [{"key": "a", "value": 1}]
    _, response = run(event)
    assert response["status"] == "400"
    assert len(json.dumps(response)) < 1_000


@pytest.mark.parametrize(
    "host",
    [
        "evil.example/x?",
        "a@evil.example",
        "a.example:x",
        "a.example:²",
        "a.example:" + "9" * 5000,
        "",
    ],
)
def test_a_host_header_that_is_not_host_port_is_not_the_server(host: str) -> None:
    # The rule of every other front door: the distribution's domain instead, as CloudFront sends.
    event = viewer(headers=cf_headers(("Host", host)))
    distribution = event["Records"][0]["cf"]["config"]["distributionDomainName"]
    recorder, _ = run(event)
    assert recorder.scope["server"] == (distribution, 443)


def test_a_good_host_header_is_the_server() -> None:
    recorder, _ = run(viewer(headers=cf_headers(("Host", "shop.example:8443"))))
    assert recorder.scope["server"] == ("shop.example", 8443)
