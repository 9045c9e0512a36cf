"""Non-HTTP events (SPEC section 12): routed to paths of the app, passed through, fanned out."""

from __future__ import annotations

import contextlib
import copy
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from asgi_lambda import ConfigurationError, InvocationFailedError, UnknownEventError, asgi_handler
from asgi_lambda._context import LambdaContext
from asgi_lambda._lifespan import shutdown_all
from asgi_lambda._sources.events import event_kind
from tests.conftest import load_event

SAMPLES = {
    "sqs": "pt-sqsEvent",
    "sns": "pt-snsEvent",
    "eventbridge": "pt-eventBridgeEvent",
    "s3": "pt-s3Event",
    "dynamodb": "pt-dynamoStreamEvent",
    "kinesis": "pt-kinesisStreamEvent",
}
ROUTES = {kind: f"/events/{kind}" for kind in (*SAMPLES, "schedule", "direct")}


@pytest.fixture(autouse=True)
def _shut_down_after_test() -> Any:
    yield
    shutdown_all()


def routed_app() -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        yield {"started": "yes"}

    app = FastAPI(lifespan=lifespan)

    @app.post("/events/{kind}")
    async def receive(kind: str, request: Request) -> JSONResponse:
        body = await request.json()
        if isinstance(body, dict) and body.get("body") == "fail":
            return JSONResponse({"failed": True}, status_code=500)
        return JSONResponse(
            {
                "route": kind,
                "header": request.headers["x-asgi-lambda-event-source"],
                "scope_kind": request.scope["aws.event_source"],
                "whole_event_keys": sorted(request.scope["aws.event"])[:3]
                if isinstance(request.scope["aws.event"], (dict, list))
                else None,
                "records": len(body.get("Records", [])) if isinstance(body, dict) else None,
                "state": request.state.started,
                "request_id": request.headers.get("lambda-runtime-aws-request-id"),
            }
        )

    return app


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_each_sample_event_reaches_its_route_as_a_json_post(kind: str) -> None:
    event = load_event(SAMPLES[kind])
    handler = asgi_handler(routed_app(), event_routes=ROUTES)
    result = handler(event, LambdaContext(aws_request_id="req-7"))
    assert result["route"] == result["header"] == result["scope_kind"] == kind
    assert result["records"] == len(event.get("Records", []))
    assert result["state"] == "yes"  # lifespan applies
    assert result["request_id"] == "req-7"


def test_a_scheduled_event_is_its_own_kind() -> None:
    schedule = load_event("pt-eventBridgeEvent")
    schedule.update({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}})
    assert event_kind(schedule) == "schedule"
    assert asgi_handler(routed_app(), event_routes=ROUTES)(schedule, None)["route"] == "schedule"


def test_any_other_event_is_direct_and_falls_back_to_the_pass_through_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_LWA_PASS_THROUGH_PATH", "/events/direct")  # as Lambda Web Adapter
    result = asgi_handler(routed_app())({"action": "reindex"}, None)
    assert (result["route"], result["header"]) == ("direct", "direct")


def test_without_a_route_or_pass_through_the_event_is_still_unknown() -> None:
    handler = asgi_handler(routed_app(), event_routes={"sqs": "/events/sqs"})
    with pytest.raises(UnknownEventError, match="A s3 event has no route: add it to event_routes"):
        handler(load_event("pt-s3Event"), None)
    with pytest.raises(UnknownEventError, match="cannot handle an event with keys: Records"):
        asgi_handler(routed_app())(load_event("pt-s3Event"), None)


def test_a_non_2xx_answer_fails_the_invocation_so_the_queue_retries() -> None:
    event = load_event("pt-sqsEvent")
    handler = asgi_handler(routed_app(), pass_through_path="/nowhere")
    with pytest.raises(InvocationFailedError) as failed:
        handler(event, None)
    assert failed.value.status == 404


def _sqs(bodies: list[str], fifo: bool = False) -> dict[str, Any]:
    event = load_event("pt-sqsEvent")
    template = event["Records"][0]
    records = []
    for n, body in enumerate(bodies):
        record = copy.deepcopy(template)
        record.update(messageId=f"m{n}", body=body)
        if fifo:
            record["eventSourceARN"] = "arn:aws:sqs:us-east-2:123456789012:orders.fifo"
            record["attributes"]["MessageGroupId"] = "g1"
        records.append(record)
    event["Records"] = records
    return event


def test_batch_fan_out_reports_exactly_the_records_that_failed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handler = asgi_handler(routed_app(), event_routes=ROUTES, batch_item_failures=True)
    with caplog.at_level(logging.INFO, "asgi_lambda.access"):
        result = handler(_sqs(["ok", "fail", "ok", "fail"]), None)
    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m3"}]}
    lines = [r for r in caplog.records if r.name == "asgi_lambda.access"]
    assert len(lines) == 4  # one request, and one access line, per record


def test_a_fifo_batch_stops_at_the_first_failure_and_reports_the_rest() -> None:
    calls: list[str] = []
    app = routed_app()

    @app.middleware("http")
    async def record(request: Request, call_next: Any) -> Any:
        calls.append((await request.json())["messageId"])
        return await call_next(request)

    handler = asgi_handler(app, event_routes=ROUTES, batch_item_failures=True)
    result = handler(_sqs(["ok", "fail", "ok", "ok"], fifo=True), None)
    assert result["batchItemFailures"] == [{"itemIdentifier": f"m{n}"} for n in (1, 2, 3)]
    assert calls == ["m0", "m1"]  # nothing after the failure ran


def test_a_batch_that_all_succeeds_reports_no_failures() -> None:
    handler = asgi_handler(routed_app(), event_routes=ROUTES, batch_item_failures=True)
    assert handler(_sqs(["ok", "ok"]), None) == {"batchItemFailures": []}


@pytest.mark.parametrize(
    ("kind", "identifiers"),
    [
        ("kinesis", lambda e: [r["kinesis"]["sequenceNumber"] for r in e["Records"]]),
        ("dynamodb", lambda e: [r["dynamodb"]["SequenceNumber"] for r in e["Records"]]),
    ],
)
def test_stream_records_are_reported_by_their_sequence_numbers(kind: str, identifiers: Any) -> None:
    async def failing(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    event = load_event(SAMPLES[kind])
    handler = asgi_handler(failing, lifespan="off", event_routes=ROUTES, batch_item_failures=True)
    result = handler(event, None)
    assert result == {"batchItemFailures": [{"itemIdentifier": i} for i in identifiers(event)]}


def test_a_plain_text_answer_is_the_result_as_text() -> None:
    async def text(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})

    assert asgi_handler(text, lifespan="off", pass_through_path="/x")({"a": 1}, None) == "done"


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"event_routes": {"sqs2": "/x"}}, "unknown event kind 'sqs2'"),
        ({"event_routes": {"sqs": "jobs"}}, "must be a path starting with '/'"),
        ({"event_routes": ["sqs"]}, "must map event kinds to paths"),
        ({"pass_through_path": "events"}, "pass_through_path must be a path"),
        ({"batch_item_failures": "yes"}, "batch_item_failures"),
    ],
)
def test_event_options_are_checked_at_construction(options: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        asgi_handler(routed_app(), **options)


def test_a_batch_record_without_its_identifier_is_a_clear_error() -> None:
    from asgi_lambda._sources.events import BadEventError

    event = _sqs(["ok"])
    del event["Records"][0]["messageId"]
    handler = asgi_handler(routed_app(), event_routes=ROUTES, batch_item_failures=True)
    with pytest.raises(BadEventError, match="batchItemFailures: messageId: Field required"):
        handler(event, None)
    assert issubclass(BadEventError, ValueError)


def _lambda_sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS poller builds from the messages it received."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            }
            for m in messages
        ]
    }


def test_failed_records_stay_on_a_real_queue_and_the_rest_are_gone(moto_endpoint: str) -> None:
    import importlib
    import uuid

    boto3: Any = importlib.import_module("boto3")
    sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=moto_endpoint)
    url = sqs.create_queue(
        QueueName=f"jobs-{uuid.uuid4().hex[:8]}", Attributes={"VisibilityTimeout": "0"}
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    try:
        for body in ("ok", "fail", "ok"):
            sqs.send_message(QueueUrl=url, MessageBody=body)
        received = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=1
        )["Messages"]
        assert len(received) == 3
        handler = asgi_handler(routed_app(), event_routes=ROUTES, batch_item_failures=True)
        result = handler(_lambda_sqs_event(received, arn), LambdaContext())
        failed = {item["itemIdentifier"] for item in result["batchItemFailures"]}
        for message in received:  # what Lambda's poller does with the answer
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        left = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        assert [m["Body"] for m in left.get("Messages", [])] == ["fail"]
        assert [m["MessageId"] for m in received if m["Body"] == "fail"] == sorted(failed)
    finally:
        sqs.delete_queue(QueueUrl=url)
        sqs.close()


def test_the_events_example_reports_its_poison_job_and_runs_its_schedule() -> None:
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "events_app" / "app.py"
    spec = importlib.util.spec_from_file_location("events_example", path)
    assert spec is not None and spec.loader is not None
    events_example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(events_example)  # examples/events_app/app.py, as Lambda loads it

    batch = _sqs(['{"name": "resize"}', '{"name": "poison"}'])
    assert events_example.handler(batch, None) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    schedule = load_event("pt-eventBridgeEvent")
    schedule.update({"detail-type": "Scheduled Event", "source": "aws.events"})
    assert events_example.handler(schedule, None) == {"ran_at": schedule["time"]}


def test_each_fanned_out_record_logs_with_its_own_id_as_the_correlation_id() -> None:
    import io
    import json as json_module
    import uuid

    from aws_lambda_powertools import Logger

    stream = io.StringIO()
    logger = Logger(service=f"events-{uuid.uuid4().hex}", stream=stream)
    handler = asgi_handler(
        routed_app(), event_routes=ROUTES, batch_item_failures=True, logger=logger
    )
    handler(_sqs(["ok", "ok"]), LambdaContext())
    lines = [json_module.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["correlation_id"] for line in lines] == ["m0", "m1"]
    assert {line["source"] for line in lines} == {"sqs"}


@pytest.mark.parametrize("payload", [["a", "b"], "ping", 42])
def test_a_direct_invocation_may_send_any_json_not_only_an_object(payload: Any) -> None:
    result = asgi_handler(routed_app(), pass_through_path="/events/direct")(payload, None)
    assert (result["route"], result["records"]) == ("direct", None)
