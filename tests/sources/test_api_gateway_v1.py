"""API Gateway REST / HTTP API payload 1.0: event -> scope, response -> event shape (SPEC 2-4)."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl, quote

from hypothesis import given
from hypothesis import strategies as st

from asgi_lambda import asgi_handler
from asgi_lambda._sources import detect
from asgi_lambda._sources.api_gateway_v1 import SOURCE
from tests.asgi_apps import RecordingApp, header_values, items_echo_app
from tests.conftest import load_event
from tests.sources.strategies import HEADER_VALUE, SEGMENT, TEXT, TOKEN, scope_for

EVENT = "pt-apiGatewayProxyEvent"


def invoke(event: dict[str, Any], app: RecordingApp | None = None) -> tuple[dict[str, Any], Any]:
    """(Lambda response, the app's scope) for one invocation of ``event``."""
    app = app or RecordingApp()
    response = asgi_handler(app, lifespan="off")(event, None)
    return response, app.scopes[-1] if app.scopes else None


def with_path(path: str) -> dict[str, Any]:
    event = load_event(EVENT)
    event["path"] = path
    return event


# Detection


def test_rest_event_is_detected_as_api_gateway_v1() -> None:
    assert detect(load_event(EVENT)) is SOURCE


def test_http_api_v1_event_without_resource_is_detected() -> None:
    event = load_event(EVENT)
    del event["resource"]
    assert detect(event) is SOURCE


def test_alb_event_does_not_match() -> None:
    assert not SOURCE.matches(load_event("pt-albEvent"))


def test_websocket_event_does_not_match() -> None:
    assert not SOURCE.matches(load_event("go-apigw-websocket-request"))


# Request -> scope


def test_method_reaches_the_scope() -> None:
    event = load_event(EVENT)
    event["httpMethod"] = "post"
    _, scope = invoke(event)
    assert scope["method"] == "POST"


def test_path_and_raw_path_reach_the_scope() -> None:
    _, scope = invoke(load_event(EVENT))
    assert scope["path"] == "/my/path"
    assert scope["raw_path"] == b"/my/path"


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
    assert scope["path"] == "/"
    assert scope["raw_path"] == b"/"


def test_null_path_becomes_root() -> None:
    event = load_event(EVENT)
    event["path"] = None
    _, scope = invoke(event)
    assert (scope["path"], scope["raw_path"]) == ("/", b"/")


def test_query_string_is_rebuilt_from_multi_value_parameters() -> None:
    _, scope = invoke(load_event(EVENT))
    assert scope["query_string"] == b"parameter1=value1&parameter1=value2&parameter2=value"


def test_query_string_falls_back_to_single_value_parameters() -> None:
    event = load_event(EVENT)
    event["multiValueQueryStringParameters"] = None
    _, scope = invoke(event)
    assert scope["query_string"] == b"parameter1=value1&parameter2=value"


def test_decoded_query_values_are_encoded_once() -> None:
    event = load_event(EVENT)
    event["multiValueQueryStringParameters"] = {"next": ["/a?b=c&d=%2F é"]}
    _, scope = invoke(event)
    assert scope["query_string"] == b"next=%2Fa%3Fb%3Dc%26d%3D%252F+%C3%A9"
    assert parse_qsl(scope["query_string"].decode()) == [("next", "/a?b=c&d=%2F é")]


def test_headers_are_lower_cased_with_one_entry_per_value() -> None:
    _, scope = invoke(load_event(EVENT))
    assert scope["headers"] == [
        (b"header1", b"value1"),
        (b"origin", b"https://aws.amazon.com"),
        (b"header2", b"value1"),
        (b"header2", b"value2"),
        (b"content-length", b"18"),  # added by the core: the sample's body came without one
    ]


def test_single_value_headers_are_used_without_multi_value_headers() -> None:
    event = load_event(EVENT)
    event["multiValueHeaders"] = None
    _, scope = invoke(event)
    assert header_values(scope, b"header2") == [b"value2"]


def test_repeated_cookie_headers_are_joined_with_semicolons() -> None:
    event = load_event(EVENT)
    event["multiValueHeaders"]["Cookie"] = ["a=1", "b=2; c=3"]
    _, scope = invoke(event)
    assert header_values(scope, b"cookie") == [b"a=1; b=2; c=3"]


def test_client_is_the_source_ip_without_its_cidr_suffix() -> None:
    _, scope = invoke(load_event(EVENT))
    assert scope["client"] == ("192.168.0.1", 0)


def test_client_is_none_without_identity() -> None:
    event = load_event(EVENT)
    del event["requestContext"]["identity"]
    _, scope = invoke(event)
    assert scope["client"] is None


def test_https_server_port_is_443_without_a_forwarded_port() -> None:
    _, scope = invoke(load_event(EVENT))
    assert scope["scheme"] == "https"
    assert scope["server"] == ("id.execute-api.us-east-1.amazonaws.com", 443)


def test_server_comes_from_host_and_forwarded_port_headers() -> None:
    event = load_event(EVENT)
    event["multiValueHeaders"].update(
        {"Host": ["api.example.com"], "X-Forwarded-Port": ["8443"], "X-Forwarded-Proto": ["https"]}
    )
    _, scope = invoke(event)
    assert scope["server"] == ("api.example.com", 8443)


def test_http_version_comes_from_the_request_context_protocol() -> None:
    event = load_event(EVENT)
    event["requestContext"]["protocol"] = "HTTP/2.0"
    _, scope = invoke(event)
    assert scope["http_version"] == "2"


def test_text_body_reaches_the_app() -> None:
    app = RecordingApp()
    invoke(load_event(EVENT), app)
    assert app.messages[-1]["body"] == b"Hello from Lambda!"


def test_base64_body_is_decoded() -> None:
    event = load_event(EVENT)
    event.update(body=base64.b64encode(b"\x00\xffbinary").decode(), isBase64Encoded=True)
    app = RecordingApp()
    invoke(event, app)
    assert app.messages[-1]["body"] == b"\x00\xffbinary"


def test_null_maps_from_console_test_events_are_accepted() -> None:
    event = load_event(EVENT)
    event.update(
        headers=None,
        multiValueHeaders=None,
        queryStringParameters=None,
        multiValueQueryStringParameters=None,
        body=None,
        isBase64Encoded=None,
    )
    response, scope = invoke(event)
    assert response["statusCode"] == 200
    assert (scope["headers"], scope["query_string"]) == ([], b"")


# Bad events


def test_invalid_base64_body_answers_400_in_the_rest_shape() -> None:
    event = load_event(EVENT)
    event.update(body="not base64!", isBase64Encoded=True)
    app = RecordingApp()
    response, _ = invoke(event, app)
    assert app.scopes == []
    assert response["statusCode"] == 400
    assert response["headers"]["content-type"] == "text/plain; charset=utf-8"
    assert "multiValueHeaders" in response
    assert response["body"].startswith("request body is marked base64 but is not valid base64")
    assert "\n" not in response["body"]


def test_malformed_event_answers_400_naming_the_field() -> None:
    event = load_event(EVENT)
    event["httpMethod"] = None
    response, _ = invoke(event)
    assert response["statusCode"] == 400
    assert response["body"].startswith(
        "invalid API Gateway REST / HTTP API payload 1.0 event: httpMethod:"
    )


def test_a_header_only_in_the_single_value_map_still_reaches_the_app() -> None:
    # AWS's documented sample event has Host in `headers` but not in `multiValueHeaders`.
    event = load_event(EVENT)
    event["headers"]["Host"] = "api.example.com"
    event["multiValueHeaders"].pop("Host", None)
    scope = scope_for(event)
    assert header_values(scope, b"host") == [b"api.example.com"]
    assert scope["server"] == ("api.example.com", 443)


def test_a_name_in_both_maps_is_taken_from_the_multi_value_map_whatever_its_case() -> None:
    event = load_event(EVENT)
    event["headers"] = {"x-dup": "last"}
    event["multiValueHeaders"] = {"X-Dup": ["first", "last"]}
    assert header_values(scope_for(event), b"x-dup") == [b"first", b"last"]


# Response


def test_response_has_the_rest_shape() -> None:
    response, _ = invoke(load_event(EVENT), RecordingApp(status=201, body=b"made"))
    assert response == {
        "statusCode": 201,
        "headers": {"content-type": "text/plain"},
        "multiValueHeaders": {},
        "body": "made",
        "isBase64Encoded": False,
    }


def test_two_set_cookie_headers_survive_unmerged() -> None:
    app = RecordingApp(
        headers=[(b"content-type", b"text/plain"), (b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]
    )
    response, _ = invoke(load_event(EVENT), app)
    assert response["multiValueHeaders"]["set-cookie"] == ["a=1", "b=2"]
    assert "set-cookie" not in response["headers"]


RESPONSE_HEADER_NAME = st.sampled_from(["x-a", "x-b", "set-cookie", "content-type", "vary"])
RESPONSE_HEADER_VALUE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=8)


@given(st.lists(st.tuples(RESPONSE_HEADER_NAME, RESPONSE_HEADER_VALUE), max_size=8))
def test_each_response_header_name_is_in_exactly_one_map(pairs: list[tuple[str, str]]) -> None:
    # Emulators concatenate the two maps; a name in both reaches the client twice.
    headers = [(name.encode(), value.encode()) for name, value in pairs]
    response, _ = invoke(load_event(EVENT), RecordingApp(headers=headers))
    single, multi = response["headers"], response["multiValueHeaders"]
    assert not set(single) & set(multi)
    sent: dict[str, list[str]] = {}
    for name, value in pairs:
        sent.setdefault(name, []).append(value)
    assert {name: [value] for name, value in single.items()} | multi == sent
    assert all(len(values) > 1 for values in multi.values())


def test_binary_response_is_base64_encoded() -> None:
    app = RecordingApp(headers=[(b"content-type", b"image/png")], body=b"\x89PNG\x00")
    response, _ = invoke(load_event(EVENT), app)
    assert response["isBase64Encoded"] is True
    assert base64.b64decode(response["body"]) == b"\x89PNG\x00"


# A real framework


STARLETTE = asgi_handler(items_echo_app(), lifespan="off")


def test_starlette_app_sees_the_request_and_sets_two_cookies() -> None:
    event = with_path("/items/a%20b")
    event["multiValueHeaders"]["cookie"] = ["session=abc", "theme=dark"]
    response = STARLETTE(event, None)
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {
        "name": "a b",
        "query": [["parameter1", "value1"], ["parameter1", "value2"], ["parameter2", "value"]],
        "cookies": {"session": "abc", "theme": "dark"},
        "client": "192.168.0.1",
        "origin": "https://id.execute-api.us-east-1.amazonaws.com",
        "body": "Hello from Lambda!",
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
    event = load_event(EVENT)
    event.update(multiValueQueryStringParameters=params, queryStringParameters=None)
    scope = scope_for(event)
    decoded = parse_qsl(scope["query_string"].decode("ascii"), keep_blank_values=True)
    assert decoded == [(name, value) for name, values in params.items() for value in values]


@given(
    st.dictionaries(TOKEN, st.lists(HEADER_VALUE, min_size=1, max_size=3), max_size=6),
    st.lists(st.from_regex(r"[a-z]{1,5}=[a-z0-9]{0,5}", fullmatch=True), max_size=3),
    st.booleans(),
)
def test_any_header_set_round_trips(
    headers: dict[str, list[str]], cookies: list[str], title_case: bool
) -> None:
    event = load_event(EVENT)
    multi: dict[str, list[str]] = {
        (name.title() if title_case else name): values for name, values in headers.items()
    }
    if cookies:
        multi["Cookie"] = cookies
    event.update(multiValueHeaders=multi, headers=None, body=None)  # no added content-length
    scope = scope_for(event)
    expected = [
        (name.encode(), value.encode("latin-1")) for name, vs in headers.items() for value in vs
    ]
    if cookies:
        expected.append((b"cookie", "; ".join(cookies).encode()))
    assert scope["headers"] == expected


def test_an_empty_multi_value_list_does_not_hide_the_single_value_header() -> None:
    event = load_event(EVENT)
    event["headers"]["Host"] = "api.example.com"
    event["multiValueHeaders"]["Host"] = []
    assert header_values(scope_for(event), b"host") == [b"api.example.com"]
