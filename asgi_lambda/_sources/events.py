"""Non-HTTP events (SQS, SNS, EventBridge, S3, DynamoDB Streams, Kinesis, direct invocations).

They reach the app as HTTP ``POST`` requests, as AWS Lambda Web Adapter sends them: the event as
a JSON body to a path of the app, with ``x-asgi-lambda-event-source`` naming its kind.  The path is
``event_routes[kind]`` (``{"sqs": "/jobs", "schedule": "/cron"}``), else the pass-through path
(``pass_through_path``, or ``AWS_LWA_PASS_THROUGH_PATH`` so code moves between the two), else the
event is the ``UnknownEventError`` it always was.  The app's JSON answer is the invocation's
result; a status outside 2xx fails the invocation, so the queue retries.

With ``batch_item_failures``, SQS, Kinesis and DynamoDB Streams batches are fanned out: each
record is its own request, and the records whose request failed come back as
``{"batchItemFailures": [...]}`` for ``ReportBatchItemFailures``.  An SQS FIFO batch stops at the
first failure and reports it and every record after it, as AWS requires to keep the order.

The request runs through the same chain as HTTP ones (lifespan, middlewares, access log, the
deadline); ``scope["aws.event_source"]`` says which kind it is, ``scope["aws.event"]`` holds the
whole event.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from .._errors import EventError, UnknownEventError
from .._http.request import Request
from .._http.response import Response
from .._types import LambdaContext, LambdaEvent

# Records[].eventSource (EventSource for SNS) -> the kind used in routes and the header.
RECORD_SOURCES = {
    "aws:sqs": "sqs",
    "aws:sns": "sns",
    "aws:s3": "s3",
    "aws:dynamodb": "dynamodb",
    "aws:kinesis": "kinesis",
}
BATCH_KINDS = ("sqs", "kinesis", "dynamodb")
SOURCE_HEADER = b"x-asgi-lambda-event-source"
# The record's own id (messageId, sequence number) on a fanned-out record's request, or the
# event's id (EventBridge, SNS): the correlation id the access log and a Powertools Logger get.
ID_HEADER = b"x-asgi-lambda-event-id"

if TYPE_CHECKING:
    from .._deadline import Deadline

# The adapter's chain for one request (its ``_serve``): the caller runs it under the deadline.
Serve = Callable[[Request], Awaitable[Response]]


class BadEventError(EventError):
    """A non-HTTP event of a known kind whose records lack what fan-out needs."""


class _Record(BaseModel):
    """Lenient: only the field that identifies a record for batchItemFailures is required."""

    model_config = ConfigDict(extra="allow", defer_build=True)


class _SqsRecord(_Record):
    messageId: str
    eventSourceARN: str | None = None
    attributes: dict[str, Any] = {}


class _KinesisData(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)
    sequenceNumber: str


class _KinesisRecord(_Record):
    kinesis: _KinesisData


class _DynamoDBData(BaseModel):
    model_config = ConfigDict(extra="allow", defer_build=True)
    SequenceNumber: str


class _DynamoDBRecord(_Record):
    dynamodb: _DynamoDBData


def event_kind(event: object) -> str:
    """``sqs``, ``sns``, ``s3``, ``dynamodb``, ``kinesis``, ``eventbridge``, ``schedule`` or
    ``direct`` (anything else: a direct invocation, Step Functions), by cheap key checks."""
    if not isinstance(event, dict):
        return "direct"
    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        first = records[0]
        kind = RECORD_SOURCES.get(first.get("eventSource") or first.get("EventSource") or "")
        if kind is not None:
            return kind
    if "detail-type" in event and "source" in event:
        scheduled = event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
        return "schedule" if scheduled else "eventbridge"
    return "direct"


class EventDispatcher:
    """Sends non-HTTP events to the app; built once per handler, only when configured."""

    def __init__(
        self, routes: Mapping[str, str], pass_through: str | None, batch: bool, serve: Serve
    ) -> None:
        self.routes = dict(routes)
        self.pass_through = pass_through
        self.batch = batch
        self.serve = serve

    async def __call__(
        self, event: LambdaEvent, context: LambdaContext, unknown: Exception, deadline: Deadline
    ) -> Any:
        """Serve one non-HTTP invocation; the caller runs this as one task under ``deadline``."""
        kind = event_kind(event)
        path = self.routes.get(kind) or self.pass_through
        if path is None:
            raise UnknownEventError(
                f"{unknown} A {kind} event has no route: add it to event_routes or set "
                "pass_through_path (AWS_LWA_PASS_THROUGH_PATH)"
            ) from None
        if self.batch and kind in BATCH_KINDS:
            return await self._fan_out(kind, path, event, context, deadline)
        request = self._request(kind, path, event, event, context, _event_id(event))
        request.deadline = deadline
        response = await self.serve(request)
        if not 200 <= response.status < 300:
            from .._handler import InvocationFailedError  # at call time: _handler imports us

            raise InvocationFailedError(response.status, {"statusCode": response.status})
        return result_of(response)

    async def _fan_out(
        self, kind: str, path: str, event: LambdaEvent, context: LambdaContext, deadline: Deadline
    ) -> dict[str, list[dict[str, str]]]:
        records = event.get("Records") or []
        identify = _IDENTIFIERS[kind]
        ids = [identify(record) for record in records]
        fifo = kind == "sqs" and any(_is_fifo(record) for record in records)
        failures: list[dict[str, str]] = []
        for index, (record, item) in enumerate(zip(records, ids, strict=True)):
            if deadline.expired:  # out of time: the rest go back to the queue, unserved
                failures.extend({"itemIdentifier": rest} for rest in ids[index:])
                break
            request = self._request(kind, path, record, event, context, item)
            request.deadline = deadline
            response = await self.serve(request)
            if not 200 <= response.status < 300:
                if fifo:  # keep the group's order: this one and every later one go back
                    failures.extend({"itemIdentifier": rest} for rest in ids[index:])
                    break
                failures.append({"itemIdentifier": item})
        return {"batchItemFailures": failures}

    def _request(
        self,
        kind: str,
        path: str,
        payload: Any,
        event: LambdaEvent,
        context: LambdaContext,
        event_id: str | None,
    ) -> Request:
        request_id = getattr(context, "aws_request_id", None)
        headers = [(b"content-type", b"application/json"), (SOURCE_HEADER, kind.encode())]
        if event_id:
            headers.append((ID_HEADER, event_id.encode("utf-8", "replace")))
        if isinstance(request_id, str):
            headers.append((b"lambda-runtime-aws-request-id", request_id.encode("latin-1")))
        return Request(
            method="POST",
            path=path,
            raw_path=path.encode("utf-8"),
            query_string=b"",
            headers=headers,
            body=json.dumps(payload, default=str).encode("utf-8"),
            source=kind,
            event=event,
            context=context,
            scheme="http",
            scope={"aws.event_source": kind},
        )


def _event_id(event: Any) -> str | None:
    """EventBridge's ``id``, SNS's ``MessageId``, a one-record batch's id; else None."""
    if not isinstance(event, dict):
        return None  # a direct invocation may send any JSON: a list, a string, a number
    if isinstance(event.get("id"), str):
        return str(event["id"])
    records = event.get("Records")
    if isinstance(records, list) and len(records) == 1 and isinstance(records[0], dict):
        record = records[0]
        sns = record.get("Sns")
        for value in (
            record.get("messageId"),
            sns.get("MessageId") if isinstance(sns, dict) else None,
            record.get("eventID"),
        ):
            if isinstance(value, str):
                return value
    return None


def result_of(response: Response) -> Any:
    """The invocation's result: the app's JSON body, its text, or None for an empty body."""
    if not response.body:
        return None
    try:
        return json.loads(response.body)
    except ValueError:
        return response.body.decode("utf-8", "replace")


def _identifier(model: type[_Record], read: Callable[[Any], str]) -> Callable[[Any], str]:
    def identify(record: Any) -> str:
        try:
            return read(model.model_validate(record))
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"]) or "record"
            raise BadEventError(
                f"a record cannot be reported in batchItemFailures: {where}: {first['msg']}"
            ) from None

    return identify


_IDENTIFIERS: dict[str, Callable[[Any], str]] = {
    "sqs": _identifier(_SqsRecord, lambda r: r.messageId),
    "kinesis": _identifier(_KinesisRecord, lambda r: r.kinesis.sequenceNumber),
    "dynamodb": _identifier(_DynamoDBRecord, lambda r: r.dynamodb.SequenceNumber),
}


def _is_fifo(record: Any) -> bool:
    if not isinstance(record, dict):
        return False
    arn = record.get("eventSourceARN")
    attributes = record.get("attributes")
    return (isinstance(arn, str) and arn.endswith(".fifo")) or (
        isinstance(attributes, dict) and "MessageGroupId" in attributes
    )
