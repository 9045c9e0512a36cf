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
import importlib
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ._context import LambdaContext, context_from_file
from ._errors import ConfigurationError, EventError
from ._handler import asgi_handler
from ._options import is_lambda_handler
from ._samples import SAMPLES, sample_event
from ._version import __version__


class CommandError(Exception):
    """A mistake on the command line, reported as one line on stderr (exit status 2)."""


def load_target(target: str) -> Any:
    """``module:attribute`` (dotted attributes allowed), importable from the working directory."""
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise CommandError(f"expected MODULE:APP, got {target!r}")
    sys.path.insert(0, str(Path.cwd()))
    try:
        obj: Any = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        raise CommandError(f"cannot import {module_name!r}: {exc}") from None
    except Exception as exc:
        raise CommandError(
            f"importing {module_name!r} raised {type(exc).__name__}: {exc}"
        ) from None
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise CommandError(f"{module_name!r} has no attribute {attribute!r}") from None
    return obj


def _is_mangum(obj: Any) -> bool:
    return type(obj).__name__ == "Mangum" and type(obj).__module__.startswith("mangum")


def refuse_mangum(target_name: str, target: Any) -> None:
    """A Mangum handler is not ours to call: say what to point at instead."""
    if _is_mangum(target):
        raise CommandError(
            f"{target_name} is a Mangum handler: pass its ASGI app instead (MODULE:app), or "
            "replace Mangum(app, ...) with asgi_handler(app, ...) (docs/migrating-from-mangum.md)"
        )


def handler_for(target_name: str, target: Any, args: argparse.Namespace) -> Any:
    """The handler to invoke: the target itself if it is one, else ``asgi_handler(target)``."""
    refuse_mangum(target_name, target)
    options = _options(args.option)
    if args.lifespan is not None:
        options["lifespan"] = args.lifespan
    # Built by asgi_handler (maybe under Powertools' decorators), or a handler of one's own,
    # def handler(event, context): ... that calls one: invoked as Lambda would.
    if hasattr(target, "adapter") or is_lambda_handler(target):
        if options:
            raise CommandError(
                f"{target_name} is already a Lambda handler, whose options are set in code: "
                "drop --lifespan/--option, or point at the ASGI app itself"
            )
        return target
    return asgi_handler(target, **options)


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
            raise CommandError(
                f"--event is neither a file, '-' nor a source ({', '.join(SAMPLES)}): "
                f"{args.event!r}"
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
        target = load_target(args.app)
        handler = handler_for(args.app, target, args)
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
    run.add_argument("app", help="MODULE:APP (an ASGI app, or a handler built by asgi_handler)")
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
    local.add_argument("app", help="MODULE:ATTR (a handler built by asgi_handler, or an ASGI app)")
    local.add_argument(
        "--source",
        default="http-api-v2",
        choices=("http-api-v2", "http-api-v1", "rest", "function-url", "alb", "alb-multi-value"),
    )
    local.add_argument("--host", default="127.0.0.1")
    local.add_argument("--port", type=int, default=8000)
    local.add_argument("--stage", default="dev", help="the REST stage served at /STAGE/ (dev)")
    local.add_argument("--websocket", action="store_true", help="also a WebSocket API at /")
    local.add_argument("--reload", action="store_true", help="restart on code changes")
    local.add_argument("--timeout", type=float, default=30.0, help="the function timeout (30)")
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
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except (CommandError, EventError, ConfigurationError, ValueError) as exc:
        sys.stderr.write(f"asgi-lambda: {exc}\n")
        return 2
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
