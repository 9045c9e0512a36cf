"""The three contenders, built the same way for every case: asgi-lambda, Mangum, and the floor.

The floor is what no adapter can beat: the bare ASGI app called with a ready-made scope on an event
loop (``loop.run_until_complete``, the obvious way), no event parsing, no response shaping.  With
lifespan on, every contender runs startup before it is timed; Mangum then runs startup *and*
shutdown again on every invocation, which is how Mangum works, not something this bench adds.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
from collections.abc import Callable
from typing import Any

from .events import Event

OURS, MANGUM, FLOOR = "asgi-lambda", "Mangum", "floor"
CONTENDERS = (OURS, MANGUM, FLOOR)
ASGI = {"version": "3.0", "spec_version": "2.4"}
Handler = Callable[[Event, Any], Any]


class FakeContext:
    """The attributes of a Lambda context object that adapters and loggers read."""

    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    memory_limit_in_mb = 1024
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "2024/01/01/[$LATEST]abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


CONTEXT = FakeContext()


def ours(app: Any, lifespan: str, **options: Any) -> Handler:
    from asgi_lambda import asgi_handler

    handler: Handler = asgi_handler(app, lifespan=lifespan, **options)
    return handler


def mangum(app: Any, lifespan: str) -> Handler:
    from mangum import Mangum

    return Mangum(app, lifespan=lifespan)  # type: ignore[arg-type]


def scope_for(event: Event) -> dict[str, Any]:
    """A plain scope for the floor, read from the event without validation or care."""
    if "requestContext" in event and "http" in event["requestContext"]:
        method = event["requestContext"]["http"]["method"]
        path = event.get("rawPath", "/")
        query = (event.get("rawQueryString") or "").encode()
    else:
        method, path, query = event["httpMethod"], event["path"], b""
    raw = event.get("multiValueHeaders") or {
        k: [v] for k, v in (event.get("headers") or {}).items()
    }
    headers = [(k.lower().encode(), v.encode()) for k, vs in raw.items() for v in vs]
    if event.get("cookies"):
        headers.append((b"cookie", "; ".join(event["cookies"]).encode()))
    return {
        "type": "http",
        "asgi": ASGI,
        "http_version": "1.1",
        "method": method,
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query,
        "headers": headers,
        "client": ("192.168.0.1", 0),
        "server": ("example.com", 443),
    }


def _body(event: Event) -> bytes:
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()


def floor(app: Any, lifespan: str, event: Event) -> Handler:
    """The bare app on its own loop; lifespan startup once (never shut down, as in Lambda)."""
    loop = asyncio.new_event_loop()
    _floor_loops.append(loop)
    scope = scope_for(event)
    if lifespan != "off":
        scope["state"] = loop.run_until_complete(_startup(app, loop))
    body = _body(event)

    def handler(event: Event, context: Any) -> Any:
        sent: list[Any] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        call_scope = dict(scope)
        if "state" in scope:
            call_scope["state"] = dict(scope["state"])
        loop.run_until_complete(app(call_scope, receive, send))
        return sent

    return handler


async def _startup(app: Any, loop: asyncio.AbstractEventLoop) -> dict[str, Any]:
    state: dict[str, Any] = {}
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    started = loop.create_future()

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "lifespan.startup.complete":
            started.set_result(None)

    inbox.put_nowait({"type": "lifespan.startup"})
    scope = {"type": "lifespan", "asgi": ASGI, "state": state}
    task = loop.create_task(app(scope, inbox.get, send))
    await started
    _startup_tasks[loop] = task  # keep the lifespan task referenced until close_floors
    return state


_floor_loops: list[asyncio.AbstractEventLoop] = []
_startup_tasks: dict[asyncio.AbstractEventLoop, asyncio.Task[Any]] = {}


def close_floors() -> None:
    """End the floors' lifespan tasks and close their loops (instead of warnings at exit)."""
    while _floor_loops:
        loop = _floor_loops.pop()
        task = _startup_tasks.pop(loop, None)
        if task is not None:
            task.cancel()
            loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
        loop.close()


def build(app: Any, lifespan: str, event: Event, **options: Any) -> dict[str, Handler]:
    """The three contenders; ``options`` go to asgi-lambda only (defaults otherwise)."""
    return {
        OURS: ours(app, lifespan, **options),
        MANGUM: mangum(app, lifespan),
        FLOOR: floor(app, lifespan, event),
    }


def response_of(result: Any) -> tuple[int, bytes]:
    """(status, body bytes) from any contender's answer, undoing base64 and gzip."""
    if isinstance(result, list):  # the floor's raw ASGI messages
        status = result[0]["status"]
        return status, b"".join(m.get("body", b"") for m in result[1:])
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    if "gzip" in headers.get("content-encoding", ""):
        data = gzip.decompress(data)
    return result["statusCode"], data
