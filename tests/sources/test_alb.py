"""ALB, single- and multi-value headers mode: event -> scope, response -> event shape (SPEC 2-4)."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl, quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asgi_lambda import asgi_handler
from asgi_lambda._sources import detect
from asgi_lambda._sources.alb import SOURCE
from tests.asgi_apps import RecordingApp, header_values, items_echo_app
from tests.conftest import load_event
from tests.sources.strategies import HEADER_VALUE, SEGMENT, TEXT, TOKEN, scope_for

SINGLE = "pt-albEvent"
MULTI = "pt-albMultiValueHeadersEvent"
TWO_COOKIES = [(b"content-type", b"text/plain"), (b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]


def invoke(event: dict[str, Any], app: RecordingApp | None = None) -> tuple[dict[str, Any], Any]:
    """(Lambda response, the app's scope) for one invocation of ``event``."""
    app = app or RecordingApp()
    response = asgi_handler(app, lifespan="off")(event, None)
    return response, app.scopes[-1] if app.scopes else None


def with_path(path: str, name: str = SINGLE) -> dict[str, Any]:
    event = load_event(name)
    event["path"] = path
    return event


# Detection


def test_single_value_event_is_detected_as_alb() -> None:
    assert detect(load_event(SINGLE)) is SOURCE


def test_multi_value_event_is_detected_as_alb() -> None:
    assert detect(load_event(MULTI)) is SOURCE


def test_api_gateway_event_does_not_match() -> None:
    assert not SOURCE.matches(load_event("pt-apiGatewayProxyEvent"))


# Request -> scope


def test_method_reaches_the_scope() -> None:
    event = load_event(SINGLE)
    event["httpMethod"] = "delete"
    _, scope = invoke(event)
    assert scope["method"] == "DELETE"


def test_path_and_raw_path_reach_the_scope() -> None:
    _, scope = invoke(load_event(SINGLE))
    assert (scope["path"], scope["raw_path"]) == ("/lambda", b"/lambda")


def test_percent_encoded_path_is_decoded_once() -> None:
    _, scope = invoke(with_path("/caf%C3%A9/a%2520b"))
    assert scope["path"] == "/café/a%20b"
    assert scope["raw_path"] == b"/caf%C3%A9/a%2520b"


def test_encoded_slash_stays_distinguishable_from_a_slash() -> None:
    _, encoded = invoke(with_path("/files/a%2Fb"))
    _, plain = invoke(with_path("/files/a/b"))
    assert encoded["raw_path"] == b"/files/a%2Fb"
    assert encoded["raw_path"] != plain["raw_path"]


def test_raw_path_is_never_none() -> None:
    _, scope = invoke(with_path(""))
    assert (scope["path"], scope["raw_path"]) == ("/", b"/")


def test_query_string_is_the_single_value_parameters_as_received() -> None:
    _, scope = invoke(load_event(SINGLE))
    assert scope["query_string"] == b"query=1234ABCD"


def test_query_string_keeps_every_multi_value_parameter() -> None:
    event = load_event(MULTI)
    event["multiValueQueryStringParameters"] = {"tag": ["a", "b"], "q": ["x"]}
    _, scope = invoke(event)
    assert scope["query_string"] == b"tag=a&tag=b&q=x"


def test_encoded_query_values_are_neither_decoded_nor_encoded_again() -> None:
    event = load_event(SINGLE)
    event["queryStringParameters"] = {"x": "foo%3Dbar", "next": "%2Fa%20b", "plus": "a+b"}
    _, scope = invoke(event)
    assert scope["query_string"] == b"x=foo%3Dbar&next=%2Fa%20b&plus=a+b"


def test_single_value_headers_reach_the_scope_lower_cased() -> None:
    event = load_event(SINGLE)
    event["headers"]["X-Custom"] = "Value"
    _, scope = invoke(event)
    assert header_values(scope, b"x-custom") == [b"Value"]
    assert header_values(scope, b"accept-encoding") == [b"gzip"]


def test_multi_value_headers_have_one_entry_per_value() -> None:
    event = load_event(MULTI)
    event["multiValueHeaders"]["Accept"] = ["text/html", "application/json"]
    _, scope = invoke(event)
    assert header_values(scope, b"accept") == [b"*/*", b"text/html", b"application/json"]


def test_repeated_cookie_headers_are_joined_with_semicolons() -> None:
    event = load_event(MULTI)
    event["multiValueHeaders"]["cookie"] = ["a=1", "b=2"]
    _, scope = invoke(event)
    assert header_values(scope, b"cookie") == [b"a=1; b=2"]


def test_client_is_the_address_alb_appended_not_the_raw_forwarded_for() -> None:
    event = load_event(SINGLE)
    event["headers"]["x-forwarded-for"] = "10.0.0.1, 203.0.113.9, 72.12.164.125"
    _, scope = invoke(event)
    assert scope["client"] == ("72.12.164.125", 0)


def test_client_comes_from_the_last_multi_value_forwarded_for() -> None:
    event = load_event(MULTI)
    event["multiValueHeaders"]["x-forwarded-for"] = ["10.0.0.1", "198.51.100.1, 123.123.123.123"]
    _, scope = invoke(event)
    assert scope["client"] == ("123.123.123.123", 0)


@pytest.mark.parametrize("last", ["<script>", "evil.example", "1.2.3.4:80", ""])
def test_a_last_forwarded_for_entry_that_is_not_an_ip_gives_no_client(last: str) -> None:
    event = load_event(SINGLE)
    event["headers"]["x-forwarded-for"] = f"203.0.113.9, {last}"
    _, scope = invoke(event)
    assert scope["client"] is None


def test_an_ipv6_forwarded_for_entry_is_the_client() -> None:
    event = load_event(SINGLE)
    event["headers"]["x-forwarded-for"] = "203.0.113.9, 2001:db8::1"
    _, scope = invoke(event)
    assert scope["client"] == ("2001:db8::1", 0)


def test_client_is_none_without_forwarded_for() -> None:
    event = load_event(SINGLE)
    del event["headers"]["x-forwarded-for"]
    _, scope = invoke(event)
    assert scope["client"] is None


def test_server_and_scheme_come_from_forwarded_headers() -> None:
    _, scope = invoke(load_event(SINGLE))
    assert scope["scheme"] == "http"
    assert scope["server"] == ("lambda-alb-123578498.us-east-2.elb.amazonaws.com", 80)


def test_https_server_port_is_443_without_a_forwarded_port() -> None:
    event = load_event(SINGLE)
    event["headers"]["x-forwarded-proto"] = "https"
    del event["headers"]["x-forwarded-port"]
    _, scope = invoke(event)
    assert scope["server"] == ("lambda-alb-123578498.us-east-2.elb.amazonaws.com", 443)


def test_http_version_is_1_1() -> None:
    _, scope = invoke(load_event(SINGLE))
    assert scope["http_version"] == "1.1"


def test_text_body_reaches_the_app() -> None:
    app = RecordingApp()
    invoke(load_event(SINGLE), app)
    assert app.messages[-1]["body"] == b"Test"


def test_base64_body_is_decoded() -> None:
    event = load_event(SINGLE)
    event.update(body=base64.b64encode(b"\x00\xffbinary").decode(), isBase64Encoded=True)
    app = RecordingApp()
    invoke(event, app)
    assert app.messages[-1]["body"] == b"\x00\xffbinary"


def test_null_headers_and_query_are_accepted() -> None:
    event = load_event(SINGLE)
    event.update(headers=None, queryStringParameters=None, body=None)
    response, scope = invoke(event)
    assert response["statusCode"] == 200
    assert (scope["headers"], scope["query_string"], scope["client"]) == ([], b"", None)


# Bad events


def test_invalid_base64_body_answers_400_with_single_value_headers() -> None:
    event = load_event(SINGLE)
    event.update(body="not base64!", isBase64Encoded=True)
    app = RecordingApp()
    response, _ = invoke(event, app)
    assert app.scopes == []
    assert response["statusCode"] == 400
    assert response["statusDescription"] == "400 Bad Request"
    assert response["headers"]["content-type"] == "text/plain; charset=utf-8"
    assert response["body"].startswith("request body is marked base64 but is not valid base64")
    assert "\n" not in response["body"]


def test_invalid_base64_body_answers_400_with_multi_value_headers() -> None:
    event = load_event(MULTI)
    event.update(body="not base64!", isBase64Encoded=True)
    response, _ = invoke(event)
    assert response["statusCode"] == 400
    assert response["multiValueHeaders"]["content-type"] == ["text/plain; charset=utf-8"]
    assert "headers" not in response


def test_malformed_event_answers_400_naming_the_field() -> None:
    event = load_event(SINGLE)
    del event["httpMethod"]
    response, _ = invoke(event)
    assert response["statusCode"] == 400
    assert response["body"] == "invalid ALB event: httpMethod: Field required"


# Response


def test_single_value_response_has_the_alb_shape() -> None:
    response, _ = invoke(load_event(SINGLE), RecordingApp(status=404, body=b"gone"))
    assert response == {
        "statusCode": 404,
        "statusDescription": "404 Not Found",
        "headers": {"content-type": "text/plain"},
        "body": "gone",
        "isBase64Encoded": False,
    }


def test_multi_value_response_has_the_alb_shape() -> None:
    response, _ = invoke(load_event(MULTI), RecordingApp(body=b"fine"))
    assert response == {
        "statusCode": 200,
        "statusDescription": "200 OK",
        "multiValueHeaders": {"content-type": ["text/plain"]},
        "body": "fine",
        "isBase64Encoded": False,
    }


def test_unknown_status_has_a_description_without_phrase() -> None:
    response, _ = invoke(load_event(SINGLE), RecordingApp(status=599))
    assert response["statusDescription"] == "599"


def test_two_set_cookie_headers_survive_as_case_varied_keys() -> None:
    response, _ = invoke(load_event(SINGLE), RecordingApp(headers=TWO_COOKIES))
    cookies = {k: v for k, v in response["headers"].items() if k.lower() == "set-cookie"}
    assert sorted(cookies.values()) == ["a=1", "b=2"]
    assert len(cookies) == 2


def test_two_set_cookie_headers_survive_in_multi_value_headers() -> None:
    response, _ = invoke(load_event(MULTI), RecordingApp(headers=TWO_COOKIES))
    assert response["multiValueHeaders"]["set-cookie"] == ["a=1", "b=2"]


def test_other_repeated_headers_are_comma_joined_in_single_value_mode() -> None:
    app = RecordingApp(headers=[(b"vary", b"accept"), (b"vary", b"origin")])
    response, _ = invoke(load_event(SINGLE), app)
    assert response["headers"]["vary"] == "accept, origin"


def test_binary_response_is_base64_encoded() -> None:
    app = RecordingApp(headers=[(b"content-type", b"image/png")], body=b"\x89PNG\x00")
    response, _ = invoke(load_event(SINGLE), app)
    assert response["isBase64Encoded"] is True
    assert base64.b64decode(response["body"]) == b"\x89PNG\x00"


# A real framework


STARLETTE = asgi_handler(items_echo_app(), lifespan="off")


def test_starlette_app_sees_the_request_and_sets_two_cookies() -> None:
    event = with_path("/items/a%20b", MULTI)
    event["multiValueQueryStringParameters"] = {"q": ["x%26y", "a+b"]}
    event["multiValueHeaders"]["cookie"] = ["session=abc", "theme=dark"]
    response = STARLETTE(event, None)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {
        "name": "a b",
        "query": [["q", "x&y"], ["q", "a b"]],
        "cookies": {"session": "abc", "theme": "dark"},
        "client": "123.123.123.123",
        "origin": "http://alb-c-LoadB-14POFKYCLBNSF-1815800096.eu-central-1.elb.amazonaws.com",
        "body": "",
    }
    cookies = response["multiValueHeaders"]["set-cookie"]
    assert [cookie.split(";")[0] for cookie in cookies] == ["first=1", "second=2"]


# Properties: event -> scope without loss or double encoding


@given(st.lists(SEGMENT, max_size=5))
def test_any_path_round_trips(segments: list[str]) -> None:
    encoded = "/" + "/".join(quote(segment, safe="") for segment in segments)
    scope = scope_for(with_path(encoded))
    assert scope["path"] == "/" + "/".join(segments)
    assert scope["raw_path"] == encoded.encode()


@given(st.dictionaries(TEXT, st.lists(TEXT, min_size=1, max_size=3), max_size=5))
def test_any_query_parameters_round_trip(params: dict[str, list[str]]) -> None:
    # ALB hands over names and values exactly as the client encoded them.
    encoded = {
        quote(name, safe=""): [quote(value, safe="") for value in values]
        for name, values in params.items()
    }
    event = load_event(MULTI)
    event["multiValueQueryStringParameters"] = encoded
    scope = scope_for(event)
    sent = "&".join(f"{name}={value}" for name, values in encoded.items() for value in values)
    assert scope["query_string"] == sent.encode()
    decoded = parse_qsl(scope["query_string"].decode("ascii"), keep_blank_values=True)
    assert decoded == [(name, value) for name, values in params.items() for value in values]


@given(
    st.dictionaries(TOKEN, st.lists(HEADER_VALUE, min_size=1, max_size=3), max_size=6),
    st.lists(st.from_regex(r"[a-z]{1,5}=[a-z0-9]{0,5}", fullmatch=True), max_size=3),
)
def test_any_multi_value_header_set_round_trips(
    headers: dict[str, list[str]], cookies: list[str]
) -> None:
    event = load_event(MULTI)
    multi = {name.title(): values for name, values in headers.items()}
    if cookies:
        multi["Cookie"] = cookies
    event["multiValueHeaders"] = multi
    scope = scope_for(event)
    expected = [
        (name.encode(), value.encode("latin-1")) for name, vs in headers.items() for value in vs
    ]
    if cookies:
        expected.append((b"cookie", "; ".join(cookies).encode()))
    assert scope["headers"] == expected


@given(st.dictionaries(TOKEN, HEADER_VALUE, max_size=6))
def test_any_single_value_header_set_round_trips(headers: dict[str, str]) -> None:
    event = load_event(SINGLE)
    event["headers"] = {name.upper(): value for name, value in headers.items()}
    event["body"] = ""  # a body would add content-length, which is not under test here
    scope = scope_for(event)
    assert scope["headers"] == [
        (name.encode(), value.encode("latin-1")) for name, value in headers.items()
    ]


def test_cookies_past_the_512_spellings_of_set_cookie_are_logged_with_their_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cookies = [(b"set-cookie", f"c{n}=1".encode()) for n in range(600)]
    response, _ = invoke(load_event(SINGLE), RecordingApp(headers=cookies))
    sent = [v for k, v in response["headers"].items() if k.lower() == "set-cookie"]
    assert len(sent) == 512
    assert "dropping 88 of 600 set-cookie headers: ALB responses" in caplog.text
