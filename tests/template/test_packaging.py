"""Generated projects proven with the real toolchain: ``osls package`` (split-stacks pointed at a moto
server), cfn-lint on every compiled template (root and nested), checkov with zero failed checks, and the
packaged zip imported the way Lambda imports it.

Each representative answer set is rendered and packaged once per module (two at a time); the tests
below read the results. Run them alone with ``pytest -m slow tests/template/test_packaging.py``.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from generator import new_project as new
from generator.answers import limits, rules
from generator.answers.limits import LAMBDA_MAX_TIMEOUT_S
from generator.answers.parse import complete
from generator.cost.from_answers import WAF_RULES
from tests.support.paths import TEMPLATE
from tests.support.projects import run_npm_script
from tests.support.toolchain import (
    CheckovReport,
    LintFinding,
    MotoServer,
    cfn_lint,
    checkov_per_file,
    compiled_templates,
    host_architecture,
    import_from_zip,
    moto,  # noqa: F401  (session fixture)
    package,
    scanner_path,
    shared_objects,
)

pytestmark = pytest.mark.slow

REPRESENTATIVE: dict[str, dict[str, Any]] = {
    "defaults": {},
    "api:http": {"api": "http"},
    "api:none": {"api": "none"},
    # x86_64 like this machine, so the test can load the packaged psycopg binary itself.
    "db:postgres-rds-proxy-x86_64": {"database": "postgres", "database_access": "rds-proxy", "architecture": "x86_64"},
    "db:mysql-data-api": {"database": "mysql", "database_access": "data-api"},
    "cold:provisioned": {"cold_start": "provisioned"},
    "cold:snapstart": {"cold_start": "snapstart"},
    "split_stacks:false": {"split_stacks": False},
    # The osls 3.x line (framework=osls3; every set above runs on osls 4): its compiled templates equal osls 4's.
    "framework:osls3": {"framework": "osls3"},
    "cold:provisioned-osls3": {"framework": "osls3", "cold_start": "provisioned"},
}
# Each osls 3.x set and the osls 4 set it must compile the same as.
SAME_ON_BOTH_LINES = {"framework:osls3": "defaults", "cold:provisioned-osls3": "cold:provisioned"}
# What differs between two packagings of the same service: the artifact folder's timestamp in S3 keys and the
# millisecond timestamp in the REST API deployment's logical id.
TIMESTAMP = re.compile(r"\d{13}-\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z|(?<=ApiGatewayDeployment)\d{13}")
# Every check a generated project skips, each with its reason in the template's Metadata: keep it short.
ALLOWED_SKIPS = {
    "CKV_AWS_18",  # deployment bucket access logging
    "CKV_AWS_26",  # alarm topic: CloudWatch cannot publish to an AWS-managed-key topic
    "CKV_AWS_27",  # SQS: SSE-SQS, the check knows only KMS
    "CKV_AWS_116",  # Lambda DLQ: sync API, SQS redrive, warm-up pings
    "CKV_AWS_117",  # outside a VPC by design (vpc=auto, no private resource)
    "CKV_AWS_158",  # log groups: CloudWatch Logs' own encryption
    "CKV_AWS_173",  # environment holds no secrets
}
DRIVERS = {"postgres": "psycopg", "mysql": "pymysql"}
CA_BUNDLES = TEMPLATE / "{{cookiecutter.package_name}}" / "db" / "certs"


@dataclass
class Packaged:
    """One representative project after ``osls package`` and the scanners (or the error that stopped it)."""

    answers: dict[str, Any]
    project: Path
    serverless_dir: Path | None = None
    templates: list[Path] = field(default_factory=list)
    lint: list[LintFinding] = field(default_factory=list)
    scan: CheckovReport | None = None
    error: Exception | None = None

    def ok(self) -> Packaged:
        if self.error is not None:
            raise self.error
        return self


def _package(result: Packaged, server: MotoServer, cache: Path) -> None:
    try:
        result.serverless_dir = package(result.project, server, cache)
        result.templates = compiled_templates(result.serverless_dir)
    except Exception as err:  # reported by the tests of this combination
        result.error = err


def _scan(results: dict[str, Packaged]) -> None:
    """One cfn-lint and one checkov process over every project's templates, side by side (start-up dominates)."""
    ready = [r for r in results.values() if r.error is None]
    templates = [path for r in ready for path in r.templates]
    regions = tuple(sorted({r.answers["aws_region"] for r in ready}))
    with ThreadPoolExecutor(max_workers=2) as pool:
        lint = pool.submit(cfn_lint, templates, regions)
        scans = pool.submit(checkov_per_file, templates)
        findings, per_file = lint.result(), scans.result()
    for r in ready:
        mine = {str(path.resolve()) for path in r.templates}
        r.lint = [f for f in findings if str(Path(f.path).resolve()) in mine]
        r.scan = CheckovReport()
        for path in r.templates:
            part = per_file[path.resolve()]
            r.scan.passed += part.passed
            r.scan.failed += part.failed
            r.scan.skipped += part.skipped
            r.scan.parsing_errors += part.parsing_errors


@pytest.fixture(scope="module")
def packaged(moto: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Packaged]:  # noqa: F811
    """Render every representative combination (one at a time: cookiecutter changes the working directory),
    package them two in parallel (this machine has 2 cores), then lint and scan all templates at once."""
    root = tmp_path_factory.mktemp("packaged")
    cache = tmp_path_factory.mktemp("package-cache")
    results = {}
    index = {name: i for i, name in enumerate(REPRESENTATIVE)}
    for name, given in REPRESENTATIVE.items():
        # an osls 3.x set is named like its osls 4 counterpart (in a folder of its own): the same service on two lines
        twin = SAME_ON_BOTH_LINES.get(name)
        answers = complete({"project_name": f"Svc {index[twin or name]}", **given})
        results[name] = Packaged(answers, new(answers, root / "osls3" if twin else root))
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda result: _package(result, moto, cache), results.values()))
    _scan(results)
    return results


def _template(p: Packaged, name: str) -> dict[str, Any]:
    return json.loads((p.serverless_dir / name).read_text())


def _resources(p: Packaged) -> dict[str, dict[str, Any]]:
    """Resources of the root and every nested update template, by logical ID."""
    found: dict[str, dict[str, Any]] = {}
    for path in p.templates:
        if "create-stack" not in path.name:
            found.update(json.loads(path.read_text())["Resources"])
    return found


COMBOS = pytest.mark.parametrize("combo", list(REPRESENTATIVE))


@COMBOS
def test_osls_package_succeeds_with_split_stacks_pointed_at_moto(packaged: dict[str, Packaged], combo: str) -> None:
    p = packaged[combo].ok()
    names = {path.name for path in p.templates}
    assert {"cloudformation-template-create-stack.json", "cloudformation-template-update-stack.json"} <= names
    nested = [name for name in names if "nested-stack" in name]
    assert bool(nested) == p.answers["split_stacks"], nested
    root = _template(p, "cloudformation-template-update-stack.json")["Resources"]
    for name in nested:
        stack = name.removeprefix("cloudformation-template-").removesuffix("-nested-stack.json") + "NestedStack"
        assert root[stack]["Type"] == "AWS::CloudFormation::Stack"
    assert (p.serverless_dir / f"{p.answers['project_slug']}.zip").is_file()


@COMBOS
def test_cfn_lint_reports_nothing_on_any_template(packaged: dict[str, Packaged], combo: str) -> None:
    """cfn-lint 1.x exits non-zero on warnings and informational findings too, which would stop `npm run scan`."""
    p = packaged[combo].ok()
    findings = [f"{f.severity} {f}" for f in p.lint]
    assert not findings, "\n".join(findings)


@COMBOS
def test_the_projects_own_scan_exits_0(packaged: dict[str, Packaged], combo: str) -> None:
    """`npm run scan`, as the generated README gives it: cfn-lint, then checkov, on every compiled template."""
    p = packaged[combo].ok()
    result = run_npm_script(p.project, "scan", path=scanner_path())
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@COMBOS
def test_checkov_reports_zero_failed_checks(packaged: dict[str, Packaged], combo: str) -> None:
    p = packaged[combo].ok()
    assert p.scan is not None and p.scan.passed > 0
    assert not p.scan.parsing_errors
    assert not p.scan.failed, "\n".join(p.scan.failed)
    for check, resource, reason in p.scan.skipped:
        assert check in ALLOWED_SKIPS, f"{resource} skips {check}, which is not on the short list"
        assert len(reason) > 20, f"{resource} skips {check} without a reason"


@COMBOS
def test_every_function_is_capped_and_every_log_group_expires(packaged: dict[str, Packaged], combo: str) -> None:
    p = packaged[combo].ok()
    a, resources = p.answers, _resources(p)
    functions = {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}
    warmer = "WarmUpPluginDefaultLambdaFunction"
    assert (warmer in functions) == (rules.cold_start(a) == "warmer")
    assert len(functions) == len(rules.all_functions(a)) + (warmer in functions)
    caps = {
        warmer: (rules.WARMER_RESERVED_CONCURRENCY, 10),
        "MigrateLambdaFunction": (rules.MIGRATE_RESERVED_CONCURRENCY, LAMBDA_MAX_TIMEOUT_S),
    }
    for name, props in functions.items():
        reserved, timeout = caps.get(name, (a["reserved_concurrency"], a["function_timeout"]))
        assert (props["ReservedConcurrentExecutions"], props["Timeout"]) == (reserved, timeout), name
        if name != warmer:
            assert props["TracingConfig"] == {"Mode": "Active"} and props["Architectures"] == [a["architecture"]]
            assert "DB_PASSWORD" not in props["Environment"]["Variables"]
    if warmer in functions:  # outside the VPC, with its own role: its logs and invoking the HTTP function, nothing else
        assert not functions[warmer].get("VpcConfig", {}).get("SubnetIds")
        assert functions[warmer]["Role"] == {"Fn::GetAtt": ["WarmerRole", "Arn"]}
        statements = resources["WarmerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        actions = {action for statement in statements for action in statement["Action"]}
        assert actions == {"logs:CreateLogStream", "logs:PutLogEvents", "lambda:InvokeFunction"}
        assert all(statement["Resource"] != "*" for statement in statements)
    groups = {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::Logs::LogGroup"}
    assert len(groups) >= len(functions)
    assert all(props["RetentionInDays"] == a["log_retention_days"] for props in groups.values()), groups
    api = resources.get("ApiLambdaFunction", {}).get("Properties", {})
    if rules.cold_start(a) == "snapstart":
        assert api["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    aliases = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Alias"]
    if rules.cold_start(a) == "provisioned":
        provisioned = aliases[0]["Properties"]["ProvisionedConcurrencyConfig"]["ProvisionedConcurrentExecutions"]
        assert provisioned == rules.PROVISIONED_CONCURRENCY


@COMBOS
def test_handlers_import_from_the_packaged_zip_as_lambda_does(packaged: dict[str, Packaged], combo: str, tmp_path: Path) -> None:
    """Fresh interpreter of the runtime's version, cwd = zip root, no repo paths; Powertools stands in for its layer."""
    p = packaged[combo].ok()
    a = p.answers
    pkg = a["package_name"]
    artifact = p.serverless_dir / f"{a['project_slug']}.zip"
    modules = [f"{pkg}.{fn}:handler" for fn in rules.generated_functions(a)]
    driver = DRIVERS.get(a["database"]) if a["database_access"] != "data-api" else None
    if a["database"] != "none":
        modules += [f"{pkg}.db", f"{pkg}.migrate_resource:handler"]
    native = shared_objects(artifact)
    if driver and a["architecture"] == host_architecture():
        modules.append(driver)  # the packaged driver itself, native parts included
    env = {"AWS_REGION": a["aws_region"], "POWERTOOLS_SERVICE_NAME": a["project_slug"]}
    loaded = import_from_zip(artifact, tmp_path / "task", modules, a["runtime"], env)
    assert set(loaded) == set(modules)
    for name, file in loaded.items():
        assert Path(file).is_relative_to(tmp_path / "task"), f"{name} was imported from {file}, not from the zip"
    wanted = {"x86_64": 62, "arm64": 183}[a["architecture"]]
    assert all(machine == wanted for machine in native.values()), f"shared objects for another CPU: {native}"
    if driver == "psycopg":
        assert native, "psycopg[binary] ships its libpq: the zip must hold it"
    if driver:  # the CA bundle that DB_TLS=verify-full uses by default travels inside the zip, byte for byte
        bundle = "amazon-trust-services.pem" if a["database_access"] == "rds-proxy" else "rds-global-bundle.pem"
        assert (tmp_path / "task" / pkg / "db" / "certs" / bundle).read_bytes() == (CA_BUNDLES / bundle).read_bytes()


def _nested_parameters(p: Packaged) -> dict[str, Any]:
    """What the root stack passes to each nested stack's parameters, by parameter name."""
    root = _template(p, "cloudformation-template-update-stack.json")["Resources"]
    stacks = [r for r in root.values() if r["Type"] == "AWS::CloudFormation::Stack"]
    return {name: value for stack in stacks for name, value in stack["Properties"].get("Parameters", {}).items()}


def test_the_default_rest_api_has_a_waf_rate_rule_and_the_account_a_monthly_budget(packaged: dict[str, Packaged]) -> None:
    """Defaults: waf=rate-limit at waf_rate_limit on the REST stage, logged to aws-waf-logs-*; a budget the alarm topic hears."""
    p = packaged["defaults"].ok()
    a, resources = p.answers, _resources(p)
    assert (a["api"], a["waf"], a["monthly_budget"]) == ("rest", "rate-limit", 50)

    def of_type(kind: str) -> dict[str, dict[str, Any]]:
        return {name: r for name, r in resources.items() if r["Type"] == kind}

    ((acl_id, acl),) = of_type("AWS::WAFv2::WebACL").items()
    props = acl["Properties"]
    assert props["Scope"] == "REGIONAL" and props["DefaultAction"] == {"Allow": {}}
    assert len(props["Rules"]) == WAF_RULES, "the cost model prices as many rules as the web ACL has"
    (rate,) = [rule for rule in props["Rules"] if "RateBasedStatement" in rule["Statement"]]
    assert rate["Statement"]["RateBasedStatement"] == {
        "Limit": a["waf_rate_limit"],
        "AggregateKeyType": "IP",
        "EvaluationWindowSec": limits.WAF_RATE_WINDOW_S,
    }
    response = rate["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429 and response["CustomResponseBodyKey"] in props["CustomResponseBodies"]
    managed = [
        rule["Statement"]["ManagedRuleGroupStatement"] for rule in props["Rules"] if "ManagedRuleGroupStatement" in rule["Statement"]
    ]
    assert {(m["VendorName"], m["Name"]) for m in managed} == {
        ("AWS", "AWSManagedRulesCommonRuleSet"),
        ("AWS", "AWSManagedRulesKnownBadInputsRuleSet"),
    }

    ((_, logging),) = of_type("AWS::WAFv2::LoggingConfiguration").items()
    assert logging["Properties"]["ResourceArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    (destination,) = logging["Properties"]["LogDestinationConfigs"]
    arn = destination["Fn::Sub"][0] if isinstance(destination["Fn::Sub"], list) else destination["Fn::Sub"]
    group_name = arn.rpartition(":log-group:")[2]
    assert group_name.startswith("aws-waf-logs-"), arn
    (group,) = [r["Properties"] for r in of_type("AWS::Logs::LogGroup").values() if r["Properties"].get("LogGroupName") == group_name]
    assert group["RetentionInDays"] == a["log_retention_days"]

    ((_, association),) = of_type("AWS::WAFv2::WebACLAssociation").items()
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    stage_arn, variables = association["Properties"]["ResourceArn"]["Fn::Sub"]
    assert stage_arn.endswith("/restapis/${RestApi}/stages/dev")
    rest_api = variables["RestApi"]
    root = _template(p, "cloudformation-template-update-stack.json")["Resources"]
    if "Ref" in rest_api:
        assert rest_api == {"Ref": "ApiGatewayRestApi"}
    else:  # moved into a nested stack by split-stacks: read through its output
        stack, output = rest_api["Fn::GetAtt"]
        assert root[stack]["Type"] == "AWS::CloudFormation::Stack" and output == "Outputs.ApiGatewayRestApi"
    deployments = of_type("AWS::ApiGateway::Deployment")
    assert set(association["DependsOn"]) & set(deployments), "associated once the stage exists"

    ((_, budget),) = of_type("AWS::Budgets::Budget").items()
    limit = budget["Properties"]["Budget"]
    assert (limit["BudgetType"], limit["TimeUnit"], limit["BudgetLimit"]) == (
        "COST",
        "MONTHLY",
        {"Amount": a["monthly_budget"], "Unit": "USD"},
    )
    (topic,) = of_type("AWS::SNS::Topic")
    notified = {}
    for entry in budget["Properties"]["NotificationsWithSubscribers"]:
        n = entry["Notification"]
        assert (n["ComparisonOperator"], n["ThresholdType"]) == ("GREATER_THAN", "PERCENTAGE")
        assert {"SubscriptionType": "SNS", "Address": {"Ref": topic}} in entry["Subscribers"]
        notified[n["NotificationType"]] = n["Threshold"]
    assert notified == {"ACTUAL": 80, "FORECASTED": 100}

    passed = _nested_parameters(p)
    (policy,) = of_type("AWS::SNS::TopicPolicy").values()
    (target,) = policy["Properties"]["Topics"]
    assert target == {"Ref": topic} or passed.get(target["Ref"]) == {"Ref": topic}, target
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    (budgets,) = [st for st in statements if st.get("Principal") == {"Service": "budgets.amazonaws.com"}]
    assert budgets["Effect"] == "Allow" and budgets["Action"] in ("sns:Publish", ["sns:Publish"])
    assert budgets["Resource"] == target
    assert budgets["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}


@pytest.mark.parametrize(("older", "newer"), list(SAME_ON_BOTH_LINES.items()))
def test_osls_3_and_osls_4_compile_the_same_templates(packaged: dict[str, Packaged], older: str, newer: str) -> None:
    """The same service (same name, same code) compiled by both lines: equal apart from packaging timestamps."""
    three, four = packaged[older].ok(), packaged[newer].ok()
    assert json.loads((three.project / "package.json").read_text())["devDependencies"]["osls"].startswith("3.")
    assert json.loads((four.project / "package.json").read_text())["devDependencies"]["osls"].startswith("4.")

    assert three.answers["project_slug"] == four.answers["project_slug"]

    def normalized(p: Packaged, path: Path) -> Any:
        return json.loads(TIMESTAMP.sub("<timestamp>", path.read_text()))

    assert [t.name for t in three.templates] == [t.name for t in four.templates]
    for a, b in zip(three.templates, four.templates, strict=True):
        assert normalized(three, a) == normalized(four, b), a.name
