"""API Gateway HTTP API payload 2.0 and Lambda Function URLs (the same shape)."""

from __future__ import annotations

from .._http.request import Request
from .._http.response import Response
from .._types import LambdaContext, LambdaEvent, LambdaResponse
from ._base import (
    EventSource,
    bad_event,
    client_from_ip,
    decode_body,
    encode_body,
    header_list,
    http_version,
    scheme_and_server,
    split_path,
)
from ._detect import DESCRIPTIONS
from ._detect import http_api_v2 as matches

LABEL = "HTTP API payload 2.0 / Function URL"


# What parse reads: method, rawPath, rawQueryString, headers, cookies, body, isBase64Encoded,
# requestContext.domainName, requestContext.http.sourceIp, requestContext.http.protocol.
_Fields = tuple[
    str,
    str,
    str | None,
    dict[str, str] | None,
    list[str] | None,
    str | None,
    bool,
    str | None,
    str | None,
    str | None,
]
_STR = frozenset({str})
_OPTIONAL_STR = frozenset({str, type(None)})


def parse(event: LambdaEvent, context: LambdaContext) -> Request:
    fields = _plain_fields(event) or _validated_fields(event)
    method, raw, query, single, cookies, body, is_base64, domain, source_ip, protocol = fields
    headers = header_list(None, single, cookies or ())
    scheme, server = scheme_and_server(headers, domain)
    path, raw_path = split_path(raw)
    return Request(
        method=method.upper(),
        path=path,
        raw_path=raw_path,
        query_string=(query or "").encode("utf-8"),
        headers=headers,
        body=decode_body(body, is_base64),
        source="http_api_v2",
        event=event,
        context=context,
        scheme=scheme,
        server=server,
        client=client_from_ip(source_ip),
        http_version=http_version(protocol),
    )


def _validated_fields(event: LambdaEvent) -> _Fields:
    """The fields through ``HttpApiV2Event``: the contract, and the source of every 400 reason.

    The model (and pydantic) is imported here, by the first event that is not of the plain
    shape: events from AWS never are, so a function behind an HTTP API never loads pydantic.
    """
    from pydantic import ValidationError

    from ._http_api_v2_model import HttpApiV2Event

    try:
        model = HttpApiV2Event.model_validate(event)
    except ValidationError as exc:
        raise bad_event(LABEL, exc) from None
    request_context = model.requestContext
    http = request_context.http
    return (
        http.method,
        model.rawPath,
        model.rawQueryString,
        model.headers,
        model.cookies,
        model.body,
        model.isBase64Encoded,
        request_context.domainName,
        http.sourceIp,
        http.protocol,
    )


def _plain_fields(event: LambdaEvent) -> _Fields | None:
    """The fields as they are, if every field of ``HttpApiV2Event`` already has exactly the type
    JSON decoding gives it; None for anything else, which then goes through the model.

    Events from Lambda are always this plain shape, and for it the model would return the same
    values: this is the model's validation done by hand for the one input it sees in practice,
    at a third of the cost (the model builds three objects and copies every map; 6us of a 38us
    invocation in bench case 1).  Every field the model declares is checked, used or not.
    """
    if type(event) is not dict:
        return None
    request_context = event.get("requestContext")
    if type(request_context) is not dict:
        return None
    http = request_context.get("http")
    if type(http) is not dict:
        return None
    version = event.get("version")
    method = http.get("method")
    protocol = http.get("protocol")
    source_ip = http.get("sourceIp")
    domain = request_context.get("domainName")
    raw = event.get("rawPath", "/")
    query = event.get("rawQueryString", "")
    headers = event.get("headers")
    cookies = event.get("cookies")
    body = event.get("body")
    is_base64 = event.get("isBase64Encoded", False)
    if not (
        type(version) is str
        and version == "2.0"
        and type(method) is str
        and type(protocol) in _OPTIONAL_STR
        and type(source_ip) in _OPTIONAL_STR
        and type(domain) in _OPTIONAL_STR
        and type(request_context.get("stage")) in _OPTIONAL_STR
        and type(raw) is str
        and type(query) in _OPTIONAL_STR
        and type(body) in _OPTIONAL_STR
        and type(is_base64) is bool
        and (
            headers is None
            or (
                type(headers) is dict
                and {*map(type, headers)} <= _STR
                and {*map(type, headers.values())} <= _STR
            )
        )
        and (cookies is None or (type(cookies) is list and {*map(type, cookies)} <= _STR))
    ):
        return None
    return method, raw, query, headers, cookies, body, is_base64, domain, source_ip, protocol


def render(response: Response, event: LambdaEvent) -> LambdaResponse:
    """Duplicate headers comma-joined, as payload 2.0 allows; cookies in their own list.

    Joined in one pass rather than grouped then joined: the same dict, in the same order.
    """
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for raw_name, raw_value in response.headers:
        name = raw_name.decode("latin-1")
        value = raw_value.decode("latin-1")
        if name == "set-cookie":
            cookies.append(value)
        elif name in headers:
            headers[name] += ", " + value
        else:
            headers[name] = value
    body, is_base64 = encode_body(response)
    result: LambdaResponse = {
        "statusCode": response.status,
        "headers": headers,
        "body": body,
        "isBase64Encoded": is_base64,
    }
    if cookies:
        result["cookies"] = cookies
    return result


SOURCE = EventSource(
    name="http_api_v2",
    description=DESCRIPTIONS["http_api_v2"],
    matches=matches,
    parse=parse,
    render=render,
)
