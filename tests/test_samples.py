"""The CLI's sample events are the shapes AWS sends: checked against real events of each source."""

from __future__ import annotations

from typing import Any

import pytest

from asgi_lambda._handler import streams
from asgi_lambda._samples import sample_event
from asgi_lambda._sources import detect
from tests.conftest import load_event

# sample source -> the real event (tests/events, from public AWS sources) it must look like
REAL = {
    "http-api-v2": "pt-apiGatewayProxyV2Event",
    "function-url": "pt-lambdaFunctionUrlEvent",
    "rest": "pt-apiGatewayProxyEvent",
    "alb": "pt-albEvent",
    "alb-multi-value": "pt-albMultiValueHeadersEvent",
    "vpc-lattice-v2": "pt-vpcLatticeV2Event",
}


REQUEST_MAPS = {
    "headers",
    "multiValueHeaders",
    "queryStringParameters",
    "multiValueQueryStringParameters",
    "pathParameters",
    "stageVariables",
    "query_string_parameters",
}


# Present only behind an authorizer or IAM auth (the samples are unauthenticated requests), and
# the Powertools sample's own "version" on a REST event, which AWS's REST events do not carry.
AUTH_ONLY = {
    "body",
    "cookies",
    "version",
    "requestContext.authorizer",
    "requestContext.authentication",
    "requestContext.identity.type",
    "requestContext.identity.principal",
    "requestContext.identity.sessionName",
    "requestContext.identity.x509SanDns",
}


def _missing(real: Any, sample: Any, where: str = "") -> list[str]:
    """Keys of ``real`` (recursively through objects) that ``sample`` lacks."""
    if not isinstance(real, dict) or not isinstance(sample, dict):
        return []
    missing = []
    for key, value in real.items():
        if key in REQUEST_MAPS:  # this request's own headers and parameters, not the shape
            continue
        if key not in sample:
            missing.append(f"{where}{key}")
        else:
            missing += _missing(value, sample[key], f"{where}{key}.")
    return missing


@pytest.mark.parametrize("source", sorted(REAL))
def test_a_sample_event_has_every_field_of_a_real_event_of_its_source(source: str) -> None:
    real = load_event(REAL[source])
    sample = sample_event(source, "GET", "/x")
    assert [k for k in _missing(real, sample) if k not in AUTH_ONLY] == []
    assert detect(sample).name == detect(real).name


def test_a_function_url_sample_is_a_function_url_event_not_an_http_api_one() -> None:
    event = sample_event("function-url", "GET", "/tokens")
    context = event["requestContext"]
    assert context["domainName"].endswith(".lambda-url.us-east-1.on.aws")
    assert context["domainName"].split(".")[0] == context["apiId"] == context["domainPrefix"]
    assert (event["routeKey"], context["stage"]) == ("$default", "$default")
    assert "stageVariables" not in event
    assert streams(detect(event), event)  # the runtime in RESPONSE_STREAM mode streams it
    http_api = sample_event("http-api-v2", "GET", "/tokens")
    assert not streams(detect(http_api), http_api)


def test_an_http_api_payload_1_sample_is_on_the_default_stage() -> None:
    event = sample_event("http-api-v1", "GET", "/x")
    assert (event["version"], event["requestContext"]["stage"]) == ("1.0", "$default")
    assert event["requestContext"]["path"] == "/x"
