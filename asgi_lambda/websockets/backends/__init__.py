"""Connection-state backends for WebSocket APIs, chosen by the ``dsn`` option.

The dsn is parsed and checked here, once, so a typo fails at construction with a
``ConfigurationError`` rather than on the first message.  Each backend module is imported only when
its scheme is used, and the drivers (redis, psycopg, boto3) only when the backend first talks to its
server: ``import asgi_lambda`` stays cheap and needs none of them.  Error messages show the dsn with
its password masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from ..._errors import ConfigurationError
from ._base import BackendUnavailableError, ConnectionStore

__all__ = ["BackendUnavailableError", "ConnectionStore", "backend_from_dsn"]

# libpq options passed through in a postgresql dsn; anything else is more likely a typo than intent
POSTGRES_PASSTHROUGH = frozenset(
    {
        "application_name",
        "connect_timeout",
        "options",
        "sslcert",
        "sslkey",
        "sslmode",
        "sslrootcert",
        "target_session_attrs",
    }
)
# libpq's minimum; with the call timeout below, a frozen server costs a call at most ~6 s.
POSTGRES_DEFAULT_CONNECT_TIMEOUT = "2"
POSTGRES_DEFAULT_TIMEOUT = 2.0
REDIS_DEFAULT_PREFIX = "asgi-lambda:"
# Per socket operation; with one retry a frozen server costs a call at most ~4 s (was 30 s).
REDIS_DEFAULT_TIMEOUT = 2.0
# API Gateway closes a connection after 2 hours at most: stored state lives no longer.
DEFAULT_TTL = 2 * 60 * 60
POSTGRES_DEFAULT_TABLE = "asgi_lambda"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,40}")
# DynamoDB's own rule for table names
_DYNAMODB_TABLE = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_S3_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
# "scheme://user:secret@" -> mask up to the last "@": over-masking beats leaking a password
_USERINFO_PASSWORD = re.compile(r"^([^:/?#]*://[^/?#@:]*:)(.*)@", re.DOTALL)
_QUERY_PASSWORD = re.compile(r"((?:^|[?&])password=)[^&#]*", re.IGNORECASE)


@dataclass(frozen=True)
class _Dsn:
    """A split dsn; ``shown`` is the masked form, the only one that may appear in a message."""

    scheme: str
    netloc: str
    hostname: str
    path: str
    params: dict[str, str]
    shown: str

    def fail(self, problem: str) -> ConfigurationError:
        return ConfigurationError(f"invalid backend dsn {self.shown!r}: {problem}")

    def take(self, allowed: frozenset[str] | set[str]) -> dict[str, str]:
        unknown = sorted(set(self.params) - set(allowed))
        if unknown:
            expected = ", ".join(sorted(allowed)) or "none"
            raise self.fail(f"unknown parameter(s) {', '.join(unknown)} (expected: {expected})")
        return self.params


def mask_dsn(dsn: str) -> str:
    """The dsn with any password replaced by ``***``, safe for messages and logs."""
    return _QUERY_PASSWORD.sub(r"\1***", _USERINFO_PASSWORD.sub(r"\1***@", dsn))


def backend_from_dsn(dsn: str) -> ConnectionStore:
    """Build the backend a dsn names; no connection is made until the first call.

    Raises ``ConfigurationError`` (password masked) for an unknown scheme or a malformed dsn.
    """
    parsed = _split(dsn)
    factory = _FACTORIES.get(parsed.scheme)
    if factory is None:
        known = ", ".join(f"{scheme}://" for scheme in _FACTORIES)
        raise parsed.fail(f"unknown scheme {parsed.scheme!r} (expected one of {known})")
    return factory(parsed)


def _split(dsn: str) -> _Dsn:
    shown = mask_dsn(dsn)
    if "://" not in dsn:
        raise ConfigurationError(
            f"invalid backend dsn {shown!r}: expected scheme://..., e.g. memory://"
        )
    try:
        parts = urlsplit(dsn)
        parts.port  # noqa: B018 - validates the port now rather than at first connection
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError as exc:
        # not urllib's message: it quotes the bad fragment, which may be a password that held a "/"
        problem = (
            "the port must be a number 0-65535" if "port" in str(exc).lower() else "malformed URL"
        )
        raise ConfigurationError(f"invalid backend dsn {shown!r}: {problem}") from None
    params: dict[str, str] = {}
    for key, value in pairs:
        if key in params:
            raise ConfigurationError(
                f"invalid backend dsn {shown!r}: parameter {key!r} given twice"
            )
        params[key] = value
    return _Dsn(
        scheme=parts.scheme.lower(),
        netloc=parts.netloc,
        hostname=parts.hostname or "",
        path=parts.path,
        params=params,
        shown=shown,
    )


def _positive_number(dsn: _Dsn, name: str, value: str, kind: type[int] | type[float]) -> float:
    try:
        number = kind(value)
    except ValueError:
        raise dsn.fail(f"{name} must be a positive number, got {value!r}") from None
    if number <= 0:
        raise dsn.fail(f"{name} must be a positive number, got {value!r}")
    return number


def _boolean(dsn: _Dsn, name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise dsn.fail(f"{name} must be true or false, got {value!r}")


def _memory(dsn: _Dsn) -> ConnectionStore:
    from .memory import MemoryStore

    dsn.take(set())
    if dsn.netloc or dsn.path:
        raise dsn.fail("memory:// takes no host or path")
    return MemoryStore()


def _sqlite(dsn: _Dsn) -> ConnectionStore:
    from .sqlite import SqliteStore

    dsn.take(set())
    # Like SQLAlchemy, the third slash ends the empty host, so a fourth makes the path absolute;
    # Mangum's form, sqlite://mydbfile.sqlite3, is a path relative to the working directory.
    path = unquote(dsn.netloc + dsn.path if dsn.netloc else dsn.path[1:])
    if not path:
        raise dsn.fail("a database file path is required, e.g. sqlite:///tmp/connections.db")
    return SqliteStore(path)


def _redis(dsn: _Dsn) -> ConnectionStore:
    from .redis import RedisStore

    params = dsn.take({"prefix", "ttl", "timeout"})
    if not dsn.hostname:
        raise dsn.fail("a host is required, e.g. redis://127.0.0.1:6379/0")
    database = dsn.path.strip("/") or "0"
    if not database.isdigit():
        raise dsn.fail(f"the path must be a database number, got {database!r}")
    ttl = params.get("ttl")
    prefix = params.get("prefix", REDIS_DEFAULT_PREFIX)
    if not prefix:
        raise dsn.fail("prefix must not be empty")
    timeout = params.get("timeout")
    return RedisStore(
        urlunsplit((dsn.scheme, dsn.netloc, f"/{database}", "", "")),
        prefix=prefix,
        ttl=DEFAULT_TTL if ttl is None else int(_positive_number(dsn, "ttl", ttl, int)),
        timeout=REDIS_DEFAULT_TIMEOUT
        if timeout is None
        else _positive_number(dsn, "timeout", timeout, float),
    )


def _postgresql(dsn: _Dsn) -> ConnectionStore:
    from .postgresql import PostgresStore

    params = dict(dsn.take(POSTGRES_PASSTHROUGH | {"table", "timeout"}))
    table = params.pop("table", POSTGRES_DEFAULT_TABLE)
    timeout = params.pop("timeout", None)
    if not _IDENTIFIER.fullmatch(table):
        raise dsn.fail(f"table must be a plain SQL identifier (letters, digits, _), got {table!r}")
    params.setdefault("connect_timeout", POSTGRES_DEFAULT_CONNECT_TIMEOUT)
    url = urlunsplit(("postgresql", dsn.netloc, dsn.path, urlencode(params), ""))
    return PostgresStore(
        url,
        table=table,
        timeout=POSTGRES_DEFAULT_TIMEOUT
        if timeout is None
        else _positive_number(dsn, "timeout", timeout, float),
    )


def _aws_options(dsn: _Dsn, extra: set[str]) -> tuple[dict[str, str], str | None, str | None]:
    params = dsn.take({"region", "endpoint_url"} | extra)
    endpoint_url = params.get("endpoint_url") or None
    if endpoint_url is not None and not endpoint_url.startswith(("http://", "https://")):
        raise dsn.fail(f"endpoint_url must be an http(s) URL, got {endpoint_url!r}")
    return params, params.get("region") or None, endpoint_url


def _dynamodb(dsn: _Dsn) -> ConnectionStore:
    from .dynamodb import DynamoDBStore

    params, region, endpoint_url = _aws_options(dsn, {"create"})
    table = dsn.netloc
    if not _DYNAMODB_TABLE.fullmatch(table) or dsn.path.strip("/"):
        raise dsn.fail("expected dynamodb://table-name (3-255 of A-Z a-z 0-9 _ . -)")
    create = _boolean(dsn, "create", params.get("create", "true"))
    return DynamoDBStore(table, region=region, endpoint_url=endpoint_url, create=create)


def _s3(dsn: _Dsn) -> ConnectionStore:
    from .s3 import S3Store

    _, region, endpoint_url = _aws_options(dsn, set())
    if not _S3_BUCKET.fullmatch(dsn.netloc):
        raise dsn.fail("expected s3://bucket/prefix with a valid bucket name")
    prefix = unquote(dsn.path).strip("/")
    return S3Store(
        dsn.netloc,
        prefix=f"{prefix}/" if prefix else "",
        region=region,
        endpoint_url=endpoint_url,
    )


_FACTORIES: dict[str, Callable[[_Dsn], ConnectionStore]] = {
    "memory": _memory,
    "sqlite": _sqlite,
    "redis": _redis,
    "rediss": _redis,
    "postgresql": _postgresql,
    "postgres": _postgresql,
    "dynamodb": _dynamodb,
    "s3": _s3,
}
