"""Hypothesis strategies and a scope recorder shared by the payload 1.0 sources' property tests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from asgi_lambda import asgi_handler
from tests.asgi_apps import RecordingApp

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
SEGMENT = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=8)
TOKEN = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10).filter(
    lambda name: name != "cookie"
)
HEADER_VALUE = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=20
)


def scope_for(event: dict[str, Any]) -> Any:
    """The ASGI scope an app sees for ``event``."""
    app = RecordingApp()
    asgi_handler(app, lifespan="off")(event, None)
    return app.scope
