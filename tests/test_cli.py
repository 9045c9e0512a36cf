"""The ``asgi-lambda`` command: invoke an app with an event, print sample events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asgi_lambda._cli import main
from asgi_lambda._samples import SAMPLES, sample_event
from tests.conftest import EVENTS


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
    }[source]
    assert detect(event).name == expected
