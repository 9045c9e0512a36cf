"""API Gateway HTTP API payload 2.0 and Lambda Function URLs (the same shape)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from .._request import Request
from .._response import Response
from .._types import LambdaContext, LambdaEvent, LambdaResponse
from ._base import (
    EventSource,
    bad_event,
    client_from_ip,
    decode_body,
    encode_body,
    grouped_headers,
    header_list,
    http_version,
    scheme_and_server,
    split_path,
)

LABEL = "HTTP API payload 2.0 / Function URL"


class _Http(BaseModel):
    model_config = ConfigDict(extra="ignore")
    method: str
    protocol: str | None = None
    sourceIp: str | None = None


class _RequestContext(BaseModel):
    model_config = ConfigDict(extra="ignore")
    http: _Http
    domainName: str | None = None
    stage: str | None = None


class HttpApiV2Event(BaseModel):
    """The fields asgi-lambda reads; the rest of the event stays reachable as ``scope['aws.event']``."""

    model_config = ConfigDict(extra="ignore")
    version: Literal["2.0"]
    rawPath: str = "/"
    rawQueryString: str | None = ""
    cookies: list[str] | None = None
    headers: dict[str, str] | None = None
    body: str | None = None
    isBase64Encoded: bool = False
    requestContext: _RequestContext


def matches(event: LambdaEvent) -> bool:
    context = event.get("requestContext")
    return event.get("version") == "2.0" and isinstance(context, dict) and "http" in context


def parse(event: LambdaEvent, context: LambdaContext) -> Request:
    try:
        model = HttpApiV2Event.model_validate(event)
    except ValidationError as exc:
        raise bad_event(LABEL, exc) from None
    request_context = model.requestContext
    headers = header_list(None, model.headers, model.cookies or ())
    scheme, server = scheme_and_server(headers, request_context.domainName)
    path, raw_path = split_path(model.rawPath)
    return Request(
        method=request_context.http.method.upper(),
        path=path,
        raw_path=raw_path,
        query_string=(model.rawQueryString or "").encode("utf-8"),
        headers=headers,
        body=decode_body(model.body, model.isBase64Encoded),
        source="http_api_v2",
        event=event,
        context=context,
        scheme=scheme,
        server=server,
        client=client_from_ip(request_context.http.sourceIp),
        http_version=http_version(request_context.http.protocol),
    )


def render(response: Response, event: LambdaEvent) -> LambdaResponse:
    """Duplicate headers comma-joined, as payload 2.0 allows; cookies in their own list."""
    grouped = grouped_headers(response.headers)
    cookies = grouped.pop("set-cookie", [])
    body, is_base64 = encode_body(response)
    result: LambdaResponse = {
        "statusCode": response.status,
        "headers": {name: ", ".join(values) for name, values in grouped.items()},
        "body": body,
        "isBase64Encoded": is_base64,
    }
    if cookies:
        result["cookies"] = cookies
    return result


SOURCE = EventSource(
    name="http_api_v2",
    description="HTTP API payload 2.0 / Function URL (version '2.0' with requestContext.http)",
    matches=matches,
    parse=parse,
    render=render,
)
