"""An ASGI app whose response is the script in its request body: the differential test's app.

The script (JSON) says what to send and in which Python types, so one app, served once by each
server, plays every app hypothesis makes up:

    {"status": 201, "status_type": "int" | "intenum",
     "headers": [["x-a", "1"]], "pairs": "list" | "tuple", "names": "bytes" | "str",
     "chunks": ["ab", "cd"], "chunk_type": "bytes" | "bytearray" | "memoryview",
     "empty_final": true, "extra_keys": true,
     "fail": null | "before" | "after_start" | "after_body"}
"""

from __future__ import annotations

import enum
import json
from typing import Any

from asgi_lambda import asgi_handler


class _Status(enum.IntEnum):
    """An ``IntEnum`` like ``HTTPStatus``, with every value the script may ask for."""

    _ignore_ = "code"
    locals().update({f"S{code}": code for code in range(100, 600)})


async def _body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


def _typed(data: bytes, kind: str) -> Any:
    return {"bytes": data, "bytearray": bytearray(data), "memoryview": memoryview(data)}[kind]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    script = json.loads(await _body(receive) or b"{}")
    if script.get("fail") == "before":
        raise RuntimeError("failed before the response started")
    status: Any = script.get("status", 200)
    if script.get("status_type") == "intenum":
        status = _Status(status)
    pair = tuple if script.get("pairs") == "tuple" else list
    headers = [
        pair([name if script.get("names") == "str" else name.encode(), value.encode()])
        for name, value in script.get("headers", [])
    ]
    start: dict[str, Any] = {"type": "http.response.start", "status": status, "headers": headers}
    extra = script.get("extra_keys", False)
    if extra:
        start["x-extension"] = {"ignored": True}
    await send(start)
    if script.get("fail") == "after_start":
        raise RuntimeError("failed after the response started")
    chunks = script.get("chunks", [])
    kind = script.get("chunk_type", "bytes")
    for index, chunk in enumerate(chunks):
        last = index == len(chunks) - 1 and not script.get("empty_final")
        message = {"type": "http.response.body", "body": _typed(chunk.encode(), kind)}
        message["more_body"] = not last
        await send(message)
    if script.get("empty_final") or not chunks:
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    if script.get("fail") == "after_body":
        raise RuntimeError("failed after the response completed")


handler = asgi_handler(app, lifespan="off", compression=False)
