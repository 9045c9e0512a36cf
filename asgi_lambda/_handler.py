"""``asgi_handler``: the public entry point, and the adapter that serves one invocation."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, overload

from ._asgi_app import as_asgi3
from ._deadline import Deadline, deadline_for
from ._errors import BadRequestError, UnknownEventError
from ._http.cycle import log_timeout, run_http_app, timeout_response
from ._http.early import run_http_app_early
from ._http.middleware import CallNext, Middleware, compose
from ._http.request import Request
from ._http.response import Response, plain_text
from ._http.stack import middleware_stack
from ._loop import DeadlineExceededError, get_loop, run, run_bounded
from ._options import (
    AsyncBackend,
    CompressionMode,
    EventKind,
    InvokeMode,
    LifespanMode,
    LogLevel,
    Options,
    build_options,
    check_app,
    unknown_option,
)
from ._sources import detect
from ._sources._base import EventSource
from ._types import ASGIApp, LambdaContext, LambdaEvent, LambdaResponse
from .middlewares.lifespan import Lifespan

if TYPE_CHECKING:
    from ._lifespan import LifespanCycle
    from ._sources.events import EventDispatcher
    from .websockets._handler import WebSocketHandler

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
        if uses_trio(app, options.async_backend):
            from ._trio import trio_app  # trio only for the apps that need it

            self.app = trio_app(self.app)
        self.options = options
        self.middlewares = middleware_stack(self.app, options)
        self.chain: CallNext = compose(self.middlewares, self._run_app)
        self._websocket: WebSocketHandler | None = None
        self._events: EventDispatcher | None = None
        if options.event_routes or options.pass_through_path:
            from ._sources.events import EventDispatcher  # only for functions that route them

            self._events = EventDispatcher(
                options.event_routes,
                options.pass_through_path,
                options.batch_item_failures,
                self._serve,
            )
        if options.log_level:
            logger.setLevel(options.log_level.upper())

    def _run_app(self, request: Request) -> Awaitable[Response]:
        # Hands back run_http_app's coroutine instead of awaiting it in one of its own: the
        # chain's innermost step costs one coroutine frame less per request.
        if request.early:
            return run_http_app_early(self.app, request, self.options.propagate_exceptions)
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

    def run_request(self, request: Request) -> Response:
        """Serve ``request`` through the chain on the loop, under its invocation's deadline."""
        deadline = request.deadline = self.deadline(request.context)
        try:
            return run(self._serve(request), deadline)
        except DeadlineExceededError:
            log_timeout(request, deadline, "the app (it ignored cancellation)")
            return timeout_response()

    def deadline(self, context: LambdaContext) -> Deadline:
        """This invocation's deadline, on the adapter's loop clock."""
        options = self.options
        now = get_loop().time()
        return deadline_for(context, now, options.deadline_margin, options.default_timeout)

    def _source_of(self, event: LambdaEvent) -> EventSource | UnknownEventError:
        """The event's front door, or, for an event of no HTTP shape when non-HTTP events are
        routed, the error saying so (raised when they are not).  Returned, not raised, so the
        app's errors while serving the event are not chained to it."""
        try:
            return detect(event)
        except UnknownEventError as unknown:
            if self._events is None:
                raise
            return unknown

    def __call__(self, event: LambdaEvent, context: LambdaContext) -> LambdaResponse:
        source = self._source_of(event)
        if isinstance(source, UnknownEventError):
            events = self._events
            assert events is not None  # _source_of raises the error when nothing routes it
            deadline = self.deadline(context)
            try:
                result: LambdaResponse = run(events(event, context, source, deadline), deadline)
            except DeadlineExceededError:
                raise InvocationFailedError(504, {"statusCode": 504}) from None
            return result
        if source.kind == "websocket":
            answer: LambdaResponse = self._websocket_handler()(event, context, source)
            return answer
        try:
            request = _parsed(source, event, context)
        except BadRequestError as exc:
            logger.warning("answering %d: %s", exc.status, exc)
            return source.render(plain_text(exc.status, str(exc)), event)
        response = self.run_request(request)
        rendered = source.render(response, event)
        status = response.status
        if status in self.options.fail_on_status:
            raise InvocationFailedError(status, rendered)
        return rendered

    async def invoke(self, event: LambdaEvent, context: LambdaContext, stream: bool) -> Outcome:
        """``__call__`` for the native runtime (``asgi_lambda.runtime``), on its running loop.

        HTTP responses come back as soon as the app completed them (``request.after`` is the
        app's remaining work); with ``stream``, behind a Function URL or a REST API, as a
        ``Response`` to stream rather than rendered JSON.
        """
        source = self._source_of(event)
        if isinstance(source, UnknownEventError):
            events = self._events
            assert events is not None  # _source_of raises the error when nothing routes it
            deadline = self.deadline(context)
            try:
                return Outcome(
                    await run_bounded(events(event, context, source, deadline), deadline)
                )
            except DeadlineExceededError:
                raise InvocationFailedError(504, {"statusCode": 504}) from None
        if source.kind == "websocket":
            return Outcome(await self._websocket_handler().invoke(event, context))
        try:
            request = _parsed(source, event, context)
        except BadRequestError as exc:
            logger.warning("answering %d: %s", exc.status, exc)
            return Outcome(source.render(plain_text(exc.status, str(exc)), event))
        request.early = True
        request.stream = stream and streams(source, event)
        deadline = request.deadline = self.deadline(context)
        try:
            # left armed: the caller points it at request.after, then disarms (_after)
            response = await run_bounded(self._serve(request), deadline, keep_armed=True)
        except DeadlineExceededError:
            log_timeout(request, deadline, "the app (it ignored cancellation)")
            response = timeout_response()
        if request.stream:
            return Outcome(None, request, response, source)
        rendered = source.render(response, event)
        outcome = Outcome(rendered, request)
        if response.status in self.options.fail_on_status:
            outcome.error = InvocationFailedError(response.status, rendered)
        return outcome

    async def start(self) -> None:
        """Run lifespan startup now (the native runtime's init), not at the first request."""
        cycle = self._lifespan_cycle()
        if cycle is not None and not cycle.serving:
            await cycle.startup(self.options.startup_timeout)

    def _lifespan_cycle(self) -> LifespanCycle | None:
        return next((m.cycle for m in self.middlewares if isinstance(m, Lifespan)), None)

    def _websocket_handler(self) -> WebSocketHandler:
        if self._websocket is None:
            from .websockets._handler import (
                WebSocketHandler,  # boto3 & backends only for WebSocket APIs
            )

            # The same lifespan as HTTP requests: one startup per environment, same state.
            lifespan = self._lifespan_cycle()
            self._websocket = WebSocketHandler(self.app, self.options, lifespan=lifespan)
        return self._websocket


class Outcome:
    """What ``Adapter.invoke`` hands the native runtime to post.

    ``result`` is the JSON answer, or None when ``response`` is to be streamed (``source``
    shapes its prelude).  ``request`` is the HTTP request served, whose ``after`` task and
    ``deadline`` the runtime awaits once the answer is posted.  ``error`` fails the invocation
    after the answer was rendered (``fail_on_status``).
    """

    __slots__ = ("result", "request", "response", "source", "error")

    # A plain class, not a dataclass: generating one costs cold start (docs/performance.md).
    def __init__(
        self,
        result: Any,
        request: Request | None = None,
        response: Response | None = None,
        source: EventSource | None = None,
        error: Exception | None = None,
    ) -> None:
        self.result = result
        self.request = request
        self.response = response
        self.source = source
        self.error = error


def uses_trio(app: Any, backend: str) -> bool:
    """``async_backend``: "trio", or "auto" and a Quart-Trio app (its class says so)."""
    if backend == "auto":
        return any(klass.__module__.startswith("quart_trio") for klass in type(app).__mro__)
    return backend == "trio"


def streams(source: EventSource, event: LambdaEvent) -> bool:
    """True for the front doors that stream: Function URLs and REST APIs (docs/streaming.md).

    An HTTP API shares the Function URL's payload 2.0 but not its streaming: its events, on the
    API's ``execute-api`` domain, get the buffered JSON they need even in RESPONSE_STREAM mode.
    """
    if source.name == "http_api_v2":
        context = event.get("requestContext")
        domain = context.get("domainName") if isinstance(context, dict) else None
        return not (isinstance(domain, str) and ".execute-api." in domain)
    if source.name == "api_gateway_v1":  # REST, not an HTTP API's payload 1.0 (it has routeKey)
        context = event.get("requestContext")
        return isinstance(context, dict) and "routeKey" not in context
    return False


def _parsed(source: EventSource, event: LambdaEvent, context: LambdaContext) -> Request:
    try:
        request = source.parse(event, context)
    except UnicodeEncodeError as exc:
        # JSON can spell a lone surrogate (\ud800), which has no bytes in any encoding: the
        # client's error, answered 400 like any other bad value, not a crashed invocation.
        raise BadRequestError(
            f"invalid {source.name} event: text that is not valid Unicode ({exc.reason})"
        ) from None
    tenant = getattr(context, "tenant_id", None)
    if tenant:
        _with_tenant(request, tenant)
    return request


def _with_tenant(request: Request, tenant: str) -> None:
    """Lambda's tenant (tenant isolation mode) where the app can read it: ``scope["aws.tenant_id"]``
    and an ``x-amz-tenant-id`` header, as Lambda Web Adapter forwards it; a client's own header
    of that name is dropped, so the app never trusts a spoofed tenant."""
    request.scope["aws.tenant_id"] = tenant
    headers = [pair for pair in request.headers if pair[0] != b"x-amz-tenant-id"]
    headers.append((b"x-amz-tenant-id", tenant.encode("latin-1", "replace")))
    request.headers = headers


def asgi_handler(
    app: Any,
    *,
    lifespan: LifespanMode = "auto",
    api_gateway_base_path: str = "/",
    strip_stage_path: bool = False,
    text_mime_types: Collection[str] = (),
    exclude_headers: Collection[str] = (),
    compression: CompressionMode = "auto",
    compression_min_size: int = 500,
    compress_edge_responses: bool = False,
    log_level: LogLevel | int = "info",
    access_log: bool = True,
    middlewares: Sequence[Middleware] = (),
    propagate_exceptions: bool = False,
    fail_on_status: Collection[int | str] = (),
    dsn: str | None = None,
    api_gateway_endpoint_url: str | None = None,
    api_gateway_region_name: str | None = None,
    logger: Any = None,
    tracer: Any = None,
    metrics: Any = None,
    deadline_margin: float = 0.5,
    default_timeout: float = 30.0,
    startup_timeout: float = 10.0,
    shutdown_timeout: float = 1.0,
    event_routes: Mapping[EventKind, str] | None = None,
    pass_through_path: str | None = None,
    batch_item_failures: bool = False,
    invoke_mode: InvokeMode | None = None,
    async_backend: AsyncBackend = "auto",
    **unknown: NoReturn,
) -> LambdaHandler:
    """Wrap an ASGI app into a Lambda handler.

    Use the result as the handler itself (``handler = asgi_handler(app)``) or as a decorator over a
    function ``(event, context)`` that runs first: if it returns anything but None, that answers
    the invocation; if it returns None, the event goes to the app.

    Arguments:
        app: an ASGI 3 app (``async def app(scope, receive, send)``) or an ASGI 2 one.
        lifespan: ``"auto"``, ``"on"`` or ``"off"`` (docs/lifespan.md).
        api_gateway_base_path: the prefix the app is mounted at, set as ``root_path``.
        strip_stage_path: on the default execute-api host, the stage joins ``root_path``.
        text_mime_types: content-types sent as text, added to the defaults.
        exclude_headers: response headers removed on every source.
        compression: ``"auto"`` (where the front door decodes base64), True or False.
        compression_min_size: smallest body compressed, in bytes.
        compress_edge_responses: also compress Lambda@Edge responses under ``"auto"``.
        log_level: level of the ``asgi_lambda`` loggers.
        access_log: one log line per request.
        middlewares: ``async (request, call_next) -> Response`` callables, outermost first.
        propagate_exceptions: let app exceptions fail the invocation instead of answering 500.
        fail_on_status: statuses (``503``, ``"5xx"``) that fail the invocation after rendering.
        dsn: the WebSocket connection store (docs/websocket-backends.md).
        api_gateway_endpoint_url: the WebSocket Management API endpoint.
        api_gateway_region_name: its signing region.
        logger: a Powertools ``Logger`` (or a stdlib one) for the access log.
        tracer: a Powertools ``Tracer``: one X-Ray subsegment per request.
        metrics: a Powertools ``Metrics``: request metrics in EMF.
        deadline_margin: seconds before Lambda's deadline at which the app is cancelled (504).
        default_timeout: an invocation's time limit when there is no Lambda context.
        startup_timeout: seconds lifespan startup may take (503 and a later retry past it).
        shutdown_timeout: seconds lifespan shutdown may take before it is cancelled.
        event_routes: paths of the app that non-HTTP events are POSTed to, per kind
            (``{"sqs": "/jobs", "schedule": "/cron"}``; docs/events.md).
        pass_through_path: the path for every other non-HTTP event (default: the
            ``AWS_LWA_PASS_THROUGH_PATH`` environment variable, as Lambda Web Adapter reads).
        batch_item_failures: POST each SQS, Kinesis or DynamoDB Streams record separately and
            answer ``{"batchItemFailures": [...]}`` for the ones that failed.
        invoke_mode: ``"BUFFERED"`` or ``"RESPONSE_STREAM"``, for the native runtime
            (``asgi-lambda-runtime``; default the ``ASGI_LAMBDA_INVOKE_MODE`` variable, else
            buffered; docs/streaming.md).  Ignored when Lambda's own runtime calls the handler.
        async_backend: ``"auto"`` (trio for Quart-Trio apps, else asyncio), ``"asyncio"`` or
            ``"trio"``: a trio app runs in a trio guest run on the adapter's asyncio loop
            (docs/frameworks/quart-trio.md).

    Raises:
        ConfigurationError: an option is unknown or has a bad value, or ``app`` is not an ASGI
            app (``None``, a WSGI app, a Lambda handler passed to ``@asgi_handler`` without
            parentheses).  See docs/api.md.
    """
    if unknown:
        raise unknown_option(next(iter(unknown)))
    check_app(app)
    options = build_options(
        lifespan=lifespan,
        api_gateway_base_path=api_gateway_base_path,
        strip_stage_path=strip_stage_path,
        text_mime_types=text_mime_types,
        exclude_headers=exclude_headers,
        compression=compression,
        compression_min_size=compression_min_size,
        compress_edge_responses=compress_edge_responses,
        log_level=log_level,
        access_log=access_log,
        middlewares=middlewares,
        propagate_exceptions=propagate_exceptions,
        fail_on_status=fail_on_status,
        dsn=dsn,
        api_gateway_endpoint_url=api_gateway_endpoint_url,
        api_gateway_region_name=api_gateway_region_name,
        logger=logger,
        tracer=tracer,
        metrics=metrics,
        deadline_margin=deadline_margin,
        default_timeout=default_timeout,
        startup_timeout=startup_timeout,
        shutdown_timeout=shutdown_timeout,
        event_routes=event_routes,
        pass_through_path=pass_through_path,
        batch_item_failures=batch_item_failures,
        invoke_mode=invoke_mode,
        async_backend=async_backend,
    )
    adapter = Adapter(app, options)

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
    handler.before = function  # type: ignore[attr-defined]  # the native runtime calls it first
    return handler
