"""A FastAPI app that streams: token by token, and as server-sent events, from Lambda.

Lambda handler: ``app.handler``, served by asgi-lambda's own runtime (``asgi_lambda.runtime``)
so the chunks leave as the app yields them.  The templates next to it deploy it behind a Function
URL with ``InvokeMode: RESPONSE_STREAM`` and a REST API with ``ResponseTransferMode: STREAM``,
three ways: an exec wrapper on the managed Python runtime (template.yaml), a container image
(template.image.yaml, Dockerfile) and provided.al2023 (Dockerfile.al2023).  docs/streaming.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import BackgroundTasks, FastAPI
from fastapi.responses import StreamingResponse

from asgi_lambda import asgi_handler

app = FastAPI(title="asgi-lambda streaming example")
WORDS = ["Streaming", "from", "Lambda,", "in", "process,", "one", "token", "at", "a", "time."]


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


async def tokens(delay: float) -> AsyncIterator[str]:
    for word in WORDS:
        yield word + " "
        await asyncio.sleep(delay)


@app.get("/tokens")
async def stream_tokens(delay: float = 0.2) -> StreamingResponse:
    """Plain text, one word per chunk, like an LLM's token stream."""
    return StreamingResponse(tokens(delay), media_type="text/plain")


async def events(delay: float) -> AsyncIterator[str]:
    for index, word in enumerate(WORDS):
        yield f"id: {index}\nevent: token\ndata: {word}\n\n"
        await asyncio.sleep(delay)
    yield "event: done\ndata: \n\n"


@app.get("/events")
async def stream_events(delay: float = 0.2) -> StreamingResponse:
    """Server-sent events: open it with ``new EventSource(url + "/events")``."""
    headers = {"cache-control": "no-cache"}
    return StreamingResponse(events(delay), media_type="text/event-stream", headers=headers)


def audit(path: str) -> None:
    print(f"audited {path} after the response was sent")


@app.get("/answer")
async def answer(background: BackgroundTasks) -> dict[str, str]:
    """The client gets this before ``audit`` runs: the runtime posts it first."""
    background.add_task(audit, "/answer")
    return {"answer": "sent before the background task ran"}


# RESPONSE_STREAM here, or ASGI_LAMBDA_INVOKE_MODE in the function's environment.
handler = asgi_handler(app, invoke_mode="RESPONSE_STREAM")
