"""Lifespan: startup once per execution environment, state per request, shutdown once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi import Request as FastAPIRequest
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from asgi_lambda import _lifespan, asgi_handler
from asgi_lambda._lifespan import shutdown_all
from asgi_lambda._types import Message, Receive, Scope, Send
from tests.conftest import load_event

ROOT = Path(__file__).resolve().parents[2]
PATH = "/my/path"  # the path of the sample event


@pytest.fixture(autouse=True)
def _shut_down_after_test() -> Iterator[None]:
    """Lifespans started by a test end with it, not at the end of the whole session."""
    yield
    shutdown_all()


def invoke(handler: Any) -> dict[str, Any]:
    result: dict[str, Any] = handler(load_event("pt-apiGatewayProxyV2Event_GET"), None)
    return result


def counting_app(counts: dict[str, int]) -> Starlette:
    """A Starlette app whose lifespan opens an httpx client and starts a worker task on the loop."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="pong")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        counts["startup"] += 1
        jobs: asyncio.Queue[tuple[int, asyncio.Future[int]]] = asyncio.Queue()

        async def worker() -> None:
            while True:
                number, reply = await jobs.get()
                reply.set_result(number * 2)

        task = asyncio.get_running_loop().create_task(worker())
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
            yield {"client": client, "jobs": jobs, "loop": asyncio.get_running_loop()}
            counts["shutdown"] += 1
            task.cancel()
        counts["client_closed"] = int(client.is_closed)

    async def endpoint(request: StarletteRequest) -> PlainTextResponse:
        assert asyncio.get_running_loop() is request.state.loop
        reply: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        await request.state.jobs.put((21, reply))
        pong = await request.state.client.get("http://upstream/ping")
        return PlainTextResponse(f"{pong.text} {await reply}")

    return Starlette(routes=[Route(PATH, endpoint)], lifespan=lifespan)


def test_startup_runs_once_across_invocations_and_its_resources_stay_usable() -> None:
    counts = {"startup": 0, "shutdown": 0}
    handler = asgi_handler(counting_app(counts))

    bodies = [invoke(handler)["body"] for _ in range(3)]

    assert bodies == ["pong 42"] * 3
    assert counts == {"startup": 1, "shutdown": 0}


def test_startup_waits_for_the_first_request() -> None:
    counts = {"startup": 0, "shutdown": 0}
    handler = asgi_handler(counting_app(counts))
    assert counts["startup"] == 0

    invoke(handler)

    assert counts["startup"] == 1


def test_shutdown_runs_once_and_closes_what_startup_opened() -> None:
    counts = {"startup": 0, "shutdown": 0}
    handler = asgi_handler(counting_app(counts))
    invoke(handler)

    shutdown_all()
    shutdown_all()

    assert counts == {"startup": 1, "shutdown": 1, "client_closed": 1}


def test_fastapi_lifespan_state_reaches_request_state() -> None:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        yield {"greeting": "hello from startup"}

    app = FastAPI(lifespan=lifespan)

    @app.get(PATH)
    async def read(request: FastAPIRequest) -> dict[str, str]:
        return {"greeting": request.state.greeting}

    response = invoke(asgi_handler(app))

    assert response["statusCode"] == 200
    assert response["body"] == '{"greeting":"hello from startup"}'


def test_each_request_gets_a_shallow_copy_of_the_state() -> None:
    seen: list[tuple[bool, int]] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        yield {"shared": []}

    async def endpoint(request: StarletteRequest) -> PlainTextResponse:
        seen.append((hasattr(request.state, "mine"), len(request.state.shared)))
        request.state.mine = True  # a new key: must not leak into the next request
        request.state.shared.append(1)  # a shared object: mutations are visible
        return PlainTextResponse("ok")

    handler = asgi_handler(Starlette(routes=[Route(PATH, endpoint)], lifespan=lifespan))
    invoke(handler)
    invoke(handler)

    assert seen == [(False, 0), (False, 1)]


def django_app() -> Any:
    from django.core.asgi import get_asgi_application  # type: ignore[import-untyped]

    from tests.frameworks.apps import django_setup

    django_setup.configure()  # the settings the framework tests share (process-global)
    return get_asgi_application()


def django_view(request: Any) -> Any:
    from django.http import HttpResponse  # type: ignore[import-untyped]

    return HttpResponse("django says hi", content_type="text/plain")


def __getattr__(name: str) -> Any:
    # Django reads ``urlpatterns`` from this module (ROOT_URLCONF) only when it serves a request.
    if name == "urlpatterns":
        from django.urls import path  # type: ignore[import-untyped]

        return [path(PATH.lstrip("/"), django_view)]
    raise AttributeError(name)


def test_auto_serves_django_which_rejects_lifespan_and_logs_it_once_at_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from django.test.utils import override_settings  # type: ignore[import-untyped]

    handler = asgi_handler(django_app(), log_level="debug")
    with (
        override_settings(ROOT_URLCONF=__name__),
        caplog.at_level(logging.DEBUG, "asgi_lambda.lifespan"),
    ):
        responses = [invoke(handler) for _ in range(2)]

    assert [(r["statusCode"], r["body"]) for r in responses] == [(200, "django says hi")] * 2
    unsupported = [r for r in caplog.records if "unsupported" in r.getMessage()]
    assert len(unsupported) == 1
    assert unsupported[0].levelno == logging.DEBUG
    assert "Django can only handle ASGI/HTTP connections" in unsupported[0].getMessage()


async def plain_http(send: Send, text: str = "served") -> None:
    headers = [(b"content-type", b"text/plain")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": text.encode()})


def test_auto_treats_an_app_returning_at_once_as_without_lifespan() -> None:
    scopes: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scopes.append(scope["type"])
        if scope["type"] == "http":
            await plain_http(send)

    handler = asgi_handler(app)
    results = [invoke(handler)["body"] for _ in range(2)]

    assert results == ["served", "served"]
    assert scopes == ["lifespan", "http", "http"]


def test_auto_warns_with_traceback_when_startup_raises_after_reading_startup(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await plain_http(send)
            return
        await receive()
        raise KeyError("missing setting")

    handler = asgi_handler(app)
    with caplog.at_level(logging.WARNING, "asgi_lambda.lifespan"):
        bodies = [invoke(handler)["body"] for _ in range(2)]

    assert bodies == ["served", "served"]
    (record,) = [r for r in caplog.records if r.name == "asgi_lambda.lifespan"]
    assert record.levelno == logging.WARNING
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], KeyError)


def failing_starlette(attempts: list[int], failures: int) -> Starlette:
    """A Starlette app whose startup raises for its first ``failures`` attempts."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        attempts.append(1)
        if len(attempts) <= failures:
            raise ConnectionError("database unreachable")
        yield

    async def endpoint(request: StarletteRequest) -> PlainTextResponse:
        return PlainTextResponse("up")

    return Starlette(routes=[Route(PATH, endpoint)], lifespan=lifespan)


def test_auto_answers_500_for_every_request_until_the_retry_backoff_passed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    attempts: list[int] = []
    handler = asgi_handler(failing_starlette(attempts, failures=1))

    with caplog.at_level(logging.ERROR, "asgi_lambda"):
        responses = [invoke(handler) for _ in range(2)]

    assert [(r["statusCode"], r["body"]) for r in responses] == [(500, "Internal Server Error")] * 2
    assert responses[0]["headers"]["content-type"] == "text/plain; charset=utf-8"
    assert attempts == [1]  # the next attempt waits for the backoff (1 s)
    answered = [r.getMessage() for r in caplog.records if r.getMessage().startswith("answering")]
    assert len(answered) == 2
    assert all("database unreachable" in message for message in answered)


def test_auto_retries_a_failed_startup_after_the_backoff_and_then_serves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Starlette sends lifespan.startup.failed for any exception, e.g. one database timeout.
    monkeypatch.setattr(_lifespan, "RETRY_BACKOFF", 0.05)
    attempts: list[int] = []
    handler = asgi_handler(failing_starlette(attempts, failures=2))
    statuses = [invoke(handler)["statusCode"]]
    time.sleep(0.06)
    statuses.append(invoke(handler)["statusCode"])
    statuses.append(invoke(handler)["statusCode"])  # the backoff doubled: 0.1 s
    time.sleep(0.11)
    statuses.append(invoke(handler)["statusCode"])
    assert statuses == [500, 500, 500, 200]
    assert len(attempts) == 3


def hanging_startup(started: list[int]) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await plain_http(send)
            return
        await receive()
        started.append(1)
        if len(started) == 1:
            await asyncio.sleep(3600)  # a database connect that never answers
        await send({"type": "lifespan.startup.complete"})
        await receive()

    return app


@pytest.mark.parametrize("mode", ["auto", "on"])
def test_a_startup_that_never_answers_times_out_with_503_and_is_retried(
    mode: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(_lifespan, "RETRY_BACKOFF", 0.0)
    started: list[int] = []
    handler = asgi_handler(hanging_startup(started), lifespan=mode, startup_timeout=0.2)
    begin = time.monotonic()
    first = invoke(handler)
    took = time.monotonic() - begin
    assert (first["statusCode"], first["body"]) == (503, "Service Unavailable")
    assert 0.15 < took < 1
    assert "did not complete within 0.2s" in caplog.text
    assert invoke(handler)["statusCode"] == 200
    assert started == [1, 1]


def test_startup_waits_no_longer_than_the_requests_deadline() -> None:
    handler = asgi_handler(hanging_startup([]), default_timeout=0.3, deadline_margin=0.1)
    begin = time.monotonic()
    assert invoke(handler)["statusCode"] == 503
    assert time.monotonic() - begin < 0.5


def test_an_app_that_reports_startup_failed_but_lingers_is_cancelled() -> None:
    cancelled: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await plain_http(send)
            return
        await receive()
        await send({"type": "lifespan.startup.failed", "message": "nope"})
        try:
            await receive()
        except asyncio.CancelledError:
            cancelled.append("cancelled")
            raise

    handler = asgi_handler(app)
    statuses = [invoke(handler)["statusCode"] for _ in range(2)]  # the 2nd run delivers it

    assert statuses == [500, 500]
    assert cancelled == ["cancelled"]


def test_on_answers_500_then_retries_startup_on_the_next_invocation() -> None:
    attempts: list[int] = []
    handler = asgi_handler(failing_starlette(attempts, failures=1), lifespan="on")

    first, second = invoke(handler), invoke(handler)

    assert (first["statusCode"], second["statusCode"]) == (500, 200)
    assert second["body"] == "up"
    assert len(attempts) == 2


def test_on_answers_500_for_an_app_without_lifespan(caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError("only http here")
        await plain_http(send)

    with caplog.at_level(logging.ERROR, "asgi_lambda"):
        response = invoke(asgi_handler(app, lifespan="on"))

    assert response["statusCode"] == 500
    assert "only http here" in caplog.text


def test_off_never_sends_a_lifespan_scope() -> None:
    scopes: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        scopes.append(scope["type"])
        await plain_http(send)

    invoke(asgi_handler(app, lifespan="off"))

    assert scopes == ["http"]


def test_shutdown_failed_message_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await plain_http(send)
            return
        message: Message = await receive()
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        assert message["type"] == "lifespan.shutdown"
        await send({"type": "lifespan.shutdown.failed", "message": "could not flush the cache"})

    invoke(asgi_handler(app))
    with caplog.at_level(logging.ERROR, "asgi_lambda.lifespan"):
        shutdown_all()

    assert [r.getMessage() for r in caplog.records if r.name == "asgi_lambda.lifespan"] == [
        "ASGI lifespan shutdown failed: could not flush the cache"
    ]


def test_an_out_of_order_lifespan_message_is_an_error_raised_in_the_app() -> None:
    errors: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await plain_http(send)
            return
        await receive()
        await send({"type": "lifespan.startup.complete"})
        try:
            await send({"type": "lifespan.startup.complete"})
        except RuntimeError as exc:
            errors.append(str(exc))
        await receive()
        await send({"type": "lifespan.shutdown.complete"})

    invoke(asgi_handler(app))

    assert errors == [
        "unexpected ASGI message 'lifespan.startup.complete' in the lifespan protocol now"
    ]


SCRIPT = """
import contextlib, json, os, signal, sys
sys.path.insert(0, {root!r})
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from asgi_lambda import asgi_handler

@contextlib.asynccontextmanager
async def lifespan(app):
    print("startup", flush=True)
    yield
    print("shutdown", flush=True)

async def endpoint(request):
    return PlainTextResponse("ok")

{prelude}
handler = asgi_handler(Starlette(routes=[Route("/my/path", endpoint)], lifespan=lifespan))
with open({event!r}) as f:
    print(handler(json.load(f), None)["body"], flush=True)
{action}
print("exiting normally", flush=True)
"""


def run_script(prelude: str = "", action: str = "") -> subprocess.CompletedProcess[str]:
    event = str(ROOT / "tests" / "events" / "pt-apiGatewayProxyV2Event_GET.json")
    source = SCRIPT.format(
        root=str(ROOT), event=event, prelude=textwrap.dedent(prelude), action=action
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, timeout=60, env=env
    )


def test_sigterm_runs_shutdown_once_then_dies_of_sigterm() -> None:
    result = run_script(action="os.kill(os.getpid(), signal.SIGTERM)")

    assert result.stdout.splitlines() == ["startup", "ok", "shutdown"]
    assert result.returncode == -signal.SIGTERM


def test_sigterm_chains_the_previous_python_handler_and_exit_does_not_repeat_shutdown() -> None:
    prelude = """
    def previous(signum, frame):
        print("previous handler", flush=True)
    signal.signal(signal.SIGTERM, previous)
    """
    result = run_script(prelude=prelude, action="os.kill(os.getpid(), signal.SIGTERM)")

    assert result.stdout.splitlines() == [
        "startup",
        "ok",
        "shutdown",
        "previous handler",
        "exiting normally",
    ]
    assert result.returncode == 0


def test_a_hanging_shutdown_does_not_keep_sigterm_from_ending_the_process() -> None:
    prelude = """
    import asyncio
    @contextlib.asynccontextmanager
    async def lifespan(app):
        print("startup", flush=True)
        yield
        print("shutdown", flush=True)
        await asyncio.sleep(3600)
    """
    started = time.monotonic()
    result = run_script(prelude=prelude, action="os.kill(os.getpid(), signal.SIGTERM)")
    assert time.monotonic() - started < 15
    assert result.stdout.splitlines() == ["startup", "ok", "shutdown"]
    assert "shutdown did not complete within 1s" in result.stderr
    assert result.returncode == -signal.SIGTERM


def test_interpreter_exit_runs_shutdown() -> None:
    result = run_script()

    assert result.stdout.splitlines() == ["startup", "ok", "exiting normally", "shutdown"]
    assert result.returncode == 0, result.stderr
