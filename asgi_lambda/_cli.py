"""``asgi-lambda``: invoke an app with a sample or saved event, or print a sample event.

    asgi-lambda invoke examples.app:app --event http-api-v2 --method POST --path /items --body '{}'
    asgi-lambda invoke examples.app:app --event saved-event.json
    asgi-lambda event alb

The same handler code path as in Lambda runs, so what it prints is what Lambda would return.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._errors import ConfigurationError, EventError
from ._handler import asgi_handler
from ._samples import SAMPLES, sample_event


def load_app(target: str) -> Any:
    """``module:attribute`` (dotted attributes allowed), importable from the working directory."""
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise SystemExit(f"asgi-lambda: expected MODULE:APP, got {target!r}")
    sys.path.insert(0, str(Path.cwd()))
    obj: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    return obj


def _headers(values: Sequence[str]) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        name, sep, text = value.partition(":")
        if not sep:
            raise SystemExit(f"asgi-lambda: --header takes NAME:VALUE, got {value!r}")
        pairs.append((name.strip(), text.strip()))
    return pairs


def build_event(args: argparse.Namespace) -> dict[str, Any]:
    if args.event in SAMPLES:
        body = args.body.encode("utf-8") if args.body is not None else b""
        return sample_event(
            args.event, args.method, args.path, args.query, _headers(args.header), body
        )
    path = Path(args.event)
    if not path.is_file():
        raise SystemExit(
            f"asgi-lambda: --event is neither a file nor a source "
            f"({', '.join(SAMPLES)}): {args.event!r}"
        )
    event: dict[str, Any] = json.loads(path.read_text())
    return event


def invoke(args: argparse.Namespace) -> int:
    target = load_app(args.app)
    handler = target if hasattr(target, "adapter") else asgi_handler(target, lifespan=args.lifespan)
    response = handler(build_event(args), None)
    json.dump(response, sys.stdout, indent=2)
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
    parser.add_argument("--body", default=None)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="asgi-lambda", description=__doc__.split("\n")[0])
    commands = root.add_subparsers(dest="command", required=True)
    run = commands.add_parser("invoke", help="run an event through an app's handler")
    run.add_argument("app", help="MODULE:APP (an ASGI app, or a handler built by asgi_handler)")
    run.add_argument(
        "--event", required=True, help=f"a JSON file, or a source: {', '.join(SAMPLES)}"
    )
    run.add_argument("--lifespan", default="auto", choices=("auto", "on", "off"))
    _request_options(run)
    run.set_defaults(func=invoke)
    sample = commands.add_parser("event", help="print a sample event of a source")
    sample.add_argument("source", choices=sorted(SAMPLES))
    _request_options(sample)
    sample.set_defaults(func=event)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except (EventError, ConfigurationError, ValueError) as exc:
        sys.stderr.write(f"asgi-lambda: {exc}\n")
        return 2
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
