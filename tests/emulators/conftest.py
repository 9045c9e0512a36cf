"""Fixtures that run the emulators users develop with, against this checkout."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulators import serverless_offline

SERVICE = Path(__file__).parent / "sls_service"
CHAT_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "websocket_app"


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[serverless_offline.Emulator]:
    """serverless-offline serving sls_service/ (copied: it writes its own state there)."""
    binary = serverless_offline.install()
    service = tmp_path_factory.mktemp("sls") / "service"
    shutil.copytree(SERVICE, service)
    emulator = serverless_offline.start(binary, service)
    yield emulator
    serverless_offline.stop(emulator)


@pytest.fixture(scope="module")
def offline_chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[serverless_offline.Emulator]:
    """serverless-offline serving examples/websocket_app unchanged, as its serverless.yml says."""
    binary = serverless_offline.install()
    service = tmp_path_factory.mktemp("chat") / "service"
    shutil.copytree(CHAT_EXAMPLE, service, ignore=shutil.ignore_patterns("__pycache__"))
    emulator = serverless_offline.start(
        binary, service, "--stage", "local", wait_for_websocket=True
    )
    yield emulator
    serverless_offline.stop(emulator)
