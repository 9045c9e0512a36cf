"""A module that fails at import, as a typo in a user's module would."""

raise RuntimeError("DATABASE_URL is not set")
