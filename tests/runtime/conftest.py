"""The fake Runtime API every runtime test talks to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .fake_api import FakeRuntimeAPI


@pytest.fixture
def api() -> Iterator[FakeRuntimeAPI]:
    server = FakeRuntimeAPI()
    yield server
    server.close()
