"""Nardis, an ASGI 2 framework from the ASGI lists (0.0.7, 2018): hello, 404 and a cookie.

It still installs and runs on Python 3.10+; docs/frameworks/README.md says which of the older
frameworks on those lists do not, and why.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("nardis", reason="nardis is in the frameworks extra")

from nardis.asgi import main  # noqa: E402
from nardis.routing import Get  # noqa: E402

from asgi_lambda import asgi_handler  # noqa: E402
from asgi_lambda._samples import sample_event  # noqa: E402


async def hello(request: Any, response: Any) -> None:
    response.headers["content-type"] = "text/plain"
    response.headers["set-cookie"] = "seen=yes; Path=/"
    theme = request.cookies.get("theme", "none")
    await response.send(f"hello, theme {theme}")


HANDLER = asgi_handler(main({"routes": [Get(r"^/hello/?$", hello)]}), lifespan="off")


@pytest.mark.parametrize("source", ["http-api-v2", "rest", "alb-multi-value"])
def test_hello_with_a_request_cookie_and_a_response_cookie(source: str) -> None:
    event = sample_event(source, "GET", "/hello", headers=[("Cookie", "theme=dark")])
    response = HANDLER(event, None)
    assert response["statusCode"] == 200
    assert response["body"] == "hello, theme dark"
    cookies = (
        response.get("cookies")
        or response["multiValueHeaders"].get("set-cookie")
        or [response["headers"].get("set-cookie")]
    )
    assert cookies == ["seen=yes; Path=/"]


def test_an_unknown_path_is_nardis_own_404() -> None:
    response = HANDLER(sample_event("http-api-v2", "GET", "/nowhere"), None)
    assert response["statusCode"] == 404
