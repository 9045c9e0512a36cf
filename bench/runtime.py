"""``python -m bench.runtime``: CPU of the function process per invocation, under AWS's RIE.

What the issue's target is about: the process Lambda bills, serving warm invocations one after
the other through the same emulator.  Contenders, each a fresh RIE + runtime process:

- ``asgi-lambda runtime``: ``python -m asgi_lambda.runtime`` serving ``asgi_handler(app)``;
- ``awslambdaric + Mangum``: ``python -m awslambdaric`` serving ``Mangum(app)``;
- ``awslambdaric + asgi_handler``: the same runtime client serving our adapter;
- ``floor``: a raw-socket loop posting a constant answer (bench/runtime_floor.py): the part of
  the CPU that is the Runtime API exchange itself, which no runtime avoids.

awslambdaric runs with ``AWS_EXECUTION_ENV`` unset (how it runs as a pip-installed client in a
container image; on the managed 3.12+ runtimes it sets up a thread pool per poll and costs more).
The runtime's CPU (user + system, from /proc) is read before and after ``--invocations``
sequential invokes on one keep-alive client connection; rounds are interleaved and the median is
reported.  Both apps are the benchmark's own (bench/apps.py): the trivial bare-ASGI app on an
HTTP API 2.0 event, and the FastAPI route with a pydantic body.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.events import fastapi_post, http_api_v2

REPO = Path(__file__).resolve().parent.parent
OURS = "asgi-lambda runtime"
PEER = "awslambdaric + Mangum"
MANAGED = "awslambdaric + Mangum, managed-runtime mode"
CONTENDERS = {
    "asgi-lambda runtime": ["-m", "asgi_lambda.runtime"],
    "awslambdaric + Mangum": ["-m", "awslambdaric"],
    MANAGED: ["-m", "awslambdaric"],
    "awslambdaric + asgi_handler": ["-m", "awslambdaric"],
    "asgi-lambda runtime, no access log": ["-m", "asgi_lambda.runtime"],
    "floor: raw socket loop, constant answer": ["-m", "bench.runtime_floor"],
}
HANDLERS = {
    "trivial": {
        "asgi-lambda runtime": "bench.runtime_apps.trivial_ours",
        "awslambdaric + Mangum": "bench.runtime_apps.trivial_mangum",
        MANAGED: "bench.runtime_apps.trivial_mangum",
        "awslambdaric + asgi_handler": "bench.runtime_apps.trivial_ours",
        "asgi-lambda runtime, no access log": "bench.runtime_apps.trivial_quiet",
        "floor: raw socket loop, constant answer": "-",
    },
    "fastapi": {
        "asgi-lambda runtime": "bench.runtime_apps.fastapi_ours",
        "awslambdaric + Mangum": "bench.runtime_apps.fastapi_mangum",
        MANAGED: "bench.runtime_apps.fastapi_mangum",
        "awslambdaric + asgi_handler": "bench.runtime_apps.fastapi_ours",
        "asgi-lambda runtime, no access log": "bench.runtime_apps.fastapi_quiet",
        "floor: raw socket loop, constant answer": "-",
    },
}
# As the managed Python runtimes run awslambdaric (a thread pool per poll, in 3.12 and later).
ENVIRONMENTS = {MANAGED: {"AWS_EXECUTION_ENV": "AWS_Lambda_python3.12"}}
EVENTS = {"trivial": http_api_v2, "fastapi": fastapi_post}
COLD_APPS = ("bare", "starlette")  # the apps whose cold start pydantic does not dominate
TARGETS = {PEER: 1.5, MANAGED: 2.0}  # CPU per invocation: the peer's / ours, at least
TITLES = {"trivial": "trivial bare-ASGI app, HTTP API 2.0", "fastapi": "FastAPI, pydantic body"}


def _rie_binary() -> Path:
    sys.path.insert(0, str(REPO))
    from tests.emulators.runtime_emulators import rie_binary

    return rie_binary()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        found.extend(int(child) for child in children)
    return found


BEFORE = "asgi-lambda runtime, before"  # --before DIR: the same, from another checkout


@contextmanager
def _running(
    contender: str, handler: str, root: Path = REPO, extra: dict[str, str] | None = None
) -> Iterator[tuple[http.client.HTTPConnection, int]]:
    import socket
    import subprocess

    def free_port() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
            return port

    port, api_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_LAMBDA_", "_HANDLER"))}
    env.pop("AWS_EXECUTION_ENV", None)
    env.update(_HANDLER=handler, LAMBDA_TASK_ROOT=str(root), PYTHONPATH=str(root))
    env.update(ENVIRONMENTS.get(contender, {}), **(extra or {}))
    command = [
        str(_rie_binary()),
        "--runtime-interface-emulator-address",
        f"127.0.0.1:{port}",
        "--runtime-api-address",
        f"127.0.0.1:{api_port}",
        sys.executable,
        *CONTENDERS[contender],
        *([handler] if handler != "-" else []),
    ]
    process = subprocess.Popen(
        command, env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.connect()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield connection, process.pid
        connection.close()
    finally:
        process.terminate()
        process.wait(10)


def _invoke(connection: http.client.HTTPConnection, body: bytes) -> Any:
    connection.request("POST", "/2015-03-31/functions/function/invocations", body)
    response = connection.getresponse()
    return json.loads(response.read())


def measure(
    case: str, invocations: int, rounds: int, before_tree: Path | None = None
) -> dict[str, list[float]]:
    body = json.dumps(EVENTS[case]()).encode()
    names = list(CONTENDERS) + ([BEFORE] if before_tree is not None else [])
    results: dict[str, list[float]] = {name: [] for name in names}
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            ours = "asgi-lambda runtime"
            handler = HANDLERS[case][ours if name == BEFORE else name]
            root = before_tree if name == BEFORE and before_tree is not None else REPO
            with _running(ours if name == BEFORE else name, handler, root) as (connection, rie_pid):
                answer = _invoke(connection, body)  # init, and a check
                if answer.get("statusCode") != 200:
                    raise AssertionError(f"{name} answered {answer!r}")
                for _ in range(50):
                    _invoke(connection, body)
                [runtime_pid] = _children(rie_pid)
                before = _cpu_seconds(runtime_pid)
                for _ in range(invocations):
                    _invoke(connection, body)
                spent = _cpu_seconds(runtime_pid) - before
            results[name].append(spent / invocations * 1e6)
    return results


def cold_start(
    app: str, runs: int, before_tree: Path | None = None
) -> dict[str, list[tuple[float, float]]]:
    """Spawn to first answer under RIE, ``runs`` times each, alternating: (wall, CPU) seconds.

    Wall: from starting RIE (which starts the runtime) to the first invocation's answer, as a
    client waiting on a cold environment sees it.  CPU: the runtime process's own, up to that
    answer (interpreter start, imports, init, the first invocation), which Lambda bills.
    """
    body = json.dumps(fastapi_post()).encode()  # POST /items/5 with a JSON body
    adapters = {OURS: "asgi-lambda", PEER: "mangum"}
    if before_tree is not None:
        adapters[BEFORE] = "asgi-lambda"
    found: dict[str, list[tuple[float, float]]] = {name: [] for name in adapters}
    for index in range(runs + 1):  # the first round writes nothing down: caches warm
        names = list(adapters)[:: 1 if index % 2 else -1]
        for name in names:
            extra = {"BENCH_APP": app, "BENCH_ADAPTER": adapters[name]}
            root = before_tree if name == BEFORE and before_tree is not None else REPO
            contender = OURS if name == BEFORE else name
            started = time.perf_counter()
            with _running(contender, "bench.runtime_cold.handler", root, extra) as (
                connection,
                rie,
            ):
                answer = _invoke(connection, body)
                wall = time.perf_counter() - started
                if answer.get("statusCode") != 200:
                    raise AssertionError(f"{name} ({app}) answered {answer!r}")
                [runtime_pid] = _children(rie)
                cpu = _cpu_seconds(runtime_pid)
            if index:
                found[name].append((wall, cpu))
    return found


def _compile(*roots: Path) -> None:
    """Bytecode for what the runtimes import, as a deployed package has (case 5 does the same):
    with ``PYTHONDONTWRITEBYTECODE`` set, asgi-lambda would be compiled on every start."""
    import compileall

    for root in roots:
        for folder in ("asgi_lambda", "bench"):
            compileall.compile_dir(root / folder, quiet=1)


def _verdict(ratio: float, target: float) -> str:
    return "met" if ratio >= target else "missed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.runtime", description=__doc__)
    parser.add_argument("--invocations", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--case", action="append", choices=sorted(EVENTS))
    parser.add_argument("--chart", metavar="SVG", help="also draw the medians as a bar chart")
    parser.add_argument(
        "--before",
        metavar="DIR",
        type=Path,
        help="also run asgi-lambda's runtime from this checkout (git worktree add DIR REV), "
        "interleaved with the rest: a change's before and after from one run",
    )
    parser.add_argument(
        "--cold-runs",
        type=int,
        default=9,
        help="fresh RIE + runtime processes per contender and app for the cold-start rows "
        "(0 skips them)",
    )
    args = parser.parse_args(argv)
    _compile(REPO, *([args.before] if args.before else []))
    chart_cases: list[tuple[str, str, dict[str, float]]] = []
    verdicts: list[str] = []
    print(f"CPU of the runtime process per invocation, under RIE; Python {sys.version.split()[0]}")
    print(f"{args.invocations} invocations x {args.rounds} interleaved rounds, medians\n")
    print("| app | contender | CPU us/inv | awslambdaric + Mangum / this |")
    print("|---|---|--:|--:|")
    for case in args.case or sorted(EVENTS, reverse=True):
        results = measure(case, args.invocations, args.rounds, args.before)
        baseline = statistics.median(results[PEER])
        for name, values in results.items():
            median = statistics.median(values)
            print(f"| {case} | {name} | {median:.0f} | {baseline / median:.2f}x |")
        medians = {name: statistics.median(values) / 1e6 for name, values in results.items()}
        chart_cases.append((case, TITLES[case], medians))
        for peer, target in TARGETS.items():
            ratio = medians[peer] / medians[OURS]
            verdicts.append(
                f"| CPU per invocation, {case} | {peer} / ours >= {target:.1f}x "
                f"| {ratio:.2f}x | {_verdict(ratio, target)} |"
            )
    if args.cold_runs:
        print(f"\nCold start under RIE: spawn to first answer, {args.cold_runs} runs, medians\n")
        print("| app | contender | wall ms | runtime CPU ms |")
        print("|---|---|--:|--:|")
        for app in COLD_APPS:
            runs = cold_start(app, args.cold_runs, args.before)
            wall = {name: statistics.median(w for w, _ in found) for name, found in runs.items()}
            cpu = {name: statistics.median(c for _, c in found) for name, found in runs.items()}
            for name in runs:
                print(f"| {app} | {name} | {wall[name] * 1000:.0f} | {cpu[name] * 1000:.0f} |")
            ratio = wall[PEER] / wall[OURS]
            verdicts.append(
                f"| cold start under RIE, {app} | {PEER} / ours >= 1.0x (wall) "
                f"| {ratio:.2f}x (CPU {cpu[PEER] / cpu[OURS]:.2f}x) | {_verdict(ratio, 1.0)} |"
            )
    print("\n| target | goal | measured | verdict |\n|---|---|--:|---|")
    print("\n".join(verdicts))
    if args.chart:
        from bench.chart import svg

        subtitle = (
            f"CPU of the function process under RIE, {args.invocations} invocations x "
            f"{args.rounds} rounds, medians; Python {sys.version.split()[0]}"
        )
        title = "CPU per invocation (microseconds; shorter is cheaper)"
        names = list(CONTENDERS) + ([BEFORE] if args.before else [])
        Path(args.chart).write_text(svg(chart_cases, subtitle, names, title))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
