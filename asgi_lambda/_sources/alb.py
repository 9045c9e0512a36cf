"""Application Load Balancer targets, in single-value and multi-value headers mode.

Unlike API Gateway, ALB does not decode query parameters ("If the query parameters are
URL-encoded, the load balancer does not decode them"), so the query string is the names and
values joined as they came: decoding and re-encoding them would change what the client sent,
and encoding them again would double-encode.  The target group's multi-value setting decides
the response shape, and the request event shows it: ``multiValueHeaders`` instead of ``headers``.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus

from pydantic import BaseModel, ConfigDict, ValidationError

from .._http.request import Request
from .._http.response import Response
from .._types import LambdaContext, LambdaEvent, LambdaResponse
from ._base import (
    EventSource,
    bad_event,
    client_from_forwarded_for,
    decode_body,
    encode_body,
    grouped_headers,
    header_list,
    scheme_and_server,
    split_path,
    spread_set_cookies,
)
from ._detect import DESCRIPTIONS
from ._detect import alb as matches
from ._payload_v1 import PayloadV1Fields

LABEL = "ALB"

# ALB wants a status line phrase ("200 OK") alongside the code.
STATUS_DESCRIPTIONS = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


class _RequestContext(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    elb: dict[str, object]


class AlbEvent(PayloadV1Fields):
    """Only the fields asgi-lambda reads; the whole event stays in ``scope['aws.event']``."""

    requestContext: _RequestContext


def raw_query(params: Mapping[str, list[str] | str | None] | None) -> bytes:
    """The query string from ALB's still-encoded parameters, joined without re-encoding."""
    if not params:
        return b""
    parts: list[str] = []
    for name, values in params.items():
        if values is None:
            continue
        for value in (values,) if isinstance(values, str) else values:
            parts.append(f"{name}={value}")
    return "&".join(parts).encode("utf-8")


def parse(event: LambdaEvent, context: LambdaContext) -> Request:
    try:
        model = AlbEvent.model_validate(event)
    except ValidationError as exc:
        raise bad_event(LABEL, exc) from None
    headers = header_list(model.multiValueHeaders, model.headers)
    scheme, server = scheme_and_server(headers)
    path, raw_path = split_path(model.path or "/")
    return Request(
        method=model.httpMethod.upper(),
        path=path,
        raw_path=raw_path,
        query_string=raw_query(
            model.multiValueQueryStringParameters or model.queryStringParameters
        ),
        headers=headers,
        body=decode_body(model.body, bool(model.isBase64Encoded)),
        source="alb",
        event=event,
        context=context,
        scheme=scheme,
        server=server,
        client=client_from_forwarded_for(headers),
    )


def render(response: Response, event: LambdaEvent) -> LambdaResponse:
    """``multiValueHeaders`` if the target group sends them, else one value per (case-varied) key.

    In single-value mode ALB keeps one value per key but treats keys case-sensitively, so each
    extra ``set-cookie`` gets its own spelling; other repeated headers may be comma-joined.
    """
    grouped = grouped_headers(response.headers)
    body, is_base64 = encode_body(response)
    result: LambdaResponse = {
        "statusCode": response.status,
        "statusDescription": STATUS_DESCRIPTIONS.get(response.status, str(response.status)),
        "body": body,
        "isBase64Encoded": is_base64,
    }
    if isinstance(event.get("multiValueHeaders"), dict):
        result["multiValueHeaders"] = grouped
        return result
    headers: dict[str, str] = {}
    for name, values in grouped.items():
        if name == "set-cookie" and len(values) > 1:
            spread_set_cookies(headers, values, "ALB")
        else:
            headers[name] = ", ".join(values)
    result["headers"] = headers
    return result


SOURCE = EventSource(
    name="alb",
    description=DESCRIPTIONS["alb"],
    matches=matches,
    parse=parse,
    render=render,
)
