"""A Quart service on Lambda.  Lambda handler: ``app.handler`` (this directory is the code root).

Quart specifics on Lambda (see docs/frameworks/quart.md): ``before_serving`` runs once per
execution environment; ``app.add_background_task`` tasks are not awaited by Quart before the
response goes out, so the ``drain_background_tasks`` middleware below awaits them, otherwise
they would freeze with the environment the moment the invocation returns.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from quart import Quart, redirect, request, url_for

from asgi_lambda import CallNext, Request, Response, asgi_handler

logger = logging.getLogger(__name__)
app = Quart(__name__)
notes: list[str] = []


@app.before_serving
async def startup() -> None:
    app.config["GREETING"] = "hello from Quart"  # open clients and pools here, once


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/")
async def index() -> Any:
    return redirect(url_for("list_notes"))  # /notes, or /{stage}/notes on a REST API's URL


@app.get("/notes")
async def list_notes() -> dict[str, Any]:
    return {"greeting": app.config["GREETING"], "notes": notes}


@app.post("/notes")
async def add_note() -> tuple[dict[str, Any], int]:
    data = await request.get_json()
    notes.append(str(data["text"]))
    app.add_background_task(audit, data["text"])
    return {"notes": notes}, 201


async def audit(text: str) -> None:
    await asyncio.sleep(0)  # e.g. write to an audit log
    logger.info("note added: %s", text)


async def drain_background_tasks(request: Request, call_next: CallNext) -> Response:
    """Await Quart's background tasks before the invocation returns."""
    response = await call_next(request)
    if app.background_tasks:
        await asyncio.gather(*app.background_tasks, return_exceptions=True)
    return response


handler = asgi_handler(app, strip_stage_path=True, middlewares=[drain_background_tasks])
