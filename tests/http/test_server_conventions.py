"""The scope matches what a real ASGI server (uvicorn) gives the same request, key by key.

What differs is what must: the client is the address AWS reports (uvicorn: the TCP peer), and
the scheme and port are the public ones.  ``extensions`` advertises nothing asgi-lambda does not
do (no ``http.response.trailers``, no ``zerocopysend``, no ``pathsend``).
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import httpx
import pytest

uvicorn = pytest.importorskip("uvicorn", reason="uvicorn comes with the frameworks extra")

from asgi_lambda import asgi_handler  # noqa: E402
from asgi_lambda._samples import sample_event  # noqa: E402

PATH = "/files/a%2Fb/c d"
QUERY = "q=a%20b&q=c&empty="
HEADERS = [("X-Custom", "one"), ("X-Custom", "two"), ("Accept", "application/json")]


class Recorder:
    def __init__(self) -> None:
        self.scopes: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.scopes.append(scope)
        await receive()
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def uvicorn_scope() -> dict[str, Any]:
    recorder = Recorder()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        recorder, host="127.0.0.1", port=port, lifespan="off", log_level="error"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        url = f"http://127.0.0.1:{port}{PATH.replace(' ', '%20')}?{QUERY}"
        httpx.get(url, headers=HEADERS, timeout=10)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return recorder.scopes[0]


def our_scope(source: str = "http-api-v2") -> dict[str, Any]:
    recorder = Recorder()
    event = sample_event(source, "GET", PATH.replace(" ", "%20"), QUERY, HEADERS)
    asgi_handler(recorder, lifespan="off")(event, None)
    return recorder.scopes[0]


@pytest.fixture(scope="module")
def scopes() -> tuple[dict[str, Any], dict[str, Any]]:
    return uvicorn_scope(), our_scope()


def test_the_standard_keys_are_the_same_set(scopes: tuple[dict[str, Any], ...]) -> None:
    theirs, ours = scopes
    standard = {key for key in ours if not key.startswith("aws.")}
    assert standard - set(theirs) == set()  # nothing uvicorn does not also give
    assert set(theirs) - standard <= {"state"}  # uvicorn's empty lifespan state, lifespan off


@pytest.mark.parametrize("key", ["type", "method", "path", "raw_path", "query_string", "root_path"])
def test_the_request_line_is_identical(key: str, scopes: tuple[dict[str, Any], ...]) -> None:
    theirs, ours = scopes
    assert ours[key] == theirs[key]


def test_http_version_and_the_asgi_versions_are_the_same(
    scopes: tuple[dict[str, Any], ...],
) -> None:
    theirs, ours = scopes
    assert ours["http_version"] == theirs["http_version"] == "1.1"
    assert ours["asgi"]["version"] == theirs["asgi"]["version"] == "3.0"


def test_headers_are_lower_case_bytes_one_entry_per_value_in_both(
    scopes: tuple[dict[str, Any], ...],
) -> None:
    # REST's multi-value map keeps repeated headers apart; HTTP API 2.0 events arrive with AWS
    # having comma-joined them already (docs/sources/http-api.md).
    theirs, _ = scopes
    for scope in (theirs, our_scope("rest")):
        custom = [value for name, value in scope["headers"] if name == b"x-custom"]
        assert custom == [b"one", b"two"]
        assert all(name == name.lower() and isinstance(name, bytes) for name, _ in scope["headers"])


def test_server_and_client_are_host_and_port_tuples_in_both(
    scopes: tuple[dict[str, Any], ...],
) -> None:
    theirs, ours = scopes
    for scope in (theirs, ours):
        host, port = scope["server"]
        assert isinstance(host, str) and isinstance(port, int)
        client_host, client_port = scope["client"]
        assert isinstance(client_host, str) and isinstance(client_port, int)
    assert ours["server"] == ("abc123.execute-api.us-east-1.amazonaws.com", 443)
    assert ours["client"] == ("203.0.113.10", 0)  # the address API Gateway reports


def test_no_extension_is_advertised_that_asgi_lambda_does_not_implement(
    scopes: tuple[dict[str, Any], ...],
) -> None:
    _, ours = scopes
    assert ours.get("extensions", {}) == {}
