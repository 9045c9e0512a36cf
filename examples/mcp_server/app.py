"""An MCP server (the official ``mcp`` SDK's Streamable HTTP transport) on AWS Lambda.

Stateless, so any execution environment can answer any request: every POST stands alone (MCP
clients of the 2025 protocol still send ``initialize`` first; the server answers it without
keeping a session).  ``MCP_RESPONSE`` picks how answers travel (docs/mcp.md):

- ``json`` (default): one JSON body per request, for buffered front doors (REST and HTTP APIs,
  ALB, a buffered Function URL).  Progress notifications are dropped by the SDK in this mode.
- ``sse``: server-sent events, for asgi-lambda's runtime in RESPONSE_STREAM mode behind a
  Function URL or a REST STREAM integration, so progress reaches the client as the tool works.

The SDK's DNS-rebinding guard (answering 421 to any Host but 127.0.0.1) protects servers bound
to a developer's localhost; API Gateway and Function URLs are public HTTPS endpoints, so it is
off unless ``MCP_ALLOWED_HOSTS`` lists the hosts to accept (exact names, comma-separated).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from asgi_lambda import asgi_handler

mcp = MCPServer("asgi-lambda-example")


@mcp.tool()
def add(a: int, b: int) -> int:
    """Add two numbers (a sync tool: the SDK runs it on a worker thread)."""
    return a + b


@mcp.tool()
async def count(steps: int, ctx: Context) -> str:
    """Count to ``steps``, reporting progress at each step (streamed in ``sse`` mode)."""
    for step in range(1, steps + 1):
        await asyncio.sleep(0.2)
        await ctx.report_progress(step, steps, f"step {step}")
    return f"counted to {steps}"


def _security() -> TransportSecuritySettings:
    hosts = [h.strip() for h in os.environ.get("MCP_ALLOWED_HOSTS", "").split(",") if h.strip()]
    if not hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    return TransportSecuritySettings(enable_dns_rebinding_protection=True, allowed_hosts=hosts)


mcp_app = mcp.streamable_http_app(
    stateless_http=True,
    json_response=os.environ.get("MCP_RESPONSE", "json") != "sse",
    transport_security=_security(),
)


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    # Mounted, the MCP app's own lifespan does not run: its session manager runs here, once per
    # execution environment (asgi-lambda runs lifespan once, not per request as Mangum does).
    async with mcp.session_manager.run():
        yield


app = Starlette(routes=[Route("/health", health), Mount("/", app=mcp_app)], lifespan=lifespan)
handler = asgi_handler(app)
