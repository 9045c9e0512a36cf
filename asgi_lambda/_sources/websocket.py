"""API Gateway WebSocket APIs: ``$connect``, message and ``$disconnect`` events.

Detection only needs ``requestContext.eventType`` and ``connectionId``.  The WebSocket handler
(``asgi_lambda._websocket``) drives the cycle; this module validates the event and reads the
connect request (path, headers, query string, client) the way the HTTP sources do, so the
websocket scope is built from the same normalized ``Request``.

A ``$connect`` event carries the handshake's headers and query string; message and
``$disconnect`` events carry neither, which is why the scope is stored at connect time.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from .._errors import BadRequestError
from .._http.request import Request
from .._http.response import Response
from .._types import LambdaContext, LambdaEvent, LambdaResponse
from ._base import (
    WEBSOCKET_SCHEMES,
    EventSource,
    bad_event,
    client_from_ip,
    decode_body,
    grouped_headers,
    header_list,
    query_from_multi,
    scheme_and_server,
    split_path,
)
from ._detect import DESCRIPTIONS
from ._detect import websocket as matches

LABEL = "API Gateway WebSocket"
EventType = Literal["CONNECT", "MESSAGE", "DISCONNECT"]


class _Identity(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    sourceIp: str | None = None


# API Gateway's ids are base64-like ("ZZ3Cbd1XIAMCKHQ="); anything with spaces or control
# characters would reach log lines and Management API paths.
ConnectionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/=_.:-]{1,128}$")]


class _RequestContext(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    eventType: EventType
    connectionId: ConnectionId
    routeKey: str | None = None
    stage: str | None = None
    domainName: str | None = None
    apiId: str | None = None
    identity: _Identity | None = None
    disconnectStatusCode: int | None = None
    disconnectReason: str | None = None


class WebSocketEvent(BaseModel):
    """The fields asgi-lambda reads; the whole event stays reachable as ``scope['aws.event']``."""

    model_config = ConfigDict(extra="ignore", defer_build=True)
    requestContext: _RequestContext
    path: str | None = None
    headers: dict[str, str | None] | None = None
    multiValueHeaders: dict[str, list[str] | None] | None = None
    queryStringParameters: dict[str, str | None] | None = None
    multiValueQueryStringParameters: dict[str, list[str] | None] | None = None
    body: str | None = None
    isBase64Encoded: bool = False


def parse_event(event: LambdaEvent) -> WebSocketEvent:
    """The validated event; a ``BadRequestError`` names the first bad field."""
    try:
        return WebSocketEvent.model_validate(event)
    except ValidationError as exc:
        raise bad_event(LABEL, exc) from None


def connect_request(model: WebSocketEvent, event: LambdaEvent, context: LambdaContext) -> Request:
    """The handshake as a normalized request.

    Real events carry no path: clients dial ``wss://{domain}/{stage}``, and that one URL is the
    app's ``/``.  A ``path`` in the event (a test harness, or a decorator that sets one to reach a
    websocket route elsewhere in the app) is used as given.
    """
    headers = header_list(model.multiValueHeaders, model.headers)
    scheme, server = scheme_and_server(headers, model.requestContext.domainName, WEBSOCKET_SCHEMES)
    path, raw_path = split_path(model.path or "/")
    query = model.multiValueQueryStringParameters or model.queryStringParameters
    identity = model.requestContext.identity
    return Request(
        method="GET",
        path=path,
        raw_path=raw_path,
        query_string=query_from_multi(query),
        headers=headers,
        body=b"",
        source="websocket",
        event=event,
        context=context,
        scheme=scheme,
        server=server,
        client=client_from_ip(identity.sourceIp if identity else None),
    )


def message_body(model: WebSocketEvent) -> str | bytes:
    """A message's data: text as sent, base64-marked data decoded to bytes.

    JSON can spell a lone surrogate (``\\ud800``), which no WebSocket peer can have sent and
    nothing can encode (an app echoing it would fail): the client's error, a 400, as for an
    HTTP body.
    """
    if model.isBase64Encoded:
        return decode_body(model.body, True)
    text = model.body or ""
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise BadRequestError(
                f"invalid WebSocket message: text that is not valid Unicode ({exc.reason})"
            ) from None
    return text


def parse(event: LambdaEvent, context: LambdaContext) -> Request:
    return connect_request(parse_event(event), event, context)


def render(response: Response, event: LambdaEvent) -> LambdaResponse:
    """API Gateway reads only the status (and, on ``$connect``, the headers) of the answer."""
    result: LambdaResponse = {"statusCode": response.status}
    if response.headers:
        grouped = grouped_headers(response.headers)
        result["headers"] = {name: ", ".join(values) for name, values in grouped.items()}
    return result


SOURCE = EventSource(
    name="websocket",
    description=DESCRIPTIONS["websocket"],
    matches=matches,
    parse=parse,
    render=render,
    kind="websocket",
)
