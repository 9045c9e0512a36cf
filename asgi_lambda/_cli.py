"""``asgi-lambda``: invoke an app with a sample or saved event, or print a sample event.

    asgi-lambda invoke examples.app:app --event http-api-v2 --method POST --path /items --body '{}'
    asgi-lambda invoke examples.app:handler --event saved-event.json
    cat event.json | asgi-lambda invoke examples.app:handler --event - | jq .statusCode
    asgi-lambda event alb

The same handler code path as in Lambda runs, with a Lambda context like Lambda's own, so what
it prints is what Lambda would return.  Standard output carries only the JSON answer; the app's
logs and prints go to standard error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ._context import LambdaContext, context_from_file
from ._errors import ConfigurationError, EventError
from ._samples import SAMPLES, sample_event
from ._target import TargetError, load_target
from ._version import __version__


class CommandError(Exception):
    """A mistake on the command line, reported as one line on stderr (exit status 2)."""


def handler_for(args: argparse.Namespace) -> Any:
    """The handler to invoke: what ``args.app`` names, an ASGI app wrapped with the options."""
    options = _options(args.option)
    if args.lifespan is not None:
        options["lifespan"] = args.lifespan
    return load_target(args.app, options=options).handler


def _options(pairs: Sequence[str]) -> dict[str, Any]:
    """``name=value`` pairs; a value is JSON if it parses (``false``, ``["5xx"]``), else text."""
    options: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name:
            raise CommandError(f"--option takes NAME=VALUE, got {pair!r}")
        try:
            options[name] = json.loads(text)
        except ValueError:
            options[name] = text
    return options


def _headers(values: Sequence[str]) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        name, sep, text = value.partition(":")
        if not sep:
            raise CommandError(f"--header takes NAME:VALUE, got {value!r}")
        pairs.append((name.strip(), text.strip()))
    return pairs


def build_event(args: argparse.Namespace) -> Any:
    if args.event in SAMPLES:
        body = args.body.encode("utf-8") if args.body is not None else b""
        return sample_event(
            args.event, args.method, args.path, args.query, _headers(args.header), body
        )
    if args.event == "-":
        text, where = sys.stdin.read(), "standard input"
    else:
        path = Path(args.event)
        if not path.is_file():
            looks_like_a_path = path.suffix or "/" in args.event or "\\" in args.event
            if looks_like_a_path:
                raise CommandError(f"--event: no such file: {args.event}")
            raise CommandError(
                f"--event {args.event!r} is neither a file, '-' nor a source: "
                f"{', '.join(SAMPLES)}"
            )
        text, where = path.read_text(), str(path)
    try:
        return json.loads(text)
    except ValueError as exc:
        raise CommandError(f"the event in {where} is not JSON: {exc}") from None


@contextlib.contextmanager
def _output_to_stderr() -> Iterator[None]:
    """The app's prints and logs go to stderr, so stdout is exactly the JSON answer."""
    root = logging.getLogger()
    added = None
    if not root.handlers:
        added = logging.StreamHandler(sys.stderr)
        added.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(added)
        root.setLevel(logging.INFO)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        if added is not None:
            root.removeHandler(added)


def invoke(args: argparse.Namespace) -> int:
    with _output_to_stderr():
        handler = handler_for(args)
        event = build_event(args)
        if args.context is not None:
            context = context_from_file(args.context, args.timeout)
        else:
            context = LambdaContext(timeout=args.timeout)
        response = handler(event, context)
    json.dump(response, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
    return 0


def event(args: argparse.Namespace) -> int:
    body = args.body.encode("utf-8") if args.body is not None else b""
    built = sample_event(
        args.source, args.method, args.path, args.query, _headers(args.header), body
    )
    json.dump(built, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def _request_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--method", default="GET")
    parser.add_argument("--path", default="/")
    parser.add_argument("--query", default="", help="raw query string, e.g. 'a=1&b=2'")
    parser.add_argument("--header", action="append", default=[], metavar="NAME:VALUE")
    parser.add_argument("--body", default=None, help="request body (a WebSocket message's text)")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="asgi-lambda", description=__doc__.split("\n")[0])
    root.add_argument("--version", action="version", version=f"asgi-lambda {__version__}")
    commands = root.add_subparsers(dest="command", required=True)
    run = commands.add_parser("invoke", help="run an event through an app's handler")
    run.add_argument(
        "app",
        help="module.attr or module:attr, as Lambda's Handler names it "
        "(an ASGI app, a handler built by asgi_handler, or a plain Lambda handler)",
    )
    run.add_argument(
        "--event",
        required=True,
        help=f"a JSON file, '-' for standard input, or a source: {', '.join(SAMPLES)}",
    )
    run.add_argument(
        "--lifespan",
        default=None,
        choices=("auto", "on", "off"),
        help="for an ASGI app (a handler has its own)",
    )
    run.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an asgi_handler option for an ASGI app; VALUE is JSON or text "
        "(--option compression=false --option fail_on_status='[\"5xx\"]')",
    )
    run.add_argument(
        "--timeout", type=float, default=30.0, help="the invocation's timeout in seconds (30)"
    )
    run.add_argument(
        "--context", default=None, metavar="FILE", help="a JSON object of Lambda context attributes"
    )
    _request_options(run)
    run.set_defaults(func=invoke)
    local = commands.add_parser(
        "serve", help="a local API Gateway in front of the handler (asgi-lambda[local])"
    )
    local.add_argument(
        "app", help="module.attr or module:attr (an ASGI app, or a Lambda handler)"
    )
    local.add_argument(
        "--source",
        default="http-api-v2",
        choices=("http-api-v2", "http-api-v1", "rest", "function-url", "alb", "alb-multi-value"),
    )
    local.add_argument("--host", default="127.0.0.1")
    local.add_argument("--port", type=int, default=8000)
    local.add_argument(
        "--stage",
        default=None,
        help="the stage: REST's, served at /STAGE/ (dev); an HTTP API's ($default)",
    )
    local.add_argument("--websocket", action="store_true", help="also a WebSocket API at /")
    local.add_argument("--reload", action="store_true", help="restart on code changes")
    local.add_argument("--timeout", type=float, default=30.0, help="the function timeout (30)")
    local.add_argument(
        "--concurrency",
        type=int,
        default=10,
        help="execution environments at most, each serving one request at a time (10)",
    )
    local.add_argument(
        "--binary-media-types",
        default="",
        metavar="TYPES",
        help="REST's binaryMediaTypes, comma-separated (image/png,*/*)",
    )
    local.set_defaults(func=serve)
    sample = commands.add_parser("event", help="print a sample event of a source")
    sample.add_argument("source", choices=sorted(SAMPLES))
    _request_options(sample)
    sample.set_defaults(func=event)
    return root


def serve(args: argparse.Namespace) -> int:
    from .local import serve as run_server  # uvicorn and websockets only for serve

    types = tuple(t.strip() for t in args.binary_media_types.split(",") if t.strip())
    run_server(
        args.app,
        source=args.source,
        host=args.host,
        port=args.port,
        stage=args.stage,
        websocket=args.websocket,
        reload=args.reload,
        timeout=args.timeout,
        binary_media_types=types,
        concurrency=max(args.concurrency, 1),
    )
    return 0


def error_line(exc: BaseException) -> str:
    """``asgi-lambda: <what went wrong>``, once: some messages already name asgi-lambda."""
    text = str(exc)
    return f"{text}\n" if text.startswith("asgi-lambda") else f"asgi-lambda: {text}\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except (CommandError, TargetError, EventError, ConfigurationError, ValueError) as exc:
        sys.stderr.write(error_line(exc))
        return 2
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
