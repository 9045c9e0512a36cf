"""A handler decorated exactly as docs/observability.md recommends, for the CLI tests."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from asgi_lambda import asgi_handler

logger = Logger(service="cli-test")
tracer = Tracer(service="cli-test", disabled=True)
metrics = Metrics(namespace="cli-test", service="cli-test")


async def hello(request: Request) -> JSONResponse:
    print("a print from the app")  # must not end up in the CLI's JSON output
    logger.info("hello from the app")
    context = request.scope["aws.context"]
    return JSONResponse(
        {
            "function_name": context.function_name,
            "request_id": context.aws_request_id,
            "remaining_ms": context.get_remaining_time_in_millis(),
        }
    )


async def chat(websocket: WebSocket) -> None:
    await websocket.accept()


app = Starlette(routes=[Route("/hello", hello), WebSocketRoute("/", chat)])


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics(capture_cold_start_metric=True)
@asgi_handler(app, logger=logger, tracer=tracer, metrics=metrics)
def handler(event: dict[str, Any], context: Any) -> Any:
    return None
