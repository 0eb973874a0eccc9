"""Each audit rule on small fixture templates: a passing and a failing case, and the cross-stack cases."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from generator.answers import limits
from generator.audit import RULES, audit
from generator.audit.model import ERROR, INFO, WARNING
from tests.support import paths

FIXTURES = paths.FIXTURES / "audit"


def of_rule(rule: str, *paths: Path, **kw: object) -> list[tuple[str, str | None]]:
    """(severity, logical id) of one rule's findings, in report order."""
    return [(f.severity, f.logical_id) for f in audit(list(paths), **kw) if f.rule == rule]  # type: ignore[arg-type]


def test_the_reference_service_passes_every_rule() -> None:
    assert audit([FIXTURES / "good.yaml"]) == []


# (rule, fixture folder, findings of the failing case)
CASES = [
    ("function-timeout", "function-timeout", [(ERROR, "ApiLambdaFunction"), (ERROR, "WorkerLambdaFunction")]),
    (
        "api-timeout",
        "api-timeout",
        [(ERROR, "ApiLambdaFunction"), (ERROR, "ShortLambdaFunction"), (WARNING, "HttpLambdaFunction"), (WARNING, "SocketLambdaFunction")],
    ),
    (
        "reserved-concurrency",
        "reserved-concurrency",
        [
            (ERROR, "ApiLambdaFunction"),
            (ERROR, "UncappedLambdaFunction"),
            (WARNING, "NightlyLambdaFunction"),
            (WARNING, "WorkerLambdaFunction"),
        ],
    ),
    ("api-throttling", "api-throttling", [(ERROR, "ApiGatewayRestApi"), (ERROR, "HttpApi"), (ERROR, "KeylessApi")]),
    ("tracing", "tracing", [(WARNING, "ApiLambdaFunction")]),  # one finding for both functions: see test_grouping
    ("log-retention", "log-retention", [(ERROR, "ApiLogGroup"), (WARNING, "WorkerLambdaFunction")]),
    ("plain-secret", "plain-secret", [(ERROR, "ApiLambdaFunction")] * 10),  # DB_PASSWORD on both functions: one finding
    ("iam-wildcard", "iam-wildcard", [(WARNING, "ExtraPolicy"), (WARNING, "IamRoleLambdaExecution"), (WARNING, "IamRoleLambdaExecution")]),
    ("vpc-without-need", "vpc-without-need", [(WARNING, "ApiLambdaFunction")]),
    ("s3-public", "s3-public", [(ERROR, "LegacyBucket"), (ERROR, "UploadsBucketPolicy"), (ERROR, "WebAppS3BucketPolicy")]),
    ("rds-public", "rds-public", [(ERROR, "AuroraRDSCluster"), (ERROR, "PostgreSqlRDSInstance")]),
    (
        "security-group-open",
        "security-group-open",
        [(ERROR, "DatabaseIngress"), (ERROR, "ServerlessSecurityGroup"), (ERROR, "WebIngress")],
    ),
    (
        "db-password",
        "db-password",
        [(ERROR, "AuroraRDSCluster"), (ERROR, "DocsCluster"), (ERROR, "MySqlRDSInstance"), (ERROR, "ReportsCluster")],
    ),
    ("function-url-public", "function-url-public", [(ERROR, "ApiLambdaFunctionUrl")]),
    # GET and POST grouped; PUT (an API key alone: metering, not authentication) grouped apart
    ("rest-unauthenticated", "rest-unauthenticated", [(WARNING, "ApiGatewayMethodGet"), (WARNING, "ApiGatewayMethodPut")]),
    ("websocket-throttling", "websocket-throttling", [(ERROR, "WebsocketsApi")]),
    (
        "stateful-retention",
        "stateful-retention",
        [(WARNING, "DataKey"), (WARNING, "Orders"), (WARNING, "Users"), (WARNING, "WorkQueue"), (INFO, "Scratch")],
    ),
    # NONE, absent and one Fn::If branch grouped on the API; the route recorded public is info; WebSocket routes are not HTTP API routes
    ("http-api-unauthenticated", "http-api-unauthenticated", [(WARNING, "RouteNone"), (INFO, "RoutePublic")]),
    ("jwt-issuer-http", "jwt-issuer-http", [(WARNING, "Jwt")]),
    ("cognito-self-signup", "cognito-self-signup", [(WARNING, "DefaultPool"), (WARNING, "MaybePool"), (WARNING, "OpenPool")]),
]


@pytest.mark.parametrize(("rule", "folder", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rule_passes_and_fails(rule: str, folder: str, expected: list[tuple[str, str]]) -> None:
    assert of_rule(rule, FIXTURES / folder / "pass.yaml") == []
    assert of_rule(rule, FIXTURES / folder / "fail.yaml") == expected


def test_every_rule_is_documented_with_its_seed_challenge() -> None:
    challenges = {"1 cold start", "2 observability", "3 SQL databases", "4 wallet attack", "5 CloudFormation"}
    for rule in RULES:
        assert rule.challenge in challenges, rule.id
        assert rule.check.__doc__ and "Challenge" in rule.check.__doc__, rule.id


def test_messages_name_the_limit_and_the_fix() -> None:
    findings = audit([FIXTURES / "api-timeout" / "fail.yaml"])
    [timeout] = [f for f in findings if f.rule == "api-timeout" and f.logical_id == "ApiLambdaFunction"]
    assert "40 s" in timeout.message and "29 s" in timeout.message
    assert timeout.path == "Resources.ApiLambdaFunction.Properties.Timeout"
    assert "below 29 s" in timeout.fix
    findings = audit([FIXTURES / "function-timeout" / "fail.yaml"])
    [implicit] = [f for f in findings if f.rule == "function-timeout" and f.logical_id == "WorkerLambdaFunction"]
    assert "no timeout of its own in serverless.yml" in implicit.message


# --- across nested stacks -------------------------------------------------------------------------


def test_a_method_in_a_nested_stack_is_matched_with_the_root_function_it_invokes() -> None:
    """The API lives in APINestedStack and reaches the function through a stack parameter."""
    [finding] = [f for f in audit([FIXTURES / "nested"]) if f.rule == "api-timeout"]
    assert (finding.stack, finding.logical_id) == ("root", "ApiLambdaFunction")
    assert "ApiGatewayMethodGet in stack APINestedStack" in finding.message


def test_a_nested_stack_whose_template_is_missing_is_reported() -> None:
    assert of_rule("nested-unaudited", FIXTURES / "nested") == [(WARNING, "AlarmsNestedStack")]
    assert of_rule("api-throttling", FIXTURES / "nested") == []  # the nested API's stage is throttled


def test_reserved_concurrency_is_summed_over_root_and_nested_stacks(tmp_path: Path) -> None:
    compiled = FIXTURES / "concurrency-budget" / "project" / "compiled"
    # The project's recorded answers raise the account limit to 2000: 950 reserved is fine.
    assert of_rule("concurrency-budget", compiled) == []
    # The flag wins over the recorded answers; 400 + 400 in the root are fine, +150 nested is not.
    [finding] = [f for f in audit([compiled], account_concurrency=1000) if f.rule == "concurrency-budget"]
    assert finding.severity == ERROR and finding.stack == "root"
    assert "3 functions in 2 stacks reserve 950 of the account's 1000" in finding.message
    assert "at most 900" in finding.fix
    # Without recorded answers the account limit is AWS's default of 1000.
    bare = tmp_path / "bare"
    shutil.copytree(compiled, bare / ".serverless")
    assert of_rule("concurrency-budget", bare) == [(ERROR, None)]


def warmer_dir(tmp_path: Path, code: str) -> Path:
    """The warmer fixture with its code artifact zipped the way serverless-plugin-warmup packages it."""
    folder = tmp_path / ".serverless"
    folder.mkdir()
    shutil.copy(FIXTURES / "warmer-concurrency" / "cloudformation-template-update-stack.json", folder)
    with zipfile.ZipFile(folder / "warmUpPluginDefault.zip", "w") as archive:
        archive.write(FIXTURES / "warmer-concurrency" / code, ".warmup/default/index.mjs")
    return folder


def test_warmer_concurrency_within_reserved_concurrency_passes(tmp_path: Path) -> None:
    assert of_rule("warmer-concurrency", warmer_dir(tmp_path, "warmer-pass.mjs")) == []


def test_warmer_concurrency_above_or_at_reserved_concurrency_fails(tmp_path: Path) -> None:
    findings = [f for f in audit([warmer_dir(tmp_path, "warmer-fail.mjs")]) if f.rule == "warmer-concurrency"]
    assert [(f.severity, f.logical_id) for f in findings] == [
        (ERROR, "ApiLambdaFunction"),  # 3 pings, 2 reserved
        (ERROR, "OtherLambdaFunction"),  # 1 configured, 2 from WARMUP_CONCURRENCY_DEMO_DEV_OTHER, 1 reserved
        (WARNING, "WorkerLambdaFunction"),  # 5 pings take all 5 reserved slots
    ]
    assert "environment WARMUP_CONCURRENCY_DEMO_DEV_OTHER" in findings[1].message


def test_warmer_without_its_artifact_is_a_warning_not_a_pass(tmp_path: Path) -> None:
    folder = warmer_dir(tmp_path, "warmer-fail.mjs")
    (folder / "warmUpPluginDefault.zip").unlink()
    [finding] = [f for f in audit([folder]) if f.rule == "warmer-concurrency"]
    assert finding.severity == WARNING and "warmUpPluginDefault.zip is not next to the template" in finding.message


# --- exemptions -----------------------------------------------------------------------------------


def test_exemptions_need_a_known_rule_and_a_reason() -> None:
    findings = audit([FIXTURES / "exemption" / "exempt.yaml"])
    exempted = {(f.rule, f.exempt) for f in findings if f.exempt}
    assert exempted == {
        ("reserved-concurrency", "bounded by the SQS event source's maximumConcurrency"),
        ("tracing", "internal batch service, traced by its caller"),  # stack-wide
    }
    broken = sorted(f.path for f in findings if f.rule == "exemption")
    assert broken == [
        "Resources.ApiLambdaFunction.Metadata.slsguard.exempt.function-timeout",  # no reason
        "Resources.ApiLambdaFunction.Metadata.slsguard.exempt.no-such-rule",
        "Resources.OpsPolicy.Metadata.slsguard.exempt",  # a list, not rule -> reason
    ]
    # An exemption without a reason exempts nothing.
    assert any(f.rule == "function-timeout" and f.blocking for f in findings)


# --- CloudFormation quotas ------------------------------------------------------------------------


def write_template(path: Path, resources: int, **sections: int) -> Path:
    body: dict[str, object] = {"Resources": {f"Queue{i}": {"Type": "AWS::SQS::Queue"} for i in range(resources)}}
    for section, count in sections.items():
        body[section] = {f"{section}{i}": {"Type": "String"} for i in range(count)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body))
    return path


def test_resource_quota_warns_from_80_percent_and_fails_above_500(tmp_path: Path) -> None:
    warn_at = int(limits.CFN_MAX_RESOURCES * limits.CFN_RESOURCE_WARNING_RATIO)
    assert of_rule("cfn-resources", write_template(tmp_path / "a.json", warn_at - 1)) == []
    assert of_rule("cfn-resources", write_template(tmp_path / "b.json", warn_at)) == [(WARNING, None)]
    assert of_rule("cfn-resources", write_template(tmp_path / "c.json", limits.CFN_MAX_RESOURCES)) == [(WARNING, None)]
    assert of_rule("cfn-resources", write_template(tmp_path / "d.json", limits.CFN_MAX_RESOURCES + 1)) == [(ERROR, None)]


@pytest.mark.parametrize("section", ["Outputs", "Parameters", "Mappings"])
def test_outputs_parameters_and_mappings_stop_at_200(tmp_path: Path, section: str) -> None:
    rule = f"cfn-{section.lower()}"
    assert of_rule(rule, write_template(tmp_path / "ok.json", 1, **{section: 200})) == []
    assert of_rule(rule, write_template(tmp_path / "over.json", 1, **{section: 201})) == [(ERROR, None)]


def test_template_size_inline_and_through_s3(tmp_path: Path) -> None:
    big = write_template(tmp_path / "big.json", 1300)  # about 53 KB
    assert limits.CFN_MAX_BODY_INLINE_BYTES < big.stat().st_size < limits.CFN_MAX_BODY_S3_BYTES
    assert of_rule("cfn-template-size", big) == [(WARNING, None)]  # a file may be deployed inline
    build = tmp_path / "project" / ".serverless"
    build.mkdir(parents=True)
    big.rename(build / "cloudformation-template-update-stack.json")
    assert of_rule("cfn-template-size", build.parent) == []  # the framework uploads through S3
    huge = write_template(tmp_path / "huge.json", 26_000)
    assert huge.stat().st_size > limits.CFN_MAX_BODY_S3_BYTES
    assert of_rule("cfn-template-size", huge) == [(ERROR, None)]


def test_quotas_apply_to_every_nested_template_and_their_sum(tmp_path: Path) -> None:
    build = tmp_path / ".serverless"
    root = {"Resources": {}}
    for n in range(6):
        name = f"cloudformation-template-Part{n}-nested-stack.json"
        write_template(build / name, 450)
        root["Resources"][f"Part{n}NestedStack"] = {
            "Type": "AWS::CloudFormation::Stack",
            "Properties": {"TemplateURL": f"https://bucket/{name}"},
        }
    (build / "cloudformation-template-update-stack.json").write_text(json.dumps(root))
    findings = audit([build])
    assert sorted({f.stack for f in findings if f.rule == "cfn-resources"}) == [f"Part{n}NestedStack" for n in range(6)]
    assert [(f.severity, f.stack) for f in findings if f.rule == "cfn-operation-resources"] == [(ERROR, "root")]


# --- input forms ----------------------------------------------------------------------------------


def test_yaml_short_tags_are_understood(tmp_path: Path) -> None:
    """!GetAtt and !Sub references are followed like their JSON long forms."""
    assert audit([FIXTURES / "good.yaml"]) == []
    assert of_rule("api-timeout", FIXTURES / "api-timeout" / "fail.yaml")[0] == (ERROR, "ApiLambdaFunction")


def test_a_project_folder_means_its_serverless_folder(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "nested", tmp_path / "svc" / ".serverless")
    by_project = audit([tmp_path / "svc"])
    by_build = audit([tmp_path / "svc" / ".serverless"])
    assert by_project == by_build and by_project


def test_a_nested_file_given_with_its_root_is_audited_once() -> None:
    folder = FIXTURES / "nested"
    both = audit([folder / "cloudformation-template-update-stack.json", folder / "cloudformation-template-API-nested-stack.json"])
    assert both == audit([folder / "cloudformation-template-update-stack.json"])


def test_auth_messages_say_what_is_open_and_what_a_sign_up_flood_costs() -> None:
    findings = audit([FIXTURES / "http-api-unauthenticated" / "fail.yaml"])
    [grouped] = [f for f in findings if f.rule == "http-api-unauthenticated" and f.severity == WARNING]
    assert "GET /a" in grouped.message and "GET /b" in grouped.message and "GET /c (when IsOpen is true)" in grouped.message
    [public] = [f for f in findings if f.rule == "http-api-unauthenticated" and f.severity == INFO]
    assert "load balancer health checks carry no token" in public.message
    pools = {f.logical_id: f.message for f in audit([FIXTURES / "cognito-self-signup" / "fail.yaml"]) if f.rule == "cognito-self-signup"}
    assert "$495 a month on the Lite tier" in pools["OpenPool"] and "$1,350 a month on the Essentials tier" in pools["DefaultPool"]
    [key_only] = [
        f
        for f in audit([FIXTURES / "rest-unauthenticated" / "fail.yaml"])
        if f.rule == "rest-unauthenticated" and f.logical_id == "ApiGatewayMethodPut"
    ]
    assert "only an API key, which is metering, not authentication" in key_only.message
