"""The native runtime under the emulators users run it with: AWS's RIE and cargo-lambda.

RIE proves the buffered contract (results byte for byte as a direct call gives them, errors,
init errors, the concurrent Managed Instances mode) and that streamed output is well formed
(RIE buffers it and returns the prelude, the NULs and the body raw).  cargo-lambda really
streams a Function URL response, so it proves that chunks reach the client as the app sends
them.  See ../shared/EMULATORS.md for how each starts and its quirks.
"""

from __future__ import annotations

import concurrent.futures
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import load_event
from tests.runtime import streaming_app

from .runtime_emulators import REPO, cargo_lambda, rie, rie_command, task_root

DELIMITER = b"\x00" * 8


def url_event(path: str, query: str = "") -> dict[str, Any]:
    event = load_event("pt-lambdaFunctionUrlEvent")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = query
    return event


def rest_event(path: str) -> dict[str, Any]:
    event = load_event("pt-apiGatewayProxyEvent")
    event["path"] = event["requestContext"]["path"] = path
    event["httpMethod"] = "GET"
    event["body"] = None
    return event


DIRECT_CASES = {
    "function-url-sample": lambda: load_event("pt-lambdaFunctionUrlEvent"),
    "function-url-cookies": lambda: url_event("/cookies"),
    "function-url-500": lambda: url_event("/boom"),
    "rest-sample": lambda: load_event("pt-apiGatewayProxyEvent"),
    "rest-cookies": lambda: rest_event("/cookies"),
    "http-api-v2-sample": lambda: load_event("pt-apiGatewayProxyV2Event"),
    "alb-sample": lambda: load_event("pt-albEvent"),
    "alb-multi-value": lambda: load_event("pt-albMultiValueHeadersEvent"),
    "vpc-lattice-v2": lambda: load_event("pt-vpcLatticeV2Event"),
}


@pytest.fixture(scope="module")
def buffered() -> Iterator[str]:
    with rie() as url:
        yield url


@pytest.mark.parametrize("case", sorted(DIRECT_CASES))
def test_rie_results_match_a_direct_call_byte_for_byte(buffered: str, case: str) -> None:
    event = DIRECT_CASES[case]()
    expected = json.dumps(streaming_app.handler(event, None)).encode()
    response = httpx.post(buffered, json=event, timeout=30)
    assert response.status_code == 200
    assert response.content == expected


def test_rie_gets_the_handlers_error_as_awslambdaric_shapes_it() -> None:
    with rie(_HANDLER="streaming_app.plain") as url:
        response = httpx.post(url, json={"fail": True}, timeout=30)
    payload = response.json()
    assert payload["errorType"] == "KeyError"
    assert payload["errorMessage"] == "'missing'"
    assert any("streaming_app.py" in line for line in payload["stackTrace"])


def test_rie_reports_an_init_error() -> None:
    with rie(_HANDLER="no_such_module.handler") as url:
        response = httpx.post(url, json={}, timeout=30)
    assert response.status_code == 502
    assert response.json()["errorType"] == "Runtime.ImportModuleError"


def test_rie_returns_a_streamed_response_raw() -> None:
    with rie(ASGI_LAMBDA_INVOKE_MODE="RESPONSE_STREAM") as url:
        response = httpx.post(url, json=url_event("/stream"), timeout=30)
    prelude, _, body = response.content.partition(DELIMITER)
    assert json.loads(prelude) == {
        "statusCode": 201,
        "headers": {"content-type": "text/plain; charset=utf-8", "x-streamed": "yes"},
        "cookies": ["a=1; Path=/; SameSite=lax", "b=2; Path=/; SameSite=lax"],
    }
    assert body == b"chunk 0\nchunk 1\nchunk 2\n"


def test_rie_concurrent_mode_serves_invocations_side_by_side_in_one_process(
    tmp_path: Path,
) -> None:
    event = url_event("/nap")  # each sleeps 1 s
    task = task_root(tmp_path / "task", "streaming_app")
    with rie_command([], task, AWS_LAMBDA_MAX_CONCURRENCY="3") as url:
        httpx.post(url, json=event, timeout=30)  # init
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(lambda _: httpx.post(url, json=event, timeout=30), range(3)))
        elapsed = time.monotonic() - started
    bodies = {response.json()["body"] for response in answers}
    assert len(bodies) == 1  # one process served all three
    assert elapsed < 1.9


@pytest.fixture(scope="module")
def streaming(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with cargo_lambda(
        tmp_path_factory.mktemp("cargo"), ASGI_LAMBDA_INVOKE_MODE="RESPONSE_STREAM"
    ) as base:
        yield f"{base}/lambda-url/_"


def timed_chunks(url: str) -> tuple[httpx.Response, list[tuple[float, bytes]]]:
    chunks: list[tuple[float, bytes]] = []
    with httpx.stream("GET", url, timeout=60) as response:
        for chunk in response.iter_raw():
            chunks.append((time.monotonic(), chunk))
    return response, chunks


def test_cargo_lambda_streams_chunks_as_the_app_sends_them(streaming: str) -> None:
    response, chunks = timed_chunks(f"{streaming}/stream")
    assert response.status_code == 201
    assert response.headers["x-streamed"] == "yes"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert b"".join(data for _, data in chunks) == b"chunk 0\nchunk 1\nchunk 2\n"
    assert len(chunks) == 3
    gaps = [later - earlier for (earlier, _), (later, _) in zip(chunks, chunks[1:], strict=False)]
    assert all(gap >= streaming_app.GAP * 0.7 for gap in gaps)


def test_cargo_lambda_gets_every_cookie_of_a_streamed_response(streaming: str) -> None:
    response, _ = timed_chunks(f"{streaming}/stream")
    cookies = ",".join(response.headers.get_list("set-cookie"))
    assert "a=1; Path=/; SameSite=lax" in cookies
    assert "b=2; Path=/; SameSite=lax" in cookies


def test_cargo_lambda_streams_server_sent_events(streaming: str) -> None:
    response, chunks = timed_chunks(f"{streaming}/sse")
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert [data for _, data in chunks] == [
        b"data: token 0\n\n",
        b"data: token 1\n\n",
        b"data: token 2\n\n",
    ]
    assert chunks[-1][0] - chunks[0][0] >= streaming_app.GAP * 1.4


def test_cargo_lambda_cuts_a_stream_short_when_the_app_fails(streaming: str) -> None:
    response, chunks = timed_chunks(f"{streaming}/stream-error")
    assert response.status_code == 200
    assert b"".join(data for _, data in chunks) == b"first part\n"


def test_cargo_lambda_serves_whole_responses_in_streaming_mode(streaming: str) -> None:
    response = httpx.get(f"{streaming}/hello?x=1", timeout=30)
    assert response.status_code == 200
    assert response.json()["query"] == "x=1"
    assert response.json()["pool"] == "shared"


def test_cargo_lambda_serves_buffered_invocations_one_after_another(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Buffered mode pipelines each answer with the next /next: cargo-lambda's Runtime API (hyper)
    must hand over every invocation in turn.  Through its Invoke API: its Function URLs expect a
    streamed prelude whatever the invoke mode (../shared/EMULATORS.md)."""
    invoke = "2015-03-31/functions/_/invocations"
    with cargo_lambda(tmp_path_factory.mktemp("cargo-buffered")) as base:
        answers = [
            httpx.post(f"{base}/{invoke}", json=url_event("/hello", f"n={n}"), timeout=30)
            for n in range(5)
        ]
    assert [a.status_code for a in answers] == [200] * 5
    assert [a.json()["statusCode"] for a in answers] == [200] * 5
    assert [json.loads(a.json()["body"])["query"] for a in answers] == [f"n={n}" for n in range(5)]


# The deployment recipes of examples/streaming_app, started the way Lambda starts them.

EXAMPLE = REPO / "examples" / "streaming_app"


def test_the_exec_wrapper_starts_our_runtime_in_place_of_lambdas() -> None:
    # Lambda runs AWS_LAMBDA_EXEC_WRAPPER with its own command as arguments.
    command = [str(EXAMPLE / "run-asgi-lambda"), sys.executable, "/var/runtime/bootstrap.py"]
    with rie_command(command, _HANDLER="app.handler", LAMBDA_TASK_ROOT=str(EXAMPLE)) as url:
        health = httpx.post(url, json=url_event("/health"), timeout=30)
        tokens = httpx.post(url, json=url_event("/tokens", "delay=0"), timeout=30)
    prelude, _, _ = health.content.partition(DELIMITER)
    assert json.loads(prelude)["statusCode"] == 200
    _, _, body = tokens.content.partition(DELIMITER)
    assert body.decode().split() == streaming_example_words()


def test_the_provided_al2023_bootstrap_runs_our_runtime() -> None:
    command = [str(EXAMPLE / "bootstrap")]
    env = {"_HANDLER": "app.handler", "LAMBDA_TASK_ROOT": str(EXAMPLE), "PYTHON": sys.executable}
    with rie_command(command, **env) as url:
        response = httpx.post(url, json=url_event("/events", "delay=0"), timeout=30)
    prelude, _, body = response.content.partition(DELIMITER)
    assert json.loads(prelude)["headers"]["content-type"] == "text/event-stream; charset=utf-8"
    assert body.count(b"event: token\n") == len(streaming_example_words())


def streaming_example_words() -> list[str]:
    return ["Streaming", "from", "Lambda,", "in", "process,", "one", "token", "at", "a", "time."]


def test_cargo_lambda_a_client_that_goes_away_stops_the_app(streaming: str) -> None:
    with httpx.stream("GET", f"{streaming}/ticker", timeout=30) as response:
        chunks = response.iter_raw()
        assert next(chunks).startswith(b"tick 0")
        next(chunks)  # two ticks read, then the client hangs up
    # A one-second invocation gives a ticker still running all the loop time it needs to
    # finish its 20 ticks (one second of them): one that was cancelled stays where it was.
    assert httpx.get(f"{streaming}/nap", timeout=30).status_code == 200
    ticks = httpx.get(f"{streaming}/ticks", timeout=30).json()["ticks"]
    assert 2 <= ticks < 20
