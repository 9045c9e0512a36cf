"""Metrics: one EMF record per request on stdout, apart from the user's own metrics."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Metrics

from asgi_lambda import ConfigurationError, asgi_handler
from asgi_lambda._types import Receive, Scope, Send
from tests.conftest import load_event

OUR_DIMENSIONS = ["source", "method", "service"]


@pytest.fixture
def metrics(monkeypatch: pytest.MonkeyPatch) -> Iterator[Metrics]:
    """A user's Metrics; Powertools shares metric sets between instances, so clear them after."""
    for name in ("POWERTOOLS_METRICS_DISABLED", "POWERTOOLS_DEV", "POWERTOOLS_METRICS_NAMESPACE"):
        monkeypatch.delenv(name, raising=False)
    user = Metrics(namespace="Shop", service="orders")
    yield user
    user.clear_default_dimensions()
    user.clear_metrics()


def app_answering(status: int, on_request: Any = None) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if on_request is not None:
            on_request()
        headers = [(b"content-type", b"text/plain")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})

    return app


def invoke(handler: Any) -> dict[str, Any]:
    result: dict[str, Any] = handler(load_event("pt-apiGatewayProxyV2Event_GET"), None)
    return result


def emf_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_each_request_prints_one_emf_record_with_count_latency_and_5xx(
    metrics: Metrics, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = asgi_handler(app_answering(200), lifespan="off", metrics=metrics)
    invoke(handler)
    invoke(handler)

    lines = emf_lines(capsys)
    assert len(lines) == 2
    record = lines[1]
    (directive,) = record["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Shop"
    assert directive["Dimensions"] == [OUR_DIMENSIONS]
    assert directive["Metrics"] == [
        {"Name": "Requests", "Unit": "Count"},
        {"Name": "Latency", "Unit": "Milliseconds"},
        {"Name": "ServerErrors", "Unit": "Count"},
    ]
    assert (record["source"], record["method"], record["service"]) == (
        "http_api_v2",
        "GET",
        "orders",
    )
    assert record["Requests"] == [1.0]  # per request, not accumulated across invocations
    assert record["ServerErrors"] == [0.0]
    (latency,) = record["Latency"]
    assert 0 < latency < 1000


def test_a_5xx_counts_as_a_server_error(
    metrics: Metrics, capsys: pytest.CaptureFixture[str]
) -> None:
    invoke(asgi_handler(app_answering(503), lifespan="off", metrics=metrics))

    (record,) = emf_lines(capsys)
    assert record["ServerErrors"] == [1.0]


def test_a_4xx_is_not_a_server_error(metrics: Metrics, capsys: pytest.CaptureFixture[str]) -> None:
    invoke(asgi_handler(app_answering(404), lifespan="off", metrics=metrics))

    (record,) = emf_lines(capsys)
    assert record["ServerErrors"] == [0.0]


def test_an_exception_let_through_is_still_counted_as_a_server_error(
    metrics: Metrics, capsys: pytest.CaptureFixture[str]
) -> None:
    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise LookupError("gone")

    handler = asgi_handler(broken, lifespan="off", metrics=metrics, propagate_exceptions=True)
    with pytest.raises(LookupError):
        invoke(handler)

    (record,) = emf_lines(capsys)
    assert (record["Requests"], record["ServerErrors"]) == ([1.0], [1.0])


def test_the_users_default_dimensions_apply_even_when_set_later(
    metrics: Metrics, capsys: pytest.CaptureFixture[str]
) -> None:
    handler = asgi_handler(app_answering(200), lifespan="off", metrics=metrics)
    metrics.set_default_dimensions(environment="prod")
    invoke(handler)

    (record,) = emf_lines(capsys)
    assert record["environment"] == "prod"
    assert record["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [
        ["environment", "source", "method", "service"]
    ]


def test_the_users_own_metrics_stay_apart_under_log_metrics(
    metrics: Metrics, capsys: pytest.CaptureFixture[str]
) -> None:
    def place_order() -> None:
        metrics.add_metric(name="OrdersPlaced", unit="Count", value=1)

    handler = metrics.log_metrics(
        asgi_handler(app_answering(200, place_order), lifespan="off", metrics=metrics)
    )
    invoke(handler)

    ours, theirs = emf_lines(capsys)
    assert "OrdersPlaced" not in ours
    assert theirs["OrdersPlaced"] == [1.0]
    assert "Requests" not in theirs
    assert theirs["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service"]]


def test_nothing_is_printed_while_metrics_are_disabled(
    metrics: Metrics, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = asgi_handler(app_answering(200), lifespan="off", metrics=metrics)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    invoke(handler)
    invoke(handler)
    assert capsys.readouterr().out == ""

    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED")
    invoke(handler)

    (record,) = emf_lines(capsys)
    assert record["Requests"] == [1.0]  # nothing piled up while disabled


def test_metrics_without_a_namespace_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)

    with pytest.raises(ConfigurationError, match="option 'metrics' needs a namespace"):
        asgi_handler(app_answering(200), metrics=Metrics())
