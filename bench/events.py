"""Benchmark events, derived from the AWS sample events in tests/events.

Every contender gets the same dict on every call; none of them mutates its event, and reusing it
keeps JSON decoding (which Lambda's runtime does, not the adapter) out of the measurement.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

EVENTS = Path(__file__).resolve().parent.parent / "tests" / "events"
Event = dict[str, Any]

# 20 header names; a few carry two values, as real browsers' requests do for accept-* and cookies.
HEADER_NAMES = [
    "accept",
    "accept-encoding",
    "accept-language",
    "cache-control",
    "cloudfront-forwarded-proto",
    "cloudfront-is-desktop-viewer",
    "cloudfront-viewer-country",
    "cookie",
    "host",
    "origin",
    "referer",
    "sec-fetch-mode",
    "user-agent",
    "via",
    "x-amz-cf-id",
    "x-amzn-trace-id",
    "x-forwarded-for",
    "x-forwarded-port",
    "x-forwarded-proto",
    "x-request-id",
]
QUERY = [(f"param{i}", [f"value {i}"] if i % 3 else [f"v{i}a", f"v{i}/b"]) for i in range(10)]


def load(name: str) -> Event:
    data: Event = json.loads((EVENTS / f"{name}.json").read_text())
    return data


def _header_values(name: str, index: int) -> list[str]:
    fixed = {
        "host": ["abc123.execute-api.us-east-1.amazonaws.com"],
        "x-forwarded-proto": ["https"],
        "x-forwarded-port": ["443"],
        "x-forwarded-for": ["203.0.113.7, 198.51.100.2"],
        "cookie": ["session=abc", "theme=dark"],
    }
    if name in fixed:
        return fixed[name]
    if index % 4 == 0:
        return [f"{name}-value-1", f"{name}-value-2"]
    return [f"{name}-value"]


def multi_headers() -> dict[str, list[str]]:
    """20 headers, canonical capitalisation as API Gateway passes them, some with two values."""
    return {
        "-".join(part.capitalize() for part in name.split("-")): _header_values(name, i)
        for i, name in enumerate(HEADER_NAMES)
    }


def http_api_v2() -> Event:
    """Case 1: the HTTP API payload 2.0 sample as published (POST /my/path, small JSON body)."""
    return load("pt-apiGatewayProxyV2Event")


def rest_v1_multi() -> Event:
    """Case 2: REST (payload 1.0) with 20 multi-value headers and 10 query parameters."""
    event = load("pt-apiGatewayProxyEvent")
    multi = multi_headers()
    event["multiValueHeaders"] = multi
    event["headers"] = {name: values[-1] for name, values in multi.items()}
    event["multiValueQueryStringParameters"] = {name: list(values) for name, values in QUERY}
    event["queryStringParameters"] = {name: values[-1] for name, values in QUERY}
    return event


def alb_multi() -> Event:
    """Case 2: ALB with multi-value headers on, 20 headers and 10 (percent-encoded) parameters."""
    event = load("pt-albMultiValueHeadersEvent")
    multi = {name: values for name, values in multi_headers().items()}
    event["multiValueHeaders"] = {name.lower(): values for name, values in multi.items()}
    event["multiValueQueryStringParameters"] = {
        name: [quote(value, safe="") for value in values] for name, values in QUERY
    }
    return event


def fastapi_post() -> Event:
    """Case 3: HTTP API 2.0 ``POST /items/42`` with a JSON body the route validates."""
    event = copy.deepcopy(http_api_v2())
    event["rawPath"] = "/items/42"
    event["requestContext"]["http"]["path"] = "/items/42"
    event["rawQueryString"] = ""
    event["headers"] = {"content-type": "application/json", "host": "api.example.com"}
    event["body"] = json.dumps({"name": "widget", "price": 9.5})
    return event


def http_api_v2_get(accept_encoding: str | None = None) -> Event:
    """Case 4: HTTP API 2.0 ``GET /``, optionally accepting gzip."""
    event = load("pt-apiGatewayProxyV2Event_GET")
    event.pop("body", None)
    if accept_encoding:
        event.setdefault("headers", {})["accept-encoding"] = accept_encoding
    return event
