"""Responder on Lambda, built with ``static_dir=None, templates_dir=None`` (no directories to find
on a read-only file system): routing, media, uploads, cookies, streaming, both kinds of background
work, sync views, startup events, errors."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import AsyncIterator
from typing import Any

import pytest
import responder

from asgi_lambda import CallNext, asgi_handler
from asgi_lambda import Request as LambdaRequest
from asgi_lambda import Response as LambdaResponse
from tests.frameworks import helpers
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
    call,
)


class Record(helpers.Record):
    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()  # lets a thread-pool job finish


def make_api(record: Record) -> responder.API:
    api = responder.API(static_dir=None, templates_dir=None)

    @api.on_event("startup")
    async def startup() -> None:
        record.startups += 1
        api.pool = f"pool-{record.startups}"  # type: ignore[attr-defined]

    @api.route("/items/{item_id:int}")
    async def item(req: Any, resp: Any, *, item_id: int) -> None:
        resp.media = {"item_id": item_id, "q": req.params.get("q"), "page": req.params.get("page")}

    @api.route("/json", methods=["POST"])
    async def echo_json(req: Any, resp: Any) -> None:
        resp.media = {"received": await req.media()}
        resp.status_code = 201

    @api.route("/form", methods=["POST"])
    async def form(req: Any, resp: Any) -> None:
        data = await req.media("form")
        resp.media = {key: data.get_list(key) for key in data}

    @api.route("/upload", methods=["POST"])
    async def upload_view(req: Any, resp: Any) -> None:
        files = await req.media("files")
        data = await req.media("form")
        file = files["file"]
        resp.content = await file.read()
        await file.close()  # Responder leaves uploads open; unclosed spooled files warn
        resp.headers["content-type"] = "application/octet-stream"
        resp.headers["x-title"] = data.get("title")
        resp.headers["x-filename"] = file.filename

    @api.route("/cookies")
    async def cookies(req: Any, resp: Any) -> None:
        resp.text = "two cookies"
        resp.set_cookie("session", "abc123", httponly=True)
        resp.set_cookie("theme", "dark")

    @api.route("/go")
    async def go(req: Any, resp: Any) -> None:
        api.redirect(resp, location=api.url_for(target), status_code=303)

    @api.route("/target")
    async def target(req: Any, resp: Any) -> None:
        resp.text = "target"

    @api.route("/stream")
    async def stream(req: Any, resp: Any) -> None:
        @resp.stream
        async def body() -> AsyncIterator[str]:
            for number in range(5):
                await asyncio.sleep(0)
                yield f"chunk {number}\n"

        resp.headers["content-type"] = "text/plain"

    @api.route("/after-response", methods=["POST"])
    async def after_response(req: Any, resp: Any) -> None:
        async def send_email() -> None:
            await asyncio.sleep(0.01)
            record.background.append("email sent")

        resp.background(send_email)
        resp.text = "queued"
        resp.status_code = 202

    @api.route("/thread-pool", methods=["POST"])
    async def thread_pool(req: Any, resp: Any) -> None:
        def send_email() -> None:
            record.release.wait(timeout=5)
            record.background.append("email sent")

        api.background.run(send_email)
        resp.text = "queued"
        resp.status_code = 202

    @api.route("/sync")
    def sync_view(req: Any, resp: Any) -> None:
        record.sync_thread = threading.get_ident()
        resp.text = "sync"

    @api.route("/state")
    async def state(req: Any, resp: Any) -> None:
        resp.text = api.pool  # type: ignore[attr-defined]

    @api.route("/boom")
    async def boom(req: Any, resp: Any) -> None:
        raise RuntimeError("view failed")

    return api


def drain_thread_pool(api: responder.API) -> Any:
    """The documented fix: wait for ``api.background`` jobs before the environment freezes."""

    async def middleware(request: LambdaRequest, call_next: CallNext) -> LambdaResponse:
        response = await call_next(request)
        pending = list(api.background.results)
        if pending:
            await asyncio.to_thread(concurrent.futures.wait, pending)
        return response

    return middleware


@pytest.fixture
def record() -> Record:
    return Record()


@pytest.fixture
def handler(record: Record) -> Handler:
    return asgi_handler(make_api(record), lifespan="off")


def test_redirect_to_url_for(handler: Handler, source: str) -> None:
    reply = call(handler, source, path="/go")
    assert reply.status == 303
    assert reply.header("location") == "/target"


def test_root_path_is_ignored_by_responder_routing(record: Record) -> None:
    handler = asgi_handler(make_api(record), lifespan="off", api_gateway_base_path="/api")
    reply = call(handler, "http-api-v2", path="/api/target")
    assert reply.status == 404


def test_response_background_task_runs_before_the_invocation_returns(
    handler: Handler, record: Record, source: str
) -> None:
    reply = call(handler, source, "POST", "/after-response")
    assert reply.status == 202
    assert record.background == ["email sent"]


def test_thread_pool_job_is_not_waited_for_before_the_invocation_returns(
    handler: Handler, record: Record
) -> None:
    reply = call(handler, "http-api-v2", "POST", "/thread-pool")
    assert reply.status == 202
    assert record.background == []
    record.release.set()


def test_thread_pool_job_finishes_before_return_with_the_drain_middleware(
    record: Record, source: str
) -> None:
    api = make_api(record)
    handler = asgi_handler(api, lifespan="off", middlewares=[drain_thread_pool(api)])
    threading.Timer(0.05, record.release.set).start()  # the job outlives the view
    reply = call(handler, source, "POST", "/thread-pool")
    assert reply.status == 202
    assert record.background == ["email sent"]


def test_sync_view_runs_in_the_threadpool(handler: Handler, record: Record) -> None:
    reply = call(handler, "http-api-v2", path="/sync")
    assert reply.text == "sync"
    assert record.sync_thread is not None
    assert record.sync_thread != MAIN_THREAD


def test_startup_event_runs_once_across_invocations(record: Record) -> None:
    handler = asgi_handler(make_api(record))
    replies = [call(handler, source, path="/state") for source in SOURCES * 3]
    assert [reply.text for reply in replies] == ["pool-1"] * 6
    assert record.startups == 1
