"""SPEC section 9: a plain HTTP cold start never pays for boto3 or Powertools."""

from __future__ import annotations

import json
import subprocess
import sys

import asgi_lambda

HEAVY = ("boto3", "botocore", "aws_lambda_powertools", "aws_xray_sdk")


def test_import_and_first_http_invocation_leave_heavy_packages_unimported() -> None:
    code = f"""
import json, sys
from asgi_lambda import asgi_handler
async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        message = await receive()
        await send({{"type": "lifespan.startup.complete"}})
        await receive()
        return
    await send({{"type": "http.response.start", "status": 200, "headers": []}})
    await send({{"type": "http.response.body", "body": b"ok"}})
event = json.load(open("tests/events/pt-apiGatewayProxyV2Event.json"))
status = asgi_handler(app)(event, None)["statusCode"]
print(json.dumps({{"status": status, "loaded": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    report = json.loads(result.stdout)
    assert report == {"status": 200, "loaded": []}


def test_public_api_is_exactly_the_documented_names() -> None:
    assert sorted(asgi_lambda.__all__) == [
        "BadRequestError",
        "CallNext",
        "ConfigurationError",
        "EventError",
        "InvocationFailedError",
        "Middleware",
        "Request",
        "Response",
        "UnknownEventError",
        "asgi_handler",
    ]
    for name in asgi_lambda.__all__:
        assert getattr(asgi_lambda, name) is not None
