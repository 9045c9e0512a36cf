"""Django's ASGI application on Lambda, with minimal in-process settings (tests/frameworks/apps).

Django has no lifespan support: ``lifespan="off"`` skips it, and ``"auto"`` finds out once (Django
raises on the lifespan scope), logs that at debug level and serves every request normally.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from asgi_lambda import asgi_handler
from tests.frameworks.apps import django_setup
from tests.frameworks.contract import (  # noqa: F401 - collected by pytest
    test_json_request_and_response,
    test_multipart_binary_upload_round_trips_byte_for_byte,
    test_two_cookies_in_one_response_both_survive,
    test_unknown_route_is_a_404,
    test_urlencoded_form_fields_are_parsed,
)
from tests.frameworks.helpers import (
    BINARY_FILE,
    MAIN_THREAD,
    WITH_ALB,
    Handler,
    call,
    public_host,
    upload,
)


@pytest.fixture(scope="module")
def django_app() -> Any:
    django_setup.configure()
    from django.core.asgi import get_asgi_application

    return get_asgi_application()


@pytest.fixture
def record() -> Any:
    from tests.frameworks.apps.django_urls import Record

    Record.reset()
    return Record


@pytest.fixture
def handler(django_app: Any) -> Handler:
    return asgi_handler(django_app, lifespan="off")


@pytest.fixture(params=WITH_ALB)
def source(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_path_and_query_parameters_reach_the_view(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/items/42", query="q=red%20shoes&page=3")
    assert reply.status == 200
    assert reply.json() == {"item_id": 42, "q": "red shoes", "page": "3"}


def test_multipart_upload_without_content_length_header_still_parses(handler: Handler) -> None:
    reply = upload(handler, "http-api-v2", "/upload", content_length=False)
    assert reply.status == 200
    assert reply.body == BINARY_FILE


def test_reverse_redirect_keeps_the_base_path(django_app: Any, source: str) -> None:
    handler = asgi_handler(django_app, lifespan="off", api_gateway_base_path="/api")
    reply = call(handler, source, path="/api/go")
    assert reply.status == 302
    assert reply.header("location") == "/api/target"


def test_root_path_becomes_script_name(django_app: Any, source: str) -> None:
    handler = asgi_handler(django_app, lifespan="off", api_gateway_base_path="/api")
    reply = call(handler, source, path="/api/target")
    assert reply.text == "script_name=/api path_info=/target"


def test_build_absolute_uri_is_the_public_url(django_app: Any, source: str) -> None:
    handler = asgi_handler(django_app, lifespan="off", api_gateway_base_path="/api")
    reply = call(handler, source, path="/api/url")
    assert reply.text == f"https://{public_host(source)}/api/items/7"


def test_remote_addr_is_the_client_ip_aws_reports(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/client")
    assert reply.text == "203.0.113.10"


def test_host_outside_allowed_hosts_is_a_400(handler: Handler) -> None:
    reply = call(handler, "http-api-v2", path="/url", headers=[("host", "evil.example.com")])
    assert reply.status == 400


def test_async_streaming_response_is_collected_whole(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/stream")
    assert reply.status == 200
    assert reply.text == "".join(f"chunk {n}\n" for n in range(5))


def test_sync_view_runs_in_asgiref_worker_thread(handler: Handler, record: Any) -> None:
    reply = call(handler, "http-api-v2", path="/sync")
    assert reply.text == "sync"
    assert record.sync_thread is not None
    assert record.sync_thread != MAIN_THREAD


def test_exception_in_a_view_is_a_500(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/boom")
    assert reply.status == 500
    assert "Server Error (500)" in reply.text


def test_lifespan_auto_serves_django_without_lifespan(django_app: Any) -> None:
    handler = asgi_handler(django_app, lifespan="auto")
    replies = [call(handler, source, path="/items/1") for source in WITH_ALB]
    assert [reply.status for reply in replies] == [200, 200, 200]


def test_lifespan_auto_logs_unsupported_once_at_debug_and_nothing_per_request(
    django_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    handler = asgi_handler(django_app, lifespan="auto")
    with caplog.at_level(logging.DEBUG, logger="asgi_lambda"):
        for _ in range(3):
            call(handler, "http-api-v2", path="/items/1")
    lifespan_records = [r for r in caplog.records if r.name.startswith("asgi_lambda.lifespan")]
    assert [r.levelno for r in lifespan_records] == [logging.DEBUG]
    assert "unsupported" in lifespan_records[0].getMessage()
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
