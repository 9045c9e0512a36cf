"""``python -m bench.profiling [http_api_v2|rest|alb] [--calls N] [--option name=value ...]``

Profiles asgi-lambda's per-invocation path (the trivial app of case 1/2) with cProfile and prints
the functions by cumulative time.  cProfile charges every Python call its own overhead, so read the
shares, not the microseconds; for what a part really costs, toggle it and compare with the bench
(``1a`` against ``1c`` is the access log, for example).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
from typing import Any

from . import apps, events
from .contenders import CONTEXT

EVENTS = {"http_api_v2": events.http_api_v2, "rest": events.rest_v1_multi, "alb": events.alb_multi}


def _value(text: str) -> Any:
    return {"true": True, "false": False}.get(text.lower(), text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profiling", description=__doc__)
    parser.add_argument("event", nargs="?", choices=EVENTS, default="http_api_v2")
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--option", action="append", default=[], help="asgi_handler option")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)

    from asgi_lambda import asgi_handler

    options = dict(item.split("=", 1) for item in args.option)
    options.setdefault("lifespan", "off")
    handler = asgi_handler(apps.trivial_app, **{k: _value(v) for k, v in options.items()})
    event = EVENTS[args.event]()
    for _ in range(1000):
        handler(event, CONTEXT)
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.calls):
        handler(event, CONTEXT)
    profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
