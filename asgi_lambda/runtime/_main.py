"""Init: find the handler, start the app, take a SnapStart snapshot, then serve until SIGTERM."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType

from .._lifespan import shutdown_all
from .._loop import get_loop
from .._target import Target, TargetError, load_target, task_root
from . import _logging, _snapstart
from ._address import RuntimeAddress, RuntimeAddressError, parse_address
from ._connection import BlockingConnection, RuntimeAPIError
from ._context import reset_environment
from ._errors import InitError, log_error, stack_of
from ._runtime import JSON_TYPE, Runtime

logger = logging.getLogger("asgi_lambda.runtime")

INVOKE_MODE_VARIABLE = "ASGI_LAMBDA_INVOKE_MODE"
USAGE = """usage: asgi-lambda-runtime [HANDLER]

Serves the Lambda Runtime API's invocations with an ASGI app (docs/streaming.md).
HANDLER (default: $_HANDLER) is module.attr or module:attr, imported from $LAMBDA_TASK_ROOT
or the current directory.  Environment: AWS_LAMBDA_RUNTIME_API, ASGI_LAMBDA_INVOKE_MODE
(BUFFERED or RESPONSE_STREAM), AWS_LAMBDA_MAX_CONCURRENCY.
"""


GRACE_VARIABLE = "ASGI_LAMBDA_SHUTDOWN_GRACE"
DEFAULT_GRACE = 0.3  # seconds: what Lambda leaves a runtime between SIGTERM and SIGKILL


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        print(USAGE, end="")
        return 0
    if args and args[0] == "--version":
        from .._version import __version__

        print(f"asgi-lambda-runtime {__version__}")
        return 0
    _logging.configure()
    reset_environment()
    try:
        address = parse_address(os.environ.get("AWS_LAMBDA_RUNTIME_API"))
    except RuntimeAddressError as exc:
        print(f"asgi-lambda-runtime: {exc}", file=sys.stderr)
        return 2
    spec = args[0] if args else os.environ.get("_HANDLER")
    loop = get_loop()
    try:
        target = _load(spec)
        stream = streaming(target)
        if target.adapter is not None:
            loop.run_until_complete(target.adapter.start())
        if _snapstart.enabled():
            loop.run_until_complete(_snapstart.checkpoint(address))
    except InitError as exc:
        report_init_error(address, exc)
        return 1
    concurrency = _concurrency(os.environ.get("AWS_LAMBDA_MAX_CONCURRENCY"))
    runtime = Runtime(address, target, stream, concurrency)
    grace = _grace(os.environ.get(GRACE_VARIABLE))

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        # Raises nothing: an exception from a signal handler is lost if the signal lands in a
        # finaliser (a weakref callback), and the runtime then waited for /next forever.
        runtime.stop()
        loop.call_soon_threadsafe(runtime.begin_grace, grace)

    signal.signal(signal.SIGTERM, on_sigterm)
    runtime.wakeup = _wakeup_pipe()
    try:
        loop.run_until_complete(runtime.serve_forever())
    except asyncio.CancelledError:
        if not runtime.stopping:
            raise
    except (OSError, RuntimeAPIError) as exc:
        print(
            f"asgi-lambda-runtime: the Runtime API at {os.environ['AWS_LAMBDA_RUNTIME_API']} "
            f"failed: {exc}",
            file=sys.stderr,
        )
        return 1
    if runtime.stopping:  # SIGTERM: what is left, then lifespan shutdown
        runtime.report_cut()
        pending = shutdown_all()
        if pending is not None:
            loop.run_until_complete(pending)
    return 0


def _wakeup_pipe() -> int:
    """A pipe the interpreter writes a byte to when a signal arrives (``set_wakeup_fd``): the
    runtime waits on it beside its sockets, so a SIGTERM that lands just before a blocking wait
    for ``/next`` begins still wakes it (the Python handler alone runs only between bytecodes,
    and the process would sleep in ``recv`` with the handler pending)."""
    read, write = os.pipe()
    os.set_blocking(read, False)
    os.set_blocking(write, False)
    signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    return read


def _grace(value: str | None) -> float:
    try:
        return max(float(value), 0.0) if value else DEFAULT_GRACE
    except ValueError:
        logger.warning(
            "%s=%r is not a number of seconds: %.1f", GRACE_VARIABLE, value, DEFAULT_GRACE
        )
        return DEFAULT_GRACE


def _load(spec: str | None) -> Target:
    """The handler, or its failure as the ``Runtime.*`` init error awslambdaric reports."""
    try:
        return load_target(spec, task_root())
    except TargetError as exc:
        cause = exc.__cause__
        stack = exc.stack or (stack_of(cause) if cause and exc.kind == type(cause).__name__ else [])
        raise InitError(exc.kind, exc.message, stack) from exc


def streaming(target: Target) -> bool:
    """RESPONSE_STREAM from the handler's ``invoke_mode``, else ``ASGI_LAMBDA_INVOKE_MODE``."""
    mode: str | None = target.adapter.options.invoke_mode if target.adapter else None
    if mode is None:
        mode = (os.environ.get(INVOKE_MODE_VARIABLE) or "BUFFERED").strip().upper()
        if mode not in ("BUFFERED", "RESPONSE_STREAM"):
            raise InitError(
                "Runtime.InvalidInvokeMode",
                f"{INVOKE_MODE_VARIABLE}={mode!r}: expected BUFFERED or RESPONSE_STREAM",
            )
    if mode == "RESPONSE_STREAM" and target.adapter is None:
        raise InitError(
            "Runtime.InvalidInvokeMode",
            f"{target.name} is a plain Lambda handler: RESPONSE_STREAM needs an ASGI app",
        )
    return mode == "RESPONSE_STREAM"


def report_init_error(address: RuntimeAddress, error: InitError) -> None:
    """Log the failure as Lambda's runtime does and post it to ``/init/error``."""
    payload = error.payload()
    log_error(payload, _logging.json_format())
    headers = (
        JSON_TYPE
        + b"Lambda-Runtime-Function-Error-Type: "
        + error.error_type.encode("latin-1", "replace")
        + b"\r\n"
    )
    connection = BlockingConnection(address)
    try:
        loop = get_loop()
        loop.run_until_complete(
            connection.exchange(
                "POST",
                address.path(error.report_path),
                headers,
                json.dumps(payload).encode("utf-8"),
            )
        )
    except OSError as exc:
        print(f"asgi-lambda-runtime: could not report the init error: {exc}", file=sys.stderr)
    finally:
        connection.close()


def _concurrency(value: str | None) -> int:
    try:
        return max(int(value or 1), 1)
    except ValueError:
        logger.warning("AWS_LAMBDA_MAX_CONCURRENCY=%r is not a number: one at a time", value)
        return 1
