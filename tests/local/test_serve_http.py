"""``asgi-lambda serve`` over HTTP, driven by httpx and curl: AWS's events and AWS's answers."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from .conftest import REPO, Server
from .serve_app import PNG

HERE = Path(__file__).resolve().parent
APP = "tests.local.serve_app:handler"


def curl(*args: str) -> subprocess.CompletedProcess[bytes]:
    if shutil.which("curl") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("curl is missing")
        pytest.skip("curl is missing")
    return subprocess.run(["curl", "-sS", *args], capture_output=True, timeout=30)


def test_the_query_reaches_the_app_as_sent(serve: Callable[..., Server]) -> None:
    server = serve(APP)
    reply = httpx.get(f"{server.url}/echo?a=1&b=x%20y&a=2&c=%26")
    assert reply.status_code == 200
    body = reply.json()
    assert body["query_string"] == "a=1&b=x%20y&a=2&c=%26"
    assert body["params"] == [["a", "1"], ["b", "x y"], ["a", "2"], ["c", "&"]]
    assert "rawQueryString" in body["source_event_keys"]


def test_repeated_request_headers_are_comma_joined_in_payload_2(
    serve: Callable[..., Server],
) -> None:
    server = serve(APP)
    result = curl("-H", "X-Multi: 1", "-H", "X-Multi: 2", f"{server.url}/echo")
    assert json.loads(result.stdout)["multi"] == ["1,2"]


def test_cookies_arrive_in_payload_2s_cookies_list(serve: Callable[..., Server]) -> None:
    server = serve(APP)
    body = httpx.get(f"{server.url}/echo", headers={"cookie": "a=1; b=2"}).json()
    assert body["cookies"] == {"a": "1", "b": "2"}
    assert "cookies" in body["source_event_keys"]


def test_three_set_cookie_headers_stay_three(serve: Callable[..., Server]) -> None:
    server = serve(APP)
    reply = httpx.get(f"{server.url}/cookies")
    assert reply.headers.get_list("set-cookie") == [
        "one=ONE; Path=/; SameSite=lax",
        "two=TWO; Path=/; SameSite=lax",
        "three=THREE; Path=/; SameSite=lax",
    ]


def test_a_binary_body_round_trips_byte_for_byte(serve: Callable[..., Server]) -> None:
    server = serve(APP)
    payload = bytes(range(256)) * 64
    reply = httpx.post(
        f"{server.url}/upload",
        content=payload,
        headers={"content-type": "application/octet-stream"},
    )
    assert reply.content == payload


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_curl_compressed_gets_a_compressed_body_it_can_read(
    serve: Callable[..., Server], coding: str
) -> None:
    server = serve(APP)
    result = curl(
        "--compressed", "-H", f"Accept-Encoding: {coding}", "-D", "-", f"{server.url}/big"
    )
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    assert f"content-encoding: {coding}".encode() in head.lower()
    assert json.loads(body)[499] == {"id": 499, "name": "item 499"}


def test_a_redirect_is_followed_by_the_client(serve: Callable[..., Server]) -> None:
    server = serve(APP)
    first = httpx.get(f"{server.url}/redirect")
    assert first.status_code == 307
    assert first.headers["location"] == "/echo?from=redirect"
    followed = httpx.get(f"{server.url}/redirect", follow_redirects=True)
    assert followed.json()["params"] == [["from", "redirect"]]


def test_204_has_no_body(serve: Callable[..., Server]) -> None:
    server = serve(APP)
    reply = httpx.get(f"{server.url}/empty")
    assert reply.status_code == 204
    assert reply.content == b""


def test_an_app_error_is_a_500(serve: Callable[..., Server]) -> None:
    server = serve(APP)
    assert httpx.get(f"{server.url}/boom").status_code == 500


def test_a_contract_breaking_answer_is_a_502_with_a_log_line(serve: Callable[..., Server]) -> None:
    server = serve("tests.local.serve_app:broken")
    reply = httpx.get(f"{server.url}/anything")
    assert reply.status_code == 502
    assert reply.json() == {"message": "Internal server error"}
    assert "payload 2.0 has no multiValueHeaders" in server.log


def test_a_non_string_header_value_is_a_502(serve: Callable[..., Server]) -> None:
    server = serve("tests.local.serve_app:numeric_header")
    assert httpx.get(f"{server.url}/x").status_code == 502
    assert "header 'x-count' has a int value, not a str" in server.log


def test_every_request_gets_an_access_log_line(serve: Callable[..., Server]) -> None:
    server = serve(APP)
    httpx.get(f"{server.url}/echo?q=1")
    httpx.get(f"{server.url}/boom")
    log = server.log
    assert '"GET /echo?q=1" 200 ' in log
    assert '"GET /boom" 500 ' in log
    assert "http-api-v2" in log


def test_rest_serves_under_the_stage(serve: Callable[..., Server]) -> None:
    server = serve(APP, "--source", "rest", "--stage", "prod")
    body = httpx.get(f"{server.url}/prod/echo?a=b%20c").json()
    assert body["path"] == "/echo"  # REST's event path is below the stage, as on AWS
    assert body["params"] == [["a", "b c"]]
    assert "multiValueHeaders" in body["source_event_keys"]
    assert httpx.get(f"{server.url}/echo").status_code == 403


def test_rest_without_binary_media_types_sends_the_base64_text(
    serve: Callable[..., Server],
) -> None:
    server = serve(APP, "--source", "rest")
    reply = httpx.get(f"{server.url}/dev/image")
    assert base64.b64decode(reply.content) == PNG  # the base64 text itself
    assert "no --binary-media-types entry matches" in server.log


def test_rest_with_binary_media_types_sends_the_bytes(serve: Callable[..., Server]) -> None:
    server = serve(APP, "--source", "rest", "--binary-media-types", "image/png")
    assert httpx.get(f"{server.url}/dev/image").content == PNG


def test_alb_passes_the_query_still_encoded(serve: Callable[..., Server]) -> None:
    server = serve(APP, "--source", "alb")
    body = httpx.get(f"{server.url}/echo?b=x%20y").json()
    assert body["params"] == [["b", "x y"]]
    assert "queryStringParameters" in body["source_event_keys"]


def test_the_client_address_is_the_real_one(serve: Callable[..., Server]) -> None:
    server = serve(APP)
    assert httpx.get(f"{server.url}/echo").json()["client"] == "127.0.0.1"


def test_reload_serves_the_changed_code(serve: Callable[..., Server], tmp_path: Path) -> None:
    import time

    module = tmp_path / "reloaded_app.py"
    source = (
        "from starlette.applications import Starlette\n"
        "from starlette.responses import PlainTextResponse\n"
        "from starlette.routing import Route\n"
        "async def home(request):\n"
        "    return PlainTextResponse({text!r})\n"
        "app = Starlette(routes=[Route('/', home)])\n"
    )
    module.write_text(source.format(text="first"))
    server = serve("reloaded_app:app", "--reload", cwd=tmp_path)
    assert httpx.get(server.url).text == "first"
    module.write_text(source.format(text="second"))
    deadline = time.monotonic() + 20
    written = time.monotonic()
    while time.monotonic() < deadline:
        try:
            if httpx.get(server.url).text == "second":
                break
        except httpx.TransportError:
            pass  # restarting
        if time.monotonic() - written > 3 and "Reloading" not in server.log:
            # The socket accepts before the reloader has looked at the files: a change made
            # that early is not seen, so make it again.
            module.write_text(source.format(text="second"))
            written = time.monotonic()
        time.sleep(0.2)
    assert httpx.get(server.url).text == "second"


STREAMING_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "streaming_app"


def test_a_response_stream_function_url_streams_chunk_by_chunk(
    serve: Callable[..., Server],
) -> None:
    import time

    server = serve("app:handler", "--source", "function-url", cwd=STREAMING_EXAMPLE)
    arrivals: list[tuple[float, bytes]] = []
    with httpx.stream("GET", f"{server.url}/tokens?delay=0.2", timeout=30) as reply:
        assert reply.status_code == 200
        assert reply.headers["content-type"] == "text/plain; charset=utf-8"
        for chunk in reply.iter_raw():
            arrivals.append((time.monotonic(), chunk))
    words = b"".join(chunk for _, chunk in arrivals).decode().split()
    assert " ".join(words) == "Streaming from Lambda, in process, one token at a time."
    assert len(arrivals) >= 5
    assert arrivals[-1][0] - arrivals[0][0] >= 0.2 * (len(words) - 2)
    assert '"GET /tokens?delay=0.2" 200 ' in server.log
    assert "streamed" in server.log


def test_a_whole_answer_in_streaming_mode_comes_back_as_usual(
    serve: Callable[..., Server],
) -> None:
    server = serve("app:handler", "--source", "function-url", cwd=STREAMING_EXAMPLE)
    reply = httpx.get(f"{server.url}/answer", timeout=30)
    assert reply.json() == {"answer": "sent before the background task ran"}


def test_a_handler_past_its_timeout_is_a_502_as_a_timed_out_function(
    serve: Callable[..., Server],
) -> None:
    import time

    server = serve("tests.local.serve_app:sleepy", "--timeout", "1")
    started = time.monotonic()
    reply = httpx.get(f"{server.url}/x", timeout=30)
    assert reply.status_code == 502
    assert time.monotonic() - started < 2.8
    assert "Task timed out after 1.00 seconds" in server.log


def test_a_timed_out_environment_is_replaced_by_a_fresh_one(
    serve: Callable[..., Server],
) -> None:
    server = serve(APP, "--timeout", "1")
    assert httpx.get(f"{server.url}/sleep?seconds=3", timeout=30).status_code == 502
    assert httpx.get(f"{server.url}/echo", timeout=30).status_code == 200
    timed_out = server.log_line('"GET /sleep?seconds=3" 502')
    assert timed_out and " env " not in timed_out  # its environment was killed
    assert server.log_line('"GET /echo" 200').split()[5:7] == ["env", "2"]


def test_requests_past_concurrency_wait_then_answer_429_as_a_throttled_function(
    serve: Callable[..., Server],
) -> None:
    import threading
    import time

    server = serve(APP, "--timeout", "1", "--concurrency", "1")
    slow = threading.Thread(
        target=httpx.get, args=(f"{server.url}/sleep?seconds=0.9",), kwargs={"timeout": 30}
    )
    slow.start()
    time.sleep(0.3)  # the only environment is busy for another 0.6 s: the next request waits
    assert httpx.get(f"{server.url}/echo", timeout=30).status_code == 200
    slow = threading.Thread(
        target=httpx.get, args=(f"{server.url}/sleep?seconds=3",), kwargs={"timeout": 30}
    )
    slow.start()
    time.sleep(0.3)
    started = time.monotonic()
    throttled = httpx.get(f"{server.url}/echo", timeout=30)
    slow.join(10)
    assert throttled.status_code == 429
    assert throttled.json() == {"message": "Rate Exceeded."}
    assert 0.9 < time.monotonic() - started < 2.5
    assert "stayed busy" in server.log


def test_a_plain_handler_is_called_whatever_its_parameters_are_named(
    serve: Callable[..., Server],
) -> None:
    server = serve("tests.local.serve_app:underscored")
    assert httpx.get(f"{server.url}/plain").json() == {"path": "/plain"}


def test_alb_multi_value_keeps_repeated_query_keys(serve: Callable[..., Server]) -> None:
    server = serve(APP, "--source", "alb-multi-value")
    body = httpx.get(f"{server.url}/echo?a=1&a=2").json()
    assert body["params"] == [["a", "1"], ["a", "2"]]


def test_sigterm_runs_the_handlers_lifespan_shutdown(
    serve: Callable[..., Server], tmp_path: Path
) -> None:
    import os
    import signal

    marker = tmp_path / "shutdown.txt"
    server = serve("tests.local.serve_app:lifespan_handler", env={"SHUTDOWN_MARKER": str(marker)})
    assert httpx.get(f"{server.url}/").text == "started"
    os.killpg(server.process.pid, signal.SIGTERM)
    server.process.wait(10)
    assert marker.read_text() == "shut down"


@pytest.mark.parametrize(("source", "stage"), [("http-api-v1", "$default"), ("rest", "dev")])
def test_the_stage_in_the_event_is_the_sources_default(
    serve: Callable[..., Server], source: str, stage: str
) -> None:
    server = serve("tests.local.serve_app:handler", "--source", source)
    prefix = "/dev" if source == "rest" else ""
    assert httpx.get(f"{server.url}{prefix}/echo", timeout=10).json()["stage"] == stage


def test_a_bad_target_fails_before_any_banner(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "asgi_lambda._cli", "serve", "nowhere.handler", "--port", "1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert result.stderr.strip().endswith(
        "asgi-lambda: Unable to import module 'nowhere': No module named 'nowhere'"
    )
    assert "asgi-lambda serve:" not in result.stdout + result.stderr  # no "serving at" banner


def test_a_busy_port_fails_before_any_banner() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "asgi_lambda._cli", "serve", APP, "--port", str(port)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode != 0
    assert result.stderr.startswith(f"asgi-lambda: cannot listen on 127.0.0.1:{port}")
    assert "behind a local" not in result.stdout + result.stderr


def test_a_rest_app_with_strip_stage_path_links_under_the_stage_as_deployed(
    serve: Callable[..., Server],
) -> None:
    server = serve("examples.fastapi_app.app:handler", "--source", "rest", "--stage", "prod")
    docs = httpx.get(f"{server.url}/prod/docs", timeout=10)
    assert docs.status_code == 200
    assert "'/prod/openapi.json'" in docs.text  # Swagger UI loads the schema under the stage
    assert httpx.get(f"{server.url}/prod/openapi.json", timeout=10).status_code == 200
    created = httpx.post(f"{server.url}/prod/items", json={"name": "a", "price": 1}, timeout=10)
    assert created.headers["location"].startswith(f"{server.url}/prod/items/")


@pytest.mark.parametrize(
    ("source", "size", "body"),
    [
        ("http-api-v2", 7_000_000, b'{"message":"Request Entity Too Large"}'),
        ("http-api-v1", 7_000_000, b'{"message":"Request Entity Too Large"}'),
        ("rest", 7_000_000, b'{"message": "Request Too Long"}'),
        ("rest", 11_000_000, b"HTTP content length exceeded 10485760 bytes."),
        ("alb", 1_100_000, None),
    ],
)
def test_a_request_too_large_for_the_function_is_the_front_doors_413(
    serve: Callable[..., Server], source: str, size: int, body: bytes | None
) -> None:
    server = serve(APP, "--source", source)
    prefix = "/dev" if source == "rest" else ""
    reply = httpx.post(f"{server.url}{prefix}/upload", content=b"x" * size, timeout=60)
    assert reply.status_code == 413
    if body is not None:
        assert reply.content == body
    line = server.log_line('/upload" 413')
    assert " MB" in line  # the limit it hit
    assert " env " not in line  # the function never ran


def test_a_binary_upload_over_6_mb_once_base64d_is_refused_by_a_function_url(
    serve: Callable[..., Server],
) -> None:
    server = serve(APP, "--source", "function-url")
    reply = httpx.post(
        f"{server.url}/upload",
        content=bytes(range(256)) * 20_000,  # 5.1 MB, not UTF-8: 6.8 MB of base64 in the event
        headers={"content-type": "application/octet-stream"},
        timeout=60,
    )
    assert reply.status_code == 413
    assert reply.headers["x-amzn-errortype"] == "RequestEntityTooLargeException"
    assert "6291456 bytes" in reply.json()["Message"]
    small = httpx.post(f"{server.url}/upload", content=bytes(range(256)) * 10_000, timeout=60)
    assert small.status_code == 200  # 2.6 MB (3.4 MB of base64) fits


def test_an_alb_app_builds_http_links_to_the_local_listener(serve: Callable[..., Server]) -> None:
    server = serve("examples.fastapi_app.app:handler", "--source", "alb")
    created = httpx.post(f"{server.url}/items", json={"name": "a", "price": 1}, timeout=10)
    assert created.headers["location"].startswith(f"{server.url}/items/")


def test_the_banner_comes_once_the_server_accepts_connections() -> None:
    import select

    from .conftest import free_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "asgi_lambda._cli", "serve", APP, "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert select.select([process.stdout], [], [], 30)[0], "no banner in 30 s"
        banner = process.stdout.readline()
        assert "behind a local http-api-v2" in banner
        reply = httpx.get(f"http://127.0.0.1:{port}/echo", timeout=20)  # at once: not refused
        assert reply.status_code == 200
    finally:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_a_client_that_leaves_mid_stream_stops_the_app_and_frees_its_environment(
    serve: Callable[..., Server],
) -> None:
    import time

    server = serve(
        "app:handler", "--source", "function-url", "--concurrency", "1", cwd=STREAMING_EXAMPLE
    )
    with httpx.stream("GET", f"{server.url}/tokens?delay=1", timeout=30) as reply:
        next(reply.iter_raw())  # one token of eleven, a second apart; then the client leaves
    started = time.monotonic()
    assert httpx.get(f"{server.url}/health", timeout=15).status_code == 200
    assert time.monotonic() - started < 3  # not a wait for the stream's ten seconds
    assert "env 1 (the client went away: the app was stopped)" in server.log_line("/tokens")
    assert " env 1" in server.log_line("/health")  # the same environment: no second cold start


def leave_a_stream(serve: Callable[..., Server], stop: str) -> Server:
    """tests/local/stopping_app.py served in one environment (30 s timeout), whose stream a
    client leaves after one tick; ``stop``: how the app takes being stopped."""
    server = serve(
        "stopping_app:handler",
        *("--source", "function-url", "--concurrency", "1", "--timeout", "30"),
        cwd=HERE,
        env={"STOP": stop},
    )
    with httpx.stream("GET", f"{server.url}/stream", timeout=30) as reply:
        next(reply.iter_raw())
    return server


def test_an_app_whose_stop_raises_leaves_each_later_request_its_own_answer(
    serve: Callable[..., Server],
) -> None:
    server = leave_a_stream(serve, "raise")
    answers = [httpx.get(f"{server.url}/after{i}", timeout=30) for i in range(3)]
    assert [(a.status_code, a.text) for a in answers] == [
        (200, "hello /after0"),
        (200, "hello /after1"),
        (200, "hello /after2"),
    ]


def test_an_app_that_ignores_its_stop_is_retired_for_a_fresh_environment(
    serve: Callable[..., Server],
) -> None:
    import time

    server = leave_a_stream(serve, "ignore")
    started = time.monotonic()
    answer = httpx.get(f"{server.url}/next", timeout=30)
    assert answer.text == "hello /next"
    assert time.monotonic() - started < 12  # the 5 s stop allowance and a cold start, not 20 s
    assert " env 2" in server.log_line("/next")


def test_a_stream_is_cut_at_the_function_timeout(serve: Callable[..., Server]) -> None:
    import time

    server = serve(
        "app:handler", "--source", "function-url", "--timeout", "3", cwd=STREAMING_EXAMPLE
    )
    started = time.monotonic()
    received = b""
    try:
        with httpx.stream("GET", f"{server.url}/tokens?delay=1", timeout=30) as reply:
            for chunk in reply.iter_raw():
                received += chunk
    except httpx.RemoteProtocolError:
        pass  # cut short, as Lambda cuts a stream at the function's timeout
    assert time.monotonic() - started < 6  # eleven tokens would take 11 s
    assert 0 < len(received.split()) < 11


def test_an_environment_that_dies_is_a_502_and_never_serves_again(
    serve: Callable[..., Server],
) -> None:
    server = serve(APP, "--concurrency", "1")
    for _ in range(3):  # its pipe may close before the process is reaped: never leased again
        assert httpx.get(f"{server.url}/crash", timeout=30).status_code == 502
        assert httpx.get(f"{server.url}/echo", timeout=30).status_code == 200
    assert "Traceback" not in server.log
