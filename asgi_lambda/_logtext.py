"""Text from requests made safe for log lines.

A path, method or connection id is the client's choice; logged raw, ``%0d%0a`` in a path (decoded
to CR LF) starts a forged line in every plain-text log (stdlib logging writes what it is given).
Control characters are escaped as Python does (``\\r``, ``\\x00``, ``\\u2028``), everything
printable is kept, and the common case (nothing to escape) costs one ``isprintable`` call.
"""

from __future__ import annotations


def printable(text: str) -> str:
    """``text`` with every non-printable character escaped; at most 1,024 characters kept."""
    if len(text) > 1024:
        text = text[:1024] + "..."
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
