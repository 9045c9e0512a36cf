"""A FastAPI service on Lambda.  Lambda handler: ``app.handler`` (this directory is the code root).

The same module serves every HTTP front door: the templates next to it deploy it behind an HTTP
API, a REST API, a Function URL and an Application Load Balancer.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from pydantic import BaseModel

from asgi_lambda import asgi_handler


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
    # Runs once per execution environment, before its first request: open clients and pools
    # here and they stay usable for every warm invocation after.
    items: dict[int, dict[str, Any]] = {1: {"id": 1, "name": "pen", "price": 1.5}}
    yield {"items": items, "greeting": os.environ.get("GREETING", "hello")}


app = FastAPI(title="asgi-lambda FastAPI example", lifespan=lifespan)


class NewItem(BaseModel):
    name: str
    price: float


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/")
async def index(request: Request) -> dict[str, Any]:
    return {
        "message": request.state.greeting,
        "docs": str(request.url_for("swagger_ui_html")),  # right behind any base path or stage
        "client": request.client.host if request.client else None,
    }


@app.get("/items/{item_id}")
async def get_item(item_id: int, request: Request) -> dict[str, Any]:
    item = request.state.items.get(item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="no such item")
    return item  # type: ignore[no-any-return]


@app.post("/items", status_code=201)
async def create_item(body: NewItem, request: Request, response: Response) -> dict[str, Any]:
    items = request.state.items
    item = {"id": max(items, default=0) + 1, **body.model_dump()}
    items[item["id"]] = item
    response.headers["location"] = str(request.url_for("get_item", item_id=item["id"]))
    return item


# strip_stage_path: on a REST API's default https://{id}.execute-api.{region}.amazonaws.com/{stage}
# URL, the stage becomes the root path, so url_for and the /docs page include it.  It does nothing
# behind a custom domain, an HTTP API's $default stage, a Function URL or an ALB.
handler = asgi_handler(
    app,
    api_gateway_base_path=os.environ.get("API_BASE_PATH", "/"),
    strip_stage_path=True,
)
