"""Lambda@Edge viewer-request and origin-request triggers: the app generates the response.

CloudFront hands the request over as ``Records[0].cf.request`` with headers as
``{lower-case name: [{key, value}, ...]}``; the function answers with a generated response in
the same header shape, ``status`` as a string, and ``body`` plus ``bodyEncoding``.  CloudFront
rejects (with a bare 502) a generated response that carries a header it reserves, or that is
larger than the trigger allows, so both are settled here, where the log can say why.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from http import HTTPStatus

from pydantic import BaseModel, ConfigDict, ValidationError
from typing_extensions import NotRequired, TypedDict

from .._errors import BadRequestError
from .._http.request import Request
from .._http.response import Response, plain_text
from .._types import LambdaContext, LambdaEvent, LambdaResponse
from ._base import (
    EventSource,
    bad_event,
    client_from_ip,
    decode_body,
    encode_body,
    first_header,
    grouped_headers,
    header_list,
    is_host,
    server_address,
    split_path,
)
from ._detect import DESCRIPTIONS
from ._detect import lambda_edge as matches

logger = logging.getLogger("asgi_lambda")

LABEL = "Lambda@Edge (Records[0].cf.request)"

# Headers CloudFront will not take from a generated response ("Restrictions on edge functions"):
# the disallowed headers, and the read-only headers of viewer- and origin-request events.  A
# response carrying one fails CloudFront's validation and the viewer gets a 502.
FORBIDDEN_RESPONSE_HEADERS = frozenset(
    {
        # disallowed
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "trailer",
        "upgrade",
        "x-accel-buffering",
        "x-accel-charset",
        "x-accel-limit-rate",
        "x-accel-redirect",
        "x-cache",
        "x-forwarded-proto",
        "x-real-ip",
        # read-only in viewer-request events
        "content-length",
        "host",
        "transfer-encoding",
        "via",
        # read-only in origin-request events (in addition to the above)
        "accept-encoding",
        "if-modified-since",
        "if-none-match",
        "if-range",
        "if-unmodified-since",
    }
)
FORBIDDEN_RESPONSE_PREFIXES = ("x-amz-cf-", "x-amzn-", "x-edge-")

# The largest generated response (headers and body) CloudFront accepts from each trigger.
RESPONSE_LIMITS = {"viewer-request": 40 * 1024, "origin-request": 1024 * 1024}
DEFAULT_RESPONSE_LIMIT = RESPONSE_LIMITS["origin-request"]

# Statuses whose response must not have a body; CloudFront answers 502 to a 204 with one.
NO_BODY_STATUSES = frozenset({204, 304})
REASONS = {status.value: status.phrase for status in HTTPStatus}


class _HeaderEntry(TypedDict):
    key: NotRequired[str | None]
    value: str | None


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    data: str | None = None
    encoding: str | None = "base64"
    inputTruncated: bool | None = False


class CloudFrontRequest(BaseModel):
    """``Records[0].cf.request``, the fields asgi-lambda reads; the rest stays in the raw event.

    ``matches`` already walked the path to it, so only this part is validated.
    """

    model_config = ConfigDict(extra="ignore", defer_build=True)
    method: str
    uri: str | None = "/"
    querystring: str | None = ""
    headers: dict[str, list[_HeaderEntry] | None] | None = None
    clientIp: str | None = None
    body: _Body | None = None


def parse(event: LambdaEvent, context: LambdaContext) -> Request:
    try:
        cf_request = CloudFrontRequest.model_validate(event["Records"][0]["cf"]["request"])
    except ValidationError as exc:
        raise bad_event(LABEL, exc) from None
    headers = header_list(
        {
            name: [value for entry in entries if (value := entry["value"]) is not None]
            for name, entries in (cf_request.headers or {}).items()
            if entries
        }
    )
    path, raw_path = split_path(cf_request.uri or "/")
    scheme = (first_header(headers, b"cloudfront-forwarded-proto") or "https").lower()
    return Request(
        method=cf_request.method.upper(),
        path=path,
        raw_path=raw_path,
        query_string=(cf_request.querystring or "").encode("utf-8"),
        headers=headers,
        body=_body(cf_request.body),
        source="lambda_edge",
        event=event,
        context=context,
        scheme=scheme,
        server=_server(first_header(headers, b"host"), event, scheme),
        client=client_from_ip(cf_request.clientIp),
    )


def _body(body: _Body | None) -> bytes:
    if body is None:
        return b""
    if body.inputTruncated:
        # Handing the app a cut-off body would be silent data loss (a half JSON document).
        raise BadRequestError(
            "the request body was truncated by Lambda@Edge (inputTruncated): it exceeds the "
            "40 KB (viewer request) or 1 MB (origin request) that CloudFront exposes",
            status=413,
        )
    return decode_body(body.data, (body.encoding or "base64") == "base64")


def _server(host: str | None, event: LambdaEvent, scheme: str) -> tuple[str, int] | None:
    """From the Host header, checked as every front door checks it; else the distribution's
    own domain, as CloudFront would have sent."""
    if host is None or not is_host(host):
        config = event["Records"][0]["cf"].get("config")
        host = config.get("distributionDomainName") if isinstance(config, dict) else None
        if not isinstance(host, str) or not is_host(host):
            return None
    return server_address(host, None, scheme)


@lru_cache(maxsize=256)
def standard_case(name: str) -> str:
    """``content-type`` -> ``Content-Type``: the ``key`` spelling CloudFront itself would insert."""
    return "-".join(part[:1].upper() + part[1:] for part in name.split("-"))


def is_forbidden(name: str) -> bool:
    """True for a header CloudFront rejects in a generated response."""
    return name in FORBIDDEN_RESPONSE_HEADERS or name.startswith(FORBIDDEN_RESPONSE_PREFIXES)


def render(response: Response, event: LambdaEvent) -> LambdaResponse:
    """Every value of every header kept (``set-cookie`` included); reserved headers dropped."""
    headers: dict[str, list[dict[str, str]]] = {}
    size = 0
    for name, values in grouped_headers(response.headers).items():
        lowered = name.lower()
        if is_forbidden(lowered):
            logger.debug("dropping %r: CloudFront rejects it in a generated response", lowered)
            continue
        key = standard_case(lowered)
        entries = headers.setdefault(lowered, [])
        for value in values:
            entries.append({"key": key, "value": value})
            size += len(key) + len(value) + 4
    result: LambdaResponse = {
        "status": str(response.status),
        "statusDescription": REASONS.get(response.status, ""),
        "headers": headers,
    }
    if response.body and response.status not in NO_BODY_STATUSES:
        body, is_base64 = encode_body(response)
        result["body"] = body
        result["bodyEncoding"] = "base64" if is_base64 else "text"
        size += len(body)
    limit, trigger = _limit(event)
    if size > limit:
        logger.error(
            "generated response of about %d bytes exceeds the %d-byte limit CloudFront allows "
            "for a %s trigger: answering 500 instead of letting CloudFront answer 502",
            size,
            limit,
            trigger,
        )
        return render(plain_text(500, "Internal Server Error"), event)
    return result


def _limit(event: LambdaEvent) -> tuple[int, str]:
    """The size limit for this trigger, and the trigger's name for the log."""
    try:
        trigger = str(event["Records"][0]["cf"]["config"]["eventType"])
    except (KeyError, IndexError, TypeError):
        return DEFAULT_RESPONSE_LIMIT, "request"
    return RESPONSE_LIMITS.get(trigger, DEFAULT_RESPONSE_LIMIT), trigger


SOURCE = EventSource(
    name="lambda_edge",
    description=DESCRIPTIONS["lambda_edge"],
    matches=matches,
    parse=parse,
    render=render,
)
