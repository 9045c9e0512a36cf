"""Finds what ``_HANDLER`` names and says how the runtime calls it.

``_HANDLER`` is Lambda's ``module.attr`` (``app.handler``, ``api/main.handler``), or
``module:attr`` as ASGI servers spell it.  The module is imported from ``LAMBDA_TASK_ROOT`` (or
the current directory), and failures become awslambdaric's ``Runtime.*`` init errors.  The
attribute may be an ``asgi_handler(...)`` result (its adapter is used directly, on the
runtime's loop), a function decorated with ``@asgi_handler(app)`` (the function runs first),
a bare ASGI app (wrapped with the defaults), or a plain Lambda handler (called as awslambdaric
would, buffered only).
"""

from __future__ import annotations

import importlib
import inspect
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._asgi_app import is_asgi3
from ._errors import InitError, stack_of

if TYPE_CHECKING:
    from .._handler import Adapter


@dataclass(slots=True)
class Target:
    """How to serve an invocation: through ``adapter``, or by calling ``function``."""

    adapter: Adapter | None
    function: Any = None  # a plain handler, or the function a decorated handler runs first
    name: str = ""


def split_handler(spec: str | None) -> tuple[str, str]:
    if not spec or not spec.strip():
        raise InitError(
            "Runtime.MalformedHandlerName",
            "Bad handler '': set _HANDLER to module.attr (or module:attr)",
        )
    text = spec.strip()
    module, sep, attr = text.rpartition(":") if ":" in text else text.rpartition(".")
    if not sep or not module or not attr:
        raise InitError(
            "Runtime.MalformedHandlerName",
            f"Bad handler '{text}': not enough values to unpack (expected 2, got 1)",
        )
    return module.replace("/", "."), attr


def load_target(spec: str | None, task_root: str) -> Target:
    """Import the handler's module from ``task_root`` and classify what it names."""
    module_name, attr = split_handler(spec)
    if module_name in sys.builtin_module_names:
        raise InitError(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {module_name} as a handler module",
        )
    if task_root not in sys.path:
        sys.path.insert(0, task_root)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InitError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}"
        ) from exc
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {(exc.text or "").strip()}\n']
        raise InitError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}", trace
        ) from exc
    except Exception as exc:
        raise InitError(type(exc).__name__, str(exc), stack_of(exc)) from exc
    try:
        obj = getattr(module, attr)
    except AttributeError:
        raise InitError(
            "Runtime.HandlerNotFound", f"Handler '{attr}' missing on module '{module_name}'"
        ) from None
    return classify(obj, f"{module_name}.{attr}")


def classify(obj: Any, name: str) -> Target:
    adapter = getattr(obj, "adapter", None)
    if adapter is not None:
        return Target(adapter, getattr(obj, "before", None), name)
    if is_asgi3(obj) or inspect.isclass(obj):
        from .._handler import asgi_handler

        return Target(asgi_handler(obj).adapter, None, name)  # type: ignore[attr-defined]
    if callable(obj):
        if not inspect.isfunction(obj):
            from .._errors import ConfigurationError
            from .._options import check_app

            try:
                check_app(obj)  # a WSGI app (Flask, Django's WSGIHandler) says so here
            except ConfigurationError as exc:
                raise InitError("Runtime.InvalidHandler", f"{name}: {exc}") from None
        return Target(None, obj, name)
    raise InitError(
        "Runtime.HandlerNotFound", f"Handler '{name}' is {type(obj).__name__}, not callable"
    )
