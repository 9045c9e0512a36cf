"""The runtime's direct access line: the bytes logging would write, and logging whenever a user
could see the record."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterator

import pytest

from asgi_lambda import _logsink
from asgi_lambda.runtime import _logging

RUNTIME_HANDLERS: list[logging.Handler] = []


def alone(monkeypatch: pytest.MonkeyPatch) -> logging.Handler:
    """The root logger with the runtime's handler only, as on Lambda; that handler.  (Not
    through ``monkeypatch``: its undo would run after the fixture's and put it back.)"""
    logging.getLogger().handlers = RUNTIME_HANDLERS[:]
    [handler] = RUNTIME_HANDLERS
    return handler


LINE = '"GET /hello" 200 0.42ms source=http_api_v2 request_id=abc'
NOW = 1_765_000_000.25  # a fixed instant: 2025-12-06T05:46:40.250Z


@pytest.fixture
def runtime_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[logging.Logger]:
    """Logging as the runtime configures it (text format), undone afterwards; the access
    logger at INFO, as ``asgi_handler`` sets it.  Tests call ``alone()`` first: pytest puts
    its own capturing handlers on the root logger for each test's call."""
    monkeypatch.delenv("AWS_LAMBDA_LOG_FORMAT", raising=False)
    monkeypatch.delenv("_LAMBDA_TELEMETRY_LOG_FD", raising=False)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, _logsink.sink)
    root.handlers = []
    _logging.configure()
    access = logging.getLogger("asgi_lambda.access")
    package = logging.getLogger("asgi_lambda")
    level = package.level
    package.setLevel(logging.INFO)
    monkeypatch.setattr(time, "time", lambda: NOW)
    monkeypatch.setattr(time, "time_ns", lambda: int(NOW * 1e9))
    token = _logging.request_id.set("c6af9ac6-7b61-11e6-9a41-93e812345678")
    global RUNTIME_HANDLERS
    RUNTIME_HANDLERS = root.handlers[:]
    try:
        yield access
    finally:
        _logging.request_id.reset(token)
        package.setLevel(level)
        root.handlers, _ = saved[0], root.setLevel(saved[1])
        _logsink.sink = saved[2]


def test_the_runtime_registers_a_sink_for_text_logs(runtime_logging: logging.Logger) -> None:
    assert _logsink.sink is not None


def test_the_direct_line_is_the_bytes_logging_writes(
    runtime_logging: logging.Logger,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alone(monkeypatch)
    assert _logsink.sink is not None
    assert _logsink.sink(runtime_logging, LINE) is True
    direct = capsys.readouterr().out
    runtime_logging.info("%s", LINE)
    through_logging = capsys.readouterr().out
    assert direct == through_logging
    request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    assert direct == f"[INFO]\t2025-12-06T05:46:40.250Z\t{request_id}\t{LINE}\n"


def test_a_handler_of_the_users_on_root_sends_the_line_through_logging(
    runtime_logging: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone(monkeypatch)
    logging.getLogger().addHandler(logging.NullHandler())
    assert _logsink.sink is not None
    assert _logsink.sink(runtime_logging, LINE) is False  # so the access log goes via logging


@pytest.mark.parametrize(
    "change",
    [
        "handler on the access logger",
        "filter on the access logger",
        "filter on the runtime's handler",
        "formatter of the user's",
        "level above info",
        "no propagation",
        "record factory",
    ],
)
def test_anything_a_user_configured_sends_the_line_through_logging(
    runtime_logging: logging.Logger, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime_handler = alone(monkeypatch)
    if change == "handler on the access logger":
        monkeypatch.setattr(runtime_logging, "handlers", [logging.NullHandler()])
    elif change == "filter on the access logger":
        monkeypatch.setattr(runtime_logging, "filters", [logging.Filter("x")])
    elif change == "filter on the runtime's handler":
        filters = [*runtime_handler.filters, logging.Filter()]
        monkeypatch.setattr(runtime_handler, "filters", filters)
    elif change == "formatter of the user's":
        monkeypatch.setattr(runtime_handler, "formatter", logging.Formatter("%(message)s"))
    elif change == "level above info":
        monkeypatch.setattr(runtime_logging, "level", logging.WARNING)
        logging.getLogger().manager._clear_cache()
    elif change == "no propagation":
        monkeypatch.setattr(runtime_logging, "propagate", False)
    elif change == "record factory":
        logging.setLogRecordFactory(lambda *a, **k: logging.LogRecord(*a, **k))
    try:
        assert _logsink.sink is not None
        assert _logsink.sink(runtime_logging, LINE) is False
    finally:
        logging.setLogRecordFactory(logging.LogRecord)
        logging.getLogger().manager._clear_cache()


def test_a_logger_adapter_goes_through_logging(
    runtime_logging: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone(monkeypatch)
    adapter = logging.LoggerAdapter(runtime_logging, {"tenant": "a"})
    assert _logsink.sink is not None
    assert _logsink.sink(adapter, LINE) is False  # type: ignore[arg-type]


def test_json_logs_have_no_direct_sink(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_LOG_FORMAT", "JSON")
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, _logsink.sink)
    root.handlers = []
    _logsink.sink = None
    try:
        _logging.configure()
        assert _logsink.sink is None
    finally:
        root.handlers, _ = saved[0], root.setLevel(saved[1])
        _logsink.sink = saved[2]


def test_a_logger_of_a_subclass_sends_the_line_through_logging(
    runtime_logging: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone(monkeypatch)

    class Custom(logging.Logger):
        pass

    custom = Custom("asgi_lambda.custom")
    custom.parent = runtime_logging
    assert _logsink.sink is not None
    assert _logsink.sink(custom, LINE) is False


def test_a_failed_write_is_left_to_logging_not_raised(
    runtime_logging: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone(monkeypatch)

    def broken(message: str, level: int = 0) -> None:
        raise BrokenPipeError("stdout is closed")

    monkeypatch.setattr(_logging, "write", broken)
    assert _logsink.sink is not None
    assert _logsink.sink(runtime_logging, LINE) is False


@pytest.mark.parametrize("keeps_loggings_name", [False, True], ids=["plain", "functools.wraps"])
@pytest.mark.parametrize(
    ("owner", "name"),
    [
        (logging.Logger, "callHandlers"),  # Sentry's logging integration
        (logging.Logger, "_log"),
        (logging.Handler, "handle"),
        (logging.Filterer, "filter"),
    ],
)
def test_a_patched_method_on_a_records_path_sends_the_line_through_logging(
    runtime_logging: logging.Logger,
    monkeypatch: pytest.MonkeyPatch,
    owner: type,
    name: str,
    keeps_loggings_name: bool,
) -> None:
    alone(monkeypatch)
    original = getattr(owner, name)

    def patched(*args: object, **kwargs: object) -> object:
        return original(*args, **kwargs)

    if keeps_loggings_name:  # as wrapt and ddtrace patch: __module__ stays "logging"
        patched = functools.wraps(original)(patched)
    monkeypatch.setattr(owner, name, patched)
    assert _logsink.sink is not None
    assert _logsink.sink(runtime_logging, LINE) is False


def test_a_method_patched_on_the_logger_itself_sends_the_line_through_logging(
    runtime_logging: logging.Logger, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone(monkeypatch)
    monkeypatch.setattr(runtime_logging, "callHandlers", lambda record: None, raising=False)
    assert _logsink.sink is not None
    assert _logsink.sink(runtime_logging, LINE) is False
