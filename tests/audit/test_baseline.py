"""Baselines: today's findings recorded, reported as such, and only new ones fail; fingerprints that a
re-packaging, a statement reordering or split-stacks moving a resource do not change.

The osls proof (the same project packaged twice) is in tests/init/test_real_services.py.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from generator.audit import audit_with_templates, baseline
from generator.cli import main

FUNCTION = {
    "Type": "AWS::Lambda::Function",
    "Properties": {
        "FunctionName": "demo-dev-api",
        "Code": {"S3Bucket": "b", "S3Key": "serverless/demo/dev/1732960000000-2026-11-30T10:00:00.000Z/demo.zip"},
        "Timeout": 6,
        "ReservedConcurrentExecutions": 5,
        "TracingConfig": {"Mode": "Active"},
        "Environment": {"Variables": {"DB_PASSWORD": "hunter2", "STAGE": "dev"}},
    },
}
LOG_GROUP = {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": "/aws/lambda/demo-dev-api", "RetentionInDays": 14}}
POLICY = {
    "Type": "AWS::IAM::Policy",
    "Properties": {
        "PolicyName": "p",
        "PolicyDocument": {
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"},
                {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": "*"},
            ]
        },
    },
}


ERRORS_ALARM = {  # the rails' errors alarm, so the function's only findings are the ones these tests are about
    "Type": "AWS::CloudWatch::Alarm",
    "Properties": {
        "Namespace": "AWS/Lambda",
        "MetricName": "Errors",
        "Dimensions": [{"Name": "FunctionName", "Value": {"Ref": "ApiLambdaFunction"}}],
        "Statistic": "Sum",
        "Period": 300,
        "EvaluationPeriods": 1,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    },
}


def template(**extra: Any) -> dict[str, Any]:
    return {
        "Resources": {
            **{"ApiLambdaFunction": copy.deepcopy(FUNCTION), "ApiLogGroup": LOG_GROUP, "ApiErrorsAlarm": ERRORS_ALARM},
            **{"DataPolicy": copy.deepcopy(POLICY), **extra},
        }
    }


def write(folder: Path, body: dict[str, Any], name: str = "cloudformation-template-update-stack.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(body, indent=2))
    return folder


def prints(folder: Path) -> list[str]:
    findings, templates = audit_with_templates([folder])
    return sorted(baseline.fingerprints(findings, templates))


def audit(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_round_trip_reports_recorded_findings_and_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build = write(tmp_path / ".serverless", template())
    file = tmp_path / "baseline.json"
    code, _, err = audit(capsys, str(build), "--write-baseline", str(file))
    assert code == 0 and err == f"slsguard: recorded 3 findings in {file}.\n"
    code, out, _ = audit(capsys, str(build), "--baseline", str(file), "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert [f["baseline"] for f in doc["findings"]] == [True, True, True]
    assert doc["summary"] == {"errors": 0, "warnings": 0, "exempted": 0, "by_rule": {"iam-wildcard": 2, "plain-secret": 1}, "baseline": 3}
    code, out, _ = audit(capsys, str(build), "--baseline", str(file))
    assert out.splitlines()[0] == (
        f"accepted: 3 findings in the baseline (1 error, 2 warnings) not shown; `slsguard audit {build} --baseline {file} "
        "--show-accepted` lists them."
    )
    assert out.endswith("slsguard audit: 0 errors, 0 warnings, 0 exempted, 3 in the baseline in 1 stack.\n")
    code, out, _ = audit(capsys, str(build), "--baseline", str(file), "--show-accepted")
    assert out.startswith("Accepted by the baseline (3 findings):\nroot (")
    assert "ERROR   plain-secret  Resources.ApiLambdaFunction.Properties.Environment.Variables.DB_PASSWORD  (baseline)" in out
    assert out.endswith("slsguard audit: 0 errors, 0 warnings, 0 exempted, 3 in the baseline in 1 stack.\n")


def test_text_shows_new_findings_first_and_sums_the_accepted_up_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The accepted finding is in the root stack, the new one in a nested stack: the new one still comes first."""
    file = tmp_path / "baseline.json"
    audit(capsys, str(write(tmp_path / "before", template())), "--write-baseline", str(file))
    worse = template(
        QueueNestedStack={"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "https://b.s3.amazonaws.com/nested.json"}}
    )
    after = write(tmp_path / "after", worse)
    nested = copy.deepcopy(FUNCTION)
    nested["Properties"]["Environment"]["Variables"] = {"API_TOKEN": "x9Fq2LmP0rT7"}
    write(after, {"Resources": {"WorkerLambdaFunction": nested}}, "nested.json")  # a new function: also no errors alarm
    code, out, _ = audit(capsys, str(after), "--baseline", str(file))
    assert code == 1
    lines = out.splitlines()
    assert lines[:2] == [
        f"QueueNestedStack ({after / 'nested.json'})",
        "  ERROR   plain-secret  Resources.WorkerLambdaFunction.Properties.Environment.Variables.API_TOKEN",
    ]
    assert "(baseline)" not in out and [line for line in lines if line.startswith("accepted:")] == [
        f"accepted: 3 findings in the baseline (1 error, 2 warnings) not shown; `slsguard audit {after} --baseline {file} "
        "--show-accepted` lists them."
    ]
    assert lines[-1] == "slsguard audit: 2 errors, 0 warnings, 0 exempted, 3 in the baseline in 2 stacks."
    # --show-accepted lists them too, after every new finding, under their own heading.
    code, out, _ = audit(capsys, str(after), "--baseline", str(file), "--show-accepted")
    lines = out.splitlines()
    heading = lines.index("Accepted by the baseline (3 findings):")
    assert [i for i, line in enumerate(lines) if "(baseline)" in line] and min(
        i for i, line in enumerate(lines) if "(baseline)" in line
    ) > heading
    assert lines[1] == "  ERROR   plain-secret  Resources.WorkerLambdaFunction.Properties.Environment.Variables.API_TOKEN" and heading > 1
    # JSON is unchanged by it: every finding, in the same order as before.
    _, as_json, _ = audit(capsys, str(after), "--baseline", str(file), "--format", "json")
    _, shown, _ = audit(capsys, str(after), "--baseline", str(file), "--format", "json", "--show-accepted")
    assert as_json == shown and len(json.loads(as_json)["findings"]) == 5


def test_only_a_new_finding_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "baseline.json"
    audit(capsys, str(write(tmp_path / "before", template())), "--write-baseline", str(file))
    worse = template()
    worse["Resources"]["ApiLambdaFunction"]["Properties"]["Environment"]["Variables"]["API_TOKEN"] = "x9Fq2LmP0rT7"
    code, out, _ = audit(capsys, str(write(tmp_path / "after", worse)), "--baseline", str(file), "--format", "json")
    doc = json.loads(out)
    assert code == 1
    new = [f for f in doc["findings"] if not f.get("baseline")]
    assert [(f["rule"], f["path"]) for f in new] == [
        ("plain-secret", "Resources.ApiLambdaFunction.Properties.Environment.Variables.API_TOKEN")
    ]
    assert doc["summary"]["errors"] == 1 and doc["summary"]["baseline"] == 3


def test_a_fixed_finding_drops_out_and_the_rest_of_the_file_stays_byte_equal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "baseline.json"
    audit(capsys, str(write(tmp_path / "before", template())), "--write-baseline", str(file))
    before = [line.rstrip(",") for line in file.read_text().splitlines()]  # JSON: the last entry has no comma
    fixed = template()
    fixed["Resources"]["ApiLambdaFunction"]["Properties"]["Environment"]["Variables"].pop("DB_PASSWORD")
    audit(capsys, str(write(tmp_path / "after", fixed)), "--write-baseline", str(file))
    after = [line.rstrip(",") for line in file.read_text().splitlines()]
    gone = [line for line in before if line not in after]
    assert len(gone) == 1 and '"plain-secret"' in gone[0]
    assert after == [line for line in before if line not in gone]


def test_the_file_is_versioned_sorted_and_never_holds_the_secret(tmp_path: Path) -> None:
    findings, templates = audit_with_templates([write(tmp_path / "b", template())])
    file = tmp_path / "baseline.json"
    baseline.write(file, findings, templates)
    text = file.read_text()
    doc = json.loads(text)
    assert doc["schema"] == "slsguard-baseline/1"
    keys = [(e["rule"], e.get("logical_id"), e.get("path")) for e in doc["findings"]]
    assert keys == sorted(keys)
    assert "hunter2" not in text and "kind:literal" in text
    baseline.write(file, list(reversed(findings)), templates)
    assert file.read_text() == text


def test_fingerprints_ignore_code_location_file_paths_and_statement_order(tmp_path: Path) -> None:
    first = prints(write(tmp_path / "one" / ".serverless", template()))
    moved = template()
    moved["Resources"]["ApiLambdaFunction"]["Properties"]["Code"]["S3Key"] = "serverless/demo/dev/1733000000000-2026-12-01/demo.zip"
    statements = moved["Resources"]["DataPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    statements.reverse()
    statements[0]["Action"].reverse()
    assert prints(write(tmp_path / "elsewhere" / "two" / ".serverless", moved)) == first


def test_a_different_offending_value_kind_or_statement_is_a_new_finding(tmp_path: Path) -> None:
    first = set(prints(write(tmp_path / "one", template())))
    changed = template()
    changed["Resources"]["ApiLambdaFunction"]["Properties"]["Environment"]["Variables"]["DB_PASSWORD"] = "{{resolve:secretsmanager:db}}"
    changed["Resources"]["DataPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]["Action"].append("s3:DeleteObject")
    assert len(first - set(prints(write(tmp_path / "two", changed)))) == 2


def test_a_resource_split_stacks_moves_into_a_nested_stack_keeps_its_fingerprint(tmp_path: Path) -> None:
    """split-stacks moves resources between stacks as a service grows: the logical id, unique in the service, stays."""
    in_root = prints(write(tmp_path / "root-only", template()))
    root = template()
    moved = {"DataPolicy": root["Resources"].pop("DataPolicy")}
    url = {
        "Fn::Join": [
            "/",
            ["https://s3.amazonaws.com", "bucket", "serverless/demo/dev/1", "cloudformation-template-Policies-nested-stack.json"],
        ]
    }
    root["Resources"]["PoliciesNestedStack"] = {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": url}}
    folder = write(tmp_path / "split", root)
    write(folder, {"Resources": moved}, "cloudformation-template-Policies-nested-stack.json")
    assert prints(folder) == in_root


def test_a_stack_level_finding_keeps_the_stack_in_its_fingerprint(tmp_path: Path) -> None:
    findings, templates = audit_with_templates([write(tmp_path / "b", template())])
    parts = [baseline.key(f, {t.name: t for t in templates}) for f in findings]
    assert all(p["stack"] is None for p in parts if p["logical_id"])
    budget = baseline.key(
        type(findings[0])("concurrency-budget", "error", "root", None, "Resources", "m", "f"), {t.name: t for t in templates}
    )
    assert budget["stack"] == "root"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file."),
        ("{not json", "not valid JSON"),
        (
            '{"schema": "slsguard-baseline/9", "findings": []}',
            "schema='slsguard-baseline/9' is not allowed: it must be 'slsguard-baseline/1'.",
        ),
        ('{"schema": "slsguard-baseline/1", "findings": [{"rule": "x"}]}', "findings must be a list of entries with a fingerprint."),
    ],
    ids=["missing", "corrupt", "other-schema", "no-fingerprint"],
)
def test_an_unusable_baseline_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    file = tmp_path / "baseline.json"
    if content is not None:
        file.write_text(content)
    code, out, err = audit(capsys, str(write(tmp_path / "b", template())), "--baseline", str(file))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"slsguard: --baseline {file}: ")
    assert message in err and "Fix: write one with `slsguard audit PATH --write-baseline FILE`" in err


def test_write_and_read_baseline_exclude_each_other(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["audit", str(tmp_path), "--baseline", "a.json", "--write-baseline", "b.json"])
    assert exit_info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_broken_exemption_is_never_accepted_by_a_baseline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = template()
    body["Resources"]["DataPolicy"]["Metadata"] = {"slsguard": {"exempt": {"iam-wildcard": " "}}}
    build = write(tmp_path / "b", body)
    file = tmp_path / "baseline.json"
    audit(capsys, str(build), "--write-baseline", str(file))
    assert "exemption" not in {e["rule"] for e in json.loads(file.read_text())["findings"]}
    code, out, _ = audit(capsys, str(build), "--baseline", str(file), "--format", "json")
    assert code == 1
    assert [f["rule"] for f in json.loads(out)["findings"] if not f.get("baseline")] == ["exemption"]


def functions(*names: str) -> dict[str, Any]:
    """Functions sharing one plain secret (one provider.environment line): the audit reports it as one grouped finding."""
    body: dict[str, Any] = {"Resources": {}}
    for name in names:
        fn = copy.deepcopy(FUNCTION)
        fn["Properties"]["FunctionName"] = f"demo-dev-{name.lower()}"
        body["Resources"][f"{name}LambdaFunction"] = fn
    return body


def plain_secret(doc: dict[str, Any]) -> dict[str, Any]:
    (finding,) = [f for f in doc["findings"] if f["rule"] == "plain-secret"]
    return finding


def test_a_grouped_finding_is_recorded_per_member_so_removing_its_first_member_keeps_it_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "baseline.json"
    code, out, err = audit(capsys, str(write(tmp_path / "before", functions("Api", "Worker"))), "--write-baseline", str(file))
    recorded = [e["logical_id"] for e in json.loads(file.read_text())["findings"] if e["rule"] == "plain-secret"]
    assert recorded == ["ApiLambdaFunction", "WorkerLambdaFunction"]
    # the count is of findings, as the report counts them: the grouped secret is one
    (shown,) = [line for line in out.splitlines() if line.startswith("slsguard audit:")]
    assert err == f"slsguard: recorded {shown.split(', ')[-1].split()[0]} findings in {file}.\n", (err, shown)
    # WHEN the function listed first is removed, the rest of the group is still the accepted finding
    code, out, _ = audit(capsys, str(write(tmp_path / "smaller", functions("Worker"))), "--baseline", str(file), "--format", "json")
    assert code == 0 and plain_secret(json.loads(out)).get("baseline") is True
    # WHEN a function joins the group, the group is new: a baseline accepts what was there, not what comes
    code, out, _ = audit(
        capsys, str(write(tmp_path / "grown", functions("Api", "Worker", "Report"))), "--baseline", str(file), "--format", "json"
    )
    finding = plain_secret(json.loads(out))
    assert code == 1 and not finding.get("baseline") and len(finding["resources"]) == 3
