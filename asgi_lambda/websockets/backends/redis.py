"""``redis://host:port/db`` and ``rediss://`` (TLS): connection state in Redis or Valkey.

Keys, all under ``prefix`` (default ``asgi-lambda:``) so one server can host several apps:
``{prefix}conn:{id}`` a string with the connection's data; ``{prefix}group:{name}`` a set of
connection ids; ``{prefix}groups:{id}`` the set of groups a connection joined, so ``delete`` can
leave every one without scanning.  Each of them expires ``?ttl=`` seconds (default 7200) after
its last write: a bound on how long a connection whose ``$disconnect`` never ran lingers (API
Gateway closes any connection after two hours).

redis-py reconnects by itself; a few quick retries cover a connection dropped while Lambda was
frozen.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._base import BackendUnavailableError

RETRIES = 1  # with the dsn's timeout (default 2 s) per attempt: a frozen server costs ~4 s
BACKOFF_BASE = 0.05
BACKOFF_CAP = 0.5


class RedisStore:
    def __init__(self, url: str, *, prefix: str, ttl: int | None, timeout: float) -> None:
        self._url = url
        self._prefix = prefix
        self._ttl = ttl
        self._timeout = timeout
        self._client: Any = None  # redis.Redis, created on first use so import stays cheap

    def save(self, connection_id: str, data: str) -> None:
        with self._unavailable():
            self._redis().set(self._conn(connection_id), data, ex=self._ttl)

    def load(self, connection_id: str) -> str | None:
        with self._unavailable():
            data = self._redis().get(self._conn(connection_id))
        return None if data is None else str(data)

    def delete(self, connection_id: str) -> None:
        with self._unavailable():
            client = self._redis()
            joined = self._joined(connection_id)
            groups = client.smembers(joined)
            with client.pipeline(transaction=True) as pipe:
                for group in groups:
                    pipe.srem(self._group(group), connection_id)
                pipe.delete(self._conn(connection_id), joined)
                pipe.execute()

    def join(self, group: str, connection_id: str) -> None:
        with self._unavailable(), self._redis().pipeline(transaction=True) as pipe:
            pipe.sadd(self._group(group), connection_id)
            pipe.sadd(self._joined(connection_id), group)
            if self._ttl is not None:
                pipe.expire(self._group(group), self._ttl)
                pipe.expire(self._joined(connection_id), self._ttl)
            pipe.execute()

    def leave(self, group: str, connection_id: str) -> None:
        with self._unavailable(), self._redis().pipeline(transaction=True) as pipe:
            pipe.srem(self._group(group), connection_id)
            pipe.srem(self._joined(connection_id), group)
            pipe.execute()

    def members(self, group: str) -> list[str]:
        with self._unavailable():
            return [str(member) for member in self._redis().smembers(self._group(group))]

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _conn(self, connection_id: str) -> str:
        return f"{self._prefix}conn:{connection_id}"

    def _group(self, group: str) -> str:
        return f"{self._prefix}group:{group}"

    def _joined(self, connection_id: str) -> str:
        return f"{self._prefix}groups:{connection_id}"

    def _redis(self) -> Any:
        if self._client is None:
            import redis
            from redis.backoff import ExponentialBackoff
            from redis.retry import Retry

            self._client = redis.Redis.from_url(
                self._url,
                decode_responses=True,
                socket_timeout=self._timeout,
                socket_connect_timeout=self._timeout,
                retry=Retry(ExponentialBackoff(cap=BACKOFF_CAP, base=BACKOFF_BASE), RETRIES),
            )
        return self._client

    @contextmanager
    def _unavailable(self) -> Iterator[None]:
        """Translate redis-py's connectivity errors into the type the WebSocket layer catches."""
        from redis.exceptions import ConnectionError, TimeoutError

        try:
            yield
        except (ConnectionError, TimeoutError) as exc:
            raise BackendUnavailableError(f"Redis unreachable: {exc}") from exc
