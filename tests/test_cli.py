"""The ``asgi-lambda`` command: invoke an app with an event, print sample events."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from asgi_lambda import UnknownEventError
from asgi_lambda._cli import main
from asgi_lambda._samples import SAMPLES, sample_event
from tests.conftest import EVENTS

ROOT = Path(__file__).resolve().parents[1]


def test_invoke_runs_a_sample_event_through_the_example_app(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(
        [
            "invoke",
            "examples.app:app",
            "--event",
            "http-api-v2",
            "--path",
            "/hello",
            "--query",
            "name=Ada",
        ]
    )
    response = json.loads(capsys.readouterr().out)
    assert code == 0
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["message"] == "hello, Ada"
    assert response["cookies"] == [
        "visited=yes; Path=/; SameSite=lax",
        "theme=dark; Path=/; SameSite=lax",
    ]


def test_invoke_accepts_a_handler_and_a_saved_event_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    event_file = str(EVENTS / "pt-apiGatewayProxyV2Event_GET.json")
    assert main(["invoke", "examples.app:handler", "--event", event_file]) == 0
    assert json.loads(capsys.readouterr().out)["statusCode"] == 404


def test_invoke_with_an_unknown_event_prints_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "event.json"
    saved.write_text('{"detail-type": "Scheduled Event"}')
    assert main(["invoke", "examples.app:app", "--event", str(saved)]) == 2
    assert "cannot handle an event with keys: detail-type" in capsys.readouterr().err


def test_event_prints_a_sample_of_the_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["event", "http-api-v2", "--method", "PUT", "--path", "/x"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["requestContext"]["http"]["method"] == "PUT"
    assert printed["rawPath"] == "/x"


@pytest.mark.parametrize("source", sorted(SAMPLES))
def test_every_sample_event_is_detected_as_its_own_kind(source: str) -> None:
    from asgi_lambda._sources import detect

    event = sample_event(source, "POST", "/a%2Fb", "x=1&x=2", [("Cookie", "a=1")], b"\x00binary")
    expected = {
        "http-api-v2": "http_api_v2",
        "function-url": "http_api_v2",
        "rest": "api_gateway_v1",
        "http-api-v1": "api_gateway_v1",
        "alb": "alb",
        "alb-multi-value": "alb",
        "vpc-lattice-v2": "vpc_lattice",
        "lambda-edge": "lambda_edge",
        "websocket-connect": "websocket",
        "websocket-message": "websocket",
        "websocket-disconnect": "websocket",
    }.get(source)
    if expected is None:  # a non-HTTP kind: no HTTP source claims it, its own kind does
        from asgi_lambda._sources.events import event_kind

        with pytest.raises(UnknownEventError):
            detect(event)
        assert event_kind(event) == source
        return
    assert detect(event).name == expected


# The installed command, as a user runs it


def cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("asgi-lambda")), *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
        cwd=ROOT,
        env={**os.environ, "POWERTOOLS_METRICS_NAMESPACE": "cli-test"},
    )


def answer(*args: str, stdin: str | None = None) -> Any:
    """The JSON a successful ``asgi-lambda`` run printed on stdout (and nothing else there)."""
    result = cli(*args, stdin=stdin)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_powertools_decorated_handler_gets_a_lambda_context_and_stdout_is_only_json() -> None:
    result = cli(
        "invoke",
        "tests.cli_targets.observed:handler",
        "--event",
        "http-api-v2",
        "--path",
        "/hello",
        "--timeout",
        "12",
    )
    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)  # the app's print and the logs went elsewhere
    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert body["function_name"] == "asgi-lambda-local"
    assert 10_000 < body["remaining_ms"] <= 12_000
    assert "a print from the app" in result.stderr
    logged = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    hello = next(line for line in logged if line.get("message") == "hello from the app")
    assert hello["function_name"] == "asgi-lambda-local"
    assert hello["function_request_id"] == body["request_id"]


def test_the_context_can_come_from_a_file(tmp_path: Path) -> None:
    saved = tmp_path / "context.json"
    saved.write_text(json.dumps({"function_name": "orders", "aws_request_id": "req-42"}))
    result = cli(
        "invoke",
        "tests.cli_targets.observed:handler",
        "--event",
        "http-api-v2",
        "--path",
        "/hello",
        "--context",
        str(saved),
    )
    body = json.loads(json.loads(result.stdout)["body"])
    assert (body["function_name"], body["request_id"]) == ("orders", "req-42")


def test_the_event_can_come_from_standard_input() -> None:
    event = (EVENTS / "pt-apiGatewayProxyV2Event_GET.json").read_text()
    result = cli("invoke", "examples.app:handler", "--event", "-", stdin=event)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["statusCode"] == 404


def test_version_prints_the_package_version() -> None:
    from asgi_lambda import __version__

    result = cli("--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"asgi-lambda {__version__}")


@pytest.mark.parametrize("source", ["websocket-connect", "websocket-disconnect"])
def test_websocket_sample_events_run_through_the_handler(source: str, tmp_path: Path) -> None:
    dsn = f"dsn=sqlite:///{tmp_path}/ws.db"
    response = answer(
        "invoke", "tests.cli_targets.observed:app", "--event", source, "--option", dsn
    )
    assert response["statusCode"] == 200


def test_options_are_set_with_option_name_value() -> None:
    result = cli(
        "invoke",
        "examples.app:app",
        "--event",
        "http-api-v2",
        "--path",
        "/missing",
        "--option",
        'fail_on_status=["4xx"]',
        "--lifespan",
        "off",
    )
    assert result.returncode == 1
    assert "InvocationFailedError: the app answered 404" in result.stderr


def test_options_for_a_handler_built_in_code_are_refused_with_a_message() -> None:
    result = cli("invoke", "examples.app:handler", "--event", "rest", "--lifespan", "off")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "asgi-lambda: examples.app:handler is already a Lambda handler, whose "
        "options are set in code: drop --lifespan/--option, or point at the ASGI app itself"
    )


def test_a_module_that_fails_to_import_is_one_line_not_a_traceback() -> None:
    result = cli("invoke", "tests.cli_targets.broken:app", "--event", "rest")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "asgi-lambda: Importing module 'tests.cli_targets.broken' raised RuntimeError: "
        "DATABASE_URL is not set"
    )


def test_a_missing_module_or_attribute_is_named() -> None:
    nowhere = cli("invoke", "nowhere:app", "--event", "rest").stderr
    assert nowhere == "asgi-lambda: Unable to import module 'nowhere': No module named 'nowhere'\n"
    missing = cli("invoke", "examples.app:nope", "--event", "rest")
    assert missing.stderr.strip() == "asgi-lambda: Handler 'nope' missing on module 'examples.app'"


def test_a_handler_of_ones_own_is_invoked_as_lambda_would() -> None:
    target = "tests.cli_targets.own_handler:handler"
    assert (
        answer("invoke", target, "--event", "http-api-v2", "--path", "/hello")["statusCode"] == 200
    )


def test_a_non_http_sample_event_runs_through_an_app_with_routes() -> None:
    target = "examples.events_app.app:handler"
    response = answer("invoke", target, "--event", "sqs", "--body", '{"name": "poison"}')
    failures = response["batchItemFailures"]
    assert failures == [{"itemIdentifier": "059f36b4-87a3-44ab-83d2-661975830a7d"}]


def test_a_mangum_handler_is_recognised_and_named() -> None:
    pytest.importorskip("mangum", reason="mangum is a benchmark dependency")
    result = cli("invoke", "tests.cli_targets.mangum_app:handler", "--event", "rest")
    assert result.returncode == 2
    assert "tests.cli_targets.mangum_app:handler is a Mangum handler" in result.stderr


# One loader, honest errors (issue 23)


def test_lambdas_own_handler_syntax_module_dot_attr_is_invoked() -> None:
    dotted = answer("invoke", "examples.app.handler", "--event", "http-api-v2", "--path", "/hello")
    colon = answer("invoke", "examples.app:handler", "--event", "http-api-v2", "--path", "/hello")
    assert dotted["statusCode"] == colon["statusCode"] == 200
    assert dotted["body"] == colon["body"]


def test_an_unknown_event_is_reported_with_one_asgi_lambda_prefix() -> None:
    result = cli("invoke", "examples.app:handler", "--event", "-", stdin='{"x": 1}')
    assert result.returncode == 2
    assert result.stderr.startswith("asgi-lambda cannot handle an event with keys: x.")
    assert "asgi-lambda: asgi-lambda" not in result.stderr


def test_a_rest_event_without_http_method_is_named_as_such() -> None:
    event = '{"resource": "/", "path": "/", "requestContext": {"identity": {}}}'
    result = cli("invoke", "examples.app:handler", "--event", "-", stdin=event)
    assert result.stderr.strip().endswith(
        "it looks like an API Gateway REST / HTTP API payload 1.0 event without httpMethod"
    )


def test_a_missing_event_file_is_no_such_file() -> None:
    result = cli("invoke", "examples.app:handler", "--event", "events/missing.json")
    assert result.stderr == "asgi-lambda: --event: no such file: events/missing.json\n"


def test_manguns_custom_handlers_option_is_named_as_manguns_with_its_replacement() -> None:
    result = cli(
        "invoke", "examples.app:app", "--event", "http-api-v2", "--option", "custom_handlers=[]"
    )
    assert "'custom_handlers' is Mangum's option, not asgi-lambda's" in result.stderr
    assert "event_routes" in result.stderr
    assert "did you mean" not in result.stderr
