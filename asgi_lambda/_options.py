"""The options ``asgi_handler`` accepts, checked once at construction.

Names follow Mangum's where Mangum has the option, so migration is a rename.  Every check raises a
``ConfigurationError`` that names the option, long before the first request.
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal, get_args

from ._errors import ConfigurationError
from ._http.middleware import Middleware

LifespanMode = Literal["auto", "on", "off"]
CompressionMode = bool | Literal["auto"]
EventKind = Literal["sqs", "sns", "s3", "dynamodb", "kinesis", "eventbridge", "schedule", "direct"]
EVENT_KINDS: tuple[str, ...] = get_args(EventKind)
PASS_THROUGH_VARIABLE = "AWS_LWA_PASS_THROUGH_PATH"
LogLevel = Literal[
    "critical", "error", "warning", "info", "debug", "CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"
]
InvokeMode = Literal["BUFFERED", "RESPONSE_STREAM"]
AsyncBackend = Literal["auto", "asyncio", "trio"]
ASYNC_BACKENDS: tuple[str, ...] = get_args(AsyncBackend)
INVOKE_MODES: tuple[str, ...] = get_args(InvokeMode)
LIFESPAN_MODES = ("auto", "on", "off")
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


class Options:
    """The options of one handler, checked (``build_options``); read-only once built.

    Each option is a class attribute holding its default (the one list of options: the names,
    types and defaults); an object holds only the values given.  A plain class, not a
    dataclass: generating a 28-field frozen dataclass cost 1.4 ms of every cold start
    (docs/performance.md).
    """

    lifespan: LifespanMode = "auto"
    api_gateway_base_path: str = "/"
    strip_stage_path: bool = False
    text_mime_types: tuple[str, ...] = ()
    exclude_headers: tuple[str, ...] = ()
    compression: CompressionMode = "auto"
    compression_min_size: int = 500
    compress_edge_responses: bool = False
    log_level: str = "info"
    access_log: bool = True
    middlewares: tuple[Middleware, ...] = ()
    propagate_exceptions: bool = False
    fail_on_status: frozenset[int] = frozenset()
    dsn: str | None = None
    api_gateway_endpoint_url: str | None = None
    api_gateway_region_name: str | None = None
    logger: Any = None
    tracer: Any = None
    metrics: Any = None
    deadline_margin: float = 0.5
    default_timeout: float = 30.0
    startup_timeout: float = 10.0
    shutdown_timeout: float = 1.0
    event_routes: dict[str, str] = {}  # each object gets its own (``__init__``)
    pass_through_path: str | None = None
    batch_item_failures: bool = False
    invoke_mode: InvokeMode | None = None
    async_backend: AsyncBackend = "auto"

    def __init__(self, **values: Any) -> None:
        unknown = values.keys() - _NAMES
        if unknown:
            raise TypeError(f"Options() got unknown options: {', '.join(sorted(unknown))}")
        values.setdefault("event_routes", {})
        vars(self).update(values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"options are read-only: cannot assign to {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"options are read-only: cannot delete {name!r}")

    def __repr__(self) -> str:
        return "Options(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in OPTION_NAMES) + ")"


OPTION_NAMES: tuple[str, ...] = tuple(Options.__annotations__)
_NAMES = frozenset(OPTION_NAMES)


# Mangum's options that asgi-lambda has no option of the same name for, and what replaces each.
MANGUM_ONLY = {
    "custom_handlers": "event sources are detected from the event itself, and non-HTTP events "
    "reach the app through event_routes or pass_through_path (docs/events.md); to answer an "
    "event yourself, decorate a function: @asgi_handler(app)",
}


def unknown_option(name: str) -> ConfigurationError:
    """The error for an option name ``asgi_handler`` does not have, with a near miss if any."""
    import difflib  # only for the error: kept off the cold start

    if name in MANGUM_ONLY:
        return ConfigurationError(
            f"{name!r} is Mangum's option, not asgi-lambda's: {MANGUM_ONLY[name]}"
        )

    known = list(OPTION_NAMES)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known options: {', '.join(known)}"
    return ConfigurationError(f"unknown option {name!r}{hint}")


def positional_names(function: Any) -> list[str] | None:
    """The positional parameter names of ``function`` (None if it takes ``*args`` or has no
    signature Python can read)."""
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return None
    return [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def is_lambda_handler(obj: Any) -> bool:
    """A plain (sync) function of ``(event, context)``: a Lambda handler, not an ASGI app."""
    if not inspect.isfunction(obj) or inspect.iscoroutinefunction(obj):
        return False
    names = positional_names(inspect.unwrap(obj))
    return names is not None and names[:2] == ["event", "context"]


def check_app(app: Any) -> None:
    """Refuse, with what to do instead, things that are not ASGI apps (checked once, here).

    ASGI 3 is ``async (scope, receive, send)``; ASGI 2 a sync callable of ``(scope)`` returning
    one of ``(receive, send)``.  Two sync positional parameters is WSGI's ``(environ,
    start_response)``, for a function and for an object's ``__call__`` (Flask, Django's
    ``WSGIHandler``) alike.
    """
    if app is None:
        raise ConfigurationError("asgi_handler(app): app is None; pass your ASGI application")
    if not callable(app):
        raise ConfigurationError(
            f"asgi_handler(app): {app!r} is not callable; pass your ASGI application"
        )
    if is_lambda_handler(app):
        raise ConfigurationError(
            f"asgi_handler got the Lambda handler {app.__name__!r} instead of an ASGI app: "
            "use the decorator with the app, @asgi_handler(app), not bare @asgi_handler"
        )
    if inspect.isclass(app):
        # An ASGI 2 class is instantiated per scope: ``__init__(self, scope)``.  A class that
        # cannot take one (a pydantic model, a dataclass of settings) is not an app.
        names = positional_names(app.__init__)
        if names is not None and len(names) != 2 and app.__init__ is not object.__init__:
            raise ConfigurationError(
                f"{app.__name__!r} is a class whose constructor does not take a scope: not an "
                "ASGI app (an ASGI 2 class is made with (scope); an ASGI 3 app is an instance "
                "or a function). Point at the app itself"
            )
        return
    function = app if inspect.isfunction(app) or inspect.ismethod(app) else app.__call__
    names = positional_names(function)
    if names is None:
        return
    label = getattr(app, "__name__", None) or type(app).__name__
    if inspect.iscoroutinefunction(function):
        if len(names) != 3:
            raise ConfigurationError(
                f"{label!r} is async with {len(names)} positional parameter(s): an ASGI 3 app "
                "takes three, (scope, receive, send)"
            )
    elif len(names) == 2:
        raise ConfigurationError(
            f"{label!r} takes two arguments ({', '.join(names)}): that is a WSGI app, not an "
            "ASGI one. Wrap it first, e.g. a2wsgi.WSGIMiddleware(app) or "
            "asgiref.wsgi.WsgiToAsgi(app)"
        )


def build_options(**values: Any) -> Options:
    """Validate keyword options into an ``Options``; unknown names are errors too."""
    known = OPTION_NAMES
    for name in values:
        if name not in known:
            raise unknown_option(name)
    checked = dict(values)
    if "lifespan" in values and values["lifespan"] not in LIFESPAN_MODES:
        raise ConfigurationError(
            f"option 'lifespan' must be one of {LIFESPAN_MODES}, not {values['lifespan']!r}"
        )
    if "api_gateway_base_path" in values:
        checked["api_gateway_base_path"] = _base_path(values["api_gateway_base_path"])
    for name in ("text_mime_types", "exclude_headers"):
        if name in values:
            checked[name] = _strings(name, values[name])
    if "exclude_headers" in checked:
        checked["exclude_headers"] = tuple(h.lower() for h in checked["exclude_headers"])
    if "compression" in values and values["compression"] not in (True, False, "auto"):
        raise ConfigurationError(
            f"option 'compression' must be 'auto', True or False, not {values['compression']!r}"
        )
    for name in (
        "strip_stage_path",
        "compress_edge_responses",
        "access_log",
        "propagate_exceptions",
    ):
        if name in values and not isinstance(values[name], bool):
            raise ConfigurationError(f"option {name!r} must be True or False, not {values[name]!r}")
    if "compression_min_size" in values:
        size = values["compression_min_size"]
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ConfigurationError(
                f"option 'compression_min_size' must be a whole number >= 0, not {size!r}"
            )
    if "log_level" in values:
        checked["log_level"] = _log_level(values["log_level"])
    if "middlewares" in values:
        checked["middlewares"] = _middlewares(values["middlewares"])
    if "fail_on_status" in values:
        checked["fail_on_status"] = _statuses(values["fail_on_status"])
    for name in ("deadline_margin", "default_timeout", "startup_timeout", "shutdown_timeout"):
        if name in values:
            checked[name] = _seconds(name, values[name], allow_zero=name == "deadline_margin")
    for name in ("dsn", "api_gateway_endpoint_url", "api_gateway_region_name"):
        if values.get(name) is not None and not isinstance(values[name], str):
            raise ConfigurationError(f"option {name!r} must be a string, not {values[name]!r}")
    if "event_routes" in values:
        checked["event_routes"] = _event_routes(values["event_routes"])
    if "pass_through_path" in values or "event_routes" in values:
        path = values.get("pass_through_path")
        if path is None:
            path = os.environ.get(PASS_THROUGH_VARIABLE) or None
        checked["pass_through_path"] = None if path is None else _path("pass_through_path", path)
    if not isinstance(values.get("batch_item_failures", False), bool):
        raise ConfigurationError(
            f"option 'batch_item_failures' must be True or False, "
            f"not {values['batch_item_failures']!r}"
        )
    backend = values.get("async_backend", "auto")
    if backend not in ASYNC_BACKENDS:
        raise ConfigurationError(
            f"option 'async_backend' must be 'auto', 'asyncio' or 'trio', not {backend!r}"
        )
    if backend == "trio":
        try:
            import trio  # noqa: F401 - checked here, used from the first request on
        except ImportError:
            raise ConfigurationError(
                "option async_backend='trio' needs trio: pip install trio"
            ) from None
    mode = values.get("invoke_mode")
    if mode is not None:
        if not isinstance(mode, str) or mode.upper() not in INVOKE_MODES:
            raise ConfigurationError(
                f"option 'invoke_mode' must be 'BUFFERED' or 'RESPONSE_STREAM', not {mode!r}"
            )
        checked["invoke_mode"] = mode.upper()
    if values.get("dsn") is not None:
        from .websockets.backends import backend_from_dsn  # parses and checks; connects to nothing

        backend_from_dsn(values["dsn"]).close()
    return Options(**checked)


def _seconds(name: str, value: Any, allow_zero: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ConfigurationError(f"option {name!r} must be a number of seconds, not {value!r}")
    if value < 0 or (value == 0 and not allow_zero) or value == float("inf"):
        least = ">= 0" if allow_zero else "> 0"
        raise ConfigurationError(
            f"option {name!r} must be a finite number {least} seconds, not {value!r}"
        )
    return float(value)


def _event_routes(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigurationError(
            f"option 'event_routes' must map event kinds to paths, e.g. {{'sqs': '/jobs'}}, "
            f"not {value!r}"
        )
    routes = {}
    for kind, path in value.items():
        if kind not in EVENT_KINDS:
            raise ConfigurationError(
                f"option 'event_routes' has an unknown event kind {kind!r}; known: "
                f"{', '.join(EVENT_KINDS)}"
            )
        routes[kind] = _path(f"event_routes[{kind!r}]", path)
    return routes


def _path(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.startswith("/"):
        raise ConfigurationError(f"option {name} must be a path starting with '/', not {value!r}")
    return value


def _base_path(value: Any) -> str:
    if value is None:
        return "/"
    if not isinstance(value, str):
        raise ConfigurationError(f"option 'api_gateway_base_path' must be a string, not {value!r}")
    stripped = value.strip("/")
    return "/" + stripped if stripped else "/"


def _strings(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Collection):
        raise ConfigurationError(f"option {name!r} must be a list of strings, not {value!r}")
    if not all(isinstance(item, str) for item in value):
        raise ConfigurationError(f"option {name!r} must contain only strings, not {value!r}")
    return tuple(value)


def _log_level(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        name = logging.getLevelName(value)
        if not isinstance(name, str) or name.lower() not in LOG_LEVELS:
            raise ConfigurationError(
                f"option 'log_level' must be one of {LOG_LEVELS} or a logging level number "
                f"such as logging.INFO, not {value!r}"
            )
        return name.lower()
    if not isinstance(value, str) or value.lower() not in LOG_LEVELS:
        raise ConfigurationError(f"option 'log_level' must be one of {LOG_LEVELS}, not {value!r}")
    return value.lower()


def _middlewares(value: Any) -> tuple[Middleware, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ConfigurationError(f"option 'middlewares' must be a list, not {value!r}")
    for item in value:
        problem = _middleware_problem(item)
        if problem:
            raise ConfigurationError(
                f"option 'middlewares' has {item!r}, which {problem}: a middleware is "
                "`async def middleware(request, call_next) -> Response` (docs/middlewares.md)"
            )
    return tuple(value)


def _middleware_problem(item: Any) -> str:
    """Why ``item`` cannot be a middleware, or "" if it looks like one."""
    if not callable(item):
        return "is not callable"
    function = item if inspect.isfunction(item) or inspect.ismethod(item) else item.__call__
    try:
        parameters = inspect.signature(item).parameters.values()
    except (TypeError, ValueError):
        return ""  # a builtin or C callable: nothing to check
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    variadic = any(p.kind is p.VAR_POSITIONAL for p in parameters)
    required = [p for p in positional if p.default is p.empty]
    if not variadic and (len(positional) < 2 or len(required) > 2):
        return f"takes {len(positional)} positional argument(s) instead of 2"
    if not inspect.iscoroutinefunction(function) and not _returns_awaitable(function):
        return "is not async"
    return ""


def _returns_awaitable(function: Any) -> bool:
    """Plain functions that hand back an awaitable (as ``functools.partial`` of one) pass."""
    wrapped = getattr(function, "func", None)
    return wrapped is not None and inspect.iscoroutinefunction(wrapped)


def _statuses(value: Any) -> frozenset[int]:
    """Accept status codes and class names such as ``"5xx"``."""
    if isinstance(value, (str, int)) or not isinstance(value, Collection):
        raise ConfigurationError(
            f"option 'fail_on_status' must be a list of status codes or classes like '5xx', "
            f"not {value!r}"
        )
    codes: set[int] = set()
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool) and 100 <= item <= 599:
            codes.add(item)
        elif isinstance(item, str) and len(item) == 3 and item[0] in "12345" and item[1:] == "xx":
            first = int(item[0]) * 100
            codes.update(range(first, first + 100))
        else:
            raise ConfigurationError(
                f"option 'fail_on_status' has {item!r}: use status codes 100-599 or '4xx'/'5xx'"
            )
    return frozenset(codes)
