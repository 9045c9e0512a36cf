"""API Gateway REST APIs and HTTP API payload 1.0 (the same "proxy" shape).

API Gateway hands over query parameters already percent-decoded, so the query string is rebuilt
from the multi-value map and encoded once.  ``path`` is the path REST received (custom-domain base
paths included, the default domain's stage not); ``requestContext.stage`` and ``domainName`` stay
reachable through ``request.event`` for the base-path middleware.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError

from .._http.request import Request
from .._http.response import Response
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
    query_from_multi,
    scheme_and_server,
    split_path,
)
from ._detect import DESCRIPTIONS
from ._detect import api_gateway_v1 as matches
from ._payload_v1 import PayloadV1Fields

LABEL = "API Gateway REST / HTTP API payload 1.0"


class _Identity(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    sourceIp: str | None = None


class _RequestContext(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    identity: _Identity | None = None
    protocol: str | None = None
    domainName: str | None = None
    stage: str | None = None


class ApiGatewayV1Event(PayloadV1Fields):
    """Only the fields asgi-lambda reads; the whole event stays in ``scope['aws.event']``.

    Every map may be null: console test events send ``headers: null`` and friends.
    """

    requestContext: _RequestContext


def parse(event: LambdaEvent, context: LambdaContext) -> Request:
    try:
        model = ApiGatewayV1Event.model_validate(event)
    except ValidationError as exc:
        raise bad_event(LABEL, exc) from None
    request_context = model.requestContext
    headers = header_list(model.multiValueHeaders, model.headers)
    scheme, server = scheme_and_server(headers, request_context.domainName)
    path, raw_path = split_path(model.path or "/")
    identity = request_context.identity
    return Request(
        method=model.httpMethod.upper(),
        path=path,
        raw_path=raw_path,
        query_string=query_from_multi(
            model.multiValueQueryStringParameters or model.queryStringParameters
        ),
        headers=headers,
        body=decode_body(model.body, bool(model.isBase64Encoded)),
        source="api_gateway_v1",
        event=event,
        context=context,
        scheme=scheme,
        server=server,
        client=client_from_ip(identity.sourceIp) if identity else None,
        http_version=http_version(request_context.protocol),
    )


def render(response: Response, event: LambdaEvent) -> LambdaResponse:
    """Each header name in exactly one map: one value in ``headers``, several in
    ``multiValueHeaders``.

    API Gateway merges the two maps, but emulators (serverless-offline 13 among them) concatenate
    them, so a name in both reached clients twice (``content-length: 15,15``, ``content-encoding:
    gzip,gzip``).  Repeated names, ``set-cookie`` above all, are never comma-merged.
    """
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, values in grouped_headers(response.headers).items():
        if len(values) == 1:
            single[name] = values[0]
        else:
            multi[name] = values
    body, is_base64 = encode_body(response)
    return {
        "statusCode": response.status,
        "headers": single,
        "multiValueHeaders": multi,
        "body": body,
        "isBase64Encoded": is_base64,
    }


SOURCE = EventSource(
    name="api_gateway_v1",
    description=DESCRIPTIONS["api_gateway_v1"],
    matches=matches,
    parse=parse,
    render=render,
)
