"""FastAPI on Lambda: typed parameters, models, forms and uploads, cookies, root_path and OpenAPI,
streaming, background tasks, the threadpool, lifespan, errors."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import pytest
from fastapi import BackgroundTasks, FastAPI, File, Form, Request, Response, UploadFile
from fastapi.responses import PlainTextResponse, RedirectResponse, StreamingResponse
from pydantic import BaseModel

from asgi_lambda import asgi_handler
from tests.frameworks.contract import (  # noqa: F401 - collected by pytest
    test_background_task_runs_before_the_invocation_returns,
    test_exception_in_a_view_is_a_plain_text_500,
    test_multipart_binary_upload_round_trips_byte_for_byte,
    test_redirect_to_url_for_keeps_the_base_path,
    test_streaming_response_is_collected_whole,
    test_typed_path_and_query_parameters,
    test_url_for_builds_a_public_url_with_the_base_path,
)
from tests.frameworks.helpers import (
    MAIN_THREAD,
    SOURCES,
    Handler,
    Record,
    call,
    cookie_names,
)


class Order(BaseModel):
    item: str
    quantity: int


def make_app(record: Record) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        record.startups += 1
        yield {"pool": f"pool-{record.startups}"}

    app = FastAPI(lifespan=lifespan)

    @app.get("/items/{item_id}", name="item")
    async def item(item_id: int, q: str | None = None, page: int = 1) -> dict[str, Any]:
        return {"item_id": item_id, "q": q, "page": page}

    @app.post("/orders", status_code=201)
    async def order(body: Order) -> dict[str, Any]:
        return {"item": body.item, "total": body.quantity * 3}

    @app.post("/form")
    async def form(
        color: Annotated[list[str], Form()], name: Annotated[str, Form()]
    ) -> dict[str, Any]:
        return {"color": color, "name": name}

    @app.post("/upload")
    async def upload_view(
        file: Annotated[UploadFile, File()], title: Annotated[str, Form()]
    ) -> Response:
        content = await file.read()
        return Response(
            content,
            media_type="application/octet-stream",
            headers={"x-title": title, "x-filename": file.filename or ""},
        )

    @app.get("/cookies")
    async def cookies(response: Response) -> dict[str, str]:
        response.set_cookie("session", "abc123", httponly=True)
        response.set_cookie("theme", "dark")
        return {"cookies": "set"}

    @app.get("/go")
    async def go(request: Request) -> RedirectResponse:
        return RedirectResponse(request.url_for("target"), status_code=303)

    @app.get("/target", name="target")
    async def target(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"root_path={request.scope['root_path']}")

    @app.get("/url")
    async def url(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(request.url_for("item", item_id=7)))

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for number in range(5):
                await asyncio.sleep(0)
                yield f"chunk {number}\n".encode()

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.post("/background", status_code=202)
    async def background(tasks: BackgroundTasks) -> dict[str, str]:
        async def send_email() -> None:
            await asyncio.sleep(0.01)
            record.background.append("email sent")

        tasks.add_task(send_email)
        return {"status": "queued"}

    @app.get("/sync")
    def sync_view() -> dict[str, str]:
        record.sync_thread = threading.get_ident()
        return {"mode": "sync"}

    @app.get("/state")
    async def state(request: Request) -> dict[str, str]:
        return {"pool": request.state.pool}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("view failed")

    return app


@pytest.fixture
def record() -> Record:
    return Record()


@pytest.fixture
def handler(record: Record) -> Handler:
    return asgi_handler(make_app(record), lifespan="off")


@pytest.fixture
def base_path_handler(record: Record) -> Handler:
    return asgi_handler(make_app(record), lifespan="off", api_gateway_base_path="/api")


def test_invalid_path_parameter_is_a_422(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/items/forty-two")
    assert reply.status == 422
    assert reply.json()["detail"][0]["loc"] == ["path", "item_id"]


def test_json_body_is_validated_into_a_model(handler: Handler, source: str) -> None:
    reply = call(
        handler,
        source,
        "POST",
        "/orders",
        headers=[("content-type", "application/json")],
        body=b'{"item": "pen", "quantity": 4}',
    )
    assert reply.status == 201
    assert reply.json() == {"item": "pen", "total": 12}


def test_urlencoded_form_fields_are_parsed(handler: Handler, source: str) -> None:
    reply = call(
        handler,
        source,
        "POST",
        "/form",
        headers=[("content-type", "application/x-www-form-urlencoded")],
        body=b"color=red&color=blue&name=J%C3%BCrgen",
    )
    assert reply.json() == {"color": ["red", "blue"], "name": "Jürgen"}


def test_two_cookies_in_one_response_both_survive(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/cookies")
    assert reply.json() == {"cookies": "set"}
    assert cookie_names(reply) == ["session", "theme"]


def test_openapi_schema_lists_the_base_path_as_server(record: Record, source: str) -> None:
    handler = asgi_handler(make_app(record), lifespan="off", api_gateway_base_path="/api")
    reply = call(handler, source, path="/api/openapi.json")
    assert reply.status == 200
    assert reply.json()["servers"] == [{"url": "/api"}]


def test_swagger_page_loads_the_schema_from_below_the_base_path(record: Record) -> None:
    handler = asgi_handler(make_app(record), lifespan="off", api_gateway_base_path="/api")
    reply = call(handler, "http-api-v2", path="/api/docs")
    assert reply.status == 200
    assert "url: '/api/openapi.json'" in reply.text


def test_sync_endpoint_runs_in_the_threadpool(handler: Handler, record: Record) -> None:
    reply = call(handler, "http-api-v2", path="/sync")
    assert reply.json() == {"mode": "sync"}
    assert record.sync_thread is not None
    assert record.sync_thread != MAIN_THREAD


def test_unknown_route_is_a_404(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/nope")
    assert reply.status == 404
    assert reply.json() == {"detail": "Not Found"}


def test_lifespan_startup_runs_once_across_invocations(record: Record) -> None:
    handler = asgi_handler(make_app(record))
    replies = [call(handler, source, path="/state") for source in SOURCES * 3]
    assert [reply.json() for reply in replies] == [{"pool": "pool-1"}] * 6
    assert record.startups == 1
