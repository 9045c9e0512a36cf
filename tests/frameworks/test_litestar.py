"""Litestar on Lambda: typed parameters, bodies, uploads, cookies, root_path, streaming,
background tasks, sync handlers in a thread, lifespan, errors."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import Cookie, State, UploadFile
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, URLEncodedBody
from litestar.response import Redirect, Stream

from asgi_lambda import asgi_handler
from tests.frameworks.contract import (  # noqa: F401 - collected by pytest
    test_background_task_runs_before_the_invocation_returns,
    test_exception_in_a_view_is_a_500,
    test_json_request_and_response,
    test_multipart_binary_upload_round_trips_byte_for_byte,
    test_redirect_to_url_for_keeps_the_base_path,
    test_routes_below_the_base_path_see_it_as_root_path,
    test_streaming_response_is_collected_whole,
    test_two_cookies_in_one_response_both_survive,
    test_typed_path_and_query_parameters,
    test_unknown_route_is_a_404,
    test_url_for_builds_a_public_url_with_the_base_path,
)
from tests.frameworks.helpers import (
    MAIN_THREAD,
    SOURCES,
    Handler,
    Record,
    call,
)


@dataclass
class Upload:
    title: str
    file: UploadFile


def make_app(record: Record) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        record.startups += 1
        app.state.pool = f"pool-{record.startups}"
        yield

    @get("/items/{item_id:int}", name="item")
    async def item(
        item_id: FromPath[int], q: FromQuery[str | None] = None, page: FromQuery[int] = 1
    ) -> dict[str, Any]:
        return {"item_id": item_id, "q": q, "page": page}

    @post("/json")
    async def echo_json(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        return {"received": data}

    @post("/form", status_code=200)
    async def form(
        data: URLEncodedBody[dict[str, Any]],
    ) -> dict[str, Any]:
        return data

    @post("/upload", status_code=200)
    async def upload_view(
        data: MultipartBody[Upload],
    ) -> Response[bytes]:
        content = await data.file.read()
        return Response(
            content,
            media_type="application/octet-stream",
            headers={"x-title": data.title, "x-filename": data.file.filename},
        )

    @get("/cookies")
    async def cookies() -> Response[str]:
        return Response(
            "two cookies",
            media_type="text/plain",
            cookies=[
                Cookie(key="session", value="abc123", httponly=True),
                Cookie(key="theme", value="dark"),
            ],
        )

    @get("/go")
    async def go(request: Request[Any, Any, Any]) -> Redirect:
        return Redirect(path=request.url_for("target"), status_code=303)

    @get("/target", name="target", media_type="text/plain")
    async def target(request: Request[Any, Any, Any]) -> str:
        return f"root_path={request.scope['root_path']}"

    @get("/url", media_type="text/plain")
    async def url(request: Request[Any, Any, Any]) -> str:
        return request.url_for("item", item_id=7)

    @get("/stream")
    async def stream() -> Stream:
        async def chunks() -> AsyncIterator[bytes]:
            for number in range(5):
                await asyncio.sleep(0)
                yield f"chunk {number}\n".encode()

        return Stream(chunks(), media_type="text/plain")

    @post("/background", status_code=202)
    async def background() -> Response[str]:
        async def send_email() -> None:
            await asyncio.sleep(0.01)
            record.background.append("email sent")

        return Response("queued", media_type="text/plain", background=BackgroundTask(send_email))

    @get("/sync", sync_to_thread=True, media_type="text/plain")
    def sync_view() -> str:
        record.sync_thread = threading.get_ident()
        return "sync"

    @get("/state", media_type="text/plain")
    async def state(state: State) -> str:
        return str(state.pool)

    @get("/boom")
    async def boom() -> None:
        raise RuntimeError("view failed")

    return Litestar(
        route_handlers=[
            item,
            echo_json,
            form,
            upload_view,
            cookies,
            go,
            target,
            url,
            stream,
            background,
            sync_view,
            state,
            boom,
        ],
        lifespan=[lifespan],
    )


@pytest.fixture
def record() -> Record:
    return Record()


@pytest.fixture
def handler(record: Record) -> Handler:
    return asgi_handler(make_app(record), lifespan="off")


@pytest.fixture
def base_path_handler(record: Record) -> Handler:
    return asgi_handler(make_app(record), lifespan="off", api_gateway_base_path="/api")


def test_urlencoded_form_fields_are_parsed(handler: Handler, source: str) -> None:
    reply = call(
        handler,
        source,
        "POST",
        "/form",
        headers=[("content-type", "application/x-www-form-urlencoded")],
        body=b"color=red&name=J%C3%BCrgen",
    )
    assert reply.json() == {"color": "red", "name": "Jürgen"}


def test_sync_to_thread_handler_runs_in_a_worker_thread(handler: Handler, record: Record) -> None:
    reply = call(handler, "http-api-v2", path="/sync")
    assert reply.text == "sync"
    assert record.sync_thread is not None
    assert record.sync_thread != MAIN_THREAD


def test_lifespan_startup_runs_once_across_invocations(record: Record) -> None:
    handler = asgi_handler(make_app(record))
    replies = [call(handler, source, path="/state") for source in SOURCES * 3]
    assert [reply.text for reply in replies] == ["pool-1"] * 6
    assert record.startups == 1
