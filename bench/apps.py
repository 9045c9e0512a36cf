"""The ASGI apps every contender runs: the same objects, so only the adapter differs.

Bare ASGI apps (no framework) for the overhead cases, so the adapter's cost is not drowned by a
framework's; a FastAPI app for the realistic case.  Response bodies of the large-body apps are built
once, outside the measured calls, so allocation figures show the adapter's copies, not the app's.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the route's annotations at run
# time, and the route's model is local to ``fastapi_app`` so that importing this module stays cheap.
import json
import os
from typing import Any

Scope = dict[str, Any]
HELLO = b'{"message":"hello"}'
JSON_HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"19")]
BIG_SIZE = 1024 * 1024


async def _lifespan(receive: Any, send: Any, state: dict[str, Any] | None = None) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if state is not None:
                state["greeting"] = "hello"
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def trivial_app(scope: Scope, receive: Any, send: Any) -> None:
    """JSON "hello"; supports lifespan so the same app serves the lifespan-on case."""
    if scope["type"] == "lifespan":
        await _lifespan(receive, send, scope.get("state"))
        return
    await send({"type": "http.response.start", "status": 200, "headers": JSON_HEADERS})
    await send({"type": "http.response.body", "body": HELLO})


def body_app(body: bytes, content_type: bytes) -> Any:
    """An app answering every request with ``body`` (built once, by the caller)."""
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def big_binary_body(size: int = BIG_SIZE) -> bytes:
    """Incompressible bytes that are not UTF-8, so every adapter must base64 them."""
    return os.urandom(size)


def big_json_body(size: int = BIG_SIZE) -> bytes:
    """About ``size`` bytes of JSON records, compressible the way real API payloads are."""
    records = []
    total = 2
    index = 0
    while total < size:
        record = {"id": index, "name": f"item-{index}", "price": index * 1.25, "tags": ["a", "b"]}
        text = json.dumps(record)
        records.append(text)
        total += len(text) + 1
        index += 1
    return ("[" + ",".join(records) + "]").encode()


def starlette_app() -> Any:
    """Starlette without pydantic: one JSON route, the cold start of a plain Starlette function."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def update_item(request: Request) -> JSONResponse:
        item = await request.json()
        return JSONResponse({"id": int(request.path_params["item_id"]), **item})

    return Starlette(routes=[Route("/items/{item_id}", update_item, methods=["POST"])])


def bare_app() -> Any:
    """A bare ASGI app, as the asgi-examples seeds write one: the adapter's cold start alone."""
    return trivial_app


def fastapi_app() -> Any:
    """FastAPI: an async route with a path parameter and a pydantic body, and a lifespan that
    sets state the route reads (so a contender that skips startup answers 500, not 200)."""
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    from fastapi import FastAPI, Request
    from pydantic import BaseModel

    class Item(BaseModel):
        name: str
        price: float

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        yield {"greeting": "hello"}

    app = FastAPI(lifespan=lifespan)

    @app.post("/items/{item_id}")
    async def update_item(item_id: int, item: Item, request: Request) -> dict[str, Any]:
        return {
            "id": item_id,
            "name": item.name,
            "price": item.price,
            "greeting": request.state.greeting,
        }

    return app


COLD_START_APPS = {"bare": bare_app, "starlette": starlette_app, "fastapi": fastapi_app}
