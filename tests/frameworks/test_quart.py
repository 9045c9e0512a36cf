"""Quart on Lambda: routing, bodies, cookies, url_for behind a base path, streaming, background
tasks (Quart does not await them: a middleware drains them), sync views, before_serving, errors."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
from quart import Quart, Response, make_response, redirect, request, url_for

from asgi_lambda import CallNext, asgi_handler
from asgi_lambda import Request as LambdaRequest
from asgi_lambda import Response as LambdaResponse
from tests.frameworks.contract import (  # noqa: F401 - collected by pytest
    test_exception_in_a_view_is_a_500,
    test_json_request_and_response,
    test_multipart_binary_upload_round_trips_byte_for_byte,
    test_path_and_query_parameters_reach_the_view,
    test_routes_below_the_base_path_see_it_as_root_path,
    test_streaming_response_is_collected_whole,
    test_two_cookies_in_one_response_both_survive,
    test_unknown_route_is_a_404,
    test_urlencoded_form_fields_are_parsed,
)
from tests.frameworks.helpers import (
    MAIN_THREAD,
    SOURCES,
    Handler,
    Record,
    call,
    public_host,
)


def make_app(record: Record) -> Quart:
    app = Quart(__name__)

    @app.before_serving
    async def startup() -> None:
        record.startups += 1
        app.config["POOL"] = f"pool-{record.startups}"

    @app.get("/items/<int:item_id>")
    async def item(item_id: int) -> dict[str, Any]:
        return {"item_id": item_id, "q": request.args.get("q"), "page": request.args.get("page")}

    @app.post("/json")
    async def echo_json() -> tuple[dict[str, Any], int]:
        data = await request.get_json()
        return {"received": data}, 201

    @app.post("/form")
    async def form() -> dict[str, Any]:
        data = await request.form
        return {key: data.getlist(key) for key in data}

    @app.post("/upload")
    async def upload_view() -> Response:
        files = await request.files
        data = await request.form
        file = files["file"]
        return Response(
            file.read(),
            content_type="application/octet-stream",
            headers={"x-title": data["title"], "x-filename": file.filename or ""},
        )

    @app.get("/cookies")
    async def cookies() -> Any:
        response = await make_response("two cookies")
        response.set_cookie("session", "abc123", httponly=True)
        response.set_cookie("theme", "dark")
        return response

    @app.get("/go")
    async def go() -> Any:
        return redirect(url_for("target"))

    @app.get("/target")
    async def target() -> str:
        return f"root_path={request.root_path}"

    @app.get("/url")
    async def url() -> str:
        return url_for("item", item_id=7, _external=True)

    @app.get("/stream")
    async def stream() -> Any:
        async def chunks() -> AsyncIterator[bytes]:
            for number in range(5):
                await asyncio.sleep(0)
                yield f"chunk {number}\n".encode()

        return chunks(), 200, {"content-type": "text/plain"}

    @app.post("/background")
    async def background() -> tuple[str, int]:
        async def send_email() -> None:
            await asyncio.sleep(0.05)
            record.background.append("email sent")

        app.add_background_task(send_email)
        return "queued", 202

    @app.get("/sync")
    def sync_view() -> str:
        record.sync_thread = threading.get_ident()
        return "sync"

    @app.get("/state")
    async def state() -> str:
        return str(app.config["POOL"])

    @app.get("/boom")
    async def boom() -> str:
        raise RuntimeError("view failed")

    return app


def drain_background_tasks(app: Quart) -> Any:
    """The documented fix: an asgi-lambda middleware that awaits Quart's background tasks."""

    async def middleware(request: LambdaRequest, call_next: CallNext) -> LambdaResponse:
        response = await call_next(request)
        if app.background_tasks:
            await asyncio.gather(*app.background_tasks)
        return response

    return middleware


@pytest.fixture
def record() -> Record:
    return Record()


@pytest.fixture
def handler(record: Record) -> Handler:
    return asgi_handler(make_app(record), lifespan="off")


@pytest.fixture
def base_path_handler(record: Record) -> Handler:
    return asgi_handler(make_app(record), lifespan="off", api_gateway_base_path="/api")


def test_redirect_to_url_for_keeps_the_base_path(record: Record, source: str) -> None:
    handler = asgi_handler(make_app(record), lifespan="off", api_gateway_base_path="/api")
    reply = call(handler, source, path="/api/go")
    assert reply.status == 302
    assert reply.header("location") == "/api/target"


def test_external_url_for_is_the_public_url(record: Record, source: str) -> None:
    handler = asgi_handler(make_app(record), lifespan="off", api_gateway_base_path="/api")
    reply = call(handler, source, path="/api/url")
    assert reply.text == f"https://{public_host(source)}/api/items/7"


def test_background_task_is_not_awaited_by_quart_before_the_invocation_returns(
    handler: Handler, record: Record
) -> None:
    reply = call(handler, "http-api-v2", "POST", "/background")
    assert reply.status == 202
    assert record.background == []


def test_background_task_runs_before_return_with_the_drain_middleware(
    record: Record, source: str
) -> None:
    app = make_app(record)
    handler = asgi_handler(app, lifespan="off", middlewares=[drain_background_tasks(app)])
    reply = call(handler, source, "POST", "/background")
    assert reply.status == 202
    assert record.background == ["email sent"]


def test_sync_view_runs_in_a_worker_thread(handler: Handler, record: Record) -> None:
    reply = call(handler, "http-api-v2", path="/sync")
    assert reply.text == "sync"
    assert record.sync_thread is not None
    assert record.sync_thread != MAIN_THREAD


def test_before_serving_runs_once_across_invocations(record: Record) -> None:
    handler = asgi_handler(make_app(record))
    replies = [call(handler, source, path="/state") for source in SOURCES * 3]
    assert [reply.text for reply in replies] == ["pool-1"] * 6
    assert record.startups == 1
