"""How an invocation's answer reaches the Runtime API: bounded, sent at most once, refusals said.

Each post (``/response``, ``/error``) echoes the invocation id ``/next`` gave, so a late answer
cannot land on another invocation; waits at most what is left of the deadline plus
``POST_MARGIN`` (a Runtime API that holds a post would hold the slot); is never sent twice (a
post whose connection closes without a reply may have arrived); and a refusal is one log line,
a 500 the exit AWS's docs ask for ("non-recoverable state").
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from . import _logging
from ._address import RuntimeAddress
from ._connection import Reply, RuntimeAPIError, _Connection
from ._errors import InvocationError, log_error, xray_cause

logger = logging.getLogger("asgi_lambda.runtime")

POST_MARGIN = 2.0  # seconds a post may take past its invocation's deadline


class Call:
    """One invocation as its posts need it: the id, the headers each post echoes, and the
    deadline whose rest (plus ``margin``) bounds each post."""

    __slots__ = ("id", "echo", "deadline_ms", "margin", "posting")

    # A plain class, not a dataclass: generating one costs cold start (docs/performance.md).
    def __init__(
        self, id: str, echo: bytes, deadline_ms: int | None = None, margin: float = POST_MARGIN
    ) -> None:
        self.id = id
        self.echo = echo
        self.deadline_ms = deadline_ms
        self.margin = margin
        self.posting = False  # an answer has started towards the Runtime API: none may follow

    def limit(self) -> float:
        if self.deadline_ms is None:
            return self.margin
        return max(self.deadline_ms / 1000 - time.time(), 0.0) + self.margin


def echo_header(headers: dict[str, str]) -> bytes:
    """The ``Lambda-Runtime-Invocation-Id`` line to send back, or nothing if none came."""
    invocation = headers.get("lambda-runtime-invocation-id")
    if not invocation:
        return b""
    return b"Lambda-Runtime-Invocation-Id: " + invocation.encode("latin-1", "replace") + b"\r\n"


class PostFailed(Exception):
    """A post got no reply (closed, garbage, or past its bound): it may have arrived, so it
    is not sent again; the next ``/next`` goes on a new connection."""


class Fatal(RuntimeAPIError):
    """The Runtime API answered 500: the runtime exits (non-recoverable, AWS's docs say)."""


class Poster:
    """Posts results and errors for the runtime at ``address``."""

    def __init__(
        self, address: RuntimeAddress, concurrency: int, json_type: bytes, bytes_type: bytes
    ) -> None:
        self.address = address
        self.concurrency = concurrency
        self.json_type = json_type
        self.bytes_type = bytes_type
        self.json_errors = _logging.json_format()
        self.cwd = os.getcwd()

    async def result(self, connection: _Connection, call: Call, result: Any) -> None:
        if isinstance(result, (bytes, bytearray)):
            data, content = bytes(result), self.bytes_type
        else:
            try:
                data, content = json.dumps(result).encode("utf-8"), self.json_type
            except (TypeError, ValueError) as exc:
                raise InvocationError(
                    "Runtime.MarshalError", f"Unable to marshal response: {exc}"
                ) from None
        await self.post(connection, call, "response", content, data)

    async def error(self, connection: _Connection, call: Call, payload: dict[str, Any]) -> None:
        log_error(payload, self.json_errors)
        error_type = payload["errorType"].encode("latin-1", "replace")
        cause = xray_cause(payload, self.cwd).encode("latin-1", "replace")
        headers = (
            self.json_type
            + b"Lambda-Runtime-Function-Error-Type: "
            + error_type
            + b"\r\nLambda-Runtime-Function-XRay-Error-Cause: "
            + cause
            + b"\r\n"
        )
        await self.post(connection, call, "error", headers, json.dumps(payload).encode("utf-8"))

    async def post(
        self,
        connection: _Connection,
        call: Call,
        kind: str,
        headers: bytes,
        body: bytes,
        then: bytes = b"",
    ) -> None:
        """POST ``/invocation/{id}/{kind}``: bounded, sent at most once, its refusal said;
        ``then``, the next request, goes in the same write (``exchange``)."""
        path = self.address.path(f"/invocation/{call.id}/{kind}")
        call.posting = True
        try:
            reply = await connection.exchange(
                "POST", path, headers + call.echo, body, call.limit(), then
            )
        except OSError as exc:
            raise PostFailed(
                f"POST /invocation/{call.id}/{kind} got no reply ({exc}): it is not sent again"
            ) from exc
        self.check(reply, call, kind)

    def check(self, reply: Reply, call: Call, kind: str) -> None:
        """A refused answer is one log line; a 500 is, in AWS's words, a non-recoverable state
        the runtime should exit from (with concurrency, as awslambdaric, it logs and goes on)."""
        if 200 <= reply.status < 300:  # Lambda says 202; cargo-lambda 200
            return
        what = (
            f"the Runtime API answered {reply.status} to the {kind} of {call.id}: "
            f"{reply.body[:300].decode('utf-8', 'replace')}"
        )
        if reply.status >= 500 and self.concurrency == 1:
            raise Fatal(f"{what} (a non-recoverable state: the runtime exits)")
        logger.error("%s", what)
