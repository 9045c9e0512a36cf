"""A Lambda answer turned back into HTTP as each front door does it, or a 502 where AWS gives one.

AWS checks the answer against the source's contract and answers 502 ("Internal server error"
for API Gateway, "502 Bad Gateway" for ALB) when it breaks it; the reason is only in AWS's own
logs.  Here the reason is raised as ``ContractError`` and logged by the server.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from fnmatch import fnmatch
from typing import Any

MAX_RESPONSE_BYTES = 6 * 1024 * 1024


class ContractError(ValueError):
    """The handler's answer is not one this front door accepts: the client gets a 502."""


@dataclass
class HTTPAnswer:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    warning: str | None = None  # something AWS would do that surprises (base64 text sent)


def http_answer(
    source: str, result: Any, binary_media_types: Collection[str], accept: str
) -> HTTPAnswer:
    """``result`` (what the handler returned) as the HTTP response ``source`` sends."""
    size = len(json.dumps(result, default=str))
    if size > MAX_RESPONSE_BYTES:
        raise ContractError(f"the answer is {size} bytes of JSON, over Lambda's 6 MB limit")
    if source in ("http-api-v2", "function-url"):
        return _payload_v2(result)
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        raise ContractError(f"a {source} answer needs an int statusCode, got {_brief(result)}")
    headers = _merged(result, source)
    body = _body(result)
    answer = HTTPAnswer(result["statusCode"], headers, body)
    if source == "rest" and result.get("isBase64Encoded"):
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        if not _binary(binary_media_types, content_type, accept):
            answer.body = str(result.get("body") or "").encode()
            answer.warning = (
                "the answer is base64 (isBase64Encoded) but no --binary-media-types entry "
                f"matches {content_type or 'its type'!r} or Accept: the client gets the base64 "
                "text, as from a REST API without binaryMediaTypes"
            )
    return answer


def _payload_v2(result: Any) -> HTTPAnswer:
    if not (isinstance(result, dict) and "statusCode" in result):
        # Payload 2.0 infers a response from anything else: 200, JSON.
        text = result if isinstance(result, str) else json.dumps(result)
        return HTTPAnswer(200, [("content-type", "application/json")], text.encode())
    if "multiValueHeaders" in result:
        raise ContractError("payload 2.0 has no multiValueHeaders: use headers and cookies")
    status = result["statusCode"]
    if not isinstance(status, int):
        raise ContractError(f"statusCode must be an int, got {status!r}")
    headers = []
    for name, value in (result.get("headers") or {}).items():
        if not isinstance(value, str):
            raise ContractError(f"header {name!r} has a {type(value).__name__} value, not a str")
        headers.append((name, value))
    for cookie in result.get("cookies") or []:
        headers.append(("set-cookie", cookie))
    return HTTPAnswer(status, headers, _body(result))


def _merged(result: dict[str, Any], source: str) -> list[tuple[str, str]]:
    """``headers`` and ``multiValueHeaders`` as API Gateway and ALB merge them."""
    multi = result.get("multiValueHeaders") or {}
    single = result.get("headers") or {}
    if source.startswith("alb") and multi and single:
        raise ContractError("ALB takes headers or multiValueHeaders, not both")
    merged: list[tuple[str, str]] = []
    for name, values in multi.items():
        if not isinstance(values, list):
            raise ContractError(f"multiValueHeaders[{name!r}] must be a list of str")
        merged.extend((name, _text(name, value)) for value in values)
    taken = {name.lower() for name in multi}
    for name, value in single.items():
        if name.lower() not in taken:  # a name in both: multiValueHeaders wins
            merged.append((name, _text(name, value)))
    return merged


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ContractError(f"header {name!r} has a {type(value).__name__} value, not a str")
    return value


def _body(result: dict[str, Any]) -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise ContractError(f"body must be a str, got {type(body).__name__}")
    if result.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except ValueError:
            raise ContractError("isBase64Encoded is true but the body is not base64") from None
    return body.encode("utf-8")


def _binary(types: Collection[str], content_type: str, accept: str) -> bool:
    """REST decodes base64 when binaryMediaTypes covers the Accept header or the content-type."""
    candidates = [content_type.split(";", 1)[0].strip()]
    candidates += [part.split(";", 1)[0].strip() for part in accept.split(",") if part.strip()]
    return any(fnmatch(c, pattern) for pattern in types for c in candidates if c)


def _brief(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


MAX_INVOCATION_BYTES = 6 * 1024 * 1024  # Lambda's synchronous invocation payload (6,291,456)
API_GATEWAY_MAX_BODY = 10 * 1024 * 1024  # REST's and HTTP API's own request payload limit
ALB_MAX_BODY = 1024 * 1024  # what an ALB passes to a Lambda target


def refusal(source: str, body_size: int, event: Any) -> tuple[HTTPAnswer, str] | None:
    """The answer the front door gives a request too large to reach the function, and why;
    None when it fits.  REST checks its own 10 MB first, ALB its 1 MB, then Lambda refuses an
    event over 6 MB (the answers as captured from AWS: docs/local-development.md)."""
    if source.startswith("alb"):
        if body_size <= ALB_MAX_BODY:
            return None
        page = b"<html><head><title>413 Request Entity Too Large</title></head></html>\n"
        why = f"a {body_size}-byte body is over ALB's 1 MB for a Lambda target"
        return HTTPAnswer(413, [("content-type", "text/html")], page), why
    if source == "rest" and body_size > API_GATEWAY_MAX_BODY:
        text = b"HTTP content length exceeded 10485760 bytes."
        why = f"a {body_size}-byte body is over API Gateway's 10 MB"
        return HTTPAnswer(413, [("content-type", "text; charset=utf-8")], text), why
    size = len(json.dumps(event))
    if size <= MAX_INVOCATION_BYTES:
        return None
    why = f"the event is {size} bytes of JSON, over Lambda's 6 MB invocation limit"
    if source == "function-url":
        message = (
            b'{"Message":"Request must be smaller than 6291456 bytes for the InvokeFunction '
            b'operation"}'
        )
        headers = [
            ("content-type", "application/json"),
            ("x-amzn-errortype", "RequestEntityTooLargeException"),
        ]
    elif source == "rest":
        message = b'{"message": "Request Too Long"}'
        headers = [
            ("content-type", "application/json"),
            ("x-amzn-errortype", "BadRequestException"),
        ]
    else:  # an HTTP API, payload 1.0 or 2.0
        message = b'{"message":"Request Entity Too Large"}'
        headers = [("content-type", "application/json")]
    return HTTPAnswer(413, headers, message), why
