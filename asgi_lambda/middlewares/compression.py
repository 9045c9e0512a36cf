"""Compression: gzip, and brotli when it is installed, for clients that accept them.

HTTP APIs, ALB and Function URLs never compress what a function returns, and Lambda caps a
response at 6 MB, so text bodies are compressed here.  A body is compressed when the request
accepts a coding we have, the body is at least ``compression_min_size`` bytes, its type is worth
compressing, it is not already encoded, and the result is smaller.  Every response that passes
the size and type checks gets ``vary: accept-encoding``, compressed or not, so a cache in front
keeps the variants apart.

Where it applies (``compression``): ``"auto"``, the default, compresses only behind the front
doors that always decode ``isBase64Encoded`` before the client sees the body: HTTP APIs (payload
1.0 and 2.0), Function URLs, ALB and VPC Lattice.  A REST API hands the client the base64 text
itself unless its ``binaryMediaTypes`` cover the response, so compressing there would replace a
readable JSON body with base64 brotli; REST is compressed only with ``compression=True`` (the user
says binaryMediaTypes is set, e.g. ``*/*``).  Lambda@Edge responses are left alone unless
``compression=True`` or ``compress_edge_responses``: CloudFront compresses by its cache policy,
and edge bodies are small and capped.

Levels, measured on a 65 KB JSON list: gzip 6 took 1.2 ms for 12.2 KB (level 9: 3.2 ms for
12.0 KB); brotli 4 took 1.0 ms for 9.3 KB (quality 11, brotli's default, took 130 ms).
"""

from __future__ import annotations

import functools
import importlib
import zlib
from collections.abc import Callable
from typing import Any

from .._http.middleware import CallNext
from .._http.request import Request
from .._http.response import Response
from .._options import Options
from .._types import RawHeaders

GZIP_LEVEL = 6
BROTLI_QUALITY = 4
# Types not worth compressing: already compressed, or streamed.  Prefixes, lower-case.
EXCLUDED_CONTENT_TYPES = (
    b"image/",
    b"audio/",
    b"video/",
    b"font/woff",  # woff and woff2 are compressed formats
    b"application/zip",
    b"application/gzip",
    b"application/x-gzip",
    b"application/x-7z-compressed",
    b"application/x-rar-compressed",
    b"application/vnd.rar",
    b"application/x-bzip2",
    b"application/x-xz",
    b"application/zstd",
    b"application/pdf",
    b"application/grpc",
    b"text/event-stream",
)
# Images that are text or uncompressed bitmaps, excepted from "image/" above.
COMPRESSIBLE_IMAGES = (b"image/svg+xml", b"image/bmp", b"image/x-icon", b"image/vnd.microsoft.icon")
_ALIASES = {"x-gzip": "gzip"}

Encoder = Callable[[bytes], bytes]


class Compression:
    """Compresses response bodies; see the module docstring for when.

    Arguments (from ``Options``):
        compression_min_size: smallest body compressed, in bytes (default 500).
        compress_edge_responses: compress Lambda@Edge responses too (default False).
    """

    def __init__(self, options: Options) -> None:
        self.min_size = max(options.compression_min_size, 1)
        everywhere = options.compression is True
        self.skip_edge = not (everywhere or options.compress_edge_responses)
        self.skip_rest = not everywhere
        self.encoders = available_encoders()
        # Preference order at equal quality: brotli first, it is smaller at the same speed.
        self.codings = tuple(self.encoders)
        self._types: dict[bytes, bool] = {}  # content-type header value -> compressible

    async def __call__(self, request: Request, call_next: CallNext) -> Response:
        response = await call_next(request)
        body = response.body
        if len(body) < self.min_size or self._skipped(request):
            return response
        if response.status == 206 or not self._compressible(response.headers):
            return response
        headers = list(response.headers)
        add_vary(headers)
        response.headers = headers
        accept = _accept_encoding(request)
        coding = negotiate(accept, self.codings) if accept else None
        if coding is None:
            return response
        compressed = self.encoders[coding](body)
        if len(compressed) >= len(body):
            return response
        headers = [_recoded(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers.append((b"content-encoding", coding.encode("ascii")))
        headers.append((b"content-length", str(len(compressed)).encode("ascii")))
        response.headers = headers
        response.body = compressed
        response.base64 = True
        return response

    def _skipped(self, request: Request) -> bool:
        """True for a front door this configuration leaves uncompressed (see the module doc)."""
        source = request.source
        if source == "lambda_edge":
            return self.skip_edge
        if source == "api_gateway_v1" and self.skip_rest:
            return request.event.get("version") != "1.0"  # REST; HTTP API 1.0 says "1.0"
        return False

    def _compressible(self, headers: RawHeaders) -> bool:
        content_type = b""
        for name, value in headers:
            lowered = name.lower()
            if lowered == b"content-type":
                content_type = value
            elif lowered == b"content-encoding" or lowered == b"content-range":
                return False  # already encoded, or a byte range of a whole
            elif lowered == b"cache-control" and b"no-transform" in value.lower():
                return False  # RFC 9111 5.2.2.6: the sender forbids changing the content
        compressible = self._types.get(content_type)
        if compressible is None:
            compressible = compressible_type(content_type)
            if len(self._types) < 256:  # bounded: the values come from the app, not clients
                self._types[content_type] = compressible
        return compressible


def available_encoders() -> dict[str, Encoder]:
    """``{coding: compress}``, best first; brotli only if ``brotli`` (or brotlicffi) is installed.

    Found without importing it: brotli is imported by the first response it compresses, not at
    cold start (about 2 ms and 1 MiB that a function whose clients never ask for br never pays).
    """
    encoders: dict[str, Encoder] = {}
    if _brotli_name() is not None:
        encoders["br"] = _brotli
    encoders["gzip"] = _gzip
    return encoders


@functools.lru_cache(maxsize=128)
def negotiate(accept_encoding: str, codings: tuple[str, ...]) -> str | None:
    """The coding of ``codings`` the client prefers (RFC 9110 12.5.3), or None for identity.

    A coding's quality is its own ``q`` (default 1), else that of ``*``, else 0; ``q=0`` refuses
    it.  Ties go to the earlier entry of ``codings``.  Cached: clients send few distinct values.
    """
    qualities: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, _, params = item.partition(";")
        coding = coding.strip().lower()
        if coding:
            coding = _ALIASES.get(coding, coding)
            qualities[coding] = max(qualities.get(coding, 0.0), _quality(params))
    fallback = qualities.get("*", 0.0)
    best, best_quality = None, 0.0
    for coding in codings:
        quality = qualities.get(coding, fallback)
        if quality > best_quality:
            best, best_quality = coding, quality
    return best


def add_vary(headers: RawHeaders) -> None:
    """Make ``headers`` say the response varies on accept-encoding, merging with any vary."""
    first = -1
    for index, (name, value) in enumerate(headers):
        if name.lower() == b"vary":
            tokens = {token.strip().lower() for token in value.split(b",")}
            if b"accept-encoding" in tokens or b"*" in tokens:
                return
            if first < 0:
                first = index
    if first < 0:
        headers.append((b"vary", b"accept-encoding"))
    else:
        name, value = headers[first]
        headers[first] = (name, value + b", accept-encoding")


def compressible_type(content_type: bytes) -> bool:
    """True unless the type is unknown or in EXCLUDED_CONTENT_TYPES (SVG and friends excepted)."""
    mime = content_type.split(b";", 1)[0].strip().lower()
    if not mime:
        return False  # unknown content: leave it as it is
    return not mime.startswith(EXCLUDED_CONTENT_TYPES) or mime.startswith(COMPRESSIBLE_IMAGES)


def _recoded(name: bytes, value: bytes) -> tuple[bytes, bytes]:
    """A strong ETag names the uncompressed bytes; the compressed ones get a weak one (as nginx)."""
    if name.lower() == b"etag" and not value.startswith(b"W/"):
        return name, b"W/" + value
    return name, value


def _accept_encoding(request: Request) -> str:
    values = [value for name, value in request.headers if name == b"accept-encoding"]
    if not values:
        return ""
    return b",".join(values).decode("latin-1")


def _quality(params: str) -> float:
    """The ``q`` parameter: 1 if absent, 0 if malformed or out of range (refusing is safe)."""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                return 0.0
            return quality if 0.0 <= quality <= 1.0 else 0.0
    return 1.0


def _gzip(body: bytes) -> bytes:
    # compressobj with wbits=31 writes the gzip framing with mtime 0, so equal bodies give equal
    # bytes (ETags and caches stay stable); zlib.compress(wbits=) needs 3.11.
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
    return compressor.compress(body) + compressor.flush()


@functools.lru_cache(maxsize=1)
def _brotli_name() -> str | None:
    """The installed brotli module's name (the ``brotli`` extra, or brotlicffi's drop-in)."""
    from importlib.util import find_spec

    for name in ("brotli", "brotlicffi"):
        if find_spec(name) is not None:
            return name
    return None


@functools.lru_cache(maxsize=1)
def _brotli_compress() -> Callable[[bytes], bytes]:
    module: Any = importlib.import_module(_brotli_name() or "brotli")
    return functools.partial(module.compress, quality=BROTLI_QUALITY)


def _brotli(body: bytes) -> bytes:
    return _brotli_compress()(body)
