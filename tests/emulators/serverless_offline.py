"""serverless-offline 13 (Serverless Framework v3), installed once into a cache outside the repo.

What the suite needs of it: ``start(service_dir)`` runs ``serverless offline start`` on loopback
ports, with the test's own Python first on PATH (serverless-offline runs ``python3`` from PATH
for each function), waits until its HTTP port answers, and ``stop`` ends its process group.
Under ``CI=true`` a missing Node.js/npm fails the test; elsewhere it skips, saying what is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

VERSIONS = {"serverless": "3.40.0", "serverless-offline": "13.10.1"}
# statehood 8.2.1 rejects every Set-Cookie with attributes (the emulator answers 500).
OVERRIDES = {"@hapi/statehood": "8.2.0"}
INSTALL_TIMEOUT = 600
START_TIMEOUT = 60


def cache_dir() -> Path:
    root = os.environ.get("ASGI_LAMBDA_CACHE") or os.path.expanduser("~/.cache/asgi-lambda")
    return Path(root) / "serverless-offline"


def missing(what: str) -> None:
    message = f"serverless-offline tests need {what}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def install() -> Path:
    """The ``serverless`` binary, installing the pinned versions first if they are not cached."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            missing(f"{tool} on PATH (Node.js)")
    where = cache_dir()
    binary = where / "node_modules" / ".bin" / "serverless"
    manifest = {
        "name": "asgi-lambda-serverless-offline",
        "private": True,
        "dependencies": VERSIONS,
        "overrides": OVERRIDES,
    }
    wanted = json.dumps(manifest, indent=2)
    package = where / "package.json"
    if binary.exists() and package.exists() and package.read_text() == wanted:
        return binary
    where.mkdir(parents=True, exist_ok=True)
    package.write_text(wanted)
    result = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    if result.returncode != 0 or not binary.exists():
        package.unlink(missing_ok=True)  # try again next time
        missing(f"npm install of serverless-offline to succeed: {result.stderr[-2000:]}")
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Emulator:
    process: subprocess.Popen[bytes]
    port: int
    websocket_port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start(binary: Path, service: Path, *extra: str, wait_for_websocket: bool = False) -> Emulator:
    """Run ``serverless offline start`` for ``service`` on free loopback ports.

    ``extra`` are more command-line options (``--stage local``); with ``wait_for_websocket`` the
    WebSocket port must answer too before the emulator counts as ready.
    """
    http, lambda_port, websocket, alb = (free_port() for _ in range(4))
    wrappers = Path(tempfile.mkdtemp(prefix="asgi-lambda-sls-python-"))
    python = wrappers / "python3"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    env = {
        **os.environ,
        "SLS_TELEMETRY_DISABLED": "1",
        "SLS_NOTIFICATIONS_MODE": "off",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "PATH": f"{wrappers}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": os.pathsep.join([str(service), *sys.path]),
    }
    env.pop("VIRTUAL_ENV", None)  # it would put $VIRTUAL_ENV/bin before our wrapper
    log = service / "serverless-offline.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(binary),
                "offline",
                "start",
                "--host",
                "127.0.0.1",
                "--httpPort",
                str(http),
                "--lambdaPort",
                str(lambda_port),
                "--websocketPort",
                str(websocket),
                "--albPort",
                str(alb),
                "--noSponsor",
                "--noPrependStageInUrl",
                "--terminateIdleLambdaTime",
                "2",
                *extra,
            ],
            cwd=service,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    emulator = Emulator(process, http, websocket, log)
    ports = [websocket] if wait_for_websocket else [http]
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"serverless offline exited:\n{emulator.output()}")
        try:
            for port in ports:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    pass
            return emulator
        except OSError:
            time.sleep(0.1)
    stop(emulator)
    raise TimeoutError(
        f"serverless offline was not ready in {START_TIMEOUT}s:\n{emulator.output()}"
    )


def stop(emulator: Emulator) -> None:
    """End serverless-offline and its Python children (one process group)."""
    try:
        os.killpg(emulator.process.pid, signal.SIGTERM)
        emulator.process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(emulator.process.pid, signal.SIGKILL)
        emulator.process.wait(5)
    except ProcessLookupError:
        pass
