"""Starlette on Lambda: routing, bodies, cookies, root_path, streaming, background tasks, the
threadpool, lifespan, errors."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import (
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from asgi_lambda import asgi_handler
from tests.frameworks import helpers
from tests.frameworks.contract import (  # noqa: F401 - collected by pytest
    test_exception_in_a_view_is_a_plain_text_500,
    test_redirect_to_url_for_keeps_the_base_path,
    test_routes_below_the_base_path_see_it_as_root_path,
    test_streaming_response_is_collected_whole,
    test_unknown_route_is_a_404,
    test_url_for_builds_a_public_url_with_the_base_path,
    test_urlencoded_form_fields_are_parsed,
)
from tests.frameworks.helpers import (
    BINARY_FILE,
    MAIN_THREAD,
    WITH_ALB,
    Handler,
    call,
    cookie_names,
    upload,
)


class Record(helpers.Record):
    def __init__(self) -> None:
        super().__init__()
        self.shutdowns = 0


def make_app(record: Record) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        record.startups += 1
        yield {"pool": f"pool-{record.startups}"}
        record.shutdowns += 1

    async def item(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "item_id": request.path_params["item_id"],
                "tags": request.query_params.getlist("tag"),
                "page": request.query_params.get("page"),
            }
        )

    async def echo_json(request: Request) -> JSONResponse:
        data = await request.json()
        return JSONResponse({"received": data, "count": len(data)}, status_code=201)

    async def form(request: Request) -> JSONResponse:
        async with request.form() as data:
            return JSONResponse({key: data.getlist(key) for key in data})

    async def upload_view(request: Request) -> Response:
        async with request.form() as data:
            file = data["file"]
            assert not isinstance(file, str)
            content = await file.read()
            return Response(
                content,
                media_type="application/octet-stream",
                headers={"x-title": str(data["title"]), "x-filename": file.filename or ""},
            )

    async def cookies(request: Request) -> PlainTextResponse:
        response = PlainTextResponse("two cookies")
        response.set_cookie("session", "abc123", httponly=True)
        response.set_cookie("theme", "dark", path="/")
        return response

    async def go(request: Request) -> RedirectResponse:
        return RedirectResponse(request.url_for("target"), status_code=303)

    async def target(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"root_path={request.scope['root_path']}")

    async def url(request: Request) -> PlainTextResponse:
        return PlainTextResponse(str(request.url_for("item", item_id=7)))

    async def stream(request: Request) -> StreamingResponse:
        async def chunks() -> AsyncIterator[bytes]:
            for number in range(5):
                await asyncio.sleep(0)
                yield f"chunk {number}\n".encode()

        return StreamingResponse(chunks(), media_type="text/plain")

    async def background(request: Request) -> PlainTextResponse:
        async def later() -> None:
            await asyncio.sleep(0.01)
            record.background.append("done")

        return PlainTextResponse("accepted", background=BackgroundTask(later))

    def sync_view(request: Request) -> PlainTextResponse:
        record.sync_thread = threading.get_ident()
        return PlainTextResponse("sync")

    async def state(request: Request) -> PlainTextResponse:
        return PlainTextResponse(request.state.pool)

    async def boom(request: Request) -> Response:
        raise RuntimeError("view failed")

    return Starlette(
        routes=[
            Route("/items/{item_id:int}", item, name="item"),
            Route("/json", echo_json, methods=["POST"]),
            Route("/form", form, methods=["POST"]),
            Route("/upload", upload_view, methods=["POST"]),
            Route("/cookies", cookies),
            Route("/go", go),
            Route("/target", target, name="target"),
            Route("/url", url),
            Route("/stream", stream),
            Route("/background", background),
            Route("/sync", sync_view),
            Route("/state", state),
            Route("/boom", boom),
        ],
        lifespan=lifespan,
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


@pytest.fixture(params=WITH_ALB)
def source(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_path_and_query_parameters_reach_the_view(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/items/42", query="tag=b%20c&page=2")
    assert reply.status == 200
    assert reply.json() == {"item_id": 42, "tags": ["b c"], "page": "2"}


def test_json_request_and_response(handler: Handler, source: str) -> None:
    reply = call(
        handler,
        source,
        "POST",
        "/json",
        headers=[("content-type", "application/json")],
        body=b'{"name": "caf\xc3\xa9"}',
    )
    assert reply.status == 201
    assert reply.header("content-type") == "application/json"
    assert reply.json() == {"received": {"name": "café"}, "count": 1}


def test_multipart_binary_upload_round_trips_byte_for_byte(handler: Handler, source: str) -> None:
    reply = upload(handler, source, "/upload")
    assert reply.status == 200
    assert reply.raw["isBase64Encoded"] is True
    assert reply.body == BINARY_FILE
    assert reply.header("x-title") == "quarterly report"
    assert reply.header("x-filename") == "blob.bin"


def test_two_cookies_in_one_response_both_survive(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/cookies")
    assert cookie_names(reply) == ["session", "theme"]
    assert any("HttpOnly" in cookie for cookie in reply.cookies)


def test_background_task_runs_before_the_invocation_returns(
    handler: Handler, record: Record, source: str
) -> None:
    reply = call(handler, source, path="/background")
    assert reply.text == "accepted"
    assert record.background == ["done"]


def test_sync_endpoint_runs_in_the_threadpool(handler: Handler, record: Record) -> None:
    reply = call(handler, "http-api-v2", path="/sync")
    assert reply.text == "sync"
    assert record.sync_thread is not None
    assert record.sync_thread != MAIN_THREAD


def test_lifespan_startup_runs_once_across_invocations(record: Record) -> None:
    handler = asgi_handler(make_app(record))
    replies = [call(handler, source, path="/state") for source in WITH_ALB * 2]
    assert [reply.text for reply in replies] == ["pool-1"] * 6
    assert record.startups == 1
    assert record.shutdowns == 0
