"""``slsguard audit`` as people and tools see it: report snapshots, exit codes, one-line errors."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.audit import RULES
from generator.cli import main
from tests.support import paths
from tests.support.paths import REPO
from tests.support.snapshots import snapshot_check

FIXTURES = paths.FIXTURES / "audit"
SNAPSHOTS = paths.SNAPSHOTS / "audit"
DOCS = REPO / "docs" / "audit.md"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def in_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative paths keep the reports' file names stable wherever the repository lives."""
    monkeypatch.chdir(FIXTURES)


def test_json_report_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "nested", "--format", "json")
    assert code == 1
    snapshot_check(SNAPSHOTS / "nested.json", out)
    doc = json.loads(out)
    assert doc["schema"] == "slsguard-audit/1"
    assert doc["summary"] == {
        "errors": 1,
        "warnings": 2,  # the nested REST API has no web ACL
        "exempted": 0,
        "by_rule": {"api-timeout": 1, "nested-unaudited": 1, "rest-api-waf": 1},
    }


def test_json_report_with_exemptions_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "exemption/exempt.yaml", "--format", "json", "--account-concurrency", "3000")
    assert code == 1
    snapshot_check(SNAPSHOTS / "exempt.json", out)
    doc = json.loads(out)
    assert doc["account_concurrency"] == 3000
    assert {f["rule"] for f in doc["findings"] if f["exempt"]} == {"reserved-concurrency", "tracing"}


def test_text_report_snapshot(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "nested", "exemption/exempt.yaml")
    assert code == 1
    snapshot_check(SNAPSHOTS / "nested-and-exempt.txt", out)


def test_clean_templates_exit_0_with_one_summary_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "good.yaml")
    assert (code, out, err) == (0, "slsguard audit: 0 errors, 0 warnings, 0 exempted in 1 stack.\n", "")


def test_warn_only_reports_errors_but_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "nested", "--warn-only")
    assert code == 0
    assert "ERROR   api-timeout" in out and "1 error, 2 warnings" in out


def test_default_path_is_the_current_project(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIXTURES / "nested", tmp_path / ".serverless")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys)
    assert code == 1
    assert [line for line in out.splitlines() if line and not line.startswith(" ")] == [
        "root (.serverless/cloudformation-template-update-stack.json)",
        "APINestedStack (.serverless/cloudformation-template-API-nested-stack.json)",
        "by rule: api-timeout 1, nested-unaudited 1, rest-api-waf 1",
        "slsguard audit: 1 error, 2 warnings, 0 exempted in 2 stacks.",
    ]
    assert run(capsys, ".serverless") == (code, out, "")  # the same report as naming the folder


BAD_INPUT = [
    (["missing.json"], "slsguard: missing.json: no such file or folder. Fix: give a .serverless/ folder"),
    (["bad"], "slsguard: bad: no compiled templates (no cloudformation-template-update-stack.json here or in .serverless/). Fix: run"),
    (["bad/not-a-template.json"], "slsguard: bad/not-a-template.json: not a CloudFormation template (it has no Resources section)."),
    (["bad/broken.json"], "slsguard: bad/broken.json: not valid JSON (line 4, column 1: Expecting value)."),
    (["bad/broken.yaml"], "slsguard: bad/broken.yaml: not valid YAML (line 3, column 1): did not find expected node content."),
    (["good.yaml", "--account-concurrency", "0"], "slsguard: --account-concurrency=0 is not allowed: it must be a whole number >= 1."),
]


@pytest.mark.parametrize(
    ("argv", "start"), BAD_INPUT, ids=["missing", "no-templates", "not-a-template", "bad-json", "bad-yaml", "zero-limit"]
)
def test_unusable_input_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], start: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith(start), err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_damaged_recorded_answers_are_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "nested", tmp_path / ".serverless")
    (tmp_path / ".slsguard").mkdir()
    (tmp_path / ".slsguard" / "answers.json").write_text("{")
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2
    assert f"{tmp_path}/.slsguard/answers.json: not valid JSON" in err and "--account-concurrency" in err


def test_installed_command_prints_no_traceback() -> None:
    """The real console entry point, as the plugin bridge runs it."""
    proc = subprocess.run([sys.executable, "-m", "generator", "audit", "bad/broken.json"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("slsguard: bad/broken.json: not valid JSON") and "Traceback" not in proc.stderr


def documented_json() -> tuple[dict[str, Any], dict[str, str]]:
    """docs/audit.md's JSON example and its field table (field -> meaning), as a reader finds them."""
    doc = DOCS.read_text(encoding="utf-8")
    table = doc.index("| field | meaning |")
    example = doc[doc.rindex("```json\n", 0, table) + len("```json\n") : doc.rindex("```", 0, table)]
    rows = re.findall(r"^\| `([a-z_]+)` \| (.+) \|$", doc[table:].split("\n\n", 1)[0], flags=re.MULTILINE)
    return json.loads(example), dict(rows)


def test_the_json_output_has_the_documented_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The example is the output's shape and the table names every field it has, no more and no fewer."""
    example, fields = documented_json()
    where = [str(FIXTURES / "nested"), str(FIXTURES / "exemption" / "exempt.yaml"), str(FIXTURES / "rest-api-waf" / "declined.yaml")]
    baseline = tmp_path / "baseline.json"
    assert main(["audit", *where, "--write-baseline", str(baseline)]) == 1  # broken exemptions are never recorded
    capsys.readouterr()
    assert main(["audit", *where, "--format", "json", "--baseline", str(baseline)]) == 1
    real = json.loads(capsys.readouterr().out)
    assert list(real) == list(example) == ["schema", "account_concurrency", "stacks", "findings", "summary"]
    assert fields["schema"] == f"`{real['schema']}`" and example["schema"] == real["schema"]
    finding_keys = {key for finding in real["findings"] for key in finding}
    assert {key for finding in example["findings"] for key in finding} == finding_keys - {"baseline"}
    recorded = [finding for finding in real["findings"] if "baseline" in finding]  # only present, as true, when recorded
    assert recorded and all(finding["baseline"] is True for finding in recorded) and len(recorded) == real["summary"]["baseline"]
    assert any(finding["exempt"] for finding in real["findings"])
    assert set(fields) == set(real) | finding_keys
    assert {"error", "warning", "info"} <= {finding["severity"] for finding in real["findings"]}
    for finding in real["findings"]:
        assert f"`{finding['severity']}`" in fields["severity"]
    for key in real["stacks"][0]:
        assert f"`{key}`" in fields["stacks"], key
    assert set(example["stacks"][0]) == set(real["stacks"][0])
    assert {"errors", "warnings", "info", "exempted", "by_rule", "baseline"} <= set(real["summary"])
    for key in real["summary"]:
        assert f"`{key}`" in fields["summary"], key


def test_help_lists_every_rule_id_an_exemption_can_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["audit", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for rule in RULES:
        assert f"\n  {rule.id} " in out, rule.id


def test_audit_and_cost_read_the_answers_file_that_generation_writes():
    from generator.project import recorded, snapshot

    assert snapshot.ANSWERS_FILE is recorded.ANSWERS_FILE  # one constant, defined in recorded.py
    assert "ANSWERS_FILE =" not in Path(snapshot.__file__).read_text()
