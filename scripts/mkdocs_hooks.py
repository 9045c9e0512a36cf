"""mkdocs hook: the site's home page is README.md itself, so the two cannot drift apart.

``docs/index.md`` is a placeholder; at build time its text is the README's, with the README's
links made the site's own (``docs/x.md`` -> ``x.md``, ``CHANGELOG.md`` -> the changelog page)
and links to files outside the site (``examples/``, ``bench/README.md``) left as code.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

README = Path(__file__).resolve().parents[1] / "README.md"
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def readme_as_home_page() -> str:
    return _LINK.sub(_site_link, README.read_text())


def _site_link(match: re.Match[str]) -> str:
    text, target = match.groups()
    if target.startswith(("http://", "https://", "#")):
        return match.group(0)
    if target.startswith("docs/"):
        target = target[len("docs/") :]
        if target.endswith("/"):  # a folder: its first page
            pages = sorted((README.parent / "docs" / target).glob("*.md"))
            target += pages[0].name if pages else ""
        return f"[{text}]({target})"
    if target == "CHANGELOG.md":
        return f"[{text}](changelog.md)"
    return text if text.startswith("`") else f"`{text}`"


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    if page.file.src_uri == "index.md":
        return readme_as_home_page()
    return markdown
