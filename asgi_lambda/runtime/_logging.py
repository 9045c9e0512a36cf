"""Log lines as Lambda's Python runtime writes them, so CloudWatch and its tooling read them alike.

Text (the default): ``[LEVEL]\\tTIMESTAMP\\tREQUEST_ID\\tmessage``, UTC with milliseconds.
``AWS_LAMBDA_LOG_FORMAT=JSON``: one JSON object per line with ``timestamp``, ``level``,
``message``, ``logger`` and ``requestId``.  ``AWS_LAMBDA_LOG_LEVEL`` sets the root level.  The
request id comes from a context variable, so concurrent invocations each log their own.

On the managed runtimes Lambda passes ``_LAMBDA_TELEMETRY_LOG_FD``: records then go to that file
descriptor as frames (type, length, timestamp, message), so a multi-line record such as a
traceback is one CloudWatch event, not one per line.  Elsewhere they go to stdout.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
import time

from .. import _logsink

tenant_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "asgi_lambda_tenant_id", default=None
)
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "asgi_lambda_request_id", default=None
)

_TEXT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"


# Frame types, as Lambda's Python runtime writes them: text and JSON, per level.
_TEXT_FRAMES = {
    logging.NOTSET: 0xA55A0003,
    logging.DEBUG: 0xA55A000B,
    logging.INFO: 0xA55A000F,
    logging.WARNING: 0xA55A0013,
    logging.ERROR: 0xA55A0017,
    logging.CRITICAL: 0xA55A001B,
}
_JSON_FRAMES = {level: frame - 1 for level, frame in _TEXT_FRAMES.items()}
_telemetry: int | None = None  # the telemetry file descriptor, once taken from the environment


def telemetry() -> bool:
    return _telemetry is not None


def write(message: str, level: int = logging.NOTSET) -> None:
    """One log record: a telemetry frame when Lambda gave us the fd, else a line on stdout."""
    if _telemetry is None:
        sys.stdout.write(message + "\n")
        sys.stdout.flush()
        return
    data = message.encode("utf-8", "replace")
    frames = _JSON_FRAMES if json_format() else _TEXT_FRAMES
    frame = frames.get(level, frames[logging.NOTSET])
    head = frame.to_bytes(4, "big") + len(data).to_bytes(4, "big")
    os.write(_telemetry, head + (time.time_ns() // 1000).to_bytes(8, "big") + data)


class _LambdaHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            write(self.format(record), record.levelno)
        except Exception:
            self.handleError(record)


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = request_id.get() or ""  # empty during init, as on Lambda
        return True


class _JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", None),
            "tenantId": tenant_id.get(),  # as awslambdaric adds it, when Lambda sends one
        }
        if record.exc_info:
            error = record.exc_info[1]
            fields["errorType"] = type(error).__name__
            fields["errorMessage"] = str(error)
            fields["stackTrace"] = self.formatException(record.exc_info).splitlines()
        return json.dumps({k: v for k, v in fields.items() if v is not None}, default=str)


def json_format() -> bool:
    return os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON"


_PLAIN_LOGGERS = (logging.Logger, logging.RootLogger)
# What a record passes through on its way to the handler; a library that wants every record
# (Sentry's logging integration patches ``Logger.callHandlers``, tracers wrap ``Logger._log``)
# replaces one of these.  Taken when the runtime starts, before the app's import: a later patch
# is a different object, even one made with ``functools.wraps`` (which keeps the module name).
_RECORD_PATH = (
    (logging.Logger, ("_log", "makeRecord", "handle", "callHandlers", "info", "isEnabledFor")),
    (logging.Handler, ("handle", "format")),
    (logging.Filterer, ("filter",)),
)
_ORIGINALS = tuple(
    (owner, name, getattr(owner, name)) for owner, names in _RECORD_PATH for name in names
)


def _methods_are_loggings(logger: logging.Logger) -> bool:
    """Is every method a record meets logging's own, unpatched on its class or this logger?"""
    if vars(logger).keys() & _PATCHABLE or vars(logging.RootLogger).keys() & _PATCHABLE:
        return False
    return all(
        getattr(owner, name) is original and original.__module__ == "logging"
        for owner, name, original in _ORIGINALS
    )


_PATCHABLE = frozenset(name for owner, names in _RECORD_PATH for name in names)


class _Direct:
    """The access line's sink (``asgi_lambda._logsink``): the text handler's bytes, written
    without a ``LogRecord`` while the runtime's handler is the only one that could see it."""

    def __init__(self, handler: logging.Handler, formatter: logging.Formatter) -> None:
        self.handler = handler
        self.formatter = formatter
        self.filters = list(handler.filters)
        self.root = logging.getLogger()
        self.second = -1
        self.stamp = ""  # the timestamp's text up to the second, made once a second

    def __call__(self, logger: logging.Logger, message: str) -> bool:
        if not self._alone(logger):
            return False
        now = time.time()
        second = int(now)
        if second != self.second:
            self.second, self.stamp = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
        msecs = int((now - second) * 1000)
        try:
            write(f"[INFO]\t{self.stamp}.{msecs:03d}Z\t{request_id.get() or ''}\t{message}", 20)
        except Exception:  # a closed stdout: logging's handler reports it, never the request
            return False
        return True

    def _alone(self, logger: logging.Logger) -> bool:
        """Would an INFO record of ``logger`` reach this handler, and it alone, unchanged?"""
        if type(logger) not in _PLAIN_LOGGERS or not _methods_are_loggings(logger):
            return False  # an adapter, a subclass or a patched method may see the record
        if not logger.isEnabledFor(logging.INFO):
            return False
        handler, root = self.handler, self.root
        if (
            root.handlers != [handler]
            or root.filters
            or handler.filters != self.filters
            or handler.formatter is not self.formatter
            or handler.level > logging.INFO
            or logging.getLogRecordFactory() is not logging.LogRecord
        ):
            return False
        node: logging.Logger | None = logger
        while node is not None and node is not root:
            if node.handlers or node.filters or not node.propagate:
                return False
            node = node.parent
        return node is root


def configure() -> None:
    """Install the root handler, once, as the managed runtime does."""
    global _telemetry
    root = logging.getLogger()
    if any(getattr(h, "_asgi_lambda_runtime", False) for h in root.handlers):
        return
    fd = os.environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)  # the app's subprocesses must not
    if fd is not None and fd.isdigit():
        _telemetry = int(fd)
    handler = _LambdaHandler()
    handler._asgi_lambda_runtime = True  # type: ignore[attr-defined]
    if json_format():
        handler.setFormatter(_JSONFormatter())
    else:
        formatter = logging.Formatter(_TEXT, "%Y-%m-%dT%H:%M:%S")
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    handler.addFilter(_RequestId())
    root.addHandler(handler)
    if not json_format():
        assert handler.formatter is not None
        _logsink.sink = _Direct(handler, handler.formatter)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    level = "DEBUG" if level == "TRACE" else level
    known = isinstance(logging.getLevelName(level), int)  # getLevelNamesMapping is 3.11+
    root.setLevel(level if level and known else logging.WARNING)
