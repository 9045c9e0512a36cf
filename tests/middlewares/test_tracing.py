"""Tracing: a subsegment per request, annotated, through a real Powertools Tracer."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aws_xray_sdk  # type: ignore[import-untyped]
import pytest
from aws_lambda_powertools import Tracer
from aws_xray_sdk.core.async_recorder import AsyncAWSXRayRecorder  # type: ignore[import-untyped]
from fastapi import FastAPI

from asgi_lambda import ConfigurationError, asgi_handler
from asgi_lambda._types import Receive, Scope, Send
from tests.conftest import load_event


@pytest.fixture(autouse=True)
def _fresh_tracer_config() -> Iterator[None]:
    """Tracer shares its config across instances (and X-Ray's on/off switch is global)."""
    enabled = aws_xray_sdk.global_sdk_config.sdk_enabled()
    Tracer._reset_config()  # type: ignore[no-untyped-call]
    aws_xray_sdk.global_sdk_config.set_sdk_enabled(True)
    yield
    Tracer._reset_config()  # type: ignore[no-untyped-call]
    aws_xray_sdk.global_sdk_config.set_sdk_enabled(enabled)


class FakeSubsegment:
    def __init__(self) -> None:
        self.annotations: dict[str, Any] = {}
        self.metadata: dict[str, Any] = {}

    def put_annotation(self, key: str, value: Any) -> None:
        self.annotations[key] = value

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        self.metadata[key] = value


class FakeProvider:
    """Stands in for ``tracer.provider``: records the subsegments the middleware opens."""

    def __init__(self) -> None:
        self.subsegments: list[tuple[str, FakeSubsegment]] = []

    @contextlib.asynccontextmanager
    async def in_subsegment_async(self, name: str, **kwargs: Any) -> AsyncIterator[FakeSubsegment]:
        subsegment = FakeSubsegment()
        self.subsegments.append((name, subsegment))
        yield subsegment


def fake_tracer(provider: FakeProvider) -> Tracer:
    return Tracer(provider=provider, disabled=False, auto_patch=False)  # type: ignore[arg-type]


class Emitter:
    """Keeps what the X-Ray recorder would send to the daemon, instead of sending it."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_entity(self, entity: Any) -> None:
        self.sent.append(entity.to_dict())

    def set_daemon_address(self, address: str) -> None:
        pass


def app_answering(status: int, body: bytes = b"secret response body") -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"text/plain")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def invoke(handler: Any) -> dict[str, Any]:
    result: dict[str, Any] = handler(load_event("pt-apiGatewayProxyV2Event_GET"), None)
    return result


def test_a_subsegment_per_request_is_annotated_with_method_path_status_and_source() -> None:
    provider = FakeProvider()
    tracer = fake_tracer(provider)
    handler = asgi_handler(app_answering(201), lifespan="off", tracer=tracer)

    invoke(handler)
    invoke(handler)

    assert [name for name, _ in provider.subsegments] == ["## GET /my/path"] * 2
    assert provider.subsegments[0][1].annotations == {
        "http_method": "GET",
        "http_path": "/my/path",
        "http_status": 201,
        "event_source": "http_api_v2",
    }


def test_the_response_body_is_never_recorded() -> None:
    provider = FakeProvider()
    tracer = fake_tracer(provider)
    invoke(asgi_handler(app_answering(200), lifespan="off", tracer=tracer))

    ((_, subsegment),) = provider.subsegments
    assert subsegment.metadata == {}
    assert "secret response body" not in repr(subsegment.annotations)


def test_a_disabled_tracer_opens_no_subsegment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    provider = FakeProvider()
    tracer = Tracer(provider=provider, auto_patch=False)  # type: ignore[arg-type]
    assert tracer.disabled

    response = invoke(asgi_handler(app_answering(200), lifespan="off", tracer=tracer))

    assert response["statusCode"] == 200
    assert provider.subsegments == []


def test_an_object_without_a_provider_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="option 'tracer'"):
        asgi_handler(app_answering(200), tracer=object())


@pytest.fixture
def recorder() -> Iterator[tuple[AsyncAWSXRayRecorder, Emitter]]:
    """A real X-Ray recorder of our own, in a local (non-Lambda) context, sending nowhere.

    The test ends the segment it opens, which emits whatever the recorder still holds.
    """
    recorder = AsyncAWSXRayRecorder()
    recorder.emitter._socket.close()  # its default UDP emitter, never used
    emitter = Emitter()
    # streaming_threshold=0 sends each subsegment on its own, as Powertools configures X-Ray.
    recorder.configure(
        emitter=emitter, sampling=False, context_missing="LOG_ERROR", streaming_threshold=0
    )
    recorder.begin_segment("test")
    yield recorder, emitter


def emitted_subsegments(emitter: Emitter) -> list[dict[str, Any]]:
    return [entity for entity in emitter.sent if entity.get("type") == "subsegment"]


def test_the_xray_subsegment_gets_annotations_and_http_status(
    recorder: tuple[AsyncAWSXRayRecorder, Emitter],
) -> None:
    xray, emitter = recorder
    tracer = Tracer(provider=xray, disabled=False, auto_patch=False)
    invoke(asgi_handler(app_answering(503), lifespan="off", tracer=tracer))
    xray.end_segment()

    (subsegment,) = emitted_subsegments(emitter)
    assert subsegment["name"] == "## GET /my/path"
    assert subsegment["annotations"] == {
        "http_method": "GET",
        "http_path": "/my/path",
        "http_status": 503,
        "event_source": "http_api_v2",
    }
    assert subsegment["http"] == {
        "request": {"method": "GET", "url": "/my/path"},
        "response": {"status": 503},
    }
    assert subsegment["fault"] is True
    assert "secret response body" not in repr(emitter.sent)


def test_an_exception_let_through_is_recorded_on_the_xray_subsegment(
    recorder: tuple[AsyncAWSXRayRecorder, Emitter],
) -> None:
    xray, emitter = recorder

    async def broken(scope: Scope, receive: Receive, send: Send) -> None:
        raise LookupError("no such thing")

    tracer = Tracer(provider=xray, disabled=False, auto_patch=False)
    handler = asgi_handler(broken, lifespan="off", tracer=tracer, propagate_exceptions=True)
    with pytest.raises(LookupError):
        invoke(handler)
    xray.end_segment()

    (subsegment,) = emitted_subsegments(emitter)
    assert subsegment["fault"] is True
    assert subsegment["cause"]["exceptions"][0]["type"] == "LookupError"
    assert "http_status" not in subsegment["annotations"]


def test_an_app_error_answered_500_is_recorded_as_the_subsegments_cause(
    recorder: tuple[AsyncAWSXRayRecorder, Emitter],
) -> None:
    xray, emitter = recorder
    app = FastAPI()

    @app.get("/my/path")
    async def broken() -> None:
        raise LookupError("no such thing")

    tracer = Tracer(provider=xray, disabled=False, auto_patch=False)
    assert invoke(asgi_handler(app, lifespan="off", tracer=tracer))["statusCode"] == 500
    xray.end_segment()

    (subsegment,) = emitted_subsegments(emitter)
    assert subsegment["annotations"]["http_status"] == 500
    assert subsegment["cause"]["exceptions"][0]["type"] == "LookupError"
