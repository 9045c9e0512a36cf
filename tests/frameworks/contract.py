"""The HTTP contract every framework's test app serves, as tests the framework modules import.

Each module's app serves the same routes (``/items/{id}``, ``/json``, ``/form``, ``/upload``,
``/cookies``, ``/stream``, ``/boom``, ``/background``, ``/go``, ``/url``, ``/target``); a module
imports the contract tests its framework passes (pytest collects imported test functions) and
keeps only the tests where its framework differs.  The tests use the importing module's fixtures:
``handler``, ``source``, ``record`` and, for the base-path tests, ``base_path_handler`` (the app
behind ``api_gateway_base_path="/api"``).
"""

from __future__ import annotations

from typing import Any

from tests.frameworks.helpers import BINARY_FILE, Handler, call, cookie_names, public_host, upload


def test_background_task_runs_before_the_invocation_returns(
    handler: Handler, record: Any, source: str
) -> None:
    reply = call(handler, source, "POST", "/background")
    assert reply.status == 202
    assert record.background == ["email sent"]


def test_exception_in_a_view_is_a_500(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/boom")
    assert reply.status == 500


def test_exception_in_a_view_is_a_plain_text_500(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/boom")
    assert reply.status == 500
    assert reply.text == "Internal Server Error"


def test_json_request_and_response(handler: Handler, source: str) -> None:
    reply = call(
        handler,
        source,
        "POST",
        "/json",
        headers=[("content-type", "application/json")],
        body=b'{"name": "caf\xc3\xa9"}',
    )
    assert reply.status == 201
    assert reply.header("content-type") == "application/json"
    assert reply.json() == {"received": {"name": "café"}}


def test_multipart_binary_upload_round_trips_byte_for_byte(handler: Handler, source: str) -> None:
    reply = upload(handler, source, "/upload")
    assert reply.status == 200
    assert reply.body == BINARY_FILE
    assert reply.header("x-title") == "quarterly report"
    assert reply.header("x-filename") == "blob.bin"


def test_path_and_query_parameters_reach_the_view(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/items/42", query="q=red%20shoes&page=3")
    assert reply.json() == {"item_id": 42, "q": "red shoes", "page": "3"}


def test_redirect_to_url_for_keeps_the_base_path(base_path_handler: Handler, source: str) -> None:
    reply = call(base_path_handler, source, path="/api/go")
    assert reply.status == 303
    assert reply.header("location") == f"https://{public_host(source)}/api/target"


def test_routes_below_the_base_path_see_it_as_root_path(
    base_path_handler: Handler, source: str
) -> None:
    reply = call(base_path_handler, source, path="/api/target")
    assert reply.text == "root_path=/api"


def test_streaming_response_is_collected_whole(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/stream")
    assert reply.status == 200
    assert reply.text == "".join(f"chunk {n}\n" for n in range(5))


def test_two_cookies_in_one_response_both_survive(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/cookies")
    assert cookie_names(reply) == ["session", "theme"]


def test_typed_path_and_query_parameters(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/items/42", query="q=red%20shoes&page=3")
    assert reply.json() == {"item_id": 42, "q": "red shoes", "page": 3}


def test_unknown_route_is_a_404(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/nope")
    assert reply.status == 404


def test_url_for_builds_a_public_url_with_the_base_path(base_path_handler: Handler) -> None:
    reply = call(base_path_handler, "http-api-v2", path="/api/url")
    assert reply.text == "https://abc123.execute-api.us-east-1.amazonaws.com/api/items/7"


def test_urlencoded_form_fields_are_parsed(handler: Handler, source: str) -> None:
    reply = call(
        handler,
        source,
        "POST",
        "/form",
        headers=[("content-type", "application/x-www-form-urlencoded")],
        body=b"color=red&color=blue&name=J%C3%BCrgen",
    )
    assert reply.json() == {"color": ["red", "blue"], "name": ["Jürgen"]}
