"""Apps whose requests run sync code on anyio worker threads: the process must still exit."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from asgi_lambda import asgi_handler

_group: dict[str, Any] = {}


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    async with anyio.create_task_group() as group:  # as the MCP SDK's session manager does
        _group["group"] = group
        yield
        group.cancel_scope.cancel()


async def _in_lifespan_group(request: Request) -> PlainTextResponse:
    done = anyio.Event()
    result: dict[str, str] = {}

    async def job() -> None:
        result["text"] = await anyio.to_thread.run_sync(lambda: "ran on a worker thread")
        done.set()

    _group["group"].start_soon(job)
    await done.wait()
    return PlainTextResponse(result["text"])


lifespan_group = asgi_handler(
    Starlette(routes=[Route("/", _in_lifespan_group)], lifespan=_lifespan)
)

fastapi_app = FastAPI()


@fastapi_app.get("/")
def sync_endpoint() -> dict[str, str]:
    return {"ran": "on a worker thread"}


fastapi_sync = asgi_handler(fastapi_app)
fastapi_sync_no_lifespan = asgi_handler(fastapi_app, lifespan="off")
