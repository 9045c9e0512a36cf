"""What every framework module shares: send a request through a handler, read the answer back.

``call`` builds a real event of the given source (``asgi_lambda._samples``), runs it through the
Lambda handler and turns whatever shape the source answers with into one ``Reply``, so a test
reads the same way behind API Gateway, HTTP APIs and ALB.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from asgi_lambda._samples import HOST, sample_event

# HTTP API payload 2.0 and REST (payload 1.0) for every framework; ALB where a module adds it.
SOURCES = ("http-api-v2", "rest")
WITH_ALB = ("http-api-v2", "rest", "alb")

ALB_HOST = "my-alb-123.us-east-1.elb.amazonaws.com"
API_GATEWAY_HEADERS = (
    ("host", HOST),
    ("x-forwarded-for", "203.0.113.10"),
    ("x-forwarded-port", "443"),
    ("x-forwarded-proto", "https"),
)
MAIN_THREAD = threading.main_thread().ident

# Every byte value, CR/LF pairs and boundary-like dashes: a file a sloppy parser would mangle.
BINARY_FILE = bytes(range(256)) * 16 + b"\r\n--\r\n\x00\xff--boundary?\r\n\r\n" + bytes(range(256))
BOUNDARY = "asgiLambdaFrameworkMatrix7MA4YWxkTrZu0gW"

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass
class Reply:
    """A handler's answer, whatever the source: status, every header value, the decoded body."""

    status: int
    headers: dict[str, list[str]]
    body: bytes
    raw: dict[str, Any]

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None

    @property
    def cookies(self) -> list[str]:
        """Every ``set-cookie`` value, one entry per cookie, as the front door would send them."""
        return self.headers.get("set-cookie", [])

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


def event_for(
    source: str,
    method: str = "GET",
    path: str = "/",
    query: str = "",
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    *,
    base64_body: bool = False,
    content_length: bool = True,
) -> dict[str, Any]:
    """A sample event; ``base64_body`` sends the body base64-encoded, as API Gateway does for
    binary media types, whatever the bytes are.  Like a real request through API Gateway, the
    event carries ``host``, the ``x-forwarded-*`` headers (ALB's sample adds its own) and, for a
    body, ``content-length`` (leave it out with ``content_length=False``)."""
    given = {name.lower() for name, _ in headers}
    added: list[tuple[str, str]] = []
    if not source.startswith("alb"):
        added += [(name, value) for name, value in API_GATEWAY_HEADERS if name not in given]
    if body and content_length and "content-length" not in given:
        added.append(("content-length", str(len(body))))
    headers = [*added, *headers]
    event = sample_event(source, method, path, query, headers, body)
    if base64_body:
        event["body"] = base64.b64encode(body).decode("ascii")
        event["isBase64Encoded"] = True
    return event


def call(
    handler: Handler,
    source: str,
    method: str = "GET",
    path: str = "/",
    query: str = "",
    headers: Sequence[tuple[str, str]] = (),
    body: bytes = b"",
    *,
    base64_body: bool = False,
    content_length: bool = True,
) -> Reply:
    event = event_for(
        source,
        method,
        path,
        query,
        headers,
        body,
        base64_body=base64_body,
        content_length=content_length,
    )
    return reply(handler(event, None))


def reply(response: dict[str, Any]) -> Reply:
    """Read any HTTP source's response shape back into a ``Reply``."""
    headers: dict[str, list[str]] = {}
    multi = response.get("multiValueHeaders")
    if multi:
        for name, values in multi.items():
            headers.setdefault(name.lower(), []).extend(values)
    else:
        for name, value in (response.get("headers") or {}).items():
            # ALB single-value mode spells repeated set-cookie keys in varied case.
            headers.setdefault(name.lower(), []).append(value)
    if response.get("cookies"):
        headers.setdefault("set-cookie", []).extend(response["cookies"])
    body = response.get("body") or ""
    raw = base64.b64decode(body) if response.get("isBase64Encoded") else body.encode("utf-8")
    return Reply(status=response["statusCode"], headers=headers, body=raw, raw=response)


def multipart(
    fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]
) -> tuple[str, bytes]:
    """A ``multipart/form-data`` body built by hand: ``files`` maps a field to
    ``(filename, content_type, data)``.  Returns ``(content_type_header, body)``."""
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode("utf-8")
            + b"\r\n"
        )
    for name, (filename, content_type, data) in files.items():
        parts.append(
            (
                f"--{BOUNDARY}\r\n"
                f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return f"multipart/form-data; boundary={BOUNDARY}", b"".join(parts)


def upload(handler: Handler, source: str, path: str, *, content_length: bool = True) -> Reply:
    """POST ``BINARY_FILE`` as field ``file`` plus a text field ``title``, base64 in the event.

    The views under test answer with the file's bytes and the title in an ``x-title`` header."""
    content_type, body = multipart(
        {"title": "quarterly report"},
        {"file": ("blob.bin", "application/octet-stream", BINARY_FILE)},
    )
    return call(
        handler,
        source,
        "POST",
        path,
        headers=[("content-type", content_type)],
        body=body,
        base64_body=True,
        content_length=content_length,
    )


def public_host(source: str) -> str:
    """The host a client used to reach the function through ``source``'s sample event."""
    return ALB_HOST if source.startswith("alb") else HOST


def cookie_names(reply: Reply) -> list[str]:
    return sorted(cookie.split("=", 1)[0] for cookie in reply.cookies)


class Record:
    """What an app under test reports back: startups, background tasks run, a sync view's thread."""

    def __init__(self) -> None:
        self.startups = 0
        self.background: list[str] = []
        self.sync_thread: int | None = None
