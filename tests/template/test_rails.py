"""Every function gets every rail, including the ones a team adds later: generated projects grown with
hand-written blocks of only handler, events, timeout and reservedConcurrency (an HTTP function, a scheduled
function, a second SQS consumer with its own queue pair), packaged with the real osls (split-stacks pointed at
moto), then asserted on the compiled root and nested templates; the project's own ``npm run scan`` exits 0.

Three answer sets, packaged once per module. Run alone with ``pytest -m slow tests/template/test_rails.py``.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from generator import new_project as new
from generator.answers import rules
from generator.answers.parse import complete
from tests.support.projects import run_npm_script
from tests.support.toolchain import (
    MotoServer,
    checkov,
    compiled_templates,
    moto,  # noqa: F401  (session fixture)
    package,
    scanner_path,
)

pytestmark = pytest.mark.slow

GROWN: dict[str, dict[str, Any]] = {
    "default": {},  # REST API, warmer, tracing, split stacks
    "provisioned-http-db": {"cold_start": "provisioned", "api": "http", "database": "mysql", "database_access": "direct"},
    "api-none": {"api": "none", "tracing": False},
}
HTTP_EVENT = {
    "rest": "      - http:\n          path: /hook\n          method: post\n          private: true\n",
    "http": "      - httpApi: POST /hook\n",
}
MAIL_QUEUES = """\
    MailQueue:
      Type: AWS::SQS::Queue
      Properties:
        VisibilityTimeout: 120
        SqsManagedSseEnabled: true
        RedrivePolicy:
          deadLetterTargetArn:
            Fn::GetAtt: [MailDeadLetterQueue, Arn]
          maxReceiveCount: 5
    MailDeadLetterQueue:
      Type: AWS::SQS::Queue
      Properties:
        MessageRetentionPeriod: 1209600
        SqsManagedSseEnabled: true
"""
TIMEOUTS = {"hook": 5, "report": 25, "mailer": 20}
SEND_MAIL = """\
    slsguard:
      statements:
        - Effect: Allow
          Action: ses:SendEmail
          Resource: !Sub arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/example.com
"""  # the mailer's own permission: its role only


@dataclass
class Grown:
    """One generated project after a team added functions by hand, packaged and scanned."""

    answers: dict[str, Any]
    project: Path
    added: dict[str, str] = field(default_factory=dict)  # function name -> trigger kind
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    templates: list[Path] = field(default_factory=list)
    error: Exception | None = None

    def ok(self) -> Grown:
        if self.error is not None:
            raise self.error
        return self


def grow(project: Path, answers: dict[str, Any]) -> dict[str, str]:
    """Add function blocks the way a user copies them: handler, events, timeout, reservedConcurrency (+ slsguard)."""
    pkg, api = answers["package_name"], answers["api"]
    blocks, added = [], {}
    if api != "none":
        blocks.append(
            f"  hook:\n    handler: {pkg}/hook.handler\n    timeout: {TIMEOUTS['hook']}\n    reservedConcurrency: 2\n    events:\n{HTTP_EVENT[api]}"
        )
        added["hook"] = "http"
    database = "    slsguard:\n      database: true\n" if answers["database"] != "none" else ""
    blocks.append(
        f"  report:\n    handler: {pkg}/report.handler\n    timeout: {TIMEOUTS['report']}\n    reservedConcurrency: 1\n"
        f"{database}    events:\n      - schedule: rate(1 hour)\n"
    )
    blocks.append(
        f"  mailer:\n    handler: {pkg}/mailer.handler\n    timeout: {TIMEOUTS['mailer']}\n    reservedConcurrency: 2\n"
        f"{SEND_MAIL}    events:\n      - sqs:\n          arn:\n            Fn::GetAtt: [MailQueue, Arn]\n"
    )
    added.update(report="schedule", mailer="sqs")
    config = project / "serverless.yml"
    text = config.read_text()
    assert text.count("\nplugins:\n") == 1 and text.count("\n  Resources:\n") == 1
    text = text.replace("\nplugins:\n", "\n" + "".join(blocks) + "\nplugins:\n")
    text = text.replace("\n  Resources:\n", "\n  Resources:\n" + MAIL_QUEUES)
    config.write_text(text)
    for name in added:
        (project / pkg / f"{name}.py").write_text("def handler(event, context):\n    return None\n")
    return added


def _package(grown: Grown, server: MotoServer, cache: Path) -> None:
    try:
        grown.templates = compiled_templates(package(grown.project, server, cache))
        for path in grown.templates:
            if "create-stack" not in path.name:
                grown.resources.update(json.loads(path.read_text())["Resources"])
    except Exception as err:  # reported by the tests of this answer set
        grown.error = err


@pytest.fixture(scope="module")
def grown(moto: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Grown]:  # noqa: F811
    """Render and grow each answer set, then package them two at a time (2 cores)."""
    root, cache = tmp_path_factory.mktemp("grown"), tmp_path_factory.mktemp("grown-cache")
    results = {}
    for i, (name, given) in enumerate(GROWN.items()):
        answers = complete({"project_name": f"Grown {i}", **given})
        project = new(answers, root)
        results[name] = Grown(answers, project, grow(project, answers))
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda g: _package(g, moto, cache), results.values()))
    return results


CASES = pytest.mark.parametrize("case", list(GROWN))
MIGRATE_TIMEOUT_S = 900  # serverless.yml's migrate function: long DDL


def _functions(g: Grown) -> dict[str, dict[str, Any]]:
    """Generated and added functions (not the warmer), by name, with what the test expects of each."""
    a = g.answers
    found = {name: {"timeout": a["function_timeout"], "kind": "http" if name == "api" else "sqs"} for name in rules.generated_functions(a)}
    if rules.MIGRATE_FUNCTION in rules.all_functions(a):  # invoked by CloudFormation's custom resource: asynchronous
        found[rules.MIGRATE_FUNCTION] = {"timeout": MIGRATE_TIMEOUT_S, "kind": "schedule"}
    found.update({name: {"timeout": TIMEOUTS[name], "kind": kind} for name, kind in g.added.items()})
    return found


def _prefix(name: str) -> str:
    return name[0].upper() + name[1:]


def _ref(value: dict[str, str]) -> str:
    """The logical id a Ref names, seen through split-stacks' nested-stack parameters (``<Id>Parameter``)."""
    return value["Ref"].removesuffix("Parameter")


def _statements(g: Grown, role: str) -> list[dict[str, Any]]:
    return [s for policy in g.resources[role]["Properties"]["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    return {action for s in statements for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}


@CASES
def test_every_function_has_errors_throttles_and_duration_alarms_at_80_percent_of_its_own_timeout(
    grown: dict[str, Grown], case: str
) -> None:
    g = grown[case].ok()
    for name, expect in _functions(g).items():
        for kind in ("Errors", "Throttles", "Duration"):
            alarm = g.resources[f"{_prefix(name)}{kind}Alarm"]["Properties"]
            assert alarm["MetricName"] == kind and _ref(alarm["AlarmActions"][0]) == "AlarmTopic", (name, kind)
            assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": alarm["Dimensions"][0]["Value"]["Ref"]}}]
            assert _ref(alarm["Dimensions"][0]["Value"]) == f"{_prefix(name)}LambdaFunction", (name, kind)
        assert g.resources[f"{_prefix(name)}DurationAlarm"]["Properties"]["Threshold"] == expect["timeout"] * 800, name
    for queue in ("WorkDeadLetterQueue", "MailDeadLetterQueue"):
        assert g.resources[f"{queue}Alarm"]["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"


@CASES
def test_every_function_log_group_is_in_every_saved_query(grown: dict[str, Grown], case: str) -> None:
    g = grown[case].ok()
    queries = {
        r["Properties"]["Name"].split("/")[-1]: r["Properties"] for r in g.resources.values() if r["Type"] == "AWS::Logs::QueryDefinition"
    }
    assert set(queries) == {"one-correlation-id", "errors", "cold-starts", "slowest-requests"}
    slug = g.answers["project_slug"]
    for query in queries.values():
        assert set(query["LogGroupNames"]) == {f"/aws/lambda/{slug}-dev-{name}" for name in _functions(g)}


@CASES
def test_every_function_has_its_own_least_privilege_role(grown: dict[str, Grown], case: str) -> None:
    g = grown[case].ok()
    a = g.answers
    assert "IamRoleLambdaExecution" not in g.resources, "the shared role is removed once no function uses it"
    databases = {"default": set(), "provisioned-http-db": {"api", "worker", "report", "migrate"}, "api-none": set()}[case]
    queues = {"worker": "WorkQueue", "mailer": "MailQueue"}
    for name in _functions(g):
        role = f"{_prefix(name)}IamRole"
        function = g.resources[f"{_prefix(name)}LambdaFunction"]
        assert function["Properties"]["Role"] == {"Fn::GetAtt": [role, "Arn"]}, name
        assert "RoleName" not in g.resources[role]["Properties"]
        statements = _statements(g, role)
        actions = _actions(statements)
        assert ("xray:PutTraceSegments" in actions) == a["tracing"], name
        sqs_reads = [s["Resource"] for s in statements if "sqs:ReceiveMessage" in s["Action"]]
        assert sqs_reads == ([[{"Fn::GetAtt": [queues[name], "Arn"]}]] if name in queues else []), name
        assert ("secretsmanager:GetSecretValue" in actions) == (name in databases), name
        assert ("ses:SendEmail" in actions) == (name == "mailer"), name
        logs = [s for s in statements if "logs:PutLogEvents" in s["Action"]]
        assert len(logs) == 1 and f"/aws/lambda/{a['project_slug']}-dev-{name}:" in json.dumps(logs[0]["Resource"]), name
        in_vpc = bool(function["Properties"].get("VpcConfig", {}).get("SubnetIds"))
        assert in_vpc == (name in databases and rules.uses_vpc(a)), name
        managed = json.dumps(g.resources[role]["Properties"].get("ManagedPolicyArns", []))
        assert ("AWSLambdaVPCAccessExecutionRole" in managed) == in_vpc, name


@CASES
def test_cold_start_reaches_every_http_function(grown: dict[str, Grown], case: str) -> None:
    g = grown[case].ok()
    http = {name for name, f in _functions(g).items() if f["kind"] == "http"}
    cold = rules.cold_start(g.answers)
    rollout = g.answers.get("rollout") == "canary" and bool(http)  # the canary publishes versions behind a `live` alias
    if cold == "warmer":
        invoke = [s for s in _statements(g, "WarmerRole") if "lambda:InvokeFunction" in s["Action"]]
        assert invoke
        targets = invoke[0]["Resource"]
        assert {r["Fn::GetAtt"][0] for r in targets if "Fn::GetAtt" in r} == {f"{_prefix(n)}LambdaFunction" for n in http}
        # With the canary rollout the warmer pings each function's `live` alias, so its role names the alias too.
        pinged = {g.resources[r["Ref"]]["Properties"]["FunctionName"]["Ref"] for r in targets if "Ref" in r}
        assert pinged == ({f"{_prefix(n)}LambdaFunction" for n in http} if rollout else set())
    aliases = {
        r["Properties"]["FunctionName"]["Ref"]
        for r in g.resources.values()
        if r["Type"] == "AWS::Lambda::Alias" and "ProvisionedConcurrencyConfig" in r["Properties"]
    }
    assert aliases == ({f"{_prefix(n)}LambdaFunction" for n in http} if cold == "provisioned" else set())
    versions = [r for r in g.resources.values() if r["Type"] == "AWS::Lambda::Version"]
    assert bool(versions) == (cold in ("provisioned", "snapstart") or rollout), "versions only where the cold start or rollout needs them"


@CASES
def test_the_scheduled_function_has_a_failure_queue_with_an_alarm(grown: dict[str, Grown], case: str) -> None:
    g = grown[case].ok()
    report = g.resources["ReportLambdaFunction"]["Properties"]
    assert report["DeadLetterConfig"] == {"TargetArn": {"Fn::GetAtt": ["ReportFailureQueue", "Arn"]}}
    queue = g.resources["ReportFailureQueue"]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True and queue["MessageRetentionPeriod"] == 1209600
    assert g.resources["ReportFailureQueueAlarm"]["Properties"]["Threshold"] == 1
    sends = [s for s in _statements(g, "ReportIamRole") if "sqs:SendMessage" in s["Action"]]
    assert sends == [{"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [{"Fn::GetAtt": ["ReportFailureQueue", "Arn"]}]}]
    for name, expect in _functions(g).items():  # asynchronous ones (report, the custom resource's migrate) have one, no other
        has = "DeadLetterConfig" in g.resources[f"{_prefix(name)}LambdaFunction"]["Properties"]
        assert has == (expect["kind"] == "schedule"), name


@CASES
def test_checkov_finds_nothing_and_the_projects_own_scan_exits_0(grown: dict[str, Grown], case: str) -> None:
    g = grown[case].ok()
    scan = checkov(g.templates)
    assert scan.passed > 0 and not scan.parsing_errors
    assert not scan.failed, "\n".join(scan.failed)
    result = run_npm_script(g.project, "scan", path=scanner_path())
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
