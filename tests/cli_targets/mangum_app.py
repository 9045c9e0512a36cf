"""A Mangum handler, passed to the CLI by mistake."""

from mangum import Mangum

from tests.cli_targets.observed import app

handler = Mangum(app)
