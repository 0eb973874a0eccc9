"""Exemptions by the names users have: a function, an API, a method (its logical id), across nested stacks and in
SAM; an exemption that matches nothing is reported with the names it could have meant. The real compiled
template of serverless/examples' REST service (tests/fixtures/corpus/py-rest-dynamodb) is the subject; the
plugin bridge's part (serverless.yml keys to template metadata) runs under node on the same template."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.audit import audit
from generator.cfn.yaml_tags import CfnLoader
from generator.cli import main
from tests.support import paths
from tests.support.bridge import plugin_copy, run_bridge

FIXTURES = paths.FIXTURES
REST = FIXTURES / "corpus" / "py-rest-dynamodb" / "cloudformation-template-update-stack.json"
METHODS = {
    "ApiGatewayMethodTodosPost": "CreateLambdaFunction",
    "ApiGatewayMethodTodosGet": "ListLambdaFunction",
    "ApiGatewayMethodTodosIdVarGet": "GetLambdaFunction",
    "ApiGatewayMethodTodosIdVarPut": "UpdateLambdaFunction",
    "ApiGatewayMethodTodosIdVarDelete": "DeleteLambdaFunction",
}
PUBLIC = "the todo list is a public demo"


def service(tmp_path: Path, exempt: dict[str, dict[str, str]]) -> Path:
    """A copy of the compiled REST service with ``{logical id or "stack": {rule: reason}}`` written as metadata."""
    body = json.loads(REST.read_text())
    for where, rules in exempt.items():
        holder = body if where == "stack" else body["Resources"][where]
        holder.setdefault("Metadata", {}).setdefault("slsguard", {})["exempt"] = rules
    folder = tmp_path / "svc"
    folder.mkdir()
    (folder / REST.name).write_text(json.dumps(body))
    return folder


def open_methods(folder: Path) -> tuple[set[str], set[str]]:
    """(methods still reported, methods exempted) by rest-unauthenticated, grouped findings unfolded."""
    reported: set[str] = set()
    exempted: set[str] = set()
    for f in audit([folder]):
        if f.rule == "rest-unauthenticated":
            (exempted if f.exempt else reported).update(f.resources or (f.logical_id,))
    return reported, exempted


def unmatched(folder: Path) -> list[str]:
    return [f.message for f in audit([folder]) if f.rule == "exemption"]


def test_without_exemptions_every_method_is_reported(tmp_path: Path) -> None:
    assert open_methods(service(tmp_path, {})) == (set(METHODS), set())


def test_by_function_the_methods_that_invoke_it_are_exempt(tmp_path: Path) -> None:
    folder = service(tmp_path, {"CreateLambdaFunction": {"rest-unauthenticated": "sign-up is open to anyone"}})
    reported, exempted = open_methods(folder)
    assert exempted == {"ApiGatewayMethodTodosPost"} and reported == set(METHODS) - exempted
    assert unmatched(folder) == []


def test_by_api_every_method_of_it_is_exempt(tmp_path: Path) -> None:
    folder = service(tmp_path, {"ApiGatewayRestApi": {"rest-unauthenticated": PUBLIC}})
    assert open_methods(folder) == (set(), set(METHODS))
    [finding] = [f for f in audit([folder]) if f.rule == "rest-unauthenticated"]
    assert finding.exempt == PUBLIC and not finding.blocking and "5 methods" in finding.message


def test_by_method_only_that_method_is_exempt(tmp_path: Path) -> None:
    folder = service(tmp_path, {"ApiGatewayMethodTodosIdVarDelete": {"rest-unauthenticated": "idempotent and rate-limited"}})
    reported, exempted = open_methods(folder)
    assert exempted == {"ApiGatewayMethodTodosIdVarDelete"} and len(reported) == 4


def test_a_function_exemption_reaches_a_method_in_a_nested_stack(tmp_path: Path) -> None:
    """split-stacks moves the methods into the API stack, which reaches the function through a parameter."""
    shutil.copytree(FIXTURES / "audit" / "nested", tmp_path / "svc")
    nested = tmp_path / "svc" / "cloudformation-template-API-nested-stack.json"
    body = json.loads(nested.read_text())
    del body["Resources"]["ApiGatewayMethodGet"]["Properties"]["ApiKeyRequired"]
    body["Resources"]["ApiGatewayMethodGet"]["Properties"]["AuthorizationType"] = "NONE"
    nested.write_text(json.dumps(body))
    [before] = [f for f in audit([tmp_path / "svc"]) if f.rule == "rest-unauthenticated"]
    assert (before.stack, before.logical_id, before.exempt) == ("APINestedStack", "ApiGatewayMethodGet", None)
    root = tmp_path / "svc" / "cloudformation-template-update-stack.json"
    body = json.loads(root.read_text())
    body["Resources"]["ApiLambdaFunction"]["Metadata"] = {"slsguard": {"exempt": {"rest-unauthenticated": "a public status page"}}}
    root.write_text(json.dumps(body))
    [after] = [f for f in audit([tmp_path / "svc"]) if f.rule == "rest-unauthenticated"]
    assert after.exempt == "a public status page" and after.logical_id == "ApiGatewayMethodGet"


def test_in_sam_the_function_s_exemption_covers_its_route_in_the_api_body(tmp_path: Path) -> None:
    source = FIXTURES / "corpus" / "sam-apigw-lambda-dynamodb" / "template.yaml"
    body = yaml.load(source.read_text(), Loader=CfnLoader)
    body["Resources"]["LambdaFunction"]["Metadata"] = {"slsguard": {"exempt": {"rest-unauthenticated": "a public weather feed"}}}
    (tmp_path / "template.yaml").write_text(yaml.dump(body))
    found = [f for f in audit([tmp_path / "template.yaml"]) if f.rule in ("rest-unauthenticated", "exemption")]
    assert [(f.rule, f.exempt) for f in found] == [("rest-unauthenticated", "a public weather feed")]


def test_an_exemption_that_matches_nothing_is_a_warning_naming_where_the_rule_reports(tmp_path: Path) -> None:
    folder = service(
        tmp_path,
        {
            "DeleteLambdaFunction": {"rest-api-waf": "behind a CDN"},  # the web ACL finding is the API's, not a function's
            "stack": {"function-url-public": "no function URLs here"},  # the rule reports nothing at all
        },
    )
    findings = [f for f in audit([folder]) if f.rule == "exemption"]
    assert [(f.severity, f.logical_id, f.path) for f in findings] == [
        ("warning", None, "Metadata.slsguard.exempt.function-url-public"),
        ("warning", "DeleteLambdaFunction", "Resources.DeleteLambdaFunction.Metadata.slsguard.exempt.rest-api-waf"),
    ]
    assert findings[0].message == (
        "Exemption of stack root from function-url-public matches no finding: function-url-public reports nothing in these "
        "templates: remove the exemption."
    )
    assert findings[1].message == (
        "Exemption of function serverless-rest-api-with-dynamodb-dev-delete (DeleteLambdaFunction) from rest-api-waf matches no "
        "finding: rest-api-waf is reported for REST API ApiGatewayRestApi: name one of them, or remove the exemption."
    )
    assert all(not f.blocking for f in findings)  # a warning: the audit still passes on it


def test_an_unmatched_exemption_is_in_the_cli_report_and_does_not_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = service(tmp_path, {"ListLambdaFunction": {"function-url-public": "typo for rest-unauthenticated"}})
    assert main(["audit", str(folder), "--warn-only"]) == 0
    out = capsys.readouterr().out
    assert "  WARNING exemption  Resources.ListLambdaFunction.Metadata.slsguard.exempt.function-url-public" in out
    assert "function-url-public reports nothing in these templates" in out


# --- the plugin bridge: serverless.yml names -> template metadata ------------------------------------------------


def bridge(tmp_path: Path, exempt: dict[str, Any]) -> tuple[Path, str | None]:
    """The corpus template after the bridge wrote ``custom.slsguard.exempt`` into it (or its error)."""
    folder = tmp_path / "svc"
    folder.mkdir(exist_ok=True)
    outcome, _ = run_bridge(
        plugin_copy(tmp_path / "bridge"), "before:package:finalize",
        service="serverless-rest-api-with-dynamodb", functions={name: {} for name in ("create", "list", "get", "update", "delete")},
        slsguard={"exempt": exempt}, templateFile=str(REST), out=str(folder / REST.name),
    )  # fmt: skip
    return folder, outcome.get("error")


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("create", {"ApiGatewayMethodTodosPost"}),  # the function's key in serverless.yml
        ("serverless-rest-api-with-dynamodb-dev-create", {"ApiGatewayMethodTodosPost"}),  # its deployed FunctionName
        ("ApiGatewayRestApi", set(METHODS)),  # the API's logical id
        ("dev-serverless-rest-api-with-dynamodb", set(METHODS)),  # the API's deployed name (provider.apiName)
        ("serverless-rest-api-with-dynamodb", set(METHODS)),  # the service name: the framework's API
        ("ApiGatewayMethodTodosIdVarGet", {"ApiGatewayMethodTodosIdVarGet"}),  # one method's logical id
    ],
    ids=["function-key", "function-name", "api-logical-id", "api-name", "service-name", "method"],
)
def test_serverless_yml_exemptions_by_every_name_reach_the_methods(tmp_path: Path, key: str, expected: set[str]) -> None:
    folder, error = bridge(tmp_path, {key: {"rest-unauthenticated": PUBLIC}})
    assert error is None
    reported, exempted = open_methods(folder)
    assert exempted == expected and reported == set(METHODS) - expected
    assert unmatched(folder) == []


def test_a_serverless_yml_exemption_that_matches_nothing_names_where_it_was_written(tmp_path: Path) -> None:
    folder, error = bridge(tmp_path, {"list": {"api-timeout": "the list is small"}})
    assert error is None
    assert unmatched(folder) == [
        "Exemption of function serverless-rest-api-with-dynamodb-dev-list (ListLambdaFunction) from api-timeout (written as "
        "custom.slsguard.exempt.list.api-timeout in serverless.yml) matches no finding: api-timeout reports nothing in these "
        "templates: remove the exemption."
    ]


def test_a_name_the_service_does_not_have_stops_package_with_the_names_it_could_have_meant(tmp_path: Path) -> None:
    _, error = bridge(tmp_path, {"craete": {"rest-unauthenticated": PUBLIC}})
    assert error == (
        "custom.slsguard.exempt.craete names no function, API or resource of this service (use a function name, an API name, "
        "a logical id or `stack`). Did you mean `create`?"
    )


def test_an_exemption_a_nearer_one_overrides_still_counts_as_matching(tmp_path: Path) -> None:
    """The POST method's own exemption wins over its function's; the function's is not reported as matching nothing."""
    folder = service(
        tmp_path,
        {
            "ApiGatewayMethodTodosPost": {"rest-unauthenticated": "sign-up is open"},
            "CreateLambdaFunction": {"rest-unauthenticated": "creating a todo is open"},
        },
    )
    reasons = {}
    for f in audit([folder]):
        if f.rule == "rest-unauthenticated":
            reasons.update(dict.fromkeys(f.resources or (f.logical_id,), f.exempt))
    assert reasons == {**dict.fromkeys(METHODS), "ApiGatewayMethodTodosPost": "sign-up is open"}
    assert unmatched(folder) == []


def test_a_function_exemption_reaches_its_log_group_by_name(tmp_path: Path) -> None:
    """The framework names a function's log group /aws/lambda/<FunctionName>; no reference joins them."""
    folder = service(tmp_path, {"CreateLambdaFunction": {"log-retention": "kept by the account's log policy"}})
    exempted, reported = set(), set()
    for f in audit([folder]):
        if f.rule == "log-retention":
            (exempted if f.exempt else reported).update(f.resources or (f.logical_id,))
    assert exempted == {"CreateLogGroup"} and len(reported) == 4 and "CreateLogGroup" not in reported
    assert unmatched(folder) == []
