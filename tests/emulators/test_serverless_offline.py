"""Through serverless-offline 13, the emulator most Serverless Framework users develop with.

The same app behind HTTP API payload 2.0 (``/v2``), payload 1.0 (``/v1``) and a REST API
(``/rest``), hit with httpx and curl as a client would.  serverless-offline concatenates the
``headers`` and ``multiValueHeaders`` maps of a 1.0/REST response and keeps both the ``cookie``
header and ``cookies[]`` of a 2.0 event (shared/EMULATORS.md): what real API Gateway forgives
must still work here.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess

import httpx
import pytest

from tests.emulators.serverless_offline import Emulator, missing
from tests.emulators.sls_service.app import ITEMS

PREFIXES = ["/v2", "/v1", "/rest"]
COMPRESSING = ["/v2", "/v1z", "/restz"]  # /v1z and /restz: compression=True


def get(offline: Emulator, path: str, **kwargs: object) -> httpx.Response:
    return httpx.get(offline.url + path, timeout=30, follow_redirects=False, **kwargs)  # type: ignore[arg-type]


def curl(offline: Emulator, path: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    if shutil.which("curl") is None:
        missing("curl on PATH")
    return subprocess.run(
        ["curl", "--silent", "--show-error", "--max-time", "30", *args, offline.url + path],
        capture_output=True,
        timeout=60,
    )


@pytest.mark.parametrize("prefix", PREFIXES)
def test_each_response_header_reaches_the_client_once(offline: Emulator, prefix: str) -> None:
    response = get(offline, f"{prefix}/headers")
    assert response.status_code == 200
    assert response.headers.get_list("content-type") == ["text/plain; charset=utf-8"]
    assert response.text == "three cookies"


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_repeated_response_header_keeps_both_values(offline: Emulator, prefix: str) -> None:
    values = get(offline, f"{prefix}/headers").headers.get_list("x-multi", split_commas=True)
    assert values == ["one", "two"]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_three_set_cookie_headers_arrive_separately(offline: Emulator, prefix: str) -> None:
    cookies = get(offline, f"{prefix}/headers").headers.get_list("set-cookie")
    assert [cookie.split(";")[0] for cookie in cookies] == ["a=a-value", "b=b-value", "c=c-value"]
    assert all("HttpOnly" in cookie for cookie in cookies)


@pytest.mark.parametrize("coding", ["gzip", "br"])
@pytest.mark.parametrize("prefix", PREFIXES + COMPRESSING[1:])
def test_curl_compressed_decodes_what_it_is_sent(
    offline: Emulator, prefix: str, coding: str
) -> None:
    result = curl(
        offline, f"{prefix}/items", "--compressed", "-H", f"Accept-Encoding: {coding}", "-D", "-"
    )
    assert result.returncode == 0, result.stderr  # 61: a doubled content-encoding
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    assert json.loads(body) == ITEMS
    encodings = [
        line for line in head.lower().split(b"\r\n") if line.startswith(b"content-encoding")
    ]
    # The emulator's own hapi server may gzip what we left alone (REST; and its 1.0 events
    # lack "version", so they look like REST); either way there is one coding, not two.
    assert len(encodings) <= 1
    if prefix in COMPRESSING:
        assert encodings == [f"content-encoding: {coding}".encode()]


@pytest.mark.parametrize("prefix", PREFIXES + COMPRESSING[1:])
def test_httpx_decodes_a_gzip_response(offline: Emulator, prefix: str) -> None:
    response = get(offline, f"{prefix}/items", headers={"accept-encoding": "gzip"})
    assert response.json() == ITEMS  # httpx raised DecodingError on "gzip,gzip"


def test_the_http_api_gzip_body_is_real_gzip(offline: Emulator) -> None:
    raw = httpx.get(offline.url + "/v2/items", headers={"accept-encoding": "gzip"}, timeout=30)
    assert raw.headers["content-encoding"] == "gzip"
    with httpx.stream("GET", offline.url + "/v2/items", headers={"accept-encoding": "gzip"}) as r:
        assert json.loads(gzip.decompress(b"".join(r.iter_raw()))) == ITEMS


@pytest.mark.parametrize("prefix", ["/v2", "/v1"])
def test_a_binary_body_round_trips(offline: Emulator, prefix: str) -> None:
    payload = bytes(range(256)) * 4
    response = httpx.post(
        offline.url + f"{prefix}/binary",
        content=payload,
        headers={"content-type": "application/octet-stream"},
        timeout=30,
    )
    assert (response.status_code, response.content) == (200, payload)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_204_has_no_body(offline: Emulator, prefix: str) -> None:
    response = get(offline, f"{prefix}/empty")
    assert (response.status_code, response.content) == (204, b"")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_redirect_points_at_the_local_http_url_the_client_used(
    offline: Emulator, prefix: str
) -> None:
    response = get(offline, f"{prefix}/redirect")
    assert response.status_code == 302
    assert response.headers["location"] == f"{offline.url}{prefix}/items"
    assert get(offline, response.headers["location"].removeprefix(offline.url)).json() == ITEMS


def test_the_app_sees_each_cookie_once_although_the_emulator_sends_both_forms(
    offline: Emulator,
) -> None:
    response = get(offline, "/v2/cookies", headers={"cookie": "a=1; b=2"})
    assert response.json() == {"cookie_headers": ["a=1; b=2"], "a": "1", "b": "2"}
