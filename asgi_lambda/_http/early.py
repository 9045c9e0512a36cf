"""Runs an ASGI app so its response can leave before the app returns: the native runtime's core.

A Lambda handler must return once, after everything is done: the process is frozen as soon as
it returns.  The native runtime (``asgi_lambda.runtime``) owns the loop and posts the response
itself, so it can do better:

- the response is handed up the middleware chain as soon as the app completed it, and the app's
  work after that (Starlette's ``BackgroundTasks``) runs while the runtime posts it;
- in a streaming invocation, a response whose first body message has ``more_body`` goes up the
  chain as soon as that message is sent, its body a ``Response.stream`` of the chunks to come.

The app runs in a task of its own, ``request.after``, which the runtime awaits (bounded by the
deadline) before it asks for the next invocation.  The error policy is the core's
(``cycle.run_http_app``): an exception before the response is a 500 with a logged traceback;
one mid-stream is logged and raised from the stream, which the runtime turns into Lambda's
error trailers (the client's body is cut short: the status has already gone).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator

from .._deadline import Deadline
from .._types import ASGIApp, Message
from .cycle import (
    _Exchange,
    _server_error,
    body_bytes,
    http_scope,
    log_timeout,
    timeout_response,
)
from .request import Request
from .response import Response

logger = logging.getLogger("asgi_lambda")

# Bytes the app may send ahead of what the runtime has written, before its send() waits.
MAX_BUFFERED = 256 * 1024


class StreamAbortedError(RuntimeError):
    """The app stopped mid-stream without an exception of its own (it returned, or timed out)."""


class _EarlyExchange(_Exchange):
    """The receive/send pair of ``_Exchange``, with a ``ready`` future and a chunk queue."""

    __slots__ = (
        "ready",
        "may_stream",
        "streaming",
        "pending",
        "buffered",
        "consumer",
        "producer",
        "ended",
        "failure",
        "deadline",
    )

    def __init__(self, body: bytes, may_stream: bool, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(body)
        self.ready: asyncio.Future[None] = loop.create_future()
        self.may_stream = may_stream
        self.streaming = False
        self.pending: deque[bytes] = deque()
        self.buffered = 0
        self.consumer: asyncio.Future[None] | None = None  # the runtime, waiting for a chunk
        self.producer: asyncio.Future[None] | None = None  # the app, waiting for room
        self.ended = False
        self.failure: BaseException | None = None
        self.deadline: Deadline | None = None

    async def send(self, message: Message) -> None:
        if not self.streaming:
            await super().send(message)
            if (
                self.may_stream
                and not self.complete
                and message["type"] == "http.response.body"
                and not self.ready.done()
            ):
                self.streaming = True
                self.pending.extend(self.chunks)
                self.buffered = sum(map(len, self.chunks))
                self.chunks = []
                self.ready.set_result(None)
            return
        kind = message["type"]
        if self.complete:
            raise RuntimeError(f"ASGI message {kind!r} sent after the response completed")
        if kind != "http.response.body":
            raise RuntimeError(f"unexpected ASGI message {kind!r} in a streamed response")
        body = message.get("body", b"")
        if type(body) is not bytes:
            body = body_bytes(body)
        if body:
            self.pending.append(body)
            self.buffered += len(body)
        if not message.get("more_body", False):
            self.complete = True
            self.release_waiter()
        self._wake_consumer()
        while self.buffered > MAX_BUFFERED and not self.complete:
            self.producer = asyncio.get_running_loop().create_future()
            await self.producer

    def _finish(self) -> None:
        super()._finish()
        if not self.ready.done():
            self.ready.set_result(None)

    def app_done(self, task: asyncio.Task[None]) -> None:
        """The app's task ended: record how, log what nobody else will, wake the waiters."""
        self.ended = True
        self.release_waiter()
        if task.cancelled():
            if self.streaming and not self.complete:
                # the reason (a client gone, the deadline, SIGTERM) is logged where it is known
                logger.warning("the ASGI app was cancelled mid-stream: the stream is cut short")
        else:
            error = task.exception()
            if error is not None:
                self.failure = error
                deadline = self.deadline
                if deadline is None or not deadline.abandoned:  # that is logged already
                    _log_failure(error, self)
        if not self.ready.done():
            self.ready.set_result(None)
        self._wake_consumer()

    def _wake_consumer(self) -> None:
        waiter = self.consumer
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def body_stream(self) -> AsyncIterator[bytes]:
        """The streamed body, chunk by chunk, as the app sends it."""
        pending = self.pending
        while True:
            while pending:
                chunk = pending.popleft()
                self.buffered -= len(chunk)
                producer = self.producer
                if producer is not None and not producer.done() and self.buffered <= MAX_BUFFERED:
                    producer.set_result(None)
                yield chunk
            if self.complete:
                return
            if self.ended:
                if self.failure is not None:
                    raise self.failure
                raise StreamAbortedError("the ASGI app stopped before it completed its stream")
            self.consumer = asyncio.get_running_loop().create_future()
            try:
                await self.consumer
            finally:
                self.consumer = None


def _log_failure(error: BaseException, exchange: _EarlyExchange) -> None:
    info = (type(error), error, error.__traceback__)
    if exchange.complete:
        status = exchange.status or 0
        if status >= 500:  # Starlette's ServerErrorMiddleware sends its 500, then re-raises
            logger.error("ASGI app raised: its own %d response was sent", status, exc_info=info)
        else:
            logger.error("ASGI app raised after its response completed; it stands", exc_info=info)
    elif exchange.streaming:
        logger.error("ASGI app raised mid-stream: the stream ends with an error", exc_info=info)
    else:
        where = "mid-response" if exchange.status is not None else "before responding"
        logger.error("ASGI app raised %s: answering 500", where, exc_info=info)


async def run_http_app_early(app: ASGIApp, request: Request, propagate: bool = False) -> Response:
    """Run ``app`` for ``request`` and return its response as soon as it is ready to go."""
    loop = asyncio.get_running_loop()
    exchange = _EarlyExchange(request.body, request.stream, loop)
    exchange.deadline = request.deadline
    task: asyncio.Task[None] = loop.create_task(
        app(http_scope(request), exchange.receive, exchange.send)  # type: ignore[arg-type]
    )
    task.add_done_callback(exchange.app_done)
    request.after = task
    try:
        await exchange.ready
    except asyncio.CancelledError:
        task.cancel()
        deadline = request.deadline
        if deadline is None or not deadline.expired:
            raise
        deadline.acknowledge()
        log_timeout(request, deadline, "the ASGI app")
        return timeout_response()
    status = exchange.status
    if exchange.streaming:
        assert status is not None
        return Response(status=status, headers=exchange.headers, stream=exchange.body_stream())
    if exchange.complete:
        return exchange.response()
    # The app ended without completing a response.
    if task.cancelled():
        raise asyncio.CancelledError  # it was cancelled from outside the deadline: pass it on
    error = exchange.failure
    if error is None:
        logger.error("ASGI app returned without completing a response: answering 500")
        return _server_error()
    if propagate:
        raise error
    response = _server_error()
    response.error = error
    return response
