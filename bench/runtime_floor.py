"""The floor of a Python Lambda runtime: what no runtime can beat on this machine.

One blocking keep-alive socket, ``GET /next``, a constant answer posted back, no event parsing,
no app, no logging.  ``python -m bench.runtime`` runs it under RIE beside the real contenders, so
the share of the per-invocation CPU that is the Runtime API exchange itself is visible.
"""

from __future__ import annotations

import os
import socket

ANSWER = b'{"statusCode": 200, "body": "hello"}'


def main() -> None:
    host, _, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rpartition(":")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    next_request = f"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {host}\r\n\r\n"
    buffer = b""
    while True:
        sock.sendall(next_request.encode())
        buffer = _reply(sock, buffer)
        head = _last_head
        request_id = head.split(b"lambda-runtime-aws-request-id: ", 1)[1].split(b"\r\n", 1)[0]
        post = (
            b"POST /2018-06-01/runtime/invocation/" + request_id + b"/response HTTP/1.1\r\n"
            b"Host: " + host.encode() + b"\r\nContent-Length: %d\r\n\r\n" % len(ANSWER) + ANSWER
        )
        sock.sendall(post)
        buffer = _reply(sock, buffer)


_last_head = b""


def _reply(sock: socket.socket, buffer: bytes) -> bytes:
    """Read one reply (head + Content-Length body); return what is left over."""
    global _last_head
    while b"\r\n\r\n" not in buffer:
        buffer += sock.recv(262144)
    head, _, rest = buffer.partition(b"\r\n\r\n")
    _last_head = head.lower()
    length = 0
    for line in _last_head.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(rest) < length:
        rest += sock.recv(262144)
    return rest[length:]


if __name__ == "__main__":
    main()
