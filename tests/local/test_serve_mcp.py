"""The MCP example behind ``asgi-lambda serve``, driven by the SDK's own client over HTTP.

JSON and SSE answers; progress notifications that reach the client while the tool still works
(a streaming Function URL); and a second client served while the first one's stream is open,
in an execution environment of its own, as Lambda would.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import Server

pytest.importorskip("mcp", reason="the official MCP SDK: pip install 'mcp>=2.3'")
from mcp import Client  # noqa: E402

from tests.mcp_client import count_with_progress  # noqa: E402

APP = "examples.mcp_server.app:handler"
STREAMING = {"MCP_RESPONSE": "sse", "ASGI_LAMBDA_INVOKE_MODE": "RESPONSE_STREAM"}


def run(coroutine: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coroutine, 30))


@pytest.mark.parametrize("mode", ["json", "sse"])
def test_the_sdks_client_calls_tools_through_serve(serve: Callable[..., Server], mode: str) -> None:
    server = serve(APP, env={"MCP_RESPONSE": mode})

    async def calls() -> tuple[Any, str]:
        async with Client(f"{server.url}/mcp", mode="legacy") as client:
            added = await client.call_tool("add", {"a": 20, "b": 22})
            counted = await client.call_tool("count", {"steps": 1})
            return added.structured_content, counted.content[0].text

    assert run(calls()) == ({"result": 42}, "counted to 1")
    assert '"POST /mcp" 200' in server.log


def test_progress_reaches_the_client_before_the_tool_returns_from_a_streaming_function_url(
    serve: Callable[..., Server],
) -> None:
    server = serve(APP, "--source", "function-url", env=STREAMING)
    arrivals, finished, text = run(count_with_progress(f"{server.url}/mcp", 4))
    assert text == "counted to 4"
    assert len(arrivals) == 4
    assert arrivals[0] < finished - 0.4  # the tool sleeps 0.2 s a step: 0.6 s still to go
    assert "streamed" in server.log


def test_a_long_stream_does_not_hold_another_clients_request(
    serve: Callable[..., Server],
) -> None:
    server = serve(APP, "--source", "function-url", env=STREAMING)

    async def both() -> tuple[float, float]:
        """When each client had its answer, in seconds from the start."""
        started = time.monotonic()
        long = asyncio.create_task(count_with_progress(f"{server.url}/mcp", 30))  # 6 s
        await asyncio.sleep(0.5)
        async with Client(f"{server.url}/mcp", mode="legacy") as client:
            await client.call_tool("add", {"a": 1, "b": 1})
        quick = time.monotonic() - started
        await long
        return quick, time.monotonic() - started

    quick, long = run(both())
    # served while the stream was open, a cold start included (2.5 s on a loaded machine),
    # not queued behind it
    assert quick < long - 1.0
    environments = set(re.findall(r" env (\d+)", server.log))
    assert len(environments) >= 2  # the second client in an execution environment of its own
