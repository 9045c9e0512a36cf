"""SnapStart: lifespan startup is in the snapshot; the user's hooks run around it.

With SnapStart Lambda runs init once, snapshots the memory, and resumes copies of it later.
The runtime starts the app (lifespan startup) during init, so pools and clients are part of the
snapshot.  What must not be shared by restored copies (random seeds, unique ids, connections
whose server side is long gone) is re-made in the hooks of AWS's ``snapshot_restore_py``:
``register_before_snapshot`` (run in reverse order) and ``register_after_restore`` (in order),
exactly as Lambda's Python runtime runs them.  The runtime's own connection is re-opened after a
restore without any hook.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from ._address import RuntimeAddress
from ._connection import BlockingConnection
from ._errors import InitError, stack_of


def enabled() -> bool:
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"


def _hooks() -> Any:
    try:
        return importlib.import_module("snapshot_restore_py")
    except ImportError:
        return None


async def checkpoint(address: RuntimeAddress) -> None:
    """Before-snapshot hooks, ``/restore/next`` (the snapshot is taken there), after-restore."""
    hooks = _hooks()
    if hooks is not None:
        for function, args, kwargs in reversed(hooks.get_before_snapshot()):
            try:
                function(*args, **kwargs)
            except Exception as exc:
                raise InitError("Runtime.BeforeSnapshotError", str(exc), stack_of(exc)) from exc
    connection = BlockingConnection(address)
    try:
        await connection.exchange("GET", address.path("/restore/next"), b"")
    finally:
        connection.close()  # the socket does not survive the restore
    if hooks is not None:
        for function, args, kwargs in hooks.get_after_restore():
            try:
                function(*args, **kwargs)
            except Exception as exc:
                error = InitError("Runtime.AfterRestoreError", str(exc), stack_of(exc))
                error.report_path = "/restore/error"  # as Lambda's runtime reports it
                raise error from exc
