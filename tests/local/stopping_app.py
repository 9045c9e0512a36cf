"""A streaming app whose stream never ends, for what serve does when its client leaves.

``STOP`` says how the app takes being stopped: ``raise`` (its cleanup raises), ``ignore`` (it
swallows the cancellation and runs on for 20 s), or unset (it stops).  Every other path
answers ``hello <path>``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import Any

from asgi_lambda import asgi_handler


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    headers = [(b"content-type", b"text/plain")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    if scope["path"] != "/stream":
        await send({"type": "http.response.body", "body": f"hello {scope['path']}".encode()})
        return
    try:
        while True:
            await send({"type": "http.response.body", "body": b"tick\n", "more_body": True})
            await asyncio.sleep(0.1)
    except asyncio.CancelledError:
        if os.environ.get("STOP") == "raise":
            raise RuntimeError("the cleanup failed") from None
        if os.environ.get("STOP") == "ignore":
            for _ in range(200):
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.sleep(0.1)
        raise


handler = asgi_handler(app, invoke_mode="RESPONSE_STREAM")
