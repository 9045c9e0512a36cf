"""The official MCP SDK's client, as the MCP tests drive a server with it."""

from __future__ import annotations

import time

from mcp import Client


async def count_with_progress(url: str, steps: int) -> tuple[list[float], float, str]:
    """Call the example's ``count`` tool: (progress arrival times, the result's, its text), in
    seconds from the call."""
    arrivals: list[float] = []
    async with Client(url, mode="legacy") as client:
        started = time.monotonic()

        async def progress(done: float, total: float | None, message: str | None) -> None:
            arrivals.append(time.monotonic() - started)

        result = await client.call_tool("count", {"steps": steps}, progress_callback=progress)
        return arrivals, time.monotonic() - started, result.content[0].text
