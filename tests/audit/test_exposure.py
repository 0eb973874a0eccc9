"""What the data-exposure and accuracy rules say: messages, grouping, fixes in the user's own language, SAM input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from generator.audit import RULES, audit
from generator.audit.fixes import FIXES
from generator.audit.model import CLOUDFORMATION, SAM, SERVERLESS
from tests.support import paths

FIXTURES = paths.FIXTURES / "audit"
CORPUS = paths.FIXTURES / "corpus"


def messages(rule: str, path: Path) -> list[str]:
    return [f.message for f in audit([path]) if f.rule == rule]


def test_public_bucket_messages_say_why_the_block_does_not_stop_it() -> None:
    found = {f.logical_id: f.message for f in audit([FIXTURES / "s3-public" / "fail.yaml"]) if f.rule == "s3-public"}
    web, uploads = found["WebAppS3BucketPolicy"], found["UploadsBucketPolicy"]
    assert "canned ACL PublicRead" in found["LegacyBucket"]
    assert "public access blocking is off (BlockPublicPolicy, RestrictPublicBuckets)" in web
    assert "sets no PublicAccessBlockConfiguration" in uploads  # a TLS-only condition restricts nobody


def test_password_resolved_at_package_time_is_said_so() -> None:
    found = {f.logical_id: f.message for f in audit([FIXTURES / "db-password" / "fail.yaml"]) if f.rule == "db-password"}
    assert "resolved at package time" in found["AuroraRDSCluster"]
    assert "is written in the template" in found["MySqlRDSInstance"]
    assert "parameter DbPassword" in found["ReportsCluster"]


def test_reserved_concurrency_severity_names_what_bounds_the_function() -> None:
    found = {f.logical_id: f for f in audit([FIXTURES / "reserved-concurrency" / "fail.yaml"]) if f.rule == "reserved-concurrency"}
    assert "MaximumConcurrency" in found["WorkerLambdaFunction"].message
    assert "only schedules invoke it" in found["NightlyLambdaFunction"].message
    assert found["UncappedLambdaFunction"].severity == "error"  # an SQS source without a cap bounds nothing


def test_one_environment_setting_on_many_functions_is_one_finding() -> None:
    [grouped] = [f for f in audit([FIXTURES / "plain-secret" / "fail.yaml"]) if "DB_PASSWORD" in f.path]
    assert grouped.resources == ("ApiLambdaFunction", "WorkerLambdaFunction")
    assert grouped.message.startswith("2 functions (demo-dev-api (ApiLambdaFunction), demo-dev-worker (WorkerLambdaFunction)):")
    assert grouped.to_dict()["resources"] == ["ApiLambdaFunction", "WorkerLambdaFunction"]


def test_the_secret_rule_leaves_urls_and_endpoint_names_alone() -> None:
    paths = {f.path.rsplit(".", 1)[-1] for f in audit([FIXTURES / "plain-secret" / "fail.yaml"]) if f.rule == "plain-secret"}
    assert {"PARTNER_AUTH_KEY", "UPSTREAM_AUTHORIZATION", "STRIPE_TEST", "SIGNING_SECRET", "DATABASE_URL"} <= paths
    assert "SLACK_WEBHOOK_SECRET" in paths  # a webhook URL under a secret's name is the credential itself
    assert messages("plain-secret", FIXTURES / "plain-secret" / "pass.yaml") == []  # OIDC_OP_TOKEN_ENDPOINT, *_URL


def test_every_fix_is_written_for_every_source() -> None:
    placeholders = {
        "exempt": "x",
        "limit": 29,
        "most": 900,
        "top": "a=1",
        "function": "Fn",
        "seconds": 60,
        "factor": 6,
        "reserved": 5,
        "warmer": "default",
        "concurrency": 3,
        "policy": "Retain",
        "resource": "WorkQueue",
    }
    for key, entry in FIXES.items():
        texts = [entry.serverless.format(**placeholders), entry.sam.format(**placeholders), entry.cloudformation.format(**placeholders)]
        assert len(set(texts)) >= 2, key  # at least one source is told something of its own
    assert "serverless.yml" not in " ".join(e.cloudformation for e in FIXES.values())
    assert {r.id for r in RULES} - {k.split(".")[0] for k in FIXES} <= {
        *("warmer-concurrency", "cfn-resources", "cfn-outputs", "cfn-parameters", "cfn-mappings"),
        *("cfn-template-size", "cfn-operation-resources", "nested-unaudited"),
    }


def test_every_rule_has_help_text() -> None:
    assert all(len(rule.help) > 30 and rule.help.endswith(".") for rule in RULES)


@pytest.mark.parametrize(
    ("template", "source", "says"),
    [
        (CORPUS / "py-rest-dynamodb", SERVERLESS, "`reservedConcurrency: N` on the function in serverless.yml"),
        (CORPUS / "sam-apigw-lambda-dynamodb" / "template.yaml", SAM, "`ReservedConcurrentExecutions: N` on the function in template.yaml"),
        (FIXTURES / "reserved-concurrency" / "fail.yaml", CLOUDFORMATION, "`ReservedConcurrentExecutions: N` on the AWS::Lambda::Function"),
    ],
    ids=[SERVERLESS, SAM, CLOUDFORMATION],
)
def test_fixes_speak_the_language_of_the_source(template: Path, source: str, says: str) -> None:
    [first, *_] = [f for f in audit([template]) if f.rule == "reserved-concurrency"]
    assert says in first.fix


def test_sam_globals_fix_and_api_throttling_without_a_plugin() -> None:
    sam = {f.rule: f.fix for f in audit([CORPUS / "sam-apigw-lambda-dynamodb" / "template.yaml"])}
    assert "Globals: Function:" in sam["tracing"] and "Globals: Api:" in sam["api-throttling"]
    sls = {f.rule: f.fix for f in audit([CORPUS / "py-rest-dynamodb"])}
    assert "usagePlan.throttle" in sls["api-throttling"] and "MethodSettings" not in sls["api-throttling"]


def test_sam_function_without_a_name_gets_its_implicit_log_group_checked(tmp_path: Path) -> None:
    template = (CORPUS / "sam-lambda-function-url" / "template.yaml").read_text()
    [unmanaged] = [f for f in audit([CORPUS / "sam-lambda-function-url" / "template.yaml"]) if f.rule == "log-retention"]
    assert "<generated name of FURLFunction>" in unmanaged.message
    managed = template.replace(
        "Outputs:",
        "  FURLLogs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n      LogGroupName: !Sub /aws/lambda/${FURLFunction}\n"
        "      RetentionInDays: 30\nOutputs:",
    )
    (tmp_path / "template.yaml").write_text(managed)
    assert [f for f in audit([tmp_path / "template.yaml"]) if f.rule == "log-retention"] == []


HIDE_TRANSLATOR = """
import sys
sys.modules["samtranslator"] = None  # as if the sam extra were not installed
from generator.cli import main
raise SystemExit(main(["audit", sys.argv[1]]))
"""


def test_a_sam_template_without_the_translator_exits_2_with_the_install_hint() -> None:
    template = CORPUS / "sam-apigw-lambda-dynamodb" / "template.yaml"
    proc = subprocess.run([sys.executable, "-c", HIDE_TRANSLATOR, str(template)], capture_output=True, text=True, check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "pip install 'slsguard[sam]'" in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_json_summary_counts_findings_by_rule() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "audit", str(CORPUS / "graphql-rds"), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    summary = json.loads(proc.stdout)["summary"]
    assert summary["by_rule"]["rds-public"] == 3 and summary["by_rule"]["db-password"] == 3


def test_a_sam_template_the_translator_rejects_is_one_line_exit_2(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {Handler: app.main, Runtime: python3.13, CodeUri: src/, Events: {Api: {Type: Api, Properties: {Method: GET}}}}\n"
    )
    proc = subprocess.run([sys.executable, "-m", "generator", "audit", str(template)], capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"slsguard: {template}: the SAM translator rejects this template") and "Fn" in proc.stderr


def test_sam_http_api_routes_in_the_openapi_body_are_checked(tmp_path: Path) -> None:
    """SAM writes HttpApi routes into the API's Body, not into Route/Integration resources."""
    template = FIXTURES / "sam" / "http-api.yaml"
    found = {f.rule: f for f in audit([template]) if f.rule in ("api-timeout", "api-throttling")}
    assert "may run 40 s but its HTTP API integration (ServerlessHttpApi) gives up after 30 s" in found["api-timeout"].message
    assert "Globals: HttpApi:" in found["api-throttling"].fix
    throttled = template.read_text().replace(
        "Resources:", "Globals:\n  HttpApi:\n    DefaultRouteSettings: {ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40}\nResources:"
    )
    (tmp_path / "template.yaml").write_text(throttled.replace("Timeout: 40", "Timeout: 20"))
    assert [f.rule for f in audit([tmp_path / "template.yaml"]) if f.rule in ("api-timeout", "api-throttling")] == []


def test_exemptions_written_in_a_sam_template_survive_the_transform() -> None:
    exempted = {(f.rule, f.exempt) for f in audit([FIXTURES / "sam" / "exempt.yaml"]) if f.exempt}
    assert exempted == {("reserved-concurrency", "bounded by the queue"), ("tracing", "traced by the caller")}


def test_rails_fixes_point_a_serverless_build_at_the_rails_plugin_or_slsguard_add() -> None:
    rails = ("errors-alarm", "warmer-permission", "async-failure-destination", "rest-api-waf")
    assert all("custom.rails" in FIXES[k].serverless or ".serverless_plugins/rails" in FIXES[k].serverless for k in rails)
    assert all("slsguard add" in FIXES[k].serverless for k in ("queue-visibility", "sqs-max-concurrency"))
    assert not any("rails" in FIXES[k].sam + FIXES[k].cloudformation for k in (*rails, "queue-visibility", "sqs-max-concurrency"))
