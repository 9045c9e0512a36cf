"""HTTP API payload 2.0 and Function URL events: what reaches the scope, what goes back."""

from __future__ import annotations

import base64
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asgi_lambda import asgi_handler
from tests.asgi_apps import RecordingApp, header_values
from tests.conftest import load_event

V2 = "pt-apiGatewayProxyV2Event"


def run(event: dict, app: RecordingApp | None = None) -> tuple[RecordingApp, dict]:  # type: ignore[type-arg]
    app = app or RecordingApp()
    return app, asgi_handler(app, lifespan="off")(event, None)


def test_sample_event_reaches_the_app_with_method_path_query_and_body() -> None:
    app, _ = run(load_event(V2))
    scope = app.scope
    assert scope["type"] == "http"
    assert scope["method"] == "POST"
    assert scope["path"] == "/my/path"
    assert scope["raw_path"] == b"/my/path"
    assert scope["root_path"] == ""
    assert scope["query_string"] == b"parameter1=value1&parameter1=value2&parameter2=value"
    assert app.messages[0]["body"] == b'{"message": "hello world", "username": "tom"}'
    assert scope["http_version"] == "1.1"
    assert scope["asgi"]["version"] == "3.0"


def test_cookies_list_wins_over_a_cookie_header_sent_alongside_it() -> None:
    # serverless-offline keeps the cookie header and fills cookies[]; AWS drops the header.
    event = load_event(V2)
    event["headers"]["cookie"] = "a=1; b=2"
    event["cookies"] = ["a=1", "b=2"]
    app, _ = run(event)
    assert header_values(app.scope, b"cookie") == [b"a=1; b=2"]


def test_headers_are_lower_cased_and_cookies_become_one_cookie_header() -> None:
    app, _ = run(load_event(V2))
    assert header_values(app.scope, b"header1") == [b"value1"]
    assert header_values(app.scope, b"header2") == [b"value1,value2"]
    assert header_values(app.scope, b"cookie") == [b"cookie1; cookie2"]


def test_client_is_the_source_ip_without_its_cidr_suffix() -> None:
    app, _ = run(load_event(V2))
    assert app.scope["client"] == ("192.168.0.1", 0)


def test_https_server_port_is_443_not_80() -> None:
    app, _ = run(load_event(V2))
    assert app.scope["scheme"] == "https"
    assert app.scope["server"] == ("id.execute-api.us-east-1.amazonaws.com", 443)


@pytest.mark.parametrize(
    ("host", "port"),
    [("a.example:70000", None), ("a.example", "99999999999999999999"), ("a.example", "0")],
)
def test_port_outside_1_to_65535_gets_the_schemes_default(host: str, port: str | None) -> None:
    event = load_event(V2)
    event["headers"]["host"] = host
    if port is not None:
        event["headers"]["x-forwarded-port"] = port
    app, _ = run(event)
    assert app.scope["server"] == ("a.example", 443)


@pytest.mark.parametrize("host", ["a.example:-5", "a.example/path", "a b", "a.example:²", ""])
def test_a_host_that_is_not_host_and_port_gives_way_to_the_events_domain(host: str) -> None:
    event = load_event(V2)
    event["headers"]["host"] = host
    app, _ = run(event)
    assert app.scope["server"] == ("id.execute-api.us-east-1.amazonaws.com", 443)


@pytest.mark.parametrize("proto", ["javascript", "ftp", "", "ws"])  # ws: WebSocket only
def test_a_forwarded_proto_other_than_http_or_https_is_ignored(proto: str) -> None:
    event = load_event(V2)
    event["headers"]["x-forwarded-proto"] = proto
    app, _ = run(event)
    assert app.scope["scheme"] == "https"


@pytest.mark.parametrize(
    ("host", "server"),
    [
        ("localhost:3000", ("localhost", 3000)),
        ("127.0.0.1:8000", ("127.0.0.1", 8000)),
        ("[::1]:8000", ("::1", 8000)),
        ("app.localhost", ("app.localhost", 80)),
    ],
)
def test_a_local_host_without_forwarded_proto_is_plain_http(
    host: str, server: tuple[str, int]
) -> None:
    # Emulators (serverless-offline, sam local) serve http and set no x-forwarded-proto.
    event = load_event(V2)
    event["headers"]["host"] = host
    event["headers"].pop("x-forwarded-proto", None)
    event["headers"].pop("x-forwarded-port", None)
    app, _ = run(event)
    assert (app.scope["scheme"], app.scope["server"]) == ("http", server)


def test_a_local_host_keeps_the_scheme_a_proxy_forwarded() -> None:
    event = load_event(V2)
    event["headers"].update({"host": "localhost", "x-forwarded-proto": "https"})
    event["headers"].pop("x-forwarded-port", None)
    app, _ = run(event)
    assert app.scope["scheme"] == "https"


def test_function_url_event_is_served_like_payload_2() -> None:
    app, response = run(load_event("pt-lambdaFunctionUrlEvent"))
    assert app.scope["method"] == "GET"
    assert app.scope["path"] == "/"
    assert response["statusCode"] == 200


def test_get_sample_without_body_reaches_the_app_with_an_empty_body() -> None:
    app, _ = run(load_event("pt-apiGatewayProxyV2Event_GET"))
    assert app.scope["method"] == "GET"
    assert app.messages[0]["body"] == b""


def test_two_set_cookie_headers_come_back_as_two_cookies() -> None:
    app = RecordingApp(
        headers=[(b"content-type", b"text/plain"), (b"set-cookie", b"a=1"), (b"set-cookie", b"b=2")]
    )
    _, response = run(load_event(V2), app)
    assert response["cookies"] == ["a=1", "b=2"]
    assert "set-cookie" not in response["headers"]


def test_other_duplicate_response_headers_are_comma_joined() -> None:
    app = RecordingApp(headers=[(b"content-type", b"text/plain"), (b"vary", b"a"), (b"vary", b"b")])
    _, response = run(load_event(V2), app)
    assert response["headers"]["vary"] == "a, b"


def test_encoded_slash_stays_distinguishable_in_raw_path() -> None:
    event = load_event(V2)
    event["rawPath"] = "/files/a%2Fb"
    app, _ = run(event)
    assert app.scope["path"] == "/files/a/b"
    assert app.scope["raw_path"] == b"/files/a%2Fb"


def test_invalid_base64_body_answers_400_with_a_one_line_reason() -> None:
    event = load_event(V2)
    event["body"] = "not base64 !!"
    event["isBase64Encoded"] = True
    app, response = run(event)
    assert response["statusCode"] == 400
    assert "not valid base64" in response["body"]
    assert "\n" not in response["body"]
    assert app.scopes == []


def test_missing_method_answers_400_naming_the_field() -> None:
    event = load_event(V2)
    del event["requestContext"]["http"]["method"]
    _, response = run(event)
    assert response["statusCode"] == 400
    assert "requestContext.http.method" in response["body"]


def test_null_headers_from_a_console_test_event_are_accepted() -> None:
    event = load_event(V2)
    event["headers"] = None
    event["cookies"] = None
    app, response = run(event)
    assert response["statusCode"] == 200
    assert app.scope["headers"] == [(b"content-length", b"45")]


def test_binary_response_is_base64_encoded() -> None:
    app = RecordingApp(headers=[(b"content-type", b"image/png")], body=b"\x89PNG\x00\xff")
    _, response = run(load_event(V2), app)
    assert response["isBase64Encoded"] is True
    assert base64.b64decode(response["body"]) == b"\x89PNG\x00\xff"


segment = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/"),
    min_size=1,
    max_size=8,
)
header_name = st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True).filter(lambda n: n != "cookie")
header_value = st.from_regex(r"[ -~]{0,20}", fullmatch=True).map(str.strip)


@settings(max_examples=60, deadline=None)
@given(st.lists(segment, min_size=1, max_size=4))
def test_any_path_round_trips_without_loss_or_double_decoding(segments: list[str]) -> None:
    raw = "/" + "/".join(quote(s, safe="") for s in segments)
    event = load_event(V2)
    event["rawPath"] = raw
    app, _ = run(event)
    assert app.scope["raw_path"] == raw.encode()
    assert app.scope["path"] == "/" + "/".join(segments)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1, max_size=6), st.text(max_size=6)), max_size=5))
def test_any_query_string_reaches_the_scope_byte_for_byte(pairs: list[tuple[str, str]]) -> None:
    raw = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    event = load_event(V2)
    event["rawQueryString"] = raw
    app, _ = run(event)
    assert app.scope["query_string"] == raw.encode()


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(header_name, header_value, max_size=8))
def test_any_header_set_reaches_the_scope_lower_cased_and_whole(headers: dict[str, str]) -> None:
    event = load_event(V2)
    event["headers"] = {name.upper(): value for name, value in headers.items()}
    event["cookies"] = None
    event["body"] = None  # a body would add content-length, which is not under test here
    app, _ = run(event)
    assert sorted(app.scope["headers"]) == sorted(
        (name.encode(), value.encode()) for name, value in headers.items()
    )


def test_header_value_outside_latin_1_reaches_the_app_as_utf_8() -> None:
    event = load_event(V2)
    event["headers"] = {"x-price": "10 €"}
    app, response = run(event)
    assert response["statusCode"] == 200
    assert header_values(app.scope, b"x-price") == ["10 €".encode()]


json_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5))


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from(
        ["version", "rawPath", "rawQueryString", "headers", "cookies", "body", "isBase64Encoded"]
    ),
    value=st.one_of(
        json_scalar,
        st.lists(json_scalar, max_size=2),
        st.dictionaries(st.text(max_size=3), json_scalar, max_size=2),
    ),
    context_field=st.sampled_from(["method", "protocol", "sourceIp", None]),
    context_value=json_scalar,
)
def test_fast_field_check_agrees_with_the_model_on_any_event(
    field: str, value: object, context_field: str | None, context_value: object
) -> None:
    """The hand-written fast path may only accept what the model accepts, with the same values."""
    from asgi_lambda._sources import http_api_v2

    event = load_event(V2)
    event[field] = value
    if context_field is not None:
        event["requestContext"]["http"][context_field] = context_value
    fast = http_api_v2._plain_fields(event)
    try:
        validated = http_api_v2._validated_fields(event)
    except Exception:
        assert fast is None
        return
    assert fast is None or fast == validated


def test_fast_field_check_takes_a_plain_event_with_the_models_values() -> None:
    from asgi_lambda._sources import http_api_v2

    event = load_event(V2)
    fast = http_api_v2._plain_fields(event)
    assert fast is not None
    assert fast == http_api_v2._validated_fields(event)


def test_a_bad_header_name_with_control_characters_is_escaped_in_the_400_and_its_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    event = load_event(V2)
    event["headers"]["x\r\nforged: line"] = 5  # not a string: a 400 naming the field
    _, response = run(event)
    assert response["statusCode"] == 400
    assert "\r\n" not in response["body"]
    assert "x\\r\\nforged" in response["body"]
    assert "\r" not in caplog.text
