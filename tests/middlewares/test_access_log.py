"""Access log: one line per request, stdlib by default, structured through Powertools' Logger."""

from __future__ import annotations

import io
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from asgi_lambda import ConfigurationError, asgi_handler
from asgi_lambda._http.request import Request
from asgi_lambda._http.response import Response
from asgi_lambda._loop import run
from asgi_lambda._options import build_options
from asgi_lambda._types import Receive, Scope, Send
from asgi_lambda.middlewares import access_log
from asgi_lambda.middlewares.access_log import AccessLog, correlation_id
from tests.conftest import load_event

SECRETS = {
    "Authorization": "Bearer secret-token-1",
    "Cookie": "session=secret-cookie-2",
    "X-Api-Key": "secret-key-3",
    "Proxy-Authorization": "Basic secret-proxy-4",
}


@dataclass
class LambdaContext:
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    function_name: str = "fn"


@pytest.fixture(autouse=True)
def _warm(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts as if the environment had served before, unless it says otherwise."""
    monkeypatch.setattr(access_log, "_cold_start", False)


def app_answering(status: int) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        headers = [(b"content-type", b"text/plain"), (b"set-cookie", b"id=secret-set-cookie-5")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"body"})

    return app


def secret_event() -> dict[str, Any]:
    event = load_event("pt-apiGatewayProxyV2Event_GET")
    event["headers"].update(SECRETS)
    return event


def powertools_logger() -> tuple[Logger, io.StringIO]:
    stream = io.StringIO()
    return Logger(service=f"test-{uuid.uuid4().hex}", stream=stream), stream


def json_lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_stdlib_line_has_method_path_status_duration_request_id_and_source(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = asgi_handler(app_answering(201), lifespan="off")
    with caplog.at_level(logging.INFO, "asgi_lambda.access"):
        handler(load_event("pt-apiGatewayProxyV2Event_GET"), LambdaContext())

    (record,) = [r for r in caplog.records if r.name == "asgi_lambda.access"]
    message = record.getMessage()
    assert message.startswith('"GET /my/path" 201 ')
    assert message.endswith("ms source=http_api_v2 request_id=c6af9ac6-7b61-11e6-9a41-93e812345678")
    fields = record.__dict__
    assert (fields["http_method"], fields["path"], fields["status"]) == ("GET", "/my/path", 201)
    assert fields["source"] == "http_api_v2"
    assert fields["function_request_id"] == "c6af9ac6-7b61-11e6-9a41-93e812345678"
    assert 0 <= fields["duration_ms"] < 1000


def test_stdlib_line_logs_the_500_an_app_error_became(caplog: pytest.LogCaptureFixture) -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("boom")

    handler = asgi_handler(broken, lifespan="off")
    with caplog.at_level(logging.INFO, "asgi_lambda"):
        handler(load_event("pt-apiGatewayProxyV2Event_GET"), None)

    (record,) = [r for r in caplog.records if r.name == "asgi_lambda.access"]
    assert record.status == 500  # type: ignore[attr-defined]
    assert record.exc_info is None  # the traceback is the core's job, logged once, there
    assert record.getMessage().endswith("request_id=-")


def test_log_level_above_info_silences_the_access_log(caplog: pytest.LogCaptureFixture) -> None:
    handler = asgi_handler(app_answering(200), lifespan="off", log_level="warning")
    with caplog.at_level(logging.NOTSET):
        handler(load_event("pt-apiGatewayProxyV2Event_GET"), None)

    assert [r for r in caplog.records if r.name == "asgi_lambda.access"] == []


def test_access_log_false_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    handler = asgi_handler(app_answering(200), lifespan="off", access_log=False)
    with caplog.at_level(logging.INFO, "asgi_lambda.access"):
        handler(load_event("pt-apiGatewayProxyV2Event_GET"), None)

    assert [r for r in caplog.records if r.name == "asgi_lambda.access"] == []


def test_a_stdlib_logger_can_be_passed(caplog: pytest.LogCaptureFixture) -> None:
    mine = logging.getLogger("my.app.access")
    handler = asgi_handler(app_answering(200), lifespan="off", logger=mine)
    with caplog.at_level(logging.INFO, "my.app.access"):
        handler(load_event("pt-apiGatewayProxyV2Event_GET"), None)

    assert [r.name for r in caplog.records] == ["my.app.access"]


def test_a_logger_of_another_kind_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="option 'logger'"):
        asgi_handler(app_answering(200), logger=print)


def test_sensitive_headers_never_reach_the_stdlib_log(caplog: pytest.LogCaptureFixture) -> None:
    handler = asgi_handler(app_answering(200), lifespan="off", log_level="debug")
    with caplog.at_level(logging.DEBUG):
        handler(secret_event(), LambdaContext())

    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "asgi_lambda.access" in {r.name for r in caplog.records}
    assert "secret" not in logged


def test_sensitive_headers_never_reach_the_powertools_log() -> None:
    logger, stream = powertools_logger()
    handler = asgi_handler(app_answering(200), lifespan="off", logger=logger)
    handler(secret_event(), LambdaContext())

    assert len(json_lines(stream)) == 1
    assert "secret" not in stream.getvalue()


def test_powertools_line_is_structured() -> None:
    logger, stream = powertools_logger()
    handler = asgi_handler(app_answering(404), lifespan="off", logger=logger)
    handler(load_event("pt-apiGatewayProxyV2Event_GET"), LambdaContext())

    (line,) = json_lines(stream)
    assert line["level"] == "INFO"
    assert line["message"] == "GET /my/path 404"
    assert line["http_method"] == "GET"
    assert line["path"] == "/my/path"
    assert line["status"] == 404
    assert line["source"] == "http_api_v2"
    assert line["function_request_id"] == "c6af9ac6-7b61-11e6-9a41-93e812345678"
    assert line["correlation_id"] == "id"  # requestContext.requestId of the sample event
    assert line["cold_start"] is False
    assert isinstance(line["duration_ms"], float)


def test_cold_start_is_true_for_the_first_request_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access_log, "_cold_start", True)
    logger, stream = powertools_logger()
    handler = asgi_handler(app_answering(200), lifespan="off", logger=logger)
    for _ in range(2):
        handler(load_event("pt-apiGatewayProxyV2Event_GET"), LambdaContext())

    assert [line["cold_start"] for line in json_lines(stream)] == [True, False]


def test_the_apps_own_powertools_logs_carry_the_correlation_id() -> None:
    logger, stream = powertools_logger()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        logger.info("inside the app")
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    handler = asgi_handler(app, lifespan="off", logger=logger)
    handler(load_event("pt-apiGatewayProxyV2Event_GET"), LambdaContext())

    lines = json_lines(stream)
    assert [line["message"] for line in lines] == ["inside the app", "GET /my/path 204"]
    assert [line["correlation_id"] for line in lines] == ["id", "id"]


def make_request(source: str, event: dict[str, Any], headers: list[tuple[bytes, bytes]]) -> Request:
    return Request(
        method="GET",
        path="/",
        raw_path=b"/",
        query_string=b"",
        headers=headers,
        body=b"",
        source=source,
        event=event,
    )


TRACE = (b"x-amzn-trace-id", b"Root=1-5c536348-3d683b8b04734faae651f476")


@pytest.mark.parametrize(
    ("source", "event", "headers", "expected"),
    [
        ("http_api_v2", {"requestContext": {"requestId": "v2-id"}}, [TRACE], "v2-id"),
        ("api_gateway_v1", {"requestContext": {"requestId": "v1-id"}}, [TRACE], "v1-id"),
        (
            "alb",
            {"requestContext": {"elb": {}}},
            [TRACE],
            "Root=1-5c536348-3d683b8b04734faae651f476",
        ),
        ("vpc_lattice", {}, [TRACE], "Root=1-5c536348-3d683b8b04734faae651f476"),
        ("vpc_lattice", {}, [], None),
        (
            "lambda_edge",
            {"Records": [{"cf": {"config": {"requestId": "cf-id=="}}}]},
            [],
            "cf-id==",
        ),
        ("lambda_edge", {"Records": []}, [], None),
        ("api_gateway_v1", {"requestContext": None}, [TRACE], None),
    ],
)
def test_correlation_id_comes_from_the_right_place_per_source(
    source: str, event: dict[str, Any], headers: list[tuple[bytes, bytes]], expected: str | None
) -> None:
    assert correlation_id(make_request(source, event, headers)) == expected


def test_correlation_id_is_set_before_the_app_runs_for_each_source() -> None:
    logger, stream = powertools_logger()
    middleware = AccessLog(build_options(logger=logger))
    seen: list[str | None] = []

    async def call_next(request: Request) -> Response:
        seen.append(logger.get_correlation_id())
        return Response(status=200)

    alb = make_request("alb", {}, [TRACE])
    edge = make_request("lambda_edge", {"Records": [{"cf": {"config": {"requestId": "e"}}}]}, [])
    run(middleware(alb, call_next))
    run(middleware(edge, call_next))

    assert seen == ["Root=1-5c536348-3d683b8b04734faae651f476", "e"]
    assert [line["source"] for line in json_lines(stream)] == ["alb", "lambda_edge"]


def test_no_record_is_built_when_no_handler_would_receive_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[logging.LogRecord] = []
    isolated = logging.Logger("asgi-lambda-isolated-access")  # no parent, no handlers
    monkeypatch.setattr(isolated, "makeRecord", lambda *a, **k: built.append(a) or None)
    handler = asgi_handler(app_answering(200), lifespan="off", logger=isolated)
    assert handler(load_event("pt-apiGatewayProxyV2Event_GET"), None)["statusCode"] == 200
    assert built == []


def test_a_record_is_built_once_a_handler_is_attached() -> None:
    isolated = logging.Logger("asgi-lambda-isolated-access-2")
    stream = io.StringIO()
    isolated.addHandler(logging.StreamHandler(stream))
    handler = asgi_handler(app_answering(200), lifespan="off", logger=isolated)
    handler(load_event("pt-apiGatewayProxyV2Event_GET"), None)
    assert '"GET /my/path" 200' in stream.getvalue()


def test_control_characters_in_the_path_and_method_cannot_forge_a_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    event = load_event("pt-apiGatewayProxyV2Event_GET")
    event["rawPath"] = "/a%0d%0aGET /admin 200"  # decoded to CR LF in the scope's path
    event["requestContext"]["http"]["method"] = "GET\r\nPOST"
    handler = asgi_handler(app_answering(200), lifespan="off")
    with caplog.at_level(logging.INFO, "asgi_lambda.access"):
        handler(event, None)
    (record,) = [r for r in caplog.records if r.name == "asgi_lambda.access"]
    message = record.getMessage()
    assert "\r" not in message and "\n" not in message
    assert message.startswith('"GET\\r\\nPOST /a\\r\\nGET /admin 200" 200 ')


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit])
def test_a_propagated_interrupt_is_logged_as_such_not_as_a_500(
    error: type[BaseException], caplog: pytest.LogCaptureFixture
) -> None:
    async def interrupted(scope: Scope, receive: Receive, send: Send) -> None:
        raise error

    handler = asgi_handler(interrupted, lifespan="off")
    with caplog.at_level(logging.INFO, "asgi_lambda.access"), pytest.raises(error):
        handler(load_event("pt-apiGatewayProxyV2Event_GET"), None)
    (record,) = [r for r in caplog.records if r.name == "asgi_lambda.access"]
    assert f"{error.__name__}, no response sent" in record.getMessage()
    assert " 500 " not in record.getMessage()
