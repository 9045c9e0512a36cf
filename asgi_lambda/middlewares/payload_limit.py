"""Payload limit: a response Lambda could not return becomes a logged 500 the client really gets.

Lambda refuses a synchronous result over 6 MB of JSON with an opaque error, after the app did
all its work.  What counts is the serialized JSON, not the body: base64 grows bytes by a third,
and JSON escaping grows text up to six times (``\\x01`` is ``\\u0001``; the runtime escapes
non-ASCII, so ``"€"`` is six bytes).  5.5 MB of ``\\x01`` is 34 MB of JSON.  The check sits
inside the access log, tracing and metrics, so they record the 500 that was sent, and the
handler's ``fail_on_status`` sees it too.

It is cheap for the bodies it sees almost always: an upper bound (six bytes per byte) is
computed first, and the exact JSON size only when that bound exceeds the limit.
"""

from __future__ import annotations

import logging

from .._http.middleware import CallNext
from .._http.request import Request
from .._http.response import Response, plain_text

logger = logging.getLogger("asgi_lambda")

# Lambda's synchronous response limit, in bytes of JSON.
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
# statusCode, isBase64Encoded, the keys and punctuation of the response shape: generous.
SHAPE_OVERHEAD = 512
# The most one byte of a body or header grows by when JSON-escaped: "\x01" -> "\u0001".
MAX_ESCAPE_GROWTH = 6


def json_size(response: Response) -> int:
    """The size of ``response`` as Lambda will serialize it, over-estimated, never under."""
    headers = response.headers
    header_bytes = sum(len(name) + len(value) + 8 for name, value in headers)
    body = response.body
    if response.base64:
        body_size = (len(body) + 2) // 3 * 4 + 2
    else:
        body_size = len(body) * MAX_ESCAPE_GROWTH + 2
    bound = SHAPE_OVERHEAD + header_bytes * MAX_ESCAPE_GROWTH + body_size
    if bound <= MAX_RESPONSE_BYTES:
        return bound
    import json  # the slow path only: off the cold start

    if not response.base64:
        body_size = len(json.dumps(body.decode("utf-8", "replace")))
    texts = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers]
    return SHAPE_OVERHEAD + len(json.dumps(texts)) + len(texts) * 8 + body_size


class PayloadLimit:
    """Answers 500, with an error log naming the size, for a response over Lambda's limit."""

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        if request.source == "lambda_edge":
            return response  # CloudFront's own, smaller limits are checked when rendering
        size = json_size(response)
        if size <= MAX_RESPONSE_BYTES:
            return response
        logger.error(
            "response of %d bytes as JSON (%d body bytes) exceeds Lambda's %d-byte payload "
            "limit: answering 500",
            size,
            len(response.body),
            MAX_RESPONSE_BYTES,
        )
        return plain_text(500, "Internal Server Error")
