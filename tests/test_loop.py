"""SPEC section 6: one event loop per execution environment, surviving the user's asyncio.run()."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from asgi_lambda import asgi_handler
from asgi_lambda._types import Receive, Scope, Send
from tests.conftest import load_event


class LoopBoundApp:
    """Creates a loop-bound object on the first request and uses it on every later one."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[int] | None = None
        self.loops: list[asyncio.AbstractEventLoop] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.loops.append(asyncio.get_running_loop())
        if self.queue is None:
            self.queue = asyncio.Queue()
        await self.queue.put(1)
        await asyncio.wait_for(self.queue.get(), timeout=1)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def test_every_invocation_runs_on_the_same_loop() -> None:
    app = LoopBoundApp()
    handler = asgi_handler(app, lifespan="off")
    statuses = [
        handler(load_event("pt-apiGatewayProxyV2Event"), None)["statusCode"] for _ in range(3)
    ]
    assert statuses == [200, 200, 200]
    assert len(set(map(id, app.loops))) == 1


def test_handler_still_works_after_user_code_called_asyncio_run() -> None:
    app = LoopBoundApp()
    handler = asgi_handler(app, lifespan="off")
    assert handler(load_event("pt-apiGatewayProxyV2Event"), None)["statusCode"] == 200

    async def users_own_async_code() -> int:
        await asyncio.sleep(0)
        return 7

    assert asyncio.run(users_own_async_code()) == 7
    assert handler(load_event("pt-apiGatewayProxyV2Event"), None)["statusCode"] == 200
    assert app.loops[0] is app.loops[1]


def test_handler_works_when_asyncio_run_came_first_in_a_fresh_process() -> None:
    code = """
import asyncio, json
asyncio.run(asyncio.sleep(0))
from asgi_lambda import asgi_handler
async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})
event = json.load(open("tests/events/pt-apiGatewayProxyV2Event.json"))
print(asgi_handler(app, lifespan="off")(event, None)["statusCode"])
"""
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "200"


def test_the_interpreter_exits_promptly_after_a_sync_endpoint_ran() -> None:
    # AnyIO stops its worker threads from the root task's done-callback; a loop stopped before
    # that callback ran left a non-daemon thread that kept the process alive forever.
    code = """
import json
from fastapi import FastAPI
from asgi_lambda import asgi_handler
app = FastAPI()
@app.get("/my/path")
def sync_endpoint():
    return {"ok": True}
event = json.load(open("tests/events/pt-apiGatewayProxyV2Event_GET.json"))
print(asgi_handler(app, lifespan="off")(event, None)["statusCode"])
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=20, check=True
    )
    assert result.stdout.strip() == "200"


def test_a_loop_stopped_by_app_code_still_finishes_the_invocation_under_its_deadline() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        asyncio.get_running_loop().stop()  # someone else's stop: the invocation runs on
        await asyncio.sleep(0.01)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    handler = asgi_handler(app, lifespan="off")
    assert handler(load_event("pt-apiGatewayProxyV2Event"), None)["statusCode"] == 200

    async def stuck(scope: Scope, receive: Receive, send: Send) -> None:
        asyncio.get_running_loop().stop()
        await asyncio.sleep(3600)

    bounded = asgi_handler(stuck, lifespan="off", default_timeout=0.3, deadline_margin=0.1)
    assert bounded(load_event("pt-apiGatewayProxyV2Event"), None)["statusCode"] == 504
