"""A streamed invocation response: Lambda's streaming mode of ``POST /invocation/{id}/response``.

The request is chunked (``Lambda-Runtime-Function-Response-Mode: streaming``) and Lambda
forwards each chunk to the client as it arrives.  For a Function URL or a REST API the body is
``application/vnd.awslambda.http-integration-response``: a JSON prelude (``statusCode``,
``headers``, ``cookies``, and ``multiValueHeaders`` for REST), eight NUL bytes, then the body.
The prelude and the NULs go as chunks of their own and ``cookies`` is always present: Lambda does
not require either, but cargo-lambda's emulator answers 500 without them.

An error after the first byte can no longer change the status: it goes in the trailers declared
up front, ``Lambda-Runtime-Function-Error-Type`` and ``-Error-Body`` (base64 JSON), which Lambda
logs and which cut the client's stream short.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from .._http.response import Response
from .._sources._base import EventSource
from .._types import LambdaEvent
from ._connection import Reply, _Connection

HTTP_INTEGRATION = b"application/vnd.awslambda.http-integration-response"
DELIMITER = b"\x00" * 8
_TRAILERS = b"Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"


def prelude(source: EventSource, response: Response, event: LambdaEvent) -> bytes:
    """The JSON prelude for ``response``, with the source's own header rules."""
    shape = source.render(Response(response.status, response.headers, b"", False), event)
    fields: dict[str, Any] = {
        "statusCode": shape.get("statusCode", response.status),
        "headers": shape.get("headers") or {},
        "cookies": shape.get("cookies") or [],
    }
    multi = shape.get("multiValueHeaders")
    if multi:
        fields["multiValueHeaders"] = multi
    return json.dumps(fields).encode("utf-8")


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%b\r\n" % (len(data), data)


class ResponseStream:
    """One streamed response on ``connection``: ``start``, ``write`` as often as needed, ``end``."""

    def __init__(self, connection: _Connection, path: str, headers: bytes = b"") -> None:
        self.connection = connection
        self.path = path
        self.headers = headers  # more request headers (the invocation id it echoes)
        self.sent = 0  # body bytes written after the prelude

    async def start(self, content_type: bytes, first: tuple[bytes, ...] = ()) -> None:
        """Send the request head (and ``first`` chunks, each its own) in one write."""
        head = self.connection.head(
            "POST",
            self.path,
            b"Lambda-Runtime-Function-Response-Mode: streaming\r\n"
            b"Transfer-Encoding: chunked\r\n"
            b"Content-Type: " + content_type + b"\r\n"
            b"Trailer: " + _TRAILERS + b"\r\n" + self.headers,
        )
        await self.connection.send_raw(head + b"".join(_chunk(part) for part in first if part))

    async def write(self, data: bytes) -> None:
        if data:
            self.sent += len(data)
            await self.connection.send_raw(_chunk(data))

    async def end(self, error: dict[str, Any] | None = None) -> Reply:
        """The last chunk, with the error trailers if the body failed; then Lambda's reply."""
        tail = b"0\r\n"
        if error is not None:
            body = base64.b64encode(json.dumps(error).encode("utf-8"))
            error_type = str(error.get("errorType", "Error")).encode("latin-1", "replace")
            tail += (
                b"Lambda-Runtime-Function-Error-Type: " + error_type + b"\r\n"
                b"Lambda-Runtime-Function-Error-Body: " + body + b"\r\n"
            )
        await self.connection.send_raw(tail + b"\r\n")
        return await self.connection.reply()
