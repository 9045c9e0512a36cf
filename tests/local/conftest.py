"""``asgi-lambda serve`` as a subprocess on a free loopback port, for real clients to drive."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen[str]
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def log_line(self, text: str, within: float = 5.0) -> str:
        """The first log line holding ``text``, waiting for it (the server writes its access
        line after the client has the answer); "" if none came ``within`` seconds."""
        deadline = time.monotonic() + within
        while True:
            line = next((line for line in self.log.splitlines() if text in line), "")
            if line or time.monotonic() > deadline:
                return line
            time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(
    tmp: Path,
    target: str,
    *args: str,
    cwd: Path = REPO,
    env: dict[str, str | None] | None = None,
) -> Iterator[Server]:
    """``env``: variables to set, or with None to unset, for the server."""
    port = free_port()
    log_path = tmp / f"serve-{port}.log"
    environment = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "asgi_lambda._cli", "serve", target, "--port", str(port), *args],
            cwd=cwd,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", port, process, log_path)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"serve exited ({process.returncode}): {server.log}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        else:
            raise AssertionError(f"serve did not listen within 30 s: {server.log}")
        yield server
    finally:
        with suppress(ProcessLookupError):  # a test may have stopped it already
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """``serve(target, *args)`` starts a server that stops when the test ends."""
    stack: list[Iterator[Server]] = []

    def start(
        target: str, *args: str, cwd: Path = REPO, env: dict[str, str | None] | None = None
    ) -> Server:
        manager = serving(tmp_path, target, *args, cwd=cwd, env=env)
        stack.append(manager)  # type: ignore[arg-type]
        return manager.__enter__()

    yield start
    for manager in reversed(stack):
        manager.__exit__(None, None, None)  # type: ignore[attr-defined]
