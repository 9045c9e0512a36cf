"""Where the Runtime API is: ``AWS_LAMBDA_RUNTIME_API`` as Lambda and the emulators spell it.

Lambda gives ``host:port``; cargo-lambda gives a URL with a scheme and a path prefix
(``http://127.0.0.1:9000/.rt``).  Both name one plain-HTTP endpoint on the local machine.
"""

from __future__ import annotations

from urllib.parse import urlsplit

API_VERSION = "/2018-06-01/runtime"


class RuntimeAddressError(ValueError):
    """``AWS_LAMBDA_RUNTIME_API`` is missing or is not ``host:port`` or an ``http://`` URL."""


class RuntimeAddress:
    __slots__ = ("host", "port", "prefix")

    # A plain class, not a dataclass: generating one costs cold start (docs/performance.md).
    def __init__(self, host: str, port: int, prefix: str) -> None:
        self.host = host
        self.port = port
        self.prefix = prefix  # the path before /2018-06-01/runtime, "" on Lambda

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RuntimeAddress):
            return NotImplemented
        return (self.host, self.port, self.prefix) == (other.host, other.port, other.prefix)

    def __hash__(self) -> int:
        return hash((self.host, self.port, self.prefix))

    def __repr__(self) -> str:
        return f"RuntimeAddress(host={self.host!r}, port={self.port!r}, prefix={self.prefix!r})"

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def path(self, tail: str) -> str:
        return f"{self.prefix}{API_VERSION}{tail}"


def parse_address(value: str | None) -> RuntimeAddress:
    """``host:port``, ``[::1]:port`` or ``http://host:port/prefix``, checked."""
    if not value or not value.strip():
        raise RuntimeAddressError(
            "AWS_LAMBDA_RUNTIME_API is not set: asgi-lambda-runtime runs inside Lambda or an "
            "emulator that sets it (host:port of the Runtime API)"
        )
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme != "http":
        raise RuntimeAddressError(
            f"AWS_LAMBDA_RUNTIME_API={value!r}: the Runtime API is plain HTTP, not {parts.scheme}"
        )
    try:
        port = parts.port
    except ValueError:
        port = None
    if not parts.hostname or port is None:
        raise RuntimeAddressError(f"AWS_LAMBDA_RUNTIME_API={value!r}: expected host:port")
    return RuntimeAddress(parts.hostname, port, parts.path.rstrip("/"))
