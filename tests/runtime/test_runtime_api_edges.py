"""The Runtime API of 2026 and its faults (issue 22), against our own fake Runtime API.

Every post echoes the invocation id; a missing deadline runs with the default timeout, a bad one
is reported; a post is bounded and sent at most once; a refusal is one log line, a 500 ends the
runtime, as AWS's docs ask.
"""

from __future__ import annotations

import json
import time

import pytest

from asgi_lambda.runtime._connection import RuntimeAPIError

from .fake_api import FakeRuntimeAPI
from .test_runtime import handler_target, serve, url_event

INVOCATION_ID = "8476a536-e9f4-11e8-9739-2dfe598c3fcd"


@pytest.mark.parametrize(
    ("path", "stream", "kind"),
    [
        ("/hello", False, "response"),
        ("/boom", False, "response"),  # an app error is a 500 response, still echoed
        ("/stream", True, "response"),
    ],
)
def test_every_answer_echoes_the_invocation_id(
    api: FakeRuntimeAPI, path: str, stream: bool, kind: str
) -> None:
    request_id = api.queue(url_event(path), Lambda_Runtime_Invocation_Id=INVOCATION_ID)
    serve(api, handler_target(), 1, stream=stream)
    answer = api.wait(request_id)
    assert answer.kind == kind
    assert answer.headers["lambda-runtime-invocation-id"] == INVOCATION_ID


def test_an_error_post_echoes_the_invocation_id(api: FakeRuntimeAPI) -> None:
    request_id = api.queue(None, raw=b"{not json", Lambda_Runtime_Invocation_Id=INVOCATION_ID)
    serve(api, handler_target(), 1)
    answer = api.wait(request_id)
    assert answer.kind == "error"
    assert answer.headers["lambda-runtime-invocation-id"] == INVOCATION_ID


def test_without_an_invocation_id_none_is_sent(api: FakeRuntimeAPI) -> None:
    request_id = api.queue(url_event("/hello"))
    serve(api, handler_target(), 1)
    assert "lambda-runtime-invocation-id" not in api.wait(request_id).headers


def test_a_missing_deadline_runs_the_app_with_the_default_timeout(api: FakeRuntimeAPI) -> None:
    request_id = api.queue(url_event("/nap", "seconds=0.2"), Lambda_Runtime_Deadline_Ms=None)
    serve(api, handler_target(), 1)
    answer = api.wait(request_id)
    assert answer.kind == "response"
    assert answer.json()["statusCode"] == 200  # not a 504 at once


def test_a_deadline_that_is_not_a_number_is_reported_as_an_error(api: FakeRuntimeAPI) -> None:
    request_id = api.queue(url_event("/hello"), Lambda_Runtime_Deadline_Ms="soon")
    serve(api, handler_target(), 1)
    answer = api.wait(request_id)
    assert answer.kind == "error"
    assert answer.json()["errorType"] == "Runtime.InvalidDeadline"
    assert "'soon'" in answer.json()["errorMessage"]


def test_a_response_post_that_hangs_is_given_up_at_the_deadline_plus_a_margin(
    api: FakeRuntimeAPI, caplog: pytest.LogCaptureFixture
) -> None:
    first = api.queue(url_event("/hello"), timeout_ms=500)
    second = api.queue(url_event("/hello"))
    api.hang_next = 30.0
    started = time.monotonic()
    serve(api, handler_target(), 2)
    assert time.monotonic() - started < 5.0  # 0.5 s left + the 2 s margin, not 30
    assert api.wait(second).kind == "response"  # and the next invocation was served
    assert f"POST /invocation/{first}/response got no reply" in caplog.text
    assert "not sent again" in caplog.text


def test_a_post_whose_connection_drops_is_not_sent_twice(
    api: FakeRuntimeAPI, caplog: pytest.LogCaptureFixture
) -> None:
    first = api.queue(url_event("/hello"))
    second = api.queue(url_event("/hello"))
    api.drop_next = True
    serve(api, handler_target(), 2)
    assert [p for p in api.posts if first in p] == [
        f"/2018-06-01/runtime/invocation/{first}/response"
    ]
    assert api.wait(second).kind == "response"  # a new connection for the next /next
    assert "got no reply" in caplog.text


@pytest.mark.parametrize("status", [400, 413])
def test_a_refused_answer_is_one_log_line_and_the_runtime_goes_on(
    api: FakeRuntimeAPI, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    first = api.queue(url_event("/hello"))
    second = api.queue(url_event("/hello"))
    api.status_next = status
    serve(api, handler_target(), 2)
    assert api.wait(second).kind == "response"
    refusals = [r for r in caplog.records if f"answered {status} to the response" in r.message]
    assert len(refusals) == 1 and first in refusals[0].message


def test_a_refused_streamed_response_is_logged(
    api: FakeRuntimeAPI, caplog: pytest.LogCaptureFixture
) -> None:
    api.queue(url_event("/stream"))
    api.status_next = 413
    serve(api, handler_target(), 1, stream=True)
    assert "answered 413 to the streamed response" in caplog.text


def test_a_500_from_the_runtime_api_ends_the_runtime(api: FakeRuntimeAPI) -> None:
    api.queue(url_event("/hello"))
    api.status_next = 500
    with pytest.raises(RuntimeAPIError, match="answered 500 to the response .* the runtime exits"):
        serve(api, handler_target(), 1)


# Tenant isolation


def test_the_tenant_reaches_the_app_in_the_scope_and_a_header(api: FakeRuntimeAPI) -> None:
    event = url_event("/tenant")
    event["headers"]["x-amz-tenant-id"] = "spoofed-by-the-client"
    request_id = api.queue(event, Lambda_Runtime_Aws_Tenant_Id="tenant-7")
    serve(api, handler_target(), 1)
    body = json.loads(api.wait(request_id).json()["body"])
    assert body == {"scope": "tenant-7", "header": "tenant-7"}


def test_without_a_tenant_the_scope_has_none(api: FakeRuntimeAPI) -> None:
    request_id = api.queue(url_event("/tenant"))
    serve(api, handler_target(), 1)
    assert json.loads(api.wait(request_id).json()["body"]) == {"scope": None, "header": None}


def test_json_logs_carry_the_tenant_id(api: FakeRuntimeAPI) -> None:
    import subprocess
    import sys
    from pathlib import Path

    request_id = api.queue(url_event("/hello"), Lambda_Runtime_Aws_Tenant_Id="tenant-7")
    process = subprocess.Popen(
        [sys.executable, "-m", "asgi_lambda.runtime"],
        env={
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "_HANDLER": "streaming_app.handler",
            "LAMBDA_TASK_ROOT": str(Path(__file__).parent),
            "AWS_LAMBDA_LOG_FORMAT": "JSON",
            "PATH": "/usr/bin:/bin",
        },
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        api.wait(request_id, timeout=20)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("requestId") == request_id]
    assert access and all(line["tenantId"] == "tenant-7" for line in access)
    assert all("tenantId" not in line for line in lines if line.get("requestId") != request_id)


def test_a_post_after_the_api_dropped_the_keep_alive_connection_goes_on_a_new_one(
    api: FakeRuntimeAPI, caplog: pytest.LogCaptureFixture
) -> None:
    api.close_after_next = True  # as a Runtime API that drops an idle keep-alive connection
    request_id = api.queue(url_event("/nap", "seconds=0.2"))
    serve(api, handler_target(), 1)
    assert api.wait(request_id).kind == "response"  # not lost in the closed socket
    assert "got no reply" not in caplog.text


def test_a_500_to_a_streamed_response_ends_the_runtime_too(api: FakeRuntimeAPI) -> None:
    api.queue(url_event("/stream"))
    api.status_next = 500
    with pytest.raises(RuntimeAPIError, match="answered 500 to the streamed response"):
        serve(api, handler_target(), 1, stream=True)
