"""Targets for the ``asgi-lambda serve`` tests: an HTTP app, a WebSocket app, broken handlers."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from asgi_lambda import asgi_handler

PNG = bytes(range(256)) * 4


async def crash(request: Request) -> Response:
    """Ends its environment's process, as an out-of-memory kill or os._exit would."""
    os._exit(1)


async def sleep(request: Request) -> Response:
    """Blocks its environment (a blocking call the deadline cannot cancel) for ``seconds``."""
    import time

    time.sleep(float(request.query_params["seconds"]))
    return JSONResponse({"slept": True})


async def echo(request: Request) -> Response:
    return JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "query_string": request.scope["query_string"].decode(),
            "params": request.query_params.multi_items(),
            "multi": request.headers.getlist("x-multi"),
            "cookies": request.cookies,
            "host": request.headers.get("host"),
            "client": request.client.host if request.client else None,
            "source_event_keys": sorted(request.scope["aws.event"]),
            "stage": request.scope["aws.event"].get("requestContext", {}).get("stage"),
        }
    )


async def cookies(request: Request) -> Response:
    response = PlainTextResponse("three cookies")
    for name in ("one", "two", "three"):
        response.set_cookie(name, name.upper())
    return response


async def upload(request: Request) -> Response:
    return Response(await request.body(), media_type="application/octet-stream")


async def image(request: Request) -> Response:
    return Response(PNG, media_type="image/png")


async def big(request: Request) -> Response:
    return JSONResponse([{"id": n, "name": f"item {n}"} for n in range(500)])


async def redirect(request: Request) -> Response:
    return RedirectResponse("/echo?from=redirect")


async def empty(request: Request) -> Response:
    return Response(status_code=204)


async def boom(request: Request) -> Response:
    raise RuntimeError("boom")


async def chat(websocket: WebSocket) -> None:
    connection = websocket.scope["aws.websocket"]
    if websocket.query_params.get("deny"):
        await websocket.close()
        return
    protocols = websocket.scope.get("subprotocols") or []
    await websocket.accept(subprotocol=protocols[0] if protocols else None)
    room = websocket.query_params.get("room", "lobby")
    if connection.event_type == "CONNECT":
        connection.join(room)
    try:
        while True:
            text = await websocket.receive_text()
            if text == "whoami":
                await websocket.send_text(connection.connection_id)
            elif text == "bye":
                await websocket.close()
                return
            else:
                delivered = connection.broadcast(room, text, exclude_self=True)
                await websocket.send_text(f"delivered to {delivered}")
    except WebSocketDisconnect:
        pass


app = Starlette(
    routes=[
        Route("/echo", echo, methods=["GET", "POST"]),
        Route("/cookies", cookies),
        Route("/upload", upload, methods=["POST"]),
        Route("/image", image),
        Route("/big", big),
        Route("/redirect", redirect),
        Route("/empty", empty),
        Route("/boom", boom),
        Route("/sleep", sleep),
        Route("/crash", crash),
        WebSocketRoute("/", chat),
    ]
)
# Connections are stored where every execution environment of one server finds them (serve runs
# a process per environment, and memory:// is one environment's own): a file named for the
# server, the environments' parent process.
STORE = Path(tempfile.gettempdir()) / f"asgi-lambda-serve-app-{os.getppid()}.db"
handler = asgi_handler(app, dsn=f"sqlite:///{STORE}")


def broken(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Breaks payload 2.0's contract: AWS answers such a response 502."""
    return {"statusCode": 200, "multiValueHeaders": {"x": ["1"]}, "body": "no"}


def numeric_header(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"statusCode": 200, "headers": {"x-count": 3}, "body": json.dumps(event["rawPath"])}


def sleepy(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A plain handler that runs past its timeout: Lambda would time it out."""
    import time

    time.sleep(3)
    return {"statusCode": 200, "body": "too late"}


def underscored(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    """A plain handler whose parameters are not named (event, context)."""
    return {"statusCode": 200, "body": json.dumps({"path": event["rawPath"]})}


async def _lifespan_app(scope: Any, receive: Any, send: Any) -> None:
    import os

    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                with open(os.environ["SHUTDOWN_MARKER"], "w") as marker:
                    marker.write("shut down")
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"started"})


lifespan_handler = asgi_handler(_lifespan_app)
