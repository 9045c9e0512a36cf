"""The asgi-lambda benchmark suite (issue 6): ``python -m bench [--quick]``.

Measures asgi-lambda, Mangum and the floor (the bare ASGI app driven directly on an event loop)
side by side in one process, on the same events and apps, and prints medians, ratios and whether
each SPEC section 9 target holds.  See bench/README.md.  Kept import-light: the cold-start child
processes import ``bench.apps`` and must not pay for anything else.
"""
