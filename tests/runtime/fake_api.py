"""A small Lambda Runtime API server for the runtime's unit tests.

It speaks the four requests as Lambda does (keep-alive HTTP/1.1, chunked streamed responses
with trailers) and records what the runtime posted, with the time each streamed chunk
arrived.  ``invoke`` queues an invocation and waits for its answer.
"""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    kind: str  # "response" or "error"
    headers: dict[str, str]
    body: bytes = b""
    chunks: list[tuple[float, bytes]] = field(default_factory=list)
    trailers: dict[str, str] = field(default_factory=dict)
    received_at: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"


class FakeRuntimeAPI:
    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.pending: queue.Queue[tuple[str, dict[str, str], bytes]] = queue.Queue()
        self.answers: dict[str, Answer] = {}
        self.answered: dict[str, threading.Event] = {}
        self.init_errors: list[tuple[dict[str, str], Any]] = []
        self.connections = 0
        self.restored = 0
        self.cut_after: int | None = None  # close a streamed response after this many chunks
        # Faults for the next answer posted (each used once): hold it for that many seconds
        # before replying, drop the connection without a reply, or answer with this status.
        self.hang_next: float = 0.0
        self.drop_next = False
        self.status_next: int | None = None
        self.posts: list[str] = []  # the path of every answer posted, in order
        self.close_after_next = False  # close the keep-alive connection after the next /next
        self.next_asked: list[float] = []  # when each GET /next arrived
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                # Headers and body go in two writes: without this, Nagle and delayed ACKs
                # make every exchange wait 40 ms.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                api.connections += 1

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.removeprefix(api.prefix)
                if path == "/2018-06-01/runtime/invocation/next":
                    api.next_asked.append(time.monotonic())
                    request_id, headers, body = api.pending.get()
                    self.send_response(200)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    if api.close_after_next:  # as a server that drops an idle keep-alive does
                        api.close_after_next = False
                        self.close_connection = True
                elif path == "/2018-06-01/runtime/restore/next":
                    api.restored += 1
                    self._reply(200)
                else:
                    self._reply(404)

            def do_POST(self) -> None:  # noqa: N802
                path = self.path.removeprefix(api.prefix)
                headers = {k.lower(): v for k, v in self.headers.items()}
                if "/invocation/" in path:
                    api.posts.append(path)
                answer = Answer("", headers)
                if headers.get("transfer-encoding") == "chunked":
                    if not self._read_chunked(answer):
                        parts = path.split("/")
                        answer.kind = "cut"
                        api.answers[parts[4]] = answer
                        api.answered[parts[4]].set()
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                else:
                    answer.body = self.rfile.read(int(headers.get("content-length", 0)))
                if path in ("/2018-06-01/runtime/init/error", "/2018-06-01/runtime/restore/error"):
                    headers["path"] = path
                    api.init_errors.append((headers, json.loads(answer.body)))
                    self._reply(202)
                    return
                parts = path.split("/")  # ['', '2018-06-01', 'runtime', 'invocation', id, kind]
                request_id, answer.kind = parts[4], parts[5]
                answer.received_at = time.monotonic()
                api.answers[request_id] = answer
                api.answered[request_id].set()
                hang, api.hang_next = api.hang_next, 0.0
                drop, api.drop_next = api.drop_next, False
                status, api.status_next = api.status_next, None
                if hang:
                    time.sleep(hang)
                if drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self._reply(status or 202)

            def _read_chunked(self, answer: Answer) -> bool:
                """Read the chunks; False if told to cut the stream (a client that went away)."""
                parts = []
                while True:
                    if api.cut_after is not None and len(answer.chunks) >= api.cut_after:
                        answer.body = b"".join(parts)
                        return False
                    size = int(self.rfile.readline().split(b";")[0], 16)
                    if size == 0:
                        break
                    data = self.rfile.read(size)
                    self.rfile.readline()
                    answer.chunks.append((time.monotonic(), data))
                    parts.append(data)
                while True:
                    line = self.rfile.readline().strip()
                    if not line:
                        break
                    name, _, value = line.decode("latin-1").partition(":")
                    answer.trailers[name.strip().lower()] = value.strip()
                answer.body = b"".join(parts)
                return True

            def _reply(self, status: int) -> None:
                body = b'{"status":"OK"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def queue(
        self,
        event: Any,
        timeout_ms: int = 30_000,
        raw: bytes | None = None,
        **headers: str | None,
    ) -> str:
        """Queue an invocation; a header given as None is left out."""
        request_id = str(uuid.uuid4())
        self.answered[request_id] = threading.Event()
        wire = {
            "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + timeout_ms),
            "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
            "Lambda-Runtime-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
        }
        wire.update({name.replace("_", "-"): value for name, value in headers.items()})
        wire = {name: value for name, value in wire.items() if value is not None}
        body = raw if raw is not None else json.dumps(event).encode()
        self.pending.put((request_id, wire, body))
        return request_id

    def wait(self, request_id: str, timeout: float = 10.0) -> Answer:
        if not self.answered[request_id].wait(timeout):
            raise AssertionError(f"no answer to {request_id} within {timeout}s")
        return self.answers[request_id]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
