"""What every event source provides, and the small translations several of them share."""

from __future__ import annotations

import base64
import binascii
import functools
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlencode

from .._errors import BadRequestError
from .._http.request import Request
from .._http.response import Response
from .._logtext import printable
from .._types import LambdaContext, LambdaEvent, LambdaResponse, RawHeaders
from ..middlewares.binary import needs_base64

if TYPE_CHECKING:  # pydantic is imported when an event first needs a model, not before
    from pydantic import ValidationError

logger = logging.getLogger("asgi_lambda")

HTTP_VERSIONS = {
    "HTTP/1.0": "1.0",
    "HTTP/1.1": "1.1",
    "HTTP/2": "2",
    "HTTP/2.0": "2",
    "HTTP/3": "3",
}


class EventSource:
    """One front door: how to recognise its events, read them, and answer in its shape.

    ``matches`` is a cheap key check run on every event, so it must not validate; ``parse``
    validates and raises ``BadRequestError`` (answered 400 through ``render``) for bad values.
    ``kind`` is ``"http"`` or ``"websocket"``.
    """

    __slots__ = ("name", "description", "matches", "parse", "render", "kind")

    # A plain class, not a dataclass: generating one costs cold start (docs/performance.md).
    # Compared by identity: there is one per source.
    def __init__(
        self,
        name: str,
        description: str,
        matches: Callable[[LambdaEvent], bool],
        parse: Callable[[LambdaEvent, LambdaContext], Request],
        render: Callable[[Response, LambdaEvent], LambdaResponse],
        kind: str = "http",
    ) -> None:
        self.name = name
        self.description = description
        self.matches = matches
        self.parse = parse
        self.render = render
        self.kind = kind

    def __repr__(self) -> str:
        return f"EventSource({self.name!r})"


def bad_event(label: str, exc: ValidationError) -> BadRequestError:
    """One line naming the first bad field, e.g. ``requestContext.http.method: Field required``.

    Each part of the location is cut to ``MAX_LOCATION_PART`` characters: a header name is the
    client's choice, and echoed whole it could push the 400 past the response size limit
    (Lambda@Edge viewer requests allow 40 KB), which would turn it into a 500.
    """
    first = exc.errors(include_url=False)[0]
    where = ".".join(_shortened(str(part)) for part in first["loc"]) or "event"
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return BadRequestError(f"invalid {label} event: {where}: {first['msg']}{more}")


MAX_LOCATION_PART = 64


def _shortened(text: str) -> str:
    """A location part (often a client's header name) short, and safe to log: escaped."""
    text = text if len(text) <= MAX_LOCATION_PART else text[: MAX_LOCATION_PART - 3] + "..."
    return printable(text)


def decode_body(body: str | None, is_base64: bool) -> bytes:
    """The request body bytes; invalid base64 is the client's error, not ours."""
    if not body:
        return b""
    if not is_base64:
        return body.encode("utf-8")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRequestError(
            f"request body is marked base64 but is not valid base64: {exc}"
        ) from exc


def encode_body(response: Response) -> tuple[str, bool]:
    """The response body as Lambda wants it, and whether it is base64."""
    if needs_base64(response):
        return base64.b64encode(response.body).decode("ascii"), True
    return response.body.decode("utf-8"), False


def split_path(path: str) -> tuple[str, bytes]:
    """(percent-decoded path, raw path bytes) from a path as it arrived in the event."""
    raw = path or "/"
    return unquote(raw), raw.encode("utf-8")


def query_from_multi(params: Mapping[str, Iterable[str] | str | None] | None) -> bytes:
    """Rebuild a query string from decoded parameters, percent-encoding each name and value once.

    The same bytes as ``urlencode(..., doseq=True)`` (``quote_plus``, nothing safe; None values
    left out), built for speed: every pair is joined into one text first, with ``\\x00`` and
    ``\\x01`` standing in for ``=`` and ``&``, and the whole text is escaped at once in bytes, one
    ``replace`` per distinct unsafe byte.  A call per name and value made this a fifth of a REST
    invocation (bench case 2a, 10 parameters: 9.1us, now 5.8us).  Anything unusual (a name or
    value that is not text, or holds one of the stand-ins) goes to ``urlencode`` itself.
    """
    if not params:
        return b""
    pairs: list[str] = []
    append = pairs.append
    try:
        for name, values in params.items():
            if values is None:
                continue
            if isinstance(values, str):
                append(name + "\x00" + values)
            else:
                prefix = name + "\x00"
                for value in values:
                    append(prefix + value)
    except TypeError:
        return _urlencoded(params)
    text = "\x01".join(pairs)
    if text.count("\x00") != len(pairs) or text.count("\x01") != len(pairs) - 1:
        return _urlencoded(params)
    data = text.encode("utf-8")
    unsafe = data.translate(None, _QUOTE_PLUS_SAFE)
    if not unsafe:
        return data  # no pairs: nothing to escape, no stand-ins
    present = set(unsafe)
    if 0x25 in present:  # "%" first: every later replacement brings in "%XX"
        data = data.replace(b"%", b"%25")
    for byte in present.difference(_REPLACED_LAST):
        data = data.replace(bytes((byte,)), b"%%%02X" % byte)
    # Last, as they bring in characters replaced above: " " -> "+" and the two stand-ins.
    return data.replace(b" ", b"+").replace(b"\x00", b"=").replace(b"\x01", b"&")


# What quote_plus leaves as it is; every other byte becomes %XX (or "+" for a space).
_QUOTE_PLUS_SAFE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
_REPLACED_LAST = frozenset(b"% \x00\x01")


def _urlencoded(params: Mapping[str, Iterable[str] | str | None]) -> bytes:
    kept = [(name, values) for name, values in params.items() if values is not None]
    return urlencode(kept, doseq=True).encode("ascii")


def header_list(
    multi: Mapping[str, Iterable[str] | str | None] | None,
    single: Mapping[str, str | None] | None = None,
    extra_cookies: Iterable[str] = (),
) -> RawHeaders:
    """ASGI headers: lower-case names, one entry per value, every cookie in one ``cookie`` header.

    ``multi`` holds every value of the names it has; ``single`` adds the names ``multi`` lacks
    (compared case-insensitively).  AWS's own documented sample REST event has ``Host`` only in
    ``headers``, so taking ``multi`` alone lost it.  ``extra_cookies`` (HTTP API's ``cookies[]``)
    replace any ``cookie`` header: AWS moves the header into that list, and emulators that keep
    both would otherwise hand the app every cookie twice.
    """
    headers: RawHeaders = []
    cookies: list[str] = []
    seen = _add_headers(headers, cookies, multi) if multi else set()
    if single:
        if seen:
            single = {name: value for name, value in single.items() if _key(name) not in seen}
        _add_headers(headers, cookies, single)
    if extra_cookies:
        cookies = list(extra_cookies)
    if cookies:
        headers.append((b"cookie", header_bytes("; ".join(cookies))))
    return headers


def _add_headers(
    headers: RawHeaders, cookies: list[str], source: Mapping[str, Iterable[str] | str | None]
) -> set[bytes]:
    """Append ``source``'s values to ``headers`` (cookies to ``cookies``); the names it had."""
    append = headers.append
    seen: set[bytes] = set()
    see = seen.add
    names = _header_names
    for name, values in source.items():
        if values is None or values == []:  # absent: the other map may have the name
            continue
        key = names.get(name)  # _key, inlined: a call per header was a tenth of this loop
        if key is None:
            key = _key(name)
        see(key)
        if key == b"cookie":
            cookies.extend((values,) if isinstance(values, str) else values)
            continue
        for value in (values,) if isinstance(values, str) else values:
            try:  # header_bytes, inlined likewise
                append((key, value.encode("latin-1")))
            except UnicodeEncodeError:
                append((key, value.encode("utf-8")))
    return seen


def _key(name: str) -> bytes:
    """A header name's ASGI bytes, through the per-process cache below."""
    names = _header_names
    key = names.get(name)
    if key is None:
        key = header_bytes(name.lower())
        if len(names) < HEADER_NAME_CACHE_SIZE:
            names[name] = key
    return key


# Header names as the event spells them -> their ASGI bytes.  Clients send the same few dozen
# names on every request, so lower-casing and encoding each once per process saves ~0.1us a
# header; the size bound keeps a client that invents names from growing it without end.
HEADER_NAME_CACHE_SIZE = 1024
_header_names: dict[str, bytes] = {}


def header_bytes(text: str) -> bytes:
    """Latin-1 as HTTP/1.1 defines header bytes; UTF-8 for what latin-1 cannot hold (say, "€").

    AWS hands us headers as JSON strings, so a client's UTF-8 bytes arrive as text; encoding
    them back as UTF-8 restores what was sent instead of crashing the invocation.
    """
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def first_header(headers: RawHeaders, name: bytes) -> str | None:
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


HTTP_SCHEMES = frozenset({"http", "https"})
WEBSOCKET_SCHEMES = frozenset({"http", "https", "ws", "wss"})
# host[:port]: a DNS name or IPv4 address, or a bracketed IPv6 address; anything else in a Host
# header (a path, spaces, "a:²") is the client's nonsense and the event's own domain stands in.
_HOST = re.compile(r"(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?")
# Hosts a request can only reach on this machine: emulators (serverless-offline, `serve`, SAM)
# speak plain http there, so that is the scheme when no proxy said otherwise.
_LOCAL_HOSTS = re.compile(
    r"(?:localhost|[^:]*\.localhost|127(?:\.[0-9]{1,3}){3}|\[::1\])(?::[0-9]*)?", re.IGNORECASE
)


def scheme_and_server(
    headers: RawHeaders, fallback_host: str | None = None, schemes: frozenset[str] = HTTP_SCHEMES
) -> tuple[str, tuple[str, int] | None]:
    """``scheme`` from x-forwarded-proto; ``server`` from host and port headers.

    The first value of each header counts; one pass over the headers finds all three.  A proto
    outside ``schemes`` is ignored (``javascript`` as the scheme made Starlette's ``request.url``
    raise), as is a Host that is not ``host[:port]``.  With no usable proto the scheme is https,
    or http for a loopback or ``localhost`` Host, where only local emulators answer.
    """
    proto = host_value = port_value = None
    for key, value in headers:
        if key == b"host":
            if host_value is None:
                host_value = value
        elif key == b"x-forwarded-proto":
            if proto is None:
                proto = value
        elif key == b"x-forwarded-port" and port_value is None:
            port_value = value
    host = host_value.decode("latin-1") if host_value else None
    if host is not None and _host_kind(host) is None:
        host = None
    host = host or fallback_host
    scheme = proto.decode("latin-1").split(",")[0].strip().lower() if proto else None
    if scheme not in schemes:
        scheme = "http" if host and _host_kind(host) == "local" else "https"
    if not host:
        return scheme, None
    port_header = port_value.decode("latin-1") if port_value else None
    return scheme, server_address(host, port_header, scheme)


def is_host(value: str) -> bool:
    """``host[:port]``, as a Host header must be (not ``evil.example/x?`` or ``a@evil.example``,
    which would reach ``scope["server"]`` and every URL the app builds)."""
    return _host_kind(value) is not None


def _host_kind(host: str) -> str | None:
    """``"local"``, ``"remote"``, or None for a value that is not ``host[:port]``; cached.

    Clients send the same few hosts (the API's own domain), so each is checked once per process;
    the size bound keeps a client that invents hosts from growing the cache without end.
    """
    kind = _host_kinds.get(host, _UNKNOWN)
    if kind is _UNKNOWN:
        if not _HOST.fullmatch(host):
            kind = None
        else:
            kind = "local" if _LOCAL_HOSTS.fullmatch(host) else "remote"
        if len(_host_kinds) < HOST_CACHE_SIZE:
            _host_kinds[host] = kind
    return kind  # type: ignore[return-value]


HOST_CACHE_SIZE = 256
_UNKNOWN = object()
_host_kinds: dict[str, object] = {}


def server_address(host: str, port_header: str | None, scheme: str) -> tuple[str, int]:
    """``(host, port)`` from a Host value and an optional port header (which wins).

    A port that is not a number from 1 to 65535 (``"x"``, ``"²"``, 5000 digits, ``"-5"``) is the
    client's nonsense, not a reason to fail: the scheme's default port stands in.
    """
    if ":" in host and not host.endswith("]"):
        host, _, port_text = host.rpartition(":")
        port_header = port_header or port_text
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]  # an IPv6 literal: the address, as ASGI servers report it
    default = 443 if scheme == "https" else 80
    if not port_header:
        return host, default
    try:
        port = int(port_header)
    except ValueError:
        return host, default
    return host, port if 0 < port < 65536 else default


def client_from_ip(ip: str | None) -> tuple[str, int] | None:
    """``(ip, 0)`` from a source IP, dropping a CIDR suffix such as ``/32``."""
    if not ip:
        return None
    return ip.split("/", 1)[0].strip(), 0


def client_from_forwarded_for(headers: RawHeaders) -> tuple[str, int] | None:
    """The client is the last X-Forwarded-For entry: the one the load balancer itself appended.

    ALB and VPC Lattice append the peer address to the last X-Forwarded-For line they got;
    everything before it is whatever the client claimed.  An entry that is not an IP address is
    not the load balancer's, so no client is reported rather than a forged one.
    """
    found: bytes | None = None
    for name, value in headers:
        if name == b"x-forwarded-for":
            found = value
    if not found:
        return None
    entry = found.decode("latin-1").rsplit(",", 1)[-1].strip()
    if _IPV4.fullmatch(entry):  # the common case, without ipaddress's per-octet parsing
        return entry, 0
    if ":" not in entry:
        return None
    import ipaddress  # IPv6 only: not worth 1.4 ms of every cold start

    try:
        ipaddress.IPv6Address(entry)
    except ValueError:
        return None
    return entry, 0


_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


def http_version(protocol: str | None) -> str:
    if not protocol:
        return "1.1"
    return HTTP_VERSIONS.get(protocol.upper(), "1.1")


def grouped_headers(headers: RawHeaders) -> dict[str, list[str]]:
    """Response headers grouped by name in first-seen order, every value kept."""
    grouped: dict[str, list[str]] = {}
    for name, value in headers:
        grouped.setdefault(name.decode("latin-1"), []).append(value.decode("latin-1"))
    return grouped


def case_variants(name: str, count: int) -> list[str]:
    """``count`` spellings of ``name`` differing only in case, for single-value header maps.

    ALB (and API Gateway's single-value ``headers``) keep one value per key, but keys are
    case-sensitive there, so ``set-cookie``, ``Set-cookie``, ``sEt-cookie``... carry one cookie
    each.
    """
    variants: list[str] = []
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    for n in range(count):
        chars = list(name.lower())
        for bit, index in enumerate(letters):
            if n >> bit & 1:
                chars[index] = chars[index].upper()
        variants.append("".join(chars))
    return variants


@functools.cache
def set_cookie_keys() -> tuple[str, ...]:
    """Every spelling "set-cookie" has (2**9), made once, when a response first needs them (the
    n-th cookie goes out under the n-th): 1 ms that a cold start without cookies never pays."""
    return tuple(case_variants("set-cookie", 2**9))


def spread_set_cookies(headers: dict[str, str], cookies: list[str], source: str) -> None:
    """Put each cookie under its own spelling of ``set-cookie`` in a single-value header map.

    Only 512 spellings exist; cookies past those cannot be sent at all, which is logged with
    their count rather than dropped silently.
    """
    keys = set_cookie_keys()
    if len(cookies) > len(keys):
        logger.warning(
            "dropping %d of %d set-cookie headers: %s responses with single-value headers "
            "can carry at most %d",
            len(cookies) - len(keys),
            len(cookies),
            source,
            len(keys),
        )
    headers.update(zip(keys, cookies, strict=False))
