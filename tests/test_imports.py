"""SPEC section 9: a plain HTTP cold start never pays for pydantic, boto3, Powertools or brotli."""

from __future__ import annotations

import json
import subprocess
import sys

import asgi_lambda

HEAVY = ("pydantic", "boto3", "botocore", "aws_lambda_powertools", "aws_xray_sdk", "brotli")
# not heavy, but generating the classes it makes cost about 5 ms of a 50 ms cold start
GENERATED = ("dataclasses",)


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
    headers = [(b"content-type", b"application/json")]
    await send({{"type": "http.response.start", "status": 200, "headers": headers}})
    await send({{"type": "http.response.body", "body": b'{{"ok": true}}' * 100}})
event = json.load(open("tests/events/pt-apiGatewayProxyV2Event.json"))
event["headers"]["accept-encoding"] = "gzip"  # compressed, but brotli not asked for
status = asgi_handler(app)(event, None)["statusCode"]
loaded = [m for m in {HEAVY + GENERATED!r} if m in sys.modules]
print(json.dumps({{"status": status, "loaded": loaded}}))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    report = json.loads(result.stdout)
    assert report == {"status": 200, "loaded": []}


def test_an_event_that_needs_the_model_imports_pydantic_then() -> None:
    code = """
import json, sys
from asgi_lambda import asgi_handler
async def app(scope, receive, send): pass
event = json.load(open("tests/events/pt-apiGatewayProxyV2Event.json"))
event["isBase64Encoded"] = "yes"  # not JSON's bool: only the model can say what is wrong
answer = asgi_handler(app, lifespan="off")(event, None)
print(json.dumps([answer["statusCode"], "pydantic" in sys.modules]))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == [400, True]


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
        "__version__",
        "asgi_handler",
    ]
    for name in asgi_lambda.__all__:
        assert getattr(asgi_lambda, name) is not None


def test_the_version_is_the_one_the_package_metadata_reports() -> None:
    from importlib.metadata import version

    assert asgi_lambda.__version__ == version("asgi-lambda")


def test_only_the_source_an_event_came_through_is_imported() -> None:
    code = """
import json, sys
from asgi_lambda import asgi_handler
async def app(scope, receive, send):
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})
def sources():
    names = [m.rsplit(".", 1)[1] for m in sys.modules if m.startswith("asgi_lambda._sources.")]
    return sorted(name for name in names if not name.startswith("_"))
at_import = sources()
event = json.load(open("tests/events/pt-albEvent.json"))
asgi_handler(app, lifespan="off")(event, None)
print(json.dumps({"at_import": at_import, "after_alb": sources()}))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == {"at_import": [], "after_alb": ["alb"]}


def test_opt_in_middlewares_are_not_imported_unless_enabled() -> None:
    code = """
import json, sys
from asgi_lambda import asgi_handler
asgi_handler(lambda: None, lifespan="off")
print(json.dumps(sorted(m for m in sys.modules if m.startswith("asgi_lambda.middlewares."))))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = json.loads(result.stdout)
    for opt_in in ("tracing", "metrics", "exclude_headers", "base_path"):
        assert f"asgi_lambda.middlewares.{opt_in}" not in loaded
    assert "asgi_lambda.middlewares.binary" in loaded
