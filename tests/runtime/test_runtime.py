"""The native runtime against a Runtime API server of our own: every path of the protocol."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from asgi_lambda import asgi_handler
from asgi_lambda._loop import get_loop
from asgi_lambda._target import Target, classify
from asgi_lambda.runtime._address import parse_address
from asgi_lambda.runtime._connection import AsyncConnection, BlockingConnection
from asgi_lambda.runtime._runtime import Runtime
from tests.conftest import load_event

from . import streaming_app
from .fake_api import FakeRuntimeAPI

DELIMITER = b"\x00" * 8


def url_event(path: str, query: str = "") -> dict[str, Any]:
    event = load_event("pt-lambdaFunctionUrlEvent")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = query
    del event["headers"]["accept-encoding"]
    return event


def rest_event(path: str) -> dict[str, Any]:
    event = load_event("pt-apiGatewayProxyEvent")
    event["path"] = event["requestContext"]["path"] = path
    event["resource"] = "/{proxy+}"
    event["httpMethod"] = "GET"
    event["body"] = None
    event["headers"].pop("Accept-Encoding", None)
    event["multiValueHeaders"].pop("Accept-Encoding", None)
    return event


def handler_target() -> Target:
    return classify(streaming_app.handler, "streaming_app.handler")


def serve(api: FakeRuntimeAPI, target: Target, count: int, stream: bool = False) -> None:
    runtime = Runtime(parse_address(api.address), target, stream)
    connection = BlockingConnection(runtime.address)
    try:
        get_loop().run_until_complete(runtime.slot(connection, invocations=count))
    finally:
        connection.close()


def split_stream(body: bytes) -> tuple[dict[str, Any], bytes]:
    prelude, _, rest = body.partition(DELIMITER)
    return json.loads(prelude), rest


# Buffered mode: what calling the handler directly returns, posted as JSON.


def test_buffered_result_is_the_handlers_own_answer(api: FakeRuntimeAPI) -> None:
    event = url_event("/hello", "a=1")
    request_id = api.queue(event)
    serve(api, handler_target(), 1)
    answer = api.wait(request_id)
    assert answer.kind == "response"
    assert answer.headers["content-type"] == "application/json"
    result = answer.json()
    assert result["statusCode"] == 200
    assert json.loads(result["body"]) == {
        "hello": "world",
        "pool": "shared",
        "request_id": request_id,
        "trace": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
        "query": "a=1",
    }


def test_buffered_result_is_the_json_of_a_direct_calls_answer(api: FakeRuntimeAPI) -> None:
    event = url_event("/cookies")
    request_id = api.queue(event)
    serve(api, handler_target(), 1)
    direct = streaming_app.handler(event, None)
    assert api.wait(request_id).json() == direct  # compact JSON with pydantic_core loaded


def test_one_connection_serves_every_invocation(api: FakeRuntimeAPI) -> None:
    ids = [api.queue(url_event("/hello")) for _ in range(5)]
    serve(api, handler_target(), 5)
    assert [api.wait(i).json()["statusCode"] for i in ids] == [200] * 5
    assert api.connections == 1


def test_the_context_carries_what_awslambdaric_gives(api: FakeRuntimeAPI) -> None:
    seen: list[Any] = []

    def handler(event: Any, context: Any) -> str:
        seen.append(context)
        return "ok"

    identity = json.dumps({"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"})
    client = json.dumps({"client": {"app_title": "shop"}, "custom": {"k": "v"}, "env": {"e": 1}})
    request_id = api.queue(
        {},
        timeout_ms=7_000,
        Lambda_Runtime_Cognito_Identity=identity,
        Lambda_Runtime_Client_Context=client,
        Lambda_Runtime_Aws_Tenant_Id="tenant-7",
    )
    serve(api, Target(handler, None, handler, "h"), 1)
    assert api.wait(request_id).json() == "ok"
    context = seen[0]
    assert context.aws_request_id == request_id
    assert context.invoked_function_arn == "arn:aws:lambda:us-east-1:123456789012:function:f"
    assert context.tenant_id == "tenant-7"
    assert context.identity.cognito_identity_id == "id-1"
    assert context.identity.cognito_identity_pool_id == "pool-1"
    assert context.client_context.client.app_title == "shop"
    assert context.client_context.custom == {"k": "v"}
    assert context.client_context.env == {"e": 1}
    assert 5_000 < context.get_remaining_time_in_millis() <= 7_000


def test_a_plain_handler_is_called_as_awslambdaric_calls_it(api: FakeRuntimeAPI) -> None:
    request_id = api.queue({"n": 1})
    serve(api, classify(streaming_app.plain, "streaming_app.plain"), 1)
    assert api.wait(request_id).json() == {"echo": {"n": 1}, "function": None}


def test_a_handler_exception_is_posted_as_awslambdaric_shapes_it(api: FakeRuntimeAPI) -> None:
    request_id = api.queue({"fail": True})
    serve(api, classify(streaming_app.plain, "streaming_app.plain"), 1)
    answer = api.wait(request_id)
    assert answer.kind == "error"
    assert answer.headers["lambda-runtime-function-error-type"] == "KeyError"
    payload = answer.json()
    assert payload["errorType"] == "KeyError"
    assert payload["errorMessage"] == "'missing'"
    assert payload["requestId"] == request_id
    assert payload["stackTrace"][0].startswith('  File "')
    assert "streaming_app.py" in payload["stackTrace"][0]
    assert not any("asgi_lambda/runtime" in line for line in payload["stackTrace"])


def test_an_unserializable_result_is_a_marshal_error(api: FakeRuntimeAPI) -> None:
    request_id = api.queue({})
    serve(api, classify(lambda event, context: {1, 2}, "h"), 1)
    payload = api.wait(request_id).json()
    assert payload["errorType"] == "Runtime.MarshalError"
    assert payload["errorMessage"].startswith("Unable to marshal response:")


def test_an_event_that_is_not_json_is_an_unmarshal_error(api: FakeRuntimeAPI) -> None:
    request_id = api.queue(None, raw=b"{not json")
    serve(api, handler_target(), 1)
    assert api.wait(request_id).json()["errorType"] == "Runtime.UnmarshalError"


def test_an_app_exception_is_a_500_not_a_failed_invocation(api: FakeRuntimeAPI) -> None:
    request_id = api.queue(url_event("/boom"))
    serve(api, handler_target(), 1)
    answer = api.wait(request_id)
    assert answer.kind == "response"
    assert answer.json()["statusCode"] == 500


def test_fail_on_status_posts_an_error_after_rendering(api: FakeRuntimeAPI) -> None:
    handler = asgi_handler(streaming_app.app, fail_on_status=[500])
    request_id = api.queue(url_event("/boom"))
    serve(api, classify(handler, "h"), 1)
    answer = api.wait(request_id)
    assert answer.kind == "error"
    assert answer.json()["errorType"] == "InvocationFailedError"


# Work after the response.


def test_background_tasks_run_after_the_response_is_posted(api: FakeRuntimeAPI) -> None:
    streaming_app.events["background"].clear()
    request_id = api.queue(url_event("/background"))
    serve(api, handler_target(), 1)
    answer = api.wait(request_id)
    assert answer.json()["body"] == "answered first"
    [ran_at] = streaming_app.events["background"]
    assert ran_at - answer.received_at >= streaming_app.GAP * 0.8


def test_the_next_invocation_waits_for_the_background_work(api: FakeRuntimeAPI) -> None:
    streaming_app.events["background"].clear()
    first = api.queue(url_event("/background"))
    second = api.queue(url_event("/hello"))
    serve(api, handler_target(), 2)
    assert api.wait(first).json()["body"] == "answered first"
    assert api.wait(second).json()["statusCode"] == 200
    assert len(streaming_app.events["background"]) == 1


class CountingConnection(BlockingConnection):
    """Counts the writes the runtime makes to the Runtime API."""

    writes = 0

    async def _send(self, data: bytes) -> None:
        self.writes += 1
        await super()._send(data)


def serve_counting(api: FakeRuntimeAPI, count: int) -> CountingConnection:
    runtime = Runtime(parse_address(api.address), handler_target(), False)
    connection = CountingConnection(runtime.address)
    try:
        get_loop().run_until_complete(runtime.slot(connection, invocations=count))
    finally:
        connection.close()
    return connection


def test_an_answer_and_the_next_request_go_in_one_write(api: FakeRuntimeAPI) -> None:
    ids = [api.queue(url_event("/hello")) for _ in range(3)]
    connection = serve_counting(api, 3)
    assert [api.wait(i).json()["statusCode"] for i in ids] == [200] * 3
    assert connection.writes == 4  # the first GET /next, then each POST with the next GET
    assert api.connections == 1


def test_with_work_after_the_response_the_next_request_waits_for_it(api: FakeRuntimeAPI) -> None:
    streaming_app.events["background"].clear()
    first = api.queue(url_event("/background"))
    second = api.queue(url_event("/hello"))
    connection = serve_counting(api, 2)
    assert api.wait(second).json()["statusCode"] == 200
    [ran_at] = streaming_app.events["background"]
    assert api.next_asked[1] >= ran_at  # Lambda may freeze the environment once /next is asked
    assert connection.writes == 4  # GET; POST, GET (after the work); POST with the next GET
    assert api.wait(first).json()["body"] == "answered first"


# Streaming mode.


def test_a_streamed_response_is_prelude_nuls_then_chunks_as_sent(api: FakeRuntimeAPI) -> None:
    request_id = api.queue(url_event("/stream"))
    serve(api, handler_target(), 1, stream=True)
    answer = api.wait(request_id)
    assert answer.headers["lambda-runtime-function-response-mode"] == "streaming"
    assert answer.headers["content-type"] == "application/vnd.awslambda.http-integration-response"
    assert answer.headers["trailer"] == (
        "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body"
    )
    prelude, body = split_stream(answer.body)
    assert prelude["statusCode"] == 201
    assert prelude["headers"]["x-streamed"] == "yes"
    assert prelude["cookies"] == ["a=1; Path=/; SameSite=lax", "b=2; Path=/; SameSite=lax"]
    assert body == b"chunk 0\nchunk 1\nchunk 2\n"
    assert answer.chunks[1][1] == DELIMITER  # the prelude, then the NULs, each a chunk
    assert [data for _, data in answer.chunks[2:]] == [b"chunk 0\n", b"chunk 1\n", b"chunk 2\n"]
    times = [at for at, _ in answer.chunks[2:]]
    assert times[1] - times[0] >= streaming_app.GAP * 0.8
    assert answer.trailers == {}


def test_every_streamed_prelude_has_cookies(api: FakeRuntimeAPI) -> None:
    request_id = api.queue(url_event("/sse"))
    serve(api, handler_target(), 1, stream=True)
    prelude, body = split_stream(api.wait(request_id).body)
    assert prelude["cookies"] == []
    assert prelude["headers"]["content-type"] == "text/event-stream; charset=utf-8"
    assert body == b"data: token 0\n\ndata: token 1\n\ndata: token 2\n\n"


def test_a_whole_response_is_streamed_in_one_chunk_unencoded(api: FakeRuntimeAPI) -> None:
    request_id = api.queue(url_event("/cookies"))
    serve(api, handler_target(), 1, stream=True)
    answer = api.wait(request_id)
    prelude, body = split_stream(answer.body)
    assert prelude["statusCode"] == 200
    assert len(prelude["cookies"]) == 3
    assert body == b"three cookies"


def test_a_mid_stream_error_goes_in_the_trailers(api: FakeRuntimeAPI) -> None:
    request_id = api.queue(url_event("/stream-error"))
    serve(api, handler_target(), 1, stream=True)
    answer = api.wait(request_id)
    prelude, body = split_stream(answer.body)
    assert prelude["statusCode"] == 200
    assert body == b"first part\n"
    assert answer.trailers["lambda-runtime-function-error-type"] == "RuntimeError"
    error = json.loads(base64.b64decode(answer.trailers["lambda-runtime-function-error-body"]))
    assert error["errorMessage"] == "the model went away mid-stream"


def test_a_rest_stream_prelude_has_multi_value_headers(api: FakeRuntimeAPI) -> None:
    request_id = api.queue(rest_event("/stream"))
    serve(api, handler_target(), 1, stream=True)
    prelude, body = split_stream(api.wait(request_id).body)
    assert prelude["statusCode"] == 201
    assert prelude["multiValueHeaders"]["set-cookie"] == [
        "a=1; Path=/; SameSite=lax",
        "b=2; Path=/; SameSite=lax",
    ]
    assert body == b"chunk 0\nchunk 1\nchunk 2\n"


def test_an_http_api_event_gets_json_even_in_streaming_mode(api: FakeRuntimeAPI) -> None:
    event = load_event("pt-apiGatewayProxyV2Event_GET")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/hello"
    request_id = api.queue(event)
    serve(api, handler_target(), 1, stream=True)
    answer = api.wait(request_id)
    assert "lambda-runtime-function-response-mode" not in answer.headers
    assert answer.json()["statusCode"] == 200


def test_the_deadline_answers_504_while_the_app_runs(api: FakeRuntimeAPI) -> None:
    request_id = api.queue(url_event("/slow"), timeout_ms=1_200)
    started = time.monotonic()
    serve(api, handler_target(), 1)
    assert api.wait(request_id).json()["statusCode"] == 504
    assert time.monotonic() - started < 1.2


# Concurrency: slots side by side on one loop.


def test_concurrent_slots_serve_invocations_at_the_same_time(api: FakeRuntimeAPI) -> None:
    in_flight: list[int] = []
    gate = asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        in_flight.append(1)
        if len(in_flight) == 3:
            gate.set()
        await asyncio.wait_for(gate.wait(), 5)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain")],
            }
        )
        await send({"type": "http.response.body", "body": str(len(in_flight)).encode()})

    runtime = Runtime(parse_address(api.address), classify(app, "app"), False, concurrency=3)
    ids = [api.queue(url_event("/")) for _ in range(3)]

    connections = [AsyncConnection(runtime.address) for _ in range(3)]

    async def three() -> None:
        await asyncio.gather(*(runtime.slot(c, invocations=1) for c in connections))

    get_loop().run_until_complete(three())
    for connection in connections:
        connection.close()
    assert [api.wait(i).json()["body"] for i in ids] == ["3", "3", "3"]


# Init: the process, as Lambda starts it.


def run_main(api: FakeRuntimeAPI, handler: str, **env: str) -> Any:
    import subprocess

    environment = {
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "_HANDLER": handler,
        "LAMBDA_TASK_ROOT": str(Path(__file__).parent),
        "PATH": "/usr/bin:/bin",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "asgi_lambda.runtime"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    ("handler", "error_type", "message"),
    [
        ("missing_module.handler", "Runtime.ImportModuleError", "Unable to import module"),
        ("streaming_app.nothing", "Runtime.HandlerNotFound", "Handler 'nothing' missing"),
        ("streaming_app", "Runtime.MalformedHandlerName", "Bad handler 'streaming_app'"),
    ],
)
def test_an_init_failure_is_posted_to_init_error(
    api: FakeRuntimeAPI, handler: str, error_type: str, message: str
) -> None:
    result = run_main(api, handler)
    assert result.returncode == 1
    headers, payload = api.init_errors[0]
    assert headers["lambda-runtime-function-error-type"] == error_type
    assert payload["errorType"] == error_type
    assert payload["errorMessage"].startswith(message)
    assert f"[ERROR] {error_type}" in result.stdout


def test_a_bad_invoke_mode_is_an_init_error(api: FakeRuntimeAPI) -> None:
    result = run_main(api, "streaming_app.handler", ASGI_LAMBDA_INVOKE_MODE="FAST")
    assert result.returncode == 1
    assert api.init_errors[0][1]["errorType"] == "Runtime.InvalidInvokeMode"


def test_no_runtime_api_is_a_clear_usage_error() -> None:
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "asgi_lambda.runtime"],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "AWS_LAMBDA_RUNTIME_API is not set" in result.stderr


@pytest.mark.parametrize(
    ("value", "host", "port", "prefix"),
    [
        ("127.0.0.1:9001", "127.0.0.1", 9001, ""),
        ("http://127.0.0.1:9000/.rt", "127.0.0.1", 9000, "/.rt"),
        ("[::1]:9001", "::1", 9001, ""),
    ],
)
def test_the_runtime_api_address_has_two_spellings(
    value: str, host: str, port: int, prefix: str
) -> None:
    address = parse_address(value)
    assert (address.host, address.port, address.prefix) == (host, port, prefix)
    assert address.path("/invocation/next") == f"{prefix}/2018-06-01/runtime/invocation/next"


# Streams through the middleware chain.


def test_the_access_log_records_a_stream_when_it_ends(
    api: FakeRuntimeAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="asgi_lambda.access")
    request_id = api.queue(url_event("/stream"))
    serve(api, handler_target(), 1, stream=True)
    api.wait(request_id)
    [line] = [r.getMessage() for r in caplog.records if r.name == "asgi_lambda.access"]
    assert line.startswith('"GET /stream" 201 streamed 24 bytes ')
    duration = float(line.split()[6].removesuffix("ms"))
    assert duration >= streaming_app.GAP * 2 * 1000


def test_the_access_log_says_a_stream_was_cut_short(
    api: FakeRuntimeAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="asgi_lambda.access")
    request_id = api.queue(url_event("/stream-error"))
    serve(api, handler_target(), 1, stream=True)
    api.wait(request_id)
    [line] = [r.getMessage() for r in caplog.records if r.name == "asgi_lambda.access"]
    assert "200 streamed 11 bytes, cut short by RuntimeError" in line


def test_compression_steps_aside_for_a_stream(api: FakeRuntimeAPI) -> None:
    event = url_event("/stream")
    event["headers"]["accept-encoding"] = "gzip"
    handler = asgi_handler(streaming_app.app, compression=True, compression_min_size=1)
    request_id = api.queue(event)
    serve(api, classify(handler, "h"), 1, stream=True)
    prelude, body = split_stream(api.wait(request_id).body)
    assert "content-encoding" not in prelude["headers"]
    assert body == b"chunk 0\nchunk 1\nchunk 2\n"


def test_a_whole_response_is_still_compressed_in_streaming_mode(api: FakeRuntimeAPI) -> None:
    import gzip

    event = url_event("/big")
    event["headers"]["accept-encoding"] = "gzip"
    handler = asgi_handler(streaming_app.app, compression=True)
    request_id = api.queue(event)
    serve(api, classify(handler, "h"), 1, stream=True)
    prelude, body = split_stream(api.wait(request_id).body)
    assert prelude["headers"]["content-encoding"] == "gzip"
    assert gzip.decompress(body) == b"lorem ipsum " * 200


def test_a_user_middleware_can_wrap_a_stream_chunk_by_chunk(api: FakeRuntimeAPI) -> None:
    async def shout(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        if response.stream is not None:
            original = response.stream

            async def upper() -> Any:
                async for chunk in original:
                    yield chunk.upper()

            response.stream = upper()
        return response

    handler = asgi_handler(streaming_app.app, middlewares=[shout])
    request_id = api.queue(url_event("/stream"))
    serve(api, classify(handler, "h"), 1, stream=True)
    answer = api.wait(request_id)
    assert [data for _, data in answer.chunks[2:]] == [b"CHUNK 0\n", b"CHUNK 1\n", b"CHUNK 2\n"]


def test_a_user_middleware_that_reads_the_body_gets_it_whole(api: FakeRuntimeAPI) -> None:
    seen: list[bytes] = []

    async def whole(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        seen.append(await response.read())
        return response

    handler = asgi_handler(streaming_app.app, middlewares=[whole])
    request_id = api.queue(url_event("/stream"))
    serve(api, classify(handler, "h"), 1, stream=True)
    answer = api.wait(request_id)
    assert seen == [b"chunk 0\nchunk 1\nchunk 2\n"]
    assert [data for _, data in answer.chunks[2:]] == [b"chunk 0\nchunk 1\nchunk 2\n"]


def test_invoke_mode_option_is_checked() -> None:
    from asgi_lambda import ConfigurationError

    with pytest.raises(ConfigurationError, match="'invoke_mode' must be 'BUFFERED' or"):
        asgi_handler(streaming_app.app, invoke_mode="streaming")
    handler = asgi_handler(streaming_app.app, invoke_mode="response_stream")
    assert handler.adapter.options.invoke_mode == "RESPONSE_STREAM"  # type: ignore[attr-defined]


def test_an_app_that_swallows_cancellation_is_abandoned_and_the_next_invocation_served(
    api: FakeRuntimeAPI,
) -> None:
    from tests.asgi_apps import tick_swallowing_cancellation

    ticks: list[float] = []

    async def stubborn(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if scope["path"] == "/ok":
            headers = [(b"content-type", b"text/plain")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": b"fine"})
            return
        await tick_swallowing_cancellation(ticks)

    first = api.queue(url_event("/stuck"), timeout_ms=1_000)
    second = api.queue(url_event("/ok"))
    started = time.monotonic()
    serve(api, classify(stubborn, "stubborn"), 2)
    assert api.wait(first).json()["statusCode"] == 504
    assert api.wait(second).json()["body"] == "fine"
    assert time.monotonic() - started < 1.5
    count = len(ticks)
    get_loop().run_until_complete(asyncio.sleep(0.1))
    assert len(ticks) == count  # it no longer runs


def test_logs_go_to_lambdas_telemetry_fd_as_frames_when_given_one(api: FakeRuntimeAPI) -> None:
    import os
    import subprocess

    read_end, write_end = os.pipe()
    request_id = api.queue({"fail": True})
    process = subprocess.Popen(
        [sys.executable, "-m", "asgi_lambda.runtime"],
        env={
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "_HANDLER": "streaming_app.plain",
            "LAMBDA_TASK_ROOT": str(Path(__file__).parent),
            "_LAMBDA_TELEMETRY_LOG_FD": str(write_end),
            "PATH": "/usr/bin:/bin",
        },
        pass_fds=(write_end,),
        stdout=subprocess.PIPE,
    )
    os.close(write_end)
    try:
        assert api.wait(request_id, timeout=20).kind == "error"
        header = os.read(read_end, 16)
        frame_type, length = int.from_bytes(header[:4], "big"), int.from_bytes(header[4:8], "big")
        message = b""
        while len(message) < length:
            message += os.read(read_end, length - len(message))
    finally:
        process.terminate()
        stdout, _ = process.communicate(timeout=10)
        os.close(read_end)
    assert frame_type == 0xA55A0017  # a text frame at ERROR level
    text = message.decode()
    assert text.startswith("[ERROR] KeyError: 'missing'\nTraceback (most recent call last):\n")
    assert "streaming_app.py" in text
    assert b"KeyError" not in stdout  # nothing of it on stdout


def run_snapstart(api: FakeRuntimeAPI, tmp_path: Path, **env: str) -> Any:
    import subprocess

    environment = {
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "_HANDLER": "snap_app.handler",
        "LAMBDA_TASK_ROOT": str(Path(__file__).parent / "snapstart"),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start",
        "SNAP_LOG": str(tmp_path / "snap.log"),
        "PATH": "/usr/bin:/bin",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "asgi_lambda.runtime"], env=environment, stdout=subprocess.PIPE
    )


def test_snapstart_starts_the_app_before_the_snapshot_and_runs_the_hooks_in_order(
    api: FakeRuntimeAPI, tmp_path: Path
) -> None:
    request_id = api.queue(url_event("/"))
    process = run_snapstart(api, tmp_path)
    try:
        assert api.wait(request_id, timeout=20).json()["body"] == "restored"
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert api.restored == 1
    assert (tmp_path / "snap.log").read_text().splitlines() == [
        "startup",
        "before: second registered",
        "before: first registered",
        "after restore",
        "request",
    ]


def test_a_failing_after_restore_hook_is_reported_to_restore_error(
    api: FakeRuntimeAPI, tmp_path: Path
) -> None:
    process = run_snapstart(api, tmp_path, SNAP_FAIL="1")
    process.communicate(timeout=20)
    assert process.returncode == 1
    headers, payload = api.init_errors[0]
    assert headers["path"] == "/2018-06-01/runtime/restore/error"
    assert payload["errorType"] == "Runtime.AfterRestoreError"
    assert payload["errorMessage"] == "the database moved"


def test_a_client_that_goes_away_mid_stream_stops_the_app(
    api: FakeRuntimeAPI, caplog: pytest.LogCaptureFixture
) -> None:
    streaming_app.events["ticks"].clear()
    api.cut_after = 4  # the prelude, the NULs and two ticks, then Lambda closes the stream
    first = api.queue(url_event("/ticker"))
    second = api.queue(url_event("/hello"))
    serve(api, handler_target(), 2, stream=True)
    assert api.wait(first).kind == "cut"
    ticks_then = len(streaming_app.events["ticks"])
    assert ticks_then < 10  # it stopped, rather than running its 20 ticks into the next one
    api.cut_after = None
    prelude, body = split_stream(api.wait(second).body)
    assert prelude["statusCode"] == 200
    assert json.loads(body)["hello"] == "world"
    assert len(streaming_app.events["ticks"]) == ticks_then
    assert "the client went away; cancelling the app" in caplog.text
    # a client that goes away is no error of the app's: nothing at ERROR, and no GeneratorExit
    assert [r.message for r in caplog.records if r.levelname == "ERROR"] == []
    assert "GeneratorExit" not in caplog.text


def test_a_wsgi_app_as_handler_is_an_invalid_handler_that_says_so() -> None:
    from asgi_lambda._target import TargetError

    class WSGIApp:
        def __call__(self, environ: Any, start_response: Any) -> Any:
            return []

    with pytest.raises(TargetError) as error:
        classify(WSGIApp(), "flaskish.app")
    assert error.value.kind == "Runtime.InvalidHandler"
    assert "WSGI" in error.value.message
