"""asgi_handler's options: typed for IDEs and mypy, checked at construction with a clear error."""

from __future__ import annotations

import inspect
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from asgi_lambda import ConfigurationError, asgi_handler
from asgi_lambda._options import OPTION_NAMES, Options
from asgi_lambda._types import Receive, Scope, Send


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def test_every_option_is_a_keyword_only_parameter_with_the_options_default() -> None:
    parameters = dict(inspect.signature(asgi_handler).parameters)
    parameters.pop("app")
    parameters.pop("unknown")
    defaults = Options()  # every option at its default
    assert set(parameters) == set(OPTION_NAMES)
    for name, parameter in parameters.items():
        assert parameter.kind is parameter.KEYWORD_ONLY
        default = getattr(defaults, name)
        assert parameter.default == default or (not parameter.default and not default), name


def test_options_are_read_only_once_built() -> None:
    options = Options(lifespan="off")
    with pytest.raises(AttributeError, match="read-only"):
        options.lifespan = "on"  # type: ignore[misc]
    assert options.lifespan == "off"


def test_each_options_object_has_its_own_event_routes() -> None:
    first, second = Options(), Options()
    first.event_routes["sqs"] = "/jobs"
    assert second.event_routes == {}


@pytest.mark.parametrize(
    ("typo", "suggested"),
    [("lifspan", "lifespan"), ("compresion", "compression"), ("exclude_header", "exclude_headers")],
)
def test_a_misspelt_option_is_refused_with_the_name_it_resembles(typo: str, suggested: str) -> None:
    with pytest.raises(
        ConfigurationError, match=f"unknown option '{typo}'; did you mean '{suggested}'"
    ):
        asgi_handler(app, **{typo: "off"})


def test_an_option_like_nothing_known_lists_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match="known options: lifespan, api_gateway_base_path"):
        asgi_handler(app, zzz=1)  # type: ignore[arg-type]


def test_mypy_catches_a_misspelt_option_and_a_wrong_value_in_user_code(tmp_path: Path) -> None:
    user_code = tmp_path / "user_app.py"
    user_code.write_text(
        textwrap.dedent(
            """
            from asgi_lambda import asgi_handler

            async def app(scope, receive, send) -> None: ...

            handler = asgi_handler(app, lifspan="off")
            other = asgi_handler(app, compression="yes")
            fine = asgi_handler(app, lifespan="off", compression="auto", fail_on_status=["5xx"])
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(user_code)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert any('user_app.py:6: error: Argument "lifspan"' in line for line in errors), result.stdout
    assert any('user_app.py:7: error: Argument "compression"' in line for line in errors)
    assert not any("user_app.py:8:" in line for line in errors)


def test_the_decorator_without_parentheses_says_to_pass_the_app() -> None:
    with pytest.raises(ConfigurationError, match=r"@asgi_handler\(app\), not bare @asgi_handler"):

        @asgi_handler  # type: ignore[arg-type]
        def handler(event: dict[str, Any], context: Any) -> Any:
            return None


def test_none_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="app is None"):
        asgi_handler(None)


def test_a_wsgi_app_is_recognised_and_a_bridge_named() -> None:
    def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        return [b""]

    with pytest.raises(ConfigurationError, match="WSGI app.*a2wsgi.WSGIMiddleware"):
        asgi_handler(wsgi_app)


def test_a_flask_app_object_passes_the_check_as_asgi2_callable() -> None:
    # An object with a sync __call__(scope) is a valid ASGI 2 app; it is not refused.
    class Asgi2:
        def __call__(self, scope: Scope) -> Any:
            return app

    asgi_handler(Asgi2())


@pytest.mark.parametrize(
    ("middleware", "problem"),
    [
        (lambda request, call_next: call_next(request), "is not async"),
        ("not callable", "is not callable"),
    ],
)
def test_a_middleware_that_is_not_async_is_refused(middleware: Any, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=f"middlewares.*{problem}"):
        asgi_handler(app, middlewares=[middleware])


def test_a_middleware_with_the_wrong_arity_is_refused() -> None:
    async def one_argument(request: Any) -> Any:
        return None

    with pytest.raises(ConfigurationError, match="takes 1 positional argument"):
        asgi_handler(app, middlewares=[one_argument])


def test_async_function_and_class_middlewares_are_accepted() -> None:
    async def function(request: Any, call_next: Any) -> Any:
        return await call_next(request)

    class Klass:
        async def __call__(self, request: Any, call_next: Any) -> Any:
            return await call_next(request)

    asgi_handler(app, middlewares=[function, Klass()])


@pytest.mark.parametrize(
    ("dsn", "named"),
    [
        ("mysql://db/x", "unknown scheme 'mysql'"),
        ("redis://", "a host is required"),
        ("dynamodb://x", "expected dynamodb://table-name"),
        ("no-scheme", "expected scheme://"),
    ],
)
def test_a_bad_dsn_is_refused_at_construction_not_at_the_first_event(dsn: str, named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        asgi_handler(app, dsn=dsn)


def test_a_wsgi_object_such_as_a_flask_app_is_refused() -> None:
    class WsgiApp:  # Flask and Django's WSGIHandler: __call__(environ, start_response)
        def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
            return [b""]

    with pytest.raises(ConfigurationError, match="'WsgiApp' takes two arguments.*WSGI app"):
        asgi_handler(WsgiApp())


def test_an_async_function_of_the_wrong_arity_is_refused() -> None:
    async def one(scope: Scope) -> None: ...

    with pytest.raises(ConfigurationError, match="takes three, \\(scope, receive, send\\)"):
        asgi_handler(one)


@pytest.mark.parametrize("level", ["INFO", "debug", 20])
def test_log_level_accepts_names_in_either_case_and_level_numbers(level: Any) -> None:
    asgi_handler(app, log_level=level)


def test_a_log_level_number_logging_does_not_know_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="log_level"):
        asgi_handler(app, log_level=99)


def test_an_infinite_time_option_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="deadline_margin"):
        asgi_handler(app, deadline_margin=float("inf"))


def test_a_class_that_cannot_take_a_scope_is_refused_as_not_an_app() -> None:
    from pydantic import BaseModel

    class NewItem(BaseModel):  # what `serve module:NewItem` pointed at by mistake
        name: str = ""

    with pytest.raises(ConfigurationError, match="'NewItem' is a class whose constructor"):
        asgi_handler(NewItem)


def test_an_asgi2_class_made_with_its_scope_is_accepted() -> None:
    class Asgi2:
        def __init__(self, scope: dict[str, Any]) -> None:
            self.scope = scope

    assert callable(asgi_handler(Asgi2, lifespan="off"))


def test_options_copy_deepcopy_and_pickle_to_equal_values() -> None:
    import copy
    import pickle

    options = Options(
        lifespan="off", event_routes={"sqs": "/jobs"}, fail_on_status=frozenset({502})
    )
    for twin in (copy.copy(options), copy.deepcopy(options), pickle.loads(pickle.dumps(options))):
        assert [getattr(twin, name) for name in OPTION_NAMES] == [
            getattr(options, name) for name in OPTION_NAMES
        ]
