"""Finds the handler a name points at: the one loader behind ``invoke``, ``serve`` and the runtime.

A name is Lambda's ``module.attr`` (``app.handler``, ``api/main.handler``: what a template's
``Handler`` says) or ``module:attr`` as ASGI servers spell it (``examples.app:app``, the
attribute may be dotted).  The module is imported from ``LAMBDA_TASK_ROOT`` (or the current
directory).  What it names may be an ``asgi_handler(...)`` result, a function decorated with
``@asgi_handler(app)``, a bare ASGI app (wrapped with the defaults, or the options given), or a
plain Lambda handler ``def handler(event, context)``.  A Mangum handler and a WSGI app are
refused with what to do instead.  Failures are ``TargetError``s carrying awslambdaric's
``Runtime.*`` error types, so the runtime reports them as Lambda's own runtime would and the
command line prints the same sentence.
"""

from __future__ import annotations

import importlib
import inspect
import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._handler import Adapter

LambdaHandler = Callable[[Any, Any], Any]


class TargetError(Exception):
    """The name does not lead to a handler: ``kind`` is awslambdaric's ``Runtime.*`` type."""

    def __init__(
        self, kind: str, message: str, stack: list[str] | None = None, said: str = ""
    ) -> None:
        super().__init__(said or message)  # what the command line prints
        self.kind = kind
        self.message = message  # what awslambdaric would report
        self.stack = stack or []


class Target:
    """What a name leads to: ``handler`` is what Lambda calls, ``handler(event, context)``.

    ``adapter`` is the ASGI adapter behind it (None for a plain handler); ``function`` is a
    plain handler, or the function a decorated handler runs before the app.
    """

    __slots__ = ("handler", "adapter", "function", "name")

    # A plain class, not a dataclass: generating one costs cold start (docs/performance.md).
    def __init__(
        self,
        handler: LambdaHandler,
        adapter: Adapter | None,
        function: LambdaHandler | None,
        name: str,
    ) -> None:
        self.handler = handler
        self.adapter = adapter
        self.function = function
        self.name = name


def split_name(spec: str | None) -> tuple[str, str]:
    """``(module, attribute)`` from ``module:attr`` or ``module.attr`` (slashes become dots)."""
    text = (spec or "").strip()
    if not text:
        raise TargetError(
            "Runtime.MalformedHandlerName", "Bad handler '': name it module.attr or module:attr"
        )
    module, sep, attr = text.partition(":") if ":" in text else text.rpartition(".")
    if not sep or not module or not attr:
        raise TargetError(
            "Runtime.MalformedHandlerName",
            f"Bad handler '{text}': name it module.attr or module:attr",
        )
    return module.replace("/", "."), attr


def task_root() -> str:
    """Where handler modules are imported from: ``LAMBDA_TASK_ROOT``, as in Lambda, or here."""
    return os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()


def import_target(spec: str | None, root: str | None = None) -> Any:
    """The object ``spec`` names, its module imported from ``root`` (default: ``task_root()``)."""
    module_name, attr = split_name(spec)
    if module_name in sys.builtin_module_names:
        raise TargetError(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {module_name} as a handler module",
        )
    root = root or task_root()
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise TargetError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {(exc.text or "").strip()}\n']
        raise TargetError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}", trace
        ) from exc
    except Exception as exc:
        said = f"Importing module '{module_name}' raised {type(exc).__name__}: {exc}"
        raise TargetError(type(exc).__name__, str(exc), said=said) from exc
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise TargetError(
                "Runtime.HandlerNotFound", f"Handler '{attr}' missing on module '{module_name}'"
            ) from None
    return obj


def classify(obj: Any, name: str, options: Mapping[str, Any] | None = None) -> Target:
    """How to call ``obj``; an ASGI app is wrapped in ``asgi_handler(obj, **options)``."""
    adapter = getattr(obj, "adapter", None)
    if adapter is not None:  # built by asgi_handler, maybe under Powertools' decorators
        _no_options(name, options)
        return Target(obj, adapter, getattr(obj, "before", None), name)
    if _is_mangum(obj):
        raise TargetError(
            "Runtime.InvalidHandler",
            f"{name} is a Mangum handler: point at its ASGI app instead, or replace "
            "Mangum(app, ...) with asgi_handler(app, ...) (docs/migrating-from-mangum.md)",
        )
    if _is_plain_handler(obj):
        _no_options(name, options)
        return Target(obj, None, obj, name)
    if not callable(obj):
        raise TargetError(
            "Runtime.HandlerNotFound", f"Handler '{name}' is {type(obj).__name__}, not callable"
        )
    from ._errors import ConfigurationError
    from ._handler import asgi_handler

    try:
        handler = asgi_handler(obj, **(options or {}))
    except ConfigurationError as exc:  # a WSGI app, a Lambda handler of the wrong shape
        raise TargetError("Runtime.InvalidHandler", f"{name}: {exc}") from None
    return Target(handler, handler.adapter, None, name)  # type: ignore[attr-defined]


def load_target(
    spec: str | None, root: str | None = None, options: Mapping[str, Any] | None = None
) -> Target:
    """``classify(import_target(spec, root), ...)``: the whole way from a name to a handler."""
    name = (spec or "").strip()  # as the user wrote it, in every message
    return classify(import_target(name, root), name, options)


def _is_plain_handler(obj: Any) -> bool:
    """A sync callable of two positional parameters that are not WSGI's ``(environ, ...)``.

    Whatever their names (``def handler(event, _context)``), as awslambdaric calls it.
    """
    from ._options import positional_names

    if inspect.isclass(obj) or not callable(obj):
        return False
    function = obj if inspect.isfunction(obj) or inspect.ismethod(obj) else obj.__call__
    if inspect.iscoroutinefunction(function):
        return False
    names = positional_names(inspect.unwrap(function))
    return names is not None and len(names) == 2 and names[0] != "environ"


def _is_mangum(obj: Any) -> bool:
    return type(obj).__name__ == "Mangum" and type(obj).__module__.startswith("mangum")


def _no_options(name: str, options: Mapping[str, Any] | None) -> None:
    if options:
        raise TargetError(
            "Runtime.InvalidHandler",
            f"{name} is already a Lambda handler, whose options are set in code: "
            "drop --lifespan/--option, or point at the ASGI app itself",
        )
