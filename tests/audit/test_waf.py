"""rest-api-waf and the info severity end to end: fixtures in tests/fixtures/audit/rest-api-waf, every output view."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator.audit import audit
from generator.audit.model import INFO, WARNING
from generator.cli import main
from tests.support import paths
from tests.support.sarif_schema import validate

FIXTURES = paths.FIXTURES / "audit" / "rest-api-waf"


def of_rule(path: Path) -> list[tuple[str, str | None]]:
    return [(f.severity, f.logical_id) for f in audit([path]) if f.rule == "rest-api-waf"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_an_association_through_a_nested_stack_output_protects_the_api() -> None:
    """split-stacks moves the REST API into the API stack; the association in the root reads it through Outputs."""
    assert audit([FIXTURES / "protected"]) == []


def test_without_the_association_the_same_api_is_a_warning(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "protected", tmp_path / "svc")
    root = tmp_path / "svc" / "cloudformation-template-update-stack.json"
    body = json.loads(root.read_text())
    del body["Resources"]["WebAclAssociation"]
    root.write_text(json.dumps(body))
    [found] = [f for f in audit([tmp_path / "svc"]) if f.rule == "rest-api-waf"]
    assert (found.severity, found.stack, found.logical_id) == (WARNING, "APINestedStack", "ApiGatewayRestApi")
    assert "slsguard init --rails" in found.fix and "custom.rails" not in found.fix  # a service without the rails plugin
    rails = tmp_path / "svc" / ".serverless_plugins" / "rails" / "index.js"  # a generated project has it
    rails.parent.mkdir(parents=True)
    rails.write_text("module.exports = class Rails {};\n")
    [found] = [f for f in audit([tmp_path / "svc"]) if f.rule == "rest-api-waf"]
    assert "custom.rails.waf: {rateLimit: N}" in found.fix  # a serverless.yml build with the rails is told their setting


def test_a_rest_api_without_a_web_acl_is_a_warning() -> None:
    assert of_rule(FIXTURES / "fail.yaml") == [(WARNING, "ApiGatewayRestApi")]
    [found] = [f for f in audit([FIXTURES / "fail.yaml"]) if f.rule == "rest-api-waf"]
    assert "AWS::WAFv2::WebACLAssociation" in found.fix and "serverless.yml" not in found.fix


def test_a_declined_web_acl_is_info_with_the_recorded_reason() -> None:
    [found] = audit([FIXTURES / "declined.yaml"])
    assert (found.rule, found.severity, found.logical_id) == ("rest-api-waf", INFO, "ApiGatewayRestApi")
    assert found.message.endswith("(waf=none chosen in custom.rails).") and not found.blocking


def test_a_private_api_is_not_asked_for_a_web_acl() -> None:
    assert audit([FIXTURES / "private.yaml"]) == []


def test_info_in_the_text_report_passes_and_is_counted_apart(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(FIXTURES / "declined.yaml"))
    assert (code, err) == (0, "")
    assert "  INFO    rest-api-waf  Resources.ApiGatewayRestApi\n" in out
    assert out.endswith("by rule: rest-api-waf 1\nslsguard audit: 0 errors, 0 warnings, 1 info, 0 exempted in 1 stack.\n")


def test_info_in_json_has_its_own_count(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(FIXTURES / "declined.yaml"), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and [f["severity"] for f in doc["findings"]] == ["info"]
    assert doc["summary"] == {"errors": 0, "warnings": 0, "info": 1, "exempted": 0, "by_rule": {"rest-api-waf": 1}}
    _, out, _ = run(capsys, str(FIXTURES / "fail.yaml"), "--format", "json")
    assert "info" not in json.loads(out)["summary"]  # only when there are any


def test_info_in_sarif_is_a_note_and_the_rule_defaults_to_warning(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(FIXTURES / "declined.yaml"), "--format", "sarif")
    doc = json.loads(out)
    validate(doc)
    [result] = doc["runs"][0]["results"]
    assert code == 0 and (result["ruleId"], result["level"]) == ("rest-api-waf", "note")
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["rest-api-waf"]["defaultConfiguration"]["level"] == "warning"


def test_info_is_never_recorded_in_a_baseline(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A chosen gap never fails, so there is nothing to accept; with --baseline it is reported as info, not as new."""
    recorded = tmp_path / "baseline.json"
    code, _, err = run(capsys, str(FIXTURES / "declined.yaml"), "--write-baseline", str(recorded))
    assert code == 0 and "recorded 0 findings" in err
    assert json.loads(recorded.read_text())["findings"] == []
    code, out, _ = run(capsys, str(FIXTURES / "declined.yaml"), "--baseline", str(recorded), "--format", "sarif")
    [result] = json.loads(out)["runs"][0]["results"]
    assert code == 0 and result["level"] == "note" and "baselineState" not in result
    _, out, _ = run(capsys, str(FIXTURES / "fail.yaml"), "--baseline", str(recorded), "--format", "sarif")
    [result] = json.loads(out)["runs"][0]["results"]
    assert (result["level"], result["baselineState"]) == ("warning", "new")  # a warning still can be baselined


def test_info_sorts_after_warnings_in_a_stack(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    template = tmp_path / "two-apis.yaml"
    extra = "  OtherApi:\n    Type: AWS::ApiGateway::RestApi\n    Properties: {Name: other}\n"
    template.write_text((FIXTURES / "declined.yaml").read_text() + extra)
    code, out, _ = run(capsys, str(template))
    assert code == 1  # OtherApi has no stage throttling either: api-throttling
    assert out.index("WARNING rest-api-waf  Resources.OtherApi") < out.index("INFO    rest-api-waf  Resources.ApiGatewayRestApi")
    assert out.endswith("slsguard audit: 1 error, 1 warning, 1 info, 0 exempted in 1 stack.\n")
