"""An MCP server from the official SDK, behind asgi_handler, driven by the SDK's own client.

The client's HTTP requests become the events API Gateway sends (REST, HTTP API 2.0) and the
handler's answers go back as the gateway would send them, in process: ``examples/mcp_server``
in its buffered JSON mode.  (Through ``asgi-lambda serve``, with streamed progress and
concurrent clients: tests/local/test_serve_mcp.py.)
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
from typing import Any

import pytest

httpx2 = pytest.importorskip("httpx2", reason="the mcp extra's HTTP client (pip install mcp)")
pytest.importorskip("mcp", reason="the official MCP SDK: pip install 'mcp>=2.3'")

from mcp import Client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402

from asgi_lambda._context import LambdaContext  # noqa: E402
from asgi_lambda._samples import sample_event  # noqa: E402
from examples.mcp_server.app import handler  # noqa: E402

HOST = "abc123.execute-api.us-east-1.amazonaws.com"
# The handler drives its own event loop, as in Lambda: one thread of its own, never the client's.
_lambda = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="lambda")


@pytest.fixture(autouse=True, scope="module")
def _lifespan_shutdown() -> Any:
    """The example's lifespan (the SDK's session manager) ends with the module, on its thread,
    while pytest still captures the log lines it writes."""
    yield
    from asgi_lambda._lifespan import shutdown_all

    _lambda.submit(shutdown_all).result(timeout=10)


def gateway(source: str) -> Any:
    """An httpx2 transport that plays API Gateway of ``source`` in front of the handler."""

    async def handle(request: Any) -> Any:
        body = await request.aread()
        headers = list(request.headers.multi_items())
        event = sample_event(
            source, request.method, request.url.path, request.url.query.decode(), headers, body
        )
        loop = asyncio.get_running_loop()
        context = LambdaContext(timeout=30)
        answer = await loop.run_in_executor(_lambda, handler, event, context)
        raw = answer.get("body") or ""
        content = base64.b64decode(raw) if answer.get("isBase64Encoded") else raw.encode()
        headers = answer.get("headers") or {}
        for name, values in (answer.get("multiValueHeaders") or {}).items():
            headers[name] = ", ".join(values)
        return httpx2.Response(answer["statusCode"], headers=headers, content=content)

    return httpx2.MockTransport(handle)


async def call_tools(source: str) -> tuple[Any, Any]:
    async with httpx2.AsyncClient(transport=gateway(source), headers={"host": HOST}) as http:
        transport = streamable_http_client(f"https://{HOST}/mcp", http_client=http)
        async with Client(transport, mode="legacy") as client:
            added = await client.call_tool("add", {"a": 2, "b": 3})
            counted = await client.call_tool("count", {"steps": 2})
            return added.structured_content, counted.content[0].text


@pytest.mark.parametrize("source", ["rest", "http-api-v2"])
def test_the_sdks_client_calls_a_sync_and_an_async_tool_through_the_handler(source: str) -> None:
    added, counted = asyncio.run(asyncio.wait_for(call_tools(source), 30))
    assert added == {"result": 5}
    assert counted == "counted to 2"
