"""After any invocation the process exits (issue 20): a script, ``asgi-lambda invoke``, a test.

Python joins non-daemon threads before it runs ``atexit`` hooks; an anyio worker thread started
from a task group that the app's lifespan owns (the MCP SDK's session manager runs every
request's handler there) stops only when that group ends, so lifespan shutdown must run first.
Each case is a fresh process, bounded well past the lifespan shutdown timeout.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXIT_WITHIN = 10.0  # seconds; these exit in well under one, and hung forever before the fix
HANDLERS = ["lifespan_group", "fastapi_sync", "fastapi_sync_no_lifespan"]
SCRIPT = """
import json
from asgi_lambda._samples import sample_event
from tests.exit_apps.thread_apps import {name} as handler
answer = handler(sample_event("http-api-v2", "GET", "/", "", [], b""), None)
print(json.dumps(answer["statusCode"]))
"""


def run(command: list[str]) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    try:
        result = subprocess.run(
            command, cwd=REPO, capture_output=True, text=True, timeout=EXIT_WITHIN
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{command[-1]!r} did not exit within {EXIT_WITHIN:.0f} s")
    return result, time.monotonic() - started


@pytest.mark.parametrize("name", HANDLERS)
def test_a_script_that_invoked_the_handler_exits(name: str) -> None:
    result, _ = run([sys.executable, "-c", SCRIPT.format(name=name)])
    assert (result.returncode, result.stdout.strip()) == (0, "200"), result.stderr


@pytest.mark.parametrize("name", HANDLERS)
def test_asgi_lambda_invoke_exits_after_printing_the_answer(name: str) -> None:
    cli = Path(sys.executable).with_name("asgi-lambda")
    target = f"tests.exit_apps.thread_apps:{name}"
    result, _ = run([str(cli), "invoke", target, "--event", "http-api-v2"])
    assert result.returncode == 0, result.stderr
    assert '"statusCode": 200' in result.stdout


def test_invoking_an_mcp_servers_sync_tool_exits() -> None:
    """The issue's own case: the official SDK runs a ``def`` tool on a worker thread started
    from the session manager's task group, which the app's lifespan owns."""
    pytest.importorskip("mcp", reason="the official MCP SDK: pip install 'mcp>=2.3'")
    call = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": "add", "arguments": {"a": 2, "b": 3}},
    }
    cli = Path(sys.executable).with_name("asgi-lambda")
    result, _ = run(
        [
            str(cli),
            "invoke",
            "examples.mcp_server.app:handler",
            "--event",
            "http-api-v2",
            "--method",
            "POST",
            "--path",
            "/mcp",
            "--body",
            json.dumps(call),
            "--header",
            "content-type:application/json",
            "--header",
            "accept:application/json, text/event-stream",
            "--header",
            "mcp-protocol-version:2025-11-25",
        ]
    )
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout)
    assert answer["statusCode"] == 200
    assert json.loads(answer["body"])["result"]["structuredContent"] == {"result": 5}
