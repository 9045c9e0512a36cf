"""Which front door an event came through, by cheap key checks that import nothing heavy.

Detection runs on every event, and its table is all that ``import asgi_lambda`` loads: a source's
module (its pydantic models, its translations) is imported only when the first event of its shape
arrives, so a function behind one front door never pays for the other five at cold start.

Order matters where shapes overlap: WebSocket ``$connect`` events look like REST events, so
WebSocket is checked before REST; ALB events also carry ``httpMethod``, so ALB is checked
before API Gateway payload 1.0; VPC Lattice v2 shares ``version: "2.0"`` with HTTP API, told
apart by ``requestContext.http``.
"""

from __future__ import annotations

from collections.abc import Callable

from .._types import LambdaEvent


def http_api_v2(event: LambdaEvent) -> bool:
    context = event.get("requestContext")
    return event.get("version") == "2.0" and isinstance(context, dict) and "http" in context


def lambda_edge(event: LambdaEvent) -> bool:
    """A request trigger: ``Records[0].cf.request`` without a ``response`` beside it."""
    records = event.get("Records")
    if not isinstance(records, list) or not records or not isinstance(records[0], dict):
        return False
    cf = records[0].get("cf")
    return isinstance(cf, dict) and "request" in cf and "response" not in cf


def websocket(event: LambdaEvent) -> bool:
    context = event.get("requestContext")
    return isinstance(context, dict) and "eventType" in context and "connectionId" in context


def alb(event: LambdaEvent) -> bool:
    context = event.get("requestContext")
    return isinstance(context, dict) and "elb" in context


def api_gateway_v1(event: LambdaEvent) -> bool:
    context = event.get("requestContext")
    return (
        "httpMethod" in event
        and isinstance(context, dict)
        and "elb" not in context
        and "connectionId" not in context
        and "eventType" not in context
    )


def vpc_lattice(event: LambdaEvent) -> bool:
    if "raw_path" in event and "method" in event:
        return True
    context = event.get("requestContext")
    return (
        event.get("version") == "2.0"
        and isinstance(context, dict)
        and "serviceNetworkArn" in context
    )


# (module name under asgi_lambda._sources, what it looks for, its check), in checking order.
DETECTORS: tuple[tuple[str, str, Callable[[LambdaEvent], bool]], ...] = (
    (
        "http_api_v2",
        "HTTP API payload 2.0 / Function URL (version '2.0' with requestContext.http)",
        http_api_v2,
    ),
    ("lambda_edge", "Lambda@Edge viewer or origin request (Records[0].cf.request)", lambda_edge),
    (
        "websocket",
        "API Gateway WebSocket (requestContext.eventType and requestContext.connectionId)",
        websocket,
    ),
    ("alb", "ALB (requestContext.elb)", alb),
    (
        "api_gateway_v1",
        "API Gateway REST / HTTP API payload 1.0 (httpMethod with requestContext, no elb)",
        api_gateway_v1,
    ),
    (
        "vpc_lattice",
        "VPC Lattice version 1 (raw_path and method) or version 2.0 "
        "(version '2.0' with requestContext.serviceNetworkArn)",
        vpc_lattice,
    ),
)
DESCRIPTIONS = {name: description for name, description, _ in DETECTORS}


def near_miss(event: LambdaEvent) -> str:
    """For an event no detector took: the source it nearly is and the key it lacks, or ""."""
    context = event.get("requestContext")
    if not isinstance(context, dict):
        return ""
    if event.get("version") == "2.0" and "serviceNetworkArn" not in context:
        return (
            "it looks like an HTTP API payload 2.0 / Function URL event without requestContext.http"
        )
    if "connectionId" in context and "eventType" not in context:
        return "it looks like an API Gateway WebSocket event without requestContext.eventType"
    if "resource" in event or "path" in event or "identity" in context:
        return "it looks like an API Gateway REST / HTTP API payload 1.0 event without httpMethod"
    return ""
