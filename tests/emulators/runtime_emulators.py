"""The Runtime API emulators users run a Lambda runtime under, fetched once into a cache.

- AWS's Runtime Interface Emulator: the binary ships in the ``aws-sam-cli`` wheel
  (``samcli/local/rapid/aws-lambda-rie-x86_64``).
- cargo-lambda (``pip install cargo-lambda``): ``cargo lambda watch`` emulates the Runtime API and
  Function URLs, streaming included; it needs the machine's ``cargo`` and a Cargo project dir.

Under ``CI=true`` a missing emulator (or what it needs) fails the test; elsewhere it skips.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

SAM_CLI = "aws-sam-cli==1.170.0"
CARGO_LAMBDA = "cargo-lambda==1.9.2"
RIE_MEMBER = "samcli/local/rapid/aws-lambda-rie-x86_64"
REPO = Path(__file__).resolve().parents[2]
APP_DIR = REPO / "tests" / "runtime"


def cache_dir() -> Path:
    root = os.environ.get("ASGI_LAMBDA_CACHE") or os.path.expanduser("~/.cache/asgi-lambda")
    return Path(root)


def missing(what: str) -> None:
    message = f"this test needs {what}"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if process.poll() is not None:
            out = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise AssertionError(f"the emulator exited ({process.returncode}): {out[-3000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listened on port {port} within {timeout}s")


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
        timeout=900,
    )


def rie_binary() -> Path:
    """The RIE binary, taken out of the aws-sam-cli wheel the first time."""
    where = cache_dir() / "rie"
    binary = where / "aws-lambda-rie-x86_64"
    if binary.exists():
        return binary
    where.mkdir(parents=True, exist_ok=True)
    wheels = sorted(where.glob("aws_sam_cli-*.whl"))
    if not wheels:
        result = _pip("download", "--no-deps", SAM_CLI, "-d", str(where))
        wheels = sorted(where.glob("aws_sam_cli-*.whl"))
        if result.returncode != 0 or not wheels:
            missing(f"pip download {SAM_CLI} (for its RIE binary): {result.stderr[-1500:]}")
    with zipfile.ZipFile(wheels[-1]) as wheel:
        partial = binary.with_suffix(".partial")
        partial.write_bytes(wheel.read(RIE_MEMBER))
    partial.chmod(0o755)
    partial.rename(binary)
    return binary


def cargo_lambda_binary() -> Path:
    """cargo-lambda's binary, pip-installed into the cache the first time."""
    if shutil.which("cargo") is None:
        missing("cargo on PATH (cargo-lambda drives it)")
    target = cache_dir() / "cargo-lambda" / "pkg"
    binary = target / "bin" / "cargo-lambda"
    if binary.exists():
        return binary
    result = _pip("install", "--target", str(target), CARGO_LAMBDA)
    if result.returncode != 0 or not binary.exists():
        missing(f"pip install {CARGO_LAMBDA}: {result.stderr[-1500:]}")
    return binary


def runtime_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_LAMBDA_", "_HANDLER", "ASGI_LAMBDA_INVOKE"))
    }
    env.update(
        _HANDLER="streaming_app.handler",
        LAMBDA_TASK_ROOT=str(APP_DIR),
        PYTHONPATH=str(REPO),
        AWS_LAMBDA_FUNCTION_NAME="streaming",
    )
    env.update(extra)
    return env


@contextmanager
def running(command: Sequence[str], env: dict[str, str], port: int, cwd: Path) -> Iterator[None]:
    process = subprocess.Popen(
        list(command),
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for_port(port, process, 120)
        yield
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if process.stdout:
            process.stdout.close()


@contextmanager
def rie(**env: str) -> Iterator[str]:
    """Run the runtime under RIE; yields the invoke URL."""
    with rie_command([sys.executable, "-m", "asgi_lambda.runtime"], **env) as url:
        yield url


def task_root(root: Path, handler_module: str) -> Path:
    """A task root that RIE's sandbox user can read, holding all the bootstrap needs: our
    package, the handler's module and the packages it imports, and a ``bootstrap`` running
    them with the system's python3 (the checkout and its virtualenv may sit where that user
    cannot look: /root, a ``mktemp -d`` folder)."""
    system = Path("/usr/bin/python3")
    if not system.exists():
        missing("/usr/bin/python3 (RIE's concurrent mode runs as a user without access to /root)")
    version = subprocess.run(
        [str(system), "-c", "import sys; print(sys.version_info[:2])"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if version != str(sys.version_info[:2]):
        missing(f"/usr/bin/python3 of Python {sys.version_info[:2]} (it is {version})")
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(REPO / "asgi_lambda", root / "asgi_lambda", ignore=ignore)
    shutil.copy(APP_DIR / f"{handler_module}.py", root)
    for package in _imported_packages(handler_module):
        target = root / package.name
        if package.is_dir():
            shutil.copytree(package, target, ignore=ignore)
        else:
            shutil.copy(package, target)
    bootstrap = root / "bootstrap"
    bootstrap.write_text(
        "#!/bin/sh\n"
        "export PYTHONPATH=/var/task LAMBDA_TASK_ROOT=/var/task\n"
        f"export _HANDLER={handler_module}.handler\n"
        f"exec {system} -m asgi_lambda.runtime\n"
    )
    for path in (root, *root.rglob("*")):
        path.chmod(0o755 if path.is_dir() or path == bootstrap else 0o644)
    return root


def _imported_packages(module: str) -> set[Path]:
    """The top-level packages (or modules) from site-packages that ``module`` imports."""
    code = (
        "import sys, sysconfig; sys.path.insert(0, sys.argv[1]); __import__(sys.argv[2]); "
        "site = sysconfig.get_paths()['purelib']; "
        "print('\\n'.join({m.__file__ for m in list(sys.modules.values()) "
        "if getattr(m, '__file__', None) and m.__file__.startswith(site)}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(APP_DIR), module],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    site = Path(sysconfig.get_paths()["purelib"])
    return {site / Path(line).relative_to(site).parts[0] for line in out.split() if line}


@contextmanager
def rie_command(
    runtime: Sequence[str], task: Path | None = None, **env: str
) -> Iterator[str]:
    """Run ``runtime`` (a bootstrap, a wrapper) under RIE; yields the invoke URL.

    With ``task``, RIE runs in a mount namespace of its own where ``task`` is /var/task (the
    only place its concurrent mode looks for a bootstrap): runs at once, on one machine, each
    see their own.
    """
    binary = rie_binary()
    port, api_port = free_port(), free_port()
    mount: list[str] = []
    if task is not None:
        if shutil.which("unshare") is None:
            missing("unshare (util-linux): RIE's concurrent mode needs a /var/task of its own")
        Path("/var/task").mkdir(parents=True, exist_ok=True)
        mount = [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            'mount --bind "$0" /var/task && exec "$@"',
            str(task),
        ]
    command = [
        *mount,
        str(binary),
        "--runtime-interface-emulator-address",
        f"127.0.0.1:{port}",
        "--runtime-api-address",
        f"127.0.0.1:{api_port}",
        *runtime,
    ]
    environment = runtime_env(**env)
    with running(command, environment, port, Path(environment["LAMBDA_TASK_ROOT"])):
        yield f"http://127.0.0.1:{port}/2015-03-31/functions/function/invocations"


@contextmanager
def cargo_lambda(tmp: Path, **env: str) -> Iterator[str]:
    """Run ``cargo lambda watch --only-lambda-apis`` and the runtime under it; yields its URL.

    cargo-lambda starts the function itself only for Rust projects; with ``--only-lambda-apis``
    it serves the Runtime API at ``/.rt`` and waits for a runtime to poll it, which we start.
    """
    binary = cargo_lambda_binary()
    (tmp / "src").mkdir(exist_ok=True)
    (tmp / "Cargo.toml").write_text(
        '[package]\nname = "streaming"\nversion = "0.1.0"\nedition = "2021"\n'
    )
    (tmp / "src" / "main.rs").write_text("fn main() {}\n")
    port = free_port()
    command = [str(binary), "lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1", "-P"]
    watch_env = {**os.environ, "CARGO_HOME": str(cache_dir() / "cargo-home")}
    with running([*command, str(port)], watch_env, port, tmp):
        base = f"http://127.0.0.1:{port}"
        runtime = subprocess.Popen(
            [sys.executable, "-m", "asgi_lambda.runtime"],
            env=runtime_env(AWS_LAMBDA_RUNTIME_API=f"{base}/.rt", **env),
            cwd=APP_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            yield base
        finally:
            runtime.terminate()
            try:
                runtime.wait(10)
            except subprocess.TimeoutExpired:
                runtime.kill()
                runtime.wait()
            if runtime.stdout:
                runtime.stdout.close()
