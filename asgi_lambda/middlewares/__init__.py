"""Built-in middlewares: each is an ordinary middleware of the public protocol, in its own module."""
