"""``python -m bench.instructions [http_api_v2|rest|alb] [--calls N]``: instructions per invocation.

On a shared machine the timed cases swing by a third from run to run; valgrind's callgrind counts
instructions, which do not depend on what else the machine is doing.  Each contender's handler is
run twice under callgrind, once warmed up only and once with ``--calls`` more invocations, and the
difference divided by ``--calls`` is its cost per invocation.  Instructions are not time (cache
misses and allocation cost more than their count), so this ranks changes; the timed bench
remains the measure of record.  Needs ``valgrind`` on the PATH.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys

from . import apps, contenders
from .contenders import CONTEXT
from .profiling import EVENTS

WARM_UP = 200


def _child(event_name: str, contender: str, calls: int) -> None:
    event = EVENTS[event_name]()
    build = contenders.ours if contender == contenders.OURS else contenders.mangum
    handler = build(apps.trivial_app, "off")
    for _ in range(WARM_UP + calls):
        handler(event, CONTEXT)


def _count(event_name: str, contender: str, calls: int) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "bench.instructions",
        "--child",
        event_name,
        contender,
        str(calls),
    ]
    # a fixed hash seed: set and dict layouts, so the count, are the same from run to run
    # (a random one moved it by about 3k instructions per invocation)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stderr
    found = re.search(r"refs:\s+([\d,]+)", output)
    if found is None:
        raise RuntimeError(f"no instruction count in callgrind's output:\n{output}")
    return int(found.group(1).replace(",", ""))


def main(argv: list[str] | None = None) -> None:
    args = argv if argv is not None else sys.argv[1:]
    if args[:1] == ["--child"]:
        _child(args[1], args[2], int(args[3]))
        return
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("event", nargs="?", choices=EVENTS, default="http_api_v2")
    parser.add_argument("--calls", type=int, default=1000)
    options = parser.parse_args(args)
    per_call = {}
    for contender in (contenders.OURS, contenders.MANGUM):
        extra = _count(options.event, contender, options.calls)
        base = _count(options.event, contender, 0)
        per_call[contender] = (extra - base) // options.calls
        print(f"{contender}: {per_call[contender]:,} instructions per invocation")
    ratio = per_call[contenders.MANGUM] / per_call[contenders.OURS]
    print(f"Mangum / asgi-lambda: {ratio:.2f}x ({options.event}, trivial app, lifespan off)")


if __name__ == "__main__":
    main()
