"""Release readiness: the sdist and wheel build and pass twine; every example installs from them.

The examples' requirements name ``asgi-lambda`` as they will once it is on PyPI; until then pip
finds the wheel built from this clone through ``PIP_FIND_LINKS`` (README "Install"), which pip,
``sam build`` and serverless-python-requirements all honour.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import asgi_lambda

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {
    "fastapi_app": "app",
    "quart_app": "app",
    "django_project": "mysite.asgi",
    "websocket_app": "app",
    "events_app": "app",
    "mcp_server": "app",
}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    yield out


def test_build_makes_one_sdist_and_one_wheel_that_pass_twine(dist: Path) -> None:
    names = sorted(path.name for path in dist.iterdir())
    version = asgi_lambda.__version__
    assert names == [
        f"asgi_lambda-{version}-py3-none-any.whl",
        f"asgi_lambda-{version}.tar.gz",
    ]
    check = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_wheel_carries_the_license_the_typing_marker_and_complete_metadata(dist: Path) -> None:
    wheel = next(dist.glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "asgi_lambda/py.typed" in names
    assert any(name.endswith("licenses/LICENSE") for name in names)
    assert "License-Expression: MIT" in metadata
    assert "Classifier: Typing :: Typed" in metadata
    assert "Requires-Python: >=3.10" in metadata
    assert "Requires-Dist: pydantic" in metadata
    assert not any(name.startswith(("tests/", "examples/", "bench/")) for name in names)


def test_every_example_installs_from_the_built_wheel_and_imports_its_handler(
    dist: Path, tmp_path: Path
) -> None:
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    env = {**os.environ, "PIP_FIND_LINKS": str(dist), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    for example, module in EXAMPLES.items():
        folder = ROOT / "examples" / example
        install = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", "requirements.txt"],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert install.returncode == 0, f"{example}: {install.stderr[-3000:]}"
        imported = subprocess.run(
            [
                str(python),
                "-c",
                f"import {module}, asgi_lambda; print({module}.handler.__name__,"
                " asgi_lambda.__file__)",
            ],
            cwd=folder,
            env={**env, "DJANGO_SETTINGS_MODULE": "mysite.settings"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert imported.returncode == 0, f"{example}: {imported.stderr[-3000:]}"
        assert str(environment) in imported.stdout  # the installed wheel, not this checkout


def test_build_script_needs_only_the_build_backend_not_the_development_setup(
    tmp_path: Path,
) -> None:
    """scripts/build.sh builds in a small venv of its own (cached), never the full .venv."""
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=60)
    cache = Path(os.environ.get("ASGI_LAMBDA_CACHE", Path.home() / ".cache" / "asgi-lambda"))
    result = subprocess.run(
        ["bash", "scripts/build.sh"],
        cwd=clone,
        env={**os.environ, "ASGI_LAMBDA_CACHE": str(cache)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (clone / ".venv").exists()  # the 777 MB development environment is not made
    wheels = [p.name for p in (clone / "dist").iterdir() if p.suffix == ".whl"]
    assert wheels == [f"asgi_lambda-{asgi_lambda.__version__}-py3-none-any.whl"]
