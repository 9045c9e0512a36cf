"""Amazon VPC Lattice, both Lambda event structures: version 1 (snake_case) and version 2.0.

Version 1 carries ``raw_path``, ``query_string_parameters`` and single-string headers (repeated
headers arrive comma-joined); version 2.0 carries ``path``, ``queryStringParameters`` and headers
as lists, plus a ``requestContext`` naming the service network.  Both answer in the same shape:
``statusCode``, ``statusDescription``, single-string ``headers``, ``body``, ``isBase64Encoded``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Literal

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
    query_from_multi,
    scheme_and_server,
    split_path,
    spread_set_cookies,
)
from ._detect import DESCRIPTIONS
from ._detect import vpc_lattice as matches

LABEL_V1 = "VPC Lattice (version 1)"
LABEL_V2 = "VPC Lattice (version 2.0)"

STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}

Values = str | list[str] | None


class LatticeV1Event(BaseModel):
    """Version 1: only the fields asgi-lambda reads; the rest stays in ``scope['aws.event']``."""

    model_config = ConfigDict(extra="ignore", defer_build=True)
    raw_path: str | None = "/"
    method: str
    headers: dict[str, Values] | None = None
    query_string_parameters: dict[str, Values] | None = None
    body: str | None = None
    is_base64_encoded: bool | None = False


class _RequestContext(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    serviceNetworkArn: str | None = None


class LatticeV2Event(BaseModel):
    """Version 2.0: headers and query parameters hold lists (single strings are accepted too)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)
    version: Literal["2.0"]
    path: str | None = "/"
    method: str
    headers: dict[str, Values] | None = None
    queryStringParameters: dict[str, Values] | None = None
    body: str | None = None
    isBase64Encoded: bool | None = False
    requestContext: _RequestContext


def parse(event: LambdaEvent, context: LambdaContext) -> Request:
    if "raw_path" in event:
        try:
            v1 = LatticeV1Event.model_validate(event)
        except ValidationError as exc:
            raise bad_event(LABEL_V1, exc) from None
        body = decode_body(v1.body, bool(v1.is_base64_encoded))
        return _request(
            event, context, v1.method, v1.raw_path, v1.query_string_parameters, v1.headers, body
        )
    try:
        v2 = LatticeV2Event.model_validate(event)
    except ValidationError as exc:
        raise bad_event(LABEL_V2, exc) from None
    body = decode_body(v2.body, bool(v2.isBase64Encoded))
    return _request(event, context, v2.method, v2.path, v2.queryStringParameters, v2.headers, body)


def _request(
    event: LambdaEvent,
    context: LambdaContext,
    method: str,
    target: str | None,
    params: dict[str, Values] | None,
    raw_headers: dict[str, Values] | None,
    body: bytes,
) -> Request:
    """One request from either version; only the field names differ between them."""
    # The path may carry the query string as the client sent it: those bytes beat a map
    # rebuilt from decoded parameters (which loses order and the client's own encoding).
    path_part, question, query = (target or "/").partition("?")
    query_string = query.encode("utf-8") if question else query_from_multi(params)
    path, raw_path = split_path(path_part)
    headers = header_list(raw_headers)
    scheme, server = scheme_and_server(headers)
    return Request(
        method=method.upper(),
        path=path,
        raw_path=raw_path,
        query_string=query_string,
        headers=headers,
        body=body,
        source="vpc_lattice",
        event=event,
        context=context,
        scheme=scheme,
        server=server,
        client=client_from_forwarded_for(headers),
    )


def render(response: Response, event: LambdaEvent) -> LambdaResponse:
    """Single-string headers: set-cookie under case-varied keys, other repeats comma-joined.

    Lattice keeps one string per response header key, but keys are case-sensitive (as with ALB),
    so each cookie goes out under its own spelling of ``set-cookie`` instead of being merged.
    """
    grouped = grouped_headers(response.headers)
    headers: dict[str, str] = {}
    for name, values in grouped.items():
        if name.lower() == "set-cookie" and len(values) > 1:
            spread_set_cookies(headers, values, "VPC Lattice")
        else:
            headers[name] = ", ".join(values)
    body, is_base64 = encode_body(response)
    return {
        "isBase64Encoded": is_base64,
        "statusCode": response.status,
        "statusDescription": STATUS_LINES.get(response.status, str(response.status)),
        "headers": headers,
        "body": body,
    }


SOURCE = EventSource(
    name="vpc_lattice",
    description=DESCRIPTIONS["vpc_lattice"],
    matches=matches,
    parse=parse,
    render=render,
)
