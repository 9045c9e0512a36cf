"""``asgi_handler``: the public entry point, and the adapter that serves one invocation."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, overload

from ._asgi_app import as_asgi3
from ._deadline import Deadline, deadline_for
from ._errors import BadRequestError
from ._http_cycle import log_timeout, run_http_app, timeout_response
from ._loop import DeadlineExceededError, get_loop, run
from ._middleware import CallNext, compose
from ._options import Options, build_options
from ._request import Request
from ._response import Response, plain_text
from ._sources import detect
from ._sources._base import EventSource
from ._stack import middleware_stack
from ._types import ASGIApp, LambdaContext, LambdaEvent, LambdaResponse
from .middlewares.lifespan import Lifespan

if TYPE_CHECKING:
    from ._websocket import WebSocketHandler

logger = logging.getLogger("asgi_lambda")

_NO_CONTEXT: Any = object()


class InvocationFailedError(RuntimeError):
    """Raised to Lambda for a status listed in ``fail_on_status``, so Lambda counts an error."""

    def __init__(self, status: int, response: LambdaResponse) -> None:
        super().__init__(f"the app answered {status}, which fail_on_status turns into a failure")
        self.status = status
        self.response = response


LambdaHandlerFunction = Callable[[LambdaEvent, LambdaContext], Any]


class LambdaHandler(Protocol):
    """What ``asgi_handler`` returns: a Lambda handler that is also a decorator."""

    __name__: str

    @overload
    def __call__(self, event: LambdaEvent, context: LambdaContext) -> LambdaResponse: ...

    @overload
    def __call__(self, event: LambdaHandlerFunction) -> LambdaHandlerFunction: ...

    def __call__(self, event: Any, context: Any = ...) -> Any: ...


class Adapter:
    """Everything built once per execution environment for one app: options, chain, lifespan."""

    def __init__(self, app: Any, options: Options) -> None:
        self.app: ASGIApp = as_asgi3(app)
        self.options = options
        self.middlewares = middleware_stack(self.app, options)
        self.chain: CallNext = compose(self.middlewares, self._run_app)
        self._websocket: WebSocketHandler | None = None
        if options.log_level:
            logger.setLevel(options.log_level.upper())

    def _run_app(self, request: Request) -> Awaitable[Response]:
        # Hands back run_http_app's coroutine instead of awaiting it in one of its own: the
        # chain's innermost step costs one coroutine frame less per request.
        return run_http_app(self.app, request, self.options.propagate_exceptions)

    async def _serve(self, request: Request) -> Response:
        try:
            return await self.chain(request)
        except Exception:
            if self.options.propagate_exceptions:
                raise
            logger.exception("a middleware raised: answering 500")
            return plain_text(500, "Internal Server Error")
        except asyncio.CancelledError:
            deadline = request.deadline
            if deadline is None or not deadline.expired:
                raise
            # The core answers 504 for the app itself; here a middleware was still waiting.
            deadline.acknowledge()
            log_timeout(request, deadline, "a middleware")
            return timeout_response()

    def deadline(self, context: LambdaContext) -> Deadline:
        """This invocation's deadline, on the adapter's loop clock."""
        options = self.options
        now = get_loop().time()
        return deadline_for(context, now, options.deadline_margin, options.default_timeout)

    def __call__(self, event: LambdaEvent, context: LambdaContext) -> LambdaResponse:
        source = detect(event)
        if source.kind == "websocket":
            answer: LambdaResponse = self._websocket_handler()(event, context, source)
            return answer
        try:
            request = _parsed(source, event, context)
        except BadRequestError as exc:
            logger.warning("answering %d: %s", exc.status, exc)
            return source.render(plain_text(exc.status, str(exc)), event)
        deadline = request.deadline = self.deadline(context)
        try:
            response = run(self._serve(request), deadline)
        except DeadlineExceededError:
            log_timeout(request, deadline, "the app (it ignored cancellation)")
            response = timeout_response()
        rendered = source.render(response, event)
        status = response.status
        if status in self.options.fail_on_status:
            raise InvocationFailedError(status, rendered)
        return rendered

    def _websocket_handler(self) -> WebSocketHandler:
        if self._websocket is None:
            from ._websocket import WebSocketHandler  # boto3 & backends only for WebSocket APIs

            # The same lifespan as HTTP requests: one startup per environment, same state.
            lifespan = next((m.cycle for m in self.middlewares if isinstance(m, Lifespan)), None)
            self._websocket = WebSocketHandler(self.app, self.options, lifespan=lifespan)
        return self._websocket


def _parsed(source: EventSource, event: LambdaEvent, context: LambdaContext) -> Request:
    try:
        return source.parse(event, context)
    except UnicodeEncodeError as exc:
        # JSON can spell a lone surrogate (\ud800), which has no bytes in any encoding: the
        # client's error, answered 400 like any other bad value, not a crashed invocation.
        raise BadRequestError(
            f"invalid {source.name} event: text that is not valid Unicode ({exc.reason})"
        ) from None


def asgi_handler(app: Any, **options: Any) -> LambdaHandler:
    """Wrap an ASGI app into a Lambda handler.

    Use the result as the handler itself (``handler = asgi_handler(app)``) or as a decorator over a
    function ``(event, context)`` that runs first: if it returns anything but None, that answers
    the invocation; if it returns None, the event goes to the app.  Options are checked here and a
    bad one raises ``ConfigurationError`` naming it.  See docs/api.md for every option.
    """
    adapter = Adapter(app, build_options(**options))

    def handler(event: Any, context: Any = _NO_CONTEXT) -> Any:
        if context is _NO_CONTEXT:
            if callable(event):
                return _decorated(adapter, event)
            context = None
        return adapter(event, context)

    handler.adapter = adapter  # type: ignore[attr-defined]
    return handler


def _decorated(adapter: Adapter, function: LambdaHandlerFunction) -> LambdaHandlerFunction:
    @functools.wraps(function)
    def handler(event: LambdaEvent, context: LambdaContext) -> Any:
        answer = function(event, context)
        if answer is not None:
            return answer
        return adapter(event, context)

    handler.adapter = adapter  # type: ignore[attr-defined]
    return handler
