"""Case 6, WebSocket message invocations with the memory and sqlite backends.

Absolute numbers only: Mangum has no WebSocket support, and there is no floor worth the name (the
work is the backend's).  The app answers each message without sending, so no Management API call is
made: what is timed is detect, restore the stored scope from the backend, run the app, answer.
Skipped with a message until ``asgi_lambda/websockets/_handler.py`` is built.
"""

from __future__ import annotations

import copy
import functools
import os
import tempfile
from typing import Any

from .cases import Row
from .contenders import CONTEXT, OURS
from .events import load
from .timing import Settings, measure


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Accepts on connect, reads one message, and stops (no send: no network call to time)."""
    if scope["type"] == "lifespan":
        return
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.accept"})
        message = await receive()


def _not_built() -> str | None:
    try:
        from asgi_lambda.websockets._handler import WebSocketHandler  # noqa: F401
    except (ImportError, NotImplementedError) as exc:
        return f"skipped: asgi_lambda.websockets._handler is not built yet ({type(exc).__name__})"
    return None


def rows(settings: Settings) -> list[Row]:
    reason = _not_built()
    if reason:
        return [Row("6", "WebSocket message (memory, sqlite)", note=reason)]
    from asgi_lambda import asgi_handler

    connect = load("go-apigw-websocket-request")
    message = load("go-apigw-websocket-request-send-message")
    message["requestContext"]["connectionId"] = connect["requestContext"]["connectionId"]
    result = []
    with tempfile.TemporaryDirectory() as folder:
        sqlite = f"sqlite:///{os.path.join(folder, 'ws.db')}"
        for case, dsn in (("6a", "memory://"), ("6b", sqlite)):
            row = Row(case, f"WebSocket message, {dsn.split(':')[0]} backend", note="no peer")
            handler = asgi_handler(echo_app, lifespan="off", dsn=dsn)
            try:
                handler(copy.deepcopy(connect), CONTEXT)
                answer = handler(message, CONTEXT)
                if answer.get("statusCode") != 200:
                    raise RuntimeError(f"answered {answer}")
            except Exception as exc:  # reported in the table, not fatal for the other cases
                row.errors[OURS] = f"{type(exc).__name__}: {str(exc)[:160]}"
            else:
                row.timings = measure(
                    {OURS: functools.partial(handler, message, CONTEXT)}, settings
                )
            result.append(row)
    return result
