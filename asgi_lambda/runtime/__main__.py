"""``python -m asgi_lambda.runtime``: see the package docstring."""

from . import main

if __name__ == "__main__":
    raise SystemExit(main())
