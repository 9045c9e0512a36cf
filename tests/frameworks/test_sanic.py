"""Sanic in ASGI mode on Lambda.

Sanic needs the ASGI lifespan (its startup finalizes the router and hands it the loop), so its
handler keeps ``lifespan="auto"``; one Sanic app starts once per process, so every test builds a
new app under a unique name (Sanic's app registry refuses duplicates).  ``TOUCHUP`` is off because
Sanic's TouchUp rewrites shared classes and fails when a second app starts in the same process;
on Lambda there is one app per process and it can stay on.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from typing import Any

import pytest
from sanic import Request, Sanic, response
from sanic.response import HTTPResponse

from asgi_lambda import CallNext, asgi_handler
from asgi_lambda import Request as LambdaRequest
from asgi_lambda import Response as LambdaResponse
from tests.frameworks.contract import (  # noqa: F401 - collected by pytest
    test_exception_in_a_view_is_a_500,
    test_json_request_and_response,
    test_multipart_binary_upload_round_trips_byte_for_byte,
    test_path_and_query_parameters_reach_the_view,
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
)

_names = itertools.count()


def make_app(record: Record, url_prefix: str = "") -> Any:
    app = Sanic(f"matrix_{next(_names)}")
    app.config.TOUCHUP = False
    app.config.PROXIES_COUNT = 1  # trust API Gateway's x-forwarded-* headers (the scheme)
    prefix = url_prefix

    @app.before_server_start
    async def startup(app: Any) -> None:
        record.startups += 1
        app.ctx.pool = f"pool-{record.startups}"

    @app.get(f"{prefix}/items/<item_id:int>", name="item")
    async def item(request: Request, item_id: int) -> HTTPResponse:
        return response.json(
            {"item_id": item_id, "q": request.args.get("q"), "page": request.args.get("page")}
        )

    @app.post(f"{prefix}/json")
    async def echo_json(request: Request) -> HTTPResponse:
        return response.json({"received": request.json}, status=201)

    @app.post(f"{prefix}/form")
    async def form(request: Request) -> HTTPResponse:
        assert request.form is not None
        return response.json({key: request.form.getlist(key) for key in request.form})

    @app.post(f"{prefix}/upload")
    async def upload_view(request: Request) -> HTTPResponse:
        assert request.files is not None and request.form is not None
        file = request.files.get("file")
        assert file is not None
        return response.raw(
            file.body,
            content_type="application/octet-stream",
            headers={"x-title": str(request.form.get("title")), "x-filename": file.name},
        )

    @app.get(f"{prefix}/cookies")
    async def cookies(request: Request) -> HTTPResponse:
        reply = response.text("two cookies")
        reply.add_cookie("session", "abc123", httponly=True)
        reply.add_cookie("theme", "dark")
        return reply

    @app.get(f"{prefix}/go")
    async def go(request: Request) -> HTTPResponse:
        return response.redirect(request.app.url_for("target"))

    @app.get(f"{prefix}/target", name="target")
    async def target(request: Request) -> HTTPResponse:
        return response.text("target")

    @app.get(f"{prefix}/url")
    async def url(request: Request) -> HTTPResponse:
        return response.text(request.url_for("item", item_id=7))

    @app.get(f"{prefix}/stream")
    async def stream(request: Request) -> None:
        reply = await request.respond(content_type="text/plain")
        for number in range(5):
            await asyncio.sleep(0)
            await reply.send(f"chunk {number}\n")
        await reply.eof()

    @app.post(f"{prefix}/background")
    async def background(request: Request) -> HTTPResponse:
        async def send_email() -> None:
            await asyncio.sleep(0.05)
            record.background.append("email sent")

        request.app.add_task(send_email(), name=f"email-{len(record.background)}")
        return response.text("queued", status=202)

    @app.get(f"{prefix}/sync")
    def sync_view(request: Request) -> HTTPResponse:
        record.sync_thread = threading.get_ident()
        return response.text("sync")

    @app.get(f"{prefix}/state")
    async def state(request: Request) -> HTTPResponse:
        return response.text(request.app.ctx.pool)

    @app.get(f"{prefix}/boom")
    async def boom(request: Request) -> HTTPResponse:
        raise RuntimeError("view failed")

    return app


def drain_background_tasks(app: Any) -> Any:
    """The documented fix: an asgi-lambda middleware that awaits Sanic's named tasks."""

    async def middleware(request: LambdaRequest, call_next: CallNext) -> LambdaResponse:
        response = await call_next(request)
        pending = [task for task in app.tasks if not task.done()]
        if pending:
            await asyncio.gather(*pending)
        app.purge_tasks()
        return response

    return middleware


@pytest.fixture
def record() -> Record:
    return Record()


@pytest.fixture
def handler(record: Record) -> Handler:
    return asgi_handler(make_app(record))


def test_root_path_is_ignored_by_sanic_routing(record: Record) -> None:
    handler = asgi_handler(make_app(record), api_gateway_base_path="/api")
    reply = call(handler, "http-api-v2", path="/api/target")
    assert reply.status == 404


def test_url_prefix_routes_and_redirects_under_the_base_path(record: Record, source: str) -> None:
    handler = asgi_handler(make_app(record, url_prefix="/api"), api_gateway_base_path="/api")
    reply = call(handler, source, path="/api/go")
    assert reply.status == 302
    assert reply.header("location") == "/api/target"


def test_external_url_for_uses_the_forwarded_scheme(record: Record) -> None:
    handler = asgi_handler(make_app(record, url_prefix="/api"))
    reply = call(handler, "http-api-v2", path="/api/url")
    assert reply.text == "https://abc123.execute-api.us-east-1.amazonaws.com/api/items/7"


def test_background_task_is_not_awaited_by_sanic_before_the_invocation_returns(
    handler: Handler, record: Record
) -> None:
    reply = call(handler, "http-api-v2", "POST", "/background")
    assert reply.status == 202
    assert record.background == []


def test_background_task_runs_before_return_with_the_drain_middleware(
    record: Record, source: str
) -> None:
    app = make_app(record)
    handler = asgi_handler(app, middlewares=[drain_background_tasks(app)])
    reply = call(handler, source, "POST", "/background")
    assert reply.status == 202
    assert record.background == ["email sent"]


def test_sync_handler_runs_on_the_event_loop_thread(handler: Handler, record: Record) -> None:
    reply = call(handler, "http-api-v2", path="/sync")
    assert reply.text == "sync"
    assert record.sync_thread == MAIN_THREAD


def test_lifespan_off_cannot_serve_sanic(record: Record) -> None:
    handler = asgi_handler(make_app(record), lifespan="off")
    reply = call(handler, "http-api-v2", path="/state")
    assert reply.status == 500


def test_before_server_start_runs_once_across_invocations(record: Record) -> None:
    handler = asgi_handler(make_app(record))
    replies = [call(handler, source, path="/state") for source in SOURCES * 3]
    assert [reply.text for reply in replies] == ["pool-1"] * 6
    assert record.startups == 1
