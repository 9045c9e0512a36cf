"""A direct way out for the access line, for when nothing but the runtime's handler would see it.

Under asgi-lambda's runtime with logging left as the runtime set it up, ``Logger.info`` builds a
``LogRecord`` (a caller lookup, the time, thread and process), runs the filter and the formatter,
about 50 us of a 300 us invocation to print one line.  The runtime registers ``sink`` here
(``runtime._logging.configure``) and the access log offers it its line first: the sink writes
the very bytes the handler would have written, or returns False whenever anything else could see
the record (a handler, filter, level, formatter or record factory a user set), and the line then
goes through ``logging`` as before.  Outside the runtime ``sink`` stays None.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

Sink = Callable[[logging.Logger, str], bool]

sink: Sink | None = None
