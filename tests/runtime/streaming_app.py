"""The app the runtime tests serve: streaming, SSE, background work, errors, cookies.

It is also ``_HANDLER`` for the emulator tests (``streaming_app.handler``), run from this folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from asgi_lambda import asgi_handler

GAP = float(os.environ.get("STREAM_GAP", "0.3"))
events: dict[str, Any] = {"started": 0, "background": [], "ticks": []}


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
    events["started"] += 1
    yield {"pool": "shared"}
    marker = os.environ.get("SHUTDOWN_LOG")
    if marker:  # the SIGTERM tests look for it
        with open(marker, "a") as log:
            log.write("lifespan shutdown\n")


async def hello(request: Request) -> Response:
    return JSONResponse(
        {
            "hello": "world",
            "pool": request.state.pool,
            "request_id": request.scope["aws.context"].aws_request_id,
            "trace": os.environ.get("_X_AMZN_TRACE_ID"),
            "query": request.url.query,
        }
    )


async def chunks() -> AsyncIterator[bytes]:
    for index in range(3):
        yield f"chunk {index}\n".encode()
        await asyncio.sleep(GAP)


async def stream(request: Request) -> Response:
    response = StreamingResponse(chunks(), media_type="text/plain", status_code=201)
    response.set_cookie("a", "1")
    response.set_cookie("b", "2")
    response.headers["x-streamed"] = "yes"
    return response


async def sse_events() -> AsyncIterator[str]:
    for index in range(3):
        yield f"data: token {index}\n\n"
        await asyncio.sleep(GAP)


async def sse(request: Request) -> Response:
    return StreamingResponse(sse_events(), media_type="text/event-stream")


async def broken_chunks() -> AsyncIterator[bytes]:
    yield b"first part\n"
    await asyncio.sleep(GAP)
    raise RuntimeError("the model went away mid-stream")


async def stream_error(request: Request) -> Response:
    return StreamingResponse(broken_chunks(), media_type="text/plain")


async def boom(request: Request) -> Response:
    raise ValueError("boom")


def record_background() -> None:
    events["background"].append(time.monotonic())


async def slow_background() -> None:
    await asyncio.sleep(GAP)
    events["background"].append(time.monotonic())


async def background(request: Request) -> Response:
    return PlainTextResponse("answered first", background=BackgroundTask(slow_background))


async def cookies(request: Request) -> Response:
    response = PlainTextResponse("three cookies")
    for name in ("one", "two", "three"):
        response.set_cookie(name, name.upper(), httponly=True)
    return response


async def nap(request: Request) -> Response:
    await asyncio.sleep(float(request.query_params.get("seconds", "1")))
    return PlainTextResponse(f"slept in process {os.getpid()}")


async def ticks() -> AsyncIterator[bytes]:
    for index in range(20):
        events["ticks"].append(index)
        yield f"tick {index}\n".encode()
        await asyncio.sleep(0.05)


async def ticker(request: Request) -> Response:
    return StreamingResponse(ticks(), media_type="text/plain")


async def tick_count(request: Request) -> Response:
    return JSONResponse({"ticks": len(events["ticks"])})


async def tenant(request: Request) -> Response:
    return JSONResponse(
        {
            "scope": request.scope.get("aws.tenant_id"),
            "header": request.headers.get("x-amz-tenant-id"),
        }
    )


async def big(request: Request) -> Response:
    return PlainTextResponse("lorem ipsum " * 200)


async def slow(request: Request) -> Response:
    await asyncio.sleep(60)
    return PlainTextResponse("too late")


app = Starlette(
    routes=[
        Route("/hello", hello),
        Route("/stream", stream),
        Route("/sse", sse),
        Route("/stream-error", stream_error),
        Route("/boom", boom),
        Route("/background", background),
        Route("/cookies", cookies),
        Route("/slow", slow),
        Route("/nap", nap),
        Route("/big", big),
        Route("/tenant", tenant),
        Route("/ticker", ticker),
        Route("/ticks", tick_count),
    ],
    lifespan=lifespan,
)

handler = asgi_handler(app)


def plain(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A plain Lambda handler: the runtime must call it as awslambdaric would."""
    if event.get("fail"):
        raise KeyError("missing")
    return {"echo": event, "function": context.function_name}
