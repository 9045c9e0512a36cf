"""``asgi-lambda serve`` builds the event serverless-offline builds for the same request.

One request per source, recorded from both (the app answers with the event itself), compared
field by field, modulo serverless-offline's documented deviations (../shared/EMULATORS.md):
payload 2.0 keeps the ``cookie`` header beside ``cookies[]`` and re-serialises
``rawQueryString``; payload 1.0 events lack ``"version"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest

from tests.emulators.serverless_offline import Emulator
from tests.local.conftest import serving

QUERY = "?a=1&b=x%20y&a=2"
HEADERS = {"x-test": "recorded", "cookie": "c1=v1; c2=v2", "user-agent": "compare/1.0"}
TARGET = "tests.emulators.sls_service.app:handler"


def record(base: str, path: str) -> dict[str, Any]:
    reply = httpx.get(base + path + QUERY, headers=HEADERS, timeout=30)
    assert reply.status_code == 200, reply.text
    event: dict[str, Any] = reply.json()
    return event


def both(offline: Emulator, tmp_path: Path, prefix: str, source: str) -> tuple[Any, Any]:
    theirs = record(offline.url, f"{prefix}/event")
    with serving(tmp_path, TARGET, "--source", source) as server:
        stage = "/dev" if source == "rest" else ""
        ours = record(server.url, f"{stage}{prefix}/event")
    return theirs, ours


def test_payload_2_events_match(offline: Emulator, tmp_path: Path) -> None:
    theirs, ours = both(offline, tmp_path, "/v2", "http-api-v2")
    for key in ("version", "routeKey", "rawPath", "headers", "requestContext", "isBase64Encoded"):
        assert key in theirs and key in ours, key
    assert ours["version"] == theirs["version"] == "2.0"
    assert ours["rawPath"] == theirs["rawPath"] == "/v2/event"
    assert parse_qsl(ours["rawQueryString"]) == parse_qsl(theirs["rawQueryString"])
    assert ours["rawQueryString"] == "a=1&b=x%20y&a=2"  # as sent; serverless-offline has "+"
    assert ours["cookies"] == theirs["cookies"] == ["c1=v1", "c2=v2"]
    assert "cookie" not in ours["headers"]  # serverless-offline keeps it too: a deviation
    assert ours["headers"]["x-test"] == theirs["headers"]["x-test"] == "recorded"
    ours_http, theirs_http = ours["requestContext"]["http"], theirs["requestContext"]["http"]
    for key in ("method", "path", "userAgent"):
        assert ours_http[key] == theirs_http[key], key
    assert ours_http["sourceIp"] == theirs_http["sourceIp"] == "127.0.0.1"


@pytest.mark.parametrize(("prefix", "source"), [("/v1", "http-api-v1"), ("/rest", "rest")])
def test_payload_1_and_rest_events_match(
    offline: Emulator, tmp_path: Path, prefix: str, source: str
) -> None:
    theirs, ours = both(offline, tmp_path, prefix, source)
    for key in ("httpMethod", "path", "headers", "multiValueHeaders", "requestContext"):
        assert key in theirs and key in ours, key
    assert ours["httpMethod"] == theirs["httpMethod"] == "GET"
    assert ours["path"] == theirs["path"] == f"{prefix}/event"
    assert (
        ours["queryStringParameters"]
        == theirs["queryStringParameters"]
        == {
            "a": "2",
            "b": "x y",
        }
    )
    assert (
        ours["multiValueQueryStringParameters"]
        == theirs["multiValueQueryStringParameters"]
        == {"a": ["1", "2"], "b": ["x y"]}
    )
    assert ours["headers"]["x-test"] == theirs["headers"]["x-test"] == "recorded"
    assert ours["multiValueHeaders"]["x-test"] == theirs["multiValueHeaders"]["x-test"]
    assert ours["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
    assert theirs["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"
