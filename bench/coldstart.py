"""Case 5, cold start: fresh interpreters that import the adapter, build the handler for an app
(5a a bare ASGI app, 5b Starlette, 5c FastAPI) and answer the first event.

Each run is a new process (``python -m bench.coldstart CONTENDER EVENT_FILE``), so nothing is
cached but the ``.pyc`` files, as in a Lambda execution environment after the first deploy.  The
child times itself (wall and CPU time) from its first line to the first answer and reads its own
peak RSS (``VmHWM``; see ``peak_rss_kib``); the parent also records the wall time of the whole
process.  Contenders alternate run by run; one warm-up run each (discarded) writes the bytecode
caches.
"""

from __future__ import annotations

import time

START = time.perf_counter()  # before any other import: the child's clocks start here
START_CPU = time.process_time()

import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
HEAVY_MODULES = ("boto3", "botocore", "aws_lambda_powertools", "aws_xray_sdk", "brotli")


def child(contender: str, event_file: str, app_kind: str = "fastapi") -> None:
    """Runs in the fresh process: import, build, answer once, report as one JSON line."""
    if contender == "asgi-lambda":
        from asgi_lambda import asgi_handler

        def make(app: Any) -> Any:
            return asgi_handler(app, lifespan="on")
    elif contender == "Mangum":
        from mangum import Mangum

        def make(app: Any) -> Any:
            return Mangum(app, lifespan="on")
    else:
        from bench.contenders import floor

        def make(app: Any) -> Any:
            return lambda event, context: floor(app, "on", event)(event, context)

    from bench.apps import COLD_START_APPS

    event = json.loads(Path(event_file).read_text())
    answer = make(COLD_START_APPS[app_kind]())(event, None)
    seconds = time.perf_counter() - START
    cpu_seconds = time.process_time() - START_CPU
    status = answer["statusCode"] if isinstance(answer, dict) else answer[0]["status"]
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "max_rss_kib": peak_rss_kib(),
                "status": status,
                "heavy": sorted(name for name in HEAVY_MODULES if name in sys.modules),
            }
        )
    )


def peak_rss_kib() -> int:
    """This process's peak resident memory, in KiB.

    ``getrusage(RUSAGE_SELF).ru_maxrss`` would be the obvious source, but Linux carries it over
    ``fork`` + ``exec``: every child would report the bench parent's peak (measured: three
    contenders all at the parent's 52 MiB).  The kernel's ``VmHWM`` is the high-water mark of
    this process image alone; ``getrusage`` remains the fallback where /proc is missing.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@dataclass
class ColdRuns:
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    heavy: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)

    def median(self, values: str) -> float:
        return float(statistics.median(getattr(self, values)))


BEFORE = "asgi-lambda, before"  # --before DIR: asgi-lambda from another checkout


def _spawn(
    contender: str, event_file: str, app_kind: str, before: Path | None = None
) -> tuple[dict[str, Any] | None, float, str]:
    root = before if contender == BEFORE and before is not None else ROOT
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    )
    child_name = "asgi-lambda" if contender == BEFORE else contender
    began = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.coldstart", child_name, event_file, app_kind],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(root),
        timeout=120,
        check=False,
    )
    wall = time.perf_counter() - began
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        return None, wall, (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return json.loads(lines[-1]), wall, ""


def compile_all(*roots: Path) -> None:
    """Bytecode for every contender before any run: where ``PYTHONDONTWRITEBYTECODE`` is set the
    warm-up runs write none, and asgi-lambda (a source checkout) would run without ``.pyc``
    while the peers, installed by pip, have theirs (this alone moved the ratio 0.90x -> 0.96x)."""
    import compileall

    for root in roots or (ROOT,):
        compileall.compile_dir(str(root / "asgi_lambda"), quiet=1)
        compileall.compile_dir(str(root / "bench"), quiet=1)


def measure(
    contenders: tuple[str, ...], runs: int, app_kind: str = "fastapi", before: Path | None = None
) -> dict[str, ColdRuns]:
    """``before``: also asgi-lambda from that checkout, interleaved with the rest."""
    from bench.events import fastapi_post

    if before is not None:
        contenders = (*contenders, BEFORE)
    results = {name: ColdRuns() for name in contenders}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(fastapi_post(), handle)
    compile_all(ROOT, *([before] if before is not None else []))
    try:
        for name in contenders:
            _spawn(name, handle.name, app_kind, before)  # warm-up, discarded
        for index in range(runs):
            shift = index % len(contenders)
            for name in contenders[shift:] + contenders[:shift]:
                report, wall, error = _spawn(name, handle.name, app_kind, before)
                runs_of = results[name]
                if report is None or report["status"] != 200:
                    runs_of.errors.append(error or f"answered {report and report['status']}")
                    continue
                runs_of.seconds.append(report["seconds"])
                runs_of.cpu_seconds.append(report["cpu_seconds"])
                runs_of.wall.append(wall)
                runs_of.rss_kib.append(report["max_rss_kib"])
                runs_of.heavy.update(report["heavy"])
    finally:
        os.unlink(handle.name)
    return results


if __name__ == "__main__":
    child(*sys.argv[1:4])
