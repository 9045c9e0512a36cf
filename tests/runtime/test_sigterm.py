"""SIGTERM loses nothing (issue 22): the runtime as Lambda starts it, against our Runtime API.

Lambda sends SIGTERM before it ends an environment (when extensions are registered) and SIGKILLs
it 300-600 ms later; on Managed Instances invocations may still be in flight.  The runtime takes
no new invocation, lets those in flight post their answers within a grace, reports any it had to
cut as an error, runs lifespan shutdown, and exits 0.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .fake_api import FakeRuntimeAPI
from .test_runtime import url_event

HERE = Path(__file__).parent


def start(api: FakeRuntimeAPI, tmp_path: Path, **env: str) -> subprocess.Popen[str]:
    environment = {
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "_HANDLER": "streaming_app.handler",
        "LAMBDA_TASK_ROOT": str(HERE),
        "SHUTDOWN_LOG": str(tmp_path / "shutdown.log"),
        "PATH": "/usr/bin:/bin",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "asgi_lambda.runtime"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen[str], within: float = 5.0) -> tuple[int, str, float]:
    """SIGTERM; (exit status, output, seconds it took to exit); killed if it would not."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=within)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate(timeout=5)
        raise AssertionError(f"the runtime outlived SIGTERM by {within} s:\n{output}") from None
    return process.returncode, output, time.monotonic() - started


def nap(seconds: float) -> dict[str, Any]:
    return url_event("/nap", f"seconds={seconds}")


def test_an_idle_runtime_exits_at_once_after_lifespan_shutdown(tmp_path: Path) -> None:
    for _ in range(10):  # a SIGTERM that lands just as the wait for /next begins: a past hang
        api = FakeRuntimeAPI()
        try:
            request_id = api.queue(url_event("/hello"))
            process = start(api, tmp_path)
            assert api.wait(request_id, timeout=20).kind == "response"
            status, output, took = stop(process)
        finally:
            api.close()
        assert status == 0, output
        assert took < 2.0
    lines = (tmp_path / "shutdown.log").read_text().splitlines()
    assert lines == ["lifespan shutdown"] * 10


def test_an_invocation_in_flight_is_answered_before_the_runtime_exits(tmp_path: Path) -> None:
    api = FakeRuntimeAPI()
    try:
        request_id = api.queue(nap(1.5))
        process = start(api, tmp_path, ASGI_LAMBDA_SHUTDOWN_GRACE="3")
        time.sleep(1.0)  # started, and the app is napping by now
        signalled = time.monotonic()
        status, output, _ = stop(process)
        answer = api.answers.get(request_id)
    finally:
        api.close()
    assert status == 0, output
    assert answer is not None and answer.kind == "response"
    assert answer.received_at > signalled  # it was in flight, and was let finish
    assert (tmp_path / "shutdown.log").read_text() == "lifespan shutdown\n"


def test_concurrent_invocations_in_flight_are_all_answered(tmp_path: Path) -> None:
    api = FakeRuntimeAPI()
    try:
        ids = [api.queue(nap(1.2)) for _ in range(4)]
        process = start(
            api, tmp_path, AWS_LAMBDA_MAX_CONCURRENCY="4", ASGI_LAMBDA_SHUTDOWN_GRACE="3"
        )
        time.sleep(1.0)  # all four are napping: the loop took them side by side
        signalled = time.monotonic()
        status, output, took = stop(process)
        answers = [api.answers.get(i) for i in ids]
    finally:
        api.close()
    assert status == 0, output
    assert [a.kind if a else None for a in answers] == ["response"] * 4
    assert all(a.received_at > signalled for a in answers if a)
    assert took < 2.5


def test_an_invocation_past_the_grace_is_cut_and_reported_as_an_error(tmp_path: Path) -> None:
    api = FakeRuntimeAPI()
    try:
        request_id = api.queue(nap(30))
        process = start(api, tmp_path, ASGI_LAMBDA_SHUTDOWN_GRACE="0.3")
        time.sleep(1.0)
        status, output, took = stop(process)
        answer = api.answers.get(request_id)
    finally:
        api.close()
    assert status == 0, output
    assert took < 2.0
    assert answer is not None and answer.kind == "error"
    assert answer.json()["errorType"] == "Runtime.ExitError"
    assert answer.headers["lambda-runtime-function-error-type"] == "Runtime.ExitError"
    assert f"were cut: {request_id}" in output
    assert (tmp_path / "shutdown.log").read_text() == "lifespan shutdown\n"


def test_work_after_the_response_is_cut_at_the_grace_too(tmp_path: Path) -> None:
    api = FakeRuntimeAPI()
    try:
        request_id = api.queue(url_event("/background"))
        process = start(api, tmp_path, STREAM_GAP="20", ASGI_LAMBDA_SHUTDOWN_GRACE="0.3")
        assert api.wait(request_id, timeout=20).kind == "response"  # answered; 20 s of work left
        status, output, took = stop(process)
        posts = [p for p in api.posts if request_id in p]
    finally:
        api.close()
    assert status == 0, output
    assert took < 2.0
    assert posts == [f"/2018-06-01/runtime/invocation/{request_id}/response"]  # nothing after
    assert (tmp_path / "shutdown.log").read_text() == "lifespan shutdown\n"


def test_an_answer_being_posted_at_the_cut_is_not_followed_by_an_error(tmp_path: Path) -> None:
    api = FakeRuntimeAPI()
    try:
        request_id = api.queue(url_event("/hello"))
        api.hang_next = 3.0  # the Runtime API holds its reply to the answer past the grace
        process = start(
            api, tmp_path, AWS_LAMBDA_MAX_CONCURRENCY="2", ASGI_LAMBDA_SHUTDOWN_GRACE="0.3"
        )
        api.wait(request_id, timeout=20)
        status, output, _ = stop(process)
        posts = [p.rsplit("/", 1)[1] for p in api.posts if request_id in p]
    finally:
        api.close()
    assert status == 0, output
    assert posts == ["response"]  # an answer goes at most once
