"""The HTTP path: the normalized request and response, the middleware protocol and chain, and
the ASGI http cycle that runs the app (the chain's innermost step)."""
