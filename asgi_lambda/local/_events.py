"""The events ``asgi-lambda serve`` builds: AWS's shapes for one real HTTP request.

The shapes are the CLI's sample events (``asgi_lambda._samples``, one builder per front door,
AWS's own key sets and encodings); what changes per request is filled in here: a fresh request
id and time, the client's address, the Host it asked for, the stage.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from .._samples import sample_event
from .._types import LambdaEvent

Headers = list[tuple[str, str]]


def http_event(
    source: str,
    method: str,
    path: str,
    query: str,
    headers: Headers,
    body: bytes,
    client_ip: str,
    stage: str,
) -> LambdaEvent:
    """The event ``source`` sends for this request; ``path`` is the path the app sees."""
    event = sample_event(source, method, path, query, headers, body)
    host = next((value for name, value in headers if name.lower() == "host"), "localhost")
    request_id = str(uuid.uuid4())
    now_ms = int(time.time() * 1000)
    clock = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now_ms / 1000))
    context: dict[str, Any] = event.get("requestContext", {})
    if source in ("http-api-v2", "function-url"):
        context.update(requestId=request_id, domainName=host, time=clock, timeEpoch=now_ms)
        context["http"]["sourceIp"] = client_ip
        context["http"]["userAgent"] = _header(headers, "user-agent")
        context["domainPrefix"] = host.split(".", 1)[0]
        if source == "http-api-v2":
            context["stage"] = stage
    elif source in ("rest", "http-api-v1"):
        # A REST API is served under /STAGE/ here, as on its default execute-api host, so the
        # event says it came through one: strip_stage_path then gives the app the same root
        # path (and links) as deployed.  The Host header stays the client's.
        domain = EXECUTE_API_DOMAIN if source == "rest" else host
        context.update(requestId=request_id, domainName=domain, requestTimeEpoch=now_ms)
        context.update(requestTime=clock, stage=stage)
        context["path"] = f"/{stage}{path}" if source == "rest" else path
        context["identity"] = {"sourceIp": client_ip, "userAgent": _header(headers, "user-agent")}
    elif source.startswith("alb"):
        _, colon, port = host.rpartition(":")
        port = port if colon and not port.endswith("]") else "80"  # "[::1]" has no port
        _replace_forwarded(event, client_ip, port)
    return event


EXECUTE_API_DOMAIN = "local.execute-api.us-east-1.amazonaws.com"


def _header(headers: Headers, name: str) -> str:
    return next((value for key, value in headers if key.lower() == name), "")


def _replace_forwarded(event: LambdaEvent, client_ip: str, port: str) -> None:
    """The X-Forwarded-* headers an ALB adds, for this request: the client it came from, and
    the plain-HTTP listener it reached here (the sample's https:443 would make the app build
    https:// links that lead nowhere locally)."""
    forwarded = {
        "x-forwarded-for": client_ip,
        "x-forwarded-proto": "http",
        "x-forwarded-port": port,
    }
    for key in ("headers", "multiValueHeaders"):
        headers = event.get(key)
        if isinstance(headers, dict):
            for name, value in forwarded.items():
                headers[name] = value if key == "headers" else [value]


def websocket_event(
    event_type: str,
    route: str,
    connection_id: str,
    host: str,
    stage: str,
    client_ip: str,
    connected_at: int,
    headers: Headers | None = None,
    query: str = "",
    body: bytes = b"",
) -> LambdaEvent:
    """A WebSocket API event, as API Gateway sends it for this connection."""
    source = {"CONNECT": "websocket-connect", "MESSAGE": "websocket-message"}.get(
        event_type, "websocket-disconnect"
    )
    event = sample_event(source, "GET", "/", query, headers or [], body)
    now_ms = int(time.time() * 1000)
    context: dict[str, Any] = event["requestContext"]
    context.update(
        routeKey=route,
        connectionId=connection_id,
        domainName=host,
        stage=stage,
        requestId=str(uuid.uuid4()),
        connectedAt=connected_at,
        requestTimeEpoch=now_ms,
        identity={"sourceIp": client_ip},
    )
    if event_type == "MESSAGE":
        context["messageId"] = uuid.uuid4().hex[:16]
    if event_type == "CONNECT" and headers is not None:
        multi: dict[str, list[str]] = {}
        for name, value in headers:
            multi.setdefault(name, []).append(value)
        event["headers"] = {name: values[-1] for name, values in multi.items()}
        event["multiValueHeaders"] = multi
    return event
