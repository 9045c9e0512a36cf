"""No stricter than uvicorn (issue 20): apps hypothesis makes up, served by uvicorn (the reference
ASGI server), by hypercorn (a second one) and by ``asgi-lambda serve`` for every HTTP source,
compared as an httpx client sees them.

One app (``scripted_app``) plays every generated app: its request body is the script of what it
sends and in which Python types (status ``int`` or ``IntEnum``, header pairs as lists or tuples,
names as ``bytes`` or ASCII ``str``, bodies as ``bytes``, ``bytearray`` or ``memoryview``, split in
chunks, an empty final body, unknown keys, a failure before or after the start).  What the client
sees must be the same everywhere, but for the differences docs/differences.md lists, with their
reasons.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.local.conftest import REPO, free_port, serving

SOURCES = ("http-api-v2", "http-api-v1", "rest", "function-url", "alb")
# Headers a server or a gateway adds or owns: not the app's to compare.
OWNED = {"date", "server", "content-length", "transfer-encoding", "connection"}
TOKEN = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
VALUE = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=20)
APP = "tests.differential.scripted_app"


@contextmanager
def oracle(name: str) -> Iterator[str]:
    """uvicorn (its default HTTP implementation, h11) or hypercorn serving the app."""
    port = free_port()
    command = {
        "uvicorn": [
            "-m",
            "uvicorn",
            "--http",
            "h11",
            "--log-level",
            "warning",
            "--port",
            str(port),
        ],
        "hypercorn": ["-m", "hypercorn", "--bind", f"127.0.0.1:{port}"],
    }[name]
    process = subprocess.Popen(
        [sys.executable, *command, f"{APP}:app"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                httpx.post(url, json={}, timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"{name} did not listen within 15 s ({process.poll()})")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Every server, started once for the module: name -> the URL that reaches the app."""
    urls: dict[str, str] = {}
    with ExitStack() as stack:
        for name in ("uvicorn", "hypercorn"):
            urls[name] = stack.enter_context(oracle(name))
        for source in SOURCES:
            tmp = tmp_path_factory.mktemp(source)
            server = stack.enter_context(serving(tmp, f"{APP}:handler", "--source", source))
            urls[source] = server.url + ("/dev/" if source == "rest" else "/")
        yield urls


scripts = st.fixed_dictionaries(
    {
        "status": st.sampled_from([200, 201, 202, 301, 302, 400, 401, 403, 404, 409, 418, 503]),
        "status_type": st.sampled_from(["int", "intenum"]),
        "headers": st.lists(st.tuples(TOKEN, VALUE), max_size=3, unique_by=lambda h: h[0]),
        "pairs": st.sampled_from(["list", "tuple"]),
        "names": st.sampled_from(["bytes", "str"]),
        "chunks": st.lists(st.text("abcdefghij xyz", max_size=30), max_size=4),
        "chunk_type": st.sampled_from(["bytes", "bytearray", "memoryview"]),
        "empty_final": st.booleans(),
        "extra_keys": st.booleans(),
        "fail": st.sampled_from([None, None, None, "before", "after_start", "after_body"]),
    }
)


def seen(url: str, script: dict[str, Any]) -> tuple[Any, ...]:
    """(status, the app's headers, body) as the client sees them; ("cut",) for a connection cut
    short.  The app always says its body is text (REST would hand base64 text to the client
    otherwise, a documented gateway difference)."""
    text = [["content-type", "text/plain; charset=utf-8"]]
    body = json.dumps({**script, "headers": text + [list(h) for h in script["headers"]]})
    try:
        reply = httpx.post(
            url, content=body, headers={"content-type": "application/json"}, timeout=30
        )
    except httpx.RemoteProtocolError:
        return ("cut",)
    headers: dict[str, list[str]] = {}
    for name, value in reply.headers.multi_items():
        if name.lower() not in OWNED:
            headers.setdefault(name.lower(), []).append(value)
    return reply.status_code, {k: ", ".join(v) for k, v in sorted(headers.items())}, reply.content


@settings(
    max_examples=40,
    derandomize=True,  # a fixed seed: CI runs the same apps every time
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(script=scripts)
def test_every_source_serves_what_uvicorn_serves(
    servers: dict[str, str], script: dict[str, Any]
) -> None:
    reference = seen(servers["uvicorn"], script)
    second = seen(servers["hypercorn"], script)
    fail = script["fail"]
    if fail == "after_start":
        assert reference == ("cut",)
    elif fail == "before":
        assert (reference[0], reference[2]) == (500, b"Internal Server Error")
    if script["names"] == "str":  # hypercorn refuses text header names; uvicorn sends them
        assert second[0] == 500
    elif fail == "before":
        assert second[0] == 500  # with no body
    else:
        assert second == reference
    for source in SOURCES:
        ours = seen(servers[source], script)
        if fail in ("before", "after_start"):  # after the start: a clean 500, not a cut
            assert (ours[0], ours[2]) == (500, b"Internal Server Error"), (source, ours)
        else:
            assert ours == reference, (source, script)
