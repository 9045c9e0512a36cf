"""``bash scripts/demo.sh serve`` takes another port, as ``--port N`` or ``PORT=N`` (issue 23)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.local.conftest import free_port

REPO = Path(__file__).resolve().parents[1]


def served_on(port: int, args: list[str], env: dict[str, str]) -> str:
    process = subprocess.Popen(
        ["bash", "scripts/demo.sh", "serve", *args],
        cwd=REPO,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/hello?name=Ada", timeout=5).text
            except httpx.TransportError:
                time.sleep(0.2)
        pytest.fail(f"demo.sh serve did not answer on port {port} within 60 s")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(10)


def test_demo_serve_takes_a_port_option() -> None:
    port = free_port()
    assert "hello, Ada" in served_on(port, ["--port", str(port)], {})


def test_demo_serve_takes_the_port_variable() -> None:
    port = free_port()
    assert "hello, Ada" in served_on(port, [], {"PORT": str(port)})
