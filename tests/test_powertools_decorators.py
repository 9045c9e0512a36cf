"""SPEC section 1: the handler works under Powertools' own handler decorators (the real package)."""

from __future__ import annotations

import io
import json
import logging
import os
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "asgi-lambda-tests")

from aws_lambda_powertools import Logger, Tracer  # noqa: E402
from aws_lambda_powertools.middleware_factory import lambda_handler_decorator  # noqa: E402

from asgi_lambda import asgi_handler  # noqa: E402
from tests.asgi_apps import RecordingApp  # noqa: E402
from tests.conftest import load_event  # noqa: E402


@dataclass
class FakeLambdaContext:
    function_name: str = "asgi-lambda-test"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:asgi-lambda-test"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"


def test_lambda_handler_decorator_wraps_the_handler() -> None:
    calls: list[str] = []

    @lambda_handler_decorator
    def audit(handler: Any, event: dict[str, Any], context: Any) -> Any:
        calls.append("before")
        response = handler(event, context)
        calls.append(f"after {response['statusCode']}")
        return response

    handler = audit(asgi_handler(RecordingApp(), lifespan="off"))
    response = handler(load_event("pt-apiGatewayProxyV2Event"), FakeLambdaContext())
    assert response["statusCode"] == 200
    assert calls == ["before", "after 200"]


def powertools_logger(service: str, stream: io.StringIO | None = None) -> Logger:
    """A Logger of its own: Powertools shares one stdlib logger per service name."""
    return Logger(service=service, logger_handler=logging.StreamHandler(stream or io.StringIO()))


def test_inject_lambda_context_wraps_the_handler_and_logs_with_context() -> None:
    stream = io.StringIO()
    logger = powertools_logger("pt-inject-wrapped", stream)
    app = RecordingApp()
    inner = asgi_handler(app, lifespan="off")

    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: Any) -> Any:
        logger.info("handling")
        return inner(event, context)

    response = handler(load_event("pt-apiGatewayProxyV2Event"), FakeLambdaContext())
    assert response["statusCode"] == 200
    record = json.loads(stream.getvalue().splitlines()[0])
    assert record["function_request_id"] == "52fdfc07-2182-154f-163f-5f0f9a621d72"
    assert record["message"] == "handling"


def test_inject_lambda_context_directly_over_the_asgi_handler() -> None:
    logger = powertools_logger("pt-inject-direct")
    handler = logger.inject_lambda_context(asgi_handler(RecordingApp(), lifespan="off"))
    assert (
        handler(load_event("pt-apiGatewayProxyV2Event"), FakeLambdaContext())["statusCode"] == 200
    )


def test_capture_lambda_handler_wraps_the_handler() -> None:
    tracer = Tracer(service="asgi-lambda-tests", disabled=True)
    handler = tracer.capture_lambda_handler(
        asgi_handler(RecordingApp(body=b"traced"), lifespan="off")
    )
    response = handler(load_event("pt-apiGatewayProxyV2Event"), FakeLambdaContext())
    assert response["body"] == "traced"


def test_all_three_stacked_over_the_decorator_form() -> None:
    logger = powertools_logger("pt-stacked")
    tracer = Tracer(service="asgi-lambda-tests", disabled=True)
    seen: list[str] = []

    @lambda_handler_decorator
    def audit(handler: Any, event: dict[str, Any], context: Any) -> Any:
        seen.append("audit")
        return handler(event, context)

    @audit
    @logger.inject_lambda_context
    @tracer.capture_lambda_handler
    @asgi_handler(RecordingApp(body=b"stacked"), lifespan="off")
    def handler(event: dict[str, Any], context: Any) -> None:
        seen.append("user code")
        return None

    response = handler(load_event("pt-apiGatewayProxyV2Event"), FakeLambdaContext())
    assert response["body"] == "stacked"
    assert seen == ["audit", "user code"]
