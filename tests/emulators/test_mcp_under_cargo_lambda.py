"""The MCP example under asgi-lambda's runtime in RESPONSE_STREAM mode, behind cargo-lambda's
streaming Function URL (issue 20), driven by the official SDK's client: progress notifications
reach the client while the tool still works, measured as arrival times."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from .runtime_emulators import REPO, cargo_lambda

pytest.importorskip("mcp", reason="the official MCP SDK: pip install 'mcp>=2.3'")
from mcp import Client  # noqa: E402

from tests.mcp_client import count_with_progress  # noqa: E402

EXAMPLE = REPO / "examples" / "mcp_server"


@pytest.fixture(scope="module")
def mcp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with cargo_lambda(
        tmp_path_factory.mktemp("cargo-mcp"),
        _HANDLER="app.handler",
        LAMBDA_TASK_ROOT=str(EXAMPLE),
        MCP_RESPONSE="sse",
        ASGI_LAMBDA_INVOKE_MODE="RESPONSE_STREAM",
    ) as base:
        yield f"{base}/lambda-url/_/mcp"


def test_progress_streams_from_the_runtime_before_the_tool_returns(mcp_url: str) -> None:
    arrivals, finished, text = asyncio.run(asyncio.wait_for(count_with_progress(mcp_url, 4), 60))
    assert text == "counted to 4"
    assert len(arrivals) == 4
    assert arrivals[0] < finished - 0.4  # the tool sleeps 0.2 s a step: 0.6 s still to go
    assert all(b > a for a, b in zip(arrivals, arrivals[1:], strict=False))


def test_a_sync_tool_answers_through_the_runtime(mcp_url: str) -> None:
    async def add() -> object:
        async with Client(mcp_url, mode="legacy") as client:
            return (await client.call_tool("add", {"a": 40, "b": 2})).structured_content

    assert asyncio.run(asyncio.wait_for(add(), 60)) == {"result": 42}
