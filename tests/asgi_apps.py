"""Small bare ASGI apps the tests drive: they record what they saw and answer as told."""

from __future__ import annotations

import asyncio
import time

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from asgi_lambda._types import Message, Receive, Scope, Send


class RecordingApp:
    """Records the scope and the request body, answers with ``status``, ``headers`` and ``body``."""

    def __init__(
        self,
        status: int = 200,
        headers: list[tuple[bytes, bytes]] | None = None,
        body: bytes = b"ok",
    ) -> None:
        self.status = status
        self.headers = headers if headers is not None else [(b"content-type", b"text/plain")]
        self.body = body
        self.scopes: list[Scope] = []
        self.messages: list[Message] = []

    @property
    def scope(self) -> Scope:
        return self.scopes[-1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise RuntimeError(f"unsupported scope {scope['type']}")
        self.scopes.append(scope)
        self.messages.append(await receive())
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


def header_values(scope: Scope, name: bytes) -> list[bytes]:
    return [value for key, value in scope["headers"] if key == name]


async def _items_echo(request: Request) -> Response:
    response = JSONResponse(
        {
            "name": request.path_params["name"],
            "query": request.query_params.multi_items(),
            "cookies": request.cookies,
            "client": request.client.host if request.client else None,
            "origin": f"{request.url.scheme}://{request.url.netloc}",
            "body": (await request.body()).decode(),
        }
    )
    response.set_cookie("first", "1")
    response.set_cookie("second", "2")
    return response


def items_echo_app() -> Starlette:
    """Starlette answering ``/items/{name}`` with what it saw as JSON, and setting two cookies."""
    return Starlette(routes=[Route("/items/{name}", _items_echo)])


async def tick_swallowing_cancellation(ticks: list[float]) -> None:
    """What a misbehaving app does: ticks forever and swallows every cancellation."""
    while True:
        try:
            await asyncio.sleep(0.01)
            ticks.append(time.monotonic())
        except asyncio.CancelledError:
            pass
