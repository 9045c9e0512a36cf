"""The deployment examples must not rot: every SAM template passes cfn-lint, and every function a
SAM template or Serverless config deploys is imported from its code directory, the way Lambda
would (``Handler`` resolved inside ``CodeUri``), and answers an event of each front door the
template wires to it.

Each function runs in a subprocess whose working directory is its code root: that is what
Lambda's task root is, it keeps the examples' module names (several are ``app``) apart, and it
keeps Django's process-global settings out of this test process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.decode import decode

from asgi_lambda._samples import HOST, sample_event
from tests.conftest import load_event

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SAM_TEMPLATES = sorted(EXAMPLES.glob("*/template*.yaml"))
SERVERLESS_CONFIGS = sorted(EXAMPLES.glob("*/serverless*.yml"))
CFN_LINT = Path(sys.executable).parent / "cfn-lint"

# Environment variables whose template value is an intrinsic function (a table name, a secret):
# what the test sets instead.  A new one without an entry here fails, saying so.
TEST_VALUES = {
    "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": "",  # deployed: empty, the event names it
    "CONNECTIONS_DSN": "sqlite:///{tmp}/connections.db",
    "DJANGO_SECRET_KEY": "a-test-secret-key-that-is-long-enough-for-django",
}

# Runs one handler over a list of events inside its code root, as Lambda's runtime would.
RUNNER = """
import importlib, json, sys
module_name, attribute = sys.argv[1].rsplit(".", 1)
with open(sys.argv[2]) as file:
    events = json.load(file)
handler = getattr(importlib.import_module(module_name), attribute)
results = [handler(event, None) for event in events]
with open(sys.argv[3], "w") as file:
    json.dump(results, file)
"""


@dataclass
class Function:
    """One deployed function: where its code is, its handler, and the front doors it sits behind."""

    name: str
    code_root: Path
    handler: str
    sources: list[str]
    environment: dict[str, Any] = field(default_factory=dict)


def _relative(path: Path) -> str:
    return str(path.relative_to(EXAMPLES))


def _sam_template(path: Path) -> dict[str, Any]:
    template, matches = decode(str(path))
    assert template is not None, f"{_relative(path)} does not parse: {matches}"
    return dict(template)


def _sam_sources(template: dict[str, Any], name: str) -> list[str]:
    properties = template["Resources"][name]["Properties"]
    sources = []
    for event in (properties.get("Events") or {}).values():
        if event["Type"] == "HttpApi":
            version = event.get("Properties", {}).get("PayloadFormatVersion", "2.0")
            sources.append("http-api-v2" if version == "2.0" else "http-api-v1")
        elif event["Type"] == "Api":
            sources.append("rest")
    if "FunctionUrlConfig" in properties:
        sources.append("function-url")
    for resource in template["Resources"].values():
        refers = name in json.dumps(resource)
        if resource["Type"] == "AWS::ElasticLoadBalancingV2::TargetGroup" and refers:
            attributes = resource["Properties"].get("TargetGroupAttributes", [])
            multi = {"Key": "lambda.multi_value_headers.enabled", "Value": "true"} in attributes
            sources.append("alb-multi-value" if multi else "alb")
        if resource["Type"] == "AWS::ApiGatewayV2::Integration" and refers:
            sources.append("websocket")
    return sources


def sam_functions(path: Path) -> list[Function]:
    template = _sam_template(path)
    defaults = template.get("Globals", {}).get("Function", {})
    functions = []
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = {**defaults, **resource["Properties"]}
        if properties.get("PackageType") == "Image":
            continue  # its code is a Dockerfile's; the zip template next to it deploys the same app
        environment = {
            **defaults.get("Environment", {}).get("Variables", {}),
            **properties.get("Environment", {}).get("Variables", {}),
        }
        functions.append(
            Function(
                name=f"{_relative(path)}:{name}",
                code_root=(path.parent / properties["CodeUri"]).resolve(),
                handler=properties["Handler"],
                sources=_sam_sources(template, name),
                environment=environment,
            )
        )
    return functions


def _serverless_sources(function: dict[str, Any], provider: dict[str, Any]) -> list[str]:
    sources = []
    for event in function.get("events", []):
        if "httpApi" in event:
            version = str(provider.get("httpApi", {}).get("payload", "2.0"))
            sources.append("http-api-v2" if version == "2.0" else "http-api-v1")
        elif "http" in event:
            sources.append("rest")
        elif "alb" in event:
            sources.append("alb-multi-value" if event["alb"].get("multiValueHeaders") else "alb")
        elif "websocket" in event:
            sources.append("websocket")
    if function.get("url"):
        sources.append("function-url")
    return sources


def serverless_functions(path: Path) -> list[Function]:
    config = yaml.safe_load(path.read_text())
    provider = config.get("provider", {})
    return [
        Function(
            name=f"{_relative(path)}:{name}",
            code_root=path.parent,
            handler=function["handler"],
            sources=_serverless_sources(function, provider),
            environment={**provider.get("environment", {}), **function.get("environment", {})},
        )
        for name, function in config["functions"].items()
    ]


FUNCTIONS = [f for path in SAM_TEMPLATES for f in sam_functions(path)] + [
    f for path in SERVERLESS_CONFIGS for f in serverless_functions(path)
]


def events_for(source: str) -> list[dict[str, Any]]:
    """What each front door sends: a health check, or a WebSocket connect and disconnect."""
    if source == "websocket":
        connect = load_event("go-apigw-websocket-request")
        connect.pop("path", None)  # real $connect events carry no path
        connect["requestContext"]["connectionId"] = "example-connection"
        disconnect = load_event("go-apigw-websocket-request-disconnect")
        disconnect["requestContext"]["connectionId"] = "example-connection"
        return [connect, disconnect]
    headers = [] if source.startswith("alb") else [("host", HOST)]
    return [sample_event(source, "GET", "/health", headers=headers)]


def expected_for(source: str) -> list[tuple[int, Any]]:
    if source == "websocket":
        return [(200, None), (200, None)]
    return [(200, {"status": "ok"})]


def environment_for(function: Function, tmp: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    for name, value in function.environment.items():
        if isinstance(value, str) and "${" not in value:
            env[name] = value
        elif name in TEST_VALUES:
            env[name] = TEST_VALUES[name].format(tmp=tmp)
        else:
            raise AssertionError(
                f"{function.name}: environment variable {name} is computed at deploy time "
                f"({value!r}); give it a test value in TEST_VALUES"
            )
    return env


def run_function(function: Function, tmp: Path) -> list[dict[str, Any]]:
    events = [event for source in function.sources for event in events_for(source)]
    events_file, results_file = tmp / "events.json", tmp / "results.json"
    events_file.write_text(json.dumps(events))
    completed = subprocess.run(
        [sys.executable, "-c", RUNNER, function.handler, str(events_file), str(results_file)],
        cwd=function.code_root,
        env=environment_for(function, tmp),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, f"{function.name} failed:\n{completed.stderr}"
    results: list[dict[str, Any]] = json.loads(results_file.read_text())
    return results


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Every function's answers, computed concurrently once (each is a Python start-up)."""

    directories = [tmp_path_factory.mktemp("example") for _ in FUNCTIONS]  # mktemp: one thread

    def one(function: Function, tmp: Path) -> Any:
        try:
            return run_function(function, tmp)
        except AssertionError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = pool.map(one, FUNCTIONS, directories)
        yield dict(zip([f.name for f in FUNCTIONS], answers, strict=True))


@pytest.fixture(scope="module")
def lint_findings() -> dict[str, list[str]]:
    """cfn-lint over every template at once; findings grouped by template."""
    assert CFN_LINT.exists(), "cfn-lint is missing: pip install -e '.[frameworks]'"
    completed = subprocess.run(
        [str(CFN_LINT), "--format", "json", "--", *map(str, SAM_TEMPLATES)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.stdout.strip(), f"cfn-lint printed nothing:\n{completed.stderr}"
    findings: dict[str, list[str]] = {}
    for match in json.loads(completed.stdout):
        path = _relative(Path(match["Filename"]).resolve())
        location = match["Location"]["Start"]["LineNumber"]
        findings.setdefault(path, []).append(
            f"{match['Level']} {match['Rule']['Id']} line {location}: {match['Message']}"
        )
    return findings


def test_examples_are_found() -> None:
    assert len(SAM_TEMPLATES) >= 5
    assert len(SERVERLESS_CONFIGS) >= 4


@pytest.mark.parametrize("template", SAM_TEMPLATES, ids=_relative)
def test_sam_template_passes_cfn_lint(template: Path, lint_findings: dict[str, list[str]]) -> None:
    assert lint_findings.get(_relative(template), []) == []


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.name)
def test_deployed_function_sits_behind_a_front_door(function: Function) -> None:
    assert function.sources, f"{function.name} has no event source"


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.name)
def test_deployed_function_answers_each_of_its_front_doors(
    function: Function, results: dict[str, Any]
) -> None:
    answers = results[function.name]
    if isinstance(answers, AssertionError):
        raise answers
    expected = [pair for source in function.sources for pair in expected_for(source)]
    got = [
        (answer["statusCode"], json.loads(answer["body"]) if expected_body is not None else None)
        for answer, (_, expected_body) in zip(answers, expected, strict=True)
    ]
    assert got == expected


def _websocket_template() -> dict[str, Any]:
    return _sam_template(EXAMPLES / "websocket_app" / "template.yaml")


def test_websocket_function_may_manage_connections_of_its_api() -> None:
    policies = _websocket_template()["Resources"]["ChatFunction"]["Properties"]["Policies"]
    statements = [s for p in policies if "Statement" in p for s in p["Statement"]]
    manage = [s for s in statements if s["Action"] == "execute-api:ManageConnections"]
    assert len(manage) == 1
    assert "${WebSocketApi}" in manage[0]["Resource"]["Fn::Sub"]
    assert manage[0]["Resource"]["Fn::Sub"].endswith("/@connections/*")


def test_websocket_function_has_crud_on_the_connections_table() -> None:
    policies = _websocket_template()["Resources"]["ChatFunction"]["Properties"]["Policies"]
    crud = [p["DynamoDBCrudPolicy"] for p in policies if "DynamoDBCrudPolicy" in p]
    assert crud == [{"TableName": {"Ref": "ConnectionsTable"}}]


def test_websocket_dsn_uses_the_managed_table_without_creating_it() -> None:
    function = _websocket_template()["Resources"]["ChatFunction"]["Properties"]
    dsn = function["Environment"]["Variables"]["CONNECTIONS_DSN"]["Fn::Sub"]
    assert dsn == "dynamodb://${ConnectionsTable}?create=false"


def test_websocket_table_has_the_key_schema_the_store_uses() -> None:
    table = _websocket_template()["Resources"]["ConnectionsTable"]["Properties"]
    keys = {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]}
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    assert keys == {"pk": "HASH", "sk": "RANGE"}
    assert types == {"pk": "S", "sk": "S"}


def test_websocket_table_expires_items_on_the_attribute_the_store_writes() -> None:
    from asgi_lambda.websockets.backends.dynamodb import TTL_ATTRIBUTE

    table = _websocket_template()["Resources"]["ConnectionsTable"]["Properties"]
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}


def test_websocket_api_routes_connect_disconnect_and_default_to_the_function() -> None:
    resources = _websocket_template()["Resources"]
    routes = {
        r["Properties"]["RouteKey"]
        for r in resources.values()
        if r["Type"] == "AWS::ApiGatewayV2::Route"
    }
    assert routes == {"$connect", "$disconnect", "$default"}


def test_django_example_passes_manage_py_check(tmp_path: Path) -> None:
    project = EXAMPLES / "django_project"
    completed = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=project,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert "System check identified no issues" in completed.stdout
