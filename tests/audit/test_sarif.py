"""``slsguard audit --format sarif``: valid SARIF 2.1.0 (the official OASIS schema, vendored in
``tests/fixtures/``) with what GitHub code scanning reads: rules with help text and a
default level, results with ruleId, level, message, locations (serverless.yml line first, compiled template
always), partialFingerprints and, with a baseline, baselineState."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.audit import RULES, audit_with_templates, baseline
from generator.cli import main
from tests.support.paths import REPO
from tests.support.sarif_schema import validate

FIXTURES = REPO / "tests" / "fixtures" / "audit"

SERVERLESS_YML = """\
service: demo
provider:
  name: aws
  environment:
    SHARED_TOKEN: "t0k3n-shared-by-all"  # provider-level
functions:
  api:
    handler: app.handler
    timeout: 10
    environment:
      DB_PASSWORD: hunter2
  nightly-job:
    handler: app.nightly
resources:
  Resources:
    DataPolicy:
      Type: AWS::IAM::Policy
      Properties:
        PolicyDocument:
          Statement:
            - Effect: Allow
              Action: "*"
              Resource: "*"
"""


def function(name: str, env: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {"FunctionName": f"demo-dev-{name}", "Timeout": 6, "Environment": {"Variables": env}, **extra},
    }


def compiled() -> dict[str, Any]:
    return {
        "Resources": {
            "ApiLambdaFunction": function(
                "api", {"SHARED_TOKEN": "t0k3n-shared-by-all", "DB_PASSWORD": "hunter2"}, ReservedConcurrentExecutions=5
            ),
            "NightlyDashjobLambdaFunction": {
                **function("nightly-job", {"SHARED_TOKEN": "t0k3n-shared-by-all"}),
                "Metadata": {"slsguard": {"implicit": ["Timeout"], "exempt": {"reserved-concurrency": "runs once a night"}}},
            },
            "DataPolicy": {
                "Type": "AWS::IAM::Policy",
                "Properties": {"PolicyName": "p", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
            },
        }
    }


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with serverless.yml and its compiled template; the working directory is its parent (a repository root)."""
    root = tmp_path / "svc"
    (root / ".serverless").mkdir(parents=True)
    (root / "serverless.yml").write_text(SERVERLESS_YML)
    (root / ".serverless" / "cloudformation-template-update-stack.json").write_text(json.dumps(compiled(), indent=2))
    monkeypatch.chdir(tmp_path)
    return root


def sarif(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(["audit", *argv, "--format", "sarif"])
    out, err = capsys.readouterr()
    assert err == "" or err.startswith("slsguard: recorded")
    return code, json.loads(out)


def results_by(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["ruleId"], r["properties"]["path"]): r for r in doc["runs"][0]["results"]}


def test_sarif_is_valid_and_carries_rules_levels_and_exit_code(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = sarif(capsys, "svc")
    validate(doc)
    assert code == 1 and doc["version"] == "2.1.0"
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["name"] == "slsguard"
    ids = [r["id"] for r in driver["rules"]]
    assert ids == [r.id for r in RULES] + ["exemption"]
    by_id = {r["id"]: r for r in driver["rules"]}
    assert by_id["tracing"]["defaultConfiguration"]["level"] == "warning"
    levels = {rule_id: r["defaultConfiguration"]["level"] for rule_id, r in by_id.items()}
    assert [k for k, v in levels.items() if v == "warning"] == [
        "tracing",
        "rest-unauthenticated",
        "http-api-unauthenticated",  # info where a route is recorded public
        "jwt-issuer-http",
        "cognito-self-signup",
        "vpc-without-need",
        "nested-unaudited",
        "rest-api-waf",  # info (SARIF note) where the project chose no web ACL: see tests/audit/test_waf.py
        "stateful-retention",  # info where the project opted out with a reason
    ]
    assert by_id["plain-secret"]["fullDescription"]["text"] == next(r.help for r in RULES if r.id == "plain-secret")
    for result in doc["runs"][0]["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning") and "Fix: " in result["message"]["text"]


def test_locations_point_at_the_serverless_yml_line_and_the_compiled_template(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, doc = sarif(capsys, "svc")
    results = results_by(doc)
    lines = SERVERLESS_YML.splitlines()

    def where(rule: str, path: str) -> list[tuple[str, int | None]]:
        return [
            (loc["physicalLocation"]["artifactLocation"]["uri"], loc["physicalLocation"].get("region", {}).get("startLine"))
            for loc in results[(rule, path)]["locations"]
        ]

    env = "Resources.ApiLambdaFunction.Properties.Environment.Variables."
    own = where("plain-secret", env + "DB_PASSWORD")
    assert own[0][0] == "svc/serverless.yml" and lines[own[0][1] - 1].strip() == "DB_PASSWORD: hunter2"
    shared = where("plain-secret", env + "SHARED_TOKEN")
    assert lines[shared[0][1] - 1].strip().startswith("SHARED_TOKEN:") and shared[0][1] < own[0][1]  # provider.environment
    nightly = where("function-timeout", "Resources.NightlyDashjobLambdaFunction.Properties.Timeout")
    assert lines[nightly[0][1] - 1].strip() == "nightly-job:"  # no timeout: anywhere, so the function itself
    policy = where("iam-wildcard", "Resources.DataPolicy.Properties.PolicyDocument.Statement[0].Action")
    assert lines[policy[0][1] - 1].strip() == 'Action: "*"'
    template = own[1]
    assert template[0] == "svc/.serverless/cloudformation-template-update-stack.json"
    text = (project / ".serverless" / "cloudformation-template-update-stack.json").read_text().splitlines()
    assert text[template[1] - 1].strip() == '"ApiLambdaFunction": {'


def test_exemptions_are_suppressions_with_their_reason(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, doc = sarif(capsys, "svc")
    result = results_by(doc)[("reserved-concurrency", "Resources.NightlyDashjobLambdaFunction.Properties.ReservedConcurrentExecutions")]
    assert result["suppressions"] == [{"kind": "inSource", "justification": "runs once a night"}]


def test_with_a_baseline_results_say_new_or_unchanged_and_fingerprints_match_it(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = project / ".slsguard" / "baseline.json"
    code, _ = sarif(capsys, "svc", "--write-baseline", str(file))
    assert code == 0
    sls = project / "serverless.yml"
    body = compiled()
    body["Resources"]["ApiLambdaFunction"]["Properties"]["Environment"]["Variables"]["API_TOKEN"] = "x9Fq2LmP0rT7"
    (project / ".serverless" / "cloudformation-template-update-stack.json").write_text(json.dumps(body, indent=2))
    sls.write_text(SERVERLESS_YML.replace("      DB_PASSWORD: hunter2\n", "      DB_PASSWORD: hunter2\n      API_TOKEN: x9Fq2LmP0rT7\n"))
    code, doc = sarif(capsys, "svc", "--baseline", str(file))
    validate(doc)
    assert code == 1
    states = {key: r.get("baselineState") for key, r in results_by(doc).items()}
    assert states[("reserved-concurrency", "Resources.NightlyDashjobLambdaFunction.Properties.ReservedConcurrentExecutions")] is None
    assert [k for k, v in states.items() if v == "new"] == [
        ("plain-secret", "Resources.ApiLambdaFunction.Properties.Environment.Variables.API_TOKEN")
    ]
    recorded = frozenset(e["fingerprint"] for e in json.loads(file.read_text())["findings"])
    unchanged = {r["partialFingerprints"]["slsguard/v1"] for r in doc["runs"][0]["results"] if r.get("baselineState") == "unchanged"}
    findings, templates = audit_with_templates([project / ".serverless"])
    prints = baseline.fingerprints(findings, templates)
    assert {r["partialFingerprints"]["slsguard/v1"] for r in doc["runs"][0]["results"]} == set(prints)
    # a single finding's fingerprint is its baseline entry's; a grouped one's stands for its members' entries
    accepted = baseline.apply(findings, templates, recorded)
    assert unchanged == {fp for fp, f in zip(prints, accepted, strict=True) if f.baseline} and unchanged
    assert {fp for fp, f in zip(prints, findings, strict=True) if len(f.resources) < 2 and fp in unchanged} <= recorded


def test_nested_stacks_fixture_is_valid_sarif_without_serverless_yml(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(FIXTURES)
    code, doc = sarif(capsys, "nested")
    validate(doc)
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"] for loc in r["locations"]}
    assert code == 1 and uris and all(u.startswith("nested/cloudformation-template-") for u in uris)


def test_a_stack_level_finding_first_does_not_hide_the_template_lines_of_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """concurrency-budget has no logical id and sorts first; the errors-alarm finding after it still gets its line."""
    build = tmp_path / ".serverless"
    build.mkdir()
    body = {"Resources": {"BigLambdaFunction": function("big", {}, ReservedConcurrentExecutions=950)}}
    (build / "cloudformation-template-update-stack.json").write_text(json.dumps(body, indent=2))
    _code, doc = sarif(capsys, str(build), "--account-concurrency", "1000")
    results = doc["runs"][0]["results"]
    assert results[0]["ruleId"] == "concurrency-budget"
    alarm = next(r for r in results if r["ruleId"] == "errors-alarm")
    region = alarm["locations"][-1]["physicalLocation"]["region"]
    assert region["startLine"] == 3  # "BigLambdaFunction": {  in the indented JSON
