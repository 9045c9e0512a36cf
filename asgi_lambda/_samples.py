"""Sample events of each source, built from a method, path, query, headers and body.

For the CLI and for users' own tests: an event that asgi-lambda (and AWS) would accept, with only
the fields that matter filled in.  Shapes follow AWS's documented examples.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from urllib.parse import parse_qsl, unquote

from ._types import LambdaEvent

Header = tuple[str, str]
HOST = "abc123.execute-api.us-east-1.amazonaws.com"
ACCOUNT = "123456789012"
TARGET_GROUP = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/tg/abc"


def _body(body: bytes) -> tuple[str, bool]:
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _multi(headers: Sequence[Header]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name, []).append(value)
    return grouped


def _query_multi(query: str) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        grouped.setdefault(name, []).append(value)
    return grouped


def http_api_v2(
    method: str, path: str, query: str, headers: Sequence[Header], body: bytes
) -> LambdaEvent:
    text, is_b64 = _body(body)
    cookies = [v for n, v in headers if n.lower() == "cookie"]
    plain = [(n, v) for n, v in headers if n.lower() != "cookie"]
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        **({"cookies": "; ".join(cookies).split("; ")} if cookies else {}),
        "headers": {n.lower(): ",".join(v) for n, v in _multi(plain).items()},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": HOST,
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": unquote(path),
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": "asgi-lambda-cli",
            },
            "requestId": "cli-request-id",
            "routeKey": "$default",
            "stage": "$default",
            "time": "14/Nov/2023:22:13:20 +0000",
            "timeEpoch": 1700000000000,
        },
        "body": text,
        "isBase64Encoded": is_b64,
    }


# What a REST event's identity holds for an unauthenticated caller: present, and null.
_IDENTITY_NULLS = (
    "accessKey",
    "accountId",
    "caller",
    "clientCert",
    "cognitoAuthenticationProvider",
    "cognitoAuthenticationType",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "principalOrgId",
    "user",
    "userArn",
)


def api_gateway_v1(
    method: str, path: str, query: str, headers: Sequence[Header], body: bytes
) -> LambdaEvent:
    text, is_b64 = _body(body)
    multi_query = _query_multi(query)
    multi_headers = _multi(headers)
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": {n: v[-1] for n, v in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "queryStringParameters": {n: v[-1] for n, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": HOST,
            "httpMethod": method,
            "domainPrefix": "abc123",
            "extendedRequestId": "cli-extended-id",
            "identity": {
                **dict.fromkeys(_IDENTITY_NULLS),
                "sourceIp": "203.0.113.10",
                "userAgent": "asgi-lambda-cli",
            },
            "path": f"/prod{path}",
            "protocol": "HTTP/1.1",
            "requestId": "cli-request-id",
            "requestTime": "14/Nov/2023:22:13:20 +0000",
            "requestTimeEpoch": 1700000000000,
            "resourceId": "proxy0",
            "resourcePath": "/{proxy+}",
            "stage": "prod",
        },
        "body": text or None,
        "isBase64Encoded": is_b64,
    }


def alb(method: str, path: str, query: str, headers: Sequence[Header], body: bytes) -> LambdaEvent:
    text, is_b64 = _body(body)
    pairs = [
        tuple(part.split("=", 1)) if "=" in part else (part, "")
        for part in query.split("&")
        if part
    ]
    all_headers = [
        ("host", "my-alb-123.us-east-1.elb.amazonaws.com"),
        ("x-forwarded-for", "203.0.113.10"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-port", "443"),
        *headers,
    ]
    return {
        "requestContext": {"elb": {"targetGroupArn": TARGET_GROUP}},
        "httpMethod": method,
        "path": path,
        "queryStringParameters": {k: v for k, v in pairs},
        "headers": {n.lower(): v[-1] for n, v in _multi(all_headers).items()},
        "body": text,
        "isBase64Encoded": is_b64,
    }


def alb_multi_value(
    method: str, path: str, query: str, headers: Sequence[Header], body: bytes
) -> LambdaEvent:
    event = alb(method, path, query, headers, body)
    pairs = [
        tuple(part.split("=", 1)) if "=" in part else (part, "")
        for part in query.split("&")
        if part
    ]
    multi_query: dict[str, list[str]] = {}
    for name, value in pairs:
        multi_query.setdefault(name, []).append(value)
    all_headers = [
        (n, v) for n, v in event["headers"].items() if n not in {k.lower() for k, _ in headers}
    ]
    event.pop("queryStringParameters")
    event.pop("headers")
    event["multiValueQueryStringParameters"] = multi_query
    event["multiValueHeaders"] = {n.lower(): v for n, v in _multi([*all_headers, *headers]).items()}
    return event


def vpc_lattice_v2(
    method: str, path: str, query: str, headers: Sequence[Header], body: bytes
) -> LambdaEvent:
    text, is_b64 = _body(body)
    return {
        "version": "2.0",
        "path": path,
        "method": method,
        "headers": {
            n.lower(): v for n, v in _multi([("x-forwarded-for", "10.0.0.10"), *headers]).items()
        },
        "queryStringParameters": _query_multi(query),
        "body": text,
        "isBase64Encoded": is_b64,
        "requestContext": {
            "serviceNetworkArn": f"arn:aws:vpc-lattice:us-east-1:{ACCOUNT}:servicenetwork/sn-0123",
            "serviceArn": "arn:aws:vpc-lattice:us-east-1:123456789012:service/svc-0123",
            "targetGroupArn": "arn:aws:vpc-lattice:us-east-1:123456789012:targetgroup/tg-0123",
            "identity": {"sourceVpcArn": "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0123"},
            "region": "us-east-1",
            "timeEpoch": "1700000000000000",
        },
    }


def lambda_edge(
    method: str, path: str, query: str, headers: Sequence[Header], body: bytes
) -> LambdaEvent:
    all_headers = [("host", "d111111abcdef8.cloudfront.net"), *headers]
    request: dict[str, object] = {
        "clientIp": "203.0.113.10",
        "method": method,
        "uri": path,
        "querystring": query,
        "headers": {
            name.lower(): [{"key": name, "value": value} for value in values]
            for name, values in _multi(all_headers).items()
        },
    }
    if body:
        request["body"] = {
            "inputTruncated": False,
            "action": "read-only",
            "encoding": "base64",
            "data": base64.b64encode(body).decode("ascii"),
        }
    return {
        "Records": [
            {
                "cf": {
                    "config": {
                        "distributionDomainName": "d111111abcdef8.cloudfront.net",
                        "distributionId": "EDFDVBD6EXAMPLE",
                        "eventType": "origin-request",
                        "requestId": "cli-request-id",
                    },
                    "request": request,
                }
            }
        ]
    }


WEBSOCKET_CONNECTION_ID = "cli-connection-id="


def _websocket(event_type: str, route: str) -> Callable[..., LambdaEvent]:
    """An API Gateway WebSocket event: the handshake's headers and query on ``$connect``, the
    message text (or base64 bytes) on a message, the close code 1000 on ``$disconnect``."""

    def build(
        method: str, path: str, query: str, headers: Sequence[Header], body: bytes
    ) -> LambdaEvent:
        context: dict[str, object] = {
            "routeKey": route,
            "eventType": event_type,
            "connectionId": WEBSOCKET_CONNECTION_ID,
            "domainName": HOST,
            "stage": "prod",
            "apiId": "abc123",
            "requestId": "cli-request-id",
            "connectedAt": 1700000000000,
            "requestTimeEpoch": 1700000000000,
            "identity": {"sourceIp": "203.0.113.10"},
        }
        event: LambdaEvent = {"requestContext": context, "isBase64Encoded": False}
        if event_type == "CONNECT":
            multi = _multi([("Host", HOST), *headers])
            event["headers"] = {name: values[-1] for name, values in multi.items()}
            event["multiValueHeaders"] = multi
            params = _query_multi(query)
            if params:
                event["queryStringParameters"] = {n: v[-1] for n, v in params.items()}
                event["multiValueQueryStringParameters"] = params
        elif event_type == "MESSAGE":
            event["body"], event["isBase64Encoded"] = _body(body)
        else:
            context["disconnectStatusCode"] = 1000
            context["disconnectReason"] = "Client closed"
        return event

    return build


REGION = "us-east-1"


def _records(source: str, record: dict[str, object]) -> LambdaEvent:
    return {"Records": [{"eventSource": source, "awsRegion": REGION, **record}]}


def _non_http(kind: str) -> Callable[..., LambdaEvent]:
    """A non-HTTP event of ``kind`` carrying ``--body`` where the kind carries a payload."""

    def build(
        method: str, path: str, query: str, headers: Sequence[Header], body: bytes
    ) -> LambdaEvent:
        text = body.decode("utf-8", "replace") or "{}"
        encoded = base64.b64encode(body or b"{}").decode("ascii")
        arn = f"arn:aws:{{}}:{REGION}:{ACCOUNT}:{{}}"
        if kind == "sqs":
            return _records(
                "aws:sqs",
                {
                    "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
                    "receiptHandle": "cli-receipt-handle",
                    "body": text,
                    "attributes": {"ApproximateReceiveCount": "1"},
                    "messageAttributes": {},
                    "eventSourceARN": arn.format("sqs", "jobs"),
                },
            )
        if kind == "sns":
            return {
                "Records": [
                    {
                        "EventSource": "aws:sns",
                        "EventSubscriptionArn": arn.format("sns", "topic:cli"),
                        "Sns": {"Type": "Notification", "Message": text, "MessageId": "cli"},
                    }
                ]
            }
        if kind == "s3":
            return _records(
                "aws:s3",
                {
                    "eventName": "ObjectCreated:Put",
                    "s3": {"bucket": {"name": "cli-bucket"}, "object": {"key": path.lstrip("/")}},
                },
            )
        if kind == "dynamodb":
            return _records(
                "aws:dynamodb",
                {
                    "eventName": "INSERT",
                    "dynamodb": {"Keys": {"id": {"S": "1"}}, "SequenceNumber": "111"},
                    "eventSourceARN": arn.format("dynamodb", "table/cli/stream/1"),
                },
            )
        if kind == "kinesis":
            return _records(
                "aws:kinesis",
                {
                    "kinesis": {"partitionKey": "1", "sequenceNumber": "4959", "data": encoded},
                    "eventSourceARN": arn.format("kinesis", "stream/cli"),
                },
            )
        scheduled = kind == "schedule"
        return {
            "version": "0",
            "id": "cli-event-id",
            "detail-type": "Scheduled Event" if scheduled else "Order Placed",
            "source": "aws.events" if scheduled else "com.example.orders",
            "account": ACCOUNT,
            "time": "2026-12-01T03:00:00Z",
            "region": REGION,
            "resources": [],
            "detail": {} if scheduled else json.loads(text) if text.startswith("{") else {},
        }

    return build


URL_ID = "abcdefghijklmnopqrstuvwxyz012345"
FUNCTION_URL_HOST = f"{URL_ID}.lambda-url.{REGION}.on.aws"


def function_url(
    method: str, path: str, query: str, headers: Sequence[Header], body: bytes
) -> LambdaEvent:
    """Payload 2.0 as a Function URL sends it: its own host and ids (the runtime tells a Function
    URL, which may stream, from an HTTP API by the ``lambda-url`` host), ``accountId``
    ``anonymous`` for an AuthType NONE URL, no stage variables."""
    event = http_api_v2(method, path, query, headers, body)
    context = event["requestContext"]
    context.update(
        accountId="anonymous", apiId=URL_ID, domainName=FUNCTION_URL_HOST, domainPrefix=URL_ID
    )
    return event


SAMPLES: dict[str, Callable[[str, str, str, Sequence[Header], bytes], LambdaEvent]] = {
    "http-api-v2": http_api_v2,
    "function-url": function_url,
    "rest": api_gateway_v1,
    "http-api-v1": api_gateway_v1,
    "alb": alb,
    "alb-multi-value": alb_multi_value,
    "vpc-lattice-v2": vpc_lattice_v2,
    "lambda-edge": lambda_edge,
    "websocket-connect": _websocket("CONNECT", "$connect"),
    "websocket-message": _websocket("MESSAGE", "$default"),
    "websocket-disconnect": _websocket("DISCONNECT", "$disconnect"),
    **{kind: _non_http(kind) for kind in ("sqs", "sns", "eventbridge", "schedule", "s3")},
    "dynamodb": _non_http("dynamodb"),
    "kinesis": _non_http("kinesis"),
}


def sample_event(
    source: str,
    method: str = "GET",
    path: str = "/",
    query: str = "",
    headers: Sequence[Header] = (),
    body: bytes = b"",
) -> LambdaEvent:
    """An event of ``source`` (one of ``SAMPLES``) for the given request."""
    try:
        build = SAMPLES[source]
    except KeyError:
        raise ValueError(
            f"unknown source {source!r}; choose one of: {', '.join(SAMPLES)}"
        ) from None
    if source == "http-api-v1":
        event = build(method.upper(), path, query, headers, body)
        event["version"] = "1.0"
        event["requestContext"]["stage"] = "$default"  # an HTTP API's default stage
        event["requestContext"]["path"] = path
        return event
    return build(method.upper(), path, query, list(headers), body)


__all__ = ["SAMPLES", "sample_event"]
