"""The docs site builds with ``mkdocs build --strict``, and every Python example on it runs.

Each page's ``python`` blocks run in order in one namespace (a later block may use what an earlier
one defined), after a prelude that stands in for the reader's own code: ``app`` (a small Starlette
app with ``/health``) and a ``myproject`` module holding it.  A block preceded by
``<!-- docs-test: skip: REASON -->`` is not run.  A ``handler`` that asgi_handler built is then
invoked once with an HTTP API event and a Lambda context, so an example that only fails when
called fails here too.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from asgi_lambda._context import LambdaContext
from asgi_lambda._lifespan import shutdown_all
from asgi_lambda._samples import sample_event

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BLOCK = re.compile(
    r"(?P<marker><!-- docs-test: skip: [^>]*-->\n+)?"
    r"(?P<indent>[ ]*)```python\n(?P<code>.*?)^(?P=indent)```",
    re.S | re.M,
)


def python_blocks(page: Path) -> list[tuple[int, str, bool]]:
    """(line, code, skipped) for every python block of ``page``."""
    text = page.read_text()
    blocks = []
    for match in BLOCK.finditer(text):
        line = text[: match.start("code")].count("\n") + 1
        code = textwrap.dedent(match.group("code"))
        blocks.append((line, code, match.group("marker") is not None))
    return blocks


PAGES = sorted(p for p in DOCS.rglob("*.md") if python_blocks(p))


def test_the_site_builds_with_no_warning(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert (tmp_path / "reference" / "index.html").read_text().count("asgi_handler") > 3


def test_the_sites_home_page_is_the_readme_with_site_links(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from mkdocs_hooks import readme_as_home_page
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    home = readme_as_home_page()
    readme = (ROOT / "README.md").read_text()
    headings = [line for line in readme.splitlines() if line.startswith("## ")]
    assert headings and all(heading in home for heading in headings)
    assert "MCP servers" in home and "](mcp.md)" in home
    assert "](docs/" not in home  # every docs link is the site's own page
    assert "(changelog.md)" in home
    assert (DOCS / "index.md").read_text().count("\n") == 1  # a placeholder, nothing to drift


async def _health(request: Any) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def _prelude(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The page's namespace: a real module (frameworks resolve annotations through it)."""
    app = Starlette(routes=[Route("/health", _health)])
    myproject = types.ModuleType("myproject")
    myproject.app = app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "myproject", myproject)
    example = types.ModuleType("docs_example")
    monkeypatch.setitem(sys.modules, "docs_example", example)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "docs-test")
    example.app = app  # type: ignore[attr-defined]
    return example.__dict__


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_every_python_example_on_the_page_runs(
    page: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace = _prelude(monkeypatch)
    ran = 0
    for line, code, skipped in python_blocks(page):
        if skipped:
            continue
        exec(compile(code, f"{page.relative_to(ROOT)}:{line}", "exec"), namespace)  # noqa: S102
        ran += 1
    handler = namespace.get("handler")
    try:
        if ran and getattr(handler, "adapter", None) is not None:
            response = handler(sample_event("http-api-v2", "GET", "/health"), LambdaContext())
            assert response["statusCode"] < 500, response  # a 500 is a broken example
    finally:
        shutdown_all()
    assert ran or all(skipped for _, _, skipped in python_blocks(page))
