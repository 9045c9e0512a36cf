"""The WebSocket example's chat page in a real browser: two Chromium sessions chatting through
``asgi-lambda serve --websocket``.  Debian's ``chromium`` and ``chromium-driver``, headless."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .conftest import REPO, Server

EXAMPLE = REPO / "examples" / "websocket_app"


def missing(what: str) -> None:
    message = f"the browser test needs {what}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def browsers(tmp_path: Path) -> Iterator[Callable[[], Any]]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing("selenium (pip install selenium)")
    binary = shutil.which("chromium")
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if binary is None or not Path(driver).exists():
        missing("Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    opened: list[Any] = []

    def open_browser() -> Any:
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={tmp_path / f'profile-{len(opened)}'}")
        browser = webdriver.Chrome(service=Service(driver), options=options)
        opened.append(browser)
        return browser

    yield open_browser
    for browser in opened:
        browser.quit()


def test_two_browsers_chat_through_the_local_websocket_api(
    serve: Callable[..., Server], browsers: Callable[[], Any], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    dsn = f"sqlite:///{tmp_path}/connections.db"
    os.environ["CONNECTIONS_DSN"] = dsn
    try:
        server = serve("app:handler", "--websocket", cwd=EXAMPLE)
    finally:
        del os.environ["CONNECTIONS_DSN"]
    alice, bob = browsers(), browsers()
    for browser in (alice, bob):
        browser.get(f"{server.url}/chat?room=lobby")
        WebDriverWait(browser, 15).until(
            lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "yes"
        )

    def say(browser: Any, text: str) -> None:
        field = browser.find_element(By.ID, "text")
        field.send_keys(text)
        browser.find_element(By.TAG_NAME, "button").click()

    def lines(browser: Any) -> list[str]:
        return [item.text for item in browser.find_elements(By.CSS_SELECTOR, "#log li")]

    say(alice, "hello from alice")
    WebDriverWait(bob, 15).until(lambda b: any("hello from alice" in line for line in lines(b)))
    WebDriverWait(alice, 15).until(lambda b: "delivered to 1" in lines(b))
    say(bob, "hi alice")
    WebDriverWait(alice, 15).until(lambda b: any(line.endswith(": hi alice") for line in lines(b)))
