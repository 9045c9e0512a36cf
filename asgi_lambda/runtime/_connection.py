"""One keep-alive HTTP/1.1 connection to the Runtime API, written by hand for speed.

The Runtime API is a loopback HTTP server with four requests; a general client costs more than
the app: ``http.client`` spent about 120 us per invocation building requests and parsing
headers, and a connection per request about 80 us more (../shared/EMULATORS.md has the table).
Here a request is one ``sendall`` of bytes built in one go, and a reply is parsed from what one
``recv`` usually returns whole.

Two flavours share the parsing: ``BlockingConnection``, whose methods are coroutines that never
suspend (one invocation at a time: while it waits for ``/next`` the process has nothing else to
do, which is what a frozen Lambda environment looks like), and ``AsyncConnection`` on the loop's
socket methods, for ``AWS_LAMBDA_MAX_CONCURRENCY`` slots that wait side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import socket
from collections.abc import Awaitable
from typing import TypeVar

from ._address import RuntimeAddress

T = TypeVar("T")
CRLF = b"\r\n"
RECV_SIZE = 256 * 1024
_SMALL = 64 * 1024  # bytes a request may have and still go out without a send timeout


class RuntimeAPIError(ConnectionError):
    """The Runtime API closed the connection or answered something that is not HTTP."""


class Reply:
    __slots__ = ("status", "headers", "body")

    # A plain class, not a dataclass: generating one costs cold start (docs/performance.md).
    def __init__(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.status = status
        self.headers = headers  # names lower-case
        self.body = body


class _Connection:
    """Request building and reply parsing; the subclasses move the bytes."""

    def __init__(self, address: RuntimeAddress) -> None:
        self.address = address
        self.limit: float | None = None  # seconds each socket wait may take; None: no bound
        self.interrupted = False
        self._host = f"Host: {address.host_header}\r\n".encode("latin-1")
        self._sock: socket.socket | None = None
        self._buffer = b""
        self.sent_ahead = b""  # a request sent behind a post (``exchange(then=)``), unanswered

    def _connect(self) -> socket.socket:
        address = (self.address.host, self.address.port)
        sock = socket.create_connection(address, timeout=self.limit)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    def interrupt(self) -> None:
        """Wake a wait for ``/next`` (safe in a signal handler): the socket is shut down, so
        the wait sees the connection closed, and nothing is sent on this connection again."""
        self.interrupted = True
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._buffer = b""
        self.sent_ahead = b""

    def head(self, method: str, path: str, headers: bytes) -> bytes:
        return b"".join(
            (f"{method} {path} HTTP/1.1\r\n".encode("latin-1"), self._host, headers, CRLF)
        )

    async def _send(self, data: bytes) -> None:
        raise NotImplementedError

    async def _recv(self) -> bytes:
        raise NotImplementedError

    async def exchange(
        self,
        method: str,
        path: str,
        headers: bytes,
        body: bytes = b"",
        limit: float | None = None,
        then: bytes = b"",
    ) -> Reply:
        """Send one request and read its reply, each socket wait bounded by ``limit``.

        A request that may have reached the Runtime API is never sent again: an answer is
        posted at most once (a late duplicate could land on another invocation).  A ``GET``, or
        a ``POST`` whose sending failed (the server had closed a keep-alive connection), is
        retried once on a new connection.

        ``then`` is the next request (a ``GET`` with no body), sent in the same write: HTTP/1.1
        pipelining, one system call less an invocation.  Its reply is left unread, for the
        exchange that asks for the same request next; a closed connection forgets it, and that
        exchange sends it again on a new one.
        """
        if self.sent_ahead:
            ahead, self.sent_ahead = self.sent_ahead, b""
            if ahead != self.head(method, path, headers) or body:
                self.close()  # its reply would be taken for this one's
            else:
                self.limit = limit
                try:
                    return await self.reply()
                except (ConnectionError, OSError):
                    self.close()  # as a GET that failed: sent again, on a new connection
                    if self.interrupted:
                        raise
                finally:
                    self.limit = None
        if len(body) > _SMALL:
            then = b""  # not worth a copy of a large answer to save one system call
        if body or method == "POST":
            headers += b"Content-Length: %d\r\n" % len(body)
        data = self.head(method, path, headers) + body
        self.limit = limit
        if method == "POST":
            self.drop_if_closed()
        try:
            for attempt in (1, 2):
                sent = False
                try:
                    if self.interrupted:
                        raise RuntimeAPIError("the runtime is shutting down")
                    await self._send(data + then if attempt == 1 else data)
                    sent = True
                    reply = await self.reply()
                    if attempt == 1 and self._sock is not None:  # not closed by the reply
                        self.sent_ahead = then
                    return reply
                except (ConnectionError, OSError) as exc:
                    self.close()
                    again = not (sent and method == "POST") and not isinstance(exc, TimeoutError)
                    if attempt == 2 or self.interrupted or not again:
                        raise
        finally:
            self.limit = None
        raise AssertionError("unreachable")

    def drop_if_closed(self) -> None:
        """Before a request that must not be sent twice: a keep-alive connection the Runtime API
        has closed meanwhile (its EOF already waiting) is dropped, so the request goes on a new
        one instead of vanishing into a socket that accepts the bytes and answers nothing."""
        sock = self._sock
        if sock is None or not select.select((sock,), (), (), 0)[0]:
            return  # nothing to read: open, the usual case
        try:
            closed = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except OSError:
            closed = True
        if closed:
            self.close()

    async def send_raw(self, data: bytes) -> None:
        """Part of a request (a streamed response's head or chunk); no retry once begun."""
        await self._send(data)

    async def reply(self) -> Reply:
        buffer = self._buffer
        end = buffer.find(b"\r\n\r\n")
        while end < 0:
            data = await self._recv()
            if not data:
                raise RuntimeAPIError("the Runtime API closed the connection")
            buffer += data
            end = buffer.find(b"\r\n\r\n")
        lines = buffer[:end].decode("latin-1").split("\r\n")
        rest = buffer[end + 4 :]
        try:
            status = int(lines[0].split(" ", 2)[1])
        except (IndexError, ValueError):
            raise RuntimeAPIError(f"not an HTTP reply: {lines[0][:100]!r}") from None
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body, rest = await self._chunked(rest)
        else:
            length = _number(headers.get("content-length") or "0", 10)
            while len(rest) < length:
                data = await self._recv()
                if not data:
                    raise RuntimeAPIError("the Runtime API closed the connection mid-reply")
                rest += data
            body, rest = rest[:length], rest[length:]
        self._buffer = rest
        if headers.get("connection", "").lower() == "close":
            self.close()
        return Reply(status, headers, body)

    async def _chunked(self, data: bytes) -> tuple[bytes, bytes]:
        parts: list[bytes] = []
        while True:
            line_end = data.find(CRLF)
            while line_end < 0:
                data += await self._more()
                line_end = data.find(CRLF)
            size = _number(data[:line_end].split(b";", 1)[0].decode("latin-1"), 16)
            data = data[line_end + 2 :]
            if size == 0:
                end = data.find(CRLF)  # no trailers from the Runtime API: one empty line
                while end < 0:
                    data += await self._more()
                    end = data.find(CRLF)
                return b"".join(parts), data[end + 2 :]
            while len(data) < size + 2:
                data += await self._more()
            parts.append(data[:size])
            data = data[size + 2 :]

    async def _more(self) -> bytes:
        data = await self._recv()
        if not data:
            raise RuntimeAPIError("the Runtime API closed the connection mid-reply")
        return data


def _number(text: str, base: int) -> int:
    """A length from a reply; not a number is a malformed reply, not the app's ``ValueError``."""
    try:
        return int(text, base)
    except ValueError:
        raise RuntimeAPIError(f"a malformed reply from the Runtime API: {text[:40]!r}") from None


class BlockingConnection(_Connection):
    """Blocking socket calls behind coroutine methods that never suspend.

    With ``wakeup`` (the signal wake-up pipe), a wait for data also ends when a signal arrives,
    so that its handler runs (it shuts this socket down on SIGTERM, ending the wait).
    """

    def __init__(self, address: RuntimeAddress, wakeup: int | None = None) -> None:
        super().__init__(address)
        self.wakeup = wakeup
        self._timeout: float | None = None  # what the socket has: set only when it changes

    async def _send(self, data: bytes) -> None:
        sock = self._sock
        if sock is None:
            sock = self._sock = self._connect()
            self._timeout = sock.gettimeout()
            if self.interrupted:  # a SIGTERM while connecting: this socket was not shut down
                raise RuntimeAPIError("the runtime is shutting down")
        # A small request fits the socket's buffer, so sending cannot wait; a large one (a
        # response near 6 MB) could, on a Runtime API that stopped reading: only then the
        # socket gets the bound as its timeout (two more system calls).
        timeout = self.limit if len(data) > _SMALL else None
        if self._timeout != timeout:
            sock.settimeout(timeout)
            self._timeout = timeout
        sock.sendall(data)

    async def _recv(self) -> bytes:
        sock = self._sock
        assert sock is not None
        limit = self.limit
        fd = sock.fileno()
        if limit is not None:  # a post's reply: bounded
            if not select.select((fd,), (), (), limit)[0]:
                raise TimeoutError(f"no reply from the Runtime API in {limit:.1f} s")
        elif self.wakeup is not None:  # the wait for /next: a signal ends it too
            wakeup = self.wakeup
            while True:
                ready = select.select((fd, wakeup), (), ())[0]
                if wakeup in ready:
                    with contextlib.suppress(BlockingIOError):
                        os.read(wakeup, 512)  # the handler has run by now
                if fd in ready:
                    break
        return sock.recv(RECV_SIZE)


class AsyncConnection(_Connection):
    """The loop's non-blocking socket calls: slots wait for ``/next`` side by side."""

    async def _send(self, data: bytes) -> None:
        loop = asyncio.get_running_loop()
        sock = self._sock
        if sock is None:
            sock = socket.socket(
                socket.AF_INET6 if ":" in self.address.host else socket.AF_INET,
                socket.SOCK_STREAM,
            )
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                await loop.sock_connect(sock, (self.address.host, self.address.port))
            except BaseException:
                sock.close()
                raise
            self._sock = sock
            if self.interrupted:  # a SIGTERM while connecting: this socket was not shut down
                raise RuntimeAPIError("the runtime is shutting down")
        await _bounded(loop.sock_sendall(sock, data), self.limit)

    async def _recv(self) -> bytes:
        assert self._sock is not None
        return await _bounded(
            asyncio.get_running_loop().sock_recv(self._sock, RECV_SIZE), self.limit
        )


async def _bounded(awaitable: Awaitable[T], limit: float | None) -> T:
    """``awaitable``, or the builtin ``TimeoutError`` (an ``OSError``, on 3.10 too) past
    ``limit`` seconds."""
    if limit is None:
        return await awaitable
    try:
        return await asyncio.wait_for(awaitable, limit)
    except asyncio.TimeoutError:
        raise TimeoutError(f"no answer from the Runtime API in {limit:.1f} s") from None
