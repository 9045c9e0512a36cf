"""Function URL responses that stream, when the handler's invoke mode is RESPONSE_STREAM.

What asgi-lambda's own runtime does on Lambda (docs/streaming.md), done locally: the handler's
adapter serves the event in its execution environment with streaming on, and each chunk crosses
to the gateway as it comes, so the client reads it before the app finishes.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from multiprocessing.connection import Connection
from typing import Any

from .._handler import Adapter
from .._loop import DeadlineExceededError, get_loop, wait_until
from .._types import Receive, Send
from ._environments import InvocationFailed

logger = logging.getLogger("asgi_lambda.local")

Reply = tuple[str, Any]
Push = Callable[[Reply], None]
CLIENT_GONE = "the client went away: the app was stopped"  # a stream's end when so cut


def streaming_adapter(handler: Any) -> Adapter | None:
    """The handler's adapter if its answers are to stream (RESPONSE_STREAM), else None."""
    adapter = getattr(handler, "adapter", None)
    if adapter is None or getattr(handler, "before", None) is not None:
        return None
    mode = adapter.options.invoke_mode or os.environ.get("ASGI_LAMBDA_INVOKE_MODE", "")
    return adapter if mode.upper() == "RESPONSE_STREAM" else None


def serve_streaming(
    adapter: Adapter, event: Any, context: Any, push: Push, pipe: Connection
) -> None:
    """In the environment: serve ``event``, pushing ("start"|"chunk"|"end"|"result", ...).

    While the stream runs, a ``("cancel", None)`` on ``pipe`` (its client went away) stops the
    app, as the runtime stops it on Lambda; the stream then ends with ``("end", CLIENT_GONE)``.
    One answer is pushed at most: an error after it (the app's work after the response, or its
    cancellation, raising) is logged, not sent, so it cannot pass for the next request's answer.
    """
    answered = False

    def once(reply: Reply) -> None:
        nonlocal answered
        if answered:
            return
        answered = reply[0] in ("result", "end", "failed")
        push(reply)

    try:
        get_loop().run_until_complete(_serve(adapter, event, context, once, pipe))
    except Exception as exc:
        if answered:
            logger.error("the invocation failed after its answer", exc_info=exc)
        else:  # before any answer: the caller's 502
            once(("failed", exc))


async def _serve(adapter: Adapter, event: Any, context: Any, push: Push, pipe: Connection) -> None:
    from ..runtime._runtime import _after  # the runtime's own after-work rules

    outcome = await adapter.invoke(event, context, True)
    request, response = outcome.request, outcome.response
    if request is not None and request.after is not None and request.deadline is not None:
        # as the runtime does: the deadline's timer cuts the app (its stream too) at the deadline
        request.deadline.arm_timer(request.after, asyncio.get_running_loop())
    try:
        if response is None:
            push(("result", outcome.result))
            return
        push(("start", (response.status, response.headers)))
        if response.stream is None:
            push(("chunk", response.body))
        else:
            assert request is not None and request.deadline is not None
            loop = asyncio.get_running_loop()
            copy = loop.create_task(_copy(response.stream, push))
            loop.add_reader(pipe.fileno(), _on_cancel, pipe, copy)
            try:  # bounded by the invocation's deadline, as the runtime bounds its streams
                await wait_until(copy, request.deadline)
                copy.result()
            except DeadlineExceededError:
                push(("end", "cut at the invocation's deadline"))
                return
            except asyncio.CancelledError:  # the client went away: stop the app, as on Lambda
                if request.after is not None:
                    request.after.cancel()
                if hasattr(response.stream, "aclose"):
                    await response.stream.aclose()
                push(("end", CLIENT_GONE))
                return
            except Exception as exc:  # logged by the core; the client's stream is cut short
                push(("end", exc))
                return
            finally:
                loop.remove_reader(pipe.fileno())
        push(("end", None))
    finally:
        if request is not None and request.after is not None and request.deadline is not None:
            await _after(request.after, request.deadline)


def _on_cancel(pipe: Connection, copy: asyncio.Task[None]) -> None:
    """The gateway's word while a stream runs: only ``cancel`` is sent then."""
    kind, _ = pipe.recv()
    if kind == "cancel":
        copy.cancel()


async def _copy(stream: AsyncIterator[bytes], push: Push) -> None:
    async for chunk in stream:
        push(("chunk", chunk))


class StreamTimedOut(ConnectionAbortedError):
    """The environment fell silent mid-stream for longer than the function's timeout."""


class ClientGone(Exception):
    """The client closed its connection mid-stream; ``environment`` is the one that served it."""

    def __init__(self, environment: int = 0) -> None:
        super().__init__("the client went away mid-stream")
        self.environment = environment


async def relay(
    next_item: Callable[[], Awaitable[Reply]], send: Send, receive: Receive
) -> tuple[int, Any]:
    """On the server's loop: send what the environment replies; returns (status, result).

    A buffered answer is ``(0, result)``; a stream goes out chunk by chunk and is
    ``(status, None)``.  ``next_item`` bounds each wait by the invocation's timeout (raising
    ``TimeoutError``): the adapter's deadline ends a stream before that, so a longer wait means
    a handler stuck outside it.  A client that goes away mid-stream (``http.disconnect``) ends
    the relay with ``ClientGone``: the caller then stops the environment's app
    (``Environment.abandon``), as the runtime stops a stream whose client left.
    """
    kind, value = await next_item()
    if kind == "failed":
        raise InvocationFailed(value)
    if kind == "result":
        return 0, value
    status, headers = value
    await send({"type": "http.response.start", "status": status, "headers": headers})
    gone = asyncio.ensure_future(_disconnected(receive))
    try:
        return await _chunks(next_item, send, gone, status)
    finally:
        gone.cancel()


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _chunks(
    next_item: Callable[[], Awaitable[Reply]], send: Send, gone: asyncio.Future[None], status: int
) -> tuple[int, Any]:
    while True:
        item = asyncio.ensure_future(next_item())
        await asyncio.wait((item, gone), return_when=asyncio.FIRST_COMPLETED)
        if not item.done():
            item.cancel()
            # settled first: a reply read as it was cancelled is not lost (3.11's wait_for
            # returns it then), and a final one leaves the environment free (not busy)
            await asyncio.gather(item, return_exceptions=True)
            raise ClientGone()
        try:
            kind, value = item.result()
        except TimeoutError as exc:  # the status has gone: all that is left is to cut it
            raise StreamTimedOut(str(exc)) from None
        if kind == "chunk":
            if value:
                await send({"type": "http.response.body", "body": value, "more_body": True})
            continue
        if value is not None:
            logger.error("the stream failed mid-way (%s): cutting it short", value)
            raise ConnectionAbortedError("the app failed mid-stream")
        await send({"type": "http.response.body", "body": b""})
        return status, None
