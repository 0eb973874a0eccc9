"""The rails rules (generator/audit/rails.py): a passing and a failing fixture each, and their false-positive guards."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from generator.audit import audit
from generator.audit.model import ERROR
from generator.audit.rules import BY_ID
from tests.support import paths

FIXTURES = paths.FIXTURES / "audit"
RAILS = ("errors-alarm", "queue-visibility", "sqs-max-concurrency", "warmer-permission", "async-failure-destination")


def of_rule(rule: str, path: Path) -> list[tuple[str, str | None]]:
    return [(f.severity, f.logical_id) for f in audit([path]) if f.rule == rule]


def with_warmer(tmp_path: Path, template: str) -> Path:
    """The template with the warmer's artifact next to it, zipped as serverless-plugin-warmup packages it."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = shutil.copy(FIXTURES / "warmer-permission" / template, tmp_path / template)
    with zipfile.ZipFile(tmp_path / "warmUpPluginDefault.zip", "w") as archive:
        archive.write(FIXTURES / "warmer-permission" / "targets.mjs", ".warmup/default/index.mjs")
    return Path(path)


CASES = [
    ("errors-alarm", [(ERROR, "PagesLambdaFunction"), (ERROR, "ThrottledLambdaFunction"), (ERROR, "OtherLambdaFunction")]),
    ("queue-visibility", [(ERROR, "WorkQueue"), (ERROR, "SlowQueue")]),
    ("sqs-max-concurrency", [(ERROR, "WorkerEventSourceMappingSQSWorkQueue")]),
    ("async-failure-destination", [(ERROR, "ReportLambdaFunction"), (ERROR, "UploadLambdaFunction"), (ERROR, "NotifyLambdaFunction")]),
]


@pytest.mark.parametrize(("rule", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rule_passes_and_fails(rule: str, expected: list[tuple[str, str]]) -> None:
    assert of_rule(rule, FIXTURES / rule / "pass.yaml") == []
    assert of_rule(rule, FIXTURES / rule / "fail.yaml") == sorted(expected)  # reports order findings by logical id


def test_no_queue_or_async_rule_fires_on_another_rules_pass_fixture(tmp_path: Path) -> None:
    """The queue and failure-destination rules stay quiet on every passing fixture (warmers, SQS consumers, HTTP functions)."""
    for rule in RAILS:
        path = with_warmer(tmp_path / rule, "pass.yaml") if rule == "warmer-permission" else FIXTURES / rule / "pass.yaml"
        found = [(f.rule, f.logical_id) for f in audit([path]) if f.rule in RAILS and f.rule not in ("errors-alarm", "warmer-permission")]
        assert found == [], rule


def test_the_warmer_may_invoke_every_function_it_pings(tmp_path: Path) -> None:
    assert of_rule("warmer-permission", with_warmer(tmp_path / "pass", "pass.yaml")) == []
    findings = [f for f in audit([with_warmer(tmp_path / "fail", "fail.yaml")]) if f.rule == "warmer-permission"]
    assert [(f.severity, f.logical_id) for f in findings] == [(ERROR, "WarmerRole"), (ERROR, "WarmerRole")]
    assert "demo-dev-pages (PagesLambdaFunction)" in findings[0].message
    assert "demo-dev-reports (ReportsLambdaFunction)" in findings[1].message
    assert "Fn::GetAtt: [PagesLambdaFunction, Arn]" in findings[0].fix


def test_the_warmer_needs_no_errors_alarm_nor_failure_destination(tmp_path: Path) -> None:
    findings = audit([with_warmer(tmp_path, "fail.yaml")])
    assert not [f for f in findings if f.logical_id == "WarmUpPluginDefaultLambdaFunction" and f.rule in RAILS]
    assert {f.logical_id for f in findings if f.rule == "errors-alarm"} == {
        "ApiLambdaFunction",
        "PagesLambdaFunction",
        "ReportsLambdaFunction",
    }


def test_messages_name_the_numbers_and_the_fix() -> None:
    findings = {f.logical_id: f for f in audit([FIXTURES / "queue-visibility" / "fail.yaml"]) if f.rule == "queue-visibility"}
    assert "30 s, less than 6 x the 6 s timeout" in findings["WorkQueue"].message
    assert "at least 36" in findings["WorkQueue"].fix
    assert "less than 6 x the 10 s timeout" in findings["SlowQueue"].message  # SQS's 30 s default counted
    [concurrency] = [f for f in audit([FIXTURES / "sqs-max-concurrency" / "fail.yaml"]) if f.rule == "sqs-max-concurrency"]
    assert "10 copies" in concurrency.message and "reserves only 2" in concurrency.message
    assert concurrency.path == "Resources.WorkerEventSourceMappingSQSWorkQueue.Properties.ScalingConfig.MaximumConcurrency"
    lost = {
        f.logical_id: f.message
        for f in audit([FIXTURES / "async-failure-destination" / "fail.yaml"])
        if f.rule == "async-failure-destination"
    }
    assert "EventBridge rule ReportEventsRuleSchedule1" in lost["ReportLambdaFunction"]
    assert "s3 (permission UploadLambdaPermissionUploadsS3)" in lost["UploadLambdaFunction"]
    assert "SNS topic NotifyTopic" in lost["NotifyLambdaFunction"]


def test_the_rules_are_registered_with_their_contract_ids() -> None:
    for rule in RAILS:
        assert rule in BY_ID
        assert BY_ID[rule].summary.endswith("(error)")
