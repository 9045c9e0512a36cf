"""The demo app: a small Starlette service; deploy it as is with ``handler`` as the handler."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from asgi_lambda import asgi_handler


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
    yield {"greeting": "hello"}  # runs once per execution environment, not per request


async def hello(request: Request) -> JSONResponse:
    name = request.query_params.get("name", "world")
    response = JSONResponse(
        {
            "message": f"{request.state.greeting}, {name}",
            "path": request.url.path,
            "client": request.client.host if request.client else None,
        }
    )
    response.set_cookie("visited", "yes")
    response.set_cookie("theme", "dark")
    return response


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"received": await request.json()}, status_code=201)


app = Starlette(
    routes=[Route("/hello", hello), Route("/echo", echo, methods=["POST"])], lifespan=lifespan
)
handler = asgi_handler(app)
