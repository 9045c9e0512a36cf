"""Built-in middlewares: ordinary middlewares of the public protocol, one per module."""
